import type { AnyRule } from '../../rules/index.js';
import { defineRule } from '../../rules/index.js';

const REFS_PICKLE = [
  'https://docs.python.org/3/library/pickle.html#restricting-globals',
  'https://github.com/python/cpython/blob/main/Lib/pickletools.py',
];

export const dangerousCall = defineRule({
  id: 'pickle/dangerous-call',
  title: 'Pickle calls a dangerous function when it is loaded',
  severity: 'critical',
  description:
    'Loading this pickle invokes (REDUCE, INST, OBJ, NEWOBJ, NEWOBJ_EX) a callable that runs commands, executes code, imports by name, loads native code or further serialized data, or touches files and the network. The callable is found after following memo indirection, Python 2 name mapping, dotted protocol-4 names and resolver chains (getattr, import_module, vars()+get, attrgetter, methodcaller, partial, copyreg extension codes). The call runs inside the process that calls pickle.load, torch.load(weights_only=False), joblib.load or numpy.load(allow_pickle=True).',
  remediation:
    'Do not load the file. Obtain the model from a trusted source, or convert it to a format without code execution (safetensors, ONNX) from a trusted copy. If you must load it, use torch.load(weights_only=True) or another allowlisting unpickler.',
  references: [...REFS_PICKLE, 'https://huggingface.co/docs/hub/security-pickle'],
  tags: ['pickle', 'code-execution', 'supply-chain'],
  maturity: 'stable',
});

export const unresolvedCall = defineRule({
  id: 'pickle/unresolved-call',
  title: 'Pickle calls something whose identity is computed at load time',
  severity: 'high',
  description:
    'The pickle invokes a callable that static analysis cannot name: the result of another call, an attribute looked up by a computed name, an object returned by persistent_load, an out-of-band buffer, or a global imported by a computed name. Real checkpoints only call module-level classes and functions named in the stream; computing the callee is how payloads hide from scanners.',
  remediation: 'Do not load the file unless its producer is trusted. Inspect the reported chain; regenerate the file with a plain state dict.',
  references: REFS_PICKLE,
  tags: ['pickle', 'code-execution', 'obfuscation'],
  maturity: 'stable',
});

export const dangerousGlobal = defineRule({
  id: 'pickle/dangerous-global',
  title: 'Pickle imports a dangerous callable or module',
  severity: 'high',
  description:
    'The pickle imports (GLOBAL, STACK_GLOBAL, INST, EXT, or a resolver chain) a callable or module on the deny list without calling it in the stream. Importing it already runs the module\u2019s import code, and the object ends up in the loaded data, where the consuming code may call it (hooks, callbacks, partial objects).',
  remediation: 'Do not load the file. If the reference is expected (a custom hook), replace it by data the loading code maps to a function it owns.',
  references: REFS_PICKLE,
  tags: ['pickle', 'code-execution'],
  maturity: 'stable',
});

export const unknownGlobal = defineRule({
  id: 'pickle/unknown-global',
  title: 'Pickle imports a global outside the allowlist',
  severity: 'medium',
  description:
    'The pickle imports a module-level object that is neither on the allowlist of globals real checkpoints need (PyTorch weights_only set, numpy, collections, scikit-learn, xgboost, lightgbm, transformers configs, …) nor on the deny list. Loading it imports that module and may call it. With --strict the finding is high.',
  remediation:
    'Check that the module and name are expected for this model (a custom class of your own project, for instance). Prefer formats that carry no code; with torch.load(weights_only=True), allowlist the class explicitly with torch.serialization.add_safe_globals.',
  references: [...REFS_PICKLE, 'https://pytorch.org/docs/stable/notes/serialization.html#weights-only'],
  tags: ['pickle', 'allowlist'],
  maturity: 'stable',
});

export const statePoisoning = defineRule({
  id: 'pickle/state-poisoning',
  title: 'Pickle overwrites attributes of a module, class or function',
  severity: 'critical',
  description:
    'BUILD, SETITEM(S), APPEND(S) or ADDITEMS is applied to an imported module-level object (a module, class or function, os.environ, sys.path, sys.modules, vars(module)) instead of an object the pickle created. This replaces functions or class attributes of the loading process (for example torch._utils._rebuild_tensor_v2.__code__, os.environ["LD_PRELOAD"], sys.path), so later code runs the attacker\u2019s logic even if the pickle itself calls nothing dangerous.',
  remediation: 'Do not load the file, and restart any process that already loaded it: the poisoned state persists for the life of the process.',
  references: REFS_PICKLE,
  tags: ['pickle', 'code-execution', 'state-poisoning'],
  maturity: 'stable',
});

