/**
 * Benign realism: streams shaped like what real libraries write (replicated opcode by opcode from
 * CPython 3.11 / numpy / torch output) give no finding at all.
 */
import { describe, expect, test } from 'vitest';
import type { PickleBuilder } from '../../../test-fixtures/pickle-builder.js';
import { dictOf, float, joblibArrayPickle, joblibWrapper, pickle, torchStateDict, tuple } from '../../../test-fixtures/pickle-builder.js';
import { scanBytes } from './test-utils.js';

/** numpy.arange(3, dtype='i4') pickled with protocol 2 (as pickletools shows it). */
const numpyP2 = (b: PickleBuilder, core = 'numpy._core.multiarray'): PickleBuilder =>
  b
    .global(core, '_reconstruct').binPut(0)
    .global('numpy', 'ndarray').binPut(1)
    .binInt1(0).tuple1().binPut(2)
    .global('_codecs', 'encode').binPut(3).binUnicode('b').binPut(4).binUnicode('latin1').binPut(5).tuple2().binPut(6).reduce().binPut(7)
    .tuple3().binPut(8).reduce().binPut(9)
    .mark().binInt1(1).binInt1(3).tuple1().binPut(10)
    .global('numpy', 'dtype').binPut(11).binUnicode('i4').binPut(12).newFalse().newTrue().tuple3().binPut(13).reduce().binPut(14)
    .mark().binInt1(3).binUnicode('<').binPut(15).none().none().none().binInt(-1).binInt(-1).binInt1(0).tuple().binPut(16).buildOp()
    .newFalse().binGet(3).binUnicode('\x00\x00\x00\x00\x01\x00\x00\x00\x02\x00\x00\x00').binPut(17).binGet(5).tuple2().binPut(18).reduce().binPut(19)
    .tuple().binPut(20).buildOp();

