/**
 * The audit policy: the data every rule reads (lists, thresholds, per-rule allowlists, severities per
 * identity class), compiled once into matchers. `loadAuditPolicy(text, file)` reads a user policy file
 * (YAML or JSON) and extends the defaults: lists are appended (as Falco's `append: true`), unless the
 * file names them under `replaceDefaults`.
 */
import { parse as parseYaml } from 'yaml';
import type { Severity } from '../findings/index.js';
import { BulwarkError, isSeverity } from '../findings/index.js';
import type { AuditEvent, UserInfo } from './event.js';
import type { IdentityMatcher, NameMatcher } from './patterns.js';
import { compileIdentityPatterns, compilePatterns } from './patterns.js';
import type { PolicyData } from './policy-data.js';
import { DEFAULT_POLICY_DATA, POLICY_DATA_VERSION } from './policy-data.js';

/** Who made a request, as the severity tables and allowlists see it. */
export const IDENTITY_CLASSES = ['anonymous', 'node', 'control-plane', 'system-serviceaccount', 'serviceaccount', 'ai-serviceaccount', 'human'] as const;
export type IdentityClass = (typeof IDENTITY_CLASSES)[number];

/** One allowlist entry of a rule: every field given must match (patterns with `*`). */
export interface AllowEntry {
  readonly user?: string;
  readonly group?: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly verb?: string;
  readonly resource?: string;
  readonly userAgent?: string;
}

const ALLOW_KEYS = ['user', 'group', 'namespace', 'name', 'verb', 'resource', 'userAgent'] as const;

export interface PolicyFile {
  readonly version?: number;
  readonly replaceDefaults?: readonly string[];
  readonly allow?: Readonly<Record<string, readonly AllowEntry[]>>;
  readonly severity?: Readonly<Record<string, Readonly<Partial<Record<IdentityClass, Severity>>>>>;
  readonly [key: string]: unknown;
}

type CompiledAllow = (e: AuditEvent) => boolean;

export interface AuditPolicy {
  readonly data: PolicyData;
  readonly falco: { readonly [K in keyof PolicyData['falco']]: NameMatcher };
  readonly systemNamespaces: NameMatcher;
  readonly aiNamespaces: NameMatcher;
  readonly aiServiceAccounts: NameMatcher;
  readonly secretReaders: IdentityMatcher;
  readonly configMapReaders: IdentityMatcher;
  readonly sensitiveConfigMaps: NameMatcher;
  readonly tokenRequesters: IdentityMatcher;
  readonly webhookManagers: IdentityMatcher;
  readonly csrApprovers: IdentityMatcher;
  readonly anonymousPaths: NameMatcher;
  readonly powerfulRoles: NameMatcher;
  readonly dangerousVerbs: ReadonlySet<string>;
  readonly broadGroups: ReadonlySet<string>;
  /** Per-rule allowlists from the policy file (rule id → matcher). */
  readonly allow: ReadonlyMap<string, CompiledAllow>;
  /** Per-rule severities by identity class from the policy file. */
  readonly severity: ReadonlyMap<string, Readonly<Partial<Record<IdentityClass, Severity>>>>;
  /** Identity class of a request's actor (memoised per username: the classes depend on the name only). */
  identityClass(user: UserInfo): IdentityClass;
}

const SA_PREFIX = 'system:serviceaccount:';

/** `system:serviceaccount:ns:name` → {namespace, name}. */
export function serviceAccountOf(username: string): { namespace: string; name: string } | undefined {
  if (!username.startsWith(SA_PREFIX)) return undefined;
  const rest = username.slice(SA_PREFIX.length);
  const i = rest.indexOf(':');
  if (i <= 0 || i === rest.length - 1) return undefined;
  return { namespace: rest.slice(0, i), name: rest.slice(i + 1) };
}

/** Entries a single identity-class memo may hold before it is cleared (a cache, not state). */
const CLASS_MEMO_MAX = 50_000;

function matchAllow(entries: readonly AllowEntry[]): CompiledAllow {
  const compiled = entries.map((e) => {
    const m: [keyof AllowEntry, NameMatcher][] = [];
    for (const k of ALLOW_KEYS) {
      const v = e[k];
      if (v !== undefined) m.push([k, compilePatterns([v])]);
    }
    return m;
  });
  return (ev) =>
    compiled.some((fields) =>
      fields.every(([k, match]) => {
        switch (k) {
          case 'user':
            return match(ev.actor.username) || match(ev.user.username);
          case 'group':
            return ev.actor.groups.some(match);
          case 'namespace':
            return match(ev.namespace ?? '');
          case 'name':
            return match(ev.name ?? '');
          case 'verb':
            return match(ev.verb);
          case 'resource':
            return match(ev.res);
          case 'userAgent':
            return match(ev.userAgent ?? '');
        }
      }),
    );
}

