/**
 * The admission policy, modelled on Pod Security Admission (PSA) but covering every Bulwark rule that
 * can judge one object alone.
 *
 * - Per namespace, labels choose a level for each mode: `bulwark.dev/enforce`, `bulwark.dev/warn`,
 *   `bulwark.dev/audit` = `privileged | baseline | restricted`, each with a `-version` label
 *   (`v1.N | latest`). A missing label means the cluster default; an invalid one means
 *   `restricted:latest` and an audit annotation naming the error (PSA does the same).
 * - Cluster settings: the defaults, exemptions (namespaces, usernames, runtime classes), whether pod
 *   controllers are denied in enforce mode or only warned about, whether `bulwark.dev/suppress`
 *   annotations may let a finding pass, what an internal error answers, the rule selection of the
 *   configuration file.
 *
 * The webhook learns a namespace's labels from the path the API server calls (one webhook entry per
 * mode and level, selected by `namespaceSelector`: `policyForRoute`), so it never reads namespaces;
 * the CLI and tests pass labels directly (`policyForLabels`). docs/admission.md explains the choice.
 */
import { BulwarkError } from '../findings/index.js';
import { parsePssVersion } from '../k8s-manifests/index.js';
import type { RuleSelection } from '../rules/index.js';

export const ADMISSION_LEVELS = ['privileged', 'baseline', 'restricted'] as const;
export type AdmissionLevel = (typeof ADMISSION_LEVELS)[number];

export const MODES = ['enforce', 'warn', 'audit'] as const;
export type Mode = (typeof MODES)[number];

/** Label prefix of the namespace labels (`bulwark.dev/enforce`, `bulwark.dev/enforce-version`, …). */
export const LABEL_PREFIX = 'bulwark.dev/';
/** Namespace label that opts a namespace into mutation (`"true"`). */
export const MUTATE_LABEL = 'bulwark.dev/mutate';

/** A level at a version, as one mode of a namespace uses it. */
export interface LevelVersion {
  readonly level: AdmissionLevel;
  /** `latest` or `v1.N`. */
  readonly version: string;
  /** Set when a label was invalid and this is the fallback (`restricted:latest`); said in audit annotations. */
  readonly error?: string;
}

export interface Exemptions {
  readonly namespaces: readonly string[];
  readonly usernames: readonly string[];
  readonly runtimeClasses: readonly string[];
}

/** What the cluster operator decides once (flags of `bulwark admission serve`, the Helm values). */
export interface AdmissionSettings {
  readonly defaults: Readonly<Record<Mode, LevelVersion>>;
  readonly exemptions: Exemptions;
  /** `enforce`: pod controllers that would create violating pods are denied; `warn`: only warned about (PSA). */
  readonly controllers: 'enforce' | 'warn';
  /** `ignore` (default): `bulwark.dev/suppress` annotations do not let a finding pass; `honor`: they do. */
  readonly suppressions: 'ignore' | 'honor';
  /** Answer when evaluation fails unexpectedly: `deny` (fail closed, default) or `allow` (fail open, with a warning). */
  readonly onInternalError: 'deny' | 'allow';
  /** Which rules run (the configuration file's `rules:`); default: stable and incubating rules. */
  readonly selection?: RuleSelection;
  /** RuntimeClass names accepted as sandboxes besides kata*, gvisor*, runsc*. */
  readonly sandboxRuntimeClasses?: readonly string[];
  /** Mutation settings (the `/mutate` endpoint). */
  readonly mutation?: MutationSettings;
}

export interface MutationSettings {
  /**
   * Images whose default user is known to be non-root (`*` matches any run of characters), so that
   * `runAsNonRoot: true` may be added. Default: `*:nonroot`, `*:*-nonroot` (distroless and Chainguard tags).
   */
  readonly nonRootImages: readonly string[];
  /** ServiceAccounts (`name` or `namespace/name`) known to hold no permissions: their pods get `automountServiceAccountToken: false`. */
  readonly tokenlessServiceAccounts: readonly string[];
}

export const DEFAULT_MUTATION: MutationSettings = { nonRootImages: ['*:nonroot', '*:*-nonroot'], tokenlessServiceAccounts: [] };

/** The policy one request is judged by: the settings plus the level of each mode that applies. */
export interface AdmissionPolicy extends AdmissionSettings {
  /** Modes evaluated for this request (a mode left out is not evaluated, as `privileged`). */
  readonly modes: Readonly<Partial<Record<Mode, LevelVersion>>>;
}

const PRIVILEGED: LevelVersion = { level: 'privileged', version: 'latest' };

/** PSA's defaults: every mode privileged at latest, nothing exempt, fail closed. */
export const DEFAULT_SETTINGS: AdmissionSettings = {
  defaults: { enforce: PRIVILEGED, warn: PRIVILEGED, audit: PRIVILEGED },
  exemptions: { namespaces: [], usernames: [], runtimeClasses: [] },
  controllers: 'enforce',
  suppressions: 'ignore',
  onInternalError: 'deny',
};

