/**
 * Micro-check (not a test): throughput of the pickle analyser on a PyTorch state-dict pickle of N
 * tensors (the shape torch.save writes: OrderedDict of _rebuild_tensor_v2 with persistent ids).
 *
 *   npm run build
 *   node dist/bench/tools/pickle-perf-check.js gen 200000 /tmp/sd.pkl
 *   node dist/bench/tools/pickle-perf-check.js scan /tmp/sd.pkl 3
 *
 * Generation and scan run in separate processes so that the builder's memory does not count in the
 * scan's peak RSS. The scan reads from the file, as the CLI does, and prints wall and CPU time,
 * opcodes per second and peak RSS.
 */
import { writeFileSync } from 'node:fs';
import { torchStateDict } from '../../test-fixtures/pickle-builder.js';
import { DEFAULT_LIMITS, FileSource } from '../../src/limits/index.js';
import { Reporter } from '../../src/rules/index.js';
import { ModelScanContext, TargetState } from '../../src/model-scanners/context.js';
import { scanPickle } from '../../src/model-scanners/pickle/scan.js';

function scanFile(file: string, runs: number): void {
  const rss0 = process.memoryUsage().rss;
  for (let i = 0; i < runs; i++) {
    const reporter = new Reporter({ maxPerTarget: DEFAULT_LIMITS.maxFindingsPerTarget, maxPerRule: DEFAULT_LIMITS.maxFindingsPerRule });
    const state = new TargetState(DEFAULT_LIMITS, reporter);
    const ctx = new ModelScanContext(file, undefined, 0, { strict: false, policy: 'default' }, state, () => 'pickle');
    const src = new FileSource(file);
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    const a = scanPickle(src, ctx);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const cpu = process.cpuUsage(c0);
    const cpuMs = (cpu.user + cpu.system) / 1e3;
    src.close();
    console.log(
      `scan ${i + 1}: ${ms.toFixed(0)} ms wall, ${cpuMs.toFixed(0)} ms CPU, ${(a.opcodes / ms / 1e3).toFixed(1)} M opcodes/s (${a.opcodes} opcodes, ${a.persistentIds.length} persistent ids), ` +
        `findings ${reporter.finish().length}, partial ${reporter.partialPaths().has(file)}, peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB (${(rss0 / 1e6).toFixed(0)} MB at start)`,
    );
  }
}

const [mode, a, b] = process.argv.slice(2);
if (mode === 'scan' && a !== undefined) {
  scanFile(a, Number(b ?? 1));
} else if (mode === 'gen' && a !== undefined && b !== undefined) {
  const n = Number(a);
  const t0 = Date.now();
  const bytes = torchStateDict(n);
  writeFileSync(b, bytes);
  console.log(`state dict of ${n} tensors: ${(bytes.length / 1e6).toFixed(1)} MB pickle written to ${b} (built in ${Date.now() - t0} ms)`);
} else {
  console.log('usage: perf-check.js gen N FILE | scan FILE [RUNS]');
}
