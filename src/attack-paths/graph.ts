/**
 * The attack graph of one scan, built from what the phases produced: the model scanners' findings
 * (which files run code on load), the parsed Kubernetes objects as `graphFacts` (workloads, their
 * ServiceAccounts and tokens, the strings that name models, RBAC grants) and the Kubernetes findings
 * that evidence a step (privileged containers, unrestricted egress, the RBAC grant findings). Nothing
 * is re-read from disk.
 *
 * "Workload loads model" is decided by name: a model is a folder (or a file at the top of a scanned
 * folder) with a code-execution finding; a workload loads it when one of its args, command words, env
 * values, image-volume references or subPaths has a path segment (or a Hugging Face hub id part, or a
 * hub-cache `models--org--name` part) equal to the model folder's name or the file's name. Generic
 * names (`model`, `models`, `checkpoints`, …) never match.
 */
import type { AttackEdge, AttackEdgeKind, AttackNode, Finding, K8sObjectLocation, Location } from '../findings/index.js';
import { compareSeverity } from '../findings/index.js';
import type { GrantFacts, GraphFacts, WorkloadFacts } from '../k8s-manifests/index.js';

export interface GraphInput {
  readonly facts: GraphFacts;
  /** Every finding of the scan so far. */
  readonly findings: readonly Finding[];
  /** Rules whose findings mean "runs code when loaded" (the `code-execution` tag). */
  readonly isCodeExecution: (ruleId: string) => boolean;
  /** The rule's remediation (for findings without their own). */
  readonly remediationOf: (ruleId: string) => string | undefined;
}

export interface Graph {
  readonly nodes: Map<string, AttackNode>;
  readonly edges: AttackEdge[];
  readonly out: Map<string, AttackEdge[]>;
  /** Model nodes, in a stable order. */
  readonly models: string[];
}

/** Findings on a workload that make a container reach its node (privileged, host namespaces, host paths, runtime sockets, devices). */
export const ESCAPE_RULES: ReadonlySet<string> = new Set([
  'k8s/pss-privileged',
  'k8s/pss-host-namespaces',
  'k8s/pss-host-path-volumes',
  'k8s/runtime-socket-mount',
  'k8s/gpu-device-host-access',
  'k8s/pss-capabilities-baseline',
]);
/** Findings on a workload about its token or identity. */
export const TOKEN_RULES: ReadonlySet<string> = new Set(['k8s/automount-sa-token', 'k8s/default-service-account', 'k8s/rbac-workload-privileged-sa']);
/** Findings on a workload (or its namespace) saying egress is not restricted. */
export const EGRESS_WORKLOAD_RULE = 'k8s/netpol-ai-egress-unrestricted';
export const EGRESS_NAMESPACE_RULE = 'k8s/netpol-no-default-deny-egress';

const CONTROL_CATEGORIES: ReadonlySet<string> = new Set(['pod-create', 'pod-exec', 'nodes-proxy', 'token-create', 'escalate-bind', 'impersonate', 'wildcard']);
const CATEGORY_TEXT: Readonly<Record<string, string>> = {
  'secrets-read': 'read Secrets',
  'pod-create': 'create pods',
  'pod-exec': 'exec into pods',
  'nodes-proxy': "reach the kubelet's exec API",
  'token-create': 'mint ServiceAccount tokens',
  'escalate-bind': 'bind or escalate roles',
  impersonate: 'impersonate users',
  wildcard: 'do anything',
};

const GENERIC_NAMES: ReadonlySet<string> = new Set(['model', 'models', 'pytorch_model', 'weights', 'checkpoint', 'checkpoints', 'data', 'tmp', 'cache', 'hub', 'huggingface', 'examples', 'src', 'app', 'main', 'train', 'base', 'output', 'outputs', 'latest']);

/** Names a model is known by: its folder's name and its files' names (with and without extension). */
export function modelNames(unit: string, files: readonly string[]): Set<string> {
  const out = new Set<string>();
  const add = (s: string | undefined): void => {
    if (s === undefined) return;
    const n = s.toLowerCase();
    if (n.length >= 3 && !GENERIC_NAMES.has(n)) out.add(n);
  };
  add(unit.split('/').pop());
  for (const f of files) {
    const base = f.split('/').pop();
    add(base);
    add(base?.replace(/\.[^.]+$/, ''));
  }
  return out;
}

