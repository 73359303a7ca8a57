/**
 * Pickle global policy, kept as versioned data (bump PICKLE_POLICY_VERSION on any change).
 *
 * - DENY: callables that execute code, spawn processes, load native code, import by name, write or
 *   delete files, open network connections, or load further serialized data. Graded `critical` when
 *   they can run arbitrary code, `high` for serious but narrower effects.
 * - ALLOW: what real checkpoints need: PyTorch's `weights_only` set (torch/_weights_only_unpickler.py
 *   `_get_allowed_globals`), numpy reconstruction, `collections`, safe builtins, scikit-learn /
 *   xgboost / lightgbm / catboost estimator classes, transformers configs and training arguments,
 *   joblib's array wrappers, pandas containers.
 * - Everything else is an unknown global (medium; high with `--strict`).
 *
 * Matching (see policy.ts): `module` is an exact module name, or `pkg.*` for the package and every
 * submodule of it (`pkg.*` does not match `pkg` itself; list both when both are meant). `names` holds
 * exact names, prefixes ending in `*`, or `*` for every name. Deny entries are checked before allow
 * entries, so an allow pattern never whitelists a denied name.
 */
import type { Severity } from '../../findings/index.js';

export const PICKLE_POLICY_VERSION = '2026.12.2';

export interface DenyEntry {
  readonly module: string;
  readonly names: readonly string[];
  /** Names the entry's patterns match but do not deny (exact names). */
  readonly except?: readonly string[];
  readonly severity: Extract<Severity, 'critical' | 'high' | 'medium'>;
  /** What the callable does, as finding text: "os.system runs a shell command". */
  readonly why: string;
}

export interface AllowEntry {
  readonly module: string;
  /** Exact names, `prefix*`, `*`, or a RegExp over the (possibly dotted) name. */
  readonly names: readonly (string | RegExp)[];
  /** `reference`: fine to reference (e.g. a function stored as a parameter), not to call. */
  readonly use?: 'reference';
  readonly why: string;
}

const SHELL = 'runs a command in a shell or a new process';
/**
 * torch.jit._pickle: the helpers TorchScript archives' pickles (data.pkl, constants.pkl,
 * code/*.debug_pkl) call to rebuild typed lists and restore type tags; pure data constructors.
 */
const TORCHSCRIPT_PICKLE_HELPERS = ['build_intlist', 'build_tensorlist', 'build_doublelist', 'build_boollist', 'build_complexlist', 'build_tensor_from_id', 'restore_type_tag'];
const EXEC = 'executes arbitrary Python code';
const IMPORT = 'imports a module or resolves an attribute chosen by the pickle';

