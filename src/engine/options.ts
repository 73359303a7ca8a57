import type { Limits } from '../limits/index.js';
import { DEFAULT_LIMITS } from '../limits/index.js';
import type { ConfigSuppression, RuleSettingEntry } from '../rules/index.js';

export interface SigningScanOptions {
  /** Public key PEM file to verify model signatures with. */
  readonly key?: string;
  /** Trust anchors for certificate-signed models. */
  readonly certChain?: readonly string[];
  readonly identity?: string;
  readonly issuer?: string;
  readonly trustedRoot?: string;
}

/** Everything a scan needs; plain data so it crosses worker threads. */
export interface ScanOptions {
  readonly limits: Limits;
  /** Unknown pickle globals and similar "unknown" grades are high instead of medium. */
  readonly strict: boolean;
  /** `production`: pickle-based weights and unsigned models fail (docs/policies.md). */
  readonly policy: 'default' | 'production';
  /** Parallel workers for per-file analysis. */
  readonly jobs: number;
  readonly pssLevel: 'baseline' | 'restricted';
  /** `latest` or `v1.N`. */
  readonly pssVersion: string;
  readonly signing: SigningScanOptions;
  /** RuntimeClass names accepted as sandboxes for untrusted-model workloads (besides kata/gVisor). */
  readonly sandboxRuntimeClasses: readonly string[];
  /** Skip `.git` folders when walking directories (default true). */
  readonly skipVcs: boolean;
  /** Rule settings (config file `rules:`), validated against the registry by the CLI. */
  readonly rules: readonly RuleSettingEntry[];
  /** Path globs of files and folders the walk skips (config `ignore:`). */
  readonly ignore: readonly string[];
  /** Suppressions from the configuration file. */
  readonly suppressions: readonly ConfigSuppression[];
  /** User additions to the pickle allow and deny lists (config `pickle:`). */
  readonly pickle: { readonly allow: readonly string[]; readonly deny: readonly string[] };
  /** Kubernetes: treat every input as one cluster (default: each path argument is its own). */
  readonly oneCluster: boolean;
  /** Trivy reports: leave out vulnerabilities without a released fix (`--ignore-unfixed`). */
  readonly ignoreUnfixed: boolean;
  /** The time suppression expiry is judged at (RFC 3339; default: now). */
  readonly now?: string;
}

export const DEFAULT_SCAN_OPTIONS: ScanOptions = {
  limits: DEFAULT_LIMITS,
  strict: false,
  policy: 'default',
  jobs: 1,
  pssLevel: 'restricted',
  pssVersion: 'latest',
  signing: {},
  sandboxRuntimeClasses: [],
  skipVcs: true,
  rules: [],
  ignore: [],
  suppressions: [],
  pickle: { allow: [], deny: [] },
  oneCluster: false,
  ignoreUnfixed: false,
};

/** Fill in defaults; used by the CLI and by rule cases (which pass a partial record). */
export function scanOptions(partial: Readonly<Record<string, unknown>> = {}): ScanOptions {
  return { ...DEFAULT_SCAN_OPTIONS, ...(partial as Partial<ScanOptions>) };
}