/** Segments of a reference string: path parts, hub id parts, `models--org--name` parts, `key=value` values. */
export function referenceSegments(value: string): Set<string> {
  const out = new Set<string>();
  for (const part of value.slice(0, 4096).toLowerCase().split(/[\s/=:,@"']+/)) {
    if (part === '') continue;
    out.add(part);
    if (part.includes('--')) for (const p of part.split('--')) if (p !== '') out.add(p);
  }
  return out;
}

function objectKey(l: Location): string | undefined {
  if (l.kind !== 'k8s-object') return undefined;
  return `${l.path}#${l.objectKind}/${l.namespace ?? ''}/${l.name}`;
}

function workloadId(w: WorkloadFacts): string {
  return `workload:${w.path}#${w.objectKind}/${w.namespace}/${w.name}${w.role === undefined ? '' : `[${w.role}]`}`;
}

function workloadLabel(w: WorkloadFacts): string {
  return `${w.objectKind} ${w.namespace}/${w.name}${w.role === undefined ? '' : ` (${w.role})`}`;
}

function sameSpot(a: Location, b: Location): boolean {
  return a.path === b.path && a.kind === 'k8s-object' && b.kind === 'k8s-object' && a.line === b.line && a.objectKind === b.objectKind && a.name === b.name;
}

/** Unit of a model file: its folder (`models/x/pytorch_model.bin` → `models/x`), or the file itself when it is at the top. */
export function modelUnit(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? path : path.slice(0, i);
}

export function buildGraph(input: GraphInput): Graph {
  const nodes = new Map<string, AttackNode>();
  const edges: AttackEdge[] = [];
  const out = new Map<string, AttackEdge[]>();
  const node = (n: AttackNode): string => {
    if (!nodes.has(n.id)) nodes.set(n.id, n);
    return n.id;
  };
  const edge = (e: Omit<AttackEdge, 'id'>): void => {
    const id = `e${edges.length}`;
    const full: AttackEdge = { id, ...e };
    edges.push(full);
    const list = out.get(e.from);
    if (list) list.push(full);
    else out.set(e.from, [full]);
  };
  const fixOf = (f: Finding): string => f.remediation ?? input.remediationOf(f.ruleId) ?? `fix ${f.ruleId}`;

  // Findings by object (Kubernetes) and by model unit (code execution on load).
  const byObject = new Map<string, Finding[]>();
  const byUnit = new Map<string, Finding[]>();
  for (const f of input.findings) {
    const k = objectKey(f.location);
    if (k !== undefined) {
      const list = byObject.get(k);
      if (list) list.push(f);
      else byObject.set(k, [f]);
    } else if (input.isCodeExecution(f.ruleId) && f.location.kind !== 'process' && f.location.kind !== 'audit-event' && f.location.kind !== 'admission-request') {
      const unit = modelUnit(f.location.path);
      const list = byUnit.get(unit);
      if (list) list.push(f);
      else byUnit.set(unit, [f]);
    }
  }

  const models: string[] = [];
  const units = [...byUnit.keys()].sort();
  const names = new Map<string, Set<string>>();
  for (const unit of units) {
    const fs = byUnit.get(unit) as Finding[];
    names.set(unit, modelNames(unit, [...new Set(fs.map((f) => f.location.path))]));
    models.push(node({ id: `model:${unit}`, kind: 'model', label: unit, location: { kind: 'file', path: unit } }));
  }

  const workloads = [...input.facts.workloads];
  for (const w of workloads) {
    const wid = workloadId(w);
    const objFindings = byObject.get(`${w.path}#${w.objectKind}/${w.namespace}/${w.name}`) ?? byObject.get(`${w.path}#${w.objectKind}//${w.name}`) ?? [];
    let linked = false;
    const addWorkload = (): string => node({ id: wid, kind: 'workload', label: workloadLabel(w), namespace: w.namespace, location: w.location });

    // Model → workload: the workload names the model.
    for (const unit of units) {
      const n = names.get(unit) as Set<string>;
      if (n.size === 0) continue;
      const ref = w.modelReferences.find((r) => [...referenceSegments(r.value)].some((s) => n.has(s)));
      if (ref === undefined) continue;
      const fs = [...(byUnit.get(unit) as Finding[])].sort((a, b) => compareSeverity(a.severity, b.severity));
      const top = fs[0] as Finding;
      edge({
        from: `model:${unit}`,
        to: addWorkload(),
        kind: 'runs-code-in',
        label: `${workloadLabel(w)} loads ${unit} (${clip(ref.value)}), which runs code when loaded (${[...new Set(fs.map((f) => f.ruleId))].join(', ')})`,
        location: ref.location,
        findings: fs.map((f) => f.fingerprint),
        fix: `Do not load ${unit}: ${fixOf(top)}`,
      });
      linked = true;
    }
    if (!linked) continue; // only workloads a model reaches are part of the graph

    // Workload → ServiceAccount (its token is in the pod).
    const saId = `sa:${w.cluster}:${w.namespace}/${w.serviceAccount}`;
    if (w.tokenMounted) {
      node({ id: saId, kind: 'service-account', label: `ServiceAccount ${w.namespace}/${w.serviceAccount}`, namespace: w.namespace });
      const tf = objFindings.filter((f) => TOKEN_RULES.has(f.ruleId));
      edge({
        from: wid,
        to: saId,
        kind: 'runs-as',
        label: `${workloadLabel(w)} runs as ServiceAccount ${w.namespace}/${w.serviceAccount} with its API token mounted`,
        location: w.serviceAccountLocation,
        findings: tf.map((f) => f.fingerprint),
        fix: `Set automountServiceAccountToken: false in the pod spec of ${workloadLabel(w)} (or give it its own ServiceAccount without these permissions)`,
      });
    }

    // Workload → node (escape), → GPU.
    const esc = objFindings.filter((f) => ESCAPE_RULES.has(f.ruleId));
    if (esc.length > 0) {
      const nid = node({ id: `node:${w.cluster}`, kind: 'node', label: 'the node (host)' });
      const rules = [...new Set(esc.map((f) => f.ruleId))];
      edge({
        from: wid,
        to: nid,
        kind: 'escapes-to-node',
        label: `${workloadLabel(w)} can reach its node (${rules.join(', ')})`,
        location: (esc[0] as Finding).location,
        findings: esc.map((f) => f.fingerprint),
        fix: esc.map(fixOf).filter((x, i, a) => a.indexOf(x) === i).join(' '),
      });
    }
    if (w.usesAccelerators || esc.some((f) => f.ruleId === 'k8s/pss-privileged')) {
      const gid = node({ id: `gpu:${w.cluster}`, kind: 'gpu', label: 'the GPUs of the node' });
      edge({ from: wid, to: gid, kind: 'uses-gpu', label: `${workloadLabel(w)} ${w.usesAccelerators ? 'requests accelerators' : 'is privileged: every device of the node'}`, location: w.location, findings: [] });
    }

    // Workload → any destination.
    const eg = objFindings.filter((f) => f.ruleId === EGRESS_WORKLOAD_RULE);
    const nsEg = eg.length > 0 ? [] : namespaceFindings(input.findings, w.namespace, EGRESS_NAMESPACE_RULE);
    const egress = eg.length > 0 ? eg : nsEg;
    if (egress.length > 0) {
      const nid = node({ id: 'network:any', kind: 'network', label: 'any network destination' });
      edge({
        from: wid,
        to: nid,
        kind: 'egress',
        label: `${workloadLabel(w)} can connect anywhere (no NetworkPolicy restricts its egress)`,
        location: (egress[0] as Finding).location,
        findings: egress.map((f) => f.fingerprint),
        fix: fixOf(egress[0] as Finding),
      });
    }
  }

  // ServiceAccount → Secrets / workload control, for the ServiceAccounts in the graph: one step per
  // (ServiceAccount, binding, kind of step), whatever the number of categories the binding grants.
  const merged = new Map<string, { g: GrantFacts; kind: AttackEdgeKind; categories: string[]; evidence: Finding[] }>();
  for (const g of input.facts.grants) {
    const saId = `sa:${g.cluster}:${g.serviceAccount}`;
    if (!nodes.has(saId)) continue;
    const kinds: AttackEdgeKind[] = [];
    if (g.category === 'secrets-read' || g.category === 'wildcard') kinds.push('reads-secrets');
    if (CONTROL_CATEGORIES.has(g.category)) kinds.push('controls-workloads');
    const evidence = input.findings.filter((f) => f.ruleId.startsWith('k8s/rbac-') && sameSpot(f.location, g.location) && (f.ruleId === `k8s/rbac-${g.category}` || f.ruleId === 'k8s/rbac-wildcard'));
    for (const kind of kinds) {
      const key = `${saId}|${g.scope}|${g.via}|${kind}`;
      const m = merged.get(key);
      if (m === undefined) merged.set(key, { g, kind, categories: [g.category], evidence: [...evidence] });
      else {
        if (!m.categories.includes(g.category)) m.categories.push(g.category);
        for (const f of evidence) if (!m.evidence.includes(f)) m.evidence.push(f);
      }
    }
  }
  for (const { g, kind, categories, evidence } of merged.values()) {
    const saId = `sa:${g.cluster}:${g.serviceAccount}`;
    const scopeText = g.scope === 'cluster' ? 'every namespace' : `namespace ${g.scope}`;
    const what = kind === 'reads-secrets' ? 'read Secrets' : categories.map((c) => CATEGORY_TEXT[c] ?? c).join(', ');
    const to =
      kind === 'reads-secrets'
        ? node({ id: `secrets:${g.cluster}:${g.scope}`, kind: 'secrets', label: `Secrets of ${scopeText}`, ...(g.scope !== 'cluster' && { namespace: g.scope }) })
        : node({ id: `control:${g.cluster}:${g.scope}`, kind: 'cluster-control', label: `workloads of ${scopeText}`, ...(g.scope !== 'cluster' && { namespace: g.scope }) });
    edge({
      from: saId,
      to,
      kind,
      label: `ServiceAccount ${g.serviceAccount} can ${what} in ${scopeText} (${g.via})`,
      location: g.location,
      findings: evidence.map((f) => f.fingerprint),
      fix: `Remove the grant to ${what} from ${g.via} (bind a Role with only the verbs and resourceNames the ServiceAccount needs)`,
    });
  }
  return { nodes, edges, out, models };
}

function namespaceFindings(findings: readonly Finding[], ns: string, ruleId: string): Finding[] {
  return findings.filter((f) => f.ruleId === ruleId && f.location.kind === 'k8s-object' && (f.location as K8sObjectLocation).objectKind === 'Namespace' && (f.location as K8sObjectLocation).name === ns);
}

function clip(s: string, n = 80): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
