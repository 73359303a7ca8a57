import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BufferSource } from '../../limits/index.js';
import { benignGguf, ggufFile } from '../../../test-fixtures/gguf-builder.js';
import { ruleIds, scanHarness } from '../../../test-fixtures/safetensors-builder.js';
import { isGguf, parseGguf, scanGguf } from './index.js';
import { DEFAULT_LIMITS } from '../../limits/index.js';

/** `depth` arrays nested in one another (raw GGUF v3 bytes after the value type), the innermost empty. */
function nestedArrays(depth: number): Uint8Array {
  const out = new Uint8Array(12 * depth);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < depth; i++) {
    dv.setUint32(i * 12, i === depth - 1 ? 4 : 9, true);
    dv.setBigUint64(i * 12 + 4, i === depth - 1 ? 0n : 1n, true);
  }
  return out;
}

function scan(bytes: Uint8Array, limits = {}) {
  const h = scanHarness('model.gguf', limits);
  const summary = scanGguf(new BufferSource(bytes), h.ctx);
  return { ...h, summary, ids: ruleIds(h.findings) };
}

describe('GGUF sniffer', () => {
  it('needs the magic and a known version in either byte order', () => {
    expect(isGguf(new BufferSource(benignGguf()))).toBe(true);
    expect(isGguf(new BufferSource(ggufFile({ bigEndian: true })))).toBe(true);
    expect(isGguf(new BufferSource(Uint8Array.from([0x47, 0x47, 0x55, 0x46, 9, 0, 0, 0])))).toBe(false);
    expect(isGguf(new BufferSource(new TextEncoder().encode('GGML....')))).toBe(false);
  });
});

describe('GGUF scanner', () => {
  it('passes the real file written by gguf-py (llama.cpp) clean', () => {
    const r = scan(readFileSync(new URL('../../../test-fixtures/real/tiny-chat.gguf', import.meta.url)));
    expect(r.findings).toEqual([]);
    expect(r.summary?.templates).toEqual(['tokenizer.chat_template']);
    expect(r.summary?.tensorCount).toBe(2);
  });

  it.each([1, 2, 3] as const)('reads version %i files, little- and big-endian', (version) => {
    for (const bigEndian of [false, true]) {
      const r = scan(benignGguf(undefined, { version, bigEndian }));
      expect(r.findings).toEqual([]);
      expect(r.summary?.littleEndian).toBe(!bigEndian);
    }
  });

  it('reports a chat template with a sandbox escape, at the template bytes', () => {
    const bytes = benignGguf("{{ cycler.__init__.__globals__.os.popen('id').read() }}");
    const r = scan(bytes);
    expect(r.ids).toEqual(['gguf/chat-template-injection']);
    expect(r.findings.map((f) => f.severity)).toContain('critical');
    const loc = r.findings.find((f) => f.evidence?.endsWith('__init__'))?.location;
    expect(loc?.kind).toBe('byte-range');
    if (loc?.kind === 'byte-range') expect(new TextDecoder().decode(bytes.subarray(loc.offset, loc.offset + 8))).toBe('__init__');
  });

  it('checks every template-valued key, including named templates', () => {
    const r = scan(
      ggufFile({
        kv: [
          ['tokenizer.chat_template', { type: 'string', value: '{{ messages }}' }],
          ['tokenizer.chat_template.tool_use', { type: 'string', value: "{{ ()|attr('__cla' ~ 'ss__') }}" }],
        ],
      }),
    );
    expect(r.summary?.templates).toEqual(['tokenizer.chat_template', 'tokenizer.chat_template.tool_use']);
    expect(r.findings[0]?.message).toContain('tokenizer.chat_template.tool_use');
  });

  it('reports duplicate keys (a second, hostile chat template) and duplicate tensor names', () => {
    const r = scan(
      ggufFile({
        kv: [
          ['tokenizer.chat_template', { type: 'string', value: '{{ messages }}' }],
          ['tokenizer.chat_template', { type: 'string', value: '{{ lipsum.__globals__ }}' }],
        ],
        tensors: [
          { name: 'w', dims: [8], type: 0 },
          { name: 'w', dims: [8], type: 0 },
        ],
      }),
    );
    expect(r.ids).toEqual(['gguf/chat-template-injection', 'gguf/duplicate-key']);
    expect(r.findings.filter((f) => f.ruleId === 'gguf/duplicate-key')).toHaveLength(2);
  });

  it.each([
    ['an unsupported version', Uint8Array.from([0x47, 0x47, 0x55, 0x46, 7, 0, 0, 0, 0, 0, 0, 0]), 'unsupported GGUF version'],
    ['counts that cannot fit', ggufFile({ kvCountOverride: 1000n }), 'cannot fit'],
    ['a truncated table', benignGguf(undefined, { truncateTo: 120 }), 'past the end'],
    ['an unknown value type', ggufFile({ kv: [['x', { type: 'raw', typeId: 77, bytes: new Uint8Array(8) }]] }), 'unknown value type'],
    ['a string length past the end', ggufFile({ kv: [['x', { type: 'raw', typeId: 8, bytes: Uint8Array.from([255, 255, 255, 255, 0, 0, 0, 0]) }]] }), 'runs past the end'],
    ['too many dimensions', ggufFile({ tensors: [{ name: 't', dims: [1, 1, 1, 1, 1], type: 0 }] }), 'dimensions'],
  ])('reports %s as malformed (target partial)', (_n, bytes, msg) => {
    const r = scan(bytes);
    expect(r.ids).toContain('gguf/malformed-header');
    expect(r.findings.map((f) => f.message).join('\n')).toContain(msg);
    expect(r.state.partial).toBe(true);
  });

  it('reports an alignment that is not a power of two', () => {
    const r = scan(ggufFile({ kv: [['general.alignment', { type: 'u32', value: 24 }]] }));
    expect(r.ids).toEqual(['gguf/malformed-header']);
  });

  it('reports unknown ggml tensor types without stopping', () => {
    const r = scan(ggufFile({ tensors: [{ name: 't', dims: [8], type: 250 }], dataLength: 64 }));
    expect(r.findings[0]?.severity).toBe('medium');
    expect(r.state.partial).toBe(false);
  });

  it('reports misaligned, overlapping and out-of-bounds tensor data', () => {
    const mis = scan(ggufFile({ tensors: [{ name: 't', dims: [8], type: 0, offset: 4n }], dataLength: 64 }));
    expect(mis.findings.map((f) => f.message).join()).toContain('not a multiple of the alignment');
    const over = scan(
      ggufFile({
        tensors: [
          { name: 'a', dims: [16], type: 0, offset: 0n },
          { name: 'b', dims: [16], type: 0, offset: 32n },
        ],
      }),
    );
    expect(over.findings.map((f) => f.message).join()).toContain('overlaps');
    const past = scan(ggufFile({ tensors: [{ name: 'a', dims: [1024], type: 0 }], dataLength: 64 }));
    expect(past.ids).toEqual(['gguf/tensor-data-layout']);
  });

  it('marks the target partial when a chat template exceeds maxTextBytes', () => {
    const r = scan(benignGguf('{{ x }}'.repeat(100)), { maxTextBytes: 64 });
    expect(r.ids).toEqual(['scan/limit-exceeded']);
    expect(r.state.partial).toBe(true);
  });

  it('never throws on arbitrary or mutated bytes (property)', () => {
    const base = benignGguf("{{ x|attr('y') }}");
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 }), fc.boolean(), (junk, at, byte, mutate) => {
        let bytes: Uint8Array;
        if (mutate) {
          bytes = base.slice();
          bytes[at] = byte;
        } else {
          bytes = new Uint8Array(8 + junk.length);
          bytes.set([0x47, 0x47, 0x55, 0x46, (byte % 3) + 1, 0, 0, 0]);
          bytes.set(junk, 8);
        }
        scan(bytes);
      }),
      { numRuns: 500 },
    );
  });

  it('names maxGgufEntries when a header declares more entries than the limit', () => {
    const r = scan(ggufFile({ kvCountOverride: 100n }), { maxGgufEntries: 10 });
    expect(r.ids).toEqual(['scan/limit-exceeded']);
    expect(r.findings[0]?.evidence).toBe('maxGgufEntries');
    expect(r.state.partial).toBe(true);
  });

  it('names maxGgufArrayNesting for arrays nested deeper than the limit', () => {
    const bytes = ggufFile({ kv: [['x', { type: 'raw', typeId: 9, bytes: nestedArrays(3) }]] });
    expect(scan(bytes).findings).toEqual([]);
    const r = scan(bytes, { maxGgufArrayNesting: 2 });
    expect(r.ids).toEqual(['scan/limit-exceeded']);
    expect(r.findings[0]?.evidence).toBe('maxGgufArrayNesting');
    expect(r.state.partial).toBe(true);
  });

  it('names maxTemplateTokens when a chat template has more tokens than the limit', () => {
    const r = scan(benignGguf('{{ messages }}'.repeat(20)), { maxTemplateTokens: 5 });
    expect(r.ids).toEqual(['scan/limit-exceeded']);
    expect(r.findings[0]?.evidence).toBe('maxTemplateTokens');
    expect(r.state.partial).toBe(true);
  });

  it('reports a template in an array of strings that exceeds maxTextBytes instead of skipping it', () => {
    const bytes = ggufFile({ kv: [['tokenizer.chat_templates', { type: 'array', itemType: 'string', value: ['{{ a }}', '{{ x }}'.repeat(50)] }]] });
    const r = scan(bytes, { maxTextBytes: 64 });
    expect(r.ids).toEqual(['scan/limit-exceeded']);
    expect(r.findings[0]?.evidence).toBe('maxTextBytes');
  });
});

