import { defineRule } from '../../rules/index.js';

const REFS = ['https://github.com/tensorflow/tensorflow/blob/master/tensorflow/core/protobuf/saved_model.proto', 'docs/formats-tensorflow.md'];

export const pythonOp = defineRule({
  id: 'tensorflow/python-op',
  title: 'TensorFlow graph calls back into Python',
  severity: 'critical',
  description:
    'The graph contains `PyFunc`, `PyFuncStateless` or `EagerPyFunc` nodes (`tf.py_function`/`tf.numpy_function`). They run arbitrary Python registered in the serving process; a model that needs them is not a self-contained graph and is a known vector for code execution when models are loaded with their Python wrappers.',
  remediation: 'Do not serve the model. Re-export it without `tf.py_function`/`tf.numpy_function` so the graph contains only TensorFlow ops.',
  references: [...REFS, 'https://github.com/tensorflow/tensorflow/blob/master/SECURITY.md'],
  tags: ['tensorflow', 'code-execution'],
  maturity: 'stable',
});

export const fileSystemOp = defineRule({
  id: 'tensorflow/file-system-op',
  title: 'TensorFlow graph reads or writes files',
  severity: 'high',
  description:
    'The graph contains ops that touch the file system of the serving host: `ReadFile`, `WriteFile`, `MatchingFiles`, file readers and datasets, summary writers, `ImmutableConst`, `PrintV2` to a file, or checkpoint `Save`/`Restore`/`MergeV2Checkpoints`/vocabulary ops whose path is a constant absolute path, contains `..` or is a URL. TensorFlow\u2019s security model treats a SavedModel as code: such ops read secrets into outputs or overwrite files when the model runs.',
  remediation: 'Serve only models whose graphs need no file access beyond their own variables/ and assets/ folders; re-export the model, or run it sandboxed without access to host files.',
  references: [...REFS, 'https://github.com/tensorflow/tensorflow/blob/master/SECURITY.md'],
  tags: ['tensorflow', 'file-access'],
  maturity: 'stable',
});

export const networkOp = defineRule({
  id: 'tensorflow/network-op',
  title: 'TensorFlow graph talks to the network',
  severity: 'high',
  description:
    'The graph contains ops that open network connections: RPC client/server ops, tf.data service datasets, remote function calls, or debug ops with `grpc://` URLs. A model has no reason to reach the network while serving; these ops exfiltrate inputs or pull data from attacker hosts.',
  remediation: 'Do not serve the model; re-export it without network ops, and deny egress to model servers.',
  references: REFS,
  tags: ['tensorflow', 'network'],
  maturity: 'stable',
});

export const customOp = defineRule({
  id: 'tensorflow/custom-op',
  title: 'TensorFlow graph uses ops outside the standard op set',
  severity: 'high',
  description:
    'Nodes use op names that TensorFlow does not register and that no function of the graph defines. Loading the model needs a custom op library (`tf.load_op_library` loads a shared object into the process): native code that is not part of the model file.',
  remediation: 'Identify the library that provides the op and review it like any native dependency; do not load op libraries shipped next to a downloaded model.',
  references: [...REFS, 'https://www.tensorflow.org/guide/create_op'],
  tags: ['tensorflow', 'native-code', 'supply-chain'],
  maturity: 'stable',
});

export const TENSORFLOW_RULES = [pythonOp, fileSystemOp, networkOp, customOp] as const;
