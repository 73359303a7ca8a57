/**
 * The /proc sensor and the runtime rules running in the test process, as the agent runs them: poll on
 * an interval, analyse every event, record every finding with the time it was made.
 */
import type { Finding } from '../../src/findings/index.js';
import type { RuntimeEvent } from '../../src/runtime/index.js';
import { DETECTION_DATA, NO_PODS, ProcSensor, RuntimeAnalyzer, compileData } from '../../src/runtime/index.js';

export interface Seen {
  readonly f: Finding;
  readonly ev: RuntimeEvent;
  readonly at: number;
}

export interface Harness {
  readonly seen: Seen[];
  readonly sensor: ProcSensor;
  stop(): void;
  /** Resolves with the first finding matching `pred` (or undefined after `ms`). */
  waitFor(pred: (s: Seen) => boolean, ms: number): Promise<Seen | undefined>;
}

export function startHarness(o: { intervalMs: number; selfPid?: number }): Harness {
  const seen: Seen[] = [];
  const sensor = new ProcSensor({ maxProcesses: 100_000, gpuDevicePrefixes: DETECTION_DATA.gpuDevices, ...(o.selfPid !== undefined && { selfPid: o.selfPid }) });
  const analyzer = new RuntimeAnalyzer({
    ctx: { data: compileData(DETECTION_DATA), pods: NO_PODS, apiServers: [] },
    onFinding: (f, ev) => seen.push({ f, ev, at: Date.now() }),
    rateLimit: { windowMs: 0, maxKeys: 1000 },
  });
  const tick = (): void => {
    for (const ev of sensor.poll()) analyzer.analyze(ev);
  };
  tick();
  const timer = setInterval(tick, o.intervalMs);
  return {
    seen,
    sensor,
    stop: () => clearInterval(timer),
    waitFor: async (pred, ms) => {
      const end = Date.now() + ms;
      for (;;) {
        const hit = seen.find(pred);
        if (hit !== undefined || Date.now() > end) return hit;
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}
