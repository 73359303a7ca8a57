import type { ByteSource } from '../limits/index.js';

/** Decode a whole (small) source as text: UTF-8 (BOM skipped), no NUL in the first block; else undefined. */
export function decodeText(head: Uint8Array, source: ByteSource): string | undefined {
  if (head.length === 0 || head.includes(0)) return undefined;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  try {
    // A UTF-8 sequence may be cut at the end of the probe: leave its last bytes out of the check.
    decoder.decode(head.length > 4 ? head.subarray(0, head.length - 4) : head);
  } catch {
    return undefined;
  }
  try {
    return decoder.decode(source.read(0, source.size)).replace(/^\uFEFF/, '');
  } catch {
    return undefined;
  }
}
