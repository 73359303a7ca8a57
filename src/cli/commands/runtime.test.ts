/**
 * `bulwark runtime watch` end to end, against the built CLI: replaying the Falco and Tetragon samples
 * prints the expected findings as NDJSON on stdout; Falco's `http_output` posting to `POST /falco` on
 * real HTTPS on loopback yields a finding and metrics; the /proc sensor of the CLI catches a dropped
 * binary started by the test. Skipped when the CLI is not built.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { httpsRequest, makeCert, tempDir } from '../../../test-fixtures/admission/tls.js';
import { dropAndExecute, kill, workDir } from '../../../test-fixtures/runtime/workloads.js';

const ROOT = join(import.meta.dirname, '../../..');
const CLI = join(ROOT, 'dist/bulwark.mjs');
const FX = join(ROOT, 'test-fixtures/runtime');
const built = existsSync(CLI);
const running: ChildProcess[] = [];
afterAll(() => {
  for (const c of running) kill(c);
});

function lines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

function ndjsonOf(dir: string): string {
  return readdirSync(join(FX, dir))
    .sort()
    .map((f) => readFileSync(join(FX, dir, f), 'utf8'))
    .map((t) => (t.trimStart().startsWith('{\n') ? JSON.stringify(JSON.parse(t)) : t.trim()))
    .join('\n');
}

describe.runIf(built)('bulwark runtime watch', () => {
  it('replays the Falco and Tetragon samples into the expected findings', () => {
    const dir = tempDir('bulwark-rt-cli-');
    writeFileSync(join(dir, 'falco.ndjson'), `${ndjsonOf('falco')}\n`);
    writeFileSync(join(dir, 'tetragon.ndjson'), `${ndjsonOf('tetragon')}\n`);
    const r = spawnSync(process.execPath, [CLI, 'runtime', 'watch', '--no-follow', '--log-level', 'warn', '--falco-file', join(dir, 'falco.ndjson'), '--tetragon-file', join(dir, 'tetragon.ndjson'), '--pods-file', join(FX, 'pods/kubelet-pods.json')], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status, r.stderr).toBe(0);
    const found = lines(r.stdout);
    const by = (src: string): string[] => found.filter((f) => f['source'] === src).map((f) => f['ruleId'] as string).sort();
    expect(by('falco')).toEqual(['runtime/drop-and-execute', 'runtime/drop-and-execute', 'runtime/mining-pool-connection', 'runtime/reverse-shell', 'runtime/sa-token-read']);
    expect(by('tetragon')).toEqual(['runtime/drop-and-execute', 'runtime/mining-pool-connection', 'runtime/sa-token-read']);
    for (const f of found) expect(f['location']).toMatchObject({ kind: 'process' });
  });

  it('a recorded nvidia-smi list with the pod list (no /proc: pids unknown, nothing to judge)', () => {
    const r = spawnSync(process.execPath, [CLI, 'runtime', 'watch', '--no-follow', '--log-level', 'warn', '--gpu-processes', join(FX, 'nvidia-smi/l40s-triton.csv'), '--pods-file', join(FX, 'pods/kubelet-pods.json')], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
  });

  it('rejects bad flags with exit 2 and one line', () => {
    const r = spawnSync(process.execPath, [CLI, 'runtime', 'watch', '--no-proc', '--kill-at', 'severe'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^bulwark: --kill-at must be one of/);
    const l = spawnSync(process.execPath, [CLI, 'runtime', 'watch', '--no-proc', '--listen', '0'], { encoding: 'utf8' });
    expect(l.status).toBe(2);
    expect(l.stderr).toContain('--listen needs --tls-cert and --tls-key');
  });

  it("receives Falco's http_output on POST /falco over HTTPS, and exports metrics", async () => {
    const cert = makeCert(tempDir('bulwark-rt-tls-'));
    const child = spawn(process.execPath, [CLI, 'runtime', 'watch', '--no-proc', '--listen', '0', '--host', '127.0.0.1', '--tls-cert', cert.certFile, '--tls-key', cert.keyFile, '--log-level', 'info'], { stdio: ['ignore', 'pipe', 'pipe'] });
    running.push(child);
    let out = '';
    let err = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    const port = await new Promise<number>((resolve, reject) => {
      child.stderr?.on('data', (d: Buffer) => {
        err += d.toString();
        const m = /"event":"listening","port":(\d+)/.exec(err);
        if (m?.[1] !== undefined) resolve(Number(m[1]));
      });
      child.once('exit', (c) => reject(new Error(`exited ${c}: ${err}`)));
    });
    const alert = readFileSync(join(FX, 'falco/derived-miner-pool-connect.json'), 'utf8');
    const res = await httpsRequest(port, cert.cert, { path: '/falco', body: alert });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ accepted: 1 });
    expect((await httpsRequest(port, cert.cert, { path: '/falco', body: '{"not":"falco"}' })).status).toBe(400);
    for (let i = 0; i < 50 && !out.includes('\n'); i++) await new Promise((r) => setTimeout(r, 20));
    const [f] = lines(out);
    expect(f).toMatchObject({ ruleId: 'runtime/mining-pool-connection', severity: 'critical', source: 'falco' });
    const m = await httpsRequest(port, cert.cert, { path: '/metrics' });
    expect(m.body).toMatch(/bulwark_runtime_events_received_total\{source="falco"\} 1/);
    expect(m.body).toMatch(/bulwark_runtime_events_malformed_total\{source="falco"\} 1/);
    expect(m.body).toMatch(/bulwark_runtime_findings_total\{rule="runtime\/mining-pool-connection"\} 1/);
    expect(m.body).toMatch(/bulwark_runtime_events_dropped_total 0/);
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    expect(code).toBe(0);
  });

  it.runIf(process.platform === 'linux')('the /proc sensor of the CLI catches a dropped binary within 2 s', async () => {
    const child = spawn(process.execPath, [CLI, 'runtime', 'watch', '--interval', '500ms', '--duration', '8s', '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
    running.push(child);
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise((r) => setTimeout(r, 1500));
    const t0 = Date.now();
    const payload = dropAndExecute(workDir());
    running.push(payload);
    let hit: Record<string, unknown> | undefined;
    while (hit === undefined && Date.now() - t0 < 2000) {
      await new Promise((r) => setTimeout(r, 50));
      hit = lines(out.slice(0, out.lastIndexOf('\n') + 1)).find((f) => f['ruleId'] === 'runtime/drop-and-execute' && (f['location'] as { pid?: number }).pid === payload.pid);
    }
    expect(hit, out).toBeDefined();
    expect(hit?.['evidence']).toMatch(/^chain: payload\(\d+\) < node\(\d+\)/);
    kill(payload);
    child.kill('SIGTERM');
    expect(await new Promise<number | null>((r) => child.once('exit', r))).toBe(0);
  });
});
