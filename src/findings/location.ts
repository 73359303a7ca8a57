/**
 * Where a finding is. Every variant carries `path`: the file on disk (or `-` for stdin, or the
 * receiver for streamed events) that the finding concerns. Switch on `kind` exhaustively.
 */
export type Location =
  | FileLocation
  | ArchiveMemberLocation
  | ByteRangeLocation
  | K8sObjectLocation;

export interface FileLocation {
  readonly kind: 'file';
  readonly path: string;
  readonly line?: number;
  readonly column?: number;
}

export interface ArchiveMemberLocation {
  readonly kind: 'archive-member';
  readonly path: string;
  /** Member name inside the archive; nested archives are joined with `!/` (a.zip!/b.npz!/c.npy). */
  readonly member: string;
  /** Byte offset inside the member (decompressed) where the evidence starts. */
  readonly offset?: number;
}

export interface ByteRangeLocation {
  readonly kind: 'byte-range';
  readonly path: string;
  readonly offset: number;
  readonly length: number;
}

export interface K8sObjectLocation {
  readonly kind: 'k8s-object';
  readonly path: string;
  /** 1-based line and column of the offending field, or of the object when the field is missing. */
  readonly line: number;
  readonly column: number;
  readonly apiVersion: string;
  readonly objectKind: string;
  readonly namespace?: string;
  readonly name: string;
  /** JSONPath-like field path, e.g. `spec.template.spec.containers[0].securityContext.privileged`. */
  readonly fieldPath: string;
}

export type LocationKind = Location['kind'];

function assertNever(x: never): never {
  throw new Error(`unhandled location kind: ${JSON.stringify(x)}`);
}

/** A short human-readable form: `file:line:col`, `file!/member@offset`, `file@offset+len`. */
export function formatLocation(loc: Location): string {
  switch (loc.kind) {
    case 'file':
      return loc.line === undefined
        ? loc.path
        : `${loc.path}:${loc.line}${loc.column === undefined ? '' : `:${loc.column}`}`;
    case 'archive-member':
      return `${loc.path}!/${loc.member}${loc.offset === undefined ? '' : ` @${loc.offset}`}`;
    case 'byte-range':
      return `${loc.path} @${loc.offset}+${loc.length}`;
    case 'k8s-object':
      return `${loc.path}:${loc.line}:${loc.column}`;
    default:
      return assertNever(loc);
  }
}

/**
 * The parts of a location that identify it across runs (used for fingerprints). Lines and columns
 * are left out for Kubernetes objects, so that moving an object in its file keeps its fingerprint.
 */
export function locationIdentity(loc: Location): string {
  switch (loc.kind) {
    case 'file':
      return `file\0${loc.path}\0${loc.line ?? ''}`;
    case 'archive-member':
      return `member\0${loc.path}\0${loc.member}\0${loc.offset ?? ''}`;
    case 'byte-range':
      return `range\0${loc.path}\0${loc.offset}\0${loc.length}`;
    case 'k8s-object':
      return `k8s\0${loc.path}\0${loc.apiVersion}\0${loc.objectKind}\0${loc.namespace ?? ''}\0${loc.name}\0${loc.fieldPath}`;
    default:
      return assertNever(loc);
  }
}

/** Line/column when the location has them (for SARIF regions and text output). */
export function locationLineColumn(loc: Location): { line: number; column?: number } | undefined {
  switch (loc.kind) {
    case 'file':
      return loc.line === undefined ? undefined : loc.column === undefined ? { line: loc.line } : { line: loc.line, column: loc.column };
    case 'k8s-object':
      return { line: loc.line, column: loc.column };
    case 'archive-member':
    case 'byte-range':
      return undefined;
    default:
      return assertNever(loc);
  }
}
