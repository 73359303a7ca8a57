/**
 * The user configuration file, `bulwark.yaml` (docs/configuration.md). Parsed with positions so that
 * every error names the file, line and column of the offending key or value, in one line:
 *
 *   bulwark: bulwark.yaml:4:3: rules: unknown rule id "k8s/imge-latest" (did you mean k8s/image-latest?)
 *
 * Loading is two steps: `parseConfig` checks the file's shape (every key known, every value of the
 * right type, dates, globs, sizes); `resolveRules` checks the rule selectors against the registry of the
 * command that runs (a server registry knows fewer rules than `scan`'s). Plain data comes out, so the
 * result crosses worker threads.
 */
import { readFileSync } from 'node:fs';
import type { Node, Pair, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import { LineCounter, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Severity } from '../findings/index.js';
import { BulwarkError, SEVERITIES } from '../findings/index.js';
import type { LimitName } from '../limits/index.js';
import { isLimitName, parseSize, suggestLimitName } from '../limits/index.js';
import type { ConfigSuppression, RuleMeta, RuleSelection, RuleSettingEntry } from '../rules/index.js';
import { compileGlob, createSelection, expiryTime, parseSelector, suggestRuleId } from '../rules/index.js';

/** Names looked for in the current directory when `--config` is not given, in this order. */
export const DEFAULT_CONFIG_NAMES = ['bulwark.yaml', '.bulwark.yaml'] as const;

/** Largest configuration file read (it is user input, but bounded like everything else). */
const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

export interface ScanSettings {
  readonly failOn?: Severity | 'none';
  readonly policy?: 'default' | 'production';
  readonly strict?: boolean;
  readonly jobs?: number;
  readonly includeVcs?: boolean;
}

export interface KubernetesSettings {
  readonly oneCluster?: boolean;
  readonly pssLevel?: 'baseline' | 'restricted';
  readonly pssVersion?: string;
  readonly sandboxRuntimeClasses?: readonly string[];
}

/** One namespace mode's default level and version (`admission.defaults.enforce`). */
export type AdmissionLevel = 'privileged' | 'baseline' | 'restricted';

/** The admission webhook's cluster settings (`bulwark admission serve|review|export`); flags win. */
export interface AdmissionConfig {
  readonly defaults?: { readonly enforce?: AdmissionLevel; readonly warn?: AdmissionLevel; readonly audit?: AdmissionLevel; readonly version?: string };
  readonly exemptions?: { readonly namespaces?: readonly string[]; readonly usernames?: readonly string[]; readonly runtimeClasses?: readonly string[] };
  readonly controllers?: 'enforce' | 'warn';
  readonly suppressions?: 'honor' | 'ignore';
  readonly onInternalError?: 'deny' | 'allow';
  readonly mutation?: { readonly nonRootImages?: readonly string[]; readonly tokenlessServiceAccounts?: readonly string[] };
  /** Trust scopes over image references, verified at admission (docs/supply-chain.md). */
  readonly supplyChain?: SupplyChainConfig;
}

/** One verifier of a trust scope, as written (paths relative to the configuration file). */
export type SupplyChainVerifierConfig =
  | { readonly kind: 'oms'; readonly key?: string; readonly certChain?: readonly string[]; readonly identity?: string; readonly issuer?: string; readonly trustedRoot?: string }
  | { readonly kind: 'cosign'; readonly key?: string; readonly identity?: string; readonly issuer?: string; readonly trustedRoot?: string }
  | { readonly kind: 'notation'; readonly trustPolicy: string; readonly trustStore: string };

export interface SupplyChainScopeConfig {
  readonly match: readonly string[];
  readonly requireDigest: boolean;
  readonly verify: readonly SupplyChainVerifierConfig[];
  readonly scanBlockAt?: Severity;
  readonly onError: 'deny' | 'allow';
  readonly mode: 'enforce' | 'warn';
}

/** `admission.supplyChain` (durations in milliseconds). */
export interface SupplyChainConfig {
  readonly scopes: readonly SupplyChainScopeConfig[];
  readonly resolveTags?: boolean;
  readonly timeoutMs?: number;
  readonly cacheTtlMs?: number;
  readonly failureTtlMs?: number;
  readonly registryConfig?: string;
  readonly caFile?: string;
  readonly plainHttp?: boolean;
}

export interface SigningSettings {
  readonly key?: string;
  readonly certChain?: readonly string[];
  readonly identity?: string;
  readonly issuer?: string;
  readonly trustedRoot?: string;
}

/** Budget limits of a tenant (`gateway.budgets.default`, `gateway.tenants[].budget`); durations in ms. */
export interface GatewayBudgetConfig {
  readonly requestsPerSecond?: number;
  readonly requestBurst?: number;
  readonly tokensPerMinute?: number;
  readonly maxConcurrent?: number;
  readonly maxQueue?: number;
  readonly queueTimeoutMs?: number;
}

/** `gateway.upstreams[]`: limits are the route limits of every route of the upstream (docs/gateway.md). */
export interface GatewayUpstreamConfig {
  readonly name: string;
  readonly url: string;
  readonly kind: 'openai' | 'kserve-v2';
  readonly prefix?: string;
  /** Replace the default route allowlist. */
  readonly routes?: readonly string[];
  /** Add to the default route allowlist (e.g. "POST /tokenize" for trusted tenants). */
  readonly allowRoutes?: readonly string[];
  /** Environment variable or file holding the key sent to the upstream. */
  readonly apiKeyEnv?: string;
  readonly apiKeyFile?: string;
  readonly connections?: number;
  readonly timeoutMs?: number;
  readonly limits?: Readonly<Record<string, number | boolean | readonly string[]>>;
  readonly screening?: { readonly enabled?: boolean; readonly flag?: number; readonly block?: number };
}

export interface GatewayTenantConfig {
  readonly name: string;
  /** SHA-256 (hex) of each API key. */
  readonly apiKeySha256?: readonly string[];
  /** Environment variable holding one API key (hashed at start-up). */
  readonly apiKeyEnv?: string;
  /** File with one API key per line (hashed at start-up). */
  readonly apiKeysFile?: string;
  /** Client certificate identities: cn:NAME, uri:URI, dns:NAME. */
  readonly identities?: readonly string[];
  readonly budget?: GatewayBudgetConfig;
}

/** The inference gateway (`bulwark gateway`); flags win. */
export interface GatewayConfig {
  readonly upstreams?: readonly GatewayUpstreamConfig[];
  readonly tenants?: readonly GatewayTenantConfig[];
  /** Tenant name for callers without credentials (none by default). */
  readonly anonymous?: string;
  readonly budgets?: { readonly store?: 'memory' | 'redis'; readonly redisUrl?: string; readonly failOpen?: boolean; readonly default?: GatewayBudgetConfig };
  readonly tokenizer?: 'o200k_base' | 'cl100k_base';
  readonly classifier?: { readonly url: string; readonly timeoutMs?: number; readonly flag?: number; readonly block?: number; readonly onError?: 'allow' | 'block' };
  readonly leaks?: { readonly canaries?: readonly string[]; readonly protectedTextFiles?: readonly string[]; readonly secrets?: boolean; readonly pii?: boolean; readonly holdBackChars?: number };
  readonly audit?: { readonly log?: string; readonly includePrompts?: boolean };
}

export interface BulwarkConfig {
  /** The file it was read from (`undefined` for the empty default). */
  readonly file?: string;
  readonly rules: readonly RuleSettingEntry[];
  /** Path globs of files and folders not to scan. */
  readonly ignore: readonly string[];
  readonly suppressions: readonly ConfigSuppression[];
  readonly pickle: { readonly allow: readonly string[]; readonly deny: readonly string[] };
  readonly limits: Readonly<Partial<Record<LimitName, number>>>;
  readonly scan: ScanSettings;
  readonly kubernetes: KubernetesSettings;
  readonly signing: SigningSettings;
  readonly admission: AdmissionConfig;
  readonly gateway: GatewayConfig;
}

export const EMPTY_CONFIG: BulwarkConfig = Object.freeze({
  rules: [],
  ignore: [],
  suppressions: [],
  pickle: { allow: [], deny: [] },
  limits: {},
  scan: {},
  kubernetes: {},
  signing: {},
  admission: {},
  gateway: {},
});

const TOP_KEYS = ['version', 'rules', 'ignore', 'suppressions', 'pickle', 'limits', 'scan', 'kubernetes', 'signing', 'admission', 'gateway'] as const;
const GATEWAY_KEYS = ['upstreams', 'tenants', 'anonymous', 'budgets', 'tokenizer', 'classifier', 'leaks', 'audit'] as const;
const GW_UPSTREAM_KEYS = ['name', 'url', 'kind', 'prefix', 'routes', 'allowRoutes', 'apiKeyEnv', 'apiKeyFile', 'connections', 'timeout', 'limits', 'screening'] as const;
const GW_TENANT_KEYS = ['name', 'apiKeySha256', 'apiKeyEnv', 'apiKeysFile', 'identities', 'budget'] as const;
const GW_BUDGET_KEYS = ['requestsPerSecond', 'requestBurst', 'tokensPerMinute', 'maxConcurrent', 'maxQueue', 'queueTimeout'] as const;
/** Route limits (docs/gateway.md "Checks and defaults"): counts and sizes, booleans, host lists. */
const GW_LIMIT_NUMBERS = ['maxN', 'maxBestOf', 'maxCompletionTokens', 'maxLogprobs', 'maxPromptLogprobs', 'maxMessages', 'maxContentParts', 'maxTools', 'maxToolsBytes', 'maxStop', 'maxStopChars', 'maxSchemaBytes', 'maxSchemaDepth', 'maxLogitBias', 'maxPromptBatch', 'maxPromptTokenIds', 'maxTextChars', 'maxImages', 'maxAudio', 'maxVideos', 'maxMediaBytes', 'maxImageSide', 'maxImagePixels', 'maxInferInputs', 'maxTensorElements', 'maxBodyBytes', 'maxJsonDepth'] as const;
const GW_LIMIT_KEYS = [...GW_LIMIT_NUMBERS, 'allowTemplates', 'mediaHosts', 'tensorDatatypes'] as const;
const ADMISSION_KEYS = ['defaults', 'exemptions', 'controllers', 'suppressions', 'onInternalError', 'mutation', 'supplyChain'] as const;
const SUPPLY_CHAIN_KEYS = ['scopes', 'resolveTags', 'timeout', 'cacheTtl', 'failureTtl', 'registryConfig', 'caFile', 'plainHttp'] as const;
const SCOPE_KEYS = ['match', 'requireDigest', 'verify', 'scan', 'onError', 'mode'] as const;
const VERIFIER_KEYS = { oms: ['key', 'certChain', 'identity', 'issuer', 'trustedRoot'], cosign: ['key', 'identity', 'issuer', 'trustedRoot'], notation: ['trustPolicy', 'trustStore'] } as const;
const ADMISSION_DEFAULTS_KEYS = ['enforce', 'warn', 'audit', 'version'] as const;
const ADMISSION_EXEMPTION_KEYS = ['namespaces', 'usernames', 'runtimeClasses'] as const;
const ADMISSION_MUTATION_KEYS = ['nonRootImages', 'tokenlessServiceAccounts'] as const;
const LEVELS = ['privileged', 'baseline', 'restricted'] as const;
const SUPPRESSION_KEYS = ['rule', 'path', 'object', 'fingerprint', 'reason', 'expires'] as const;
const OBJECT_KEYS = ['kind', 'namespace', 'name'] as const;
const SCAN_KEYS = ['failOn', 'policy', 'strict', 'jobs', 'includeVcs'] as const;
const K8S_KEYS = ['pssLevel', 'pssVersion', 'sandboxRuntimeClasses', 'oneCluster'] as const;
const SIGNING_KEYS = ['key', 'certChain', 'identity', 'issuer', 'trustedRoot'] as const;
const RULE_SETTING_KEYS = ['enabled', 'severity'] as const;
/** Python identifiers joined by dots, optionally ending in `.*` (a module and its submodules). */
const PICKLE_NAME = /^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*(\.\*)?$/;

class Ctx {
  constructor(
    readonly file: string,
    private readonly lc: LineCounter,
  ) {}

  pos(node: Node | null | undefined): { line: number; column: number } {
    const off = node?.range?.[0] ?? 0;
    const p = this.lc.linePos(off);
    return { line: p.line, column: p.col };
  }

  at(node: Node | null | undefined): string {
    const p = this.pos(node);
    return `${this.file}:${p.line}:${p.column}`;
  }

  fail(node: Node | null | undefined, what: string): never {
    throw new BulwarkError('CONFIG', `${this.at(node)}: ${what}`);
  }
}

function keyOf(ctx: Ctx, pair: Pair): { key: string; node: Node } {
  const k = pair.key as Node | null;
  if (!isScalar(k) || (typeof k.value !== 'string' && typeof k.value !== 'number')) ctx.fail(k, 'keys must be plain strings');
  return { key: String(k.value), node: k };
}

function mapOf(ctx: Ctx, node: Node | null | undefined, where: string): YAMLMap {
  if (!isMap(node)) ctx.fail(node, `${where} must be a mapping`);
  return node;
}

function seqOf(ctx: Ctx, node: Node | null | undefined, where: string): YAMLSeq {
  if (!isSeq(node)) ctx.fail(node, `${where} must be a list`);
  return node;
}

function entries(ctx: Ctx, map: YAMLMap, where: string, known: readonly string[]): { key: string; keyNode: Node; value: Node | null }[] {
  const out: { key: string; keyNode: Node; value: Node | null }[] = [];
  const seen = new Set<string>();
  for (const pair of map.items) {
    const { key, node } = keyOf(ctx, pair);
    if (known.length > 0 && !known.includes(key)) {
      const close = known.find((k) => k.toLowerCase() === key.toLowerCase());
      ctx.fail(node, `${where}: unknown key "${key}"${close === undefined ? '' : ` (did you mean ${close}?)`}; known keys: ${known.join(', ')}`);
    }
    if (seen.has(key)) ctx.fail(node, `${where}: "${key}" is set twice`);
    seen.add(key);
    out.push({ key, keyNode: node, value: pair.value as Node | null });
  }
  return out;
}

function scalar(ctx: Ctx, node: Node | null | undefined, where: string): Scalar {
  if (!isScalar(node)) ctx.fail(node, `${where} must be a single value`);
  return node;
}

function str(ctx: Ctx, node: Node | null | undefined, where: string): string {
  const s = scalar(ctx, node, where);
  if (typeof s.value !== 'string' && typeof s.value !== 'number') ctx.fail(node, `${where} must be a string`);
  const v = String(s.value).trim();
  if (v === '') ctx.fail(node, `${where} must not be empty`);
  return v;
}

function bool(ctx: Ctx, node: Node | null | undefined, where: string): boolean {
  const s = scalar(ctx, node, where);
  if (typeof s.value === 'boolean') return s.value;
  if (typeof s.value === 'string') {
    const v = s.value.trim().toLowerCase();
    if (v === 'on' || v === 'true' || v === 'yes' || v === 'enabled') return true;
    if (v === 'off' || v === 'false' || v === 'no' || v === 'disabled') return false;
  }
  return ctx.fail(node, `${where} must be on/off (or true/false)`);
}

function severity(ctx: Ctx, node: Node | null | undefined, where: string, allowNone = false): Severity | 'none' {
  const v = str(ctx, node, where).toLowerCase();
  if ((SEVERITIES as readonly string[]).includes(v)) return v as Severity;
  if (allowNone && v === 'none') return 'none';
  return ctx.fail(node, `${where} must be one of ${[...SEVERITIES, ...(allowNone ? ['none'] : [])].join(', ')}, got "${v}"`);
}

function strList(ctx: Ctx, node: Node | null | undefined, where: string): string[] {
  if (isScalar(node)) return [str(ctx, node, where)];
  return seqOf(ctx, node, where).items.map((item, i) => str(ctx, item as Node, `${where}[${i}]`));
}

function oneOf<T extends string>(ctx: Ctx, node: Node | null | undefined, where: string, values: readonly T[]): T {
  const v = str(ctx, node, where);
  if (!(values as readonly string[]).includes(v)) ctx.fail(node, `${where} must be one of ${values.join(', ')}, got "${v}"`);
  return v as T;
}

function parseRules(ctx: Ctx, node: Node | null): RuleSettingEntry[] {
  const out: RuleSettingEntry[] = [];
  for (const e of entries(ctx, mapOf(ctx, node, 'rules'), 'rules', [])) {
    try {
      parseSelector(e.key);
    } catch (err) {
      ctx.fail(e.keyNode, `rules: ${(err as Error).message}`);
    }
    const origin = ctx.at(e.keyNode);
    if (isMap(e.value)) {
      let enabled: boolean | undefined;
      let sev: Severity | undefined;
      for (const s of entries(ctx, e.value, `rules."${e.key}"`, RULE_SETTING_KEYS)) {
        if (s.key === 'enabled') enabled = bool(ctx, s.value, `rules."${e.key}".enabled`);
        else sev = severity(ctx, s.value, `rules."${e.key}".severity`) as Severity;
      }
      if (enabled === undefined && sev === undefined) ctx.fail(e.value, `rules."${e.key}": give enabled and/or severity`);
      out.push({ selector: e.key, setting: { ...(enabled !== undefined && { enabled }), ...(sev !== undefined && { severity: sev }) }, origin });
    } else {
      const s = scalar(ctx, e.value, `rules."${e.key}"`);
      // `k8s/foo: low` is a shorthand for `{ severity: low }`.
      if (typeof s.value === 'string' && (SEVERITIES as readonly string[]).includes(s.value.trim().toLowerCase())) {
        out.push({ selector: e.key, setting: { severity: s.value.trim().toLowerCase() as Severity }, origin });
      } else {
        out.push({ selector: e.key, setting: { enabled: bool(ctx, e.value, `rules."${e.key}"`) }, origin });
      }
    }
  }
  return out;
}

function parseSuppressions(ctx: Ctx, node: Node | null): ConfigSuppression[] {
  const out: ConfigSuppression[] = [];
  seqOf(ctx, node, 'suppressions').items.forEach((item, i) => {
    const where = `suppressions[${i}]`;
    const map = mapOf(ctx, item as Node, where);
    const values = new Map(entries(ctx, map, where, SUPPRESSION_KEYS).map((e) => [e.key, e]));
    const rule = values.get('rule');
    if (rule === undefined) ctx.fail(map, `${where}: "rule" is required (a rule id such as pickle/unknown-global, or a family such as k8s/pss-*)`);
    const ruleText = str(ctx, rule.value, `${where}.rule`);
    if (ruleText === '*' || ruleText.indexOf('*') !== ruleText.length - 1 && ruleText.includes('*')) ctx.fail(rule.value, `${where}.rule: name a rule id or a family (k8s/pss-*); a bare * is not accepted`);
    const reason = values.get('reason');
    if (reason === undefined) ctx.fail(map, `${where}: "reason" is required: say why the finding is accepted`);
    const reasonText = str(ctx, reason.value, `${where}.reason`);
    const path = values.get('path');
    const pathText = path === undefined ? undefined : str(ctx, path.value, `${where}.path`);
    if (pathText !== undefined) {
      try {
        compileGlob(pathText);
      } catch (err) {
        ctx.fail(path?.value, `${where}.path: ${(err as Error).message}`);
      }
    }
    const expires = values.get('expires');
    const expiresText = expires === undefined ? undefined : str(ctx, expires.value, `${where}.expires`);
    if (expiresText !== undefined) {
      try {
        expiryTime(expiresText);
      } catch (err) {
        ctx.fail(expires?.value, `${where}.${(err as Error).message}`);
      }
    }
    const obj = values.get('object');
    let object: ConfigSuppression['object'];
    if (obj !== undefined) {
      const o: Record<string, string> = {};
      for (const e of entries(ctx, mapOf(ctx, obj.value, `${where}.object`), `${where}.object`, OBJECT_KEYS)) o[e.key] = str(ctx, e.value, `${where}.object.${e.key}`);
      if (Object.keys(o).length === 0) ctx.fail(obj.value, `${where}.object: give kind, namespace and/or name`);
      object = o;
    }
    const fp = values.get('fingerprint');
    const fingerprint = fp === undefined ? undefined : str(ctx, fp.value, `${where}.fingerprint`);
    if (pathText === undefined && object === undefined && fingerprint === undefined) {
      ctx.fail(map, `${where}: give a path, an object or a fingerprint (a suppression of a rule everywhere is a rule setting: rules: { ${ruleText}: off })`);
    }
    const p = ctx.pos(map);
    out.push({
      rule: ruleText,
      reason: reasonText,
      ...(pathText !== undefined && { path: pathText }),
      ...(object !== undefined && { object }),
      ...(fingerprint !== undefined && { fingerprint }),
      ...(expiresText !== undefined && { expires: expiresText }),
      file: ctx.file,
      line: p.line,
      column: p.column,
    });
  });
  return out;
}

function parseLimits(ctx: Ctx, node: Node | null): Partial<Record<LimitName, number>> {
  const out: Partial<Record<LimitName, number>> = {};
  for (const e of entries(ctx, mapOf(ctx, node, 'limits'), 'limits', [])) {
    if (!isLimitName(e.key)) {
      const hint = suggestLimitName(e.key);
      ctx.fail(e.keyNode, `limits: unknown limit "${e.key}"${hint === undefined ? '' : ` (did you mean ${hint}?)`}; see docs/limits.md`);
    }
    const s = scalar(ctx, e.value, `limits.${e.key}`);
    const v = typeof s.value === 'number' ? s.value : typeof s.value === 'string' ? parseSize(s.value) : undefined;
    if (v === undefined || !Number.isSafeInteger(v) || v <= 0) ctx.fail(e.value, `limits.${e.key} must be a positive integer or a size such as 512MiB`);
    out[e.key] = v;
  }
  return out;
}

function parsePickle(ctx: Ctx, node: Node | null): { allow: string[]; deny: string[] } {
  const out = { allow: [] as string[], deny: [] as string[] };
  for (const e of entries(ctx, mapOf(ctx, node, 'pickle'), 'pickle', ['allow', 'deny'])) {
    const list = strList(ctx, e.value, `pickle.${e.key}`);
    const items = isSeq(e.value) ? e.value.items : [e.value];
    list.forEach((name, i) => {
      if (!PICKLE_NAME.test(name)) ctx.fail(items[i] as Node, `pickle.${e.key}: "${name}" is not a qualified Python name (module.Name, or module.* for a module and its submodules)`);
    });
    out[e.key as 'allow' | 'deny'] = list;
  }
  return out;
}

function parseScan(ctx: Ctx, node: Node | null): ScanSettings {
  const out: Record<string, unknown> = {};
  for (const e of entries(ctx, mapOf(ctx, node, 'scan'), 'scan', SCAN_KEYS)) {
    if (e.key === 'failOn') out['failOn'] = severity(ctx, e.value, 'scan.failOn', true);
    else if (e.key === 'policy') out['policy'] = oneOf(ctx, e.value, 'scan.policy', ['default', 'production'] as const);
    else if (e.key === 'strict' || e.key === 'includeVcs') out[e.key] = bool(ctx, e.value, `scan.${e.key}`);
    else {
      const s = scalar(ctx, e.value, 'scan.jobs');
      if (typeof s.value !== 'number' || !Number.isInteger(s.value) || s.value < 1 || s.value > 256) ctx.fail(e.value, 'scan.jobs must be an integer between 1 and 256');
      out['jobs'] = s.value;
    }
  }
  return out as ScanSettings;
}

function parseKubernetes(ctx: Ctx, node: Node | null): KubernetesSettings {
  const out: Record<string, unknown> = {};
  for (const e of entries(ctx, mapOf(ctx, node, 'kubernetes'), 'kubernetes', K8S_KEYS)) {
    if (e.key === 'pssLevel') out['pssLevel'] = oneOf(ctx, e.value, 'kubernetes.pssLevel', ['baseline', 'restricted'] as const);
    else if (e.key === 'pssVersion') out['pssVersion'] = pssVersion(ctx, e.value, 'kubernetes.pssVersion');
    else if (e.key === 'oneCluster') out['oneCluster'] = bool(ctx, e.value, 'kubernetes.oneCluster');
    else out['sandboxRuntimeClasses'] = strList(ctx, e.value, 'kubernetes.sandboxRuntimeClasses');
  }
  return out as KubernetesSettings;
}

function pssVersion(ctx: Ctx, node: Node | null, where: string): string {
  const v = str(ctx, node, where);
  if (v !== 'latest' && !/^v1\.\d+$/.test(v)) ctx.fail(node, `${where} must be v1.N or latest, got "${v}"`);
  return v;
}

function parseAdmission(ctx: Ctx, node: Node | null): AdmissionConfig {
  const out: Record<string, unknown> = {};
  for (const e of entries(ctx, mapOf(ctx, node, 'admission'), 'admission', ADMISSION_KEYS)) {
    const where = `admission.${e.key}`;
    if (e.key === 'defaults') {
      const d: Record<string, string> = {};
      for (const f of entries(ctx, mapOf(ctx, e.value, where), where, ADMISSION_DEFAULTS_KEYS)) {
        d[f.key] = f.key === 'version' ? pssVersion(ctx, f.value, `${where}.version`) : oneOf(ctx, f.value, `${where}.${f.key}`, LEVELS);
      }
      out['defaults'] = d;
    } else if (e.key === 'exemptions') {
      const x: Record<string, string[]> = {};
      for (const f of entries(ctx, mapOf(ctx, e.value, where), where, ADMISSION_EXEMPTION_KEYS)) x[f.key] = strList(ctx, f.value, `${where}.${f.key}`);
      out['exemptions'] = x;
    } else if (e.key === 'mutation') {
      const m: Record<string, string[]> = {};
      for (const f of entries(ctx, mapOf(ctx, e.value, where), where, ADMISSION_MUTATION_KEYS)) m[f.key] = strList(ctx, f.value, `${where}.${f.key}`);
      out['mutation'] = m;
    } else if (e.key === 'supplyChain') out['supplyChain'] = parseSupplyChain(ctx, e.value, where);
    else if (e.key === 'controllers') out['controllers'] = oneOf(ctx, e.value, where, ['enforce', 'warn'] as const);
    else if (e.key === 'suppressions') out['suppressions'] = oneOf(ctx, e.value, where, ['honor', 'ignore'] as const);
    else out['onInternalError'] = oneOf(ctx, e.value, where, ['deny', 'allow'] as const);
  }
  return out as AdmissionConfig;
}

/** `500ms`, `8s`, `10m`, `1h` → milliseconds (at most a day). */
function duration(ctx: Ctx, node: Node | null, where: string): number {
  const s = scalar(ctx, node, where);
  const m = /^(\d+)\s*(ms|s|m|h)$/.exec(String(s.value).trim());
  const n = m?.[1] === undefined ? NaN : Number(m[1]) * (m[2] === 'h' ? 3_600_000 : m[2] === 'm' ? 60_000 : m[2] === 's' ? 1000 : 1);
  if (!Number.isSafeInteger(n) || n <= 0 || n > 86_400_000) ctx.fail(node, `${where} must be a duration such as 500ms, 8s, 10m or 1h (at most 24h), got ${JSON.stringify(String(s.value).slice(0, 40))}`);
  return n;
}

function parseVerifier(ctx: Ctx, node: Node | null, where: string): SupplyChainVerifierConfig {
  const map = mapOf(ctx, node, where);
  const es = entries(ctx, map, where, ['oms', 'cosign', 'notation']);
  const first = es[0];
  if (first === undefined || es.length !== 1) ctx.fail(node, `${where} must name exactly one verifier: oms, cosign or notation`);
  const kind = (first as (typeof es)[number]).key as 'oms' | 'cosign' | 'notation';
  const at = `${where}.${kind}`;
  const body = (first as (typeof es)[number]).value;
  const out: Record<string, unknown> = { kind };
  for (const f of entries(ctx, mapOf(ctx, body, at), at, VERIFIER_KEYS[kind])) out[f.key] = f.key === 'certChain' ? strList(ctx, f.value, `${at}.${f.key}`) : str(ctx, f.value, `${at}.${f.key}`);
  if (kind === 'notation') {
    if (out['trustPolicy'] === undefined || out['trustStore'] === undefined) ctx.fail(body, `${at} needs trustPolicy and trustStore`);
  } else {
    const keyless = out['identity'] !== undefined || out['issuer'] !== undefined;
    if (keyless && (out['identity'] === undefined || out['issuer'] === undefined)) ctx.fail(body, `${at}: identity and issuer must be given together`);
    const methods = [out['key'] !== undefined, out['certChain'] !== undefined, keyless].filter(Boolean).length;
    if (methods !== 1) ctx.fail(body, `${at} needs exactly one of key${kind === 'oms' ? ', certChain' : ''} or identity + issuer`);
    if (out['trustedRoot'] !== undefined && !keyless) ctx.fail(body, `${at}: trustedRoot applies to keyless verification (identity, issuer)`);
  }
  return out as unknown as SupplyChainVerifierConfig;
}

function parseScope(ctx: Ctx, node: Node | null, where: string): SupplyChainScopeConfig {
  const out: Record<string, unknown> = { requireDigest: true, verify: [], onError: 'deny', mode: 'enforce' };
  for (const e of entries(ctx, mapOf(ctx, node, where), where, SCOPE_KEYS)) {
    const at = `${where}.${e.key}`;
    if (e.key === 'match') {
      const list = strList(ctx, e.value, at);
      if (list.length === 0 || list.some((m) => m.trim() === '' || /\s/.test(m))) ctx.fail(e.value, `${at} must be one or more reference patterns such as registry.example/models/*`);
      out['match'] = list;
    } else if (e.key === 'requireDigest') out['requireDigest'] = bool(ctx, e.value, at);
    else if (e.key === 'verify') out['verify'] = seqOf(ctx, e.value, at).items.map((item, i) => parseVerifier(ctx, item as Node, `${at}[${i}]`));
    else if (e.key === 'scan') {
      for (const f of entries(ctx, mapOf(ctx, e.value, at), at, ['blockAt'])) {
        const sev = severity(ctx, f.value, `${at}.blockAt`);
        if (sev !== 'none') out['scanBlockAt'] = sev;
      }
    } else if (e.key === 'onError') out['onError'] = oneOf(ctx, e.value, at, ['deny', 'allow'] as const);
    else out['mode'] = oneOf(ctx, e.value, at, ['enforce', 'warn'] as const);
  }
  if (out['match'] === undefined) ctx.fail(node, `${where} needs match: the reference patterns it covers`);
  return out as unknown as SupplyChainScopeConfig;
}

function parseSupplyChain(ctx: Ctx, node: Node | null, where: string): SupplyChainConfig {
  const out: Record<string, unknown> = { scopes: [] };
  for (const e of entries(ctx, mapOf(ctx, node, where), where, SUPPLY_CHAIN_KEYS)) {
    const at = `${where}.${e.key}`;
    if (e.key === 'scopes') out['scopes'] = seqOf(ctx, e.value, at).items.map((item, i) => parseScope(ctx, item as Node, `${at}[${i}]`));
    else if (e.key === 'resolveTags' || e.key === 'plainHttp') out[e.key] = bool(ctx, e.value, at);
    else if (e.key === 'timeout' || e.key === 'cacheTtl' || e.key === 'failureTtl') out[`${e.key}Ms`] = duration(ctx, e.value, at);
    else out[e.key] = str(ctx, e.value, at);
  }
  return out as unknown as SupplyChainConfig;
}

function parseSigning(ctx: Ctx, node: Node | null): SigningSettings {
  const out: Record<string, unknown> = {};
  for (const e of entries(ctx, mapOf(ctx, node, 'signing'), 'signing', SIGNING_KEYS)) {
    out[e.key] = e.key === 'certChain' ? strList(ctx, e.value, 'signing.certChain') : str(ctx, e.value, `signing.${e.key}`);
  }
  if ((out['identity'] === undefined) !== (out['issuer'] === undefined)) ctx.fail(node, 'signing: identity and issuer must be given together');
  return out as SigningSettings;
}

function count(ctx: Ctx, node: Node | null, where: string, allowZero = true): number {
  const s = scalar(ctx, node, where);
  const v = typeof s.value === 'number' ? s.value : typeof s.value === 'string' ? parseSize(s.value) : undefined;
  if (v === undefined || !Number.isSafeInteger(v) || v < (allowZero ? 0 : 1)) ctx.fail(node, `${where} must be a ${allowZero ? 'non-negative' : 'positive'} integer${allowZero ? '' : ''} or a size such as 16MiB`);
  return v;
}

function fraction(ctx: Ctx, node: Node | null, where: string): number {
  const s = scalar(ctx, node, where);
  if (typeof s.value !== 'number' || !(s.value >= 0 && s.value <= 1)) ctx.fail(node, `${where} must be a number between 0 and 1`);
  return s.value;
}

function parseGatewayBudget(ctx: Ctx, node: Node | null, where: string): GatewayBudgetConfig {
  const out: Record<string, number> = {};
  for (const e of entries(ctx, mapOf(ctx, node, where), where, GW_BUDGET_KEYS)) {
    if (e.key === 'queueTimeout') out['queueTimeoutMs'] = duration(ctx, e.value, `${where}.queueTimeout`);
    else out[e.key] = count(ctx, e.value, `${where}.${e.key}`);
  }
  return out;
}

function parseGatewayUpstream(ctx: Ctx, node: Node | null, where: string): GatewayUpstreamConfig {
  const map = mapOf(ctx, node, where);
  const out: Record<string, unknown> = {};
  for (const e of entries(ctx, map, where, GW_UPSTREAM_KEYS)) {
    const at = `${where}.${e.key}`;
    if (e.key === 'kind') out['kind'] = oneOf(ctx, e.value, at, ['openai', 'kserve-v2'] as const);
    else if (e.key === 'url') {
      const v = str(ctx, e.value, at);
      if (!/^https?:\/\/[^/?#\s]+(\/[^?#\s]*)?$/.test(v)) ctx.fail(e.value, `${at} must be an http:// or https:// URL without query, got ${JSON.stringify(v.slice(0, 80))}`);
      out['url'] = v;
    } else if (e.key === 'routes' || e.key === 'allowRoutes') {
      const list = strList(ctx, e.value, at);
      const items = isSeq(e.value) ? e.value.items : [e.value];
      list.forEach((r, i) => {
        if (!/^(GET|POST|PUT|DELETE|PATCH|HEAD) \/\S*$/.test(r)) ctx.fail(items[i] as Node, `${at}[${i}] must be "METHOD /path" such as "POST /v1/chat/completions", got ${JSON.stringify(r.slice(0, 80))}`);
      });
      out[e.key] = list;
    } else if (e.key === 'connections') out['connections'] = count(ctx, e.value, at, false);
    else if (e.key === 'timeout') out['timeoutMs'] = duration(ctx, e.value, at);
    else if (e.key === 'limits') {
      const lim: Record<string, unknown> = {};
      for (const f of entries(ctx, mapOf(ctx, e.value, at), at, GW_LIMIT_KEYS)) {
        const lat = `${at}.${f.key}`;
        if (f.key === 'allowTemplates') lim[f.key] = bool(ctx, f.value, lat);
        else if (f.key === 'mediaHosts' || f.key === 'tensorDatatypes') lim[f.key] = strList(ctx, f.value, lat);
        else lim[f.key] = count(ctx, f.value, lat);
      }
      out['limits'] = lim;
    } else if (e.key === 'screening') {
      const sc: Record<string, unknown> = {};
      for (const f of entries(ctx, mapOf(ctx, e.value, at), at, ['enabled', 'flag', 'block'])) sc[f.key] = f.key === 'enabled' ? bool(ctx, f.value, `${at}.enabled`) : fraction(ctx, f.value, `${at}.${f.key}`);
      out['screening'] = sc;
    } else out[e.key] = str(ctx, e.value, at);
  }
  for (const k of ['name', 'url'] as const) if (out[k] === undefined) ctx.fail(map, `${where} needs ${k}`);
  out['kind'] ??= 'openai';
  return out as unknown as GatewayUpstreamConfig;
}

function parseGatewayTenant(ctx: Ctx, node: Node | null, where: string): GatewayTenantConfig {
  const map = mapOf(ctx, node, where);
  const out: Record<string, unknown> = {};
  for (const e of entries(ctx, map, where, GW_TENANT_KEYS)) {
    const at = `${where}.${e.key}`;
    if (e.key === 'apiKeySha256') {
      const list = strList(ctx, e.value, at);
      const items = isSeq(e.value) ? e.value.items : [e.value];
      list.forEach((h, i) => {
        if (!/^[0-9a-fA-F]{64}$/.test(h)) ctx.fail(items[i] as Node, `${at}[${i}] must be the SHA-256 of a key in hex (64 characters; printf %s KEY | sha256sum)`);
      });
      out[e.key] = list.map((h) => h.toLowerCase());
    } else if (e.key === 'identities') {
      const list = strList(ctx, e.value, at);
      const items = isSeq(e.value) ? e.value.items : [e.value];
      list.forEach((id, i) => {
        if (!/^(cn|uri|dns):.+$/.test(id)) ctx.fail(items[i] as Node, `${at}[${i}] must be cn:NAME, uri:URI or dns:NAME, got ${JSON.stringify(id.slice(0, 80))}`);
      });
      out[e.key] = list;
    } else if (e.key === 'budget') out['budget'] = parseGatewayBudget(ctx, e.value, at);
    else out[e.key] = str(ctx, e.value, at);
  }
  if (out['name'] === undefined) ctx.fail(map, `${where} needs name`);
  return out as unknown as GatewayTenantConfig;
}

function parseGateway(ctx: Ctx, node: Node | null): GatewayConfig {
  const out: Record<string, unknown> = {};
  for (const e of entries(ctx, mapOf(ctx, node, 'gateway'), 'gateway', GATEWAY_KEYS)) {
    const at = `gateway.${e.key}`;
    if (e.key === 'upstreams') {
      const ups = seqOf(ctx, e.value, at).items.map((item, i) => parseGatewayUpstream(ctx, item as Node, `${at}[${i}]`));
      const names = new Set<string>();
      ups.forEach((u, i) => {
        if (names.has(u.name)) ctx.fail((e.value as YAMLSeq).items[i] as Node, `${at}[${i}]: upstream name "${u.name}" is used twice`);
        names.add(u.name);
      });
      out['upstreams'] = ups;
    } else if (e.key === 'tenants') out['tenants'] = seqOf(ctx, e.value, at).items.map((item, i) => parseGatewayTenant(ctx, item as Node, `${at}[${i}]`));
    else if (e.key === 'anonymous') out['anonymous'] = str(ctx, e.value, at);
    else if (e.key === 'tokenizer') out['tokenizer'] = oneOf(ctx, e.value, at, ['o200k_base', 'cl100k_base'] as const);
    else if (e.key === 'budgets') {
      const b: Record<string, unknown> = {};
      for (const f of entries(ctx, mapOf(ctx, e.value, at), at, ['store', 'redisUrl', 'failOpen', 'default'])) {
        if (f.key === 'store') b['store'] = oneOf(ctx, f.value, `${at}.store`, ['memory', 'redis'] as const);
        else if (f.key === 'failOpen') b['failOpen'] = bool(ctx, f.value, `${at}.failOpen`);
        else if (f.key === 'default') b['default'] = parseGatewayBudget(ctx, f.value, `${at}.default`);
        else {
          const v = str(ctx, f.value, `${at}.redisUrl`);
          if (!/^rediss?:\/\//.test(v)) ctx.fail(f.value, `${at}.redisUrl must be a redis:// or rediss:// URL`);
          b['redisUrl'] = v;
        }
      }
      if (b['store'] === 'redis' && b['redisUrl'] === undefined) ctx.fail(e.value, `${at}: store redis needs redisUrl`);
      out['budgets'] = b;
    } else if (e.key === 'classifier') {
      const c: Record<string, unknown> = {};
      for (const f of entries(ctx, mapOf(ctx, e.value, at), at, ['url', 'timeout', 'flag', 'block', 'onError'])) {
        if (f.key === 'timeout') c['timeoutMs'] = duration(ctx, f.value, `${at}.timeout`);
        else if (f.key === 'flag' || f.key === 'block') c[f.key] = fraction(ctx, f.value, `${at}.${f.key}`);
        else if (f.key === 'onError') c['onError'] = oneOf(ctx, f.value, `${at}.onError`, ['allow', 'block'] as const);
        else c['url'] = str(ctx, f.value, `${at}.url`);
      }
      if (c['url'] === undefined) ctx.fail(e.value, `${at} needs url`);
      out['classifier'] = c;
    } else if (e.key === 'leaks') {
      const l: Record<string, unknown> = {};
      for (const f of entries(ctx, mapOf(ctx, e.value, at), at, ['canaries', 'protectedTextFiles', 'secrets', 'pii', 'holdBackChars'])) {
        if (f.key === 'secrets' || f.key === 'pii') l[f.key] = bool(ctx, f.value, `${at}.${f.key}`);
        else if (f.key === 'holdBackChars') l[f.key] = count(ctx, f.value, `${at}.holdBackChars`);
        else l[f.key] = strList(ctx, f.value, `${at}.${f.key}`);
      }
      out['leaks'] = l;
    } else {
      const a: Record<string, unknown> = {};
      for (const f of entries(ctx, mapOf(ctx, e.value, at), at, ['log', 'includePrompts'])) a[f.key] = f.key === 'includePrompts' ? bool(ctx, f.value, `${at}.includePrompts`) : str(ctx, f.value, `${at}.log`);
      out['audit'] = a;
    }
  }
  return out as GatewayConfig;
}

/** Parse configuration text (`file` names it in errors). Throws one CONFIG error, the first problem found. */
export function parseConfig(text: string, file: string): BulwarkConfig {
  const lc = new LineCounter();
  const ctx = new Ctx(file, lc);
  const doc = parseDocument(text.replace(/^\uFEFF/, ''), { lineCounter: lc, uniqueKeys: false, version: '1.2', prettyErrors: false });
  const err = doc.errors[0];
  if (err) {
    const p = lc.linePos(err.pos[0]);
    throw new BulwarkError('CONFIG', `${file}:${p.line}:${p.col}: not valid YAML (${err.message.split('\n')[0] ?? err.code})`);
  }
  const root = doc.contents as Node | null;
  if (root === null || (isScalar(root) && (root.value === null || root.value === ''))) return { ...EMPTY_CONFIG, file };
  const top = mapOf(ctx, root, 'the configuration');
  let cfg: {
    -readonly [K in keyof BulwarkConfig]: BulwarkConfig[K];
  } = { ...EMPTY_CONFIG, file };
  for (const e of entries(ctx, top, 'the configuration', TOP_KEYS)) {
    switch (e.key) {
      case 'version': {
        const s = scalar(ctx, e.value, 'version');
        if (s.value !== 1 && s.value !== '1') ctx.fail(e.value, 'version must be 1 (the only configuration format so far)');
        break;
      }
      case 'rules':
        cfg = { ...cfg, rules: parseRules(ctx, e.value) };
        break;
      case 'ignore': {
        const globs = strList(ctx, e.value, 'ignore');
        const items = isSeq(e.value) ? e.value.items : [e.value];
        globs.forEach((g, i) => {
          try {
            compileGlob(g);
          } catch (err2) {
            ctx.fail(items[i] as Node, `ignore: ${(err2 as Error).message}`);
          }
        });
        cfg = { ...cfg, ignore: globs };
        break;
      }
      case 'suppressions':
        cfg = { ...cfg, suppressions: parseSuppressions(ctx, e.value) };
        break;
      case 'pickle':
        cfg = { ...cfg, pickle: parsePickle(ctx, e.value) };
        break;
      case 'limits':
        cfg = { ...cfg, limits: parseLimits(ctx, e.value) };
        break;
      case 'scan':
        cfg = { ...cfg, scan: parseScan(ctx, e.value) };
        break;
      case 'kubernetes':
        cfg = { ...cfg, kubernetes: parseKubernetes(ctx, e.value) };
        break;
      case 'signing':
        cfg = { ...cfg, signing: parseSigning(ctx, e.value) };
        break;
      case 'admission':
        cfg = { ...cfg, admission: parseAdmission(ctx, e.value) };
        break;
      case 'gateway':
        cfg = { ...cfg, gateway: parseGateway(ctx, e.value) };
        break;
    }
  }
  return cfg;
}

/** Read and parse a configuration file; a missing or unreadable file is a CONFIG error. */
export function loadConfigFile(file: string): BulwarkConfig {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new BulwarkError('CONFIG', code === 'ENOENT' ? `${file}: configuration file not found` : `${file}: cannot read the configuration (${code ?? String(e)})`);
  }
  if (buf.length > MAX_CONFIG_BYTES) throw new BulwarkError('CONFIG', `${file}: configuration larger than ${MAX_CONFIG_BYTES} bytes`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    throw new BulwarkError('CONFIG', `${file}: the configuration is not UTF-8 text`);
  }
  return parseConfig(text, file);
}

/**
 * Check the configuration's rule settings and suppressions against the rules a command runs, and build
 * the selection. Unknown ids name the closest known one.
 */
export function resolveRules(config: BulwarkConfig, rules: readonly RuleMeta[]): RuleSelection {
  for (const s of config.suppressions) {
    const where = `${s.file ?? 'config'}${s.line === undefined ? '' : `:${s.line}:${s.column ?? 1}`}`;
    if (s.rule.endsWith('*')) {
      const prefix = s.rule.slice(0, -1);
      if (!rules.some((r) => r.id.startsWith(prefix))) throw new BulwarkError('CONFIG', `${where}: suppressions: no rule id starts with "${prefix}"`);
    } else if (!rules.some((r) => r.id === s.rule)) {
      const hint = suggestRuleId(s.rule, rules);
      throw new BulwarkError('CONFIG', `${where}: suppressions: unknown rule id "${s.rule}"${hint === undefined ? '' : ` (did you mean ${hint}?)`}`);
    }
  }
  return createSelection(rules, config.rules);
}
