import { describe, expect, test } from 'vitest';
import { pickle, tuple } from '../../../test-fixtures/pickle-builder.js';
import { mapPy2Name } from './compat.js';
import { judgeGlobal, picklePolicyProblems } from './policy.js';
import { ALLOW, ANY_MODULE_DENY, DENY, PEER_DENY, PEER_DENY_SOURCES, PEER_EXEMPT, PICKLE_POLICY_VERSION } from './policy-data.js';
import { MODULE_ALIASES } from './policy-aliases.js';
import { aliasCanonical } from './policy.js';
import { scanBytes } from './test-utils.js';

describe('policy data', () => {
  test('is versioned and well-formed', () => {
    expect(PICKLE_POLICY_VERSION).toMatch(/^\d{4}\.\d{2}\.\d+$/);
    for (const e of DENY) {
      expect(e.module).toMatch(/^[A-Za-z_][A-Za-z0-9_.]*(\.\*)?$/);
      expect(e.names.length).toBeGreaterThan(0);
      expect(e.why.length).toBeGreaterThan(5);
    }
    for (const e of ALLOW) expect(e.names.length).toBeGreaterThan(0);
  });
});

describe("the peers' deny lists (picklescan, modelscan, modelaudit, fickling)", () => {
  const high = (m: string, n: string): boolean => {
    const [mm, mn] = mapPy2Name(m, n);
    for (const [a, b] of [[m, n], [mm, mn]] as const) {
      const v = judgeGlobal(a, b);
      if (v.kind !== 'deny' || (v.severity !== 'high' && v.severity !== 'critical')) return false;
    }
    return true;
  };
  test('every entry keeps its provenance', () => {
    const tools = new Set(Object.keys(PEER_DENY_SOURCES));
    for (const e of PEER_DENY) {
      expect(e.tools.length, e.module).toBeGreaterThan(0);
      for (const t of e.tools) expect(tools.has(t), `${e.module}: ${t}`).toBe(true);
    }
    expect(new Set(PEER_DENY.flatMap((e) => e.tools))).toEqual(tools);
  });
  test('every entry is graded high or critical (names; whole modules, their names and submodules)', () => {
    const missed: string[] = [];
    for (const e of PEER_DENY) {
      if (e.names === '*') {
        for (const [m, n] of [[e.module, 'probe_function'], [e.module, 'ProbeClass.method'], [`${e.module}.probe_submodule`, 'probe'], [e.module, '']] as const) {
          if (!high(m, n)) missed.push(`${m}.${n} (${e.tools.join(', ')})`);
        }
      } else {
        for (const n of e.names) if (!high(e.module, n)) missed.push(`${e.module}.${n} (${e.tools.join(', ')})`);
      }
    }
    expect(missed).toEqual([]);
    expect(PEER_DENY.length).toBeGreaterThan(150);
  });
  test('a global named eval in any module (fickling) is high', () => {
    expect(ANY_MODULE_DENY.map((a) => a.name)).toEqual(['eval']);
    expect(judgeGlobal('mylib.utils', 'eval')).toMatchObject({ kind: 'deny', severity: 'high' });
  });
  test('the exemptions are value types only, reached by their exact name', () => {
    for (const x of PEER_EXEMPT) {
      for (const n of x.names) {
        if (typeof n !== 'string') continue;
        const v = judgeGlobal(x.module, n);
        // Only Bulwark's own entries apply to them: value types are allowed, `print` stays medium.
        expect(v.kind === 'allow' || v.severity === 'medium', `${x.module}.${n}: ${v.kind} ${v.severity}`).toBe(true);
      }
      expect(judgeGlobal(x.module, 'probe_function').kind).toBe('deny');
    }
    expect(judgeGlobal('builtins', 'ValueError').kind).toBe('allow');
    expect(judgeGlobal('builtins', 'set').kind).toBe('allow');
    expect(judgeGlobal('builtins', 'print')).toMatchObject({ kind: 'deny', severity: 'medium' });
    expect(judgeGlobal('builtins', 'set.mro')).toMatchObject({ kind: 'deny' });
    expect(judgeGlobal('joblib.numpy_pickle', 'NumpyArrayWrapper').kind).toBe('allow');
    expect(judgeGlobal('joblib.numpy_pickle', 'load').severity).toBe('critical');
    expect(judgeGlobal('joblib', 'dump')).toMatchObject({ kind: 'deny', severity: 'high' });
  });
  test("picklescan's advisory samples are graded critical", () => {
    for (const [m, n] of [
      ['torch.utils.bottleneck.__main__', 'run_cprofile'],
      ['torch._dynamo.guards', 'GuardBuilder.get'],
      ['torch.fx.experimental.symbolic_shapes', 'ShapeEnv.evaluate_guards_expression'],
      ['torch.utils.collect_env', 'run'],
      ['torch.utils.data.datapipes.utils.decoder', 'basichandlers'],
      ['torch.jit.unsupported_tensor_ops', 'execWrapper'],
      ['torch.utils._config_module', 'ConfigModule.load_config'],
      ['trace', 'Trace.runctx'],
      ['profile', 'Profile.run'],
      ['lib2to3.pgen2.grammar', 'Grammar.loads'],
      ['idlelib.debugobj', 'ObjectTreeItem.SetText'],
      ['code', 'InteractiveInterpreter.runcode'],
      ['ensurepip', '_run_pip'],
      ['lib2to3.pgen2.pgen', 'ParserGenerator.make_label'],
      ['doctest', 'debug_script'],
      ['cProfile', 'runctx'],
      ['asyncio.unix_events', '_UnixSubprocessTransport._start'],
      ['ctypes', 'CDLL'],
      ['pydoc', 'locate'],
      ['pty', 'spawn'],
      ['numpy.f2py.crackfortran', 'getlincoef'],
      ['_io', 'FileIO'],
      ['cloudpickle.cloudpickle', '_make_function'],
      ['runpy', '_run_code'],
      ['numpy.testing._private.utils', 'runstring'],
    ] as const) {
      expect(judgeGlobal(m, n).severity, `${m}.${n}`).toBe('critical');
    }
  });
});

