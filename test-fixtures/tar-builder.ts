/**
 * Tar builder for tests: ustar headers by default, with named tricks — GNU long names, pax
 * headers (path, size), links, bad checksums, data after the end-of-archive blocks, base-256 sizes.
 */
const enc = new TextEncoder();

export interface TarMemberSpec {
  readonly name: string;
  readonly data?: Uint8Array | string;
  /** Type flag: '0' regular (default), '1' hard link, '2' symlink, '5' directory, ... */
  readonly type?: string;
  readonly linkName?: string;
  /** Write the name through a GNU `L` long-name header (and a truncated name in the ustar header). */
  readonly gnuLongName?: boolean;
  /** pax extended header records written before the member. */
  readonly pax?: Readonly<Record<string, string>>;
  /** Corrupt the header checksum. */
  readonly badChecksum?: boolean;
  /** Size field override (the data written is still `data`). */
  readonly sizeField?: number;
  /** Write the size in GNU base-256. */
  readonly base256Size?: boolean;
  /** Omit the ustar magic (a v7 header). */
  readonly v7?: boolean;
  /** Permission bits (default 0644), e.g. 0o4755 for a setuid executable. */
  readonly mode?: number;
}

export interface TarSpec {
  readonly members: readonly TarMemberSpec[];
  /** Bytes after the two end-of-archive zero blocks. */
  readonly trailing?: Uint8Array;
  /** Leave out the end-of-archive blocks. */
  readonly noEnd?: boolean;
}

function bytesOf(d: Uint8Array | string | undefined): Uint8Array {
  return d === undefined ? new Uint8Array(0) : typeof d === 'string' ? enc.encode(d) : d;
}

function pad512(n: number): number {
  return Math.ceil(n / 512) * 512;
}

export function tarHeader(m: TarMemberSpec, size: number, nameOverride?: string, typeOverride?: string): Uint8Array {
  const h = new Uint8Array(512);
  const put = (s: string, at: number, len: number): void => {
    const b = enc.encode(s).subarray(0, len);
    h.set(b, at);
  };
  put(nameOverride ?? m.name, 0, 100);
  put(`${(m.mode ?? 0o644).toString(8).padStart(7, '0')}\0`, 100, 8);
  put('0000000\0', 108, 8);
  put('0000000\0', 116, 8);
  const sz = m.sizeField ?? size;
  if (m.base256Size) {
    h[124] = 0x80;
    let v = BigInt(sz);
    for (let i = 135; i > 124; i--) {
      h[i] = Number(v & 0xffn);
      v >>= 8n;
    }
  } else {
    put(`${sz.toString(8).padStart(11, '0')}\0`, 124, 12);
  }
  put('00000000000\0', 136, 12);
  h[156] = (typeOverride ?? m.type ?? '0').charCodeAt(0);
  put(m.linkName ?? '', 157, 100);
  if (!m.v7) {
    put('ustar\0', 257, 6);
    put('00', 263, 2);
  }
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : (h[i] ?? 0);
  if (m.badChecksum) sum += 1;
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  return h;
}

function paxRecords(rec: Readonly<Record<string, string>>): Uint8Array {
  let out = '';
  for (const [k, v] of Object.entries(rec)) {
    const body = ` ${k}=${v}\n`;
    let len = body.length + 1;
    while (String(len).length + body.length !== len) len = String(len).length + body.length;
    out += `${len}${body}`;
  }
  return enc.encode(out);
}

export function buildTar(spec: TarSpec): Uint8Array {
  const parts: Uint8Array[] = [];
  const add = (b: Uint8Array): void => {
    parts.push(b);
    const padding = pad512(b.length) - b.length;
    if (padding) parts.push(new Uint8Array(padding));
  };
  for (const m of spec.members) {
    const data = bytesOf(m.data);
    if (m.pax) {
      const r = paxRecords(m.pax);
      add(tarHeader({ name: 'PaxHeader' }, r.length, undefined, 'x'));
      add(r);
    }
    if (m.gnuLongName) {
      const n = enc.encode(`${m.name}\0`);
      add(tarHeader({ name: '././@LongLink' }, n.length, undefined, 'L'));
      add(n);
    }
    add(tarHeader(m, data.length, m.gnuLongName ? m.name.slice(0, 99) : undefined));
    if (data.length) add(data);
  }
  if (!spec.noEnd) parts.push(new Uint8Array(1024));
  if (spec.trailing) parts.push(spec.trailing);
  const total = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
