/**
 * The CEL of the PSS rules (pss/cel.ts over workload-cel.ts) against the rules themselves: on
 * generated workloads of every shape (built here with literal paths, not from the workloads table), the
 * CEL passes exactly when the rule reports nothing.
 *
 * No CEL library is a dependency yet (DESIGN.md plans @bufbuild/cel for the VAP export tests), so this
 * test carries a small evaluator of the subset the generator emits: literals (`true`, `false`, `null`,
 * strings, raw strings, `[]`, `{}`), lists, `!`, `&&`, `||`, `==`, `!=`, `?:`, field selection `.f`,
 * optional selection `.?f` and `.orValue()`, indexing, `.all()` over lists and maps, `.contains()` and
 * `.matches()` — with CEL's semantics for those (selecting on a non-map is an error, equality across
 * types is false).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Json, JsonObject } from './model.js';
import { objectFromJson } from './json-objects.js';
import { PSS_MAX_MINOR, evaluatePss } from './pss/checks.js';
import { PSS_CEL } from './pss/cel.js';
import { PSS_RULES } from './pss/rules.js';
import { podTemplatesOf } from './workloads.js';

// ---- a CEL evaluator for the emitted subset ---------------------------------------------------------

type Val = Json | Opt;
interface Opt {
  readonly opt: true;
  readonly value: Json | undefined;
}
type Node =
  | { t: 'lit'; v: Json }
  | { t: 'ident'; name: string }
  | { t: 'list'; items: Node[] }
  | { t: 'not'; e: Node }
  | { t: 'bin'; op: '&&' | '||' | '==' | '!='; l: Node; r: Node }
  | { t: 'cond'; c: Node; a: Node; b: Node }
  | { t: 'sel'; e: Node; f: string; optional: boolean }
  | { t: 'index'; e: Node; i: Node }
  | { t: 'call'; e: Node; m: string; args: Node[] };

function tokenize(src: string): string[] {
  const out: string[] = [];
  const re = /\s*(r'[^']*'|'[^']*'|&&|\|\||==|!=|\.\?|[A-Za-z_][A-Za-z0-9_]*|[()[\]{}.,!?:])/y;
  let i = 0;
  while (i < src.length) {
    re.lastIndex = i;
    const m = re.exec(src);
    if (!m?.[1]) {
      if (/^\s*$/.test(src.slice(i))) break;
      throw new Error(`cel: cannot read at ${src.slice(i, i + 20)}`);
    }
    out.push(m[1]);
    i = re.lastIndex;
  }
  return out;
}

function parse(src: string): Node {
  const toks = tokenize(src);
  let p = 0;
  const peek = (): string | undefined => toks[p];
  const eat = (t: string): void => {
    if (toks[p] !== t) throw new Error(`cel: expected ${t} at token ${p}, got ${toks[p] ?? 'end'}`);
    p++;
  };
  const expr = (): Node => {
    const c = or();
    if (peek() !== '?') return c;
    eat('?');
    const a = or();
    eat(':');
    return { t: 'cond', c, a, b: expr() };
  };
  const or = (): Node => {
    let l = and();
    while (peek() === '||') {
      p++;
      l = { t: 'bin', op: '||', l, r: and() };
    }
    return l;
  };
  const and = (): Node => {
    let l = eq();
    while (peek() === '&&') {
      p++;
      l = { t: 'bin', op: '&&', l, r: eq() };
    }
    return l;
  };
  const eq = (): Node => {
    let l = unary();
    while (peek() === '==' || peek() === '!=') {
      const op = toks[p++] as '==' | '!=';
      l = { t: 'bin', op, l, r: unary() };
    }
    return l;
  };
  const unary = (): Node => {
    if (peek() === '!') {
      p++;
      return { t: 'not', e: unary() };
    }
    return postfix(primary());
  };
  const args = (): Node[] => {
    eat('(');
    const out: Node[] = [];
    while (peek() !== ')') {
      out.push(expr());
      if (peek() === ',') p++;
    }
    eat(')');
    return out;
  };
  const postfix = (e0: Node): Node => {
    let e = e0;
    for (;;) {
      const t = peek();
      if (t === '.' || t === '.?') {
        p++;
        const f = toks[p++] ?? '';
        if (t === '.' && peek() === '(') e = { t: 'call', e, m: f, args: args() };
        else e = { t: 'sel', e, f, optional: t === '.?' };
      } else if (t === '[') {
        p++;
        const i = expr();
        eat(']');
        e = { t: 'index', e, i };
      } else return e;
    }
  };
  const primary = (): Node => {
    const t = toks[p++];
    if (t === undefined) throw new Error('cel: unexpected end');
    if (t === '(') {
      const e = expr();
      eat(')');
      return e;
    }
    if (t === '[') {
      const items: Node[] = [];
      while (peek() !== ']') {
        items.push(expr());
        if (peek() === ',') p++;
      }
      eat(']');
      return { t: 'list', items };
    }
    if (t === '{') {
      eat('}');
      return { t: 'lit', v: {} };
    }
    if (t === 'true' || t === 'false') return { t: 'lit', v: t === 'true' };
    if (t === 'null') return { t: 'lit', v: null };
    if (t.startsWith("r'")) return { t: 'lit', v: t.slice(2, -1) };
    if (t.startsWith("'")) return { t: 'lit', v: t.slice(1, -1) };
    return { t: 'ident', name: t };
  };
  const e = expr();
  if (p !== toks.length) throw new Error(`cel: trailing tokens from ${toks[p]}`);
  return e;
}

const isOpt = (v: Val | undefined): v is Opt => typeof v === 'object' && v !== null && !Array.isArray(v) && (v as { opt?: unknown }).opt === true;
const isMap = (v: Val | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v) && !isOpt(v);

function celEquals(a: Val, b: Val): boolean {
  if (isOpt(a) || isOpt(b)) throw new Error('cel: comparing an optional');
  if (a === null || b === null) return a === b;
  if (typeof a !== typeof b || Array.isArray(a) !== Array.isArray(b)) return false; // heterogeneous equality
  return JSON.stringify(a) === JSON.stringify(b);
}

function bool(v: Val): boolean {
  if (typeof v !== 'boolean') throw new Error(`cel: no such overload (bool expected, got ${JSON.stringify(v)})`);
  return v;
}

function evaluate(n: Node, env: ReadonlyMap<string, Val>): Val {
  switch (n.t) {
    case 'lit':
      return n.v;
    case 'ident': {
      const v = env.get(n.name);
      if (v === undefined) throw new Error(`cel: undeclared ${n.name}`);
      return v;
    }
    case 'list':
      return n.items.map((i) => {
        const v = evaluate(i, env);
        if (isOpt(v)) throw new Error('cel: optional in a list');
        return v;
      });
    case 'not':
      return !bool(evaluate(n.e, env));
    case 'bin': {
      if (n.op === '&&') return bool(evaluate(n.l, env)) && bool(evaluate(n.r, env));
      if (n.op === '||') return bool(evaluate(n.l, env)) || bool(evaluate(n.r, env));
      const eq = celEquals(evaluate(n.l, env), evaluate(n.r, env));
      return n.op === '==' ? eq : !eq;
    }
    case 'cond':
      return bool(evaluate(n.c, env)) ? evaluate(n.a, env) : evaluate(n.b, env);
    case 'sel': {
      let v = evaluate(n.e, env);
      if (isOpt(v)) {
        if (!n.optional) throw new Error('cel: plain selection on an optional');
        if (v.value === undefined) return v;
        v = v.value;
      }
      if (!isMap(v)) throw new Error(`cel: no such key ${n.f} (not a map)`);
      const has = Object.prototype.hasOwnProperty.call(v, n.f);
      if (n.optional) return { opt: true, value: has ? v[n.f] : undefined };
      if (!has) throw new Error(`cel: no such key ${n.f}`);
      return v[n.f] ?? null;
    }
    case 'index': {
      const v = evaluate(n.e, env);
      const i = evaluate(n.i, env);
      if (isMap(v) && typeof i === 'string' && Object.prototype.hasOwnProperty.call(v, i)) return v[i] ?? null;
      if (Array.isArray(v) && typeof i === 'number' && i < v.length) return v[i] ?? null;
      throw new Error('cel: bad index');
    }
    case 'call': {
      if (n.m === 'all') {
        const recv = evaluate(n.e, env);
        const [varNode, body] = n.args;
        if (varNode?.t !== 'ident' || body === undefined) throw new Error('cel: all(var, expr)');
        const items: Json[] = Array.isArray(recv) ? recv : isMap(recv) ? Object.keys(recv) : [];
        if (!Array.isArray(recv) && !isMap(recv)) throw new Error('cel: all() on a non-collection');
        return items.every((it) => bool(evaluate(body, new Map([...env, [varNode.name, it]]))));
      }
      const recv = evaluate(n.e, env);
      const arg = n.args[0] === undefined ? undefined : evaluate(n.args[0], env);
      if (n.m === 'hasValue') {
        if (!isOpt(recv) || arg !== undefined) throw new Error('cel: hasValue on a non-optional');
        return recv.value !== undefined;
      }
      if (n.m === 'orValue') {
        if (!isOpt(recv) || arg === undefined || isOpt(arg)) throw new Error('cel: orValue on a non-optional');
        return recv.value === undefined ? arg : recv.value;
      }
      if (typeof recv !== 'string' || typeof arg !== 'string') throw new Error(`cel: ${n.m} needs strings`);
      if (n.m === 'contains') return recv.includes(arg);
      if (n.m === 'matches') return new RegExp(arg, 'u').test(recv);
      throw new Error(`cel: unknown function ${n.m}`);
    }
  }
}

const celPasses = (expr: string, object: JsonObject): boolean => bool(evaluate(parse(expr), new Map([['object', object]])));

// ---- generated workloads ---------------------------------------------------------------------------

const flag = fc.constantFrom<boolean | undefined>(undefined, true, false);
const maybe = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(arb, { nil: undefined });
const strip = (o: Record<string, unknown>): JsonObject => {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v as Json;
  return out;
};

const container = fc.record({ name: fc.constantFrom('a', 'b'), privileged: flag, sc: fc.boolean() }).map(({ name, privileged, sc }) => strip({ name, image: 'x', securityContext: sc ? strip({ privileged }) : undefined }));
const volume = fc.constantFrom<JsonObject>({ name: 'h', hostPath: { path: '/data' } }, { name: 'e', emptyDir: {} }, { name: 'p', persistentVolumeClaim: { claimName: 'x' } }, { name: 'n', hostPath: null });
const podSpec: fc.Arbitrary<JsonObject> = fc
  .record({
    hostNetwork: flag,
    hostPID: flag,
    hostIPC: flag,
    containers: maybe(fc.array(container, { maxLength: 2 })),
    initContainers: maybe(fc.array(container, { maxLength: 2 })),
    ephemeralContainers: maybe(fc.array(container, { maxLength: 1 })),
    volumes: maybe(fc.array(volume, { maxLength: 3 })),
  })
  .map((r) => strip(r));
const template = maybe(podSpec.map((spec) => ({ metadata: { labels: { app: 'x' } }, spec })));
const nested = (path: readonly string[], leaf: JsonObject | undefined): JsonObject => {
  let v: Json | undefined = leaf;
  for (let i = path.length - 1; i >= 0; i--) v = v === undefined ? undefined : { [path[i] as string]: v };
  return (v ?? {}) as JsonObject;
};
const obj = (apiVersion: string, kind: string, body: JsonObject): JsonObject => ({ apiVersion, kind, metadata: { name: 'w', namespace: 'ml' }, ...body });

/** Workloads of every shape, written with literal paths (independent of the workloads table). */
const workload: fc.Arbitrary<JsonObject> = fc.oneof(
  podSpec.map((spec) => obj('v1', 'Pod', { spec })),
  fc.record({ av: fc.constantFrom('apps/v1', 'extensions/v1beta1', 'example.com/v1', 'v1'), t: template }).map(({ av, t }) => obj(av, 'Deployment', { spec: strip({ replicas: 1, template: t }) })),
  template.map((t) => obj('apps/v1', 'StatefulSet', { spec: strip({ template: t }) })),
  template.map((t) => obj('v1', 'PodTemplate', strip({ template: t }))),
  template.map((t) => obj('v1', 'ReplicationController', { spec: strip({ template: t }) })),
  template.map((t) => obj('batch/v1', 'Job', { spec: strip({ template: t }) })),
  template.map((t) => obj('batch/v1', 'CronJob', { spec: nested(['jobTemplate', 'spec', 'template'], t) })),
  fc.record({ head: template, workers: fc.array(template.map((t) => strip({ groupName: 'g', template: t })), { maxLength: 2 }), kind: fc.constantFrom('RayCluster', 'RayJob', 'RayService') }).map(({ head, workers, kind }) => {
    const cluster = strip({ headGroupSpec: strip({ serviceType: 'ClusterIP', template: head }), workerGroupSpecs: workers });
    return obj('ray.io/v1', kind, { spec: kind === 'RayCluster' ? cluster : kind === 'RayJob' ? { rayClusterSpec: cluster } : { rayClusterConfig: cluster } });
  }),
  fc.dictionary(fc.constantFrom('Master', 'Worker', 'PS'), template.map((t) => strip({ replicas: 1, template: t })), { maxKeys: 3 }).map((specs) => obj('kubeflow.org/v1', 'PyTorchJob', { spec: { pytorchReplicaSpecs: specs } })),
  template.map((t) => obj('kubeflow.org/v1', 'Notebook', { spec: strip({ template: t }) })),
  template.map((t) => obj('argoproj.io/v1alpha1', 'Rollout', { spec: strip({ template: t }) })),
  fc.record({ l: template, w: template }).map(({ l, w }) => obj('leaderworkerset.x-k8s.io/v1', 'LeaderWorkerSet', { spec: { leaderWorkerTemplate: strip({ leaderTemplate: l, workerTemplate: w }) } })),
  fc.array(template, { maxLength: 2 }).map((ts) => obj('jobset.x-k8s.io/v1alpha2', 'JobSet', { spec: { replicatedJobs: ts.map((t, i) => ({ name: `j${i}`, template: { spec: strip({ template: t }) } })) } })),
  podSpec.map((spec) => obj('serving.knative.dev/v1', 'Service', { spec: { template: { spec } } })),
  podSpec.map((spec) => obj('ray.io/v1', 'Pod', { spec })),
  // AI CRDs added with the data table: KServe components (inline pod spec plus container-like framework
  // specs), RayJob's submitter, TrainJob containers, Katib's embedded trial, Argo templates.
  fc.record({ spec: podSpec, model: maybe(container), explainer: maybe(podSpec), av: fc.constantFrom('serving.kserve.io/v1beta1', 'serving.kubeflow.org/v1beta1') }).map(({ spec, model, explainer, av }) =>
    obj(av, 'InferenceService', { spec: strip({ predictor: strip({ ...spec, model }), explainer }) }),
  ),
  fc.record({ head: template, submitter: template }).map(({ head, submitter }) => obj('ray.io/v1', 'RayJob', { spec: strip({ rayClusterSpec: strip({ headGroupSpec: strip({ template: head }) }), submitterPodTemplate: submitter }) })),
  fc.record({ trainer: maybe(container), overrides: fc.array(podSpec, { maxLength: 1 }) }).map(({ trainer, overrides }) =>
    obj('trainer.kubeflow.org/v1alpha1', 'TrainJob', { spec: strip({ trainer, podSpecOverrides: overrides.length === 0 ? undefined : overrides.map((o) => ({ targetJobs: [{ name: 'node' }], ...o })) }) }),
  ),
  template.map((t) => obj('kubeflow.org/v1beta1', 'Experiment', { spec: { trialTemplate: { trialSpec: { apiVersion: 'batch/v1', kind: 'Job', spec: strip({ template: t }) } } } })),
  fc
    .record({
      hostNetwork: flag,
      volumes: maybe(fc.array(volume, { maxLength: 2 })),
      templates: fc.array(fc.record({ container: maybe(container), script: maybe(container), initContainers: maybe(fc.array(container, { maxLength: 1 })), volumes: maybe(fc.array(volume, { maxLength: 1 })) }).map((t) => strip({ name: 't', ...t })), { maxLength: 2 }),
      kind: fc.constantFrom('Workflow', 'WorkflowTemplate', 'ClusterWorkflowTemplate', 'CronWorkflow'),
    })
    .map(({ kind, ...wf }) => {
      const spec = strip(wf);
      return obj('argoproj.io/v1alpha1', kind, { spec: kind === 'CronWorkflow' ? { workflowSpec: spec } : spec });
    }),
);

