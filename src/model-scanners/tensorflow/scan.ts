/**
 * The TensorFlow scanner: walk the SavedModel or frozen GraphDef (parse.ts), report what stopped the
 * walk (fail-closed), then let the rules judge the graph (rules.ts).
 */
import type { ByteSource } from '../../limits/index.js';
import type { ModelScanContext } from '../context.js';
import type { TfGraph } from './parse.js';
import { parseTensorflow } from './parse.js';
import { TENSORFLOW_RULES } from './rules.js';

export interface SavedModelSummary {
  readonly kind: 'saved-model' | 'graph-def';
  readonly metaGraphs: number;
  readonly nodes: number;
  readonly functions: number;
  /** op → count over all graphs and functions. */
  readonly ops: ReadonlyMap<string, number>;
  readonly tags: readonly string[];
}

/** Scan one `saved_model.pb` or frozen GraphDef; returns a summary of what was read. */
export function scanSavedModel(source: ByteSource, ctx: ModelScanContext): SavedModelSummary {
  const graph = parseTensorflow(source, ctx.limits);
  if (graph.error !== undefined) ctx.failed(graph.error, 'TensorFlow graph analysis');
  ctx.check(TENSORFLOW_RULES, { graph, at: ctx.locator });
  return summarize(graph);
}

function summarize(graph: TfGraph): SavedModelSummary {
  const ops = new Map<string, number>();
  let nodes = 0;
  for (const [, list] of graph.scopes) {
    for (const n of list) {
      nodes++;
      ops.set(n.op, (ops.get(n.op) ?? 0) + 1);
    }
  }
  return { kind: graph.kind, metaGraphs: graph.metaGraphs, nodes, functions: graph.functions, ops, tags: graph.tags };
}