describe('module aliases (generated from the sources: scripts/gen-pickle-aliases.py)', () => {
  test('the table holds the standard library and ML library aliases that reach denied objects', () => {
    expect(MODULE_ALIASES['tempfile']).toContain('_os=os');
    expect(Object.keys(MODULE_ALIASES).length).toBeGreaterThan(300);
    expect(aliasCanonical(['tempfile', '_os', 'system']).map((p) => p.parts.join('.'))).toContain('os.system');
  });
  test('paths through private aliases are graded as what they reach', () => {
    const v = judgeGlobal('tempfile', '_os.system');
    expect(v).toMatchObject({ kind: 'deny', severity: 'critical', matched: 'os.system' });
    expect(judgeGlobal('tempfile', '_shutil.rmtree')).toMatchObject({ kind: 'deny' });
  });
  test('aliases never turn an allowlisted checkpoint global into a finding', () => {
    for (const [m, n] of [['torch._utils', '_rebuild_tensor_v2'], ['collections', 'OrderedDict'], ['numpy.core.multiarray', '_reconstruct'], ['sklearn.linear_model._logistic', 'LogisticRegression']] as const) {
      expect(judgeGlobal(m, n).kind, `${m}.${n}`).toBe('allow');
    }
  });
});

describe('judgeGlobal', () => {
  const deny: readonly (readonly [string, string, string])[] = [
    ['os', 'system', 'critical'],
    ['posix', 'system', 'critical'],
    ['nt', 'spawnv', 'critical'],
    ['os', 'execvpe', 'critical'],
    ['subprocess', 'Popen', 'critical'],
    ['subprocess', 'anything_at_all', 'critical'],
    ['builtins', 'eval', 'critical'],
    ['builtins', '__import__', 'critical'],
    ['builtins', 'open', 'critical'],
    ['runpy', 'run_path', 'critical'],
    ['importlib', 'import_module', 'critical'],
    ['importlib.machinery', 'SourceFileLoader', 'critical'],
    ['pty', 'spawn', 'critical'],
    ['ctypes', 'CDLL', 'critical'],
    ['ctypes.util', 'find_library', 'critical'],
    ['uuid', '_get_command_stdout', 'critical'],
    ['socket', 'create_connection', 'high'],
    ['shutil', 'rmtree', 'high'],
    ['webbrowser', 'open', 'high'],
    ['code', 'InteractiveInterpreter', 'critical'],
    ['pickle', 'loads', 'critical'],
    ['marshal', 'loads', 'critical'],
    ['types', 'FunctionType', 'critical'],
    ['sys', 'modules', 'critical'],
    ['asyncio.subprocess', 'create_subprocess_exec', 'critical'],
    ['asyncio.unix_events', '_UnixSubprocessTransport', 'critical'],
    ['torch.hub', 'load', 'critical'],
    ['torch', 'load', 'critical'],
    ['numpy.testing._private.utils', 'runstring', 'critical'],
    ['numpy.distutils.exec_command', 'exec_command', 'critical'],
    ['distutils.spawn', 'find_executable', 'critical'],
    ['pydoc', 'pipepager', 'critical'],
    ['timeit', 'timeit', 'critical'],
    ['logging.config', 'dictConfig', 'critical'],
    // dotted names reach a denied object through an innocent module
    ['posixpath', 'os.system', 'critical'],
    ['torch.serialization', 'subprocess.Popen', 'critical'],
    ['collections', 'OrderedDict.__init__.__globals__', 'critical'],
    ['builtins', '__dict__', 'critical'],
  ];
  test.each(deny)('%s.%s is denied (%s)', (m, n, sev) => {
    const v = judgeGlobal(m, n);
    expect(v.kind).toBe('deny');
    expect(v.severity).toBe(sev);
    expect(v.why.length).toBeGreaterThan(5);
  });

  test('posixpath.os.system names the object it reaches', () => {
    expect(judgeGlobal('posixpath', 'os.system').matched).toBe('os.system');
  });

  test('os.path and posixpath are denied high, as picklescan (os.*) and modelaudit (posixpath) deny them', () => {
    expect(judgeGlobal('os.path', 'join')).toMatchObject({ kind: 'deny', severity: 'high' });
    expect(judgeGlobal('posixpath', 'join')).toMatchObject({ kind: 'deny', severity: 'high' });
  });

  const allow: readonly (readonly [string, string])[] = [
    ['torch._utils', '_rebuild_tensor_v2'],
    ['torch._utils', '_rebuild_parameter'],
    ['torch', 'FloatStorage'],
    ['torch', 'BFloat16Storage'],
    ['torch', 'float16'],
    ['torch', 'Size'],
    ['torch', 'device'],
    ['torch.nn.parameter', 'Parameter'],
    ['torch._tensor', '_rebuild_from_type_v2'],
    ['collections', 'OrderedDict'],
    ['numpy.core.multiarray', '_reconstruct'],
    ['numpy._core.multiarray', '_reconstruct'],
    ['numpy._core.numeric', '_frombuffer'],
    ['numpy', 'ndarray'],
    ['numpy', 'dtype'],
    ['numpy.core.multiarray', 'scalar'],
    ['numpy.dtypes', 'Float64DType'],
    ['builtins', 'set'],
    ['builtins', 'frozenset'],
    ['builtins', 'complex'],
    ['builtins', 'slice'],
    ['builtins', 'bytearray'],
    ['_codecs', 'encode'],
    ['copyreg', '_reconstructor'],
    ['sklearn.linear_model._logistic', 'LogisticRegression'],
    ['sklearn.tree._tree', 'Tree'],
    ['xgboost.core', 'Booster'],
    ['lightgbm.basic', 'Booster'],
    ['transformers.training_args', 'TrainingArguments'],
    ['transformers.models.bert.configuration_bert', 'BertConfig'],
    ['joblib.numpy_pickle', 'NumpyArrayWrapper'],
    ['torch', 'nn.modules.linear.Linear'],
  ];
  test.each(allow)('%s.%s is allowed', (m, n) => {
    expect(judgeGlobal(m, n).kind).toBe('allow');
  });

  test('scikit-learn functions are allowed as stored references only', () => {
    const v = judgeGlobal('sklearn.feature_selection._univariate_selection', 'f_classif');
    expect(v.kind).toBe('allow');
    expect(v.referenceOnly).toBe(true);
  });

  test('deny wins over an allow pattern (pandas.io classes, torch.load)', () => {
    expect(judgeGlobal('pandas.io.pytables', 'HDFStore').kind).toBe('deny');
    expect(judgeGlobal('torch', 'load').kind).toBe('deny');
  });

  test('unknown globals and invalid names', () => {
    expect(judgeGlobal('mypackage.models', 'MyNet').kind).toBe('unknown');
    expect(judgeGlobal('__main__', 'Custom').kind).toBe('unknown');
    expect(judgeGlobal('os', 'sys tem').kind).toBe('deny');
    expect(judgeGlobal('x', 'y', true)).toMatchObject({ kind: 'deny', severity: 'high' });
  });
});

