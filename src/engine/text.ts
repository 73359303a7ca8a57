import { decodeManifestBytes } from '../k8s-manifests/index.js';
import type { ByteSource } from '../limits/index.js';

/** A byte-order mark of UTF-16 or UTF-32 (whose text has NUL bytes) at the start of `head`. */
function wideBom(head: Uint8Array): boolean {
  const [a, b, c, d] = [head[0], head[1], head[2], head[3]];
  return (a === 0xff && b === 0xfe) || (a === 0xfe && b === 0xff) || (a === 0 && b === 0 && c === 0xfe && d === 0xff);
}

/**
 * Decode a whole (small) source as text the way kubectl reads a file: UTF-8 (a BOM is dropped) without
 * NUL characters, or UTF-16/UTF-32 announced by a byte-order mark (Kubernetes' YAML decoder reads them,
 * so a manifest must not become "not a recognised format" because of its encoding). Undefined when the
 * bytes are not text. One decoder for every text analyser: `decodeManifestBytes`.
 */
export function decodeText(head: Uint8Array, source: ByteSource): string | undefined {
  if (head.length === 0) return undefined;
  if (!wideBom(head) && head.includes(0)) return undefined; // binary: no need to read the rest
  return decodeManifestBytes(source.read(0, source.size))?.text;
}
