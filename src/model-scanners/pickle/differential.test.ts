/**
 * Differential check against CPython (opt-in: `BULWARK_PICKLE_DIFF=1 npx vitest run
 * src/model-scanners/pickle/differential.test.ts`; skipped otherwise, so the suite never needs
 * Python). CPython pickles random data with every protocol and reports what `pickle.loads` returns
 * and where `pickletools.genops` ends; the analyser must recover the same value and end offset.
 * With numpy (and joblib) installed, real array pickles must also give no finding.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import type { Value } from './values.js';
import { evalPickle, scanBytes } from './test-utils.js';

const ENABLED = process.env['BULWARK_PICKLE_DIFF'] === '1';
const PYTHON = process.env['BULWARK_PYTHON'] ?? 'python3';

const GENERATOR = String.raw`
import base64, json, pickle, pickletools, random, struct, sys
random.seed(int(sys.argv[1]))
def rstr():
    alphabet = 'ab\\\n\r\x00\x1a\'" \u00e9\u20ac\U0001F600<>'
    return ''.join(random.choice(alphabet) for _ in range(random.randint(0, 12)))
def robj(d, proto):
    k = random.randint(0, 13 if d < 3 else 7)
    if k == 0: return None
    if k == 1: return random.choice([True, False])
    if k == 2: return random.randint(-300, 300)
    if k == 3: return random.randint(-2**70, 2**70)
    if k == 4: return random.choice([0.5, -1.25, 1e16, 1e-7, float('inf'), -0.0, 3.141592653589793])
    if k == 5: return rstr()
    if k == 6: return bytes(random.randint(0, 255) for _ in range(random.randint(0, 9)))
    if k == 7: return random.randint(2**31, 2**40)
    if k == 8: return tuple(robj(d + 1, proto) for _ in range(random.randint(0, 5)))
    if k == 9: return [robj(d + 1, proto) for _ in range(random.randint(0, 5))]
    if k == 10: return {rstr(): robj(d + 1, proto) for _ in range(random.randint(0, 4))}
    if k == 11 and proto >= 4: return set(random.randint(0, 50) for _ in range(random.randint(0, 4)))
    if k == 12 and proto >= 5: return bytearray(b'xy')
    s = rstr()
    return [s, s]  # the same object twice: memo GET
def canon(o):
    if o is None or isinstance(o, bool): return o
    if isinstance(o, int): return {'int': str(o)}
    if isinstance(o, float): return {'float': struct.pack('>d', o).hex()}
    if isinstance(o, str): return o
    if isinstance(o, (bytes, bytearray)): return {'bytes': o.hex()}
    if isinstance(o, tuple): return {'tuple': [canon(x) for x in o]}
    if isinstance(o, list): return {'list': [canon(x) for x in o]}
    if isinstance(o, dict): return {'dict': [[canon(k), canon(v)] for k, v in o.items()]}
    if isinstance(o, (set, frozenset)): return {'set': [canon(x) for x in o]}
    raise TypeError(type(o))
out = []
for i in range(int(sys.argv[2])):
    proto = random.randint(0, 5)
    o = robj(0, proto)
    data = pickle.dumps(o, protocol=proto)
    end = max(pos for _, _, pos in pickletools.genops(data)) + 1
    out.append({'proto': proto, 'b64': base64.b64encode(data).decode(), 'canon': canon(o), 'end': end})
json.dump(out, sys.stdout)
`;

const NUMPY = String.raw`
import base64, json, pickle, sys
import numpy as np
out = []
arrays = [np.arange(6, dtype=t).reshape(2, 3) for t in ('f4', 'f8', 'i1', 'i8', 'u2', 'c8', '?')]
arrays += [np.array(['ab', 'c']), np.array([b'x']), np.array([1, 'a', None], dtype=object), np.zeros((2,), dtype=[('a', 'f4'), ('b', 'i2')]), np.float32(1.5), np.int64(3), np.asfortranarray(np.ones((2, 2)))]
for a in arrays:
    for proto in range(0, 6):
        out.append({'name': repr(a)[:40], 'proto': proto, 'b64': base64.b64encode(pickle.dumps(a, protocol=proto)).decode()})
json.dump(out, sys.stdout)
`;

function python(code: string, args: string[]): unknown {
  const r = spawnSync(PYTHON, ['-c', code, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as unknown;
}

/** The analyser's value in the generator's canonical JSON form. */
function canon(v: Value): unknown {
  if (v === null || typeof v === 'boolean') return v;
  if (typeof v === 'number') return { int: String(v) };
  if (typeof v === 'string') return v;
  switch (v.k) {
    case 'bigint':
      return { int: v.text };
    case 'float': {
      const b = new DataView(new ArrayBuffer(8));
      b.setFloat64(0, v.v, false);
      return { float: Buffer.from(b.buffer).toString('hex') };
    }
    case 'bytes':
      return { bytes: Buffer.from(v.data ?? []).toString('hex') };
    case 'tuple':
      return { tuple: v.items.map(canon) };
    case 'list':
      return { list: v.items.map(canon) };
    case 'dict':
      return { dict: v.keys.map((k, i) => [canon(k), canon(v.vals[i] ?? null)]) };
    case 'set':
      return { set: v.items.map(canon) };
    case 'call': {
      // protocol < 3 bytes are _codecs.encode(str, "latin1") calls; the analyser evaluates them.
      const d = v.den as { t?: string; v?: Value } | undefined;
      if (d?.t === 'value' && d.v !== undefined) return canon(d.v);
      return { call: true };
    }
    default:
      return { other: v.k };
  }
}

describe.skipIf(!ENABLED)('differential: CPython pickle vs the analyser', () => {
  test('random data, protocols 0–5: same value, same end offset', () => {
    const samples = python(GENERATOR, ['7', '3000']) as { proto: number; b64: string; canon: unknown; end: number }[];
    let checked = 0;
    for (const s of samples) {
      const bytes = new Uint8Array(Buffer.from(s.b64, 'base64'));
      const r = evalPickle(bytes);
      expect(r.outcome.failure?.message, s.b64).toBeUndefined();
      expect(r.outcome.end, s.b64).toBe(s.end);
      const scanned = scanBytes(bytes);
      expect(scanned.findings.map((f) => f.message), s.b64).toEqual([]);
      // Protocol < 3 bytes go through _codecs.encode calls: compare the evaluated value.
      const raw = (r.outcome as { result?: Value }).result ?? null;
      expect(canon(raw), `${s.b64} (protocol ${s.proto})`).toEqual(s.canon);
      checked++;
    }
    expect(checked).toBe(3000);
  });

  test('numpy arrays and scalars, protocols 0–5: no finding', () => {
    let samples: { name: string; proto: number; b64: string }[];
    try {
      samples = python(NUMPY, []) as typeof samples;
    } catch {
      return; // numpy not installed for this Python
    }
    for (const s of samples) {
      const r = scanBytes(new Uint8Array(Buffer.from(s.b64, 'base64')));
      expect(r.findings.map((f) => `${f.ruleId}: ${f.message}`), `${s.name} protocol ${s.proto}`).toEqual([]);
      expect(r.partial).toBe(false);
    }
  });
});
