/**
 * The image configuration's checks (user, environment, ports, entrypoint, health check) and the
 * merged filesystem's (shells, package managers, PATH folders, the entrypoint's file, the claims of
 * AI base images). Pure functions of the parsed configuration and the per-path index.
 */
import { BulwarkError } from '../findings/index.js';
import { cloudKeyOf, redact, secretLikeName, secretLikeValue, PROVIDER_NAME } from '../k8s-manifests/index.js';
import { AI_CLAIMS, AI_PORTS, CLAIM_LABELS, PACKAGE_MANAGERS, SHELLS, UNAUTHENTICATED_PORTS, WRITABLE_PREFIXES } from './data.js';
import * as rules from './rules.js';
import type { ImageScanner } from './scan.js';

export interface ImageConfig {
  readonly user: string;
  readonly env: readonly string[];
  readonly exposedPorts: readonly string[];
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  /** Undefined when absent; `['NONE']` when disabled. */
  readonly healthcheck: readonly string[] | undefined;
  readonly labels: Readonly<Record<string, string>>;
  readonly diffIds: readonly string[];
}

function strings(v: unknown, max = 4096): string[] {
  if (!Array.isArray(v)) return [];
  return v.slice(0, max).filter((x): x is string => typeof x === 'string');
}

/** Parse the fields Bulwark checks from an OCI / Docker image configuration (bounded by the caller). */
export function parseImageConfig(bytes: Uint8Array): ImageConfig {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new BulwarkError('MALFORMED', 'the image configuration is not JSON');
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new BulwarkError('MALFORMED', 'the image configuration is not a JSON object');
  const d = doc as Record<string, unknown>;
  const c = (d['config'] ?? d['container_config'] ?? {}) as Record<string, unknown>;
  const rootfs = (d['rootfs'] ?? {}) as Record<string, unknown>;
  const labels: Record<string, string> = {};
  const l = c['Labels'];
  if (l !== null && typeof l === 'object' && !Array.isArray(l)) for (const [k, v] of Object.entries(l as Record<string, unknown>).slice(0, 1024)) if (typeof v === 'string') labels[k] = v;
  const ports = c['ExposedPorts'];
  const hc = c['Healthcheck'] as Record<string, unknown> | undefined | null;
  return {
    user: typeof c['User'] === 'string' ? c['User'] : '',
    env: strings(c['Env']),
    exposedPorts: ports !== null && typeof ports === 'object' && !Array.isArray(ports) ? Object.keys(ports).slice(0, 1024) : [],
    entrypoint: strings(c['Entrypoint']),
    cmd: strings(c['Cmd']),
    healthcheck: hc !== null && typeof hc === 'object' ? strings(hc['Test']) : undefined,
    labels,
    diffIds: strings(rootfs['diff_ids'], 100_000),
  };
}

const PLACEHOLDER = /^(?:<[^>]*>|\$\{[^}]*\}|\{\{[^}]*\}\}|changeme|change-?me|replace-?me|todo|tbd|x{3,}|\*{3,}|dummy|example|placeholder|secret|password|token|none|null|nil|false|true|disabled|n\/a)$/i;

export function checkConfig(s: ImageScanner, c: ImageConfig): void {
  const location = s.configLocation();
  const user = c.user.trim();
  if (user === '' || user === 'root' || user === '0' || user.startsWith('root:') || user.startsWith('0:')) {
    s.report(rules.rootUser, { location, message: user === '' ? 'the image configuration sets no User: containers run as root' : `the image configuration runs as ${JSON.stringify(user)} (root)`, evidence: `User=${JSON.stringify(user)}` });
  }
  for (const kv of c.env) {
    const eq = kv.indexOf('=');
    if (eq <= 0) continue;
    const name = kv.slice(0, eq);
    const value = kv.slice(eq + 1).trim();
    if (value === '' || PLACEHOLDER.test(value) || value.startsWith('$')) continue;
    const cloud = cloudKeyOf(name, value);
    const format = secretLikeValue(value);
    if (cloud !== undefined || format !== undefined) {
      const what = cloud !== undefined ? `${cloud.what} (${PROVIDER_NAME[cloud.provider]})` : (format ?? 'a credential');
      s.report(rules.secretInConfigEnv, { location, severity: 'critical', message: `Env ${name} holds ${what}: anyone who can pull the image reads it`, evidence: `${name}=${redact(value)}` });
    } else if (secretLikeName(name) && value.length >= 8) {
      s.report(rules.secretInConfigEnv, { location, message: `Env ${name} is set to a literal value in the image configuration`, evidence: `${name}=${redact(value)}` });
    }
  }
  for (const p of c.exposedPorts) {
    const port = Number(p.split('/')[0]);
    const what = AI_PORTS.get(port);
    if (what === undefined) continue;
    const open = UNAUTHENTICATED_PORTS.has(port);
    s.report(rules.aiPortExposed, { location, severity: open ? 'medium' : 'low', message: `the image exposes port ${p} (${what})${open ? ', which has no authentication by default' : ''}`, evidence: `ExposedPorts ${p}` });
  }
  if (c.healthcheck === undefined || c.healthcheck[0] === 'NONE') {
    s.report(rules.noHealthcheck, { location, message: c.healthcheck === undefined ? 'the image configuration has no Healthcheck' : 'the image disables its health check (HEALTHCHECK NONE)' });
  }
}

