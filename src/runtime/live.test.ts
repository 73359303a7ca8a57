/**
 * Done-when, on this machine with real processes on loopback: a stand-in miner (named and argued like
 * XMRig, speaking Stratum to 127.0.0.1:3333), `bash -i` with its stdio on a TCP connection, a Python
 * HTTP server that spawns `sh`, a binary copied to /tmp, executed and deleted, and a memfd exec — each
 * detected by the /proc sensor within 2 s, with the process chain in the evidence.
 */
import { get } from 'node:http';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from '../../test-fixtures/runtime/harness.js';
import { startHarness } from '../../test-fixtures/runtime/harness.js';
import { buildFakeMiner, dropAndExecute, hasCompiler, kill, memfdExec, python, pythonWebServer, reverseShell, startMiner, stratumPool, workDir } from '../../test-fixtures/runtime/workloads.js';

const INTERVAL_MS = 500;
const DEADLINE_MS = 2000;
const py = python();
const linux = process.platform === 'linux';
let h: Harness;
const children: ChildProcess[] = [];
const latencies: Record<string, number> = {};

beforeAll(() => {
  h = startHarness({ intervalMs: INTERVAL_MS });
});
afterAll(() => {
  h.stop();
  for (const c of children) kill(c);
  process.stdout.write(`runtime detection latencies (ms, ${INTERVAL_MS} ms interval): ${JSON.stringify(latencies)}\n`);
});

describe.runIf(linux)('the /proc sensor detects, within 2 s', () => {
  it.runIf(hasCompiler())('a miner named and argued like xmrig, speaking Stratum to 127.0.0.1:3333', async () => {
    const dir = workDir();
    const bin = buildFakeMiner(dir);
    const pool = await stratumPool();
    try {
      const t0 = Date.now();
      const miner = startMiner(bin, pool);
      children.push(miner);
      const hit = await h.waitFor((s) => s.f.ruleId === 'runtime/crypto-miner' && s.ev.process.pid === miner.pid, DEADLINE_MS);
      expect(hit, 'runtime/crypto-miner').toBeDefined();
      latencies['crypto-miner'] = (hit?.at ?? 0) - t0;
      expect(hit?.f.evidence).toMatch(/stratum URL stratum\+tcp:\/\/127\.0\.0\.\d:3333/);
      expect(hit?.f.evidence).toContain('miner flag --donate-level');
      expect(hit?.f.evidence).toMatch(/^chain: xmrig\(\d+\) < node\(\d+\)/);
      const conn = await h.waitFor((s) => s.f.ruleId === 'runtime/mining-pool-connection' && s.ev.process.pid === miner.pid, DEADLINE_MS);
      expect(conn, 'runtime/mining-pool-connection').toBeDefined();
      latencies['mining-pool-connection'] = (conn?.at ?? 0) - t0;
      expect(conn?.f.severity).toBe('critical');
      expect(conn?.f.location).toMatchObject({ kind: 'process', pid: miner.pid, exe: bin });
      for (let i = 0; i < 50 && !pool.received.some((l) => l.includes('"method":"login"')); i++) await new Promise((r) => setTimeout(r, 20));
      expect(pool.received.some((l) => l.includes('"method":"login"')), 'the stand-in spoke Stratum').toBe(true);
      for (const k of ['crypto-miner', 'mining-pool-connection']) expect(latencies[k]).toBeLessThanOrEqual(DEADLINE_MS);
    } finally {
      pool.server.close();
    }
  });

  it('bash -i with its stdio on a TCP connection to a local listener', async () => {
    const t0 = Date.now();
    const rs = await reverseShell();
    children.push(rs.child);
    try {
      const hit = await h.waitFor((s) => s.f.ruleId === 'runtime/reverse-shell' && s.ev.process.pid === rs.child.pid && s.f.severity === 'critical', DEADLINE_MS);
      expect(hit, 'runtime/reverse-shell').toBeDefined();
      latencies['reverse-shell'] = (hit?.at ?? 0) - t0;
      expect(hit?.f.message).toContain('stdin and stdout on a network socket');
      expect(hit?.f.evidence).toMatch(/^chain: bash\(\d+\) < node\(\d+\)/);
      expect(hit?.f.evidence).toMatch(/→ tcp 127\.0\.0\.1:\d+/);
      expect(latencies['reverse-shell']).toBeLessThanOrEqual(DEADLINE_MS);
    } finally {
      kill(rs.child);
      rs.client.destroy();
      rs.listener.close();
    }
  });

  it.runIf(py !== undefined)('a Python HTTP server that spawns sh', async () => {
    const dir = workDir();
    const web = await pythonWebServer(py as string, dir);
    children.push(web.child);
    try {
      // Let the sensor see the server (and its listening socket) before the request, as it would in a pod.
      await new Promise((r) => setTimeout(r, INTERVAL_MS * 2));
      const t0 = Date.now();
      await new Promise<void>((resolve, reject) => get({ host: '127.0.0.1', port: web.port, path: '/shell' }, (res) => res.resume().on('end', () => resolve())).on('error', reject));
      const hit = await h.waitFor((s) => s.f.ruleId === 'runtime/webshell' && s.ev.chain[0]?.pid === web.child.pid, DEADLINE_MS);
      expect(hit, 'runtime/webshell').toBeDefined();
      latencies['webshell'] = (hit?.at ?? 0) - t0;
      expect(hit?.ev.process.name).toMatch(/^(?:sh|dash|bash)$/);
      expect(hit?.f.evidence).toMatch(/^chain: (?:sh|dash|bash)\(\d+\) < python[\d.]*\(\d+\) < node\(\d+\)/);
      expect(hit?.f.evidence).toContain('(listening)');
      expect(latencies['webshell']).toBeLessThanOrEqual(DEADLINE_MS);
    } finally {
      kill(web.child);
    }
  });

  it('a binary copied to /tmp, executed, then deleted', async () => {
    const dir = workDir();
    const t0 = Date.now();
    const child = dropAndExecute(dir);
    children.push(child);
    const hit = await h.waitFor((s) => s.f.ruleId === 'runtime/drop-and-execute' && s.ev.process.pid === child.pid, DEADLINE_MS);
    expect(hit, 'runtime/drop-and-execute').toBeDefined();
    latencies['drop-and-execute'] = (hit?.at ?? 0) - t0;
    expect(hit?.f.evidence).toContain(`exe: ${dir}/payload`);
    expect(hit?.f.evidence).toMatch(/^chain: payload\(\d+\) < node\(\d+\)/);
    expect(latencies['drop-and-execute']).toBeLessThanOrEqual(DEADLINE_MS);
    // Once deleted, a rescan still knows the file is gone (the kernel's " (deleted)").
    await new Promise((r) => setTimeout(r, 200));
    kill(child);
  });

  it.runIf(py !== undefined)('a memfd exec (fileless)', async () => {
    const t0 = Date.now();
    const child = memfdExec(py as string);
    children.push(child);
    const hit = await h.waitFor((s) => s.f.ruleId === 'runtime/drop-and-execute' && s.ev.process.pid === child.pid && s.f.severity === 'critical', DEADLINE_MS);
    expect(hit, 'runtime/drop-and-execute (memfd)').toBeDefined();
    latencies['memfd-exec'] = (hit?.at ?? 0) - t0;
    expect(hit?.f.message).toContain('executed from memory (memfd)');
    expect(hit?.f.evidence).toContain('/memfd:payload');
    expect(latencies['memfd-exec']).toBeLessThanOrEqual(DEADLINE_MS);
    kill(child);
  });
});
