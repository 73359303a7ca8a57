/**
 * Python 2 → 3 name mapping applied by `Unpickler.find_class` when the stream's protocol is < 3 and
 * `fix_imports` is true (the default), after CPython `Lib/_compat_pickle.py`. A scanner that skips this
 * mapping misses `__builtin__.eval` (→ `builtins.eval`) and `commands.getoutput` (→
 * `subprocess.getoutput`). The NAME_MAPPING entry wins over the IMPORT_MAPPING of its module.
 */
export const IMPORT_MAPPING: Readonly<Record<string, string>> = {
  __builtin__: 'builtins',
  copy_reg: 'copyreg',
  Queue: 'queue',
  SocketServer: 'socketserver',
  ConfigParser: 'configparser',
  repr: 'reprlib',
  tkFileDialog: 'tkinter.filedialog',
  tkSimpleDialog: 'tkinter.simpledialog',
  tkColorChooser: 'tkinter.colorchooser',
  tkCommonDialog: 'tkinter.commondialog',
  Dialog: 'tkinter.dialog',
  Tkdnd: 'tkinter.dnd',
  tkFont: 'tkinter.font',
  tkMessageBox: 'tkinter.messagebox',
  ScrolledText: 'tkinter.scrolledtext',
  Tkconstants: 'tkinter.constants',
  Tix: 'tkinter.tix',
  ttk: 'tkinter.ttk',
  Tkinter: 'tkinter',
  markupbase: '_markupbase',
  _winreg: 'winreg',
  thread: '_thread',
  dummy_thread: '_dummy_thread',
  dbhash: 'dbm.bsd',
  dumbdbm: 'dbm.dumb',
  dbm: 'dbm.ndbm',
  gdbm: 'dbm.gnu',
  xmlrpclib: 'xmlrpc.client',
  SimpleXMLRPCServer: 'xmlrpc.server',
  httplib: 'http.client',
  htmlentitydefs: 'html.entities',
  HTMLParser: 'html.parser',
  Cookie: 'http.cookies',
  cookielib: 'http.cookiejar',
  BaseHTTPServer: 'http.server',
  'test.test_support': 'test.support',
  commands: 'subprocess',
  urlparse: 'urllib.parse',
  robotparser: 'urllib.robotparser',
  urllib2: 'urllib.request',
  anydbm: 'dbm',
  _abcoll: 'collections.abc',
  // non-mutual mappings
  cPickle: 'pickle',
  _elementtree: 'xml.etree.ElementTree',
  FileDialog: 'tkinter.filedialog',
  SimpleDialog: 'tkinter.simpledialog',
  DocXMLRPCServer: 'xmlrpc.server',
  SimpleHTTPServer: 'http.server',
  CGIHTTPServer: 'http.server',
  UserDict: 'collections',
  UserList: 'collections',
  UserString: 'collections',
  whichdb: 'dbm',
  StringIO: 'io',
  cStringIO: 'io',
};

const PY2_EXCEPTIONS = [
  'ArithmeticError', 'AssertionError', 'AttributeError', 'BaseException', 'BufferError', 'BytesWarning',
  'DeprecationWarning', 'EOFError', 'EnvironmentError', 'Exception', 'FloatingPointError', 'FutureWarning',
  'GeneratorExit', 'IOError', 'ImportError', 'ImportWarning', 'IndentationError', 'IndexError', 'KeyError',
  'KeyboardInterrupt', 'LookupError', 'MemoryError', 'NameError', 'NotImplementedError', 'OSError',
  'OverflowError', 'PendingDeprecationWarning', 'ReferenceError', 'RuntimeError', 'RuntimeWarning',
  'StopIteration', 'SyntaxError', 'SyntaxWarning', 'SystemError', 'SystemExit', 'TabError', 'TargetScopeError',
  'TypeError', 'UnboundLocalError', 'UnicodeDecodeError', 'UnicodeEncodeError', 'UnicodeError',
  'UnicodeTranslateError', 'UnicodeWarning', 'UserWarning', 'ValueError', 'Warning', 'ZeroDivisionError',
];

