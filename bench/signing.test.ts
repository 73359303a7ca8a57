import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from './signing.js';

const tools = spawnSync('sha256sum', ['--version']).status === 0 && spawnSync('openssl', ['version']).status === 0;

describe.skipIf(!tools)('signing bench (tiny scale)', () => {
  it('measures the three datasets against both baselines, with matching digests', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bulwark-bench-'));
    try {
      const r = await run({ scale: 0.001, dir: join(dir, 'data'), quiet: true });
      expect(r.datasets.map((d) => d.files)).toEqual([1, 8, 100]);
      for (const d of r.datasets) {
        expect(d.measurements).toHaveLength(4);
        for (const m of d.measurements) expect(m.mibPerSecond).toBeGreaterThan(0);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
