/**
 * TensorFlow rules. Each judges the parsed graph (`TfSubject`: parse.ts's `TfGraph` and where offsets
 * lie) in its `check`, run by the scan context's dispatcher. Every node falls in one class of op
 * (`opClass`), so a node is reported by one rule at most, as the scanner always did.
 */
import { defineRule } from '../../rules/index.js';
import type { Locator } from '../context.js';
import { quote } from '../text/index.js';
import type { TfGraph, TfNode } from './parse.js';
import { TF_OP_NAMES_TEXT } from './tf-ops.js';

export const TF_OP_NAMES: ReadonlySet<string> = new Set(TF_OP_NAMES_TEXT.split(' ').filter((s) => s !== ''));

export interface TfSubject {
  readonly graph: TfGraph;
  readonly at: Locator;
}

const PYTHON_OPS = new Set(['PyFunc', 'PyFuncStateless', 'EagerPyFunc']);

/** Ops that access files whatever their arguments. */
const FILE_OPS = new Set([
  'ReadFile', 'WriteFile', 'MatchingFiles', 'MatchingFilesDataset', 'ExperimentalMatchingFilesDataset', 'WholeFileReader', 'WholeFileReaderV2',
  'TextLineReader', 'TextLineReaderV2', 'TFRecordReader', 'TFRecordReaderV2', 'FixedLengthRecordReader', 'FixedLengthRecordReaderV2', 'LMDBReader',
  'TextLineDataset', 'TFRecordDataset', 'TFRecordDatasetV2', 'FixedLengthRecordDataset', 'FixedLengthRecordDatasetV2', 'CSVDataset', 'CSVDatasetV2',
  'ExperimentalCSVDataset', 'LMDBDataset', 'ExperimentalLMDBDataset', 'SqlDataset', 'ExperimentalSqlDataset', 'ImmutableConst', 'LoadDataset',
  'SaveDataset', 'SaveDatasetV2', 'DatasetToTFRecord', 'ExperimentalDatasetToTFRecord', 'SnapshotDataset', 'SnapshotDatasetV2', 'SnapshotDatasetReader',
  'SnapshotChunkDataset', 'ListSnapshotChunksDataset', 'DistributedSave', 'CreateSummaryFileWriter', 'CreateSummaryDbWriter', 'FileSystemSetConfiguration',
  'DumpTensor', 'LoadAndRemapMatrix', 'CacheDatasetV2', 'WriteAudioSummary',
]);

/** Ops that normally work on the model's own checkpoint/assets: flagged only with an unusual constant path. */
const PATH_CHECKED_OPS = new Set([
  'Save', 'SaveV2', 'SaveSlices', 'Restore', 'RestoreV2', 'RestoreSlice', 'MergeV2Checkpoints', 'ShardedFilename', 'ShardedFilespec', 'DTensorRestoreV2',
  'InitializeTableFromTextFile', 'InitializeTableFromTextFileV2', 'CacheDataset',
]);

const NETWORK_OPS = new Set([
  'RpcClient', 'RpcServer', 'RpcCall', 'RpcServerStart', 'RpcServerRegister', 'RpcCheckStatus', 'RpcGetValue', 'DeleteRpcFutureResource',
  'DataServiceDataset', 'DataServiceDatasetV2', 'DataServiceDatasetV3', 'DataServiceDatasetV4', 'RegisterDataset', 'RegisterDatasetV2', 'RemoteCall',
]);

/** Debug ops: network or file access through their `debug_urls` attribute. */
const DEBUG_URL_OPS = new Set(['DebugIdentity', 'DebugIdentityV2', 'DebugIdentityV3', 'DebugNanCount', 'DebugNumericSummary', 'DebugNumericSummaryV2']);

type OpClass = 'python' | 'file' | 'network' | 'debug-urls' | 'print' | 'path-checked' | 'other';

function opClass(op: string): OpClass {
  if (PYTHON_OPS.has(op)) return 'python';
  if (FILE_OPS.has(op)) return 'file';
  if (NETWORK_OPS.has(op)) return 'network';
  if (DEBUG_URL_OPS.has(op)) return 'debug-urls';
  if (op === 'PrintV2') return 'print';
  if (PATH_CHECKED_OPS.has(op)) return 'path-checked';
  return 'other';
}

