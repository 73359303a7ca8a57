/**
 * Parsers for /proc/net/{tcp,tcp6,udp,udp6,unix}: socket inode → endpoints and state. Addresses in the
 * IPv4 tables are one little-endian 32-bit word; in the IPv6 tables four of them (each little-endian).
 * IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`) are reported as IPv4.
 */
import type { Endpoint, SocketProtocol, SocketView } from './model.js';

const TCP_STATES: readonly string[] = ['', 'ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'FIN_WAIT1', 'FIN_WAIT2', 'TIME_WAIT', 'CLOSE', 'CLOSE_WAIT', 'LAST_ACK', 'LISTEN', 'CLOSING', 'NEW_SYN_RECV'];

function hexByte(s: string, i: number): number {
  return parseInt(s.slice(i, i + 2), 16);
}

/** `0100007F` → `127.0.0.1` (a little-endian word). */
export function ipv4FromHex(h: string): string {
  return `${hexByte(h, 6)}.${hexByte(h, 4)}.${hexByte(h, 2)}.${hexByte(h, 0)}`;
}

/** 32 hex digits (four little-endian words) → compressed IPv6 text; IPv4-mapped → dotted IPv4. */
export function ipv6FromHex(h: string): string {
  const bytes: number[] = [];
  for (let w = 0; w < 4; w++) {
    const word = h.slice(w * 8, w * 8 + 8);
    for (let b = 3; b >= 0; b--) bytes.push(hexByte(word, b * 2));
  }
  const isMapped = bytes.slice(0, 10).every((x) => x === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (isMapped) return `${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] as number) << 8) | (bytes[i + 1] as number));
  // Longest run of zero groups → "::".
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i > 1) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

function endpoint(text: string, v6: boolean): Endpoint | undefined {
  const i = text.indexOf(':');
  if (i < 0) return undefined;
  const addr = text.slice(0, i);
  const port = parseInt(text.slice(i + 1), 16);
  if ((v6 ? addr.length !== 32 : addr.length !== 8) || !/^[0-9A-Fa-f]+$/.test(addr) || !Number.isInteger(port)) return undefined;
  return { address: v6 ? ipv6FromHex(addr) : ipv4FromHex(addr), port };
}

/** Parse one tcp/tcp6/udp/udp6 table into `inode → socket`. */
export function parseInetTable(text: string, protocol: Exclude<SocketProtocol, 'unix'>, into: Map<number, SocketView> = new Map()): Map<number, SocketView> {
  const v6 = protocol.endsWith('6');
  const tcp = protocol.startsWith('tcp');
  let start = text.indexOf('\n') + 1; // header line
  while (start > 0 && start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end).trim();
    start = end + 1;
    if (line === '') continue;
    const f = line.split(/\s+/);
    // sl local rem st tx:rx tr:when retrnsmt uid timeout inode
    const local = endpoint(f[1] ?? '', v6);
    const remote = endpoint(f[2] ?? '', v6);
    const st = parseInt(f[3] ?? '', 16);
    const inode = Number(f[9]);
    if (local === undefined || remote === undefined || !Number.isInteger(inode) || inode === 0) continue;
    const unconnected = remote.port === 0 && (remote.address === '0.0.0.0' || remote.address === '::');
    into.set(inode, {
      protocol,
      inode,
      local,
      ...(!unconnected && { remote }),
      ...(tcp && { state: TCP_STATES[st] ?? String(st) }),
    });
  }
  return into;
}

/** Parse /proc/net/unix into `inode → socket` (path when bound). */
export function parseUnixTable(text: string, into: Map<number, SocketView> = new Map()): Map<number, SocketView> {
  let start = text.indexOf('\n') + 1;
  while (start > 0 && start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end);
    start = end + 1;
    // Num RefCount Protocol Flags Type St Inode Path
    const f = line.trim().split(/\s+/);
    const inode = Number(f[6]);
    if (!Number.isInteger(inode) || inode === 0) continue;
    const path = f.length > 7 ? f.slice(7).join(' ') : undefined;
    into.set(inode, { protocol: 'unix', inode, ...(path !== undefined && { path }) });
  }
  return into;
}

/** Whether a socket is an outbound connection (not a listener, not an accepted connection of a listener). */
export function isOutbound(s: SocketView, listeningPorts: ReadonlySet<number>): boolean {
  if (s.remote === undefined || s.local === undefined) return false;
  if (s.protocol === 'tcp' || s.protocol === 'tcp6') {
    if (s.state !== 'ESTABLISHED' && s.state !== 'SYN_SENT') return false;
    return !listeningPorts.has(s.local.port);
  }
  return s.protocol === 'udp' || s.protocol === 'udp6';
}
