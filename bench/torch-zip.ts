/** A streaming writer of PyTorch zip checkpoints for the benchmarks (scanner, convert). */
import { closeSync, openSync, writeSync } from 'node:fs';
import { crc32 } from 'node:zlib';

interface Entry {
  name: string;
  offset: number;
  size: number;
  crc: number;
}

/**
 * Stream a zip laid out as `torch.save` writes it: stored members, names under `archive/`, data
 * 64-byte aligned through a padding extra field. By default tensor data is one block repeated, so its
 * CRC is computed once; `fill` rewrites the block before each tensor (distinct data, one CRC each).
 * (Streaming: a 1 GiB file is never held in memory.)
 */
export function writeTorchZip(path: string, dataPkl: Uint8Array, tensors: number, bytesPerTensor: number, fill?: (block: Uint8Array, index: number) => void): void {
  const fd = openSync(path, 'w');
  let pos = 0;
  const entries: Entry[] = [];
  const write = (b: Uint8Array): void => {
    let off = 0;
    while (off < b.length) off += writeSync(fd, b, off, b.length - off);
    pos += b.length;
  };
  const block = new Uint8Array(bytesPerTensor);
  for (let i = 0; i < block.length; i++) block[i] = (i * 2654435761) >>> 24;
  const blockCrc = crc32(block);
  const member = (name: string, data: Uint8Array | null, size: number, crc: number): void => {
    const nameBytes = Buffer.from(name, 'utf8');
    const headerEnd = pos + 30 + nameBytes.length + 4;
    const pad = (64 - (headerEnd % 64)) % 64;
    const h = Buffer.alloc(30 + nameBytes.length + 4 + pad);
    h.writeUInt32LE(0x04034b50, 0);
    h.writeUInt16LE(20, 4);
    h.writeUInt16LE(0x0800, 6);
    h.writeUInt16LE(0, 8);
    h.writeUInt32LE(crc >>> 0, 14);
    h.writeUInt32LE(size, 18);
    h.writeUInt32LE(size, 22);
    h.writeUInt16LE(nameBytes.length, 26);
    h.writeUInt16LE(4 + pad, 28);
    nameBytes.copy(h, 30);
    h.writeUInt16LE(0x4246, 30 + nameBytes.length); // "FB" padding extra, as PyTorch writes
    h.writeUInt16LE(pad, 32 + nameBytes.length);
    entries.push({ name, offset: pos, size, crc });
    write(h);
    if (data) write(data);
  };
  member('archive/data.pkl', dataPkl, dataPkl.length, crc32(dataPkl));
  member('archive/byteorder', Buffer.from('little'), 6, crc32(Buffer.from('little')));
  for (let i = 0; i < tensors; i++) {
    if (fill) fill(block, i);
    member(`archive/data/${i}`, block, block.length, fill ? crc32(block) : blockCrc);
  }
  member('archive/version', Buffer.from('3\n'), 2, crc32(Buffer.from('3\n')));
  const cdStart = pos;
  for (const e of entries) {
    const nameBytes = Buffer.from(e.name, 'utf8');
    const c = Buffer.alloc(46 + nameBytes.length);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(20, 4);
    c.writeUInt16LE(20, 6);
    c.writeUInt16LE(0x0800, 8);
    c.writeUInt32LE(e.crc >>> 0, 16);
    c.writeUInt32LE(e.size, 20);
    c.writeUInt32LE(e.size, 24);
    c.writeUInt16LE(nameBytes.length, 28);
    c.writeUInt32LE(e.offset, 42);
    nameBytes.copy(c, 46);
    write(c);
  }
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(Math.min(entries.length, 0xffff), 8);
  eocd.writeUInt16LE(Math.min(entries.length, 0xffff), 10);
  eocd.writeUInt32LE(pos - cdStart, 12);
  eocd.writeUInt32LE(cdStart, 16);
  write(eocd);
  closeSync(fd);
}