export const unresolvedExtension = defineRule({
  id: 'pickle/unresolved-extension',
  title: 'Pickle uses an extension code that the stream does not register',
  severity: 'medium',
  description:
    'EXT1/EXT2/EXT4 push the global registered under a numeric code in the copyreg extension registry of the loading process. The code is not registered by copyreg.add_extension in this stream, so what it names depends on process state that a scanner cannot see; code that registers extensions before loading can make it any callable.',
  remediation: 'Do not load the file unless the loading process registers this extension code on purpose; re-save the data without extension codes.',
  references: ['https://docs.python.org/3/library/copyreg.html', 'https://peps.python.org/pep-0307/#the-extension-registry'],
  tags: ['pickle', 'obfuscation'],
  maturity: 'stable',
});

export const nestedPickle = defineRule({
  id: 'pickle/nested-pickle',
  title: 'Pickle loads another serialized stream it carries',
  severity: 'medium',
  description:
    'The pickle passes bytes it carries to a loader (pickle.loads, _pickle.loads, torch.load, torch.storage._load_from_bytes, numpy.load, joblib.load, …), so a second stream is decoded at load time. Bulwark decodes and scans the nested stream (its findings are reported under a member such as `pickle.loads@123`); this finding records the nesting, which outer-only scanners miss.',
  remediation: 'Review the nested stream\u2019s findings. Wrapping a pickle inside a pickle is a common way to hide a payload; real checkpoints only do it for plainly pickled torch storages.',
  references: REFS_PICKLE,
  tags: ['pickle', 'obfuscation', 'nested'],
  maturity: 'stable',
});

export const frameMismatch = defineRule({
  id: 'pickle/frame-mismatch',
  title: 'Pickle FRAME lengths disagree with the opcodes they contain',
  severity: 'high',
  description:
    'A protocol-4 FRAME announces a length that does not match its content: an opcode crosses the frame end, a frame starts inside another, a frame is longer than the data, a STOP ends inside a frame, or joblib array bytes sit inside a frame. CPython\u2019s C unpickler ignores frame boundaries once the bytes are present, pickle.py (and joblib, which uses it) enforces them, and pickletools-based scanners ignore them, so the loaders disagree on where the stream stops or where the next one starts. Bulwark analyses every reading and reports the disagreement.',
  remediation: 'Do not load the file: Pickler never writes inconsistent frames, so the stream was crafted or corrupted.',
  references: ['https://peps.python.org/pep-3154/#framing', 'https://github.com/python/cpython/blob/main/Modules/_pickle.c'],
  tags: ['pickle', 'obfuscation', 'parser-differential'],
  maturity: 'stable',
});

export const malformedAfterPayload = defineRule({
  id: 'pickle/malformed-after-payload',
  title: 'Pickle breaks right after calling something',
  severity: 'high',
  description:
    'The stream is malformed or truncated after it has already invoked a callable that is not on the allowlist. The loader executes the call before it reaches the error, so the payload runs and the load then fails, while scanners that give up on malformed streams report nothing.',
  remediation: 'Do not load the file. Treat the calls reported before the error as executed.',
  references: REFS_PICKLE,
  tags: ['pickle', 'obfuscation', 'fail-closed'],
  maturity: 'stable',
});

export const trailingData = defineRule({
  id: 'pickle/trailing-data',
  title: 'Data after the end of the pickle',
  severity: 'medium',
  description:
    'Bytes follow the STOP opcode of the pickle. pickle.load ignores them, but a loader that calls load() repeatedly reads them as further pickles, and a polyglot file can carry a second format there. Further pickle streams are analysed and their findings reported; other bytes are reported here.',
  remediation: 'Check why the file carries extra data; regenerate it from a trusted source.',
  references: REFS_PICKLE,
  tags: ['pickle', 'polyglot'],
  maturity: 'stable',
});

export const suspiciousCall = defineRule({
  id: 'pickle/suspicious-call',
  title: 'Pickle calls a function outside the allowlist with code, a command, a path or a URL',
  severity: 'high',
  description:
    'Loading the pickle calls a function (not a class: real checkpoints construct objects, they do not call functions with strings) that is on neither the allowlist nor the deny list, and passes it a string that looks like Python code, a shell command, a file path or a URL. That is the shape of a gadget the deny list does not know yet: a test helper that runs Python source, a diagnostics function that runs a shell command, a framework writer pointed at a `.pth` start-up file, a downloader. The function is named in the finding; its module is imported and the call runs when the file is loaded.',
  remediation: 'Do not load the file. If the function is your own and the argument is expected, allowlist the function in the configuration (`pickle: {allow: [...]}`) after reviewing what it does with the argument.',
  references: REFS_PICKLE,
  tags: ['pickle', 'code-execution'],
  maturity: 'stable',
});

export const PICKLE_RULES: readonly AnyRule[] = [
  dangerousCall,
  suspiciousCall,
  unresolvedCall,
  dangerousGlobal,
  unknownGlobal,
  statePoisoning,
  unresolvedExtension,
  nestedPickle,
  frameMismatch,
  malformedAfterPayload,
  trailingData,
];
