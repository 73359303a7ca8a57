/**
 * The gateway deployment: the Helm chart rendered (test-fixtures/admission/helm-lite.ts) must be exactly
 * deploy/manifests/bulwark-gateway.yaml (BULWARK_UPDATE_MANIFESTS=1 rewrites it); the objects are what
 * issue 18 asks (a Deployment in front of the vLLM Service, NetworkPolicies that make it the only way
 * in); `bulwark scan` of the rendered manifests, with the strictest policy, reports nothing at medium or
 * above; and the ConfigMap's bulwark.yaml is a valid configuration for the gateway.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { renderChart } from '../admission/helm-lite.js';

const ROOT = join(import.meta.dirname, '../..');
const CHART = join(ROOT, 'deploy/helm/bulwark-gateway');
const RENDERED = join(ROOT, 'deploy/manifests/bulwark-gateway.yaml');
const RELEASE = { name: 'bulwark-gateway', namespace: 'ai-serving' };
const HEADER = '# Rendered from deploy/helm/bulwark-gateway with its default values (release bulwark-gateway,\n# namespace ai-serving). Regenerate: BULWARK_UPDATE_MANIFESTS=1 npx vitest run test-fixtures/deploy/gateway-deploy.test.ts\n';
const CLI = join(ROOT, 'dist/src/cli/main.js');

type Obj = { kind: string; metadata: { name: string; namespace?: string }; spec: Record<string, unknown>; data?: Record<string, string> } & Record<string, unknown>;
const docs = (text: string): Obj[] => parseAllDocuments(text).map((d) => d.toJS() as Obj).filter((d) => d !== null);
type Peer = { namespaceSelector?: { matchLabels?: Record<string, string> }; podSelector?: { matchLabels?: Record<string, string> } };
type NpRule = { from?: Peer[]; to?: Peer[]; ports?: { port: number }[] };

describe('deploy/helm/bulwark-gateway', () => {
  const rendered = HEADER + renderChart(CHART, RELEASE);
  if (process.env['BULWARK_UPDATE_MANIFESTS'] === '1') writeFileSync(RENDERED, rendered);

  it('deploy/manifests/bulwark-gateway.yaml is the chart rendered with its default values', () => {
    expect(existsSync(RENDERED)).toBe(true);
    expect(docs(readFileSync(RENDERED, 'utf8'))).toEqual(docs(rendered));
  });

  it('puts a hardened gateway Deployment in front of the vLLM Service and makes it the only way in', () => {
    const objs = docs(rendered);
    expect(objs.map((o) => o.kind).sort()).toEqual(['Certificate', 'ConfigMap', 'Deployment', 'NetworkPolicy', 'NetworkPolicy', 'PodDisruptionBudget', 'Service', 'ServiceAccount']);
    const dep = objs.find((o) => o.kind === 'Deployment') as Obj;
    const pod = (dep.spec['template'] as { spec: Record<string, unknown> }).spec;
    expect(pod['automountServiceAccountToken']).toBe(false);
    const c = (pod['containers'] as { args: string[]; securityContext: Record<string, unknown> }[])[0];
    expect(c?.args.slice(0, 2)).toEqual(['gateway', '--config=/etc/bulwark/bulwark.yaml']);
    expect(c?.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });

    const cm = objs.find((o) => o.kind === 'ConfigMap') as Obj;
    expect(cm.data?.['bulwark.yaml']).toContain('url: http://vllm.ai-serving.svc:8000');

    const nps = objs.filter((o) => o.kind === 'NetworkPolicy');
    const lock = nps.find((o) => o.metadata.name === 'bulwark-gateway-only-way-in') as Obj;
    // The vLLM pods accept connections from the gateway's pods only, on the serving port.
    expect(lock.spec['podSelector']).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'vllm' } });
    expect(lock.spec['policyTypes']).toEqual(['Ingress']);
    const lockIngress = lock.spec['ingress'] as NpRule[];
    expect(lockIngress).toHaveLength(1);
    expect(lockIngress[0]?.from).toEqual([{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'bulwark-gateway', 'app.kubernetes.io/instance': 'bulwark-gateway' } } }]);
    expect(lockIngress[0]?.ports).toEqual([{ port: 8000, protocol: 'TCP' }]);
    // The gateway talks only to the vLLM pods and DNS (no Redis unless enabled).
    const gw = nps.find((o) => o.metadata.name === 'bulwark-gateway') as Obj;
    const egress = gw.spec['egress'] as NpRule[];
    expect(egress.map((e) => e.ports?.map((p) => p.port))).toEqual([[8000], [53, 53]]);
  });

  it('opens Redis egress and configures the Redis budget store only when shared budgets are enabled', () => {
    const objs = docs(renderChart(CHART, RELEASE, { redis: { enabled: true, url: 'redis://r:6379', podLabels: { app: 'redis' }, port: 6379 } }));
    const cmText = (objs.find((o) => o.kind === 'ConfigMap') as Obj).data?.['bulwark.yaml'] ?? '';
    expect(cmText, cmText).toContain('budgets:\n    store: redis\n    redisUrl: redis://r:6379');
    const gw = objs.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'bulwark-gateway') as Obj;
    expect((gw.spec['egress'] as NpRule[]).map((e) => e.ports?.map((p) => p.port))).toEqual([[8000], [6379], [53, 53]]);
  });

  it.skipIf(!existsSync(CLI))('the rendered manifests pass bulwark scan with the production policy (nothing at medium or above)', () => {
    const r = spawnSync(process.execPath, [CLI, 'scan', RENDERED, '--policy', 'production', '--fail-on', 'medium', '--format', 'json', '--no-config'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const report = JSON.parse(r.stdout) as { findings: { ruleId: string; severity: string; suppressed?: unknown }[] };
    expect(report.findings.filter((f) => f.suppressed === undefined && ['critical', 'high', 'medium'].includes(f.severity))).toEqual([]);
    expect(r.status).toBe(0);
  });

  it.skipIf(!existsSync(CLI))("the ConfigMap's bulwark.yaml is a configuration the gateway accepts", () => {
    const cm = docs(rendered).find((o) => o.kind === 'ConfigMap') as Obj;
    const dir = mkdtempSync(join(tmpdir(), 'bulwark-gw-deploy-'));
    try {
      // The tenant keys Secret is mounted at /etc/bulwark/keys in the pod; here, a folder of the test.
      writeFileSync(join(dir, 'default'), 'key-one\nkey-two\n');
      const file = join(dir, 'bulwark.yaml');
      writeFileSync(file, (cm.data?.['bulwark.yaml'] ?? '').replaceAll('/etc/bulwark/keys/', `${dir}/`));
      const r = spawnSync(process.execPath, [CLI, 'gateway', '--config', file, '--check-config'], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe('bulwark gateway: configuration OK (1 upstream, 1 tenant, budgets in memory)\n');
      expect(r.status).toBe(0);
      // Without the keys file the gateway refuses to start, with one line.
      rmSync(join(dir, 'default'));
      const missing = spawnSync(process.execPath, [CLI, 'gateway', '--config', file, '--check-config'], { encoding: 'utf8' });
      expect(missing.status).toBe(2);
      expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
