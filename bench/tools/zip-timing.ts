/**
 * Timing script (not a test): builds PyTorch-like checkpoints and times scanModelSource on them.
 *   npm run build
 *   node dist/bench/tools/zip-timing.js build          writes /tmp/bulwark-{200k,1g}.pt
 *   node dist/bench/tools/zip-timing.js scan FILE      times one scan (fresh process: RSS is the scan's)
 *   node dist/bench/tools/zip-timing.js cat FILE       times reading FILE once
 *   node dist/bench/tools/zip-timing.js calibrate      a machine-speed reference
 * Cases: 200,000 tiny tensors (central directory and local-header heavy), and ~1 GiB in 2,000
 * tensors (compared with reading the file once, as `cat` does).
 */
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { FileSource, ReadBudget, resolveLimits } from '../../src/limits/index.js';
import { Reporter } from '../../src/rules/index.js';
import { scanModelSource } from '../../src/model-scanners/index.js';
import { torchStateDict } from '../../test-fixtures/pickle-builder.js';
import type { ZipEntrySpec } from '../../test-fixtures/zip-builder.js';
import { buildZip, torchZipEntries } from '../../test-fixtures/zip-builder.js';

const dir = process.env.BULWARK_TIMING_DIR ?? '/tmp';

/** Wall time and CPU time (user + system: less sensitive to other load on the machine). */
function time<T>(label: string, fn: () => T): T {
  const t = process.hrtime.bigint();
  const c = process.cpuUsage();
  const r = fn();
  const cpu = process.cpuUsage(c);
  console.log(`${label}: wall ${(Number(process.hrtime.bigint() - t) / 1e6).toFixed(1)} ms, cpu ${((cpu.user + cpu.system) / 1e3).toFixed(1)} ms`);
  return r;
}

function scanFile(path: string): void {
  const budget = new ReadBudget(resolveLimits().maxReadBytes);
  const src = new FileSource(path, budget);
  try {
    const reporter = new Reporter({ maxPerTarget: resolveLimits().maxFindingsPerTarget, maxPerRule: resolveLimits().maxFindingsPerRule });
    const r = time(`scan ${path}`, () => scanModelSource(src, path, { strict: false, policy: 'default' }, resolveLimits(), reporter));
    const findings = reporter.finish();
    console.log(`  format=${r?.format} status=${r?.status} findings=${findings.length} bytesRead=${budget.bytesRead} size=${src.size}`);
    for (const f of findings.slice(0, 3)) console.log(`  ${f.ruleId}: ${f.message.slice(0, 160)}`);
  } finally {
    src.close();
  }
}

function catFile(path: string): void {
  time(`read ${path} once (cat)`, () => {
    const fd = openSync(path, 'r');
    const buf = Buffer.allocUnsafe(1 << 20);
    while (readSync(fd, buf, 0, buf.length, null) > 0);
    closeSync(fd);
  });
}

function writeFile(path: string, bytes: Uint8Array): void {
  const fd = openSync(path, 'w');
  writeSync(fd, bytes);
  closeSync(fd);
}

const [mode = 'all', arg] = process.argv.slice(2);
if (mode === 'build' || mode === 'all') {
  // 200,000 tensors of 16 floats.
  const n = 200_000;
  const t = new Uint8Array(64);
  const storages: Record<string, Uint8Array> = {};
  for (let i = 0; i < n; i++) storages[String(i)] = t;
  const small = time('build 200k', () => buildZip({ entries: torchZipEntries({ dataPkl: torchStateDict(n), storages }) }));
  writeFile(join(dir, 'bulwark-200k.pt'), small);
  console.log(`200k checkpoint: ${(small.length / 1e6).toFixed(1)} MB`);
  // ~1 GiB in 2,000 tensors of 512 KiB.
  const m = 2000;
  const tensor = new Uint8Array(512 * 1024).fill(0x3c);
  const entries: ZipEntrySpec[] = torchZipEntries({ dataPkl: torchStateDict(m), storages: Object.fromEntries(Array.from({ length: m }, (_, i) => [String(i), tensor])) });
  const big = time('build 1G', () => buildZip({ entries }));
  writeFile(join(dir, 'bulwark-1g.pt'), big);
  console.log(`1G checkpoint: ${(big.length / 1e9).toFixed(2)} GB`);
}
if (mode === 'calibrate') {
  // Machine-speed reference for comparing runs on loaded machines (~10 ms on an idle laptop core).
  time('calibration: Map of 200k numeric keys', () => {
    const m = new Map<number, number>();
    for (let i = 0; i < 200_000; i++) m.set(i * 7919, i);
    return m.size;
  });
}
if (mode === 'scan' && arg) {
  scanFile(arg);
  console.log(`  maxRSS=${(process.resourceUsage().maxRSS / 1e3).toFixed(0)} MB`);
}
if (mode === 'cat' && arg) catFile(arg);