describe('_compat_pickle mapping', () => {
  test('maps Python 2 names like find_class does', () => {
    expect(mapPy2Name('__builtin__', 'eval')).toEqual(['builtins', 'eval']);
    expect(mapPy2Name('__builtin__', 'xrange')).toEqual(['builtins', 'range']);
    expect(mapPy2Name('__builtin__', 'reduce')).toEqual(['functools', 'reduce']);
    expect(mapPy2Name('commands', 'getoutput')).toEqual(['subprocess', 'getoutput']);
    expect(mapPy2Name('copy_reg', '_reconstructor')).toEqual(['copyreg', '_reconstructor']);
    expect(mapPy2Name('exceptions', 'ValueError')).toEqual(['builtins', 'ValueError']);
    expect(mapPy2Name('urllib', 'urlopen')).toEqual(['urllib.request', 'urlopen']);
    expect(mapPy2Name('toString', 'x')).toEqual(['toString', 'x']); // no prototype lookups
    expect(mapPy2Name('os', 'system')).toEqual(['os', 'system']);
  });
});

describe('grading in scans', () => {
  const unknownCall = pickle((b) => b.proto(2).global('mypackage.models', 'MyNet').emptyTuple().newObj().emptyDict().buildOp().stop());

  test('unknown global: medium, high with --strict', () => {
    expect(scanBytes(unknownCall).of('pickle/unknown-global')[0]?.severity).toBe('medium');
    expect(scanBytes(unknownCall, { strict: true }).of('pickle/unknown-global')[0]?.severity).toBe('high');
  });

  test('an allowlisted global that is only referenced gives nothing', () => {
    expect(scanBytes(pickle((b) => b.proto(2).global('torch', 'float32').stop())).findings).toEqual([]);
  });

  test('a dangerous global that is only referenced is high, once', () => {
    const r = scanBytes(pickle((b) => b.proto(2).mark().global('os', 'system').global('os', 'system').list().stop()));
    expect(r.of('pickle/dangerous-global').map((f) => f.severity)).toEqual(['high']);
  });

  test('a reference-only allowlisted function that is called is reported as unknown', () => {
    const r = scanBytes(pickle((b) => b.proto(2).call('sklearn.feature_selection._univariate_selection', 'f_classif', 1).stop()));
    expect(r.of('pickle/unknown-global')[0]?.message).toMatch(/only as a stored reference/);
  });

  test('a module imported by a name the stream chooses is high, even when only used to reach an allowed name', () => {
    const bytes = pickle((b) =>
      b.proto(4).stackGlobal('builtins', 'getattr').stackGlobal('importlib', 'import_module').value(tuple('collections')).reduce().str('OrderedDict').tuple2().reduce().emptyTuple().reduce().stop(),
    );
    const r = scanBytes(bytes);
    expect(r.findings.map((f) => `${f.ruleId} ${f.severity}`)).toEqual(['pickle/dangerous-call high']);
    expect(r.findings[0]?.message).toContain('to import the module collections, chosen by the pickle');
  });
  test('__import__ and pkgutil.resolve_name of a module the stream names are high (critical for os)', () => {
    const mine = scanBytes(pickle((b) => b.proto(2).global('builtins', '__import__').value(tuple('evil_helpers')).reduce().stop()));
    expect(mine.of('pickle/dangerous-call').map((f) => f.severity)).toEqual(['high']);
    const os = scanBytes(pickle((b) => b.proto(2).global('importlib', 'import_module').value(tuple('os')).reduce().stop()));
    expect(os.of('pickle/dangerous-call').map((f) => f.severity)).toEqual(['high']);
    const rn = scanBytes(pickle((b) => b.proto(2).global('pkgutil', 'resolve_name').value(tuple('shipped_module:build')).reduce().stop()));
    expect(rn.of('pickle/dangerous-call')[0]?.message).toContain('shipped_module.build');
  });
});

