/**
 * Differential check against CPython (opt-in: `BULWARK_PICKLE_DIFF=1 npx vitest run
 * src/model-scanners/pickle/differential.test.ts`; skipped otherwise, so the suite never needs
 * Python; `BULWARK_PYTHON` picks the interpreter). CPython pickles random data with every protocol
 * and reports what `pickle.loads` returns and where `pickletools.genops` ends; the analyser must
 * recover the same value and end offset. With numpy (and joblib) installed, real array pickles must
 * also give no finding.
 *
 * The mutation corpus: payload pickles (os.system, eval, subprocess.Popen, ... in every protocol and
 * opcode style) are truncated, cut before STOP, followed by garbage, flipped, inserted into and
 * deleted from; CPython's C unpickler runs each mutant with a find_class that resolves the global for
 * real (so only names CPython can import count) but returns a recording stub instead of the object.
 * Every mutant from which CPython calls a stub must be detected by content and graded high or
 * critical by the whole model scanner (the same path as `bulwark scan`).
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { severityRank } from '../../findings/index.js';
import { BufferSource, DEFAULT_LIMITS } from '../../limits/index.js';
import { modelReporter } from '../../../test-fixtures/model-scan-helpers.js';
import { scanModelSource } from '../scan-model.js';
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

const MUTANTS = String.raw`
import base64, io, json, pickle, random, sys
random.seed(int(sys.argv[1]))
# Modules a mutant may import through find_class (anything else counts as a failed import, so a
# mutation can never import a module with side effects here).
IMPORTABLE = {'os', 'posix', 'nt', 'subprocess', 'builtins', '__builtin__', 'copyreg', 'copy_reg', '_codecs',
              'codecs', 'collections', 'functools', 'operator', '_operator', 'importlib', 'sys', 'io', 'pty',
              'runpy', 'posixpath', 'shutil', 'socket'}
class Stub:
    def __init__(self, *a, **k): pass
    def __setstate__(self, state): CALLS.append('BUILD')
def stub_for(qual):
    def _new(cls, *a, **k):
        CALLS.append(qual)
        return object.__new__(Stub)
    class Meta(type):
        def __call__(cls, *a, **k):
            CALLS.append(qual)
            return Stub()
    return Meta('Stub', (object,), {'__new__': _new, '__setstate__': lambda self, st: CALLS.append('BUILD')})
class Recorder(pickle.Unpickler):
    def find_class(self, module, name):
        top = module.split('.')[0]
        if top not in IMPORTABLE:
            raise ImportError(module)
        super().find_class(module, name)  # resolves for real (mapping, dotted names); raises if CPython would
        IMPORTS.append(module + '.' + name)
        return stub_for(module + '.' + name)
class R:
    def __init__(self, f, a): self.f, self.a = f, a
    def __reduce__(self): return (self.f, self.a)
import os, subprocess, builtins, posix
bases = []
for proto in range(0, 6):
    bases.append(pickle.dumps(R(os.system, ('id',)), protocol=proto))
    bases.append(pickle.dumps([1, R(builtins.eval, ('1+1',)), 'x'], protocol=proto))
    bases.append(pickle.dumps({'a': R(subprocess.Popen, (['id'],))}, protocol=proto))
    bases.append(pickle.dumps(R(posix.system, ('echo hi',)), protocol=proto))
bases.append(b"cos\nsystem\n(S'id'\ntR.")
bases.append(b"(S'id'\nios\nsystem\n.")
bases.append(b"(cos\nsystem\nS'id'\no.")
bases.append(b"\x80\x02cbuiltins\nexec\nq\x00X\x0f\x00\x00\x00import os; os.x()q\x01\x85q\x02Rq\x03.")
bases.append(b"\x80\x04\x95\x1c\x00\x00\x00\x00\x00\x00\x00\x8c\x02os\x8c\x06system\x93\x8c\x02id\x85R.")
def mutants(b):
    out = set()
    for n in range(len(b)): out.add(b[:n])
    if b.endswith(b'.'):
        for g in (b'', b'\x00', b'\xff\xfe', b'garbage\n', b'\n', bytes(random.randrange(256) for _ in range(16))):
            out.add(b[:-1] + g)
    for g in (b'\x00\x01', b'\xff' * 8, b'junk'): out.add(b + g)
    out.add(b.replace(b'\n', b'\r\n'))
    out.add(b.replace(b"'\n", b"' \n"))
    for _ in range(int(sys.argv[2])):
        x = bytearray(b)
        for _ in range(random.randint(1, 3)):
            k = random.randrange(4)
            i = random.randrange(len(x)) if x else 0
            if k == 0 and x: x[i] = random.randrange(256)
            elif k == 1: x.insert(i, random.randrange(256))
            elif k == 2 and x: del x[i]
            else:
                j = random.randrange(len(x) + 1); x[i:i] = x[j:j + random.randint(1, 4)]
        out.add(bytes(x))
    return out
res = []
for b in bases:
    for m in sorted(mutants(b)):
        CALLS = []; IMPORTS = []
        err = None
        try:
            Recorder(io.BytesIO(m)).load()
        except BaseException as e:
            err = type(e).__name__
        res.append({'b64': base64.b64encode(m).decode(), 'calls': CALLS[:4], 'imports': IMPORTS[:4], 'error': err})
json.dump(res, sys.stdout)
`;

describe.skipIf(!ENABLED)('differential: CPython pickle vs the analyser', () => {
  test('mutation corpus: every stream CPython calls something from is detected and graded high or critical', () => {
    const samples = python(MUTANTS, ['11', '400']) as { b64: string; calls: string[]; imports: string[]; error: string | null }[];
    let called = 0;
    let importOnly = 0;
    let importOnlyClean = 0;
    const missed: string[] = [];
    for (const s of samples) {
      const bytes = new Uint8Array(Buffer.from(s.b64, 'base64'));
      const reporter = modelReporter();
      const r = scanModelSource(new BufferSource(bytes), 'mutant.pkl', { strict: false, policy: 'default' }, DEFAULT_LIMITS, reporter);
      const findings = reporter.finish();
      const worst = findings.reduce((m, f) => Math.max(m, severityRank(f.severity)), -1);
      if (s.calls.length > 0) {
        called++;
        if (r === undefined || worst < severityRank('high')) missed.push(`${s.b64} (calls ${s.calls.join(', ')}; ${r === undefined ? 'not recognised' : findings.map((f) => `${f.ruleId}:${f.severity}`).join(' ')})`);
      } else if (s.imports.length > 0) {
        importOnly++;
        if (r === undefined || findings.length === 0) importOnlyClean++;
      }
    }
    console.log(`mutation corpus: ${samples.length} mutants, ${called} run a call in CPython (all high or critical: ${called - missed.length}), ${importOnly} only import (${importOnlyClean} of them reported clean)`);
    expect(missed).toEqual([]);
    expect(called).toBeGreaterThan(500);
  });

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
