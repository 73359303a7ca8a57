/**
 * The supply-chain check of one admission request: for each image reference (containers and image
 * volumes), the scope that matches it decides what must hold — a digest instead of a tag, signatures
 * (OMS for model artifacts, cosign or Notation for images), a clean content scan for model
 * artifacts. Results are cached per scope and digest (TTL, bounded), registry errors and timeouts map
 * to the scope's `onError`, and the whole check ends within the policy's timeout.
 *
 * The checker does the I/O; what it decides is returned as findings (each with the scope's mode) and,
 * for the /mutate endpoint, digest pins. Content scans and image-signature verification are injected
 * (the CLI wires the engine and the image-signing domain), so this domain never imports the engine.
 */
import type { Finding, Location, Severity } from '../findings/index.js';
import { atLeast, errorMessage, isBulwarkError } from '../findings/index.js';
import type { Limits } from '../limits/index.js';
import { DEFAULT_LIMITS } from '../limits/index.js';
import type { Credentials, ImageManifest, ImageReference, OciTrust, ResolvedManifest } from '../oci/index.js';
import { RegistryClient, isRegistryNotFound, layerKind, resolveManifest, verifyArtifact } from '../oci/index.js';
import type { Rule } from '../rules/index.js';
import { Reporter, coreRules } from '../rules/index.js';
import { BoundedTtlCache } from './cache.js';
import type { CompiledScope, CosignVerifier, NotationVerifier, ScopeMode, SupplyChainPolicy, VerifierSpec } from './policy.js';
import { compileScopes, parseImageReference, repositoryOf, scopeFor } from './policy.js';
import { modelContentBlocked, signatureNotVerified, unpinnedReference, verificationUnavailable } from './rules.js';

/** One image reference of a request. */
export interface ImageUse {
  /** The reference as written (`registry/name:tag`, `…@sha256:…`). */
  readonly reference: string;
  /** Where findings about it are located (the admission request, with the field). */
  readonly location: Location;
  /** RFC 6901 pointer of the field, for the digest pin of /mutate. */
  readonly pointer: string;
}

/** What a content scan of a model artifact found (the CLI runs the engine over the fetched layers). */
export interface ContentScanResult {
  readonly findings: number;
  readonly maxSeverity?: Severity;
  /** The worst finding, one line (`pickle/…: …`). */
  readonly worst?: string;
}

export type ContentScanner = (client: RegistryClient, ref: ImageReference, resolved: ResolvedManifest) => Promise<ContentScanResult>;

/** Verifies an image's cosign or Notation signature; throws a VERIFICATION BulwarkError (one line) when it does not hold. */
export type ImageSignatureVerifier = (client: RegistryClient, ref: ImageReference, resolved: ResolvedManifest, spec: CosignVerifier | NotationVerifier) => Promise<{ readonly signer: string }>;

export interface CheckerDeps {
  readonly scanContent?: ContentScanner;
  readonly verifyImage?: ImageSignatureVerifier;
  /** OMS trust material per verifier (keys and chains read once, when the policy is loaded). */
  readonly omsTrust: (spec: VerifierSpec & { kind: 'oms' }) => OciTrust;
  readonly credentials?: ReadonlyMap<string, Credentials>;
  /** PEM of extra CA certificates for registries. */
  readonly ca?: Buffer;
  readonly limits?: Limits;
  /** Clock (tests). */
  readonly now?: () => number;
}

/** A finding and the mode of the scope that made it (`enforce` denies, `warn` warns). */
export interface ScopedFinding {
  readonly finding: Finding;
  readonly mode: ScopeMode;
}

/** A tag the /mutate endpoint replaces by the digest it points at. */
export interface DigestPin {
  readonly pointer: string;
  readonly reference: string;
  readonly pinned: string;
}

export interface CheckResult {
  readonly findings: readonly ScopedFinding[];
  readonly pins: readonly DigestPin[];
  /** References that matched a scope (for metrics). */
  readonly checked: number;
  /** Verifications answered from the cache. */
  readonly cached: number;
}

/** A verdict on one digest under one scope, as cached: the rules that failed and why. */
interface Verdict {
  readonly failures: ReadonlyArray<{ readonly rule: Rule; readonly message: string }>;
  /** An error that must not be cached (registry unavailable). */
  readonly transient: boolean;
}

