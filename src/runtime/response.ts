/**
 * Optional response actions, off by default: kill the process of a finding (`process.kill`), and label
 * its pod `bulwark.dev/quarantine=true` through the API server so that the quarantine NetworkPolicy
 * (deploy/runtime/quarantine-networkpolicy.yaml) cuts it off. Nothing here runs another program.
 */
import type { Finding, Severity } from '../findings/index.js';
import { compareSeverity } from '../findings/index.js';
import { readFileSync, readlinkSync } from 'node:fs';
import { request } from 'node:https';
import type { RuntimeEvent } from './model.js';
import { baseName } from './model.js';

export const QUARANTINE_LABEL = 'bulwark.dev/quarantine';

export interface ResponsePolicy {
  /** Kill the process of findings at or above this severity (undefined: never). */
  readonly killAt?: Severity;
  /** Label the pod of findings at or above this severity (undefined: never). */
  readonly labelAt?: Severity;
  /** Only findings of these rules trigger actions (empty: every runtime rule). */
  readonly rules: readonly string[];
}

export interface ActionResult {
  readonly action: 'kill' | 'label';
  readonly ok: boolean;
  readonly detail: string;
}

function atLeast(s: Severity, min: Severity | undefined): boolean {
  return min !== undefined && compareSeverity(s, min) <= 0;
}

/** Kill `pid` if it is still the process the event saw (same executable), never PID 1 or ourselves. */
export function killProcess(ev: RuntimeEvent, procRoot = '/proc', kill: (pid: number) => void = (pid) => process.kill(pid, 'SIGKILL')): ActionResult {
  const pid = ev.process.pid;
  if (pid === undefined || pid <= 1 || pid === process.pid) return { action: 'kill', ok: false, detail: 'no killable pid' };
  if (ev.source !== 'proc' && ev.source !== 'falco' && ev.source !== 'tetragon') return { action: 'kill', ok: false, detail: `pid from ${ev.source} is not trusted for kill` };
  let exe: string | undefined;
  try {
    exe = readlinkSync(`${procRoot}/${pid}/exe`).replace(/ \(deleted\)$/, '');
  } catch {
    return { action: 'kill', ok: false, detail: `pid ${pid} is gone or not readable` };
  }
  const expected = ev.process.exe;
  if (expected !== undefined && baseName(expected) !== baseName(exe) && !ev.process.exeMemfd) return { action: 'kill', ok: false, detail: `pid ${pid} now runs ${exe}, not ${expected} (pid reused)` };
  try {
    kill(pid);
    return { action: 'kill', ok: true, detail: `killed pid ${pid} (${exe})` };
  } catch (e) {
    return { action: 'kill', ok: false, detail: `kill ${pid}: ${e instanceof Error ? e.message : String(e)}` };
  }
}

export interface ApiServerAccess {
  /** `https://host:port` of the API server. */
  readonly url: string;
  readonly tokenFile: string;
  readonly caFile: string;
  readonly timeoutMs?: number;
}

/** In-cluster access from the pod's own ServiceAccount mount and the KUBERNETES_SERVICE_* variables. */
export function inClusterAccess(env: NodeJS.ProcessEnv = process.env): ApiServerAccess | undefined {
  const host = env['KUBERNETES_SERVICE_HOST'];
  const port = env['KUBERNETES_SERVICE_PORT'] ?? '443';
  if (host === undefined) return undefined;
  const dir = '/var/run/secrets/kubernetes.io/serviceaccount';
  return { url: `https://${host.includes(':') ? `[${host}]` : host}:${port}`, tokenFile: `${dir}/token`, caFile: `${dir}/ca.crt` };
}

/** PATCH the pod's labels (merge patch). Resolves with the outcome; never throws. */
export function labelPod(access: ApiServerAccess, namespace: string, pod: string, labels: Readonly<Record<string, string>> = { [QUARANTINE_LABEL]: 'true' }): Promise<ActionResult> {
  return new Promise((resolve) => {
    let token: string;
    let ca: Buffer;
    try {
      token = readFileSync(access.tokenFile, 'utf8').trim();
      ca = readFileSync(access.caFile);
    } catch (e) {
      resolve({ action: 'label', ok: false, detail: `cannot read the ServiceAccount token or CA: ${e instanceof Error ? e.message : String(e)}` });
      return;
    }
    const body = JSON.stringify({ metadata: { labels } });
    const u = new URL(`/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}`, access.url);
    const req = request(
      u,
      { method: 'PATCH', ca, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/merge-patch+json', 'content-length': Buffer.byteLength(body) }, timeout: access.timeoutMs ?? 5000 },
      (res) => {
        res.resume();
        res.on('end', () => {
          const ok = res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300;
          resolve({ action: 'label', ok, detail: `PATCH pod ${namespace}/${pod}: HTTP ${res.statusCode ?? 0}` });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ action: 'label', ok: false, detail: `PATCH pod ${namespace}/${pod}: ${e.message}` }));
    req.end(body);
  });
}

/** Which actions a finding calls for under the policy. */
export function actionsFor(f: Finding, ev: RuntimeEvent, p: ResponsePolicy): { kill: boolean; label: boolean } {
  if (f.suppressed !== undefined || !f.ruleId.startsWith('runtime/')) return { kill: false, label: false };
  if (p.rules.length > 0 && !p.rules.includes(f.ruleId)) return { kill: false, label: false };
  const c = ev.process.container;
  return { kill: atLeast(f.severity, p.killAt), label: atLeast(f.severity, p.labelAt) && c?.pod !== undefined && c.namespace !== undefined };
}
