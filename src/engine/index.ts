export { scan, buildReport } from './engine.js';
export type { ScanInput, ScanHooks } from './engine.js';
export { scanOptions, DEFAULT_SCAN_OPTIONS } from './options.js';
/** The Reporter of findings about whole targets (the user's rule selection, the per-target cap): for targets the CLI adds, e.g. refused oci:// artifacts. */
export { phaseReporter as targetReporter } from './selection.js';
export type { ScanOptions, SigningScanOptions } from './options.js';
export { registry, allRegistry, ALL_RULES, ALL_RULESETS, SCAN_RULESETS } from './all-rules.js';
export { toolVersion, packageRoot } from './version.js';
export { scanFile, scanBuffer } from './scan-file.js';
export type { FileScanResult } from './scan-file.js';
export { ANALYZERS } from './analyzers.js';
export type { Analyzer, AnalysisOutput, AnalyzerContext, FileProbe } from './analyzers.js';
export { PHASES } from './phases.js';
export type { Phase, PhaseInput, PhaseOutput, TargetUpdate } from './phases.js';
export type { Artifact } from './artifacts.js';