export const NAME_MAPPING: ReadonlyMap<string, readonly [string, string]> = new Map<string, readonly [string, string]>([
  ['__builtin__\nxrange', ['builtins', 'range']],
  ['__builtin__\nreduce', ['functools', 'reduce']],
  ['__builtin__\nintern', ['sys', 'intern']],
  ['__builtin__\nunichr', ['builtins', 'chr']],
  ['__builtin__\nunicode', ['builtins', 'str']],
  ['__builtin__\nlong', ['builtins', 'int']],
  ['__builtin__\nbasestring', ['builtins', 'str']],
  ['itertools\nizip', ['builtins', 'zip']],
  ['itertools\nimap', ['builtins', 'map']],
  ['itertools\nifilter', ['builtins', 'filter']],
  ['itertools\nifilterfalse', ['itertools', 'filterfalse']],
  ['itertools\nizip_longest', ['itertools', 'zip_longest']],
  ['UserDict\nIterableUserDict', ['collections', 'UserDict']],
  ['UserDict\nUserDict', ['collections', 'UserDict']],
  ['UserList\nUserList', ['collections', 'UserList']],
  ['UserString\nUserString', ['collections', 'UserString']],
  ['whichdb\nwhichdb', ['dbm', 'whichdb']],
  ['_socket\nfromfd', ['socket', 'fromfd']],
  ['socket\n_socketobject', ['socket', 'SocketType']],
  ['_multiprocessing\nConnection', ['multiprocessing.connection', 'Connection']],
  ['multiprocessing.process\nProcess', ['multiprocessing.context', 'Process']],
  ['multiprocessing.forking\nPopen', ['multiprocessing.popen_fork', 'Popen']],
  ['urllib\nContentTooShortError', ['urllib.error', 'ContentTooShortError']],
  ['urllib\ngetproxies', ['urllib.request', 'getproxies']],
  ['urllib\npathname2url', ['urllib.request', 'pathname2url']],
  ['urllib\nquote_plus', ['urllib.parse', 'quote_plus']],
  ['urllib\nquote', ['urllib.parse', 'quote']],
  ['urllib\nunquote_plus', ['urllib.parse', 'unquote_plus']],
  ['urllib\nunquote', ['urllib.parse', 'unquote']],
  ['urllib\nurl2pathname', ['urllib.request', 'url2pathname']],
  ['urllib\nurlcleanup', ['urllib.request', 'urlcleanup']],
  ['urllib\nurlencode', ['urllib.parse', 'urlencode']],
  ['urllib\nurlopen', ['urllib.request', 'urlopen']],
  ['urllib\nurlretrieve', ['urllib.request', 'urlretrieve']],
  ['urllib2\nHTTPError', ['urllib.error', 'HTTPError']],
  ['urllib2\nURLError', ['urllib.error', 'URLError']],
  ['exceptions\nStandardError', ['builtins', 'Exception']],
  ...PY2_EXCEPTIONS.map((e) => [`exceptions\n${e}`, ['builtins', e]] as [string, [string, string]]),
  ...['AuthenticationError', 'BufferTooShort', 'ProcessError', 'TimeoutError'].map(
    (e) => [`multiprocessing\n${e}`, ['multiprocessing.context', e]] as [string, [string, string]],
  ),
]);

/** `find_class`'s mapping for protocol < 3; returns the input when nothing maps. */
export function mapPy2Name(module: string, name: string): readonly [string, string] {
  const byName = NAME_MAPPING.get(`${module}\n${name}`);
  if (byName !== undefined) return byName;
  const m = IMPORT_MAPPING[module];
  if (m !== undefined && Object.prototype.hasOwnProperty.call(IMPORT_MAPPING, module)) return [m, name];
  return [module, name];
}