const MODEL_CONFIG = /^application\/vnd\.(cncf\.model\.config|kitops\.modelkit\.config|docker\.ai\.model\.config)\b/i;
const MODEL_ARTIFACT = /^application\/vnd\.(cncf\.model\.manifest|kitops\.modelkit|docker\.ai\.model)\b/i;

/** Whether a manifest is a model artifact (ModelPack, KitOps, Docker model) rather than a container image. */
export function isModelArtifact(m: ImageManifest): boolean {
  if (m.artifactType !== undefined && MODEL_ARTIFACT.test(m.artifactType)) return true;
  if (MODEL_CONFIG.test(m.config.mediaType)) return true;
  return m.layers.length > 0 && m.layers.every((l) => layerKind(l.mediaType) !== undefined);
}

class Timeout extends Error {}

function oneLine(s: string, max = 300): string {
  const line = s.split('\n')[0] ?? s;
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

export class SupplyChainChecker {
  readonly policy: SupplyChainPolicy;
  private readonly scopes: readonly CompiledScope[];
  private readonly deps: CheckerDeps;
  private readonly limits: Limits;
  private readonly cache: BoundedTtlCache<Verdict>;
  private readonly inflight = new Map<string, Promise<Verdict>>();
  private readonly clients = new Map<string, RegistryClient>();

  constructor(policy: SupplyChainPolicy, deps: CheckerDeps) {
    this.policy = policy;
    this.scopes = compileScopes(policy);
    this.deps = deps;
    this.limits = deps.limits ?? DEFAULT_LIMITS;
    this.cache = new BoundedTtlCache<Verdict>(this.limits.maxTrustCacheEntries, deps.now ?? Date.now);
  }

  /** Whether any scope is configured (no scopes: the check is skipped entirely). */
  get active(): boolean {
    return this.scopes.length > 0;
  }

  /** Entries in the verification cache (metrics). */
  get cacheSize(): number {
    return this.cache.size;
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }

  private client(registry: string): RegistryClient {
    let c = this.clients.get(registry);
    if (c === undefined) {
      c = new RegistryClient(registry, {
        plainHttp: this.policy.plainHttp,
        ...(this.deps.credentials !== undefined && { credentials: this.deps.credentials }),
        ...(this.deps.ca !== undefined && { ca: this.deps.ca }),
        limits: this.limits,
        maxAttempts: 2,
        retryBaseMs: 100,
        maxRetryDelayMs: 1_000,
        timeoutMs: this.policy.timeoutMs,
      });
      if (this.clients.size >= 256) {
        const first = this.clients.keys().next().value;
        if (first !== undefined) {
          this.clients.get(first)?.close();
          this.clients.delete(first);
        }
      }
      this.clients.set(registry, c);
    }
    return c;
  }

  /**
   * Check every image reference of one request. `resolveTags`: also compute digest pins for tags (the
   * /mutate endpoint); the validating endpoints leave it false and refuse tags where a digest is required.
   */
  async check(uses: readonly ImageUse[], options: { readonly resolveTags?: boolean } = {}): Promise<CheckResult> {
    const reporter = new Reporter();
    const out: ScopedFinding[] = [];
    const pins: DigestPin[] = [];
    let checked = 0;
    let cached = 0;
    const emit = (rule: Rule, use: ImageUse, message: string, mode: ScopeMode): void => {
      const before = reporter.findings.length;
      reporter.report(rule, { location: use.location, message });
      const f = reporter.findings[before];
      if (f !== undefined) out.push({ finding: f, mode });
    };
    if (!this.active) return { findings: out, pins, checked, cached };
    const max = this.limits.maxImagesPerReview;
    const relevant: Array<{ use: ImageUse; ref: ImageReference; scope: CompiledScope }> = [];
    for (const use of uses) {
      const ref = parseImageReference(use.reference);
      if (ref === undefined) continue; // not a reference the kubelet could pull either; PSS/k8s rules judge the field
      const scope = scopeFor(this.scopes, ref);
      if (scope !== undefined) relevant.push({ use, ref, scope });
    }
    if (relevant.length > max) {
      const first = relevant[0];
      if (first !== undefined) {
        const before = reporter.findings.length;
        reporter.report(coreRules.limitExceeded, { location: first.use.location, message: `the request names ${relevant.length} image references in trust scopes; at most maxImagesPerReview (${max}) are verified per request`, evidence: 'maxImagesPerReview' });
        const f = reporter.findings[before];
        if (f !== undefined) out.push({ finding: f, mode: 'enforce' });
      }
      return { findings: out, pins, checked: relevant.length, cached };
    }
    const deadline = (this.deps.now ?? Date.now)() + this.policy.timeoutMs;
    const jobs = relevant.map(async ({ use, ref, scope }) => {
      checked++;
      const needsVerdict = scope.verify.length > 0 || scope.scanBlockAt !== undefined;
      let digest = ref.digest;
      if (digest === undefined) {
        if (scope.requireDigest) {
          if (options.resolveTags === true) {
            try {
              const resolved = await this.withDeadline(deadline, resolveManifest(this.client(ref.registry), ref));
              pins.push({ pointer: use.pointer, reference: use.reference, pinned: `${use.reference.trim()}@${resolved.digest}` });
              return;
            } catch {
              // /mutate never denies: the validating webhook refuses the tag below.
              return;
            }
          }
          emit(unpinnedReference, use, `${use.reference} is referenced by tag; scope ${JSON.stringify(scope.match[0] ?? '')} requires a digest (@sha256:…)`, scope.mode);
          return;
        }
        if (!needsVerdict || options.resolveTags === true) return;
        try {
          digest = (await this.withDeadline(deadline, resolveManifest(this.client(ref.registry), ref))).digest;
        } catch (e) {
          this.unavailable(emit, use, scope, e);
          return;
        }
      }
      if (!needsVerdict || options.resolveTags === true) return;
      const pinned: ImageReference = { registry: ref.registry, name: ref.name, digest };
      const key = `${scope.index}\0${repositoryOf(ref)}@${digest}`;
      let verdict = this.cache.get(key);
      if (verdict !== undefined) cached++;
      else {
        try {
          verdict = await this.withDeadline(deadline, this.verdictOnce(key, pinned, scope));
        } catch (e) {
          this.unavailable(emit, use, scope, e);
          return;
        }
      }
      if (verdict.transient) {
        for (const f of verdict.failures) {
          if (scope.onError === 'allow') emit(f.rule, use, `${use.reference}: ${f.message} (allowed: the scope fails open)`, 'warn');
          else emit(f.rule, use, `${use.reference}: ${f.message} (denied: the scope fails closed)`, scope.mode);
        }
        return;
      }
      for (const f of verdict.failures) emit(f.rule, use, `${ref.registry}/${ref.name}@${digest.slice(0, 19)}…: ${f.message}`, scope.mode);
    });
    await Promise.all(jobs);
    reporter.finish();
    return { findings: out, pins, checked, cached };
  }

  private unavailable(emit: (rule: Rule, use: ImageUse, message: string, mode: ScopeMode) => void, use: ImageUse, scope: CompiledScope, e: unknown): void {
    if (isRegistryNotFound(e)) {
      emit(signatureNotVerified, use, `${use.reference}: not in the registry (${oneLine(errorMessage(e), 200)})`, scope.mode);
      return;
    }
    const why = e instanceof Timeout ? e.message : oneLine(errorMessage(e));
    if (scope.onError === 'allow') emit(verificationUnavailable, use, `${use.reference}: ${why} (allowed: the scope fails open)`, 'warn');
    else emit(verificationUnavailable, use, `${use.reference}: ${why} (denied: the scope fails closed)`, scope.mode);
  }

  private withDeadline<T>(deadline: number, p: Promise<T>): Promise<T> {
    const left = deadline - (this.deps.now ?? Date.now)();
    if (left <= 0) return Promise.reject(new Timeout(`the supply-chain check did not finish within ${this.policy.timeoutMs} ms`));
    let timer: NodeJS.Timeout | undefined;
    const t = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Timeout(`the supply-chain check did not finish within ${this.policy.timeoutMs} ms`)), left);
    });
    return Promise.race([p, t]).finally(() => clearTimeout(timer));
  }

  /** One verification per key at a time; a result that outlives its request still fills the cache. */
  private verdictOnce(key: string, ref: ImageReference, scope: CompiledScope): Promise<Verdict> {
    const running = this.inflight.get(key);
    if (running !== undefined) return running;
    if (this.inflight.size >= this.limits.maxTrustCacheEntries) {
      return Promise.resolve({ failures: [{ rule: verificationUnavailable, message: `${this.inflight.size} verifications are already running (maxTrustCacheEntries)` }], transient: true });
    }
    const p = this.verify(ref, scope)
      .then((v) => {
        if (!v.transient) this.cache.set(key, v, v.failures.length === 0 ? this.policy.cacheTtlMs : this.policy.failureTtlMs);
        return v;
      })
      .finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }

  private async verify(ref: ImageReference, scope: CompiledScope): Promise<Verdict> {
    const client = this.client(ref.registry);
    const failures: Array<{ rule: Rule; message: string }> = [];
    let resolved: ResolvedManifest;
    try {
      resolved = await resolveManifest(client, ref);
    } catch (e) {
      return classify(e, 'cannot read the manifest');
    }
    const model = isModelArtifact(resolved.manifest);
    for (const v of scope.verify) {
      try {
        if (v.kind === 'oms') {
          if (!model) throw new VerificationFailure('OMS verifies model artifacts; this reference is a container image (use a cosign or notation verifier)');
          await verifyArtifact(client, ref, this.deps.omsTrust(v));
        } else {
          if (this.deps.verifyImage === undefined) throw new VerificationFailure(`${v.kind} verification is not available in this build`);
          await this.deps.verifyImage(client, ref, resolved, v);
        }
      } catch (e) {
        const c = classify(e, `${v.kind} verification`);
        if (c.transient) return c;
        pushAllFailures(failures, c.failures);
      }
    }
    if (scope.scanBlockAt !== undefined && model && failures.length === 0) {
      if (this.deps.scanContent === undefined) failures.push({ rule: modelContentBlocked, message: 'content scanning is not available in this build' });
      else {
        try {
          const r = await this.deps.scanContent(client, ref, resolved);
          if (r.maxSeverity !== undefined && atLeast(r.maxSeverity, scope.scanBlockAt)) {
            failures.push({ rule: modelContentBlocked, message: `the content scan found ${r.findings} finding${r.findings === 1 ? '' : 's'}, the worst ${r.maxSeverity} (blockAt: ${scope.scanBlockAt})${r.worst === undefined ? '' : `: ${oneLine(r.worst, 200)}`}` });
          }
        } catch (e) {
          const c = classify(e, 'content scan');
          if (c.transient) return c;
          for (const f of c.failures) failures.push({ rule: modelContentBlocked, message: f.message });
        }
      }
    }
    return { failures, transient: false };
  }
}

