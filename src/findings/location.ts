/**
 * Where a finding is. Every variant carries `path`: the file on disk (or `-` for stdin, or the
 * receiver for streamed events) that the finding concerns. Switch on `kind` exhaustively.
 */
export type Location =
  | FileLocation
  | ArchiveMemberLocation
  | ByteRangeLocation
  | K8sObjectLocation
  | AdmissionRequestLocation
  | AuditEventLocation
  | ProcessLocation
  | ImageLayerLocation
  | GatewayRequestLocation;

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

/**
 * The Kubernetes object (and field) a request or event location concerns, when there is one. Objects
 * that arrive as JSON (an AdmissionReview, an audit event) have no line and column: the field is named
 * by `fieldPath` and by an RFC 6901 JSON pointer into the object as sent.
 */
export interface ObjectFieldRef {
  readonly apiVersion?: string;
  readonly objectKind?: string;
  readonly namespace?: string;
  readonly name?: string;
  /** `spec.containers[0].securityContext.privileged` */
  readonly fieldPath?: string;
  /** `/spec/containers/0/securityContext/privileged` (RFC 6901) */
  readonly pointer?: string;
}

/** One AdmissionReview request (`path`: the webhook endpoint or the review file). */
export interface AdmissionRequestLocation extends ObjectFieldRef {
  readonly kind: 'admission-request';
  readonly path: string;
  /** `request.uid` */
  readonly uid: string;
  /** CREATE | UPDATE | DELETE | CONNECT */
  readonly operation: string;
  /** `request.userInfo.username` */
  readonly user?: string;
  /** `group/version/resource` of the request (`apps/v1/deployments`). */
  readonly resource?: string;
  readonly subResource?: string;
}

/** One Kubernetes audit event (`path`: the log file, `-`, or the receiver). */
export interface AuditEventLocation extends ObjectFieldRef {
  readonly kind: 'audit-event';
  readonly path: string;
  /** 1-based line of the event in a JSON-lines file, when read from one. */
  readonly line?: number;
  readonly auditID: string;
  /** `stageTimestamp` (RFC 3339). */
  readonly timestamp: string;
  /** `user.username` (or the impersonated user, when impersonation applied). */
  readonly user: string;
  readonly verb: string;
  /** `resource[/subresource]` with the group when not core: `secrets`, `pods/exec`, `rbac.authorization.k8s.io/clusterrolebindings`. */
  readonly resource: string;
}

/** A process observed at run time (`path`: the sensor or the event file it came from). */
export interface ProcessLocation {
  readonly kind: 'process';
  readonly path: string;
  readonly node?: string;
  readonly namespace?: string;
  readonly pod?: string;
  readonly podUid?: string;
  readonly container?: string;
  readonly containerId?: string;
  readonly pid?: number;
  /** Executable path as the kernel reports it. */
  readonly exe?: string;
}

/** A layer of a container image, or a file inside it (`path`: the image reference or archive on disk). */
export interface ImageLayerLocation {
  readonly kind: 'image-layer';
  readonly path: string;
  /** `sha256:…` digest of the layer (as in the manifest). */
  readonly layer: string;
  /** 0-based index of the layer in the image; absent for findings about the image configuration (`layer` is then the config's digest). */
  readonly layerIndex?: number;
  /** Path of the file inside the image filesystem, when the finding concerns one. */
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
}

/** One request through the inference gateway (`path`: the upstream name, or `gateway` before one is known). */
export interface GatewayRequestLocation {
  readonly kind: 'gateway-request';
  readonly path: string;
  /** The gateway's request id (also sent upstream as x-request-id). */
  readonly requestId: string;
  /** `POST /v1/chat/completions` (the route pattern, or the method and path as received when no route matched). */
  readonly route: string;
  readonly tenant?: string;
  readonly model?: string;
  /** The request field concerned (`n`, `messages[2].content[0].image_url.url`). */
  readonly param?: string;
}

export type LocationKind = Location['kind'];

function objectRefText(o: ObjectFieldRef): string {
  const obj = o.objectKind === undefined ? '' : `${o.objectKind}/${o.namespace === undefined ? '' : `${o.namespace}/`}${o.name ?? ''}`;
  return [obj, o.fieldPath ?? ''].filter((x) => x !== '').join(' ');
}

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
    case 'admission-request':
      return `${loc.path} request ${loc.uid}${objectRefText(loc) === '' ? '' : ` ${objectRefText(loc)}`}`;
    case 'audit-event':
      return `${loc.path}${loc.line === undefined ? '' : `:${loc.line}`} event ${loc.auditID}`;
    case 'process':
      return `${loc.path} ${processText(loc)}`;
    case 'image-layer':
      // Without a layer index the finding is about the image configuration (its digest in `layer`).
      if (loc.layerIndex === undefined && loc.file === undefined) return `${loc.path} config ${loc.layer}`;
      return `${loc.path} layer ${loc.layerIndex ?? loc.layer}${loc.file === undefined ? '' : `:/${loc.file.replace(/^\/+/, '')}${loc.line === undefined ? '' : `:${loc.line}`}`}`;
    case 'gateway-request':
      return `${loc.path} request ${loc.requestId} ${loc.route}${loc.tenant === undefined ? '' : ` tenant ${loc.tenant}`}${loc.param === undefined ? '' : ` ${loc.param}`}`;
    default:
      return assertNever(loc);
  }
}

function processText(loc: ProcessLocation): string {
  const pod = loc.pod === undefined ? undefined : `${loc.namespace === undefined ? '' : `${loc.namespace}/`}${loc.pod}`;
  const parts = [loc.node === undefined ? undefined : `node ${loc.node}`, pod === undefined ? undefined : `pod ${pod}`, loc.container === undefined ? undefined : `container ${loc.container}`, loc.pid === undefined ? undefined : `pid ${loc.pid}`, loc.exe];
  return parts.filter((p): p is string => p !== undefined).join(' ');
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
    case 'admission-request':
      // Identity of the object and field, not of the request: the same pod denied twice is one finding.
      return `admission\0${loc.path}\0${loc.apiVersion ?? ''}\0${loc.objectKind ?? ''}\0${loc.namespace ?? ''}\0${loc.name ?? ''}\0${loc.fieldPath ?? ''}`;
    case 'audit-event':
      return `audit\0${loc.path}\0${loc.auditID}\0${loc.fieldPath ?? ''}`;
    case 'process':
      return `process\0${loc.path}\0${loc.node ?? ''}\0${loc.namespace ?? ''}\0${loc.pod ?? ''}\0${loc.container ?? ''}\0${loc.exe ?? ''}`;
    case 'image-layer':
      return `layer\0${loc.path}\0${loc.layer}\0${loc.file ?? ''}\0${loc.line ?? ''}`;
    case 'gateway-request':
      return `gateway\0${loc.path}\0${loc.requestId}\0${loc.param ?? ''}`;
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
    case 'image-layer':
      return loc.line === undefined ? undefined : loc.column === undefined ? { line: loc.line } : { line: loc.line, column: loc.column };
    case 'audit-event':
      return loc.line === undefined ? undefined : { line: loc.line };
    case 'archive-member':
    case 'byte-range':
    case 'admission-request':
    case 'process':
    case 'gateway-request':
      return undefined;
    default:
      return assertNever(loc);
  }
}
