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
  /**
   * The path arguments of the scan (`-` for stdin). Objects are analysed as one cluster per argument
   * (file arguments in one folder share it): namespaces, RBAC, NetworkPolicies and Services of
   * unrelated arguments are never merged, and an object without a namespace lands in the `default`
   * namespace of its own argument only. Unset: every object is in one cluster.
   */
  readonly inputRoots?: readonly string[];
  /** `--one-cluster`: treat every input as one cluster even when `inputRoots` is given. */
  readonly oneCluster?: boolean;
}

export interface ResolvedK8sOptions {
  readonly pssLevel: PssLevel;
  /** Minor version of the PSS policy (latest → the newest upstream revision). */
  readonly pssMinor: number;
  /** Whether a version was pinned (`v1.N`) rather than `latest`. */
  readonly pssPinned: boolean;
  readonly untrustedModelsAnnotation: string;
  readonly sandboxRuntimeClasses: ReadonlySet<string>;
  readonly inputRoots: readonly string[];
  readonly oneCluster: boolean;
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
    inputRoots: o.inputRoots ?? [],
    oneCluster: o.oneCluster ?? false,
  };
}
