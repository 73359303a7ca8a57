/**
 * The configuration file: every key, every error message (with its line and column), and the rule
 * settings resolved against a registry.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CORE_RULESET, createRegistry, defineRule, defineRuleSet } from '../rules/index.js';
import { EMPTY_CONFIG, loadConfigFile, parseConfig, resolveRules } from './index.js';

const meta = { title: 't', description: 'd', remediation: 'r', references: [], maturity: 'stable' as const };
const RULES = createRegistry([
  CORE_RULESET,
  defineRuleSet('k8s', ['k8s'], [
    defineRule({ ...meta, id: 'k8s/image-latest', severity: 'medium', tags: ['k8s', 'images'] }),
    defineRule({ ...meta, id: 'k8s/missing-resource-limits', severity: 'medium', tags: ['k8s', 'resources'] }),
    defineRule({ ...meta, id: 'k8s/pss-privileged', severity: 'critical', tags: ['k8s', 'pss'] }),
    defineRule({ ...meta, id: 'k8s/pss-host-ports', severity: 'medium', tags: ['k8s', 'pss'] }),
    defineRule({ ...meta, id: 'k8s/gpu-new', severity: 'high', tags: ['k8s', 'gpu'], maturity: 'experimental' }),
  ]),
  defineRuleSet('pickle', ['pickle'], [defineRule({ ...meta, id: 'pickle/unknown-global', severity: 'medium', tags: ['pickle'] })]),
]).rules;

const rule = (id: string) => RULES.find((r) => r.id === id) as (typeof RULES)[number];

/** The minimal file, exactly as written there. */
const MINIMAL = `rules:
  k8s/image-latest: off
  k8s/missing-resource-limits: { severity: low }
ignore:
  - "vendor/**"
suppressions:
  - rule: pickle/unknown-global
    path: models/legacy.pt
    reason: internal class, reviewed
    expires: 2027-01-31
`;

