/**
 * The admission deployment: the Helm chart rendered (with the small renderer of helm-lite.ts) must be
 * exactly the plain manifests in deploy/manifests/ (BULWARK_UPDATE_MANIFESTS=1 rewrites them), the
 * objects must be what the issue lists, and `bulwark scan deploy/` must report nothing at medium or above.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { renderChart } from './helm-lite.js';

const ROOT = join(import.meta.dirname, '../..');
const CHART = join(ROOT, 'deploy/helm/bulwark-admission');
const RENDERED = join(ROOT, 'deploy/manifests/bulwark-admission.yaml');
const RELEASE = { name: 'bulwark-admission', namespace: 'bulwark-system' };
const HEADER = '# Rendered from deploy/helm/bulwark-admission with its default values (release bulwark-admission,\n# namespace bulwark-system). Regenerate: BULWARK_UPDATE_MANIFESTS=1 npx vitest run test-fixtures/admission/deploy.test.ts\n';

type Obj = { kind: string; metadata: { name: string; annotations?: Record<string, string> }; spec: Record<string, unknown>; webhooks?: Record<string, unknown>[] } & Record<string, unknown>;
const docs = (text: string): Obj[] => parseAllDocuments(text).map((d) => d.toJS() as Obj).filter((d) => d !== null);

describe('deploy/', () => {
  const rendered = HEADER + renderChart(CHART, RELEASE);
  if (process.env['BULWARK_UPDATE_MANIFESTS'] === '1') writeFileSync(RENDERED, rendered);

  it('deploy/manifests is the chart rendered with its default values', () => {
    expect(existsSync(RENDERED)).toBe(true);
    expect(docs(readFileSync(RENDERED, 'utf8'))).toEqual(docs(rendered));
  });

  it('has what the issue lists', () => {
    const objs = docs(rendered);
    const kinds = objs.map((o) => o.kind).sort();
    expect(kinds).toEqual(['Certificate', 'Certificate', 'Deployment', 'Issuer', 'Issuer', 'MutatingWebhookConfiguration', 'NetworkPolicy', 'PodDisruptionBudget', 'Service', 'ServiceAccount', 'ValidatingWebhookConfiguration']);
    const dep = objs.find((o) => o.kind === 'Deployment') as Obj;
    expect(dep.spec['replicas']).toBe(2);
    const pod = (dep.spec['template'] as { spec: Record<string, unknown> }).spec;
    expect(pod['automountServiceAccountToken']).toBe(false);
    expect(pod['topologySpreadConstraints']).toHaveLength(2);
    const c = (pod['containers'] as { securityContext: Record<string, unknown>; args: string[] }[])[0];
    expect(c?.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } });
    const vwc = objs.find((o) => o.kind === 'ValidatingWebhookConfiguration') as Obj;
    expect(vwc.metadata.annotations?.['cert-manager.io/inject-ca-from']).toBe('bulwark-system/bulwark-admission-serving');
    const hooks = vwc.webhooks ?? [];
    // enforce: baseline, restricted, invalid (default privileged: no entry); warn and audit: + default.
    expect(hooks.map((h) => h['name'])).toEqual([
      'enforce-baseline.validate.bulwark.dev',
      'enforce-restricted.validate.bulwark.dev',
      'enforce-invalid.validate.bulwark.dev',
      'warn-baseline.validate.bulwark.dev',
      'warn-restricted.validate.bulwark.dev',
      'warn-default.validate.bulwark.dev',
      'warn-invalid.validate.bulwark.dev',
      'audit-baseline.validate.bulwark.dev',
      'audit-restricted.validate.bulwark.dev',
      'audit-default.validate.bulwark.dev',
      'audit-invalid.validate.bulwark.dev',
    ]);
    for (const h of hooks) {
      expect(h).toMatchObject({ sideEffects: 'None', timeoutSeconds: 5, admissionReviewVersions: ['v1'] });
      expect(h['failurePolicy']).toBe(String(h['name']).startsWith('enforce-') ? 'Fail' : 'Ignore');
      const sel = JSON.stringify(h['namespaceSelector']);
      expect(sel).toContain('"kube-system","bulwark-system"');
    }
    expect(JSON.stringify(hooks[1]?.['clientConfig'])).toContain('"/validate/enforce/restricted/latest"');
    const np = objs.find((o) => o.kind === 'NetworkPolicy') as Obj;
    expect(np.spec['egress']).toEqual([]);
  });

  it('renders pinned versions, manual certificates and a fail-open webhook', () => {
    const objs = docs(
      renderChart(CHART, RELEASE, {
        webhook: { modes: ['enforce'], levels: ['restricted'], pinnedVersions: ['v1.30'], timeoutSeconds: 3, failurePolicy: 'Ignore', caBundle: 'Q0E=', podControllers: false },
        certManager: { enabled: false },
        defaults: { enforce: 'baseline', warn: 'privileged', audit: 'privileged', version: 'v1.30' },
        onInternalError: 'allow',
      }),
    );
    expect(objs.some((o) => o.kind === 'Certificate')).toBe(false);
    const hooks = (objs.find((o) => o.kind === 'ValidatingWebhookConfiguration') as Obj).webhooks ?? [];
    expect(hooks.map((h) => h['name'])).toEqual(['enforce-restricted.validate.bulwark.dev', 'enforce-restricted-v1-30.validate.bulwark.dev', 'enforce-default.validate.bulwark.dev', 'enforce-invalid.validate.bulwark.dev']);
    expect(hooks[1]?.['clientConfig']).toMatchObject({ caBundle: 'Q0E=', service: { path: '/validate/enforce/restricted/v1.30' } });
    const args = (((objs.find((o) => o.kind === 'Deployment') as Obj).spec['template'] as { spec: { containers: { args: string[] }[] } }).spec.containers[0]?.args ?? []);
    expect(args).toContain('--fail-open');
  });

  it.skipIf(!existsSync(join(ROOT, 'dist/src/cli/main.js')))('bulwark scan deploy/ reports nothing at medium or above', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'dist/src/cli/main.js'), 'scan', join(ROOT, 'deploy'), '--fail-on', 'medium', '--format', 'json', '--no-config'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const report = JSON.parse(r.stdout) as { findings: { ruleId: string; severity: string; suppressed?: unknown }[] };
    expect(report.findings.filter((f) => f.suppressed === undefined && ['critical', 'high', 'medium'].includes(f.severity))).toEqual([]);
    expect(r.status).toBe(0);
  });

  it('the Dockerfile builds a distroless, non-root image pinned by digest', () => {
    const df = readFileSync(join(ROOT, 'deploy/Dockerfile'), 'utf8');
    const froms = [...df.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1] ?? '');
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const f of froms) expect(f).toMatch(/@sha256:[0-9a-f]{64}$/);
    expect(froms.at(-1)).toMatch(/^gcr\.io\/distroless\/nodejs20-debian12:nonroot@/);
    expect(df).toMatch(/^USER 65532:65532$/m);
  });
});
