/**
 * ScanReports built in code for reporter tests and the report bench: a small one with an attack path
 * and hostile strings (markup, `</script>`, U+2028, control characters), and a bulk one of N findings.
 */
import type { AttackGraph, Finding, RuleDescriptor, ScanReport, Severity, TargetResult } from '../src/findings/index.js';
import { REPORT_SCHEMA_VERSION, makeFinding, summarize } from '../src/findings/index.js';

export const HOSTILE = `<img src=x onerror="document.title='pwned'"></script><script>document.title='pwned'</script>\u2028\u2029<!--`;

const RULES: RuleDescriptor[] = [
  { id: 'pickle/dangerous-call', title: 'Dangerous call', severity: 'critical', description: 'Runs code on load.', remediation: 'Do not load it.', references: [], tags: ['pickle', 'code-execution'] },
  { id: 'k8s/rbac-secrets-read', title: 'Secrets read', severity: 'high', description: 'Reads Secrets.', remediation: 'Remove the grant.', references: [], tags: ['k8s', 'rbac'] },
  { id: 'k8s/pss-privileged', title: 'Privileged', severity: 'high', description: 'Host access.', remediation: 'Set privileged: false.', references: [], tags: ['k8s'] },
  { id: 'path/model-to-secrets', title: 'Malicious model can read Kubernetes Secrets', severity: 'critical', description: 'A path.', remediation: 'Break it.', references: [], tags: ['attack-path'] },
];

export function sampleReport(): ScanReport {
  const model = makeFinding({ ruleId: 'pickle/dangerous-call', severity: 'critical', message: `loading the pickle calls posix.system ${HOSTILE}`, evidence: 'posix.system("echo hi")', location: { kind: 'archive-member', path: 'models/evil/pytorch_model.bin', member: 'pytorch_model/data.pkl', offset: 42 } });
  const grant = makeFinding({ ruleId: 'k8s/rbac-secrets-read', severity: 'high', message: 'RoleBinding ml/b lets ServiceAccount ml/default read Secrets', location: { kind: 'k8s-object', path: 'k8s/rbac.yaml', line: 7, column: 3, apiVersion: 'rbac.authorization.k8s.io/v1', objectKind: 'Role', namespace: 'ml', name: 'r', fieldPath: 'rules[0]' } });
  const priv = makeFinding({ ruleId: 'k8s/pss-privileged', severity: 'high', message: 'container "trainer" is privileged', location: { kind: 'k8s-object', path: 'k8s/job.yaml', line: 14, column: 9, apiVersion: 'batch/v1', objectKind: 'Job', namespace: 'ml', name: 'train', fieldPath: 'spec.template.spec.containers[0].securityContext.privileged' } });
  const path = makeFinding({ ruleId: 'path/model-to-secrets', severity: 'critical', message: 'models/evil runs code when loaded and can read Secrets', evidence: 'models/evil → Job ml/train → ServiceAccount ml/default → Secrets of namespace ml', location: { kind: 'file', path: 'models/evil' } });
  const findings: Finding[] = [model, grant, priv, path];
  const attackPaths: AttackGraph = {
    nodes: [
      { id: 'model:models/evil', kind: 'model', label: 'models/evil', location: { kind: 'file', path: 'models/evil' } },
      { id: 'w', kind: 'workload', label: `Job ml/train ${HOSTILE}`, namespace: 'ml', location: priv.location },
      { id: 'sa', kind: 'service-account', label: 'ServiceAccount ml/default', namespace: 'ml' },
      { id: 'sec', kind: 'secrets', label: 'Secrets of namespace ml', namespace: 'ml' },
    ],
    edges: [
      { id: 'e0', from: 'model:models/evil', to: 'w', kind: 'runs-code-in', label: 'Job ml/train loads models/evil', findings: [model.fingerprint], fix: 'Do not load models/evil.' },
      { id: 'e1', from: 'w', to: 'sa', kind: 'runs-as', label: 'Job ml/train runs as ServiceAccount ml/default', location: priv.location, findings: [], fix: 'Set automountServiceAccountToken: false.' },
      { id: 'e2', from: 'sa', to: 'sec', kind: 'reads-secrets', label: 'ServiceAccount ml/default can read Secrets', location: grant.location, findings: [grant.fingerprint], fix: 'Remove the grant to read Secrets from RoleBinding ml/b → Role ml/r.' },
    ],
    paths: [
      {
        ruleId: 'path/model-to-secrets',
        title: 'Malicious model can read Kubernetes Secrets',
        severity: 'critical',
        finding: path.fingerprint,
        routes: [[{ edge: 'e0', tactic: 'code execution' }, { edge: 'e1', tactic: 'credential access' }, { edge: 'e2', tactic: 'credential access' }]],
        fixes: [{ edge: 'e2', fix: 'Remove the grant to read Secrets from RoleBinding ml/b → Role ml/r.', findings: [grant.fingerprint] }],
        alternatives: [[{ edge: 'e2', fix: 'Remove the grant to read Secrets from RoleBinding ml/b → Role ml/r.', findings: [grant.fingerprint] }], [{ edge: 'e1', fix: 'Set automountServiceAccountToken: false.', findings: [] }]],
        cutExact: true,
      },
    ],
  };
  const targets: TargetResult[] = [
    { path: 'models/evil/pytorch_model.bin', format: 'pytorch-zip', status: 'complete', size: 1234 },
    { path: 'k8s/rbac.yaml', format: 'k8s-manifest', status: 'complete' },
    { path: 'k8s/job.yaml', format: 'k8s-manifest', status: 'complete' },
  ];
  return { schemaVersion: REPORT_SCHEMA_VERSION, tool: { name: 'bulwark', version: '0.1.0' }, targets, findings, rules: RULES, summary: summarize(targets, findings), attackPaths };
}

/** `n` findings over `n / 10` files, all severities, manifest and archive locations. */
export function bulkReport(n: number): ScanReport {
  const sevs: Severity[] = ['critical', 'high', 'medium', 'low', 'info'];
  const findings: Finding[] = [];
  for (let i = 0; i < n; i++) {
    const file = Math.floor(i / 10);
    const severity = sevs[i % 5] as Severity;
    findings.push(
      i % 2 === 0
        ? makeFinding({ ruleId: 'k8s/pss-privileged', severity, message: `container "c${i}" is privileged`, location: { kind: 'k8s-object', path: `k8s/app-${file}.yaml`, line: 1 + (i % 40), column: 3, apiVersion: 'apps/v1', objectKind: 'Deployment', namespace: `ns-${file % 20}`, name: `app-${file}`, fieldPath: 'spec.template.spec.containers[0].securityContext.privileged' } })
        : makeFinding({ ruleId: 'pickle/dangerous-call', severity, message: `loading calls os.system #${i}`, evidence: `os.system("echo ${i}")`, location: { kind: 'archive-member', path: `models/m-${file}.pt`, member: 'archive/data.pkl', offset: i } }),
    );
  }
  const targets = [...new Set(findings.map((f) => f.location.path))].map((path) => ({ path, format: path.endsWith('.pt') ? 'pytorch-zip' : 'k8s-manifest', status: 'complete' as const }));
  return { schemaVersion: REPORT_SCHEMA_VERSION, tool: { name: 'bulwark', version: '0.1.0' }, targets, findings, rules: RULES, summary: summarize(targets, findings) };
}
