#!/usr/bin/env python3
"""Writes expected.json: what libyaml (PyYAML's CBaseLoader, the C library yaml.v2 was ported from)
makes of each edge case in cases.json. Every scalar stays a string (BaseLoader), so the comparison is
about syntax and scalar text, not type resolution (yaml-resolve.ts has its own tests).
Run: python3 test-fixtures/k8s/yaml-edge/make-expected.py   (PyYAML 6 with libyaml)"""
import json, os, yaml
here = os.path.dirname(os.path.abspath(__file__))
cases = json.load(open(os.path.join(here, 'cases.json')))
out = {}
for c in cases:
    try:
        docs = list(yaml.load_all(c['yaml'], Loader=yaml.CBaseLoader))
        out[c['name']] = {'ok': True, 'docs': docs}
    except yaml.YAMLError as e:
        out[c['name']] = {'ok': False, 'error': str(e).split('\n')[0]}
json.dump({'generator': f'PyYAML {yaml.__version__} CBaseLoader (libyaml)', 'results': out}, open(os.path.join(here, 'expected.json'), 'w'), indent=1, sort_keys=True)
print(len(out), 'cases')
