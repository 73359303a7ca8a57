/**
 * Plain-scalar resolution exactly as Kubernetes reads YAML: `sigs.k8s.io/yaml` converts YAML to JSON
 * through its fork of `gopkg.in/yaml.v2` (`resolve.go`), decoding into `interface{}`. That is "YAML 1.1
 * as implemented by yaml.v2", which differs from both the YAML 1.1 spec and the `yaml` package's
 * `yaml-1.1` schema in ways that matter to a security check:
 *
 * - booleans: `y Y yes Yes YES true True TRUE on On ON` and `n N no No NO false False FALSE off Off OFF`
 *   (so `privileged: yes` and `hostNetwork: on` are true);
 * - null: empty, `~`, `null`, `Null`, `NULL`;
 * - integers: Go `strconv.ParseInt(s, 0, 64)` after removing every `_` (so `0x1F`, `0o17`, `0b101`,
 *   legacy octal `0755`, `1_000`), then `ParseUint`, then floats;
 * - floats: only `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$` (so `1e3` is 1000, but `1:20`
 *   is the string "1:20" — yaml.v2 has no sexagesimal numbers, unlike the YAML 1.1 spec);
 * - `.inf`, `-.inf`, `.nan` spellings; a plain scalar starting with `.` is tried as a Go float;
 * - timestamps (`2024-01-02`) stay strings: yaml.v2 keeps them as strings when decoding into interface{}.
 *
 * Quoted and block scalars are always strings. The YAML AST is produced by the `yaml` package with the
 * `failsafe` schema (every scalar a string), and this module gives each plain scalar its Kubernetes type.
 */

const TRUE = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']);
const FALSE = new Set(['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']);
const NULL = new Set(['', '~', 'null', 'Null', 'NULL']);
const SPECIAL = new Map<string, number>([
  ['.nan', NaN],
  ['.NaN', NaN],
  ['.NAN', NaN],
  ['.inf', Infinity],
  ['.Inf', Infinity],
  ['.INF', Infinity],
  ['+.inf', Infinity],
  ['+.Inf', Infinity],
  ['+.INF', Infinity],
  ['-.inf', -Infinity],
  ['-.Inf', -Infinity],
  ['-.INF', -Infinity],
]);

const YAML_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
/** Go's ParseFloat syntax for the cases yaml.v2 reaches with a leading `.` (decimal only). */
const GO_FLOAT_DOT = /^\.[0-9]+([eE][-+]?[0-9]+)?$/;

/**
 * Go `strconv.ParseInt(s, 0, 64)` / `ParseUint(s, 0, 64)` for an underscore-free string: optional sign,
 * then `0x`/`0X` hex, `0o`/`0O` octal, `0b`/`0B` binary, `0`-prefixed octal, or decimal.
 * Returns undefined when Go would fail (syntax; range errors are ignored: JS numbers are floats anyway).
 */
function goParseInt(s: string): number | undefined {
  let i = 0;
  let neg = false;
  if (s[0] === '+' || s[0] === '-') {
    neg = s[0] === '-';
    i = 1;
  }
  const body = s.slice(i);
  if (body === '') return undefined;
  let digits: string;
  let radix: number;
  if (/^0[xX]/.test(body)) {
    digits = body.slice(2);
    radix = 16;
    if (!/^[0-9a-fA-F]+$/.test(digits)) return undefined;
  } else if (/^0[oO]/.test(body)) {
    digits = body.slice(2);
    radix = 8;
    if (!/^[0-7]+$/.test(digits)) return undefined;
  } else if (/^0[bB]/.test(body)) {
    digits = body.slice(2);
    radix = 2;
    if (!/^[01]+$/.test(digits)) return undefined;
  } else if (body.length > 1 && body[0] === '0') {
    digits = body.slice(1);
    radix = 8;
    if (!/^[0-7]+$/.test(digits)) return undefined;
  } else {
    digits = body;
    radix = 10;
    if (!/^[0-9]+$/.test(digits)) return undefined;
  }
  // Go rejects values outside int64/uint64; beyond 2^64 we fall through to the float path like Go.
  if (digits.length > 64) return undefined;
  const n = radix === 10 ? Number(digits) : parseInt(digits, radix);
  if (!Number.isFinite(n) || n >= 2 ** 64) return undefined;
  return neg ? -n : n;
}

export type ScalarValue = string | number | boolean | null;

/** The value yaml.v2 gives an untagged plain scalar (see the module comment). */
export function resolvePlainScalar(src: string): ScalarValue {
  if (src.length > 0 && src.length <= 5) {
    if (TRUE.has(src)) return true;
    if (FALSE.has(src)) return false;
  }
  if (NULL.has(src)) return null;
  const special = SPECIAL.get(src);
  if (special !== undefined) return special;
  const c = src.charCodeAt(0);
  const isDigit = c >= 48 && c <= 57;
  if (isDigit || c === 43 /* + */ || c === 45 /* - */) {
    const plain = src.includes('_') ? src.replaceAll('_', '') : src;
    const i = goParseInt(plain);
    if (i !== undefined) return i;
    if (YAML_FLOAT.test(plain)) {
      const f = Number(plain);
      if (!Number.isNaN(f)) return f;
    }
    return src;
  }
  if (c === 46 /* . */ && GO_FLOAT_DOT.test(src)) return Number(src);
  return src;
}

/**
 * Explicitly tagged scalars (`!!int "5"`, `!!str 5`): yaml.v2 resolves only the core tags; any other
 * tag (`!foo`, `!!binary`) leaves the text as a string.
 */
export function resolveTaggedScalar(tag: string, src: string): ScalarValue {
  switch (tag) {
    case 'tag:yaml.org,2002:str':
    case 'tag:yaml.org,2002:binary':
    case 'tag:yaml.org,2002:timestamp':
      return src;
    case 'tag:yaml.org,2002:null':
      return null;
    case 'tag:yaml.org,2002:bool':
    case 'tag:yaml.org,2002:int':
    case 'tag:yaml.org,2002:float':
      return resolvePlainScalar(src);
    default:
      return src;
  }
}

/** Map keys become JSON object keys the way sigs.k8s.io/yaml converts them (`true`, `5`, `null`). */
export function keyString(v: ScalarValue): string {
  if (v === null) return 'null';
  return String(v);
}
