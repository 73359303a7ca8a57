/**
 * Kubernetes manifest analysis benchmark (issue 4): 10,000 objects of mixed kinds, analysed in-process
 * (loadManifests: YAML 1.1 parse + positions + defaulting; analyzeManifests: PSS, AI/GPU rules, RBAC,
 * NetworkPolicy coverage, suppressions), against the time to only parse the same YAML with the same
 * parser in the same run. Goal: analysis adds at most 1x the parse time, i.e. (total - parse) / parse
 * <= 1. Memory: retained heap for 10,000 objects vs 5,000 (linear: ratio about 2, not 4). Hostile YAML
 * (issue 19): a flow-sequence bomb past maxYamlNodes, an alias flood, 125,000 duplicate keys, each
 * against the 10,000-object load of the same run.
 */
import { performance } from 'node:perf_hooks';
import { parseAllDocuments } from 'yaml';
import { analyzeManifests, loadManifestText, loadManifests } from '../src/k8s-manifests/index.js';
import { DEFAULT_LIMITS } from '../src/limits/index.js';
import { Reporter } from '../src/rules/index.js';
import type { BenchRow } from './common.js';
import { printRows } from './common.js';

const KINDS = 7;

/** `n` objects across 50 namespaces: Deployments, Services, Roles, RoleBindings, NetworkPolicies, ConfigMaps, Jobs. */
export function mixedManifests(n: number): string {
  const docs: string[] = [];
  for (let i = 0; i < n; i++) {
    const ns = `team-${i % 50}`;
    const app = `app-${Math.floor(i / KINDS)}`;
    switch (i % KINDS) {
      case 0:
        docs.push(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${app}
  namespace: ${ns}
  labels: {app: ${app}, tier: inference}
spec:
  replicas: 2
  selector:
    matchLabels: {app: ${app}}
  template:
    metadata:
      labels: {app: ${app}, tier: inference}
    spec:
      serviceAccountName: ${app}
      securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
      containers:
      - name: server
        image: registry.example/${app}:v1.${i % 9}
        ports: [{containerPort: 8000, name: http}]
        resources:
          limits: {cpu: "2", memory: 4Gi, nvidia.com/gpu: 1}
        securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
        volumeMounts: [{name: models, mountPath: /models, readOnly: true}]
      volumes:
      - name: models
        persistentVolumeClaim: {claimName: models-${i % 20}}
`);
        break;
      case 1:
        docs.push(`apiVersion: v1
kind: Service
metadata: {name: ${app}, namespace: ${ns}}
spec:
  type: ${i % 3 === 0 ? 'LoadBalancer' : 'ClusterIP'}
  selector: {app: ${app}}
  ports: [{port: 80, targetPort: 8000}]
`);
        break;
      case 2:
        docs.push(`apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: ${app}-reader, namespace: ${ns}}
rules:
- apiGroups: [""]
  resources: [configmaps${i % 5 === 0 ? ', secrets' : ''}]
  verbs: [get, list]
`);
        break;
      case 3:
        docs.push(`apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: ${app}-reader, namespace: ${ns}}
subjects: [{kind: ServiceAccount, name: ${app}, namespace: ${ns}}]
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: ${app}-reader}
`);
        break;
      case 4:
        docs.push(`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: ${app}-allow, namespace: ${ns}}
spec:
  podSelector:
    matchExpressions: [{key: app, operator: In, values: [${app}]}]
  policyTypes: [Ingress]
  ingress:
  - from: [{namespaceSelector: {matchLabels: {team: gateway}}, podSelector: {matchLabels: {role: proxy}}}]
    ports: [{port: 8000}]
`);
        break;
      case 5:
        docs.push(`apiVersion: v1
kind: ConfigMap
metadata: {name: ${app}-config, namespace: ${ns}}
data:
  MODEL_ID: meta-llama/Llama-3.1-8B-Instruct
  MAX_BATCH: "${i % 64}"
`);
        break;
      default:
        docs.push(`apiVersion: batch/v1
kind: Job
metadata: {name: ${app}-train, namespace: ${ns}}
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: trainer
        image: registry.example/trainer@sha256:${'0123456789abcdef'.repeat(4)}
        resources: {limits: {nvidia.com/gpu: 8, memory: 64Gi, cpu: "16"}}