export const DENY: readonly DenyEntry[] = [
  // Processes and shells.
  { module: 'os', names: ['system', 'popen', 'popen2', 'popen3', 'popen4', 'exec*', 'spawn*', 'posix_spawn', 'posix_spawnp', 'fork', 'forkpty', 'startfile', 'plock'], severity: 'critical', why: SHELL },
  { module: 'posix', names: ['system', 'popen', 'exec*', 'spawn*', 'posix_spawn', 'posix_spawnp', 'fork', 'forkpty'], severity: 'critical', why: SHELL },
  { module: 'nt', names: ['system', 'popen', 'exec*', 'spawn*', 'startfile'], severity: 'critical', why: SHELL },
  { module: 'os', names: ['remove', 'unlink', 'rmdir', 'removedirs', 'rename', 'renames', 'replace', 'truncate', 'ftruncate', 'chmod', 'fchmod', 'lchmod', 'chown', 'fchown', 'lchown', 'symlink', 'link', 'mkfifo', 'mknod', 'open', 'fdopen', 'write', 'pwrite', 'writev', 'putenv', 'unsetenv', 'kill', 'killpg', 'abort', '_exit', 'setuid', 'setgid', 'seteuid', 'setegid', 'setreuid', 'setregid', 'chdir', 'fchdir', 'chroot', 'makedirs', 'mkdir', 'environ', 'dup2', 'register_at_fork', 'add_dll_directory'], severity: 'high', why: 'changes files, processes or the environment of the loading process' },
  { module: 'posix', names: ['*'], severity: 'high', why: 'is a low-level operating-system call' },
  { module: 'nt', names: ['*'], severity: 'high', why: 'is a low-level operating-system call' },
  { module: 'subprocess', names: ['*'], severity: 'critical', why: SHELL },
  { module: 'subprocess.*', names: ['*'], severity: 'critical', why: SHELL },
  { module: '_posixsubprocess', names: ['*'], severity: 'critical', why: SHELL },
  { module: 'commands', names: ['*'], severity: 'critical', why: SHELL },
  { module: 'popen2', names: ['*'], severity: 'critical', why: SHELL },
  { module: 'platform', names: ['popen', '_syscmd_*'], severity: 'critical', why: SHELL },
  { module: 'pty', names: ['*'], severity: 'critical', why: 'spawns a process on a pseudo-terminal' },
  { module: 'asyncio', names: ['create_subprocess_shell', 'create_subprocess_exec', 'subprocess'], severity: 'critical', why: SHELL },
  { module: 'asyncio.subprocess', names: ['*'], severity: 'critical', why: SHELL },
  { module: 'asyncio.*', names: ['*subprocess*', '*Subprocess*'], severity: 'critical', why: SHELL },
  { module: 'multiprocessing.util', names: ['spawnv_passfds', '_run_finalizers'], severity: 'critical', why: SHELL },
  { module: 'multiprocessing.popen_fork', names: ['*'], severity: 'critical', why: SHELL },
  { module: 'multiprocessing.popen_spawn_posix', names: ['*'], severity: 'critical', why: SHELL },
  { module: 'multiprocessing.popen_spawn_win32', names: ['*'], severity: 'critical', why: SHELL },
  { module: 'multiprocessing.popen_forkserver', names: ['*'], severity: 'critical', why: SHELL },
  { module: 'multiprocessing', names: ['*'], severity: 'high', why: 'starts processes or shares state across them' },
  { module: 'multiprocessing.*', names: ['*'], severity: 'high', why: 'starts processes or shares state across them' },
  { module: 'uuid', names: ['_get_command_stdout', '_popen', '_find_mac*', '_ifconfig_getnode', '_ip_getnode', '_arp_getnode', '_lanscan_getnode', '_netstat_getnode', '_netbios_getnode'], severity: 'critical', why: SHELL },
  { module: 'ctypes.util', names: ['find_library', '_findLib_*', '_findSoname_*', '_get_soname'], severity: 'high', why: 'runs external tools (gcc, ldconfig) to locate libraries' },
  { module: 'webbrowser', names: ['*'], severity: 'high', why: 'opens a URL with an external program' },
  { module: 'pydoc', names: ['pipepager', 'tempfilepager', 'pager', 'getpager', 'ttypager', 'plainpager', 'browse', 'serve'], severity: 'critical', why: SHELL },
  { module: 'pydoc', names: ['locate', 'safeimport', 'importfile'], severity: 'critical', why: IMPORT },
  { module: 'distutils', names: ['*'], severity: 'high', why: 'is a build tool that runs compilers and commands' },
  { module: 'distutils.*', names: ['*'], severity: 'high', why: 'is a build tool that runs compilers and commands' },
  { module: 'distutils.spawn', names: ['*'], severity: 'critical', why: SHELL },
  { module: 'distutils.util', names: ['execute', 'spawn', 'byte_compile'], severity: 'critical', why: SHELL },
  { module: 'distutils.core', names: ['run_setup', 'setup'], severity: 'critical', why: EXEC },
  { module: 'setuptools', names: ['*'], severity: 'high', why: 'is a build tool that runs compilers and commands' },
  { module: 'setuptools.*', names: ['*'], severity: 'high', why: 'is a build tool that runs compilers and commands' },
  { module: 'pip', names: ['*'], severity: 'critical', why: 'installs packages (runs their build code)' },
  { module: 'pip.*', names: ['*'], severity: 'critical', why: 'installs packages (runs their build code)' },
  { module: 'ensurepip', names: ['*'], severity: 'critical', why: 'installs packages (runs their build code)' },
  { module: 'venv', names: ['*'], severity: 'high', why: 'creates environments and runs pip' },

  // Code execution and compilation.
  { module: 'builtins', names: ['eval', 'exec', 'execfile', 'compile', 'breakpoint', 'input', 'raw_input', '__build_class__'], severity: 'critical', why: EXEC },
  { module: 'builtins', names: ['__import__', '__loader__', '__spec__'], severity: 'critical', why: IMPORT },
  { module: 'builtins', names: ['open', 'file'], severity: 'critical', why: 'opens (and can create or truncate) a file' },
  { module: 'builtins', names: ['setattr', 'delattr'], severity: 'critical', why: 'overwrites attributes of modules, classes or functions (state poisoning)' },
  { module: 'builtins', names: ['getattr', 'vars', 'globals', 'locals', 'dir'], severity: 'high', why: 'reaches attributes or namespaces chosen by the pickle' },
  { module: 'builtins', names: ['apply', 'map', 'filter', 'reduce'], severity: 'high', why: 'calls another callable chosen by the pickle' },
  { module: 'builtins', names: ['exit', 'quit', 'help', 'copyright', 'credits', 'license'], severity: 'medium', why: 'interacts with the terminal or stops the interpreter' },
  { module: 'builtins', names: ['type', 'super', 'classmethod', 'staticmethod', 'property', 'memoryview', 'id', 'hash', 'print'], severity: 'medium', why: 'is not needed to rebuild data and is a building block of gadget chains' },
  { module: 'runpy', names: ['*'], severity: 'critical', why: EXEC },
  { module: 'code', names: ['*'], severity: 'critical', why: EXEC },
  { module: 'codeop', names: ['*'], severity: 'critical', why: EXEC },
  { module: 'timeit', names: ['*'], severity: 'critical', why: EXEC },
  { module: 'cProfile', names: ['*'], severity: 'critical', why: EXEC },
  { module: 'profile', names: ['*'], severity: 'critical', why: EXEC },
  { module: 'trace', names: ['*'], severity: 'critical', why: EXEC },
  { module: 'pdb', names: ['*'], severity: 'critical', why: EXEC },
  { module: 'bdb', names: ['*'], severity: 'critical', why: EXEC },
  { module: 'doctest', names: ['*'], severity: 'critical', why: EXEC },
  { module: 'idlelib', names: ['*'], severity: 'critical', why: EXEC },
  { module: 'idlelib.*', names: ['*'], severity: 'critical', why: EXEC },
  { module: 'lib2to3.*', names: ['*'], severity: 'high', why: 'loads grammar and pickle files' },
  { module: 'types', names: ['FunctionType', 'LambdaType', 'CodeType', 'MethodType', 'ModuleType', 'BuiltinFunctionType', 'BuiltinMethodType', 'new_class', 'prepare_class', 'coroutine'], severity: 'critical', why: 'builds functions, code objects or modules from data (arbitrary code)' },
  { module: 'marshal', names: ['*'], severity: 'critical', why: 'decodes code objects (arbitrary code)' },
  { module: 'ctypes', names: ['*'], severity: 'critical', why: 'loads native libraries and calls native code' },
  { module: 'ctypes.*', names: ['*'], severity: 'critical', why: 'loads native libraries and calls native code' },
  { module: '_ctypes', names: ['*'], severity: 'critical', why: 'loads native libraries and calls native code' },
  { module: 'cffi', names: ['*'], severity: 'critical', why: 'loads native libraries and calls native code' },
  { module: 'cffi.*', names: ['*'], severity: 'critical', why: 'loads native libraries and calls native code' },
  { module: 'sys', names: ['settrace', 'setprofile', 'addaudithook', 'call_tracing', '_getframe', 'setrecursionlimit', 'breakpointhook', 'excepthook', 'displayhook', 'remote_exec'], severity: 'critical', why: 'hooks into or runs code in the interpreter' },
  { module: 'sys', names: ['modules', 'path', 'path_hooks', 'meta_path', 'path_importer_cache', 'builtin_module_names'], severity: 'critical', why: 'reaches the import system (any module, or where modules are imported from)' },
  { module: 'sys', names: ['*'], severity: 'high', why: 'reaches interpreter state' },
  { module: 'gc', names: ['*'], severity: 'high', why: 'reaches every live object of the interpreter' },
  { module: 'inspect', names: ['*'], severity: 'high', why: 'reaches attributes, frames and source of live objects' },
  { module: 'jinja2', names: ['*'], severity: 'critical', why: 'renders templates (server-side template injection runs code)' },
  { module: 'jinja2.*', names: ['*'], severity: 'critical', why: 'renders templates (server-side template injection runs code)' },
  { module: 'yaml', names: ['load', 'load_all', 'unsafe_load', 'unsafe_load_all', 'full_load', 'full_load_all', 'UnsafeLoader', 'Loader', 'FullLoader'], severity: 'critical', why: 'decodes YAML that can construct arbitrary Python objects' },
  { module: 'numexpr', names: ['*'], severity: 'critical', why: 'evaluates expressions with eval' },
  { module: 'numexpr.*', names: ['*'], severity: 'critical', why: 'evaluates expressions with eval' },
  { module: 'sympy', names: ['sympify', 'parse_expr', 'lambdify'], severity: 'critical', why: 'evaluates expressions with eval' },
  { module: 'pandas', names: ['eval', 'read_pickle', 'read_*'], severity: 'critical', why: 'evaluates expressions or loads pickles/files' },
  { module: 'pandas.core.computation.*', names: ['*'], severity: 'critical', why: 'evaluates expressions' },
  { module: 'pandas.io.*', names: ['*'], severity: 'high', why: 'reads or writes files, databases or URLs' },
  { module: 'logging.config', names: ['*'], severity: 'critical', why: 'instantiates arbitrary classes from configuration or listens for configuration on a socket' },

  // Importing by name, attribute resolution.
  { module: 'importlib', names: ['*'], severity: 'critical', why: IMPORT },
  { module: 'importlib.*', names: ['*'], severity: 'critical', why: IMPORT },
  { module: 'imp', names: ['*'], severity: 'critical', why: IMPORT },
  { module: 'zipimport', names: ['*'], severity: 'critical', why: IMPORT },
  { module: 'pkgutil', names: ['resolve_name', 'get_loader', 'find_loader', 'get_importer', 'iter_importers', 'walk_packages', 'extend_path', 'get_data'], severity: 'critical', why: IMPORT },
  { module: 'operator', names: ['attrgetter', 'methodcaller', 'itemgetter', 'getitem', 'setitem', 'delitem', 'call'], severity: 'high', why: 'reaches or calls attributes or items chosen by the pickle' },
  { module: '_operator', names: ['attrgetter', 'methodcaller', 'itemgetter', 'getitem', 'setitem', 'delitem', 'call'], severity: 'high', why: 'reaches or calls attributes or items chosen by the pickle' },
  { module: 'functools', names: ['partial', 'partialmethod', 'reduce', 'wraps', 'update_wrapper', 'singledispatch'], severity: 'high', why: 'calls or wraps another callable chosen by the pickle' },
  { module: '_functools', names: ['partial', 'reduce'], severity: 'high', why: 'calls or wraps another callable chosen by the pickle' },
  { module: 'itertools', names: ['starmap'], severity: 'high', why: 'calls another callable chosen by the pickle' },
  { module: 'copyreg', names: ['add_extension', 'pickle', 'constructor', '_extension_registry', '_inverted_registry', '_extension_cache', 'dispatch_table'], severity: 'high', why: 'changes how this process pickles and unpickles (extension codes, reducers)' },
  { module: 'copy_reg', names: ['add_extension', 'pickle', 'constructor'], severity: 'high', why: 'changes how this process pickles and unpickles (extension codes, reducers)' },

  // Nested deserialisation (the bytes are scanned when statically known; see resolve.ts).
  { module: 'pickle', names: ['*'], severity: 'critical', why: 'loads another pickle (arbitrary code) or changes pickling' },
  { module: '_pickle', names: ['*'], severity: 'critical', why: 'loads another pickle (arbitrary code) or changes pickling' },
  { module: 'cPickle', names: ['*'], severity: 'critical', why: 'loads another pickle (arbitrary code) or changes pickling' },
  { module: 'dill', names: ['*'], severity: 'critical', why: 'loads another pickle (arbitrary code)' },
  { module: 'dill.*', names: ['*'], severity: 'critical', why: 'loads another pickle (arbitrary code)' },
  { module: 'cloudpickle', names: ['*'], severity: 'critical', why: 'loads another pickle (arbitrary code)' },
  { module: 'cloudpickle.*', names: ['*'], severity: 'critical', why: 'loads another pickle (arbitrary code)' },
  { module: 'jsonpickle', names: ['*'], severity: 'critical', why: 'decodes JSON into arbitrary Python objects' },
  { module: 'jsonpickle.*', names: ['*'], severity: 'critical', why: 'decodes JSON into arbitrary Python objects' },
  { module: 'shelve', names: ['*'], severity: 'critical', why: 'opens a pickle-backed database' },
  { module: 'joblib', names: ['load'], severity: 'critical', why: 'loads another pickle (arbitrary code)' },
  { module: 'joblib.numpy_pickle', names: ['load', '_unpickle', 'load_temporary_memmap', 'NumpyUnpickler'], severity: 'critical', why: 'loads another pickle (arbitrary code)' },
  { module: 'numpy', names: ['load', 'loads', 'fromfile', 'memmap', 'save', 'savez', 'savetxt', 'loadtxt', 'genfromtxt', 'tofile'], severity: 'critical', why: 'loads or writes files (numpy.load unpickles object arrays)' },
  { module: 'numpy.lib.npyio', names: ['*'], severity: 'critical', why: 'loads or writes files (numpy.load unpickles object arrays)' },
  { module: 'numpy.lib.format', names: ['read_array', 'write_array', 'open_memmap'], severity: 'critical', why: 'reads arrays with allow_pickle' },
  { module: 'numpy.testing', names: ['*'], severity: 'critical', why: 'contains test helpers that execute code (runstring)' },
  { module: 'numpy.testing.*', names: ['*'], severity: 'critical', why: 'contains test helpers that execute code (runstring)' },
  { module: 'numpy.distutils', names: ['*'], severity: 'critical', why: SHELL },
  { module: 'numpy.distutils.*', names: ['*'], severity: 'critical', why: SHELL },
  { module: 'numpy.f2py', names: ['*'], severity: 'critical', why: 'compiles and loads native extensions' },
  { module: 'numpy.f2py.*', names: ['*'], severity: 'critical', why: 'compiles and loads native extensions' },
  { module: 'numpy.ctypeslib', names: ['*'], severity: 'critical', why: 'loads native libraries' },
  { module: 'torch', names: ['load', 'save'], severity: 'critical', why: 'loads or writes another checkpoint (torch.load without weights_only runs pickles)' },
  { module: 'torch.serialization', names: ['load', '_load', '_legacy_load', 'save', '_save', 'add_safe_globals', 'safe_globals', 'register_package'], severity: 'critical', why: 'loads another checkpoint or widens what torch.load accepts' },
  { module: 'torch.storage', names: ['_load_from_bytes'], severity: 'critical', why: 'calls torch.load on embedded bytes' },
  { module: 'torch.hub', names: ['*'], severity: 'critical', why: 'downloads and runs code from a repository (hubconf.py)' },
  { module: 'torch.package', names: ['*'], severity: 'critical', why: 'imports code from a package archive' },
  { module: 'torch.package.*', names: ['*'], severity: 'critical', why: 'imports code from a package archive' },
  { module: 'torch.jit', names: ['load', '_load_for_lite_interpreter', 'CompilationUnit', 'script', 'trace'], severity: 'critical', why: 'compiles or loads TorchScript code' },
  { module: 'torch.jit.*', names: ['*'], except: TORCHSCRIPT_PICKLE_HELPERS, severity: 'high', why: 'compiles or loads TorchScript code' },
  { module: 'torch.utils.cpp_extension', names: ['*'], severity: 'critical', why: 'compiles and loads native extensions' },
  { module: 'torch.fx.graph_module', names: ['reduce_graph_module', 'reduce_package_graph_module', 'reduce_deploy_graph_module', '_forward_from_src', '_method_from_src', '_exec_with_source', '_deserialize_graph_module'], severity: 'critical', why: 'executes Python source code carried in the pickle' },
  { module: 'torch.fx.*', names: ['_exec_with_source', '_forward_from_src', '_method_from_src'], severity: 'critical', why: EXEC },
  { module: 'torch._dynamo.*', names: ['*'], severity: 'high', why: 'compiles and runs generated code' },
  { module: 'torch._inductor.*', names: ['*'], severity: 'high', why: 'compiles and runs generated code' },
  { module: 'torch.ops', names: ['load_library'], severity: 'critical', why: 'loads native libraries' },
  { module: 'torch.classes', names: ['load_library'], severity: 'critical', why: 'loads native libraries' },
  { module: 'torch.cuda.memory', names: ['*'], severity: 'medium', why: 'changes global allocator state' },
  { module: 'keras.*', names: ['load_model', 'deserialize', 'deserialize_keras_object', 'Lambda'], severity: 'critical', why: 'loads models with Lambda layers (arbitrary code)' },
  { module: 'tensorflow.*', names: ['load', 'load_model', 'py_func', 'numpy_function', 'load_op_library', 'load_library'], severity: 'critical', why: 'loads models, ops or native libraries' },

  // Files and the network.
  { module: 'shutil', names: ['*'], severity: 'high', why: 'copies, moves or deletes files and directory trees' },
  { module: 'tempfile', names: ['*'], severity: 'medium', why: 'creates files' },
  { module: 'io', names: ['open', 'open_code', 'FileIO', 'TextIOWrapper', 'BufferedWriter', 'BufferedRandom'], severity: 'critical', why: 'opens (and can create or truncate) a file' },
  { module: '_io', names: ['open', 'open_code', 'FileIO', 'TextIOWrapper', 'BufferedWriter', 'BufferedRandom'], severity: 'critical', why: 'opens (and can create or truncate) a file' },
  { module: 'codecs', names: ['open', 'EncodedFile', 'StreamReaderWriter'], severity: 'critical', why: 'opens (and can create or truncate) a file' },
  { module: 'fileinput', names: ['*'], severity: 'high', why: 'reads and rewrites files in place' },
  { module: 'pathlib', names: ['*.write_text', '*.write_bytes', '*.unlink', '*.rmdir', '*.rename', '*.replace', '*.chmod', '*.touch', '*.mkdir', '*.symlink_to', '*.open', '*.read_text', '*.read_bytes'], severity: 'high', why: 'reads, writes or deletes files' },
  { module: 'glob', names: ['*'], severity: 'medium', why: 'lists files' },
  { module: 'tarfile', names: ['*'], severity: 'high', why: 'opens archives and extracts files' },
  { module: 'zipfile', names: ['*'], severity: 'high', why: 'opens archives and extracts files' },
  { module: 'socket', names: ['*'], severity: 'high', why: 'opens network connections' },
  { module: '_socket', names: ['*'], severity: 'high', why: 'opens network connections' },
  { module: 'socketserver', names: ['*'], severity: 'high', why: 'listens on the network' },
  { module: 'ssl', names: ['*'], severity: 'high', why: 'opens network connections' },
  { module: 'http.client', names: ['*'], severity: 'high', why: 'opens network connections' },
  { module: 'http.server', names: ['*'], severity: 'high', why: 'listens on the network' },
  { module: 'urllib.request', names: ['*'], severity: 'high', why: 'downloads from or sends data to a URL' },
  { module: 'urllib', names: ['urlopen', 'urlretrieve'], severity: 'high', why: 'downloads from or sends data to a URL' },
  { module: 'urllib2', names: ['*'], severity: 'high', why: 'downloads from or sends data to a URL' },
  { module: 'ftplib', names: ['*'], severity: 'high', why: 'opens network connections' },
  { module: 'smtplib', names: ['*'], severity: 'high', why: 'sends mail' },
  { module: 'telnetlib', names: ['*'], severity: 'high', why: 'opens network connections' },
  { module: 'poplib', names: ['*'], severity: 'high', why: 'opens network connections' },
  { module: 'imaplib', names: ['*'], severity: 'high', why: 'opens network connections' },
  { module: 'nntplib', names: ['*'], severity: 'high', why: 'opens network connections' },
  { module: 'xmlrpc.client', names: ['*'], severity: 'high', why: 'calls remote procedures' },
  { module: 'xmlrpc.server', names: ['*'], severity: 'high', why: 'listens on the network' },
  { module: 'requests', names: ['*'], severity: 'high', why: 'downloads from or sends data to a URL' },
  { module: 'requests.*', names: ['*'], severity: 'high', why: 'downloads from or sends data to a URL' },
  { module: 'httpx', names: ['*'], severity: 'high', why: 'downloads from or sends data to a URL' },
  { module: 'aiohttp', names: ['*'], severity: 'high', why: 'downloads from or sends data to a URL' },
  { module: 'aiohttp.*', names: ['*'], severity: 'high', why: 'downloads from or sends data to a URL' },
  { module: 'urllib3', names: ['*'], severity: 'high', why: 'downloads from or sends data to a URL' },
  { module: 'urllib3.*', names: ['*'], severity: 'high', why: 'downloads from or sends data to a URL' },
  { module: 'signal', names: ['*'], severity: 'high', why: 'installs signal handlers or sends signals' },
  { module: '_thread', names: ['*'], severity: 'high', why: 'starts threads running a callable chosen by the pickle' },
  { module: 'threading', names: ['Thread', 'Timer', 'settrace', 'setprofile', 'excepthook', '_start_new_thread', 'start_new_thread'], severity: 'high', why: 'starts threads running a callable chosen by the pickle' },
  { module: 'atexit', names: ['*'], severity: 'high', why: 'registers a callable to run at interpreter exit' },
  { module: 'builtins', names: ['__dict__', '__builtins__'], severity: 'critical', why: 'reaches the builtins namespace (eval, exec, __import__)' },

  // Gadgets in the standard library and ML frameworks found by the peers' advisories and Bulwark's own
  // review: functions that run commands, execute or import code, or load further pickles.
  { module: 'torch.utils.collect_env', names: ['*'], severity: 'critical', why: 'runs shell commands (collect_env.run is subprocess.Popen(shell=True))' },
  { module: 'torch.utils.bottleneck.*', names: ['*'], severity: 'critical', why: EXEC },
  { module: 'torch._dynamo.guards', names: ['GuardBuilder.*'], severity: 'critical', why: 'evaluates guard expressions (eval)' },
  { module: 'torch._inductor.codecache', names: ['*'], severity: 'critical', why: 'compiles and loads generated code (runs the compiler command it is given)' },
  { module: 'torch.fx.experimental.symbolic_shapes', names: ['ShapeEnv.evaluate_guards_expression', 'ShapeEnv.evaluate_guards_for_args'], severity: 'critical', why: 'evaluates guard expressions (eval)' },
  { module: 'torch.jit.unsupported_tensor_ops', names: ['*'], severity: 'critical', why: EXEC },
  { module: 'torch.jit.annotations', names: ['*'], severity: 'critical', why: 'evaluates type annotation strings (eval, CVE-2022-45907)' },
  { module: 'torch.jit.frontend', names: ['*'], severity: 'critical', why: 'compiles Python source into TorchScript' },
  { module: 'torch.utils._config_module', names: ['ConfigModule.load_config', '*.load_config'], severity: 'critical', why: 'loads a pickle carried as configuration' },
  { module: 'torch.utils.data.datapipes.utils.decoder', names: ['*'], severity: 'critical', why: 'decodes data with handlers that unpickle it' },
  { module: 'torch.utils.model_zoo', names: ['*'], severity: 'critical', why: 'downloads and loads a checkpoint (torch.load)' },
  { module: 'torch.testing._internal.*', names: ['*'], severity: 'critical', why: 'test utilities that run shell commands and Python source' },
  { module: 'torch.distributed.rpc', names: ['*'], severity: 'critical', why: 'runs remote procedure calls (arbitrary functions, CVE-2024-5480, CVE-2024-48063)' },
  { module: 'torch.distributed.rpc.*', names: ['*'], severity: 'critical', why: 'runs remote procedure calls (arbitrary functions, CVE-2024-5480, CVE-2024-48063)' },
  { module: 'torch.distributed', names: ['run', 'launch', 'launcher'], severity: 'critical', why: SHELL },
  { module: 'torch.distributed.run', names: ['*'], severity: 'critical', why: SHELL },
  { module: 'torch.distributed.launch', names: ['*'], severity: 'critical', why: SHELL },
  { module: 'torch.distributed.elastic.*', names: ['*'], severity: 'high', why: 'starts and manages worker processes' },
  { module: 'torch.multiprocessing', names: ['*'], severity: 'high', why: 'starts processes' },
  { module: 'torch.multiprocessing.*', names: ['*'], severity: 'high', why: 'starts processes' },
  { module: 'torch._C', names: ['_load*', 'import_ir_module*', '_import_ir*', '_jit_*', '_get_model_bytecode*', '_backport*'], severity: 'critical', why: 'compiles or loads TorchScript code' },
  { module: 'torch', names: ['from_file', 'compile'], severity: 'high', why: 'reads files or compiles generated code' },
  { module: 'torch.onnx', names: ['export', 'dynamo_export', 'load'], severity: 'high', why: 'writes or reads model files' },
  { module: 'torch.utils.tensorboard.*', names: ['*'], severity: 'high', why: 'writes event files' },
  { module: 'torchvision.io', names: ['*'], severity: 'high', why: 'reads or writes image and video files' },
  { module: 'torchvision.io.*', names: ['*'], severity: 'high', why: 'reads or writes image and video files' },
  { module: 'torchvision.datasets.*', names: ['download*', 'extract*', '*download*', 'check_integrity'], severity: 'high', why: 'downloads files and extracts archives' },
  { module: 'trace', names: ['Trace.*'], severity: 'critical', why: EXEC },
  { module: 'lib2to3.pgen2.grammar', names: ['Grammar.load', 'Grammar.loads'], severity: 'critical', why: 'loads a pickle (grammar tables)' },
  { module: 'lib2to3.pgen2.pgen', names: ['ParserGenerator.make_label'], severity: 'critical', why: 'evaluates a string (eval)' },
  { module: 'logging', names: ['FileHandler', 'basicConfig'], severity: 'high', why: 'creates or truncates a file' },
  { module: 'logging.handlers', names: ['*'], severity: 'high', why: 'writes files, sockets, mail or HTTP requests' },
  { module: 'imaplib', names: ['IMAP4_stream'], severity: 'critical', why: SHELL },
  { module: 'site', names: ['addpackage', 'addsitedir', 'main', 'execsitecustomize', 'execusercustomize', 'venv'], severity: 'critical', why: 'processes .pth files (their import lines are executed)' },
  { module: 'test.support.*', names: ['*'], severity: 'critical', why: 'test helpers that run Python (script_helper.assert_python_ok) and commands' },
  { module: 'unittest', names: ['main', 'TestProgram'], severity: 'critical', why: IMPORT },
  { module: 'unittest.main', names: ['*'], severity: 'critical', why: IMPORT },
  { module: 'unittest.loader', names: ['*'], severity: 'critical', why: IMPORT },
  { module: '_winapi', names: ['*'], severity: 'critical', why: SHELL },
  { module: 'msvcrt', names: ['*'], severity: 'high', why: 'is a low-level operating-system call' },
  { module: 'winreg', names: ['*'], severity: 'high', why: 'reads and writes the Windows registry' },
  { module: 'zipapp', names: ['*'], severity: 'high', why: 'writes executable archives' },
  { module: 'dbm', names: ['*'], severity: 'high', why: 'opens database files' },
  { module: 'dbm.*', names: ['*'], severity: 'high', why: 'opens database files' },
  { module: 'asyncore', names: ['*'], severity: 'high', why: 'opens network connections' },
  { module: 'asynchat', names: ['*'], severity: 'high', why: 'opens network connections' },
  { module: 'numpy._pytesttester', names: ['*'], severity: 'critical', why: 'runs the test suite (imports and runs test modules)' },
  { module: 'numpy', names: ['*.tofile', '*.dump'], severity: 'high', why: 'writes an array to a file' },
  { module: 'numpy.ndarray', names: ['tofile', 'dump'], severity: 'high', why: 'writes an array to a file' },
  { module: 'scipy._lib._testutils', names: ['*'], severity: 'critical', why: 'runs the test suite (imports and runs test modules)' },
  { module: 'scipy.io', names: ['*'], severity: 'high', why: 'reads or writes data files' },
  { module: 'scipy.io.*', names: ['*'], severity: 'high', why: 'reads or writes data files' },
  { module: 'sklearn.utils._testing', names: ['*'], severity: 'critical', why: 'test utilities that run Python source (assert_run_python_script*)' },
  { module: 'sklearn.datasets.*', names: ['fetch_*', 'load_svmlight_file*', 'dump_svmlight_file', 'load_files', 'get_data_home', 'clear_data_home'], severity: 'high', why: 'downloads, reads or writes data files' },
  { module: 'sklearn.datasets', names: ['fetch_*', 'load_svmlight_file*', 'dump_svmlight_file', 'load_files', 'get_data_home', 'clear_data_home'], severity: 'high', why: 'downloads, reads or writes data files' },
  { module: 'pandas.util._tester', names: ['*'], severity: 'critical', why: 'runs the test suite (imports and runs test modules)' },
  { module: 'pandas._testing', names: ['*'], severity: 'high', why: 'test utilities (files, network, environment changes)' },
  { module: 'pandas._testing.*', names: ['*'], severity: 'high', why: 'test utilities (files, network, environment changes)' },
  { module: 'pandas', names: ['*.to_*', 'to_pickle'], severity: 'high', why: 'writes files (DataFrame.to_csv, to_pickle, ...)' },
  { module: 'pandas.core.*', names: ['*.to_*', 'to_pickle', 'read_*'], severity: 'high', why: 'reads or writes files' },
  { module: 'transformers.dynamic_module_utils', names: ['*'], severity: 'critical', why: 'downloads and imports remote code (trust_remote_code)' },
  { module: 'transformers.*', names: ['*.from_pretrained', 'from_pretrained', 'pipeline', 'load_tf_weights*', 'load_pytorch_*', 'hf_hub_download', 'cached_file', 'get_class_from_dynamic_module'], severity: 'critical', why: 'downloads and loads models (pickles, remote code)' },
  { module: 'transformers', names: ['pipeline', '*.from_pretrained'], severity: 'critical', why: 'downloads and loads models (pickles, remote code)' },
  { module: 'huggingface_hub', names: ['*'], severity: 'high', why: 'downloads from or uploads to the Hugging Face Hub' },
  { module: 'huggingface_hub.*', names: ['*'], severity: 'high', why: 'downloads from or uploads to the Hugging Face Hub' },
  { module: 'datasets', names: ['load_dataset', 'load_from_disk', 'load_dataset_builder'], severity: 'critical', why: 'runs dataset loading scripts and loads pickled caches' },
  { module: 'datasets.*', names: ['load_dataset', 'load_from_disk', 'load_dataset_builder', 'dataset_module_factory', '*.from_file'], severity: 'critical', why: 'runs dataset loading scripts and loads pickled caches' },
  { module: 'accelerate.commands.*', names: ['*'], severity: 'critical', why: SHELL },
  { module: 'accelerate.utils.*', names: ['load*', 'save*', 'write_basic_config'], severity: 'high', why: 'reads or writes checkpoints and files' },
  { module: 'hydra.utils', names: ['instantiate', 'call', 'get_method', 'get_class', 'get_object', 'get_static_method', '_locate'], severity: 'critical', why: 'imports and calls a target named in configuration data' },
  { module: 'hydra._internal.*', names: ['*'], severity: 'critical', why: 'imports and calls a target named in configuration data' },
  { module: 'lightning.*', names: ['*.load_from_checkpoint', 'load_from_checkpoint', '*_load', 'pl_load'], severity: 'critical', why: 'loads a checkpoint (torch.load)' },
  { module: 'pytorch_lightning.*', names: ['*.load_from_checkpoint', 'load_from_checkpoint', '*_load', 'pl_load'], severity: 'critical', why: 'loads a checkpoint (torch.load)' },
  { module: 'mlflow', names: ['*'], severity: 'critical', why: 'loads models (pickled Python functions) and runs projects' },
  { module: 'mlflow.*', names: ['*'], severity: 'critical', why: 'loads models (pickled Python functions) and runs projects' },
  { module: 'gensim.utils', names: ['unpickle', 'pickle', 'SaveLoad.load', 'SaveLoad.save', 'open', 'smart_open'], severity: 'critical', why: 'loads or writes pickles and files' },
  { module: 'gensim.*', names: ['*.load', '*.save', 'load', 'save', 'load_word2vec_format', '*.load_word2vec_format', 'save_word2vec_format', '*.save_word2vec_format'], severity: 'critical', why: 'loads or writes pickles and files' },
  { module: 'statsmodels.iolib.*', names: ['*'], severity: 'critical', why: 'loads or writes pickles and files' },
  { module: 'statsmodels.*', names: ['*.load', '*.save', 'load_pickle', 'save_pickle'], severity: 'critical', why: 'loads or writes pickles and files' },
  { module: 'xgboost.*', names: ['*.save_model', '*.load_model', '*.dump_model', 'save_model', 'load_model'], severity: 'high', why: 'reads or writes model files' },
  { module: 'lightgbm.*', names: ['*.save_model', '*.load_model', '*.dump_model', 'save_model', 'load_model'], severity: 'high', why: 'reads or writes model files' },
  { module: 'catboost.*', names: ['*.save_model', '*.load_model', 'save_model', 'load_model'], severity: 'high', why: 'reads or writes model files' },
  { module: 'fsspec', names: ['*'], severity: 'high', why: 'opens local or remote files by URL' },
  { module: 'fsspec.*', names: ['*'], severity: 'high', why: 'opens local or remote files by URL' },
  { module: 'h5py', names: ['File'], severity: 'high', why: 'opens (and can create or truncate) a file' },
  { module: 'PIL.*', names: ['open', '*.save'], severity: 'high', why: 'reads or writes image files' },
  { module: 'keras.utils', names: ['get_file'], severity: 'high', why: 'downloads files' },
  { module: 'keras.*', names: ['get_file'], severity: 'high', why: 'downloads files' },
  { module: 'tensorflow.*', names: ['write_file', 'read_file', 'get_file', 'GFile', '*gfile*', 'save_model', 'save'], severity: 'high', why: 'reads, writes or downloads files' },
];

