import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import type { AttackGraph, Finding, ScanReport, TargetResult } from '../findings/index.js';
import { REPORT_SCHEMA_VERSION, compareFindings, errorMessage, summarize } from '../findings/index.js';
import type { RuleRegistry } from '../rules/index.js';
import { applyConfigSuppressions, coreRules } from '../rules/index.js';
import { registry as scanRegistry } from './all-rules.js';
import type { ScanOptions } from './options.js';
import type { PhaseOutput, TargetUpdate } from './phases.js';
import { PHASES } from './phases.js';
import { defaultJobs, scanFiles } from './pool.js';
import { findImages, scanImageTarget } from './images.js';
import type { ImageInput } from '../image/index.js';
import type { FileScanResult } from './scan-file.js';
import { scanBuffer } from './scan-file.js';
import { phaseReporter } from './selection.js';
import { toolVersion } from './version.js';
import type { WalkResult } from './walk.js';
import { walk } from './walk.js';

export interface ScanInput {
  /** Files and directories to scan. */
  readonly paths: readonly string[];
  /** Content read from stdin (`-`), scanned as a target named `-`. */
  readonly stdin?: Uint8Array;
  /** Container images opened elsewhere (`oci://REF` from a registry), scanned layer by layer. */
  readonly images?: readonly ImageInput[];
}

export interface ScanHooks {
  /** Called once the files are known (for a progress bar). */
  readonly onStart?: (total: number) => void;
  readonly onProgress?: (done: number, path: string) => void;
}

/**
 * Run a whole scan: walk, per-file analysis (parallel, by the registered analyzers), cross-file
 * phases over their artifacts, configuration suppressions, report.
 */
export async function scan(input: ScanInput, requested: ScanOptions, hooks: ScanHooks = {}): Promise<ScanReport> {
  let options = requested;
  // The scan's reporter for the walk and the cross-file phases; the per-file analyses have their own.
  const reporter = phaseReporter(options);
  // Images (OCI layouts, docker-archive tarballs) are found by content and scanned layer by layer.
  const found = findImages(dedupeFiles(walk(input.paths, options.limits, options.skipVcs, options.ignore, reporter)), options);
  const walked = found.walked;
  // jobs 0: as many workers as the work can use (see defaultJobs).
  if (options.jobs <= 0) options = { ...options, jobs: defaultJobs(availableParallelism(), walked.files) };
  const imageCount = found.images.length + (input.images?.length ?? 0);
  const total = walked.files.length + (input.stdin ? 1 : 0) + imageCount;
  hooks.onStart?.(total);
  const wants = (f: WalkResult['files'][number]): boolean => PHASES.some((p) => p.wantsText?.(f) === true);
  const results: FileScanResult[] = [];
  if (input.stdin) {
    results.push(scanBuffer(input.stdin, '-', options));
    hooks.onProgress?.(1, '-');
  }
  for (const img of found.images) {
    results.push(await scanImageTarget(img.path, img.open, options));
    hooks.onProgress?.(results.length, img.path);
  }
  for (const img of input.images ?? []) {
    results.push(await scanImageTarget(img.location, () => img, options));
    hooks.onProgress?.(results.length, img.location);
  }
  const offset = results.length;
  // Text the folder phases asked for is kept in memory until they run: bounded by maxFolderTextBytes.
  let textBudget = options.limits.maxFolderTextBytes;
  const jobs = walked.files.map((f) => {
    if (!wants(f)) return { path: f.path, captureText: false };
    // Over maxTextBytes: the capture itself says so, and costs nothing.
    if (f.size > options.limits.maxTextBytes) return { path: f.path, captureText: true };
    if (f.size > textBudget) return { path: f.path, captureText: false, textUnavailable: `the scan's text budget maxFolderTextBytes (${options.limits.maxFolderTextBytes} bytes) is spent` };
    textBudget -= f.size;
    return { path: f.path, captureText: true };
  });
  const perFile = await scanFiles(
    jobs,
    options,
    (done, path) => hooks.onProgress?.(offset + done, path),
  );
  for (const r of perFile) results.push(r);

  // The per-target cap counts what the per-file analysis kept already.
  for (const r of results) reporter.seed(r.target.path, r.findings.length);
  const targets: TargetResult[] = results.map((r) => r.target);
  const seen = new Set(targets.map((t) => t.path));
  for (const path of walked.unreadable) {
    if (seen.has(path)) continue;
    targets.push({ path, format: 'unknown', status: 'partial' });
    seen.add(path);
  }

  const updates: TargetUpdate[] = [];
  const output: PhaseOutput = {};
  for (const phase of PHASES) {
    try {
      const u = await phase.run({ walked, results, targets, options, reporter, output });
      if (u) for (const x of u) updates.push(x);
    } catch (e) {
      const path = walked.roots[0] ?? targets[0]?.path ?? '-';
      reporter.report(coreRules.internalError, { location: { kind: 'file', path }, message: `${phase.name} failed: ${errorMessage(e)}` });
    }
  }

  const fileFindings: Finding[] = [];
  for (const r of results) for (const f of r.findings) fileFindings.push(f);
  const before = reporter.findings.length;
  const all: Finding[] = fileFindings;
  for (let i = 0; i < before; i++) all.push(reporter.findings[i] as Finding);
  const marked = applyConfigSuppressions(all, options.suppressions, {
    roots: walked.roots,
    now: options.now === undefined ? new Date() : new Date(options.now),
    rules: scanRegistry.rules,
    report: (rule, args) => reporter.report(rule, args),
  });
  const late = reporter.finish().slice(before);
  for (const f of late) marked.push(f);
  return buildReport(scanRegistry, finalTargets(targets, updates, reporter.partialPaths()), marked, output.attackPaths);
}

/** A file named twice (`scan . trivy.json`, `--trivy-report` inside a scanned folder) is analysed once. */
function dedupeFiles(walked: WalkResult): WalkResult {
  const seen = new Set<string>();
  const files = walked.files.filter((f) => {
    const key = resolve(f.path);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return files.length === walked.files.length ? walked : { ...walked, files };
}

/** Apply the phases' updates, and make every target with a fail-closed finding partial. */
function finalTargets(targets: readonly TargetResult[], updates: readonly TargetUpdate[], partial: ReadonlySet<string>): TargetResult[] {
  const byPath = new Map(updates.map((u) => [u.path, u]));
  return targets.map((t) => {
    const u = byPath.get(t.path);
    let out: TargetResult = t;
    if (u !== undefined) {
      // An update never hides a problem: a partial target stays partial.
      out = { ...t, ...(u.format !== undefined && { format: u.format }), ...(u.status !== undefined && t.status !== 'partial' && { status: u.status }) };
    }
    return partial.has(t.path) && out.status !== 'partial' ? { ...out, status: 'partial' as const } : out;
  });
}

/** The versioned report of `findings` over `targets`, with the metadata of the rules that fired, from `registry`. */
export function buildReport(registry: RuleRegistry, targets: readonly TargetResult[], findings: readonly Finding[], attackPaths?: AttackGraph): ScanReport {
  const sorted = [...findings].sort(compareFindings);
  const sortedTargets = [...targets].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'bulwark', version: toolVersion() },
    targets: sortedTargets,
    findings: sorted,
    rules: registry.descriptors(new Set(sorted.map((f) => f.ruleId))),
    summary: summarize(sortedTargets, sorted),
    ...(attackPaths !== undefined && { attackPaths }),
  };
}
