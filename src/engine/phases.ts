/**
 * Cross-file phases: analyses that need more than one file (all Kubernetes objects together, a model
 * folder as a whole). They run on the main thread after the per-file phase, in this order; a phase
 * that throws costs only its own findings (an internal-error finding takes their place).
 */
import type { Finding, TargetResult } from '../findings/index.js';
import type { ManifestObject } from '../k8s-manifests/index.js';
import { analyzeManifests } from '../k8s-manifests/index.js';
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

export const PHASES: readonly Phase[] = [kubernetes];
