/**
 * Manifests in the encodings Kubernetes' YAML decoder reads: UTF-8 with or without a BOM, and UTF-16
 * and UTF-32 announced by a byte-order mark. The same findings at the same lines and columns whatever
 * the encoding; bytes that are not text stay "not a recognised format".
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BufferSource } from '../limits/index.js';
import { scan } from './engine.js';
import { scanOptions } from './options.js';
import { decodeText } from './text.js';

const POD = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  hostNetwork: true\n  containers:\n  - name: c\n    image: x@sha256:' + 'a'.repeat(64) + '\n    securityContext:\n      privileged: true\n';

function utf16(text: string, le: boolean): Uint8Array {
  const out = Buffer.alloc(2 + text.length * 2);
  out[0] = le ? 0xff : 0xfe;
  out[1] = le ? 0xfe : 0xff;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (le) out.writeUInt16LE(c, 2 + i * 2);
    else out.writeUInt16BE(c, 2 + i * 2);
  }
  return out;
}

function utf32(text: string, le: boolean): Uint8Array {
  const cps = Array.from(text, (ch) => ch.codePointAt(0) ?? 0);
  const out = Buffer.alloc(4 + cps.length * 4);
  if (le) out.writeUInt32LE(0xfeff, 0);
  else out.writeUInt32BE(0xfeff, 0);
  cps.forEach((cp, i) => (le ? out.writeUInt32LE(cp, 4 + i * 4) : out.writeUInt32BE(cp, 4 + i * 4)));
  return out;
}

const dir = mkdtempSync(join(tmpdir(), 'bulwark-enc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('text encodings', () => {
  const variants: [string, Uint8Array][] = [
    ['utf-8', Buffer.from(POD)],
    ['utf-8 with BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(POD)])],
    ['utf-16le', utf16(POD, true)],
    ['utf-16be', utf16(POD, false)],
    ['utf-32le', utf32(POD, true)],
    ['utf-32be', utf32(POD, false)],
  ];
  for (const [name, bytes] of variants) {
    it(`decodes ${name}`, () => {
      expect(decodeText(bytes.subarray(0, 4096), new BufferSource(bytes))).toBe(POD);
    });
  }
  it('scans a manifest in every encoding with the same findings at the same places', async () => {
    const results: string[][] = [];
    for (const [name, bytes] of variants) {
      const p = join(dir, `${name.replace(/\W+/g, '-')}.yaml`);
      writeFileSync(p, bytes);
      const r = await scan({ paths: [p] }, scanOptions({ jobs: 1 }));
      expect(r.targets[0]?.format, name).toBe('k8s-manifest');
      results.push(r.findings.map((f) => `${f.ruleId} ${f.location.kind === 'k8s-object' ? `${f.location.line}:${f.location.column}` : ''}`).sort());
    }
    expect(results[0]).toContain('k8s/pss-privileged 11:7');
    for (const r of results) expect(r).toEqual(results[0]);
  });
  it('is not fooled by binary data or broken encodings', () => {
    const pickleHead = Uint8Array.of(0x80, 0x02, 0x7d, 0x71, 0x00, 0x2e);
    expect(decodeText(pickleHead, new BufferSource(pickleHead))).toBeUndefined();
    const bad16 = Uint8Array.of(0xff, 0xfe, 0x00, 0xd8, 0x41, 0x00); // lone high surrogate
    expect(decodeText(bad16, new BufferSource(bad16))).toBeUndefined();
    const bad32 = Uint8Array.of(0xff, 0xfe, 0x00, 0x00, 0x00, 0x00, 0x11, 0x00); // past U+10FFFF
    expect(decodeText(bad32, new BufferSource(bad32))).toBeUndefined();
    const nul = Buffer.from('apiVersion: v1\0kind: Pod');
    expect(decodeText(nul, new BufferSource(nul))).toBeUndefined();
  });
});
