/**
 * Cross-file phases: analyses that need more than one file (all Kubernetes objects together, a model
 * folder as a whole). They run on the main thread after the per-file phase, in this order; a phase
 * that throws costs only its own findings (an internal-error finding takes their place).
 */
import type { Finding, TargetResult } from '../findings/index.js';
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

export const PHASES: readonly Phase[] = [];