export function compilePolicy(data: PolicyData, file: PolicyFile = {}): AuditPolicy {
  const falco = Object.fromEntries(Object.entries(data.falco).map(([k, v]) => [k, compilePatterns(v)])) as { [K in keyof PolicyData['falco']]: NameMatcher };
  const systemNamespaces = compilePatterns(data.systemNamespaces);
  const aiNamespaces = compilePatterns(data.aiNamespaces);
  const aiServiceAccounts = compilePatterns(data.aiServiceAccounts);
  const allow = new Map<string, CompiledAllow>();
  for (const [rule, entries] of Object.entries(file.allow ?? {})) allow.set(rule, matchAllow(entries));
  const memo = new Map<string, IdentityClass>();
  const classify = (u: UserInfo): IdentityClass => {
    const n = u.username;
    if (n === 'system:anonymous' || u.groups.includes('system:unauthenticated')) return 'anonymous';
    if (n.startsWith('system:node:') || u.groups.includes('system:nodes')) return 'node';
    const sa = serviceAccountOf(n);
    if (sa !== undefined) {
      if (systemNamespaces(sa.namespace)) return 'system-serviceaccount';
      if (aiNamespaces(sa.namespace) || aiServiceAccounts(sa.name)) return 'ai-serviceaccount';
      return 'serviceaccount';
    }
    if (n.startsWith('system:') || n.startsWith('eks:') || u.groups.includes('system:serviceaccounts')) return 'control-plane';
    return 'human';
  };
  return {
    data,
    falco,
    systemNamespaces,
    aiNamespaces,
    aiServiceAccounts,
    secretReaders: compileIdentityPatterns(data.secretReaders),
    configMapReaders: compileIdentityPatterns(data.configMapReaders),
    sensitiveConfigMaps: compilePatterns(data.sensitiveConfigMaps),
    tokenRequesters: compileIdentityPatterns(data.tokenRequesters),
    webhookManagers: compileIdentityPatterns(data.webhookManagers),
    csrApprovers: compileIdentityPatterns(data.csrApprovers),
    anonymousPaths: compilePatterns(data.anonymousPaths),
    powerfulRoles: compilePatterns(data.powerfulRoles),
    dangerousVerbs: new Set(data.dangerousVerbs),
    broadGroups: new Set(data.broadGroups),
    allow,
    severity: new Map(Object.entries(file.severity ?? {})),
    identityClass(u) {
      // The groups that decide a class (anonymous, node) are checked first; the rest depends on the name.
      if (u.username === 'system:anonymous' || u.groups.includes('system:unauthenticated')) return 'anonymous';
      if (u.groups.includes('system:nodes')) return 'node';
      let c = memo.get(u.username);
      if (c === undefined) {
        if (memo.size >= CLASS_MEMO_MAX) memo.clear();
        c = classify(u);
        memo.set(u.username, c);
      }
      return c;
    },
  };
}

export const DEFAULT_AUDIT_POLICY: AuditPolicy = compilePolicy(DEFAULT_POLICY_DATA);

// ---- the policy file ------------------------------------------------------------------------------------

type ListKey = { [K in keyof PolicyData]: PolicyData[K] extends string[] ? K : never }[keyof PolicyData];
type FalcoKey = keyof PolicyData['falco'];
type ThresholdKey = keyof PolicyData['thresholds'];

const LIST_KEYS = Object.keys(DEFAULT_POLICY_DATA).filter((k) => Array.isArray((DEFAULT_POLICY_DATA as Record<string, unknown>)[k])) as ListKey[];
const FALCO_KEYS = Object.keys(DEFAULT_POLICY_DATA.falco) as FalcoKey[];
const THRESHOLD_KEYS = Object.keys(DEFAULT_POLICY_DATA.thresholds) as ThresholdKey[];
const TOP_KEYS = ['version', 'replaceDefaults', 'allow', 'severity', 'falco', 'thresholds', ...LIST_KEYS];

function fail(file: string, msg: string): never {
  throw new BulwarkError('CONFIG', `${file}: ${msg}`);
}

function stringList(v: unknown, file: string, where: string): string[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) fail(file, `${where} must be a list of strings`);
  return v as string[];
}

function distance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3) return 4;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/** ` (did you mean X?)` for the closest known key (edit distance at most 3, or a substring). */
function closest(key: string, known: readonly string[]): string {
  const k = key.toLowerCase();
  let best: { name: string; d: number } | undefined;
  for (const x of known) {
    const d = distance(k, x.toLowerCase());
    if (d <= 3 && (best === undefined || d < best.d)) best = { name: x, d };
  }
  const hit = best?.name ?? known.find((x) => x.toLowerCase().includes(k) || k.includes(x.toLowerCase()));
  return hit === undefined ? '' : ` (did you mean ${hit}?)`;
}

/**
 * Read a policy file (YAML or JSON) and extend the defaults. Throws a CONFIG error naming the key for
 * anything it does not know. `knownRules` checks the rule ids under `allow` and `severity`.
 */