export function isAdmissionLevel(s: string): s is AdmissionLevel {
  return (ADMISSION_LEVELS as readonly string[]).includes(s);
}

export function isMode(s: string): s is Mode {
  return (MODES as readonly string[]).includes(s);
}

/** `latest` or `v1.N` (as PSA accepts them); anything else is invalid. */
export function isValidVersion(s: string): boolean {
  try {
    parsePssVersion(s);
    return true;
  } catch {
    return false;
  }
}

/** Parse `--default-enforce` and similar; throws a USAGE error. */
export function parseLevelFlag(flag: string, value: string): AdmissionLevel {
  if (isAdmissionLevel(value)) return value;
  throw new BulwarkError('USAGE', `${flag} must be privileged, baseline or restricted, got ${JSON.stringify(value)}`);
}

/** Parse `--default-version`; throws a USAGE error. */
export function parseVersionFlag(flag: string, value: string): string {
  if (isValidVersion(value)) return value;
  throw new BulwarkError('USAGE', `${flag} must be "latest" or "v1.N" (e.g. v1.30), got ${JSON.stringify(value)}`);
}

/** `restricted:latest` (the form PSA uses in messages and audit annotations). */
export function formatLevelVersion(lv: LevelVersion): string {
  return `${lv.level}:${lv.version}`;
}

const INVALID = (error: string): LevelVersion => ({ level: 'restricted', version: 'latest', error });

/** The level and version of one mode from a namespace's labels (PSA's rules for missing and invalid labels). */
export function modeFromLabels(labels: ReadonlyMap<string, string>, mode: Mode, fallback: LevelVersion): LevelVersion {
  const levelKey = `${LABEL_PREFIX}${mode}`;
  const versionKey = `${levelKey}-version`;
  const levelText = labels.get(levelKey);
  const versionText = labels.get(versionKey);
  if (levelText !== undefined && !isAdmissionLevel(levelText)) return INVALID(`invalid label ${levelKey}=${JSON.stringify(levelText.slice(0, 64))}`);
  if (versionText !== undefined && !isValidVersion(versionText)) return INVALID(`invalid label ${versionKey}=${JSON.stringify(versionText.slice(0, 64))}`);
  return { level: levelText ?? fallback.level, version: versionText ?? fallback.version };
}

/** The policy of a namespace with `labels` (CLI `--namespace-label`, tests, any caller that knows the namespace). */
export function policyForLabels(labels: ReadonlyMap<string, string>, settings: AdmissionSettings): AdmissionPolicy {
  const modes: Partial<Record<Mode, LevelVersion>> = {};
  for (const m of MODES) modes[m] = modeFromLabels(labels, m, settings.defaults[m]);
  return { ...settings, modes };
}

/** The result of reading a webhook path: a policy, or why the path is not one. */
export type RoutePolicy = { readonly ok: true; readonly policy: AdmissionPolicy } | { readonly ok: false; readonly message: string };

/**
 * The policy of a webhook path `/validate/{mode}/{level}/{version}` (docs/admission.md, "How the
 * webhook learns namespace labels"): the chart registers one webhook entry per mode and level whose
 * `namespaceSelector` matches the namespace label, and the path tells which one matched:
 * - `level`: `privileged | baseline | restricted`, `default` (no label: the cluster default), or
 *   `invalid` (a label that is not a level: `restricted:latest`, as PSA does);
 * - `version`: `latest`, `v1.N` (the chart lists the pinned versions it routes), or `default`.
 * Only that mode is evaluated; the API server merges the answers of the entries that matched.
 */
export function policyForRoute(mode: string, level: string, version: string, settings: AdmissionSettings): RoutePolicy {
  if (!isMode(mode)) return { ok: false, message: `unknown mode ${JSON.stringify(mode.slice(0, 32))} in the path (enforce, warn or audit)` };
  const fallback = settings.defaults[mode];
  let lv: LevelVersion;
  if (level === 'invalid') lv = INVALID(`invalid label ${LABEL_PREFIX}${mode} (not privileged, baseline or restricted)`);
  else if (level === 'default' || isAdmissionLevel(level)) {
    const v = version === 'default' ? fallback.version : version;
    if (!isValidVersion(v)) return { ok: false, message: `invalid version ${JSON.stringify(version.slice(0, 32))} in the path (latest, v1.N or default)` };
    lv = { level: level === 'default' ? fallback.level : level, version: v };
  } else return { ok: false, message: `unknown level ${JSON.stringify(level.slice(0, 32))} in the path (privileged, baseline, restricted, default or invalid)` };
  return { ok: true, policy: { ...settings, modes: { [mode]: lv } } };
}

/** Every mode at its cluster default (`POST /validate`: the namespace's labels are not known). */
export function policyFromDefaults(settings: AdmissionSettings): AdmissionPolicy {
  return { ...settings, modes: { ...settings.defaults } };
}
