/**
 * Cross-file phases: analyses that need more than one file (all Kubernetes objects together, a model
 * folder as a whole, a folder's signature). They run on the main thread after the per-file phase, in
 * this order, over the artifacts the analyzers produced (never re-reading files they analysed), and
 * report through the scan's Reporter. A phase may ask for the text of files (`wantsText`), may return
 * target-status updates (a config a folder analysis read is an analysed target), and marks targets
 * partial by reporting fail-closed findings. A phase that throws costs only its own findings: an
 * internal-error finding takes their place. To add a phase, add it to PHASES.
 */
import { dirname, relative, sep } from 'node:path';
import { DOCKERFILE_FORMAT } from '../dockerfile/index.js';
import { analyzeAttackPaths } from '../attack-paths/index.js';
import type { AttackGraph, Finding, TargetResult, TargetStatus } from '../findings/index.js';
import type { ManifestObject } from '../k8s-manifests/index.js';
import { analyzeManifests, graphFacts, reportK8sFolders } from '../k8s-manifests/index.js';
import type { FolderFile } from '../model-scanners/index.js';
import { analyzeModelFolder, checkProductionPolicy, folderTextWanted } from '../model-scanners/index.js';
import { checkModelSignature } from '../model-signing/index.js';
import type { Reporter } from '../rules/index.js';
import { TRIVY_FORMAT } from '../trivy/index.js';
import { registry } from './all-rules.js';
import { artifactsOf } from './artifacts.js';
import type { ScanOptions } from './options.js';
import type { FileScanResult } from './scan-file.js';
import type { WalkResult, WalkedFile } from './walk.js';

export interface PhaseInput {
  readonly walked: WalkResult;
  /** Per-file results, in walk order (stdin first when given). */
  readonly results: readonly FileScanResult[];
  readonly targets: readonly TargetResult[];
  readonly options: ScanOptions;
  readonly reporter: Reporter;
  /** What phases hand to the report besides findings (the attack graph). */
  readonly output: PhaseOutput;
}

export interface PhaseOutput {
  attackPaths?: AttackGraph;
}

export interface TargetUpdate {
  readonly path: string;
  readonly format?: string;
  readonly status?: TargetStatus;
}

export interface Phase {
  readonly name: string;
  /** Files whose text this phase needs (the per-file analysis captures it as a `text` artifact). */
  wantsText?(file: WalkedFile): boolean;
  run(input: PhaseInput): void | readonly TargetUpdate[] | Promise<void | readonly TargetUpdate[]>;
}

function relInRoot(f: WalkedFile): string | undefined {
  return f.root === undefined ? undefined : relative(f.root, f.path).split(sep).join('/');
}

/** Kubernetes: RBAC resolution, NetworkPolicy coverage and every per-object rule need all objects. */
const kubernetes: Phase = {
  name: 'Kubernetes analysis',
  run({ walked, results, targets, options, reporter }) {
    // Helm charts and kustomizations are reported once per folder: render them first.
    reportK8sFolders(targets, reporter);
    // Each path argument is its own cluster (objects without a namespace are not merged into one
    // `default` across unrelated folders), unless --one-cluster says they are one.
    const { objects, inputRoots } = k8sInputs({ walked, results });
    if (objects.length === 0) return;
    analyzeManifests(objects, { pssLevel: options.pssLevel, pssVersion: options.pssVersion, sandboxRuntimeClasses: options.sandboxRuntimeClasses, inputRoots, oneCluster: options.oneCluster }, reporter);
  },
};

/** `--policy production`: pickle-based weights are findings even when clean (docs/policies.md). */
const productionPolicy: Phase = {
  name: 'production policy',
  run({ targets, options, reporter }) {
    for (const t of targets) checkProductionPolicy(options.policy, t, reporter);
  },
};