`);
    }
  }
  return docs.join('---\n');
}

function best(fn: () => void, runs = 3): number {
  let t = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    t = Math.min(t, performance.now() - t0);
  }
  return t / 1000;
}

function heapGrowth(fn: () => unknown): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const before = process.memoryUsage().heapUsed;
  const keep: unknown[] = [fn()];
  gc?.();
  const after = process.memoryUsage().heapUsed;
  keep.length = 0;
  return (after - before) / (1024 * 1024);
}

export function run(): BenchRow[] {
  const text = mixedManifests(10_000);
  const parse = (): void => {
    parseAllDocuments(text, { version: '1.1' });
  };
  const analyse = (): void => {
    const reporter = new Reporter({ maxPerTarget: DEFAULT_LIMITS.maxFindingsPerTarget });
    const objects = loadManifests(text, 'bench.yaml', DEFAULT_LIMITS, reporter);
    analyzeManifests(objects, {}, reporter);
    reporter.finish();
  };
  parse();
  analyse(); // warm up the JIT for both
  const tParse = best(parse);
  const tTotal = best(analyse);
  const added = (tTotal - tParse) / tParse;
  const rows: BenchRow[] = [
    {
      bench: '10,000 objects: load + analyse vs parse only',
      subject: 'bulwark',
      seconds: tTotal,
      baseline: 'yaml parse only',
      baselineSeconds: tParse,
      ratio: tTotal / tParse,
      goal: `analysis adds <= 1x parse time (added ${added.toFixed(2)}x)`,
      pass: added <= 1,
    },
  ];
  const text5 = mixedManifests(5_000); // (one file holds at most maxYamlDocuments = 10,000 documents)
  const retain = (t: string) => (): unknown => {
    const reporter = new Reporter({ maxPerTarget: DEFAULT_LIMITS.maxFindingsPerTarget });
    const objects = loadManifests(t, 'a.yaml', DEFAULT_LIMITS, reporter);
    analyzeManifests(objects, {}, reporter);
    return [objects, reporter.finish()];
  };
  const m5 = heapGrowth(retain(text5));
  const m10 = heapGrowth(retain(text));
  rows.push({
    bench: 'retained heap: 10,000 vs 5,000 objects',
    subject: 'heap',
    unit: 'MiB',
    seconds: m10,
    baseline: 'heap at 5,000',
    baselineSeconds: m5,
    ratio: m10 / Math.max(m5, 0.001),
    goal: 'memory linear in input (ratio about 2)',
    pass: m10 / Math.max(m5, 0.001) < 2.6,
  });
  for (const row of hostileRows(tTotal)) rows.push(row);
  printRows(rows);
  return rows;
}

/**
 * Hostile YAML (issue 19): nodes and aliases are bounded while the file is lexed, before a syntax tree
 * exists, so a bomb costs what the limits allow, not what the file holds. Measured against the load of
 * the 10,000-object manifest of the same run.
 */
function hostileRows(tNormal: number): BenchRow[] {
  const head = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n';
  const flow = `${head}data: {a: [${Array.from({ length: DEFAULT_LIMITS.maxYamlNodes + 1_000_000 }, (_, i) => String(i % 10)).join(',')}]}\n`;
  const aliases = `${head}anchor: &a x\ndata: [${Array.from({ length: 1_000_000 }, () => '*a').join(',')}]\n`;
  const dupLines = [head, 'data:'];
  for (let i = 0; i < 125_000; i++) dupLines.push('  k: v');
  const dups = dupLines.join('\n');
  const load = (t: string) => (): unknown => {
    const reporter = new Reporter({ maxPerTarget: DEFAULT_LIMITS.maxFindingsPerTarget });
    const r = loadManifestText(t, 'bomb.yaml', DEFAULT_LIMITS, reporter);
    return [r.objects.length, reporter.finish().map((f) => f.evidence)];
  };
  const rows: BenchRow[] = [];
  const tFlow = best(load(flow), 1);
  const mFlow = heapGrowth(load(flow));
  rows.push({
    bench: `flow sequence of ${((DEFAULT_LIMITS.maxYamlNodes + 1_000_000) / 1e6).toFixed(0)}M scalars (${(flow.length / 1e6).toFixed(0)} MB): stopped at maxYamlNodes`,
    subject: 'bulwark',
    seconds: tFlow,
    baseline: '10,000-object load',
    baselineSeconds: tNormal,
    ratio: tFlow / tNormal,
    goal: `heap after <= 64 MiB (${mFlow.toFixed(0)} MiB): nothing of the bomb is kept`,
    pass: mFlow <= 64,
  });
  const tAliases = best(load(aliases), 1);
  rows.push({
    bench: '1,000,000 aliases: stopped at maxYamlAliases while lexing',
    subject: 'bulwark',
    seconds: tAliases,
    baseline: '10,000-object load',
    baselineSeconds: tNormal,
    ratio: tAliases / tNormal,
    goal: '<= 0.5x the 10,000-object load',
    pass: tAliases / tNormal <= 0.5,
  });
  const tDups = best(load(dups), 1);
  rows.push({
    bench: '125,000 duplicate keys: no crash, findings capped',
    subject: 'bulwark',
    seconds: tDups,
    baseline: '10,000-object load',
    baselineSeconds: tNormal,
    ratio: tDups / tNormal,
    goal: '<= 2x the 10,000-object load',
    pass: tDups / tNormal <= 2,
  });
  return rows;
}