export function loadAuditPolicy(text: string, file: string, knownRules?: ReadonlySet<string>): AuditPolicy {
  let doc: unknown;
  try {
    doc = parseYaml(text, { version: '1.1', maxAliasCount: 100, prettyErrors: false });
  } catch (e) {
    fail(file, `not YAML or JSON (${e instanceof Error ? (e.message.split('\n')[0] ?? '') : 'cannot parse'})`);
  }
  if (doc === null || doc === undefined) return DEFAULT_AUDIT_POLICY;
  if (typeof doc !== 'object' || Array.isArray(doc)) fail(file, 'the policy must be a mapping');
  const f = doc as Record<string, unknown>;
  for (const k of Object.keys(f)) if (!TOP_KEYS.includes(k)) fail(file, `unknown key "${k}"${closest(k, TOP_KEYS)}`);
  if (f['version'] !== undefined && f['version'] !== POLICY_DATA_VERSION) fail(file, `version must be ${POLICY_DATA_VERSION}`);
  const replace = new Set(f['replaceDefaults'] === undefined ? [] : stringList(f['replaceDefaults'], file, 'replaceDefaults'));
  for (const r of replace) if (!LIST_KEYS.includes(r as ListKey) && !FALCO_KEYS.some((k) => `falco.${k}` === r)) fail(file, `replaceDefaults: "${r}" is not a list of the policy`);
  const merge = (key: string, base: readonly string[], v: unknown): string[] => {
    if (v === undefined) return [...base];
    const list = stringList(v, file, key);
    return replace.has(key) ? list : [...base, ...list];
  };
  const data = structuredClone(DEFAULT_POLICY_DATA) as PolicyData & Record<string, unknown>;
  for (const k of LIST_KEYS) (data as Record<string, unknown>)[k] = merge(k, DEFAULT_POLICY_DATA[k], f[k]);
  if (f['falco'] !== undefined) {
    const fx = f['falco'];
    if (typeof fx !== 'object' || fx === null || Array.isArray(fx)) fail(file, 'falco must be a mapping');
    for (const [k, v] of Object.entries(fx)) {
      if (!FALCO_KEYS.includes(k as FalcoKey)) fail(file, `unknown key "falco.${k}"${closest(k, FALCO_KEYS)}`);
      (data.falco as Record<string, string[]>)[k] = merge(`falco.${k}`, DEFAULT_POLICY_DATA.falco[k as FalcoKey], v);
    }
  }
  if (f['thresholds'] !== undefined) {
    const t = f['thresholds'];
    if (typeof t !== 'object' || t === null || Array.isArray(t)) fail(file, 'thresholds must be a mapping');
    for (const [k, v] of Object.entries(t)) {
      if (!THRESHOLD_KEYS.includes(k as ThresholdKey)) fail(file, `unknown key "thresholds.${k}"${closest(k, THRESHOLD_KEYS)}`);
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) fail(file, `thresholds.${k} must be a non-negative integer`);
      (data.thresholds as Record<string, number>)[k] = v;
    }
  }
  const allow: Record<string, AllowEntry[]> = {};
  if (f['allow'] !== undefined) {
    const a = f['allow'];
    if (typeof a !== 'object' || a === null || Array.isArray(a)) fail(file, 'allow must be a mapping of rule id to a list of entries');
    for (const [rule, entries] of Object.entries(a)) {
      if (knownRules !== undefined && !knownRules.has(rule)) fail(file, `allow: unknown rule id "${rule}"`);
      if (!Array.isArray(entries)) fail(file, `allow.${rule} must be a list`);
      allow[rule] = entries.map((e, i) => {
        if (typeof e !== 'object' || e === null || Array.isArray(e)) fail(file, `allow.${rule}[${i}] must be a mapping`);
        const keys = Object.keys(e);
        if (keys.length === 0) fail(file, `allow.${rule}[${i}] is empty (it would allow everything)`);
        for (const k of keys) {
          if (!(ALLOW_KEYS as readonly string[]).includes(k)) fail(file, `allow.${rule}[${i}]: unknown key "${k}" (known: ${ALLOW_KEYS.join(', ')})`);
          if (typeof (e as Record<string, unknown>)[k] !== 'string') fail(file, `allow.${rule}[${i}].${k} must be a string`);
        }
        return e as AllowEntry;
      });
    }
  }
  const severity: Record<string, Partial<Record<IdentityClass, Severity>>> = {};
  if (f['severity'] !== undefined) {
    const s = f['severity'];
    if (typeof s !== 'object' || s === null || Array.isArray(s)) fail(file, 'severity must be a mapping of rule id to identity class → severity');
    for (const [rule, table] of Object.entries(s)) {
      if (knownRules !== undefined && !knownRules.has(rule)) fail(file, `severity: unknown rule id "${rule}"`);
      if (typeof table !== 'object' || table === null || Array.isArray(table)) fail(file, `severity.${rule} must be a mapping`);
      const out: Partial<Record<IdentityClass, Severity>> = {};
      for (const [cls, sev] of Object.entries(table)) {
        if (!(IDENTITY_CLASSES as readonly string[]).includes(cls)) fail(file, `severity.${rule}: unknown identity class "${cls}" (known: ${IDENTITY_CLASSES.join(', ')})`);
        if (!isSeverity(sev)) fail(file, `severity.${rule}.${cls} must be critical, high, medium, low or info`);
        out[cls as IdentityClass] = sev;
      }
      severity[rule] = out;
    }
  }
  return compilePolicy(data, { allow, severity });
}