/** Hugging Face repositories: auto_map remote code, chat templates, pickle beside safetensors. */
const modelFolders: Phase = {
  name: 'model folder analysis',
  wantsText(file) {
    const rel = relInRoot(file);
    return rel !== undefined && folderTextWanted(rel);
  },
  run({ walked, results, options, reporter }) {
    const byPath = new Map(results.map((r) => [r.target.path, r]));
    const updates: TargetUpdate[] = [];
    for (const root of walked.roots) {
      const files: FolderFile[] = [];
      const pathOf = new Map<string, string>();
      for (const f of walked.files) {
        if (f.root !== root) continue;
        const rel = relInRoot(f) as string;
        pathOf.set(rel, f.path);
        const arts = byPath.get(f.path)?.artifacts ?? [];
        const text = artifactsOf(arts, 'text')[0];
        const missing = artifactsOf(arts, 'text-unavailable')[0];
        files.push({ rel, ...(text !== undefined && { text: text.text }), ...(missing !== undefined && { unavailable: missing.reason }) });
      }
      const analysis = analyzeModelFolder(root, files, options.limits, reporter);
      for (const [rel, format] of analysis.analyzed) {
        const path = pathOf.get(rel);
        if (path !== undefined) updates.push({ path, format, status: 'complete' });
      }
    }
    return updates;
  },
};

const NOT_MODEL_FORMATS = new Set(['unknown', 'k8s-manifest', 'json-config', 'python-source', 'chat-template', 'text', 'helm-template', 'kustomization', 'k8s-audit-log', DOCKERFILE_FORMAT, TRIVY_FORMAT]);

/** Signatures of every directory (under a directory argument) holding a detected model file. */
const signatures: Phase = {
  name: 'signature check',
  async run({ walked, targets, options, reporter }) {
    const rootOf = new Map(walked.files.map((f) => [f.path, f.root]));
    const folders = new Map<string, string>();
    for (const t of targets) {
      const root = rootOf.get(t.path);
      if (root !== undefined && !NOT_MODEL_FORMATS.has(t.format)) folders.set(dirname(t.path), root);
    }
    for (const [dir, root] of [...folders].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const opts = {
        ...options.signing,
        policy: options.policy,
        stopAt: root,
        jobs: options.jobs,
        maxFiles: options.limits.maxFiles,
        maxDepth: options.limits.maxDirectoryDepth,
        maxBundleBytes: options.limits.maxBundleBytes,
      };
      await checkModelSignature(dir, opts, reporter);
    }
  },
};

/** Objects of every file, and the per-path-argument cluster roots (as the Kubernetes phase splits them). */
function k8sInputs({ walked, results }: Pick<PhaseInput, 'walked' | 'results'>): { objects: ManifestObject[]; inputRoots: string[] } {
  const objects: ManifestObject[] = [];
  for (const r of results) for (const a of artifactsOf(r.artifacts, 'k8s-objects')) for (const o of a.objects) objects.push(o);
  const inputRoots = [...walked.roots, ...walked.fileArgs, ...(results.some((r) => r.target.path === '-') ? ['-'] : [])];
  return { objects, inputRoots };
}

/**
 * Attack paths, after every other phase: over all findings so far (per file and cross-file) and the
 * Kubernetes objects the analyzers parsed (src/attack-paths, docs/report.md).
 */
const attackPaths: Phase = {
  name: 'attack-path analysis',
  run({ walked, results, options, reporter, output }) {
    const findings: Finding[] = [];
    for (const r of results) for (const f of r.findings) findings.push(f);
    for (const f of reporter.findings) findings.push(f);
    const { objects, inputRoots } = k8sInputs({ walked, results });
    const facts = graphFacts(objects, { inputRoots, oneCluster: options.oneCluster });
    const graph = analyzeAttackPaths(
      {
        facts,
        findings,
        isCodeExecution: (id) => registry.get(id)?.tags.includes('code-execution') === true,
        remediationOf: (id) => registry.get(id)?.remediation,
        maxRoutes: options.limits.maxAttackPaths,
      },
      reporter,
    );
    if (graph !== undefined) output.attackPaths = graph;
  },
};

export const PHASES: readonly Phase[] = [kubernetes, productionPolicy, modelFolders, signatures, attackPaths];