/** Dunder attributes whose traversal reaches code, globals or every class: a gadget-chain hallmark. */
export const ESCAPE_DUNDERS: ReadonlySet<string> = new Set([
  '__globals__', '__builtins__', '__dict__', '__subclasses__', '__code__', '__class__', '__base__', '__bases__',
  '__mro__', '__getattribute__', '__getattr__', '__setattr__', '__delattr__', '__reduce__', '__reduce_ex__',
  '__self__', '__func__', '__closure__', '__import__', '__loader__', '__spec__', '__init_subclass__', '__call__',
  '__setstate__', '__getstate__', '__new__', '__init__', '__module__', '__defaults__', '__kwdefaults__', '__wrapped__',
]);

const TORCH_DTYPES = [
  'float32', 'float', 'float64', 'double', 'float16', 'half', 'bfloat16', 'complex32', 'chalf', 'complex64', 'cfloat',
  'complex128', 'cdouble', 'uint8', 'uint16', 'uint32', 'uint64', 'int8', 'int16', 'short', 'int32', 'int', 'int64',
  'long', 'bool', 'qint8', 'quint8', 'qint32', 'quint4x2', 'quint2x4', 'float8_e4m3fn', 'float8_e5m2',
  'float8_e4m3fnuz', 'float8_e5m2fnuz', 'float8_e8m0fnu', 'float4_e2m1fn_x2', 'bits1x8', 'bits2x4', 'bits4x2', 'bits8',
  'bits16', 'uint1', 'uint2', 'uint3', 'uint4', 'uint5', 'uint6', 'uint7', 'int1', 'int2', 'int3', 'int4', 'int5', 'int6',
  'int7',
];
const TORCH_SCALARS = ['Double', 'Float', 'Half', 'BFloat16', 'Long', 'Int', 'Short', 'Char', 'Byte', 'Bool', 'ComplexDouble', 'ComplexFloat', 'QUInt8', 'QInt8', 'QInt32', 'QUInt4x2', 'QUInt2x4'];
/** Storage classes of dtypes newer PyTorch saves (float8 since 2.1, unsigned 16/32/64-bit since 2.3); inert data in persistent ids. */
const TORCH_NEW_STORAGES = ['Float8_e4m3fnStorage', 'Float8_e5m2Storage', 'Float8_e4m3fnuzStorage', 'Float8_e5m2fnuzStorage', 'UInt16Storage', 'UInt32Storage', 'UInt64Storage'];
const TORCH_STORAGES = [...TORCH_SCALARS.map((s) => `${s}Storage`), ...TORCH_NEW_STORAGES, 'UntypedStorage', 'TypedStorage'];
const TORCH_TENSORS = TORCH_SCALARS.map((s) => `${s}Tensor`);
const NUMPY_SCALARS = [
  'bool_', 'bool', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'intc', 'uintc', 'intp',
  'uintp', 'int_', 'uint', 'longlong', 'ulonglong', 'short', 'ushort', 'byte', 'ubyte', 'float16', 'float32', 'float64',
  'float128', 'half', 'single', 'double', 'longdouble', 'float_', 'complex64', 'complex128', 'complex256', 'csingle',
  'cdouble', 'clongdouble', 'complex_', 'str_', 'unicode_', 'bytes_', 'string_', 'object_', 'void', 'datetime64',
  'timedelta64', 'generic', 'number',
];
/** CamelCase class names (optionally with a leading underscore); no dots, so no attribute reach. */
const CLASS = /^_?[A-Z][A-Za-z0-9_]*$/;