/** Every node with its scope's name index (for the Const nodes that feed it). */
function* nodes(graph: TfGraph): Generator<{ n: TfNode; byName: ReadonlyMap<string, TfNode>; where: string }> {
  for (const [, list] of graph.scopes) {
    const byName = new Map<string, TfNode>();
    for (const n of list) byName.set(n.name, n);
    for (const n of list) yield { n, byName, where: `${n.scope}, node ${quote(n.name)}` };
  }
}

function urlsOf(n: TfNode): string[] {
  return n.strings.filter((s) => /^[a-z]+:\/\//i.test(s));
}

/** String constants that feed a node directly (Const inputs in the same scope). */
function constInputs(n: TfNode, byName: ReadonlyMap<string, TfNode>): string[] {
  const out: string[] = [];
  for (const raw of n.inputs) {
    const name = raw.replace(/^\^/, '').split(':')[0] ?? '';
    const src = byName.get(name);
    if (src && src.op === 'Const') for (const s of src.strings) out.push(s);
  }
  return out;
}

function describePaths(n: TfNode, byName: ReadonlyMap<string, TfNode>): string {
  const p = [...n.strings, ...constInputs(n, byName)].filter((s) => s.length > 0 && s.length < 300);
  return p.length > 0 ? ` (constant ${quote(p[0] ?? '')})` : '';
}

/** Why a path constant is unusual for a model's own checkpoint/assets, or undefined. */
export function pathProblem(p: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(p)) return 'a URL';
  if (p.startsWith('/') || p.startsWith('\\') || /^[a-zA-Z]:[\\/]/.test(p)) return 'an absolute path';
  if (p.split(/[\\/]/).includes('..')) return 'a path that climbs with ".."';
  if (p.startsWith('~')) return 'a home-directory path';
  return undefined;
}


const REFS = ['https://github.com/tensorflow/tensorflow/blob/master/tensorflow/core/protobuf/saved_model.proto', 'docs/formats-tensorflow.md'];

export const pythonOp = defineRule<TfSubject>({
  id: 'tensorflow/python-op',
  title: 'TensorFlow graph calls back into Python',
  severity: 'critical',
  description:
    'The graph contains `PyFunc`, `PyFuncStateless` or `EagerPyFunc` nodes (`tf.py_function`/`tf.numpy_function`). They run arbitrary Python registered in the serving process; a model that needs them is not a self-contained graph and is a known vector for code execution when models are loaded with their Python wrappers.',
  remediation: 'Do not serve the model. Re-export it without `tf.py_function`/`tf.numpy_function` so the graph contains only TensorFlow ops.',
  references: [...REFS, 'https://github.com/tensorflow/tensorflow/blob/master/SECURITY.md'],
  tags: ['tensorflow', 'code-execution'],
  maturity: 'stable',
  check({ graph, at }, report) {
    for (const { n, where } of nodes(graph)) {
      if (opClass(n.op) === 'python') report({ location: at(n.at), message: `${where}: ${n.op} runs Python code registered in the serving process`, evidence: n.op });
    }
  },
});

export const fileSystemOp = defineRule<TfSubject>({
  id: 'tensorflow/file-system-op',
  title: 'TensorFlow graph reads or writes files',
  severity: 'high',
  description:
    'The graph contains ops that touch the file system of the serving host: `ReadFile`, `WriteFile`, `MatchingFiles`, file readers and datasets, summary writers, `ImmutableConst`, `PrintV2` to a file, or checkpoint `Save`/`Restore`/`MergeV2Checkpoints`/vocabulary ops whose path is a constant absolute path, contains `..` or is a URL. TensorFlow\u2019s security model treats a SavedModel as code: such ops read secrets into outputs or overwrite files when the model runs.',
  remediation: 'Serve only models whose graphs need no file access beyond their own variables/ and assets/ folders; re-export the model, or run it sandboxed without access to host files.',
  references: [...REFS, 'https://github.com/tensorflow/tensorflow/blob/master/SECURITY.md'],
  tags: ['tensorflow', 'file-access'],
  maturity: 'stable',
  check({ graph, at }, report) {
    for (const a of graph.assetFiles) {
      const bad = pathProblem(a.file);
      if (bad) report({ location: at(a.at), message: `asset file ${quote(a.file)}: ${bad}`, evidence: a.file });
    }
    for (const { n, byName, where } of nodes(graph)) {
      const cls = opClass(n.op);
      if (cls === 'file') {
        report({ location: at(n.at), message: `${where}: ${n.op} accesses the file system${describePaths(n, byName)}`, evidence: n.op });
      } else if (cls === 'debug-urls') {
        const urls = urlsOf(n);
        if (urls.length > 0 && urls.every((u) => u.startsWith('file://'))) {
          report({ location: at(n.at), message: `${where}: ${n.op} writes tensors to ${urls.map((u) => quote(u)).join(', ')}`, evidence: n.op });
        }
      } else if (cls === 'print') {
        const target = n.strings.find((s) => s.startsWith('file://'));
        if (target) report({ location: at(n.at), message: `${where}: PrintV2 writes to ${quote(target)}`, evidence: n.op });
      } else if (cls === 'path-checked') {
        const paths = constInputs(n, byName).filter((s) => pathProblem(s) !== undefined);
        if (paths.length > 0) {
          report({
            location: at(n.at),
            message: `${where}: ${n.op} uses the constant path ${quote(paths[0] ?? '')} (${pathProblem(paths[0] ?? '') ?? ''})`,
            evidence: `${n.op}:${paths[0] ?? ''}`,
          });
        }
      }
    }
  },
});

