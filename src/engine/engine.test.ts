/**
 * Engine behaviour that needs a failure injected: an analyser that throws costs only its own target,
 * which gets a high `scan/internal-error` finding and a `partial` status; the other targets are still
 * scanned.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { pickle } from '../../test-fixtures/pickle-builder.js';
import type * as ModelScanners from '../model-scanners/index.js';
import { scan } from './engine.js';
import { scanOptions } from './options.js';

vi.mock('../model-scanners/index.js', async (importOriginal) => {
  const real = await importOriginal<typeof ModelScanners>();
  return {
    ...real,
    scanModelSource: (...args: Parameters<typeof real.scanModelSource>) => {
      const [, path] = args;
      if (path.endsWith('boom.bin')) throw new Error('injected failure');
      return real.scanModelSource(...args);
    },
  };
});

const dir = mkdtempSync(join(tmpdir(), 'bulwark-engine-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('engine', () => {
  it('an analyser crash on one target is an internal-error finding, and the rest is still scanned', async () => {
    mkdirSync(join(dir, 'm'));
    // A pickle, so the model analyzer takes it (and the injected failure fires).
    writeFileSync(join(dir, 'm', 'boom.bin'), pickle((b) => b.proto(2).emptyDict().stop()));
    writeFileSync(join(dir, 'm', 'evil.pkl'), pickle((b) => b.proto(2).global('os', 'system').binUnicode('id').tuple1().reduce().stop()));
    const report = await scan({ paths: [join(dir, 'm')] }, scanOptions({ jobs: 1 }));
    const boom = report.findings.filter((f) => f.location.path.endsWith('boom.bin'));
    expect(boom.map((f) => [f.ruleId, f.severity])).toEqual([['scan/internal-error', 'high']]);
    expect(boom[0]?.message).toContain('injected failure');
    expect(report.targets.find((t) => t.path.endsWith('boom.bin'))?.status).toBe('partial');
    expect(report.findings.some((f) => f.ruleId === 'pickle/dangerous-call')).toBe(true);
  });

  it('reports are deterministic: same input, same findings in the same order', async () => {
    const a = await scan({ paths: [join(dir, 'm')] }, scanOptions({ jobs: 1 }));
    const b = await scan({ paths: [join(dir, 'm')] }, scanOptions({ jobs: 1 }));
    expect(b.findings).toEqual(a.findings);
  });
});