/** Absolute paths named by the entrypoint and command (shell forms split into words). */
function commandPaths(c: ImageConfig): string[] {
  const out: string[] = [];
  for (const arg of [...c.entrypoint, ...c.cmd]) for (const w of arg.split(/[\s;&|'"()`]+/)) if (w.startsWith('/') && w.length > 1) out.push(w);
  return out;
}

function parentDirs(p: string): string[] {
  const out: string[] = [];
  for (let s = p.lastIndexOf('/'); s > 0; s = p.lastIndexOf('/', s - 1)) out.push(p.slice(0, s));
  return out;
}

function worldWritable(mode: number): boolean {
  return (mode & 0o002) !== 0 && (mode & 0o1000) === 0;
}

export function checkMergedFilesystem(s: ImageScanner, c: ImageConfig): void {
  const production = s.options.policy === 'production';
  const shells = [...SHELLS].filter((p) => s.index.has(p));
  if (shells.length > 0) {
    const first = shells[0] as string;
    s.report(rules.shellPresent, { location: s.fileLocation(first), ...(production && { severity: 'medium' }), message: `the image has a shell: /${shells.slice(0, 4).join(', /')}`, evidence: `/${first}` });
  }
  const managers = new Map<string, string>();
  for (const [p, name] of PACKAGE_MANAGERS) if (s.index.has(p) && !managers.has(name)) managers.set(name, p);
  if (managers.size > 0) {
    const first = [...managers.values()][0] as string;
    s.report(rules.packageManagerPresent, { location: s.fileLocation(first), ...(production && { severity: 'medium' }), message: `the image has a package manager: ${[...managers.keys()].join(', ')}`, evidence: `/${first}` });
  }
  const pathVar = c.env.find((e) => e.startsWith('PATH='))?.slice(5) ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
  for (const d of pathVar.split(':')) {
    const p = d.replace(/^\/+|\/+$/g, '');
    if (p === '') continue;
    const e = s.index.get(p);
    if (e !== undefined && e.type === 'dir' && worldWritable(e.mode)) {
      s.report(rules.worldWritablePathDir, { location: s.fileLocation(p), message: `/${p} is in PATH and world-writable (mode ${e.mode.toString(8).padStart(4, '0')})`, evidence: `/${p} ${e.mode.toString(8).padStart(4, '0')}` });
    }
  }
  for (const abs of commandPaths(c)) {
    const p = abs.replace(/^\/+/, '');
    const e = s.index.get(p);
    const why = WRITABLE_PREFIXES.some((w) => p.startsWith(w))
      ? `it is under /${p.split('/')[0]}${p.startsWith('var/') ? '/tmp' : ''}`
      : e !== undefined && e.type === 'file' && (e.mode & 0o002) !== 0
        ? `the file is world-writable (mode ${e.mode.toString(8).padStart(4, '0')})`
        : (() => {
            const d = parentDirs(p).find((x) => {
              const de = s.index.get(x);
              return de !== undefined && de.type === 'dir' && worldWritable(de.mode);
            });
            return d === undefined ? undefined : `its folder /${d} is world-writable`;
          })();
    if (why !== undefined) {
      s.report(rules.entrypointWritableScript, { location: s.fileLocation(p), message: `the entrypoint runs ${abs}, and ${why}`, evidence: [...c.entrypoint, ...c.cmd].join(' ').slice(0, 200) });
    }
  }
  disguised(s, c);
}

function disguised(s: ImageScanner, c: ImageConfig): void {
  const said: { text: string; where: string }[] = [];
  for (const n of s.input.names) said.push({ text: n.replace(/[:@][^/]*$/, ''), where: `the name ${n}` });
  for (const k of CLAIM_LABELS) {
    const v = c.labels[k] ?? s.input.annotations[k];
    if (v !== undefined) said.push({ text: v, where: `the label ${k}=${v.slice(0, 100)}` });
  }
  for (const claim of AI_CLAIMS) {
    const hit = said.find((x) => claim.pattern.test(x.text));
    if (hit === undefined) continue;
    const has = [...s.index.keys()].some((p) => claim.expects.some((re) => re.test(p)));
    const location = s.configLocation();
    if (!has) {
      s.report(rules.disguisedAiImage, { location, message: `the image claims to be ${claim.name} (${hit.where}) but its filesystem has ${claim.expectsText}`, evidence: hit.where });
      return;
    }
    const command = [...c.entrypoint, ...c.cmd].join(' ');
    if (command !== '' && claim.entrypoints !== undefined && !claim.entrypoints.some((re) => re.test(command))) {
      s.report(rules.disguisedAiImage, { location, message: `the image claims to be ${claim.name} (${hit.where}) but its entrypoint runs ${JSON.stringify(command.slice(0, 120))}`, evidence: command.slice(0, 200) });
    }
    return;
  }
}