export const ALLOW: readonly AllowEntry[] = [
  // PyTorch weights_only set.
  { module: 'collections', names: ['OrderedDict', 'Counter', 'defaultdict', 'deque'], why: 'standard containers' },
  { module: 'torch', names: [...TORCH_DTYPES, ...TORCH_STORAGES, ...TORCH_TENSORS, 'Size', 'Tensor', 'device', 'dtype', 'layout', 'strided', 'sparse_coo', 'sparse_csr', 'sparse_csc', 'sparse_bsr', 'sparse_bsc', '_mkldnn', 'memory_format', 'contiguous_format', 'channels_last', 'channels_last_3d', 'preserve_format', 'per_tensor_affine', 'per_tensor_symmetric', 'per_channel_affine', 'per_channel_symmetric', 'per_channel_affine_float_qparams', 'finfo', 'iinfo'], why: 'PyTorch weights_only globals (dtypes, storages, tensor types, layouts, qschemes)' },
  { module: 'torch.cuda', names: [...TORCH_STORAGES, ...TORCH_TENSORS], why: 'PyTorch CUDA storage and tensor types' },
  { module: 'torch.storage', names: ['TypedStorage', 'UntypedStorage', '_StorageBase'], why: 'PyTorch storage types' },
  { module: 'torch._utils', names: ['_rebuild_*'], why: 'PyTorch tensor rebuild functions (weights_only)' },
  { module: 'torch._tensor', names: ['_rebuild_from_type', '_rebuild_from_type_v2'], why: 'PyTorch tensor subclass rebuild (weights_only)' },
  { module: 'torch.tensor', names: ['_rebuild_from_type', '_rebuild_from_type_v2'], why: 'PyTorch < 1.10 name of torch._tensor (torch.load maps it)' },
  { module: 'torch.serialization', names: ['_get_layout', 'StorageType'], why: 'PyTorch weights_only helpers' },
  { module: 'torch.nn.parameter', names: ['Parameter', 'Buffer', 'UninitializedParameter', 'UninitializedBuffer'], why: 'PyTorch parameters' },
  { module: 'torch.nn.modules.*', names: [CLASS], why: 'PyTorch module classes (full-model checkpoints)' },
  { module: 'torch.nn.functional', names: [/^[a-z_][a-z0-9_]*$/], why: 'PyTorch tensor functions (activation references)' },
  { module: 'torch.nn.utils.parametrize', names: [CLASS], why: 'PyTorch parametrizations' },
  { module: 'torch.optim.*', names: [CLASS], why: 'PyTorch optimizer and scheduler classes' },
  { module: 'torch.distributed.tensor.*', names: [CLASS], why: 'PyTorch DTensor metadata (weights_only names them)' },
  { module: 'torch.distributed.device_mesh', names: ['DeviceMesh'], why: 'PyTorch DTensor metadata' },
  { module: 'torch.ao.quantization.*', names: [CLASS], why: 'PyTorch quantization observers and configs' },
  { module: 'torch.jit._pickle', names: TORCHSCRIPT_PICKLE_HELPERS, why: 'TorchScript typed-list and type-tag helpers (pure data)' },
  // numpy reconstruction.
  { module: 'numpy.core.multiarray', names: ['_reconstruct', 'scalar', '_frombuffer'], why: 'numpy array reconstruction' },
  { module: 'numpy._core.multiarray', names: ['_reconstruct', 'scalar', '_frombuffer'], why: 'numpy array reconstruction' },
  { module: 'numpy.core.numeric', names: ['_frombuffer'], why: 'numpy array reconstruction (protocol 5)' },
  { module: 'numpy._core.numeric', names: ['_frombuffer'], why: 'numpy array reconstruction (protocol 5)' },
  { module: 'numpy', names: ['ndarray', 'dtype', 'matrix', 'recarray', 'record', ...NUMPY_SCALARS], why: 'numpy arrays, dtypes and scalar types' },
  { module: 'numpy.dtypes', names: [/^[A-Za-z0-9]+DType$/], why: 'numpy 2 dtype classes' },
  { module: 'numpy.ma.core', names: ['_mareconstruct', 'MaskedArray', 'MaskedConstant'], why: 'numpy masked arrays' },
  { module: 'numpy.matrixlib.defmatrix', names: ['matrix'], why: 'numpy matrix' },
  { module: 'numpy.core.records', names: ['recarray', 'record'], why: 'numpy record arrays' },
  { module: 'numpy._core.records', names: ['recarray', 'record'], why: 'numpy record arrays' },
  { module: 'numpy.random', names: ['__RandomState_ctor'], why: 'numpy random state' },
  { module: 'numpy.core', names: ['_ufunc_reconstruct'], why: 'numpy ufunc by name (resolved and graded as what it names)' },
  { module: 'numpy._core', names: ['_ufunc_reconstruct'], why: 'numpy ufunc by name (resolved and graded as what it names)' },
  { module: 'numpy', names: [/^[a-z][a-z0-9_]*$/], use: 'reference', why: 'numpy functions and ufuncs stored as parameters (FunctionTransformer(np.log1p))' },
  { module: 'numpy.core._multiarray_umath', names: [/^[a-z][a-z0-9_]*$/], use: 'reference', why: 'numpy ufuncs stored as parameters' },
  { module: 'numpy._core._multiarray_umath', names: [/^[a-z][a-z0-9_]*$/], use: 'reference', why: 'numpy ufuncs stored as parameters' },
  { module: 'numpy.random._pickle', names: ['__randomstate_ctor', '__generator_ctor', '__bit_generator_ctor'], why: 'numpy random generators' },
  { module: 'numpy.random.*', names: [CLASS], why: 'numpy random generator classes' },
  // Builtins and the standard library.
  { module: 'builtins', names: ['set', 'frozenset', 'complex', 'slice', 'bytearray', 'bytes', 'range', 'int', 'float', 'str', 'bool', 'tuple', 'list', 'dict', 'object', 'Ellipsis', 'NotImplemented', /^[A-Z][A-Za-z]*(Error|Exception|Warning)$/], why: 'builtin value types' },
  { module: '_codecs', names: ['encode'], why: 'bytes in protocol 0–2 streams (numpy, weights_only)' },
  { module: 'codecs', names: ['encode'], why: 'bytes in protocol 0–2 streams' },
  { module: 'copyreg', names: ['_reconstructor', '__newobj__', '__newobj_ex__'], why: 'object reconstruction helpers (the class is graded separately)' },
  { module: 'datetime', names: ['datetime', 'date', 'time', 'timedelta', 'timezone'], why: 'date and time values' },
  { module: 'decimal', names: ['Decimal'], why: 'decimal values' },
  { module: 'fractions', names: ['Fraction'], why: 'fraction values' },
  { module: 'uuid', names: ['UUID', 'SafeUUID'], why: 'UUID values' },
  { module: 'pathlib', names: ['Path', 'PosixPath', 'WindowsPath', 'PurePath', 'PurePosixPath', 'PureWindowsPath'], why: 'path values (constructing a path touches no file)' },
  { module: 'argparse', names: ['Namespace'], why: 'saved command-line arguments (fairseq, lightning checkpoints)' },
  { module: 'types', names: ['SimpleNamespace'], why: 'plain namespace values' },
  { module: 'array', names: ['array', '_array_reconstructor'], why: 'array values' },
  { module: 'enum', names: ['Enum', 'IntEnum', 'StrEnum', 'Flag', 'IntFlag'], why: 'enum base classes' },
  { module: 're', names: ['_compile', 'Pattern', 'RegexFlag'], why: 'compiled regular expressions (tokenizers, vectorizers)' },
  { module: 'io', names: ['BytesIO', 'StringIO'], why: 'in-memory buffers' },
  // Classic ML libraries.
  { module: 'sklearn.*', names: [CLASS], why: 'scikit-learn estimator and helper classes' },
  { module: 'sklearn.*', names: [/^[a-z_][a-z0-9_]*$/], use: 'reference', why: 'scikit-learn functions stored as parameters (score functions, kernels)' },
  { module: 'scipy.sparse', names: [CLASS, /^[a-z]{3}_(matrix|array)$/], why: 'scipy sparse matrices' },
  { module: 'scipy.sparse.*', names: [CLASS, /^[a-z]{3}_(matrix|array)$/], why: 'scipy sparse matrices' },
  { module: 'sklearn.*', names: ['newObj', /^__pyx_unpickle_[A-Za-z0-9_]+$/], why: 'scikit-learn Cython classes rebuilt by their generated helpers (KD trees, distance metrics, losses)' },
  { module: 'torchvision.*', names: [CLASS], why: 'torchvision transforms, model and ops classes' },
  { module: 'pytz', names: ['_UTC', '_p', 'utc', 'UTC'], why: 'pytz time zones (rebuilt by name)' },
  { module: 'zoneinfo', names: ['ZoneInfo', 'ZoneInfo._unpickle'], why: 'zoneinfo time zones (rebuilt by key)' },
  { module: 'dateutil.tz.*', names: [CLASS, /^tz[a-z]+$/], why: 'dateutil time zones' },
  { module: 'xgboost.core', names: ['Booster', 'DMatrix'], why: 'xgboost models' },
  { module: 'xgboost.sklearn', names: [CLASS], why: 'xgboost scikit-learn wrappers' },
  { module: 'lightgbm.basic', names: ['Booster', 'Dataset', '_InnerPredictor'], why: 'lightgbm models' },
  { module: 'lightgbm.sklearn', names: [CLASS], why: 'lightgbm scikit-learn wrappers' },
  { module: 'catboost.core', names: [CLASS], why: 'catboost models' },
  { module: 'joblib.numpy_pickle', names: ['NumpyArrayWrapper'], why: 'joblib array placeholder (array bytes follow in the stream)' },
  { module: 'joblib.numpy_pickle_compat', names: ['NDArrayWrapper', 'ZNDArrayWrapper'], why: 'legacy joblib array placeholders' },
  { module: 'pandas', names: ['DataFrame', 'Series', 'Index', 'Categorical', 'Timestamp', 'Timedelta', 'Period', 'Interval'], why: 'pandas containers and scalars' },
  { module: 'pandas.core.*', names: [CLASS], why: 'pandas containers, indexes and dtypes' },
  { module: 'pandas._libs.*', names: [/^_?(unpickle|new|reconstruct)[A-Za-z0-9_]*$/i, /^__pyx_unpickle_[A-Za-z0-9_]+$/, CLASS], why: 'pandas reconstruction helpers' },
  { module: 'pandas.core.*', names: [/^_new_[A-Za-z]*Index$/, '_unpickle_series_compat', '_new_PeriodIndex'], why: 'pandas index reconstruction' },
  { module: 'pandas.core.indexes.base', names: ['_new_Index'], why: 'pandas index reconstruction' },
  { module: 'pandas.core.internals.blocks', names: ['new_block', 'new_block_2d'], why: 'pandas block reconstruction' },
  // transformers: configs, training arguments, enums, tokenizers' batch encodings.
  { module: 'transformers.*', names: [/^[A-Za-z0-9_]*(Config|Arguments|Strategy|Type|Names|Option|Options|Encoding|Enum|Mode|State|Control)$/], why: 'transformers configuration, training arguments, trainer state and enums' },
  { module: 'accelerate.*', names: [/^[A-Za-z0-9_]*(Type|Mode|Kwargs|Config|Plugin|Options)$/], why: 'accelerate configuration and enums' },
  { module: 'tokenizers', names: ['Tokenizer', 'AddedToken'], why: 'tokenizers objects (rebuilt from JSON)' },
  // Training frameworks' checkpoint metadata.
  { module: 'pytorch_lightning.utilities.parsing', names: ['AttributeDict'], why: 'Lightning hyper-parameters' },
  { module: 'lightning_fabric.utilities.data', names: ['AttributeDict'], why: 'Lightning hyper-parameters' },
  { module: 'lightning.fabric.utilities.data', names: ['AttributeDict'], why: 'Lightning hyper-parameters' },
  { module: 'omegaconf', names: ['DictConfig', 'ListConfig'], why: 'Hydra / OmegaConf configurations' },
  { module: 'omegaconf.*', names: [CLASS], why: 'Hydra / OmegaConf configuration nodes and metadata' },
  { module: 'typing', names: ['Any', 'Optional', 'Union', 'List', 'Dict', 'Tuple'], why: 'type annotations stored in configurations' },
  { module: 'tokenizers.*', names: [CLASS], why: 'tokenizers components (rebuilt from JSON)' },
];

