import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BufferSource, resolveLimits } from '../limits/index.js';
import type { Reporter } from '../rules/index.js';
import { EVIL_PICKLE, modelReporter } from '../../test-fixtures/model-scan-helpers.js';
import { decompressFor, inChild, scanRegion } from './containers.js';
import { ModelScanContext, TargetState } from './context.js';

function context(limits: Record<string, number> = {}): { ctx: ModelScanContext; state: TargetState; reporter: Reporter; nested: string[] } {
  const resolved = resolveLimits(limits);
  const reporter = modelReporter(resolved);
  const state = new TargetState(resolved, reporter);
  const nested: string[] = [];
  const ctx = new ModelScanContext('t.bin', undefined, 0, { strict: false, policy: 'default' }, state, (_src, c) => {
    nested.push(c.member ?? '');
    return 'pickle';
  });
  return { ctx, state, reporter, nested };
}

describe('decompressFor', () => {
  it('caps by maxDecompressedBytes and charges the target', () => {
    const { ctx, state } = context({ maxDecompressedBytes: 1000 });
    const r = decompressFor(ctx, 'deflate-raw', deflateRawSync(new Uint8Array(5000)));
    expect(r.error?.code).toBe('LIMIT_EXCEEDED');
    expect(r.data.length).toBeLessThanOrEqual(1000);
    expect(state.decompressed).toBe(r.data.length);
  });

  it('names maxTotalDecompressedBytes when the per-target budget is what binds', () => {
    const { ctx, state } = context({ maxDecompressedBytes: 10_000, maxTotalDecompressedBytes: 3000 });
    state.decompressed = 2500;
    const r = decompressFor(ctx, 'deflate-raw', deflateRawSync(new Uint8Array(5000)));
    expect((r.error as { limit?: string } | undefined)?.limit).toBe('maxTotalDecompressedBytes');
    expect(state.decompressed).toBeLessThanOrEqual(3000);
  });
});

describe('inChild', () => {
  it('reports instead of running beyond maxNestingDepth', () => {
    const { ctx, reporter } = context({ maxNestingDepth: 1 });
    let ran = 0;
    inChild(ctx, 'a', 'x', (c) => inChild(c, 'b', 'x', () => ran++));
    expect(ran).toBe(0);
    expect(reporter.partialPaths().has('t.bin')).toBe(true);
    expect(reporter.findings[0]?.evidence).toBe('maxNestingDepth');
  });

  it('turns a throw into a fail-closed finding on the member', () => {
    const { ctx, reporter } = context();
    inChild(ctx, 'm', 'work', () => {
      throw new Error('boom');
    });
    expect(reporter.findings.map((f) => f.ruleId)).toEqual(['scan/internal-error']);
    expect(reporter.findings[0]?.location).toEqual({ kind: 'archive-member', path: 't.bin', member: 'm' });
  });
});

describe('scanRegion', () => {
  it('scans a region only when it holds a recognisable format', () => {
    const { ctx, nested } = context();
    const bytes = new Uint8Array([...new TextEncoder().encode('plain text here '), ...EVIL_PICKLE]);
    expect(scanRegion(ctx, new BufferSource(bytes), 0, 16, '<text>')).toBeUndefined();
    expect(scanRegion(ctx, new BufferSource(bytes), 16, bytes.length, '<pickle>')).toBe('pickle');
    expect(nested).toEqual(['<pickle>']);
  });
});
