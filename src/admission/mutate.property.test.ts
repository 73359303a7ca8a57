/**
 * Mutation properties on generated pods: the patch only adds absent fields (never overwrites what the
 * user wrote), a mutated pod is a fixed point (mutating it again adds nothing), and no PSS check or
 * Bulwark admission rule that passed before fails after (it never loosens anything).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Json, JsonObject } from '../k8s-manifests/index.js';
import { EVERY_RULE } from './conformance.js';
import { applyAddPatch, evaluateMutation, mutationPatch } from './mutate.js';
import { DEFAULT_MUTATION, DEFAULT_SETTINGS, policyForLabels } from './policy.js';
import { makeAdmissionReview } from './request.js';
import { evaluate } from './review.js';

const maybe = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(arb, { nil: undefined, freq: 2 });
const defined = (o: Record<string, unknown>): JsonObject => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as JsonObject;

const capsArb = fc.record({ add: maybe(fc.subarray(['NET_BIND_SERVICE', 'SYS_ADMIN', 'NET_RAW', 'CHOWN'])), drop: maybe(fc.subarray(['ALL', 'NET_RAW'])) }).map(defined);
const containerSc = fc
  .record({
    privileged: maybe(fc.boolean()),
    allowPrivilegeEscalation: maybe(fc.boolean()),
    runAsNonRoot: maybe(fc.boolean()),
    runAsUser: maybe(fc.constantFrom(0, 1000, 65532)),
    capabilities: maybe(capsArb),
    seccompProfile: maybe(fc.constantFrom({ type: 'RuntimeDefault' }, { type: 'Unconfined' }, { type: 'Localhost', localhostProfile: 'p.json' })),
    readOnlyRootFilesystem: maybe(fc.boolean()),
  })
  .map(defined);
const containerArb = (name: string): fc.Arbitrary<JsonObject> =>
  fc
    .record({
      name: fc.constant(name),
      image: fc.constantFrom('nginx', 'gcr.io/distroless/static:nonroot', 'cgr.dev/chainguard/python:latest-nonroot', 'vllm/vllm-openai:v0.6.3', 'busybox:1.36'),
      securityContext: maybe(containerSc),
    })
    .map(defined);
const podArb: fc.Arbitrary<JsonObject> = fc
  .record({
    containers: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
    initContainers: maybe(fc.array(fc.nat(), { minLength: 1, maxLength: 2 })),
    podSc: maybe(
      fc
        .record({
          runAsNonRoot: maybe(fc.boolean()),
          runAsUser: maybe(fc.constantFrom(0, 1000)),
          seccompProfile: maybe(fc.constantFrom({ type: 'RuntimeDefault' }, { type: 'Unconfined' })),
          fsGroup: maybe(fc.constant(2000)),
        })
        .map(defined),
    ),
    windows: fc.boolean(),
    legacySeccomp: fc.boolean(),
    sa: maybe(fc.constantFrom('default', 'reader', 'builder')),
    automount: maybe(fc.boolean()),
    seeds: fc.array(containerArb('x'), { minLength: 5, maxLength: 5 }),
  })
  .map((r) => {
    const cs = r.containers.map((_, i) => ({ ...(r.seeds[i % 5] as JsonObject), name: `c${i}` }));
    const ics = r.initContainers?.map((_, i) => ({ ...(r.seeds[(i + 3) % 5] as JsonObject), name: `i${i}` }));
    const spec = defined({
      containers: cs,
      initContainers: ics,
      securityContext: r.podSc,
      os: r.windows ? { name: 'windows' } : undefined,
      serviceAccountName: r.sa,
      automountServiceAccountToken: r.automount,
    });
    const meta = defined({ name: 'p', namespace: 'ml', annotations: r.legacySeccomp ? { 'seccomp.security.alpha.kubernetes.io/pod': 'runtime/default' } : undefined });
    return JSON.parse(JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: meta, spec })) as JsonObject;
  });

const SETTINGS = { ...DEFAULT_MUTATION, tokenlessServiceAccounts: ['reader', 'ml/builder'] };

/** Every leaf of `a` is in `b` with the same value (b may have more). Iterative. */
function contained(a: Json, b: Json): boolean {
  const stack: [Json, Json | undefined][] = [[a, b]];
  while (stack.length > 0) {
    const [x, y] = stack.pop() as [Json, Json | undefined];
    if (x === null || typeof x !== 'object') {
      if (x !== y) return false;
      continue;
    }
    if (y === null || typeof y !== 'object' || Array.isArray(x) !== Array.isArray(y)) return false;
    if (Array.isArray(x)) {
      if (!Array.isArray(y) || x.length !== y.length) return false;
      x.forEach((v, i) => stack.push([v, y[i]]));
    } else for (const k of Object.keys(x)) stack.push([x[k] as Json, (y as JsonObject)[k]]);
  }
  return true;
}