describe('GGUF parser (structure, no judgement)', () => {
  it('returns the structure and its problems; the rules decide what is wrong with it', () => {
    const g = parseGguf(
      new BufferSource(
        ggufFile({
          kv: [
            ['general.alignment', { type: 'u32', value: 24 }],
            ['tokenizer.chat_template', { type: 'string', value: '{{ lipsum.__globals__ }}' }],
            ['tokenizer.chat_template', { type: 'string', value: '{{ x }}' }],
          ],
          tensors: [{ name: 't', dims: [8], type: 250 }],
          dataLength: 64,
        }),
      ),
      DEFAULT_LIMITS,
    );
    expect(g.problems).toEqual([]);
    expect(g.metadata.map((m) => m.key)).toEqual(['general.alignment', 'tokenizer.chat_template', 'tokenizer.chat_template']);
    expect(g.alignmentValues.map((a) => a.value)).toEqual([24]);
    expect(g.alignment).toBe(32);
    expect(g.templates.map((t) => [t.key, t.analysis.issues.length > 0])).toEqual([
      ['tokenizer.chat_template', true],
      ['tokenizer.chat_template', false],
    ]);
    expect(g.tensors.map((t) => [t.name, t.type, t.bytes])).toEqual([['t', 250, undefined]]);
    expect(g.data).toBeDefined();
  });

  it('stops at malformed structure and keeps what it read', () => {
    const g = parseGguf(new BufferSource(benignGguf(undefined, { truncateTo: 120 })), DEFAULT_LIMITS);
    expect(g.problems.map((p) => p.kind)).toEqual(['malformed']);
    expect(g.metadata.length).toBeGreaterThan(0);
    expect(g.data).toBeUndefined();
  });
});