// ---------------------------------------------------------------------------------------------
// The peers' deny lists, with provenance. Every entry below is graded high or critical by Bulwark
// (policy.test.ts asserts it): Bulwark's own DENY entries above grade most of them with a precise
// reason; whatever they do not cover is denied high because a peer denies it (policy.ts turns each
// entry into a deny rule). `names: '*'` denies the module, every name in it and — as picklescan,
// modelaudit and fickling match them — every submodule.

export type PeerTool = 'picklescan' | 'modelscan' | 'modelaudit' | 'fickling';

/** Where each tool's list was read (search index of public repositories, 2026). */
export const PEER_DENY_SOURCES: Readonly<Record<PeerTool, string>> = {
  picklescan: 'mmaitre314/picklescan src/picklescan/scanner.py `_unsafe_globals` (releases up to the 2026-09 snapshot, older entries kept: `aiohttp.client`)',
  modelscan: 'protectai/modelscan modelscan/settings.py `DEFAULT_SETTINGS["unsafe_globals"]` (CRITICAL and HIGH)',
  modelaudit:
    'promptfoo/modelaudit modelaudit/detectors/suspicious_symbols.py `SUSPICIOUS_GLOBALS` (with ADVANCED_PICKLE_PATTERNS and OS_MODULE_ALIASES) and modelaudit/scanners/pickle_scanner.py `ALWAYS_DANGEROUS_FUNCTIONS` / `ALWAYS_DANGEROUS_MODULES`; bare names (`eval`, `open`, `getattr`) are read as builtins',
  fickling: 'trailofbits/fickling fickling/fickle.py `Pickled.unsafe_imports` (modules, and any global named `eval`) and fickling/analysis.py `UnsafeImportsML.UNSAFE_MODULES` / `UNSAFE_IMPORTS`',
};

