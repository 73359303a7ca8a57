#!/usr/bin/python3
"""Load `bulwark convert` outputs of the real fixtures with the reference safetensors reader (Rust core).

Not needed by CI (the vitest suite reads the committed fixtures); run by hand after changing the
converter, with Debian's python3-torch and the safetensors wheel installed in a target folder:

    pip install --no-deps --target /tmp/st-wheel safetensors-0.8.0-*.whl
    OUT=$(mktemp -d); for f in state-dict-fp32 dtypes-mix tied-state-dict views nested legacy; do
      node dist/bulwark.mjs convert -q test-fixtures/real/convert/$f.pt $OUT/$f.safetensors; done
    for f in array.npy arrays.npz; do node dist/bulwark.mjs convert -q test-fixtures/real/convert/$f $OUT/${f%.*}.safetensors; done
    node dist/bulwark.mjs convert -q --tensors-only test-fixtures/real/convert/tied-full-model.pt $OUT/tied-full-model.safetensors
    node dist/bulwark.mjs convert -q test-fixtures/real/convert/sharded $OUT/sh
    PYTHONPATH=/tmp/st-wheel /usr/bin/python3 scripts/check-convert-reference.py $OUT

Every tensor recorded in test-fixtures/real/convert/expected.json is loaded with
safetensors.torch.load_file (aliases of tied weights resolved through the metadata, as
safetensors.torch.load_model does) and compared by shape and SHA-256 of its bytes.
"""
import hashlib
import json
import sys

import torch
from safetensors import safe_open
from safetensors.torch import load_file

T = sys.argv[1]
exp = json.load(open('test-fixtures/real/convert/expected.json'))['files']


def tb(t):
    t = t.contiguous().reshape(-1)
    return b'' if t.numel() == 0 else t.view(torch.uint8).numpy().tobytes()


ok = 0
pairs = [(f'{T}/{n}.safetensors', n + '.pt') for n in ['state-dict-fp32', 'dtypes-mix', 'tied-state-dict', 'views', 'nested', 'tied-full-model', 'legacy']]
pairs += [(f'{T}/array.safetensors', 'array.npy'), (f'{T}/arrays.safetensors', 'arrays.npz')]
pairs += [(f'{T}/sh/model-0000{i}-of-00002.safetensors', f'sharded/pytorch_model-0000{i}-of-00002.bin') for i in (1, 2)]
for out, fx in pairs:
    with safe_open(out, 'pt') as f:
        meta = f.metadata()
    d = load_file(out)
    for name, w in exp[fx].items():
        t = d[name if name in d else meta[name]]
        assert list(t.shape) == w['shape'], (fx, name)
        assert hashlib.sha256(tb(t)).hexdigest() == w['sha256'], (fx, name)
        ok += 1
print('safetensors', __import__('safetensors').__version__, 'torch', torch.__version__, 'checked', ok, 'tensors: all match')
