/** AtomicFile (cli/io.ts): streamed all-or-nothing writes, and several files committed together. */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AtomicFile } from './io.js';

const dir = mkdtempSync(join(tmpdir(), 'bulwark-atomic-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('AtomicFile', () => {
  it('appends asynchronously, patches earlier bytes, and appears only on commit', async () => {
    const d = join(dir, 'a');
    mkdirSync(d);
    const f = new AtomicFile(join(d, 'out.bin'));
    await Promise.all([f.append(Buffer.from('hello ')), f.append(Buffer.from('world'))]);
    f.writeAt(0, Buffer.from('J'));
    expect(readdirSync(d).filter((n) => n === 'out.bin')).toEqual([]);
    await f.settle();
    f.commit();
    expect(readFileSync(join(d, 'out.bin'), 'utf8')).toBe('Jello world');
    expect(readdirSync(d)).toEqual(['out.bin']);
  });

  it('abort leaves nothing behind', () => {
    const d = join(dir, 'b');
    mkdirSync(d);
    const f = new AtomicFile(join(d, 'out.bin'));
    f.write(Buffer.from('partial'));
    f.abort();
    expect(readdirSync(d)).toEqual([]);
  });

  it('commitAll: when one rename fails, none of the targets remain', () => {
    const d = join(dir, 'c');
    mkdirSync(d);
    mkdirSync(join(d, 'z-is-a-folder'));
    writeFileSync(join(d, 'z-is-a-folder', 'keep'), 'x'); // a non-empty folder: renaming a file over it fails
    const a = new AtomicFile(join(d, 'a.bin'));
    const z = new AtomicFile(join(d, 'z-is-a-folder'));
    a.write(Buffer.from('a'));
    z.write(Buffer.from('z'));
    expect(() => AtomicFile.commitAll([a, z])).toThrow(/cannot write/);
    expect(readdirSync(d)).toEqual(['z-is-a-folder']);
  });
});
