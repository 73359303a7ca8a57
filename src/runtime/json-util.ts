/** Small helpers for reading untrusted JSON values (events from Falco, Tetragon, files). */
export type Obj = Readonly<Record<string, unknown>>;

export function obj(v: unknown): Obj | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined;
}
export function arr(v: unknown): readonly unknown[] {
  return Array.isArray(v) ? v : [];
}
/** A non-empty string, with Falco's `<NA>` treated as absent. */
export function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' && v !== '<NA>' ? v : undefined;
}
/** An integer from a number, a numeric string, or a protobuf wrapper `{ "value": n }`. */
export function int(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  const o = obj(v);
  if (o !== undefined && 'value' in o) return int(o['value']);
  return undefined;
}

/**
 * Split a command line the way a shell would for plain words and quotes ("a b", 'a b', \x); no
 * expansion. Used for Tetragon's `arguments` and Falco's `proc.cmdline`, which join argv with spaces.
 */
export function splitArgs(s: string, max = 256): string[] {
  const out: string[] = [];
  let cur = '';
  let has = false;
  let q: '"' | "'" | undefined;
  for (let i = 0; i < s.length && out.length < max; i++) {
    const c = s[i] as string;
    if (q !== undefined) {
      if (c === q) q = undefined;
      else if (c === '\\' && q === '"' && i + 1 < s.length && (s[i + 1] === '"' || s[i + 1] === '\\')) cur += s[++i];
      else cur += c;
      continue;
    }
    if (c === '"' || c === "'") {
      q = c;
      has = true;
    } else if (c === '\\' && i + 1 < s.length) {
      cur += s[++i];
      has = true;
    } else if (c === ' ' || c === '\t' || c === '\n') {
      if (has) out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += c;
      has = true;
    }
  }
  if (has && out.length < max) out.push(cur);
  return out;
}

/** An RFC 3339 time from an ISO string or nanoseconds since the epoch; `fallback` otherwise. */
export function timeOf(v: unknown, fallback: string): string {
  if (typeof v === 'string' && !Number.isNaN(Date.parse(v))) return v;
  if (typeof v === 'number' && Number.isFinite(v)) {
    const ms = v > 1e15 ? v / 1e6 : v > 1e12 ? v : v * 1000;
    const d = new Date(ms);
    if (!Number.isNaN(d.getTime())) return d.toISOString();
  }
  return fallback;
}
