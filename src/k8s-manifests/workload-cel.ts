/**
 * CEL over `object` (as a ValidatingAdmissionPolicy sees it) that applies predicates to every pod of a
 * workload, generated from the same table as `podTemplatesOf` (workloads.ts), so that the CEL of a rule
 * judges exactly the pods the rule judges: the Pod's own spec, the templates of the built-in workload
 * kinds (API groups checked), and the pods of the AI-platform CRDs (KServe components with their
 * framework containers, Argo templates, Katib trial objects …). Objects of any other kind pass.
 * Missing fields read as absent (CEL optional selection `.?`, Kubernetes 1.29+), like `getPath` does;
 * the expression assumes values of the types the API schema declares (a mistyped value in a schemaless
 * CRD makes CEL fail where the rule would read it as absent).
 *
 * Predicates must hold for an empty map `{}` (absent pods and containers are read as `{}`), and must
 * not bind variables named like the generator's (`s`, `x`, `m`, `k`, `c`, `l`, `w`, `t`, `e`, each
 * followed by digits).
 */
import type { FieldPath } from './model.js';
import type { ContainerSite, PathPattern, TemplateSite, WorkloadKind } from './workloads.js';
import { LIST, MAP, WORKLOAD_KIND_TABLE } from './workloads.js';

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `base.?a.?b` (optional selection of every segment). */
function optPath(base: string, path: readonly (string | number)[]): string {
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

export interface PodPredicates {
  /** Over a pod spec (or an object holding pod-level fields, such as an Argo template). */
  readonly pod?: (spec: string) => string;
  /** Over one container. */
  readonly container?: (c: string) => string;
}

class Gen {
  private n = 0;
  constructor(private readonly p: PodPredicates) {}

  v(prefix: string): string {
    return `${prefix}${this.n++}`;
  }

  and(parts: readonly string[]): string {
    const p = parts.filter((x) => x !== 'true');
    return p.length === 0 ? 'true' : p.join(' && ');
  }

  /** Every container of the three lists of pod spec `spec`. */
  lists(spec: string): string {
    const c = this.p.container;
    if (!c) return 'true';
    const l = this.v('l');
    const x = this.v('c');
    return `[${spec}.?initContainers.orValue([]), ${spec}.?containers.orValue([]), ${spec}.?ephemeralContainers.orValue([])].all(${l}, ${l}.all(${x}, ${c(x)}))`;
  }

  singles(base: string, sites: readonly ContainerSite[]): string {
    const c = this.p.container;
    if (!c) return 'true';
    return this.and(
      sites.map((s) => {
        const x = this.v('c');
        return `[${optPath(base, s.at)}.orValue({})].all(${x}, ${c(x)})`;
      }),
    );
  }

  podBody(spec: string, singles: readonly ContainerSite[] = []): string {
    return this.and([this.p.pod ? this.p.pod(spec) : 'true', this.lists(spec), this.singles(spec, singles)]);
  }

  /** `body(cur)` for every value the pattern reaches from `cur`. */
  pattern(cur: string, pattern: PathPattern, body: (at: string) => string): string {
    const i = pattern.findIndex((seg) => seg === LIST || seg === MAP);
    if (i < 0) {
      if (pattern.length === 0) return body(cur); // a list element or map value: not optional
      const x = this.v('x');
      return `[${optPath(cur, pattern)}.orValue({})].all(${x}, ${body(x)})`;
    }
    const head = pattern.slice(0, i) as readonly string[];
    const rest = pattern.slice(i + 1);
    if (pattern[i] === LIST) {
      const x = this.v('x');
      return `${optPath(cur, head)}.orValue([]).all(${x}, ${this.pattern(x, rest, body)})`;
    }
    const m = this.v('m');
    const k = this.v('k');
    return `[${optPath(cur, head)}.orValue({})].all(${m}, ${m}.all(${k}, ${this.pattern(`${m}[${k}]`, rest, body)}))`;
  }

  argo(root: string, at: FieldPath): string {
    const w = this.v('w');
    const t = this.v('t');
    const c = this.p.container;
    const pod = (x: string): string => (this.p.pod ? this.p.pod(x) : 'true');
    let containers = 'true';
    if (c) {
      const l = this.v('l');
      const x = this.v('c');
      containers = `[${t}.?initContainers.orValue([]), [${t}.?container.orValue({})], [${t}.?script.orValue({})], ${t}.?containerSet.?containers.orValue([]), ${t}.?sidecars.orValue([])].all(${l}, ${l}.all(${x}, ${c(x)}))`;
    }
    const body = this.and([pod(w), pod(t), containers]);
    if (body === 'true') return 'true';
    // a template without a container (steps, dag, resource, suspend …) runs no pod of its own
    const l = this.v('l');
    const noPod = `(!${t}.?container.hasValue() && !${t}.?script.hasValue() && [${t}.?initContainers.orValue([]), ${t}.?containerSet.?containers.orValue([]), ${t}.?sidecars.orValue([])].all(${l}, ${l} == []))`;
    return `[${optPath(root, at)}.orValue({})].all(${w}, ${w}.?templates.orValue([]).all(${t}, ${noPod} || (${body})))`;
  }

  site(root: string, site: TemplateSite, embedded: boolean): string {
    switch (site.shape) {
      case 'template':
        return this.pattern(root, [...site.at, 'spec'], (s) => this.podBody(s));
      case 'spec':
        return this.pattern(root, site.at, (s) => this.podBody(s, site.containers));
      case 'containers':
        return this.singles(root, site.containers);
      case 'argo':
        return this.argo(root, site.at);
      case 'embedded': {
        if (embedded) return 'true';
        const e = this.v('e');
        return `[${optPath(root, site.at)}.orValue({})].all(${e}, ${this.chain(e, true)})`;
      }
    }
  }

  kind(root: string, k: WorkloadKind, embedded: boolean): string {
    if (k.sites === 'self') {
      const s = this.v('s');
      return `[${root}.?spec.orValue({})].all(${s}, ${this.podBody(s)})`;
    }
    return this.and(k.sites.map((site) => this.site(root, site, embedded)));
  }

  /** The ternary chain over every kind, for the object in `root` (`object`, or an embedded map). */
  chain(root: string, embedded: boolean): string {
    const kindOf = embedded ? `${root}.?kind.orValue('')` : `${root}.kind`;
    const avOf = embedded ? `${root}.?apiVersion.orValue('')` : `${root}.apiVersion`;
    let out = 'true';
    for (let i = WORKLOAD_KIND_TABLE.length - 1; i >= 0; i--) {
      const k = WORKLOAD_KIND_TABLE[i];
      if (k === undefined) continue;
      out = `(${kindOf} == ${lit(k.kind)} && ${groupCondition(avOf, k.groups)}) ? (${this.kind(root, k, embedded)}) : ${out}`;
    }
    return out;
  }
}

function groupCondition(apiVersion: string, groups: readonly string[]): string {
  if (groups.length === 1 && groups[0] === '') return `!${apiVersion}.contains('/')`;
  if (groups.includes('')) throw new Error('workload-cel: the core group mixed with others');
  // apiGroup(apiVersion) is the text before the last `/`: the group matches when the rest has no `/`.
  const alt = groups.map((g) => g.replaceAll('.', '\\.')).join('|');
  return `${apiVersion}.matches(${lit(`^(${alt})/[^/]*$`)})`;
}

/** CEL that is true when the object passes: every pod of it satisfies `pod`, every container `container`. */
export function celForEveryPod(p: PodPredicates): string {
  return new Gen(p).chain('object', false);
}
