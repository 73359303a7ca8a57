/**
 * Done-when, the other half: an ordinary workload raises nothing. With the /proc sensor running, a
 * Python HTTP server under load (400 requests, 4 at a time, on loopback), a compiler run (gcc) and a
 * pip install into a fresh venv (`--no-index` of a local wheel: this machine has no network, so the
 * download step is the only part left out) — and no finding may name any of their processes.
 *
 * The machine is shared (other sessions run tests); findings about processes that are not descendants
 * of this test are out of scope and only counted.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Agent, get } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from '../../test-fixtures/runtime/harness.js';
import { startHarness } from '../../test-fixtures/runtime/harness.js';
import { buildWheel, hasCompiler, kill, python, pythonWebServer, workDir } from '../../test-fixtures/runtime/workloads.js';

const py = python();
let h: Harness;
const children: ChildProcess[] = [];

function run(cmd: string, args: readonly string[], cwd: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, args, { cwd, stdio: 'ignore' });
    children.push(c);
    c.once('error', reject);
    c.once('exit', (code) => resolve(code ?? -1));
  });
}

/** Findings about this test's own descendants (their chain reaches this process). */
function ours(): string[] {
  return h.seen
    .filter((s) => s.ev.process.ppid === process.pid || s.ev.chain.some((c) => c.pid === process.pid))
    .map((s) => `${s.f.ruleId} ${s.f.message} [${s.f.evidence ?? ''}]`);
}

beforeAll(() => {
  // Keep this process in view so that its descendants' chains reach it.
  h = startHarness({ intervalMs: 500, selfPid: -1 });
});
afterAll(() => {
  h.stop();
  for (const c of children) kill(c);
});

describe.runIf(process.platform === 'linux')('control workload raises nothing', () => {
  it.runIf(py !== undefined)('a Python HTTP server under load', async () => {
    const dir = workDir('bulwark-ctl-');
    const web = await pythonWebServer(py as string, dir, false);
    children.push(web.child);
    const agent = new Agent({ keepAlive: true, maxSockets: 4 });
    let done = 0;
    const one = (): Promise<void> =>
      new Promise((resolve, reject) => get({ host: '127.0.0.1', port: web.port, path: '/', agent }, (res) => res.resume().on('end', () => resolve())).on('error', reject));
    const worker = async (): Promise<void> => {
      while (done < 400) {
        done++;
        await one();
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    agent.destroy();
    await new Promise((r) => setTimeout(r, 1200));
    kill(web.child);
    expect(done).toBeGreaterThanOrEqual(400);
    expect(ours()).toEqual([]);
  });

  it.runIf(hasCompiler())('a compiler run', async () => {
    const dir = workDir('bulwark-ctl-');
    writeFileSync(join(dir, 'main.c'), '#include <stdio.h>\nstatic int fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }\nint main(void) { printf("%d\\n", fib(20)); return 0; }\n');
    expect(await run('gcc', ['-O2', '-Wall', '-o', join(dir, 'main'), join(dir, 'main.c')], dir)).toBe(0);
    await new Promise((r) => setTimeout(r, 1200));
    expect(ours()).toEqual([]);
  });

  it.runIf(py !== undefined)('pip install into a venv (--no-index, local wheel)', async () => {
    const dir = workDir('bulwark-ctl-');
    const wheel = buildWheel(py as string, dir);
    expect(await run(py as string, ['-m', 'venv', join(dir, 'venv')], dir)).toBe(0);
    expect(await run(join(dir, 'venv/bin/pip'), ['install', '--no-index', '--disable-pip-version-check', '-q', wheel], dir)).toBe(0);
    await new Promise((r) => setTimeout(r, 1200));
    expect(ours()).toEqual([]);
    process.stdout.write(`control: ${h.seen.length} findings in total on this shared machine, ${ours().length} about the control workload\n`);
  }, 120_000);
});
