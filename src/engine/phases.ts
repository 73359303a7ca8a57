/**
 * Cross-file phases: analyses that need more than one file (all Kubernetes objects together, a model
 * folder as a whole). They run on the main thread after the per-file phase, in this order; a phase
 * that throws costs only its own findings (an internal-error finding takes their place).
 */
import { dirname, relative, sep } from 'node:path';
import type { Finding, TargetResult } from '../findings/index.js';
import type { ManifestObject } from '../k8s-manifests/index.js';
import { analyzeManifests } from '../k8s-manifests/index.js';
import { analyzeModelFolder, productionPolicyFinding } from '../model-scanners/index.js';
import { checkModelSignature } from '../model-signing/index.js';
import type { ScanOptions } from './options.js';
import type { FileScanResult } from './scan-file.js';
import type { WalkResult } from './walk.js';

export interface PhaseInput {
  readonly walked: WalkResult;
  readonly results: readonly FileScanResult[];
  readonly targets: readonly TargetResult[];
  readonly options: ScanOptions;
}

export interface Phase {
  readonly name: string;
  run(input: PhaseInput): Finding[] | Promise<Finding[]>;
}

/** Kubernetes: RBAC resolution, NetworkPolicy coverage and every per-object rule need all objects. */
const kubernetes: Phase = {
  name: 'Kubernetes analysis',
  run({ results, options }) {
    const manifests: ManifestObject[] = results.flatMap((r) => r.manifests);
    if (manifests.length === 0) return [];
    return analyzeManifests(manifests, { pssLevel: options.pssLevel, pssVersion: options.pssVersion, sandboxRuntimeClasses: options.sandboxRuntimeClasses });
  },
};

/** `--policy production`: pickle-based weights are findings even when clean (docs/policies.md). */
const productionPolicy: Phase = {
  name: 'production policy',
  run({ targets, options }) {
    return targets.flatMap((t) => productionPolicyFinding(options.policy, t.format, { kind: 'file', path: t.path }) ?? []);
  },
};

/** Hugging Face repositories: auto_map remote code, chat templates, pickle beside safetensors. */
const huggingFaceFolders: Phase = {
  name: 'model folder analysis',
  run({ walked, options }) {
    return walked.roots.flatMap((root) => {
      const rels = walked.files.filter((f) => f.root === root).map((f) => relative(root, f.path).split(sep).join('/'));
      return analyzeModelFolder(root, rels, options.limits);
    });
  },
};

const NOT_MODEL_FORMATS = new Set(['unknown', 'k8s-manifest']);

/** Signatures of every directory (under a directory argument) holding a detected model file. */
const signatures: Phase = {
  name: 'signature check',
  async run({ walked, targets, options }) {
    const rootOf = new Map(walked.files.map((f) => [f.path, f.root]));
    const folders = new Map<string, string>();
    for (const t of targets) {
      const root = rootOf.get(t.path);
      if (root !== undefined && !NOT_MODEL_FORMATS.has(t.format)) folders.set(dirname(t.path), root);
    }
    const out: Finding[] = [];
    for (const [dir, root] of [...folders].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const opts = { ...options.signing, policy: options.policy, stopAt: root, jobs: options.jobs, maxFiles: options.limits.maxFiles, maxDepth: options.limits.maxDirectoryDepth };
      out.push(...(await checkModelSignature(dir, opts)));
    }
    return out;
  },
};

export const PHASES: readonly Phase[] = [kubernetes, productionPolicy, huggingFaceFolders, signatures];
