/**
 * Attack paths (docs/report.md): a typed graph built from the findings and artifacts of a scan, and
 * the paths through it that a path template (code execution → credential access → escalation →
 * exfiltration or GPU abuse) matched. Each path is also a finding of a `path/*` rule; `finding` is
 * that finding's fingerprint. Plain data, part of the JSON report (`attackPaths`).
 */
import type { Location } from './location.js';
import type { Severity } from './severity.js';

export type AttackNodeKind = 'model' | 'workload' | 'service-account' | 'secrets' | 'cluster-control' | 'node' | 'network' | 'gpu';

export interface AttackNode {
  /** Stable id inside one report, e.g. `workload:examples/k8s/job.yaml#Job/llm/train`. */
  readonly id: string;
  readonly kind: AttackNodeKind;
  readonly label: string;
  readonly namespace?: string;
  readonly location?: Location;
}

export type AttackEdgeKind = 'runs-code-in' | 'runs-as' | 'reads-secrets' | 'controls-workloads' | 'escapes-to-node' | 'egress' | 'uses-gpu';

export interface AttackEdge {
  readonly id: string;
  readonly from: string;
  readonly to: string;
  readonly kind: AttackEdgeKind;
  /** What the step means: `Job llm/train runs as ServiceAccount llm/default with its token mounted`. */
  readonly label: string;
  /** Where the step is decided (the manifest field, the Role rule, the model file). */
  readonly location?: Location;
  /** Fingerprints of the findings that evidence this step (fixing them breaks it). */
  readonly findings: readonly string[];
  /** How to break this step; absent for steps that are facts, not mistakes (a pod uses a GPU). */
  readonly fix?: string;
}

export interface AttackPathStep {
  readonly edge: string;
  /** The stage of the template this step fills: `code execution`, `credential access`, … */
  readonly tactic: string;
}

export interface AttackPathFix {
  readonly edge: string;
  readonly fix: string;
  readonly findings: readonly string[];
}

export interface AttackPath {
  /** The `path/*` rule (the template's id). */
  readonly ruleId: string;
  readonly title: string;
  readonly severity: Severity;
  /** Fingerprint of the path's finding. */
  readonly finding: string;
  /** Every route the template matched from this source (each an ordered list of steps). */
  readonly routes: readonly (readonly AttackPathStep[])[];
  /** The smallest set of steps whose fixes break every route (see `cutExact`). */
  readonly fixes: readonly AttackPathFix[];
  /** Every minimum set of fixes (the chosen `fixes` first), when there are several of the same size. */
  readonly alternatives: readonly (readonly AttackPathFix[])[];
  /** True when `fixes` is a proven minimum; false when it came from the greedy bound (docs/report.md). */
  readonly cutExact: boolean;
}

export interface AttackGraph {
  readonly nodes: readonly AttackNode[];
  readonly edges: readonly AttackEdge[];
  readonly paths: readonly AttackPath[];
}