export const networkOp = defineRule<TfSubject>({
  id: 'tensorflow/network-op',
  title: 'TensorFlow graph talks to the network',
  severity: 'high',
  description:
    'The graph contains ops that open network connections: RPC client/server ops, tf.data service datasets, remote function calls, or debug ops with `grpc://` URLs. A model has no reason to reach the network while serving; these ops exfiltrate inputs or pull data from attacker hosts.',
  remediation: 'Do not serve the model; re-export it without network ops, and deny egress to model servers.',
  references: REFS,
  tags: ['tensorflow', 'network'],
  maturity: 'stable',
  check({ graph, at }, report) {
    for (const { n, where } of nodes(graph)) {
      const cls = opClass(n.op);
      if (cls === 'network') {
        report({ location: at(n.at), message: `${where}: ${n.op} opens network connections`, evidence: n.op });
      } else if (cls === 'debug-urls') {
        const urls = urlsOf(n);
        if (urls.some((u) => !u.startsWith('file://'))) {
          report({ location: at(n.at), message: `${where}: ${n.op} sends tensors to ${urls.map((u) => quote(u)).join(', ')}`, evidence: n.op });
        }
      }
    }
  },
});

export const customOp = defineRule<TfSubject>({
  id: 'tensorflow/custom-op',
  title: 'TensorFlow graph uses ops outside the standard op set',
  severity: 'high',
  description:
    'Nodes use op names that TensorFlow does not register and that no function of the graph defines. Loading the model needs a custom op library (`tf.load_op_library` loads a shared object into the process): native code that is not part of the model file.',
  remediation: 'Identify the library that provides the op and review it like any native dependency; do not load op libraries shipped next to a downloaded model.',
  references: [...REFS, 'https://www.tensorflow.org/guide/create_op'],
  tags: ['tensorflow', 'native-code', 'supply-chain'],
  maturity: 'stable',
  check({ graph, at }, report) {
    const custom = new Map<string, { count: number; first: TfNode | undefined }>();
    for (const { n } of nodes(graph)) {
      if (opClass(n.op) !== 'other' || TF_OP_NAMES.has(n.op) || graph.functionNames.has(n.op) || n.op === '') continue;
      const c = custom.get(n.op);
      if (c) c.count++;
      else custom.set(n.op, { count: 1, first: n });
    }
    for (const op of graph.declaredOps) {
      if (!TF_OP_NAMES.has(op) && !graph.functionNames.has(op) && !custom.has(op)) custom.set(op, { count: 0, first: undefined });
    }
    for (const [op, c] of custom) {
      report({
        location: at(c.first?.at ?? 0),
        message:
          c.first !== undefined
            ? `${c.count} node(s) use the op ${quote(op)}, which TensorFlow does not register (first: ${c.first.scope}, node ${quote(c.first.name)}); loading needs a custom op library`
            : `the meta graph declares the op ${quote(op)} (stripped_op_list), which TensorFlow does not register; loading needs a custom op library`,
        evidence: op,
      });
    }
  },
});

export const TENSORFLOW_RULES = [pythonOp, fileSystemOp, networkOp, customOp] as const;
