/**
 * The object model every Kubernetes rule works on (INTERFACE CONTRACT shared by the manifest loader,
 * the workload/PSS rules, RBAC and NetworkPolicy analysis). Plain data only: objects cross worker
 * threads by structured clone.
 */
import type { K8sObjectLocation } from '../findings/index.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** A field path as segments: `['spec', 'containers', 0, 'securityContext', 'privileged']`. */
export type FieldPath = readonly (string | number)[];

export interface Position {
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
}

export interface ManifestObject {
  /** File on disk the object came from (`-` for stdin). */
  readonly path: string;
  /** Index of the YAML document in the file (items of a `List` share their document's index). */
  readonly docIndex: number;
  readonly apiVersion: string;
  readonly kind: string;
  /** `metadata.name` (or `metadata.generateName` + `*` when only that is set; `''` when missing). */
  readonly name: string;
  /** `metadata.namespace` as written; absent for cluster-scoped or unspecified. */
  readonly namespace?: string;
  /** The object as Kubernetes reads it (YAML 1.1 scalars: `yes` → true), after API-server defaulting. */
  readonly value: JsonObject;
  /**
   * Position of every node in the source, keyed by `formatFieldPath(path)` with paths relative to the
   * object (basePath excluded); the key `''` is the object itself. For a mapping entry the position is that of its key (where a reader looks for the field).
   */
  readonly positions: ReadonlyMap<string, Position>;
  /** Field path prefix of this object inside its document (items of a List: `['items', 3]`), else []. */
  readonly basePath: FieldPath;
}

/** `spec.template.spec.containers[0].securityContext.privileged` */
export function formatFieldPath(p: FieldPath): string {
  let out = '';
  for (const seg of p) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** Position of `p`, or of its nearest ancestor that exists in the source (the object when none). */
export function positionOf(obj: ManifestObject, p: FieldPath): Position {
  for (let n = p.length; n >= 0; n--) {
    const pos = obj.positions.get(formatFieldPath(p.slice(0, n)));
    if (pos) return pos;
  }
  return { line: 1, column: 1 };
}

/** The finding location of field `p` of `obj` (exact line/column, or the closest existing ancestor). */
export function locationOf(obj: ManifestObject, p: FieldPath): K8sObjectLocation {
  const pos = positionOf(obj, p);
  return {
    kind: 'k8s-object',
    path: obj.path,
    line: pos.line,
    column: pos.column,
    apiVersion: obj.apiVersion,
    objectKind: obj.kind,
    ...(obj.namespace !== undefined && { namespace: obj.namespace }),
    name: obj.name,
    fieldPath: formatFieldPath(p),
  };
}