class VerificationFailure extends Error {}

function pushAllFailures(target: Array<{ rule: Rule; message: string }>, items: ReadonlyArray<{ rule: Rule; message: string }>): void {
  for (const i of items) target.push(i);
}

/** A verification error: a failed proof (cached), or the registry being unavailable (not cached). */
function classify(e: unknown, what: string): Verdict {
  if (e instanceof VerificationFailure) return { failures: [{ rule: signatureNotVerified, message: e.message }], transient: false };
  // A 404 is an answer, not an outage: the artifact (or its manifest) is not in the registry. Failing
  // open on it would admit a digest whose content anyone could push later.
  if (isRegistryNotFound(e)) return { failures: [{ rule: signatureNotVerified, message: `${what}: not in the registry (${oneLine(errorMessage(e), 200)})` }], transient: false };
  if (isBulwarkError(e)) {
    if (e.code === 'IO') return { failures: [{ rule: verificationUnavailable, message: `${what}: ${oneLine(e.message)}` }], transient: true };
    return { failures: [{ rule: signatureNotVerified, message: oneLine(e.message) }], transient: false };
  }
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string') return { failures: [{ rule: verificationUnavailable, message: `${what}: ${oneLine(errorMessage(e))}` }], transient: true };
  return { failures: [{ rule: signatureNotVerified, message: `${what}: ${oneLine(errorMessage(e))}` }], transient: false };
}