export interface PeerDenyEntry {
  readonly module: string;
  /** `'*'`: the module, every name in it and its submodules; else exact (possibly dotted) names. */
  readonly names: '*' | readonly string[];
  readonly tools: readonly PeerTool[];
}

const PS: readonly PeerTool[] = ['picklescan'];
const MA: readonly PeerTool[] = ['modelaudit'];
const FK: readonly PeerTool[] = ['fickling'];

export const PEER_DENY: readonly PeerDenyEntry[] = [
  // Builtins (picklescan, modelscan: eval/compile/getattr/apply/exec/open/breakpoint; modelscan adds
  // __import__; modelaudit adds input/globals/locals/setattr/delattr/vars/dir, Python 2 execfile,
  // raw_input, reload, file; fickling denies the whole builtins module).
  { module: 'builtins', names: ['eval', 'compile', 'getattr', 'apply', 'exec', 'open', 'breakpoint'], tools: ['picklescan', 'modelscan', 'modelaudit', 'fickling'] },
  { module: 'builtins', names: ['__import__'], tools: ['modelscan', 'modelaudit', 'fickling'] },
  { module: 'builtins', names: ['input', 'globals', 'locals', 'setattr', 'delattr', 'vars', 'dir', 'file'], tools: ['modelaudit', 'fickling'] },
  { module: '__builtin__', names: ['eval', 'compile', 'getattr', 'apply', 'exec', 'open', 'breakpoint'], tools: ['picklescan', 'modelscan', 'modelaudit', 'fickling'] },
  { module: '__builtin__', names: ['__import__', 'execfile', 'input', 'raw_input', 'reload'], tools: ['modelscan', 'modelaudit', 'fickling'] },
  { module: '__builtins__', names: ['eval', 'exec', 'compile', 'open', 'input', '__import__', 'execfile', 'raw_input', 'reload'], tools: ['modelaudit', 'fickling'] },
  { module: 'builtins', names: '*', tools: FK },
  { module: '__builtin__', names: '*', tools: FK },
  { module: '__builtins__', names: '*', tools: ['modelaudit', 'fickling'] },
  // Processes, shells, the interpreter.
  { module: 'os', names: '*', tools: ['picklescan', 'modelscan', 'modelaudit', 'fickling'] },
  { module: 'posix', names: '*', tools: ['picklescan', 'modelscan', 'modelaudit', 'fickling'] },
  { module: 'nt', names: '*', tools: ['picklescan', 'modelscan', 'modelaudit', 'fickling'] },
  { module: 'posixpath', names: '*', tools: MA },
  { module: 'ntpath', names: '*', tools: MA },
  { module: 'subprocess', names: '*', tools: ['picklescan', 'modelscan', 'modelaudit', 'fickling'] },
  { module: 'sys', names: '*', tools: ['picklescan', 'modelscan', 'modelaudit', 'fickling'] },
  { module: 'commands', names: '*', tools: ['picklescan', 'modelaudit'] },
  { module: 'pty', names: '*', tools: ['picklescan', 'modelscan', 'modelaudit'] },
  { module: 'platform', names: ['system', 'popen'], tools: MA },
  { module: 'runpy', names: '*', tools: ['picklescan', 'modelscan', 'modelaudit'] },
  { module: 'code', names: '*', tools: ['modelaudit', 'fickling'] },
  { module: 'code', names: ['InteractiveInterpreter.runcode'], tools: PS },
  { module: 'codeop', names: '*', tools: MA },
  { module: 'compileall', names: '*', tools: MA },
  { module: 'py_compile', names: '*', tools: MA },
  { module: 'importlib', names: '*', tools: MA },
  { module: 'importlib', names: ['import_module'], tools: MA },
  { module: 'importlib.machinery', names: '*', tools: MA },
  { module: 'importlib.util', names: '*', tools: MA },
  { module: 'zipimport', names: '*', tools: MA },
  { module: 'pkgutil', names: ['resolve_name'], tools: ['picklescan', 'modelaudit'] },
  { module: 'pkgutil', names: ['get_importer', 'walk_packages'], tools: MA },
  { module: 'types', names: ['CodeType'], tools: ['picklescan', 'modelaudit'] },
  { module: 'types', names: ['FunctionType'], tools: MA },
  { module: 'marshal', names: ['loads', 'load', 'dumps', 'dump'], tools: MA },
  { module: 'ctypes', names: '*', tools: ['picklescan', 'modelaudit'] },
  { module: 'ctypes.util', names: '*', tools: MA },
  { module: '_ctypes', names: '*', tools: MA },
  { module: 'mmap', names: '*', tools: MA },
  { module: 'multiprocessing', names: '*', tools: MA },
  { module: 'multiprocessing.pool', names: '*', tools: MA },
  { module: 'concurrent.futures', names: ['ProcessPoolExecutor', 'ThreadPoolExecutor'], tools: MA },
  { module: 'signal', names: '*', tools: MA },
  { module: '_signal', names: '*', tools: MA },
  { module: 'threading', names: '*', tools: MA },
  { module: '_thread', names: '*', tools: MA },
  { module: 'asyncio', names: '*', tools: ['picklescan', 'modelaudit'] },
  { module: 'asyncio.subprocess', names: '*', tools: MA },
  { module: 'asyncio.unix_events', names: ['_UnixSubprocessTransport._start'], tools: PS },
  { module: 'uuid', names: '*', tools: PS },
  { module: 'uuid', names: ['_get_command_stdout', '_popen'], tools: MA },
  { module: '_osx_support', names: '*', tools: PS },
  { module: '_aix_support', names: '*', tools: PS },
  { module: '_pyrepl', names: '*', tools: PS },
  { module: 'venv', names: '*', tools: ['picklescan', 'modelaudit'] },
  { module: 'ensurepip', names: '*', tools: MA },
  { module: 'ensurepip', names: ['_run_pip'], tools: PS },
  { module: 'pip', names: '*', tools: ['picklescan', 'modelaudit'] },
  { module: 'distutils', names: '*', tools: MA },
  { module: 'distutils.file_util', names: '*', tools: PS },
  { module: 'pexpect', names: '*', tools: MA },
  // Debuggers, profilers, REPLs and tools that run code.
  { module: 'bdb', names: '*', tools: ['picklescan', 'modelaudit'] },
  { module: 'pdb', names: '*', tools: ['picklescan', 'modelaudit'] },
  { module: 'cProfile', names: '*', tools: ['picklescan', 'modelaudit'] },
  { module: 'profile', names: '*', tools: ['picklescan', 'modelaudit'] },
  { module: 'trace', names: '*', tools: MA },
  { module: 'trace', names: ['Trace.run', 'Trace.runctx'], tools: PS },
  { module: 'timeit', names: '*', tools: PS },
  { module: 'timeit', names: ['timeit', 'repeat'], tools: MA },
  { module: 'doctest', names: '*', tools: MA },
  { module: 'doctest', names: ['debug_script'], tools: PS },
  { module: 'pydoc', names: '*', tools: ['picklescan', 'modelaudit'] },
  { module: 'idlelib', names: '*', tools: MA },
  { module: 'idlelib.autocomplete', names: ['AutoComplete.get_entity', 'AutoComplete.fetch_completions'], tools: PS },
  { module: 'idlelib.calltip', names: ['Calltip.fetch_tip', 'get_entity'], tools: PS },
  { module: 'idlelib.debugobj', names: ['ObjectTreeItem.SetText'], tools: PS },
  { module: 'idlelib.pyshell', names: ['ModifiedInterpreter.runcode', 'ModifiedInterpreter.runcommand'], tools: PS },
  { module: 'idlelib.run', names: ['Executive.runcode'], tools: PS },
  { module: 'lib2to3', names: '*', tools: MA },
  { module: 'lib2to3.pgen2.grammar', names: ['Grammar.loads'], tools: PS },
  { module: 'lib2to3.pgen2.pgen', names: ['ParserGenerator.make_label'], tools: PS },
  { module: 'test', names: '*', tools: PS },
  // Attribute access and calling trampolines.
  { module: 'operator', names: ['attrgetter'], tools: ['picklescan', 'modelscan', 'modelaudit', 'fickling'] },
  { module: 'operator', names: ['itemgetter', 'methodcaller'], tools: ['picklescan', 'modelaudit', 'fickling'] },
  { module: 'operator', names: ['getitem'], tools: ['modelaudit', 'fickling'] },
  { module: '_operator', names: ['attrgetter', 'itemgetter', 'methodcaller'], tools: PS },
  { module: '_operator', names: '*', tools: MA },
  { module: 'functools', names: ['partial'], tools: ['picklescan', 'modelaudit'] },
  { module: 'functools', names: ['reduce'], tools: MA },
  // Serialisation inside serialisation.
  { module: 'pickle', names: '*', tools: ['picklescan', 'modelscan'] },
  { module: 'pickle', names: ['loads', 'load'], tools: MA },
  { module: '_pickle', names: '*', tools: ['picklescan', 'modelaudit'] },
  { module: 'dill', names: ['load', 'loads', 'load_module', 'load_module_asdict', 'load_session'], tools: MA },
  { module: 'dill', names: '*', tools: FK },
  { module: 'dill._dill', names: '*', tools: MA },
  { module: 'cloudpickle', names: '*', tools: MA },
  { module: 'cloudpickle.cloudpickle', names: ['_builtin_type', '_make_function', '_function_setstate', '_make_cell', '_make_empty_cell', 'subimport'], tools: PS },
  { module: 'joblib', names: '*', tools: MA },
  { module: 'shelve', names: '*', tools: MA },
  { module: 'base64', names: ['b64decode', 'b64encode', 'decode'], tools: MA },
  { module: 'codecs', names: ['decode', 'encode'], tools: MA },
  // Files.
  { module: 'shutil', names: '*', tools: ['picklescan', 'fickling'] },
  { module: 'shutil', names: ['rmtree', 'copy', 'move', 'copytree'], tools: MA },
  { module: 'tempfile', names: ['mktemp'], tools: MA },
  { module: 'io', names: ['open'], tools: MA },
  { module: '_io', names: ['FileIO'], tools: PS },
  { module: 'logging', names: ['FileHandler'], tools: PS },
  { module: 'logging', names: ['config'], tools: MA },
  { module: 'filecmp', names: '*', tools: MA },
  { module: 'fileinput', names: '*', tools: MA },
  { module: 'glob', names: '*', tools: MA },
  { module: 'tarfile', names: '*', tools: MA },
  { module: 'zipfile', names: '*', tools: MA },
  { module: 'sqlite3', names: '*', tools: MA },
  { module: '_sqlite3', names: '*', tools: MA },
  { module: 'syslog', names: '*', tools: MA },
  // Network.
  { module: 'socket', names: '*', tools: ['picklescan', 'modelscan', 'modelaudit', 'fickling'] },
  { module: 'ssl', names: '*', tools: ['picklescan', 'modelaudit'] },
  { module: 'select', names: '*', tools: MA },
  { module: 'selectors', names: '*', tools: MA },
  { module: 'socketserver', names: '*', tools: MA },
  { module: 'httplib', names: '*', tools: ['picklescan', 'modelscan'] },
  { module: 'http', names: '*', tools: MA },
  { module: 'urllib', names: '*', tools: ['modelaudit', 'fickling'] },
  { module: 'urllib2', names: '*', tools: ['modelaudit', 'fickling'] },
  { module: 'urllib.request', names: '*', tools: PS },
  { module: 'ftplib', names: '*', tools: MA },
  { module: 'telnetlib', names: '*', tools: MA },
  { module: 'smtplib', names: '*', tools: MA },
  { module: 'poplib', names: '*', tools: MA },
  { module: 'imaplib', names: '*', tools: MA },
  { module: 'imaplib', names: ['IMAP4_stream'], tools: PS },
  { module: 'nntplib', names: '*', tools: MA },
  { module: 'xmlrpc', names: '*', tools: MA },
  { module: 'xmlrpc.client', names: '*', tools: MA },
  { module: 'xmlrpc.server', names: '*', tools: MA },
  { module: 'webbrowser', names: '*', tools: ['picklescan', 'modelscan', 'modelaudit'] },
  { module: 'requests', names: '*', tools: MA },
  { module: 'requests.api', names: '*', tools: ['picklescan', 'modelscan'] },
  { module: 'aiohttp', names: '*', tools: ['picklescan', 'modelaudit'] },
  { module: 'aiohttp.client', names: '*', tools: ['picklescan', 'modelscan'] },
  // ML libraries.
  { module: 'numpy.f2py', names: '*', tools: PS },
  { module: 'numpy.testing._private.utils', names: '*', tools: PS },
  { module: 'numpy.testing._private.utils', names: ['runstring'], tools: ['modelaudit', 'fickling'] },
  { module: 'torch', names: ['load'], tools: ['modelaudit', 'fickling'] },
  { module: 'torch.hub', names: '*', tools: ['modelaudit', 'fickling'] },
  { module: 'torch.hub', names: ['load', 'load_state_dict_from_url'], tools: MA },
  { module: 'torch.storage', names: ['_load_from_bytes'], tools: MA },
  { module: 'torch.serialization', names: ['load'], tools: PS },
  { module: 'torch._dynamo.guards', names: ['GuardBuilder.get'], tools: PS },
  { module: 'torch._inductor.codecache', names: ['compile_file'], tools: PS },
  { module: 'torch.fx.experimental.symbolic_shapes', names: ['ShapeEnv.evaluate_guards_expression'], tools: PS },
  { module: 'torch.jit.unsupported_tensor_ops', names: ['execWrapper'], tools: PS },
  { module: 'torch.utils._config_module', names: ['ConfigModule.load_config'], tools: PS },
  { module: 'torch.utils.bottleneck.__main__', names: ['run_cprofile', 'run_autograd_prof'], tools: PS },
  { module: 'torch.utils.collect_env', names: ['run'], tools: PS },
  { module: 'torch.utils.data.datapipes.utils.decoder', names: ['basichandlers'], tools: PS },
];

