/**
 * The object model every Kubernetes rule works on (INTERFACE CONTRACT shared by the manifest loader,
 * the workload/PSS rules, RBAC and NetworkPolicy analysis, and the admission webhook). Plain data only:
 * objects cross worker threads by structured clone.
 *
 * An object has an origin:
 * - `file`: loaded from a manifest file (YAML or JSON text); every field has a line and column, and
 *   findings are `k8s-object` locations;
 * - `json`: arrived as JSON without source text (the object of an AdmissionReview, of an audit event);
 *   findings are the anchor's location (`admission-request`, `audit-event`) naming the object, the
 *   field path and an RFC 6901 pointer into the object as sent.
 * The same rules run on both; `locationOf` is the one place that tells them apart.
 */
import type { AdmissionRequestLocation, AuditEventLocation, K8sObjectLocation, Location } from '../findings/index.js';

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

/** The request or event an object arrived with (its findings are located there). */
export type JsonAnchor = AdmissionRequestLocation | AuditEventLocation;

export interface FileOrigin {
  readonly kind: 'file';
  /** Index of the YAML document in the file (items of a `List` share their document's index). */
  readonly docIndex: number;
  /**
   * Position of every node in the source, keyed by `formatFieldPath(path)` with paths relative to the
   * object (basePath excluded); the key `''` is the object itself. For a mapping entry the position is
   * that of its key (where a reader looks for the field).
   */
  readonly positions: ReadonlyMap<string, Position>;
  /** Field path prefix of this object inside its document (items of a List: `['items', 3]`), else []. */
  readonly basePath: FieldPath;
}

export interface JsonOrigin {
  readonly kind: 'json';
  readonly anchor: JsonAnchor;
}

export type ManifestOrigin = FileOrigin | JsonOrigin;

export interface ManifestObject {
  /** `path` of every finding on the object: the file it came from (`-` for stdin), or the anchor's path. */
  readonly path: string;
  readonly apiVersion: string;
  readonly kind: string;
  /** `metadata.name` (or `metadata.generateName` + `*` when only that is set; `''` when missing). */
  readonly name: string;
  /** `metadata.namespace` as written (for JSON objects, else the anchor's); absent for cluster-scoped or unspecified. */
  readonly namespace?: string;
  /** The object as Kubernetes reads it (YAML 1.1 scalars: `yes` → true), after API-server defaulting. */
  readonly value: JsonObject;
  readonly origin: ManifestOrigin;
}

const IDENT = /^[A-Za-z_$][\w$-]*$/;

/** `spec.template.spec.containers[0].securityContext.privileged` */
export function formatFieldPath(p: FieldPath): string {
  let out = '';
  for (const seg of p) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (IDENT.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** RFC 6901 JSON pointer of `p`: `/spec/containers/0/securityContext/privileged` (`~` → `~0`, `/` → `~1`). */
export function jsonPointer(p: FieldPath): string {
  let out = '';
  for (const seg of p) out += `/${typeof seg === 'number' ? String(seg) : seg.replaceAll('~', '~0').replaceAll('/', '~1')}`;
  return out;
}

/**
 * Source position of `p` in a file object, or of its nearest ancestor that exists in the source (the
 * object when none); undefined for objects that arrived as JSON (they have no source text).
 */
export function positionOf(obj: ManifestObject, p: FieldPath): Position | undefined {
  const o = obj.origin;
  if (o.kind !== 'file') return undefined;
  for (let n = p.length; n >= 0; n--) {
    const pos = o.positions.get(formatFieldPath(p.slice(0, n)));
    if (pos) return pos;
  }
  return { line: 1, column: 1 };
}

/** Where field `p` is, for messages that point at another object: `rbac.yaml:12`, or `path spec.rules[0]`. */
export function sourceRef(obj: ManifestObject, p: FieldPath): string {
  const pos = positionOf(obj, p);
  return pos === undefined ? `${obj.path} ${formatFieldPath(p)}` : `${obj.path}:${pos.line}`;
}

/** The `k8s-object` location of field `p` of a file object (exact line/column, or the closest existing ancestor). */
export function fileLocationOf(obj: ManifestObject, origin: FileOrigin, p: FieldPath): K8sObjectLocation {
  let pos: Position = { line: 1, column: 1 };
  for (let n = p.length; n >= 0; n--) {
    const hit = origin.positions.get(formatFieldPath(p.slice(0, n)));
    if (hit) {
      pos = hit;
      break;
    }
  }
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

/**
 * The finding location of field `p` of `obj`: for a file object a `k8s-object` location with the line
 * and column of the field (or of its closest existing ancestor when the field is missing); for a JSON
 * object its anchor with the object, the field path and the JSON pointer of the field.
 */
export function locationOf(obj: ManifestObject, p: FieldPath): Location {
  const o = obj.origin;
  if (o.kind === 'file') return fileLocationOf(obj, o, p);
  return {
    ...o.anchor,
    apiVersion: obj.apiVersion,
    objectKind: obj.kind,
    ...(obj.namespace !== undefined && { namespace: obj.namespace }),
    name: obj.name,
    fieldPath: formatFieldPath(p),
    pointer: jsonPointer(p),
  };
}