describe('benign streams give no finding', () => {
  const cases: Record<string, () => Uint8Array> = {
    'PyTorch state dict (torch.save, protocol 2)': () => torchStateDict(50),
    'numpy array, protocol 2 (numpy 2 names)': () => pickle((b) => numpyP2(b.proto(2)).stop()),
    'numpy array, protocol 2 (numpy 1 names)': () => pickle((b) => numpyP2(b.proto(2), 'numpy.core.multiarray').stop()),
    'numpy array, protocol 5 (_frombuffer + BYTEARRAY8)': () =>
      pickle((b) =>
        b.proto(5).framed((f) =>
          f
            .stackGlobal('numpy._core.numeric', '_frombuffer').memoize()
            .mark().byteArray8(new Uint8Array(12)).memoize()
            .stackGlobal('numpy', 'dtype').memoize().str('i4').newFalse().newTrue().tuple3().memoize().reduce().memoize()
            .mark().binInt1(3).str('<').none().none().none().binInt(-1).binInt(-1).binInt1(0).tuple().memoize().buildOp()
            .binInt1(3).tuple1().memoize().str('C').tuple().memoize().reduce().memoize().stop(),
        ),
      ),
    'numpy array, protocol 5 out-of-band (NEXT_BUFFER)': () =>
      pickle((b) => b.proto(5).stackGlobal('numpy._core.numeric', '_frombuffer').mark().nextBuffer().readonlyBuffer().stackGlobal('numpy', 'dtype').str('f8').newFalse().newTrue().tuple3().reduce().binInt1(2).tuple1().str('C').tuple().reduce().stop()),
    'scikit-learn estimator with numpy state (protocol 4)': () =>
      pickle((b) => {
        b.proto(4).stackGlobal('sklearn.linear_model._logistic', 'LogisticRegression').memoize().emptyTuple().newObj().memoize();
        b.emptyDict().memoize().mark().str('C').binFloat(1).str('penalty').str('l2').str('coef_');
        numpyP2(b, 'numpy.core.multiarray');
        b.str('_sklearn_version').str('1.2.1').setItems().buildOp().stop();
      }),
    'scikit-learn tree (Cython __reduce__ + state)': () =>
      pickle((b) => b.proto(4).stackGlobal('sklearn.tree._tree', 'Tree').binInt1(4).binInt1(1).binInt1(1).tuple3().reduce().value(dictOf(['max_depth', 3], ['node_count', 7])).buildOp().stop()),
    'xgboost / lightgbm boosters': () =>
      pickle((b) => b.proto(4).mark().stackGlobal('xgboost.core', 'Booster').emptyTuple().newObj().value(dictOf(['handle', new Uint8Array(8)])).buildOp().stackGlobal('lightgbm.basic', 'Booster').emptyTuple().newObj().value(dictOf(['model_str', 'tree\n'])).buildOp().list().stop()),
    'transformers TrainingArguments with enums': () =>
      pickle((b) =>
        b.proto(4).stackGlobal('transformers.training_args', 'TrainingArguments').emptyTuple().newObj().emptyDict().mark()
          .str('output_dir').str('out').str('evaluation_strategy').stackGlobal('transformers.trainer_utils', 'IntervalStrategy').value(tuple('steps')).reduce()
          .str('lr_scheduler_type').stackGlobal('transformers.trainer_utils', 'SchedulerType').value(tuple('linear')).reduce()
          .setItems().buildOp().stop(),
      ),
    'fairseq-style checkpoint with argparse.Namespace': () =>
      pickle((b) => b.proto(2).emptyDict().str('args', 2).global('argparse', 'Namespace').emptyTuple().newObj().value(dictOf(['lr', float(0.1)], ['arch', 'transformer']), 2).buildOp().setItem().stop()),
    'datetime, complex (written __builtin__.complex), sets, bytes': () =>
      pickle((b) =>
        b.proto(2).mark()
          .global('datetime', 'date').global('_codecs', 'encode').binUnicode('\x07\u00e4\x01\x02').binUnicode('latin1').tuple2().reduce().tuple1().reduce()
          .global('__builtin__', 'complex').binFloat(1).binFloat(2).tuple2().reduce()
          .global('__builtin__', 'set').mark().binInt1(1).list().tuple1().reduce()
          .list().stop(),
      ),
    'protocol 0 copy_reg._reconstructor of a class': () =>
      pickle((b) => b.global('copy_reg', '_reconstructor').mark().global('sklearn.preprocessing._data', 'StandardScaler').global('__builtin__', 'object').none().tuple().reduce().mark().dict().buildOp().stop()),
    'typing.Optional[int] in a configuration (operator.getitem + type(None))': () =>
      pickle((b) =>
        b.proto(2).global('_operator', 'getitem').binPut(0).global('typing', 'Union').binPut(1).global('__builtin__', 'long').binPut(2).global('__builtin__', 'type').binPut(3).none().tuple1().binPut(4).reduce().binPut(5).tuple2().binPut(6).tuple2().binPut(7).reduce().binPut(8).stop(),
      ),
    'joblib file with one array': () => joblibArrayPickle({ shape: [4, 4] }),
    'joblib file with a list of two aligned arrays': () =>
      pickle((b) => {
        b.proto(4).mark();
        for (const shape of [[3], [2, 5]]) {
          joblibWrapper(b, { shape });
          const pad = 16 - ((b.length + 1) % 16);
          b.raw([pad]).raw(new Uint8Array(pad).fill(0xff)).raw(new Uint8Array(shape.reduce((x, y) => x * y, 1) * 8));
        }
        b.list().stop();
      }),
    'torch Parameter': () =>
      pickle((b) =>
        b.proto(2).global('torch._utils', '_rebuild_parameter')
          .mark().global('torch._utils', '_rebuild_tensor_v2').mark().mark().str('storage', 2).global('torch', 'FloatStorage').str('0', 2).str('cpu', 2).binInt1(4).tuple().binPersId()
          .binInt1(0).value(tuple(4), 2).value(tuple(1), 2).newFalse().global('collections', 'OrderedDict').emptyTuple().reduce().tuple().reduce()
          .newTrue().global('collections', 'OrderedDict').emptyTuple().reduce().tuple().reduce().stop(),
      ),
  };
  test.each(Object.entries(cases))('%s', (_name, build) => {
    const r = scanBytes(build());
    expect(r.findings.map((f) => `${f.ruleId} ${f.severity}: ${f.message}`)).toEqual([]);
    expect(r.partial).toBe(false);
    expect(r.analysis.complete).toBe(true);
  });

  test('even with --strict, nothing', () => {
    for (const build of Object.values(cases)) expect(scanBytes(build(), { strict: true }).findings).toEqual([]);
  });
});
