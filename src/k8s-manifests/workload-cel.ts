/**
 * CEL over `object` (as a ValidatingAdmissionPolicy sees it) that applies a predicate to every pod
 * spec of a workload, generated from the same table as `podTemplatesOf` (workloads.ts), so that the
 * CEL of a rule judges exactly the pod specs the rule judges: the Pod's own spec, the templates of
 * the built-in workload kinds (API groups checked), and those of the AI-platform CRDs. Objects of any
 * other kind pass. Missing fields read as absent (CEL optional selection `.?`, Kubernetes 1.29+), like
 * `getPath` does; the expression assumes values of the types the API schema declares (a mistyped
 * value in a schemaless CRD makes CEL fail where the rule would read it as absent).
 */
import type { FieldPath } from './model.js';
import type { TemplateSite, WorkloadKind } from './workloads.js';
import { WORKLOAD_KIND_TABLE } from './workloads.js';

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `base.?a.?b` (optional selection of every segment). */
function optPath(base: string, path: FieldPath): string {
  let out = base;
  for (const seg of path) {
    if (typeof seg !== 'string' || !IDENT.test(seg)) throw new Error(`workload-cel: field ${String(seg)} is not a CEL identifier`);
    out += `.?${seg}`;
  }
  return out;
}

/** A CEL string literal (single-quoted, raw: no escape in the groups and kinds we emit). */
function lit(s: string): string {
  if (!/^[A-Za-z0-9.\-_/^$|()[\]*\\]*$/.test(s)) throw new Error(`workload-cel: unexpected character in ${s}`);
  return `r'${s}'`;
}

function groupCondition(groups: readonly string[]): string {
  if (groups.length === 1 && groups[0] === '') return `!object.apiVersion.contains('/')`;
  if (groups.includes('')) throw new Error('workload-cel: the core group mixed with others');
  // apiGroup(apiVersion) is the text before the last `/`: the group matches when the rest has no `/`.
  const alt = groups.map((g) => g.replaceAll('.', '\\.')).join('|');
  return `object.apiVersion.matches(${lit(`^(${alt})/[^/]*$`)})`;
}

/** CEL that is true when `pred` holds for the pod spec of every template of a site. */
function siteCondition(site: TemplateSite, pred: (spec: string) => string): string {
  if (site.kind === 'one') return `[${optPath('object', [...site.path, 'spec'])}.orValue({})].all(s, ${pred('s')})`;
  const spec = (item: string): string => `[${optPath(item, [...site.item, 'spec'])}.orValue({})].all(s, ${pred('s')})`;
  if (site.of === 'list') return `${optPath('object', site.collection)}.orValue([]).all(x, ${spec('x')})`;
  return `[${optPath('object', site.collection)}.orValue({})].all(m, m.all(k, ${spec('m[k]')}))`;
}

function kindCondition(k: WorkloadKind, pred: (spec: string) => string): string {
  if (k.sites === 'self') return `[object.?spec.orValue({})].all(s, ${pred('s')})`;
  return k.sites.map((s) => siteCondition(s, pred)).join(' && ');
}

/**
 * `pred(spec)` is a CEL expression over the pod spec variable `spec` (a map); it must not bind the
 * comprehension variables `s`, `x`, `m` or `k`. Returns CEL that is true when the object passes.
 */
export function celForEveryPodSpec(pred: (spec: string) => string): string {
  let out = 'true';
  for (let i = WORKLOAD_KIND_TABLE.length - 1; i >= 0; i--) {
    const k = WORKLOAD_KIND_TABLE[i];
    if (k === undefined) continue;
    out = `(object.kind == ${lit(k.kind)} && ${groupCondition(k.groups)}) ? (${kindCondition(k, pred)}) : ${out}`;
  }
  return out;
}

/** CEL: every container (init, regular, ephemeral) of pod spec `spec` satisfies `pred(container)` (variable `c`). */
export function celEveryContainer(spec: string, pred: (c: string) => string): string {
  return `[${spec}.?initContainers.orValue([]), ${spec}.?containers.orValue([]), ${spec}.?ephemeralContainers.orValue([])].all(l, l.all(c, ${pred('c')}))`;
}