describe('policy extension from the configuration', () => {
  const ext = (allow: string[], deny: string[]) => ({ allow, deny });

  test('user deny entries are graded high, name the entry, and match a module and its submodules', () => {
    const e = ext([], ['mypackage.*', 'other.tools.run']);
    expect(judgeGlobal('mypackage.models', 'MyNet', false, e)).toMatchObject({ kind: 'deny', severity: 'high', entry: 'mypackage.*' });
    expect(judgeGlobal('mypackage', 'x', false, e).kind).toBe('deny');
    expect(judgeGlobal('mypackage', '', false, e).kind).toBe('deny');
    expect(judgeGlobal('mypackagex', 'y', false, e).kind).toBe('unknown');
    expect(judgeGlobal('other.tools', 'run', false, e)).toMatchObject({ kind: 'deny', entry: 'other.tools.run' });
    expect(judgeGlobal('other', 'tools.run', false, e).kind).toBe('deny');
    expect(judgeGlobal('other.tools', 'walk', false, e).kind).toBe('unknown');
    expect(judgeGlobal('other.tools', 'run', false, e).why).toContain('denied by the configuration');
  });

  test('a user deny wins over the built-in allowlist; a built-in critical entry keeps its severity', () => {
    expect(judgeGlobal('collections', 'OrderedDict', false, ext([], ['collections.OrderedDict']))).toMatchObject({ kind: 'deny', severity: 'high' });
    const v = judgeGlobal('os', 'system', false, ext([], ['os.*']));
    expect(v).toMatchObject({ kind: 'deny', severity: 'critical' });
    expect(v.entry).toBeUndefined();
  });

  test('user allow entries count as allowlisted, but never over a deny (built-in or user)', () => {
    expect(judgeGlobal('mypackage.models', 'MyNet', false, ext(['mypackage.models.MyNet'], []))).toMatchObject({ kind: 'allow', entry: 'mypackage.models.MyNet' });
    expect(judgeGlobal('mypackage.models.sub', 'Net', false, ext(['mypackage.*'], [])).kind).toBe('allow');
    expect(judgeGlobal('os', 'system', false, ext(['os.system'], [])).kind).toBe('deny');
    expect(judgeGlobal('subprocess', 'Popen', false, ext(['subprocess.*'], [])).kind).toBe('deny');
    expect(judgeGlobal('builtins', 'getattr', false, ext(['builtins.*'], [])).kind).toBe('deny');
    expect(judgeGlobal('mypackage', 'X', false, ext(['mypackage.*'], ['mypackage.X'])).kind).toBe('deny');
    // A dunder walk is never allowed.
    expect(judgeGlobal('mypackage', 'X.__globals__', false, ext(['mypackage.*'], [])).kind).toBe('deny');
  });

  test('entries must be module.Name or module.*', () => {
    expect(picklePolicyProblems(ext(['mypackage.*', 'a.b.C'], ['x.y']))).toEqual([]);
    expect(picklePolicyProblems(ext(['os'], ['*', 'a.*.b', 'a b.c']))).toHaveLength(4);
    expect(() => judgeGlobal('a', 'b', false, ext(['nodot'], []))).toThrow(/pickle\.allow/);
  });

  test('in a scan: a denied unknown global is a high finding with the entry as evidence; an allowed one is silent', () => {
    const call = pickle((b) => b.proto(2).global('mypackage.models', 'MyNet').emptyTuple().newObj().emptyDict().buildOp().stop());
    const denied = scanBytes(call, { pickle: ext([], ['mypackage.*']) });
    expect(denied.of('pickle/dangerous-call').map((f) => [f.severity, f.evidence])).toEqual([['high', 'mypackage.*']]);
    expect(denied.of('pickle/dangerous-call')[0]?.message).toContain('denied by the configuration');
    expect(denied.of('pickle/unknown-global')).toEqual([]);
    expect(scanBytes(call, { pickle: ext(['mypackage.models.MyNet'], []) }).findings).toEqual([]);
    const imported = scanBytes(pickle((b) => b.proto(2).global('mypackage', 'hook').stop()), { pickle: ext([], ['mypackage.hook']) });
    expect(imported.of('pickle/dangerous-global').map((f) => [f.severity, f.evidence])).toEqual([['high', 'mypackage.hook']]);
    // The built-in deny list wins over a user allow in a scan too.
    const evil = pickle((b) => b.proto(2).call('os', 'system', 'id').stop());
    expect(scanBytes(evil, { pickle: ext(['os.*'], []) }).of('pickle/dangerous-call')[0]?.severity).toBe('critical');
  });
});
