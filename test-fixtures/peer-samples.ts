/**
 * Equivalents of picklescan's own malicious test samples (mmaitre314/picklescan tests/data and
 * tests/data2: malicious1..14, malicious21..23, the GHSA-*.pkl advisories, io_FileIO,
 * urllib_request_urlopen, cloudpickle_codeinjection), rebuilt opcode by opcode: the global each
 * sample calls, called the way its advisory describes, in the protocol the sample uses (dotted names
 * with protocol 4 STACK_GLOBAL). Every one must be graded high or critical by default.
 */
import type { PickleBuilder } from './pickle-builder.js';
import { pickle, tuple } from './pickle-builder.js';

type Sample = readonly [label: string, bytes: Uint8Array];

/** `module.name(*args)` with GLOBAL (protocols 0-2) or STACK_GLOBAL (protocol 4, dotted names). */
function call(module: string, name: string, args: readonly (string | number)[], proto = name.includes('.') ? 4 : 2): Uint8Array {
  return pickle((b) => {
    b.proto(proto);
    if (proto >= 4) b.stackGlobal(module, name);
    else b.global(module, name);
    b.value(tuple(...args)).reduce().stop();
  });
}

/** `resolver(...)(arg)` where the resolver is built from `__import__` (GHSA-955r, GHSA-46h3). */
function viaImport(getter: 'methodcaller' | 'attrgetter'): Uint8Array {
  return pickle((b: PickleBuilder) => {
    b.proto(4);
    if (getter === 'methodcaller') {
      b.stackGlobal('_operator', 'methodcaller').value(tuple('system', 'id')).reduce();
      b.stackGlobal('builtins', '__import__').value(tuple('os')).reduce().tuple1().reduce().stop();
    } else {
      b.stackGlobal('_operator', 'attrgetter').value(tuple('system')).reduce();
      b.stackGlobal('builtins', '__import__').value(tuple('os')).reduce().tuple1().reduce().value(tuple('id')).reduce().stop();
    }
  });
}