describe('parseConfig', () => {
  it('reads the minimal file of the issue as written', () => {
    const c = parseConfig(MINIMAL, 'bulwark.yaml');
    expect(c.rules.map((r) => [r.selector, r.setting])).toEqual([
      ['k8s/image-latest', { enabled: false }],
      ['k8s/missing-resource-limits', { severity: 'low' }],
    ]);
    expect(c.rules[0]?.origin).toBe('bulwark.yaml:2:3');
    expect(c.ignore).toEqual(['vendor/**']);
    expect(c.suppressions).toEqual([
      { rule: 'pickle/unknown-global', path: 'models/legacy.pt', reason: 'internal class, reviewed', expires: '2027-01-31', file: 'bulwark.yaml', line: 7, column: 5 },
    ]);
    const sel = resolveRules(c, RULES);
    expect(sel.state(rule('k8s/image-latest'))).toMatchObject({ enabled: false, reason: 'bulwark.yaml:2:3 k8s/image-latest: off' });
    expect(sel.state(rule('k8s/missing-resource-limits'))).toMatchObject({ enabled: true, severity: 'low' });
    expect(sel.state(rule('k8s/pss-privileged'))).toEqual({ enabled: true, reason: 'default (stable)' });
  });

  it('reads every key', () => {
    const c = parseConfig(
      `version: 1
rules:
  tag:gpu: on
  maturity:experimental: { enabled: true, severity: medium }
  k8s/pss-*: high
  k8s/pss-host-ports: { enabled: false }
ignore: "**/testdata/**"
suppressions:
  - rule: k8s/pss-*
    object: { kind: Deployment, namespace: gpu-operator, name: driver }
    reason: the driver installer loads kernel modules
  - rule: k8s/image-latest
    fingerprint: 0123abcd
    reason: tracked in JIRA-1
pickle:
  allow: [mypkg.models.MyNet, "mypkg.layers.*"]
  deny: evilpkg.*
limits:
  maxTextBytes: 128MiB
  maxFiles: 5000
scan:
  failOn: medium
  policy: production
  strict: true
  jobs: 3
  includeVcs: no
kubernetes:
  pssLevel: baseline
  pssVersion: v1.30
  sandboxRuntimeClasses: [my-kata]
signing:
  identity: ci@example.com
  issuer: https://token.actions.githubusercontent.com
admission:
  defaults: { enforce: baseline, warn: restricted, version: v1.31 }
  exemptions: { namespaces: [gpu-operator], runtimeClasses: [kata] }
  controllers: warn
  suppressions: honor
  onInternalError: allow
  mutation: { tokenlessServiceAccounts: [default] }
`,
      'x.yaml',
    );
    expect(c.rules.map((r) => r.selector)).toEqual(['tag:gpu', 'maturity:experimental', 'k8s/pss-*', 'k8s/pss-host-ports']);
    expect(c.rules[2]?.setting).toEqual({ severity: 'high' });
    expect(c.ignore).toEqual(['**/testdata/**']);
    expect(c.suppressions[0]).toMatchObject({ rule: 'k8s/pss-*', object: { kind: 'Deployment', namespace: 'gpu-operator', name: 'driver' } });
    expect(c.suppressions[1]).toMatchObject({ fingerprint: '0123abcd' });
    expect(c.pickle).toEqual({ allow: ['mypkg.models.MyNet', 'mypkg.layers.*'], deny: ['evilpkg.*'] });
    expect(c.limits).toEqual({ maxTextBytes: 128 * 1024 * 1024, maxFiles: 5000 });
    expect(c.scan).toEqual({ failOn: 'medium', policy: 'production', strict: true, jobs: 3, includeVcs: false });
    expect(c.kubernetes).toEqual({ pssLevel: 'baseline', pssVersion: 'v1.30', sandboxRuntimeClasses: ['my-kata'] });
    expect(c.signing).toEqual({ identity: 'ci@example.com', issuer: 'https://token.actions.githubusercontent.com' });
    expect(c.admission).toEqual({
      defaults: { enforce: 'baseline', warn: 'restricted', version: 'v1.31' },
      exemptions: { namespaces: ['gpu-operator'], runtimeClasses: ['kata'] },
      controllers: 'warn',
      suppressions: 'honor',
      onInternalError: 'allow',
      mutation: { tokenlessServiceAccounts: ['default'] },
    });
    const sel = resolveRules(c, RULES);
    // The experimental rule: on by maturity (and tag), graded medium by the maturity setting.
    expect(sel.state(rule('k8s/gpu-new'))).toMatchObject({ enabled: true, severity: 'medium' });
    // The id setting (most specific) beats the family's; the family's severity still applies.
    expect(sel.state(rule('k8s/pss-host-ports'))).toMatchObject({ enabled: false, severity: 'high' });
    expect(sel.state(rule('k8s/pss-privileged'))).toMatchObject({ enabled: true, severity: 'high' });
  });

  it('treats an empty file as the defaults', () => {
    expect(parseConfig('', 'e.yaml')).toEqual({ ...EMPTY_CONFIG, file: 'e.yaml' });
    expect(parseConfig('# nothing\n', 'e.yaml').rules).toEqual([]);
  });

  // Every error: the message, with file:line:column of the offending key or value.
  const errors: [string, string, RegExp][] = [
    ['unknown top-level key', 'rulez:\n  a: off\n', /^c\.yaml:1:1: the configuration: unknown key "rulez"; known keys: version, rules/],
    ['case slip in a key', 'Rules: {}\n', /unknown key "Rules" \(did you mean rules\?\)/],
    ['not a mapping', '- a\n- b\n', /^c\.yaml:1:1: the configuration must be a mapping/],
    ['invalid YAML', 'rules: [\n', /^c\.yaml:\d+:\d+: not valid YAML/],
    ['duplicate key', 'rules: {}\nrules: {}\n', /^c\.yaml:2:1: the configuration: "rules" is set twice/],
    ['bad version', 'version: 2\n', /^c\.yaml:1:10: version must be 1/],
    ['rule value', 'rules:\n  k8s/image-latest: maybe\n', /^c\.yaml:2:21: rules\."k8s\/image-latest" must be on\/off/],
    ['rule setting key', 'rules:\n  k8s/image-latest: { enable: false }\n', /^c\.yaml:2:23: rules\."k8s\/image-latest": unknown key "enable"; known keys: enabled, severity/],
    ['empty rule setting', 'rules:\n  k8s/image-latest: {}\n', /give enabled and\/or severity/],
    ['bad severity', 'rules:\n  k8s/image-latest: { severity: severe }\n', /severity must be one of critical, high, medium, low, info, got "severe"/],
    ['selector with inner *', 'rules:\n  k8s/*-latest: off\n', /^c\.yaml:2:3: rules: "k8s\/\*-latest": \* is allowed only at the end/],
    ['bad maturity selector', 'rules:\n  maturity:beta: off\n', /maturity must be one of stable, incubating, experimental, deprecated/],
    ['empty tag selector', 'rules:\n  "tag:": off\n', /a tag selector needs a tag name/],
    ['ignore not a list', 'ignore: { a: b }\n', /^c\.yaml:1:9: ignore must be a list/],
    ['ignore bad glob', 'ignore: ["a/[b"]\n', /^c\.yaml:1:10: ignore: glob "a\/\[b": unclosed \[/],
    ['suppressions not a list', 'suppressions: {}\n', /suppressions must be a list/],
    ['suppression without rule', 'suppressions:\n  - path: a\n    reason: r\n', /^c\.yaml:2:5: suppressions\[0\]: "rule" is required/],
    ['suppression without reason', 'suppressions:\n  - rule: k8s/image-latest\n    path: a\n', /suppressions\[0\]: "reason" is required: say why/],
    ['suppression of every rule', 'suppressions:\n  - rule: "*"\n    path: a\n    reason: r\n', /a bare \* is not accepted/],
    ['suppression without scope', 'suppressions:\n  - rule: k8s/image-latest\n    reason: r\n', /give a path, an object or a fingerprint/],
    ['suppression unknown key', 'suppressions:\n  - rule: k8s/image-latest\n    path: a\n    reason: r\n    until: 2027-01-01\n', /suppressions\[0\]: unknown key "until"/],
    ['suppression bad date', 'suppressions:\n  - rule: k8s/image-latest\n    path: a\n    reason: r\n    expires: 2027-02-30\n', /^c\.yaml:5:14: suppressions\[0\]\.expires: "2027-02-30" is not a date \(YYYY-MM-DD\)/],
    ['suppression empty object', 'suppressions:\n  - rule: k8s/image-latest\n    object: {}\n    reason: r\n', /object: give kind, namespace and\/or name/],
    ['suppression object key', 'suppressions:\n  - rule: k8s/image-latest\n    object: { ns: a }\n    reason: r\n', /object: unknown key "ns"/],
    ['pickle key', 'pickle:\n  allowed: [a.b]\n', /pickle: unknown key "allowed"; known keys: allow, deny/],
    ['pickle name', 'pickle:\n  allow: ["os.system()"]\n', /^c\.yaml:2:11: pickle\.allow: "os\.system\(\)" is not a qualified Python name/],
    ['unknown limit', 'limits:\n  maxTextbytes: 1\n', /^c\.yaml:2:3: limits: unknown limit "maxTextbytes" \(did you mean maxTextBytes\?\)/],
    ['bad limit value', 'limits:\n  maxFiles: -3\n', /limits\.maxFiles must be a positive integer or a size/],
    ['bad limit size', 'limits:\n  maxTextBytes: lots\n', /limits\.maxTextBytes must be a positive integer or a size/],
    ['scan key', 'scan:\n  fail-on: high\n', /scan: unknown key "fail-on"/],
    ['scan failOn', 'scan:\n  failOn: severe\n', /scan\.failOn must be one of critical, high, medium, low, info, none/],
    ['scan policy', 'scan:\n  policy: strict\n', /scan\.policy must be one of default, production, got "strict"/],
    ['scan jobs', 'scan:\n  jobs: 0\n', /scan\.jobs must be an integer between 1 and 256/],
    ['scan strict', 'scan:\n  strict: perhaps\n', /scan\.strict must be on\/off/],
    ['kubernetes level', 'kubernetes:\n  pssLevel: privileged\n', /kubernetes\.pssLevel must be one of baseline, restricted/],
    ['kubernetes version', 'kubernetes:\n  pssVersion: "1.30"\n', /kubernetes\.pssVersion must be v1\.N or latest, got "1\.30"/],
    ['admission level', 'admission:\n  defaults: { enforce: strict }\n', /admission\.defaults\.enforce must be one of privileged, baseline, restricted, got "strict"/],
    ['admission version', 'admission:\n  defaults:\n    version: "1.30"\n', /admission\.defaults\.version must be v1\.N or latest/],
    ['admission key', 'admission:\n  exemption: {}\n', /admission: unknown key "exemption"; known keys: defaults, exemptions/],
    ['admission failure mode', 'admission:\n  onInternalError: ignore\n', /admission\.onInternalError must be one of deny, allow/],
    ['supply-chain scope without match', 'admission:\n  supplyChain:\n    scopes:\n      - verify: []\n', /^c\.yaml:4:9: admission\.supplyChain\.scopes\[0\] needs match/],
    ['supply-chain two verifiers in one item', 'admission:\n  supplyChain:\n    scopes:\n      - match: r/*\n        verify:\n          - { oms: { key: k }, cosign: { key: k } }\n', /admission\.supplyChain\.scopes\[0\]\.verify\[0\] must name exactly one verifier/],
    ['supply-chain verifier without method', 'admission:\n  supplyChain:\n    scopes:\n      - match: r/*\n        verify: [ { oms: {} } ]\n', /verify\[0\]\.oms needs exactly one of key, certChain or identity \+ issuer/],
    ['supply-chain notation half', 'admission:\n  supplyChain:\n    scopes:\n      - match: r/*\n        verify: [ { notation: { trustPolicy: p.json } } ]\n', /verify\[0\]\.notation needs trustPolicy and trustStore/],
    ['supply-chain timeout', 'admission:\n  supplyChain:\n    timeout: soon\n', /^c\.yaml:3:14: admission\.supplyChain\.timeout must be a duration such as 500ms/],
    ['supply-chain blockAt', 'admission:\n  supplyChain:\n    scopes:\n      - match: r/*\n        scan: { blockAt: severe }\n', /scan\.blockAt must be one of critical, high, medium, low, info/],
    ['supply-chain match with space', 'admission:\n  supplyChain:\n    scopes:\n      - match: "r/ x"\n', /match must be one or more reference patterns/],
    ['signing identity alone', 'signing:\n  identity: a@b\n', /signing: identity and issuer must be given together/],
    ['signing key', 'signing:\n  pubkey: k.pem\n', /signing: unknown key "pubkey"/],
    ['empty string', 'signing:\n  key: ""\n', /signing\.key must not be empty/],
  ];
  for (const [name, text, re] of errors) {
    it(`rejects: ${name}`, () => {
      expect(() => parseConfig(text, 'c.yaml')).toThrow(re);
      try {
        parseConfig(text, 'c.yaml');
      } catch (e) {
        expect((e as { code?: string }).code).toBe('CONFIG');
        expect((e as Error).message).not.toContain('\n');
      }
    });
  }
});

describe('admission.supplyChain', () => {
  it('reads scopes with defaults, verifiers and durations', () => {
    const c = parseConfig(
      [
        'admission:',
        '  supplyChain:',
        '    timeout: 5s',
        '    cacheTtl: 15m',
        '    resolveTags: true',
        '    scopes:',
        '      - match: registry.example/models/*',
        '        verify:',
        '          - oms: { identity: ci@example.com, issuer: https://token.actions.githubusercontent.com, trustedRoot: root.json }',
        '        scan: { blockAt: high }',
        '      - match: [registry.example/apps/*, ghcr.io/acme/*]',
        '        requireDigest: false',
        '        onError: allow',
        '        mode: warn',
        '        verify:',
        '          - notation: { trustPolicy: trustpolicy.json, trustStore: truststore }',
        '',
      ].join('\n'),
      'c.yaml',
    );
    expect(c.admission.supplyChain).toEqual({
      timeoutMs: 5000,
      cacheTtlMs: 900_000,
      resolveTags: true,
      scopes: [
        { match: ['registry.example/models/*'], requireDigest: true, verify: [{ kind: 'oms', identity: 'ci@example.com', issuer: 'https://token.actions.githubusercontent.com', trustedRoot: 'root.json' }], scanBlockAt: 'high', onError: 'deny', mode: 'enforce' },
        { match: ['registry.example/apps/*', 'ghcr.io/acme/*'], requireDigest: false, verify: [{ kind: 'notation', trustPolicy: 'trustpolicy.json', trustStore: 'truststore' }], onError: 'allow', mode: 'warn' },
      ],
    });
  });
});

describe('resolveRules', () => {
  const res = (text: string) => resolveRules(parseConfig(text, 'c.yaml'), RULES);
  it('names the closest rule id for a typo, with the position', () => {
    expect(() => res('rules:\n  k8s/imge-latest: off\n')).toThrow(/^c\.yaml:2:3: unknown rule id "k8s\/imge-latest" \(did you mean k8s\/image-latest\?\); `bulwark rules` lists them$/);
  });
  it('rejects a tag or family that matches no rule', () => {
    expect(() => res('rules:\n  tag:gpus: off\n')).toThrow(/no rule has the tag "gpus" \(tags: .*gpu/);
    expect(() => res('rules:\n  k9s/*: off\n')).toThrow(/no rule id starts with "k9s\/"/);
  });
  it('refuses to turn off or lower a fail-closed rule', () => {
    expect(() => res('rules:\n  scan/limit-exceeded: off\n')).toThrow(/scan\/limit-exceeded is a fail-closed rule .* cannot be turned off/);
    expect(() => res('rules:\n  tag:fail-closed: { severity: low }\n')).toThrow(/cannot be graded below high/);
    expect(res('rules:\n  scan/limit-exceeded: critical\n').state(rule('scan/limit-exceeded')).severity).toBe('critical');
  });
  it('checks suppression rule ids too', () => {
    expect(() => res('suppressions:\n  - rule: pickle/unknown-globals\n    path: a\n    reason: r\n')).toThrow(/^c\.yaml:2:5: suppressions: unknown rule id "pickle\/unknown-globals" \(did you mean pickle\/unknown-global\?\)/);
    expect(() => res('suppressions:\n  - rule: zip/*\n    path: a\n    reason: r\n')).toThrow(/no rule id starts with "zip\/"/);
  });
  it('keeps experimental rules off by default and says why', () => {
    expect(res('').state(rule('k8s/gpu-new'))).toEqual({ enabled: false, reason: 'default (experimental)' });
  });
  it('lets the later of two equally specific settings win', () => {
    const s = res('rules:\n  tag:pss: off\n  tag:k8s: on\n');
    expect(s.state(rule('k8s/pss-privileged')).enabled).toBe(true);
    const t = res('rules:\n  tag:k8s: on\n  tag:pss: off\n');
    expect(t.state(rule('k8s/pss-privileged')).enabled).toBe(false);
  });
});

describe('loadConfigFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bulwark-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it('reads a file and names it in errors', () => {
    const f = join(dir, 'b.yaml');
    writeFileSync(f, MINIMAL);
    expect(loadConfigFile(f).ignore).toEqual(['vendor/**']);
    writeFileSync(f, 'rules:\n  k8s/image-latest: maybe\n');
    expect(() => loadConfigFile(f)).toThrow(`${f}:2:21: rules."k8s/image-latest" must be on/off (or true/false)`);
  });
  it('says when the file is missing or not text', () => {
    expect(() => loadConfigFile(join(dir, 'none.yaml'))).toThrow(/none\.yaml: configuration file not found/);
    const bin = join(dir, 'bin.yaml');
    writeFileSync(bin, Buffer.from([0xff, 0xfe, 0x00, 0x41]));
    expect(() => loadConfigFile(bin)).toThrow(/not UTF-8 text/);
  });
});
