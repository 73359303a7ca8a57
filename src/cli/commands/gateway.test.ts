/**
 * `bulwark gateway` flags and configuration: bad input is one line on stderr with exit 2; the policy
 * built from the quick-start flags and from the configuration file (the server itself is tested in
 * src/gateway/proxy.test.ts).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliHarness } from '../../../test-fixtures/cli-harness.js';
import { tempDir } from '../../../test-fixtures/admission/tls.js';
import { parseConfig } from '../../config/index.js';
import { gatewayPolicy, registerGateway } from './gateway.js';

const cli = cliHarness(registerGateway);

describe('bulwark gateway: usage errors exit 2 with one line', () => {
  const cases: [string[], RegExp][] = [
    [['gateway', '--plain-http', '--no-config'], /no upstream: give --upstream URL/],
    [['gateway', '--upstream', 'http://127.0.0.1:8000', '--no-config'], /give --tls-cert and --tls-key, or --plain-http/],
    [['gateway', '--upstream', 'ftp://x', '--plain-http', '--no-config'], /url must be http:\/\/ or https:\/\//],
    [['gateway', '--upstream', 'http://127.0.0.1:8000', '--plain-http', '--port', 'x', '--no-config'], /--port must be a TCP port/],
    [['gateway', '--upstream', 'http://127.0.0.1:8000', '--plain-http', '--host', '0.0.0.0', '--no-config'], /anonymous quick-start tenant is only allowed on loopback/],
    [['gateway', '--upstream', 'http://127.0.0.1:8000', '--plain-http', '--client-ca', 'ca.pem', '--no-config'], /--client-ca needs TLS/],
  ];
  for (const [argv, err] of cases) {
    it(argv.slice(1).join(' '), async () => {
      expect(await cli.run(...argv)).toBe(2);
      expect(cli.err).toMatch(err);
      expect(cli.err.trim().split('\n')).toHaveLength(1);
    });
  }
  it('a configuration error names file:line:column', async () => {
    const f = join(tempDir('bulwark-gwcli-'), 'bulwark.yaml');
    writeFileSync(f, 'gateway:\n  upstreams:\n    - name: a\n      url: http://a\n      routes: [nope]\n');
    expect(await cli.run('gateway', '--config', f, '--plain-http')).toBe(2);
    expect(cli.err).toMatch(/bulwark\.yaml:5:16: gateway\.upstreams\[0\]\.routes\[0\]/);
  });
});

describe('gateway policy from flags and configuration', () => {
  it('quick start: one OpenAI upstream, default allowlist, anonymous tenant on loopback', () => {
    const p = gatewayPolicy({}, { upstream: 'http://127.0.0.1:8000', host: '127.0.0.1' });
    expect(p.quickStart).toBe(true);
    expect(p.upstreams[0]?.routes.map((r) => r.label)).toEqual(['POST /v1/chat/completions', 'POST /v1/completions', 'POST /v1/embeddings', 'GET /v1/models']);
    expect(p.tenants.anonymous).toBe('anonymous');
  });
  it('configured: extra routes, limits, keys from env, no anonymous tenant', () => {
    process.env['GW_TEST_KEY'] = 'secret-key';
    const cfg = parseConfig(
      `gateway:\n  upstreams:\n    - { name: vllm, url: "http://vllm:8000", allowRoutes: ["POST /tokenize"], limits: { maxN: 1 } }\n  tenants:\n    - { name: team-a, apiKeyEnv: GW_TEST_KEY }\n`,
      'bulwark.yaml',
    ).gateway;
    const p = gatewayPolicy(cfg, { host: '0.0.0.0' });
    expect(p.upstreams[0]?.routes.map((r) => r.label)).toContain('POST /tokenize');
    expect(p.upstreams[0]?.routes[0]?.limits.fields.maxN).toBe(1);
    expect(p.tenants.anonymous).toBeUndefined();
    expect(p.tenants.byKey('secret-key')?.name).toBe('team-a');
  });
});
