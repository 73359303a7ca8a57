/** The `gateway:` section of bulwark.yaml: shape, defaults, and errors with line:column. */
import { describe, expect, it } from 'vitest';
import { parseConfig } from './index.js';

const GOOD = `version: 1
gateway:
  upstreams:
    - name: vllm
      url: http://vllm.ml.svc:8000
      allowRoutes: ["POST /tokenize"]
      timeout: 120s
      limits: { maxN: 2, maxBodyBytes: 8MiB, allowTemplates: false, mediaHosts: [images.example.com] }
      screening: { flag: 0.4, block: 0.9 }
    - name: triton
      url: http://triton:8000
      kind: kserve-v2
      prefix: /kserve
  tenants:
    - name: team-a
      apiKeySha256: [${'a'.repeat(64)}]
      identities: [cn:svc-a, uri:spiffe://cluster.local/ns/a/sa/app]
      budget: { tokensPerMinute: 100000, maxConcurrent: 4, queueTimeout: 2s }
  budgets: { store: redis, redisUrl: redis://redis:6379, default: { requestsPerSecond: 10, requestBurst: 20 } }
  tokenizer: o200k_base
  leaks: { canaries: [CANARY-1], secrets: true, holdBackChars: 256 }
  audit: { log: stdout, includePrompts: false }
`;

describe('gateway configuration', () => {
  it('parses every key', () => {
    const g = parseConfig(GOOD, 'bulwark.yaml').gateway;
    expect(g.upstreams?.[0]).toMatchObject({ name: 'vllm', kind: 'openai', timeoutMs: 120_000, allowRoutes: ['POST /tokenize'], limits: { maxN: 2, maxBodyBytes: 8 * 1024 * 1024, mediaHosts: ['images.example.com'] }, screening: { flag: 0.4, block: 0.9 } });
    expect(g.upstreams?.[1]).toMatchObject({ kind: 'kserve-v2', prefix: '/kserve' });
    expect(g.tenants?.[0]?.budget).toEqual({ tokensPerMinute: 100000, maxConcurrent: 4, queueTimeoutMs: 2000 });
    expect(g.budgets).toMatchObject({ store: 'redis', redisUrl: 'redis://redis:6379' });
    expect(g.tokenizer).toBe('o200k_base');
  });

  const bad: [string, string, RegExp][] = [
    ['unknown key', 'gateway:\n  upstream: []\n', /bulwark\.yaml:2:3: gateway: unknown key "upstream"/],
    ['bad route', 'gateway:\n  upstreams:\n    - name: a\n      url: http://a\n      routes: ["/v1/chat"]\n', /bulwark\.yaml:5:16: gateway\.upstreams\[0\]\.routes\[0\] must be "METHOD \/path"/],
    ['bad hash', 'gateway:\n  tenants:\n    - name: a\n      apiKeySha256: [abc]\n', /bulwark\.yaml:4:22: .*SHA-256/],
    ['bad limit', 'gateway:\n  upstreams:\n    - { name: a, url: "http://a", limits: { maxN: -1 } }\n', /bulwark\.yaml:3:51: gateway\.upstreams\[0\]\.limits\.maxN must be/],
    ['unknown limit', 'gateway:\n  upstreams:\n    - { name: a, url: "http://a", limits: { maxn: 1 } }\n', /unknown key "maxn" \(did you mean maxN\?\)/],
    ['redis without url', 'gateway:\n  budgets: { store: redis }\n', /bulwark\.yaml:2:12: gateway\.budgets: store redis needs redisUrl/],
    ['duplicate upstream', 'gateway:\n  upstreams:\n    - { name: a, url: "http://a" }\n    - { name: a, url: "http://b" }\n', /bulwark\.yaml:4:7: .*used twice/],
    ['threshold', 'gateway:\n  upstreams:\n    - { name: a, url: "http://a", screening: { block: 3 } }\n', /screening\.block must be a number between 0 and 1/],
  ];
  for (const [name, text, err] of bad) it(`rejects ${name} with its position`, () => expect(() => parseConfig(text, 'bulwark.yaml')).toThrow(err));
});