/** Whether the rule of `check` reports nothing on the object (its own PSS check over every template). */
function rulePasses(check: string, value: JsonObject): boolean {
  const o = objectFromJson(JSON.parse(JSON.stringify(value)) as JsonObject, { kind: 'admission-request', path: 'x', uid: 'u', operation: 'CREATE' });
  return podTemplatesOf(o).every((t) => !evaluatePss(t, 'baseline', PSS_MAX_MINOR, (id) => id === check).has(check));
}

describe('CEL of the PSS rules', () => {
  it('is set exactly on privileged, hostNamespaces and hostPathVolumes, with admission metadata', () => {
    expect([...PSS_CEL.keys()].sort()).toEqual(['hostNamespaces', 'hostPathVolumes', 'privileged']);
    const withCel = PSS_RULES.filter((r) => r.cel !== undefined).map((r) => r.id).sort();
    expect(withCel).toEqual(['k8s/pss-host-namespaces', 'k8s/pss-host-path-volumes', 'k8s/pss-privileged']);
    for (const r of PSS_RULES) expect(r.admission?.level, r.id).toBeDefined();
  });

  for (const [check, expr] of PSS_CEL) {
    it(`${check}: the CEL passes exactly when the rule reports nothing`, () => {
      fc.assert(
        fc.property(workload, (value) => {
          expect(celPasses(expr, value)).toBe(rulePasses(check, value));
        }),
        { numRuns: 600 },
      );
    });
  }

  it('fails the obvious cases and passes objects of other kinds', () => {
    const cel = (c: string): string => PSS_CEL.get(c) ?? '';
    expect(celPasses(cel('hostNamespaces'), obj('batch/v1', 'CronJob', { spec: { jobTemplate: { spec: { template: { spec: { hostPID: true } } } } } }))).toBe(false);
    expect(celPasses(cel('privileged'), obj('v1', 'Pod', { spec: { ephemeralContainers: [{ name: 'd', securityContext: { privileged: true } }] } }))).toBe(false);
    expect(celPasses(cel('hostPathVolumes'), obj('kubeflow.org/v1', 'PyTorchJob', { spec: { pytorchReplicaSpecs: { Worker: { template: { spec: { volumes: [{ name: 'h', hostPath: { path: '/' } }] } } } } } }))).toBe(false);
    expect(celPasses(cel('privileged'), obj('v1', 'ConfigMap', { data: { a: 'b' } }))).toBe(true);
    expect(celPasses(cel('hostNamespaces'), obj('apps/v1', 'Deployment', {}))).toBe(true);
  });
});