export function picklescanSamples(): Sample[] {
  return [
    ['malicious1_v0 (__builtin__.eval, protocol 0)', new TextEncoder().encode("c__builtin__\neval\n(Vprint('456')\ntR.")],
    ['malicious1 (builtins.eval)', call('builtins', 'eval', ["print('456')"], 3)],
    ['malicious2 (posix.system)', call('posix', 'system', ['ls -la /'])],
    ['malicious3 (httplib.HTTPSConnection)', call('httplib', 'HTTPSConnection', ['github.com'])],
    ['malicious4 (requests.api.get)', call('requests.api', 'get', ['https://example.com/'])],
    ['malicious5 (aiohttp.client.ClientSession)', call('aiohttp.client', 'ClientSession', [])],
    ['malicious7 (socket.create_connection)', call('socket', 'create_connection', ['github.com'])],
    ['malicious8 (subprocess.run)', call('subprocess', 'run', ['ls'])],
    ['malicious9 (sys.exit)', call('sys', 'exit', ['bye'])],
    ['malicious10 (__builtin__.exec)', call('__builtin__', 'exec', ["import os; os.system('id')"])],
    ['malicious14 (runpy._run_code)', call('runpy', '_run_code', ["print('456')", 0])],
    ['malicious21 (timeit.timeit)', call('timeit', 'timeit', ["__import__('os').system('id')"])],
    ['malicious22 (numpy.testing._private.utils.runstring)', call('numpy.testing._private.utils', 'runstring', ["import os; os.system('id')", 0])],
    ['malicious23 (os.system)', call('os', 'system', ['id'])],
    ['GHSA-4r9r-ch6f-vxmx (torch.utils.bottleneck.__main__.run_cprofile)', call('torch.utils.bottleneck.__main__', 'run_cprofile', ["__import__('os').system('id')", 0])],
    ['GHSA-86cj-95qr-2p4f (torch._dynamo.guards.GuardBuilder.get)', call('torch._dynamo.guards', 'GuardBuilder.get', [0, "__import__('os').system('id')"])],
    ['GHSA-f4x7-rfwp-v3xw (symbolic_shapes.ShapeEnv.evaluate_guards_expression)', call('torch.fx.experimental.symbolic_shapes', 'ShapeEnv.evaluate_guards_expression', [0, "__import__('os').system('id')", 0])],
    ['GHSA-f745-w6jp-hpxx (torch.utils.collect_env.run)', call('torch.utils.collect_env', 'run', ['id'])],
    ['GHSA-jhph-76pp-mggw (torch.utils.collect_env.run_and_read_all)', call('torch.utils.collect_env', 'run_and_read_all', [0, 'id'])],
    ['GHSA-h3qp-7fh3-f8h4 (datapipes decoder basichandlers)', call('torch.utils.data.datapipes.utils.decoder', 'basichandlers', ['pickle', 'x'])],
    ['GHSA-vr7h-p6mm-wpmh (torch.jit.unsupported_tensor_ops.execWrapper)', call('torch.jit.unsupported_tensor_ops', 'execWrapper', ["__import__('os').system('id')"])],
    ['GHSA-vv6j-3g6g-2pvj (torch.utils._config_module.ConfigModule.load_config)', call('torch.utils._config_module', 'ConfigModule.load_config', [0, 'x'])],
    ['GHSA-5qwp-399c-mjwf (trace.Trace.run)', call('trace', 'Trace.run', [0, "__import__('os').system('id')"])],
    ['GHSA-g344-hcph-8vgg (trace.Trace.runctx)', call('trace', 'Trace.runctx', [0, "__import__('os').system('id')"])],
    ['GHSA-x696-vm39-cp64 (profile.Profile.run)', call('profile', 'Profile.run', [0, "__import__('os').system('id')"])],
    ['GHSA-6vqj-c2q5-j97w (profile.Profile.runctx)', call('profile', 'Profile.runctx', [0, "__import__('os').system('id')"])],
    ['GHSA-f54q-57x4-jg88 (lib2to3.pgen2.grammar.Grammar.loads)', call('lib2to3.pgen2.grammar', 'Grammar.loads', [0, 'x'])],
    ['GHSA-3vg9-h568-4w9m (idlelib.debugobj.ObjectTreeItem.SetText)', call('idlelib.debugobj', 'ObjectTreeItem.SetText', [0, "__import__('os').system('id')"])],
    ['GHSA-6w4w-5w54-rjvr (idlelib.autocomplete.AutoComplete.get_entity)', call('idlelib.autocomplete', 'AutoComplete.get_entity', [0, "__import__('os').system('id')"])],
    ['GHSA-7cq8-mj8x-j263 (idlelib.autocomplete.AutoComplete.fetch_completions)', call('idlelib.autocomplete', 'AutoComplete.fetch_completions', [0, "__import__('os')", 1])],
    ['GHSA-cj3c-v495-4xqh (code.InteractiveInterpreter.runcode)', call('code', 'InteractiveInterpreter.runcode', [0, "__import__('os').system('id')"])],
    ['GHSA-8r4j-24qv-fmq9 (idlelib.calltip.Calltip.fetch_tip)', call('idlelib.calltip', 'Calltip.fetch_tip', [0, "__import__('os').system('id')"])],
    ['GHSA-9xph-j2h6-g47v (idlelib.calltip.get_entity)', call('idlelib.calltip', 'get_entity', ["__import__('os').system('id')"])],
    ['GHSA-4whj-rm5r-c2v8 (torch.utils.bottleneck.__main__.run_autograd_prof)', call('torch.utils.bottleneck.__main__', 'run_autograd_prof', ["__import__('os').system('id')", 0])],
    ['GHSA-xp4f-hrf8-rxw7 (ensurepip._run_pip)', call('ensurepip', '_run_pip', [["install", "x"].join(' ')])],
    ['GHSA-p9w7-82w4-7q8m (lib2to3.pgen2.pgen.ParserGenerator.make_label)', call('lib2to3.pgen2.pgen', 'ParserGenerator.make_label', [0, 0, "__import__('os').system('id')"])],
    ['GHSA-m869-42cg-3xwr (idlelib.run.Executive.runcode)', call('idlelib.run', 'Executive.runcode', [0, "__import__('os').system('id')"])],
    ['GHSA-j343-8v2j-ff7w (idlelib.pyshell.ModifiedInterpreter.runcommand)', call('idlelib.pyshell', 'ModifiedInterpreter.runcommand', [0, "__import__('os').system('id')"])],
    ['GHSA-3gf5-cxq9-w223 (idlelib.pyshell.ModifiedInterpreter.runcode)', call('idlelib.pyshell', 'ModifiedInterpreter.runcode', [0, "__import__('os').system('id')"])],
    ['GHSA-fqq6-7vqf-w3fg (doctest.debug_script)', call('doctest', 'debug_script', ["import os; os.system('id')"])],
    ['GHSA-9w88-8rmg-7g2p (cProfile.runctx)', call('cProfile', 'runctx', ["__import__('os').system('id')", 0, 0])],
    ['GHSA-49gj-c84q-6qm9 (cProfile.run)', call('cProfile', 'run', ["__import__('os').system('id')"])],
    ['GHSA-q77w-mwjj-7mqx (asyncio.unix_events._UnixSubprocessTransport._start)', call('asyncio.unix_events', '_UnixSubprocessTransport._start', [0, 'id', 1, 0, 0, 0, 0])],
    ['GHSA-m273-6v24-x4m4 (distutils.file_util.write_file)', call('distutils.file_util', 'write_file', ['/tmp/x.pth', 'import os'])],
    ['GHSA-4675-36f9-wf6r (ctypes.CDLL)', call('ctypes', 'CDLL', ['libc.so.6'])],
    ['GHSA-84r2-jw7c-4r5q (pydoc.locate + operator.methodcaller)', pickle((b) => b.proto(4).stackGlobal('operator', 'methodcaller').value(tuple('system', 'id')).reduce().stackGlobal('pydoc', 'locate').value(tuple('os')).reduce().tuple1().reduce().stop())],
    ['GHSA-vqmv-47xg-9wpr (pty.spawn)', call('pty', 'spawn', ['id'])],
    ['GHSA-r8g5-cgf2-4m4m (numpy.f2py.crackfortran.getlincoef)', call('numpy.f2py.crackfortran', 'getlincoef', ["__import__('os').system('id')", 0])],
    ['GHSA-955r-x9j8-7rhh (_operator.methodcaller + builtins.__import__)', viaImport('methodcaller')],
    ['GHSA-46h3-79wf-xr6c (_operator.attrgetter + builtins.__import__)', viaImport('attrgetter')],
    ['io_FileIO (_io.FileIO)', call('_io', 'FileIO', ['/tmp/x', 'w'])],
    ['urllib_request_urlopen (urllib.request.urlopen)', call('urllib.request', 'urlopen', ['https://example.com/'])],
    ['cloudpickle_codeinjection (cloudpickle.cloudpickle._make_function)', call('cloudpickle.cloudpickle', '_make_function', [0, 0, 'x'])],
    ['bdb.Bdb.run', call('bdb', 'Bdb.run', [0, "__import__('os').system('id')"])],
    ['venv.create', call('venv', 'create', ['/tmp/v'])],
    ['torch._inductor.codecache.compile_file', call('torch._inductor.codecache', 'compile_file', ['', '', 'sh -c id'])],
    ['pydoc.pipepager', call('pydoc', 'pipepager', ['x', 'id'])],
    ['torch.serialization.load', call('torch.serialization', 'load', ['/tmp/evil.pt'])],
    ['pip.main', call('pip', 'main', ['install'])],
    ['keyerror-exploit (STACK_GLOBAL through memo)', pickle((b) => b.proto(4).str('os').memoize().str('system').memoize().stackGlobal().value(tuple('id')).reduce().stop())],
  ];
}
