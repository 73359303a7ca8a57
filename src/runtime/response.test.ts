/**
 * Response actions (off by default): killing the process of a finding only while the pid still runs
 * the executable the event saw, and labelling the pod through the API server (a fake API server on
 * HTTPS on loopback checks the request).
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeCert, tempDir } from '../../test-fixtures/admission/tls.js';
import type { Finding } from '../findings/index.js';
import type { RuntimeEvent } from './index.js';
import { QUARANTINE_LABEL, actionsFor, killProcess, labelPod } from './index.js';

const ev = (pid: number, exe: string): RuntimeEvent => ({ kind: 'exec', time: 't', source: 'proc', path: 'proc', process: { pid, name: 'sleep', exe, args: ['sleep'], container: { pod: 'p', namespace: 'ns' } }, chain: [] });
const finding = (severity: Finding['severity']): Finding => ({ ruleId: 'runtime/crypto-miner', severity, message: 'm', location: { kind: 'process', path: 'proc' }, fingerprint: 'x' });

describe('response actions', () => {
  it('are off unless asked, and follow severity and rule filters', () => {
    expect(actionsFor(finding('critical'), ev(1, '/bin/sleep'), { rules: [] })).toEqual({ kill: false, label: false });
    expect(actionsFor(finding('critical'), ev(1, '/bin/sleep'), { killAt: 'critical', labelAt: 'high', rules: [] })).toEqual({ kill: true, label: true });
    expect(actionsFor(finding('medium'), ev(1, '/bin/sleep'), { killAt: 'critical', labelAt: 'high', rules: [] })).toEqual({ kill: false, label: false });
    expect(actionsFor(finding('critical'), ev(1, '/bin/sleep'), { killAt: 'critical', rules: ['runtime/reverse-shell'] })).toEqual({ kill: false, label: false });
  });

  it.runIf(process.platform === 'linux')('kill: only the process the event saw', async () => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 100));
    const pid = child.pid as number;
    expect(killProcess(ev(pid, '/usr/bin/python3')).ok).toBe(false);
    expect(killProcess(ev(1, '/sbin/init')).ok).toBe(false);
    expect(killProcess(ev(process.pid, process.execPath)).ok).toBe(false);
    const r = killProcess(ev(pid, '/usr/bin/sleep'));
    expect(r, r.detail).toMatchObject({ ok: true });
    const signal = await new Promise<NodeJS.Signals | null>((res) => child.once('exit', (_c, s) => res(s)));
    expect(signal).toBe('SIGKILL');
  });

  it('label: PATCHes the pod with the quarantine label, authenticated with the ServiceAccount token', async () => {
    const dir = tempDir('bulwark-rt-api-');
    const cert = makeCert(dir);
    writeFileSync(join(dir, 'token'), 'sa-token-123\n');
    const seen: { method: string | undefined; url: string | undefined; auth: string | undefined; type: string | undefined; body: string }[] = [];
    const api = createServer({ cert: cert.cert, key: cert.key }, (req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, auth: req.headers.authorization, type: req.headers['content-type'], body });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => api.listen(0, '127.0.0.1', () => r()));
    const port = (api.address() as { port: number }).port;
    try {
      const r = await labelPod({ url: `https://localhost:${port}`, tokenFile: join(dir, 'token'), caFile: cert.certFile }, 'ml', 'trainer-0');
      expect(r).toMatchObject({ ok: true, action: 'label' });
      expect(seen).toEqual([{ method: 'PATCH', url: '/api/v1/namespaces/ml/pods/trainer-0', auth: 'Bearer sa-token-123', type: 'application/merge-patch+json', body: JSON.stringify({ metadata: { labels: { [QUARANTINE_LABEL]: 'true' } } }) }]);
      const bad = await labelPod({ url: `https://localhost:${port}`, tokenFile: join(dir, 'missing'), caFile: cert.certFile }, 'ml', 'x');
      expect(bad.ok).toBe(false);
    } finally {
      api.close();
    }
  });
});
