import type { PssLevel } from './pss/checks.js';
import { parsePssLevel, parsePssVersion } from './pss/version.js';

/** Options of the Kubernetes analysis (all optional; defaults in `resolveK8sOptions`). */
export interface K8sOptions {
  /** `--pss-level`: default `restricted`. */
  readonly pssLevel?: PssLevel | string;
  /** `--pss-version`: `latest` (default) or `v1.N`. */
  readonly pssVersion?: string;
  /**
   * Annotation that declares a workload loads untrusted (third-party, unscanned) models; default
   * `bulwark.dev/untrusted-models` (value `"true"`), on the object or its pod template.
   */
  readonly untrustedModelsAnnotation?: string;
  /** RuntimeClass names accepted as sandboxes in addition to kata*, gvisor*, runsc* (and RuntimeClass objects with those handlers). */
  readonly sandboxRuntimeClasses?: readonly string[];
}

export interface ResolvedK8sOptions {
  readonly pssLevel: PssLevel;
  /** Minor version of the PSS policy (latest → the newest upstream revision). */
  readonly pssMinor: number;
  /** Whether a version was pinned (`v1.N`) rather than `latest`. */
  readonly pssPinned: boolean;
  readonly untrustedModelsAnnotation: string;
  readonly sandboxRuntimeClasses: ReadonlySet<string>;
}

export const UNTRUSTED_MODELS_ANNOTATION = 'bulwark.dev/untrusted-models';
export const SUPPRESS_ANNOTATION = 'bulwark.dev/suppress';

/** Fill in defaults; throws a USAGE BulwarkError on an invalid level or version. */
export function resolveK8sOptions(o: K8sOptions = {}): ResolvedK8sOptions {
  return {
    pssLevel: parsePssLevel(o.pssLevel ?? 'restricted'),
    pssMinor: parsePssVersion(o.pssVersion ?? 'latest'),
    pssPinned: (o.pssVersion ?? 'latest') !== 'latest',
    untrustedModelsAnnotation: o.untrustedModelsAnnotation ?? UNTRUSTED_MODELS_ANNOTATION,
    sandboxRuntimeClasses: new Set(o.sandboxRuntimeClasses ?? []),
  };
}