const failing = (p: JsonObject, level: 'baseline' | 'restricted'): Set<string> => {
  const r = evaluate(makeAdmissionReview({ uid: 'u', object: structuredClone(p) }), policyForLabels(new Map([['bulwark.dev/enforce', level]]), { ...DEFAULT_SETTINGS, selection: EVERY_RULE }));
  if (!r.ok) throw new Error(r.message);
  return new Set(r.evaluation.findings.map((f) => `${f.ruleId} ${f.location.kind === 'admission-request' ? (f.location.fieldPath ?? '') : ''}`));
};

describe('mutation', () => {
  it('adds only absent fields, reaches a fixed point and never loosens', () => {
    fc.assert(
      fc.property(podArb, (p) => {
        const ops = mutationPatch(p, SETTINGS);
        for (const op of ops) expect(op.op).toBe('add');
        const m = applyAddPatch(p, ops); // throws when a target exists
        expect(contained(p, m)).toBe(true);
        expect(mutationPatch(m, SETTINGS)).toEqual([]);
        for (const level of ['baseline', 'restricted'] as const) {
          const before = failing(p, level);
          for (const f of failing(m, level)) expect(before.has(f), `${f} newly fails at ${level}`).toBe(true);
        }
      }),
      { numRuns: 300, seed: 11 },
    );
  });

  it('brings a plain pod to restricted where the user is known to be non-root', () => {
    const p: JsonObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { serviceAccountName: 'app', containers: [{ name: 'a', image: 'gcr.io/distroless/static:nonroot' }] } };
    const m = applyAddPatch(p, mutationPatch(p));
    expect(m['spec']).toEqual({
      serviceAccountName: 'app',
      securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
      containers: [{ name: 'a', image: 'gcr.io/distroless/static:nonroot', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true } }],
    });
    // Unknown user: no runAsNonRoot (it could stop the container from starting).
    const root: JsonObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'a', image: 'nginx' }] } };
    expect(JSON.stringify(applyAddPatch(root, mutationPatch(root)))).not.toContain('runAsNonRoot');
  });

  it('leaves privileged, SYS_ADMIN and Windows containers as the API server would accept them', () => {
    const p: JsonObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'a', image: 'x', securityContext: { privileged: true } }, { name: 'b', image: 'x', securityContext: { capabilities: { add: ['SYS_ADMIN'] } } }] } };
    const paths = mutationPatch(p).map((o) => o.path);
    expect(paths).toEqual(['/spec/securityContext', '/spec/containers/1/securityContext/capabilities/drop']);
    const w: JsonObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { os: { name: 'windows' }, containers: [{ name: 'a', image: 'x' }] } };
    expect(mutationPatch(w)).toEqual([]);
  });

  it('/mutate answers pod CREATEs with a base64 JSON Patch and nothing else', () => {
    const p: JsonObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ml' }, spec: { serviceAccountName: 'reader', containers: [{ name: 'a', image: 'x' }] } };
    const policy = policyForLabels(new Map(), { ...DEFAULT_SETTINGS, mutation: SETTINGS });
    const r = evaluateMutation(makeAdmissionReview({ uid: 'm1', object: p }), policy);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const resp = r.evaluation.review.response;
    expect(resp).toMatchObject({ uid: 'm1', allowed: true, patchType: 'JSONPatch' });
    const ops = JSON.parse(Buffer.from(resp.patch ?? '', 'base64').toString('utf8')) as { path: string }[];
    expect(ops.map((o) => o.path)).toEqual(['/spec/securityContext', '/spec/containers/0/securityContext', '/spec/automountServiceAccountToken']);
    const upd = evaluateMutation(makeAdmissionReview({ uid: 'm2', object: p, operation: 'UPDATE', oldObject: p }), policy);
    expect(upd.ok && upd.evaluation.review.response.patch).toBeUndefined();
  });
});