/**
 * Names a peer's whole-module entry covers that Bulwark allows: plain value types real checkpoints
 * need. They are reached only by their exact name (`builtins.set`, `uuid.UUID`); every other name of
 * those modules stays denied. A built-in deny entry naming one of them explicitly still wins.
 */
export const PEER_EXEMPT: readonly { readonly module: string; readonly names: readonly (string | RegExp)[]; readonly why: string }[] = [
  {
    module: 'builtins',
    names: ['set', 'frozenset', 'complex', 'slice', 'bytearray', 'bytes', 'range', 'int', 'float', 'str', 'bool', 'tuple', 'list', 'dict', 'object', 'Ellipsis', 'NotImplemented', /^[A-Z][A-Za-z]*(Error|Exception|Warning)$/],
    why: 'builtin value types (fickling denies the builtins module as a whole; it grades find_class of value types separately)',
  },
  {
    module: 'builtins',
    names: ['print', 'hash', 'len', 'min', 'max', 'sum', 'abs', 'round', 'sorted', 'reversed', 'enumerate', 'zip', 'iter', 'next', 'repr', 'id', 'isinstance', 'issubclass', 'callable', 'divmod', 'pow', 'any', 'all', 'bin', 'hex', 'oct', 'ascii', 'ord', 'format'],
    why: "pure builtin functions stored as references (gensim keeps `hash`, skorch callbacks keep `print`); modelaudit's own ML_SAFE_GLOBALS lists them as safe. Bulwark's own entries still grade `print`, `hash`, `id` medium",
  },
  { module: 'uuid', names: ['UUID', 'SafeUUID'], why: 'UUID values (picklescan denies uuid for its command-running helpers)' },
  { module: 'joblib.numpy_pickle', names: ['NumpyArrayWrapper'], why: 'joblib array placeholder (modelaudit denies the joblib package; its own allowlist keeps the wrapper)' },
  { module: 'joblib.numpy_pickle_compat', names: ['NDArrayWrapper', 'ZNDArrayWrapper'], why: 'legacy joblib array placeholders' },
];

/** Names denied in any module (fickling flags any import of a name `eval`). */
export const ANY_MODULE_DENY: readonly { readonly name: string; readonly tools: readonly PeerTool[] }[] = [{ name: 'eval', tools: FK }];
