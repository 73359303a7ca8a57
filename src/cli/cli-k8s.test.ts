/** End-to-end CLI behaviour specific to Kubernetes manifests (built CLI; `npm test` builds first). */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const cli = join(import.meta.dirname, '../../dist/bulwark.mjs');

function run(args: string[], input?: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { input, encoding: 'utf8', env: { ...process.env, NO_COLOR: '', FORCE_COLOR: '' }, timeout: 60_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const PRIVILEGED = `apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  containers:
  - name: c
    image: registry.example/app@sha256:${'a'.repeat(64)}
    securityContext:
      privileged: yes
`;

describe('bulwark scan on manifests', () => {
  it('reads a manifest stream on stdin (helm template | bulwark scan -) and points at the exact field', () => {
    const r = run(['scan', '--format', 'json', '-'], PRIVILEGED);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { targets: { format: string }[]; findings: { ruleId: string; controls?: string[]; location: Record<string, unknown> }[] };
    expect(report.targets[0]?.format).toBe('k8s-manifest');
    const f = report.findings.find((x) => x.ruleId === 'k8s/pss-privileged');
    // `privileged: yes` is true under YAML 1.1, as Kubernetes reads it.
    expect(f?.location).toMatchObject({ kind: 'k8s-object', path: '-', line: 10, column: 7, objectKind: 'Pod', name: 'p', fieldPath: 'spec.containers[0].securityContext.privileged' });
    expect(f?.controls).toEqual(['pss:privileged']);
  });
  it('compact text: one line per finding with where (line:column and object)', () => {
    const r = run(['scan', '-'], PRIVILEGED);
    expect(r.stdout).toMatch(/^ {2}CRITICAL k8s\/pss-privileged +10:7 Pod\/p {2}container "c" is privileged/m);
    expect(r.stdout).not.toContain('why:');
  });
  it('--explain says where (file:line:column and field), why and how to fix', () => {
    const r = run(['scan', '--explain', '-'], PRIVILEGED);
    expect(r.stdout).toMatch(/CRITICAL +k8s\/pss-privileged +10:7 Pod\/p/);
    expect(r.stdout).toContain('field: spec.containers[0].securityContext.privileged');
    expect(r.stdout).toContain('why:');
    expect(r.stdout).toContain('fix:');
  });
  it('--pss-level baseline still reports privileged, restricted-only checks disappear', () => {
    const r = run(['scan', '--format', 'json', '--pss-level', 'baseline', '-'], PRIVILEGED);
    const ids = (JSON.parse(r.stdout) as { findings: { ruleId: string }[] }).findings.map((f) => f.ruleId);
    expect(ids).toContain('k8s/pss-privileged');
    expect(ids).not.toContain('k8s/pss-run-as-non-root');
  });
  it('rejects a malformed --pss-version with exit 2 and one line', () => {
    const r = run(['scan', '--pss-version', '1.30', '-'], PRIVILEGED);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^bulwark: invalid --pss-version "1.30"/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
