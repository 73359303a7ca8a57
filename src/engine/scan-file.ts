import type { Finding, TargetResult } from '../findings/index.js';
import { errorMessage, isBulwarkError } from '../findings/index.js';
import type { ByteSource } from '../limits/index.js';
import { BufferSource, FileSource, ReadBudget } from '../limits/index.js';
import type { Reporter } from '../rules/index.js';
import { coreRules } from '../rules/index.js';
import type { Analyzer, AnalysisOutput } from './analyzers.js';
import { ANALYZERS, PROBE_BYTES } from './analyzers.js';
import type { Artifact } from './artifacts.js';
import type { ScanOptions } from './options.js';
import { fileReporter } from './selection.js';
import { decodeText } from './text.js';

/** What the per-file phase returns (plain data: it crosses worker threads). */
export interface FileScanResult {
  readonly target: TargetResult;
  readonly findings: Finding[];
  /** For the cross-file phases (objects, captured text). */
  readonly artifacts: Artifact[];
}

export interface FileScanRequest {
  /** A phase wants this file's text (captured whatever analyzer takes the file). */
  readonly captureText?: boolean;
  /** A phase wants the text but the scan's text budget is spent: why (a `text-unavailable` artifact). */
  readonly textUnavailable?: string;
}

function captureText(source: ByteSource, head: Uint8Array, options: ScanOptions): Artifact {
  const max = options.limits.maxTextBytes;
  if (source.size > max) return { kind: 'text-unavailable', reason: `larger than maxTextBytes (${max} bytes)` };
  const text = decodeText(head, source);
  return text === undefined ? { kind: 'text-unavailable', reason: 'not UTF-8 text' } : { kind: 'text', text };
}

/**
 * Analyse one source with the registered analyzers: the first that matches takes the target. Findings
 * go to `reporter`; a target with a fail-closed finding is partial (the Reporter decides).
 */
export function analyzeSource(source: ByteSource, path: string, options: ScanOptions, reporter: Reporter, request: FileScanRequest = {}): { target: TargetResult; artifacts: Artifact[] } {
  const head = source.read(0, PROBE_BYTES);
  const probe = { path, size: source.size, head };
  let out: AnalysisOutput = { format: 'unknown', status: 'unsupported' };
  for (const a of ANALYZERS as readonly Analyzer<unknown>[]) {
    const m = a.match(source, probe, options);
    if (m === undefined) continue;
    out = a.analyze(source, m, { path, options, reporter });
    break;
  }
  const artifacts = [...(out.artifacts ?? [])];
  if (request.captureText === true) artifacts.push(captureText(source, head, options));
  else if (request.textUnavailable !== undefined) artifacts.push({ kind: 'text-unavailable', reason: request.textUnavailable });
  const status = reporter.partialPaths().has(path) ? 'partial' : out.status;
  return { target: { path, format: out.format, status, size: source.size }, artifacts };
}

function failedTarget(path: string, e: unknown, reporter: Reporter): { target: TargetResult; artifacts: Artifact[] } {
  const rule = isBulwarkError(e) && e.code === 'IO' ? coreRules.readError : coreRules.internalError;
  reporter.report(rule, { location: { kind: 'file', path }, message: rule === coreRules.readError ? errorMessage(e) : `internal error: ${errorMessage(e)}` });
  return { target: { path, format: 'unknown', status: 'partial' }, artifacts: [] };
}

/** Analyse one file on disk; errors become findings on that target, never a thrown error. */
export function scanFile(path: string, options: ScanOptions, request: FileScanRequest = {}): FileScanResult {
  const reporter = fileReporter(options);
  let src: FileSource | undefined;
  let r: { target: TargetResult; artifacts: Artifact[] };
  try {
    src = new FileSource(path, new ReadBudget(options.limits.maxReadBytes));
    r = analyzeSource(src, path, options, reporter, request);
  } catch (e) {
    r = failedTarget(path, e, reporter);
  } finally {
    src?.close();
  }
  const findings = reporter.finish();
  const target = reporter.partialPaths().has(path) && r.target.status !== 'partial' ? { ...r.target, status: 'partial' as const } : r.target;
  return { target, findings, artifacts: r.artifacts };
}

/** Analyse bytes already in memory (stdin, named `-`). */
export function scanBuffer(buf: Uint8Array, path: string, options: ScanOptions, request: FileScanRequest = {}): FileScanResult {
  const reporter = fileReporter(options);
  let r: { target: TargetResult; artifacts: Artifact[] };
  try {
    r = analyzeSource(new BufferSource(buf), path, options, reporter, request);
  } catch (e) {
    r = failedTarget(path, e, reporter);
  }
  const findings = reporter.finish();
  const target = reporter.partialPaths().has(path) && r.target.status !== 'partial' ? { ...r.target, status: 'partial' as const } : r.target;
  return { target, findings, artifacts: r.artifacts };
}
