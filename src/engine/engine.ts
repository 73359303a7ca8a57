import type { Finding, ScanReport, TargetResult } from '../findings/index.js';
import { REPORT_SCHEMA_VERSION, compareFindings, errorMessage, summarize } from '../findings/index.js';
import { coreRules } from '../rules/index.js';
import { registry } from './all-rules.js';
import type { ScanOptions } from './options.js';
import { PHASES } from './phases.js';
import { scanFiles } from './pool.js';
import type { FileScanResult } from './scan-file.js';
import { scanBuffer } from './scan-file.js';
import { toolVersion } from './version.js';
import { walk } from './walk.js';

export interface ScanInput {
  /** Files and directories to scan. */
  readonly paths: readonly string[];
  /** Content read from stdin (`-`), scanned as a target named `-`. */
  readonly stdin?: Uint8Array;
}

export interface ScanHooks {
  /** Called once the files are known (for a progress bar). */
  readonly onStart?: (total: number) => void;
  readonly onProgress?: (done: number, path: string) => void;
}

/** Run a whole scan: walk, per-file analysis (parallel), cross-file analysis, report. */
export async function scan(input: ScanInput, options: ScanOptions, hooks: ScanHooks = {}): Promise<ScanReport> {
  const walked = walk(input.paths, options.limits, options.skipVcs);
  const total = walked.files.length + (input.stdin ? 1 : 0);
  hooks.onStart?.(total);
  const results: FileScanResult[] = [];
  if (input.stdin) {
    results.push(scanBuffer(input.stdin, '-', options));
    hooks.onProgress?.(1, '-');
  }
  const offset = results.length;
  results.push(
    ...(await scanFiles(
      walked.files.map((f) => f.path),
      options,
      (done, path) => hooks.onProgress?.(offset + done, path),
    )),
  );

  const findings: Finding[] = [...walked.findings];
  const targets: TargetResult[] = results.map((r) => r.target);
  for (const r of results) findings.push(...r.findings);
  const seen = new Set(targets.map((t) => t.path));
  for (const f of walked.findings) {
    if (f.ruleId === coreRules.readError.id && !seen.has(f.location.path)) {
      targets.push({ path: f.location.path, format: 'unknown', status: 'partial' });
      seen.add(f.location.path);
    }
  }

  for (const phase of PHASES) {
    try {
      findings.push(...(await phase.run({ walked, results, targets, options })));
    } catch (e) {
      const path = walked.roots[0] ?? targets[0]?.path ?? '-';
      findings.push(coreRules.internalError.report({ location: { kind: 'file', path }, message: `${phase.name} failed: ${errorMessage(e)}` }));
    }
  }
  return buildReport(labelFolderFiles(targets, findings), findings);
}

/**
 * Text files that no per-file analyser recognised but that a folder phase read (Hugging Face configs,
 * remote-code Python files, chat templates) are analysed targets, not unsupported ones.
 */
function labelFolderFiles(targets: readonly TargetResult[], findings: readonly Finding[]): TargetResult[] {
  const withFindings = new Set(findings.filter((f) => !f.ruleId.startsWith('scan/')).map((f) => f.location.path));
  return targets.map((t) => {
    if (t.format !== 'unknown' || t.status !== 'unsupported' || !withFindings.has(t.path)) return t;
    const ext = /\.([A-Za-z0-9]+)$/.exec(t.path)?.[1]?.toLowerCase();
    const format = ext === 'py' ? 'python-source' : ext === 'json' ? 'json-config' : ext === 'jinja' ? 'chat-template' : 'text';
    return { ...t, format, status: 'complete' as const };
  });
}

export function buildReport(targets: readonly TargetResult[], findings: readonly Finding[]): ScanReport {
  const sorted = [...findings].sort(compareFindings);
  const sortedTargets = [...targets].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'bulwark', version: toolVersion() },
    targets: sortedTargets,
    findings: sorted,
    rules: registry.descriptors(new Set(sorted.map((f) => f.ruleId))),
    summary: summarize(sortedTargets, sorted),
  };
}
