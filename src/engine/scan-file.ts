import type { Finding, TargetResult } from '../findings/index.js';
import { errorMessage, isBulwarkError } from '../findings/index.js';
import type { ManifestObject } from '../k8s-manifests/index.js';
import { loadManifests, looksLikeManifest } from '../k8s-manifests/index.js';
import type { ByteSource } from '../limits/index.js';
import { BufferSource, FileSource, ReadBudget } from '../limits/index.js';
import { scanModelSource } from '../model-scanners/index.js';
import { coreRules } from '../rules/index.js';
import type { ScanOptions } from './options.js';

/** What the per-file phase returns (plain data: it crosses worker threads). */
export interface FileScanResult {
  readonly target: TargetResult;
  readonly findings: Finding[];
  /** Kubernetes objects loaded from the file, for the cross-object phase. */
  readonly manifests: ManifestObject[];
}

const TEXT_SNIFF = 4096;

/** Heuristic: UTF-8 text without NUL bytes in its first block. */
function looksLikeText(head: Uint8Array): boolean {
  if (head.length === 0) return false;
  if (head.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head.length === TEXT_SNIFF ? head.subarray(0, TEXT_SNIFF - 4) : head);
    return true;
  } catch {
    return false;
  }
}

/** Analyse one source: model formats first (content-detected), then Kubernetes manifests. */
export function scanSource(source: ByteSource, path: string, options: ScanOptions): FileScanResult {
  const { limits } = options;
  const model = scanModelSource(source, path, { strict: options.strict, policy: options.policy }, limits);
  if (model) {
    const findings = model.findings;
    if (model.dropped > 0) {
      findings.push(
        coreRules.limitExceeded.report({
          location: { kind: 'file', path },
          message: `${model.dropped} more findings were not kept (maxFindingsPerTarget ${limits.maxFindingsPerTarget})`,
          evidence: 'maxFindingsPerTarget',
        }),
      );
    }
    return { target: { path, format: model.format, status: model.status, size: source.size }, findings, manifests: [] };
  }
  const head = source.read(0, TEXT_SNIFF);
  if (looksLikeText(head) && source.size <= limits.maxTextBytes) {
    const text = new TextDecoder('utf-8').decode(source.read(0, source.size));
    if (looksLikeManifest(text)) {
      const loaded = loadManifests(text, path, limits);
      const partial = loaded.findings.some((f) => f.ruleId.startsWith('scan/'));
      return {
        target: { path, format: 'k8s-manifest', status: partial ? 'partial' : 'complete', size: source.size },
        findings: loaded.findings,
        manifests: loaded.objects,
      };
    }
  }
  return { target: { path, format: 'unknown', status: 'unsupported', size: source.size }, findings: [], manifests: [] };
}

/** Analyse one file on disk; errors become findings on that target, never a thrown error. */
export function scanFile(path: string, options: ScanOptions): FileScanResult {
  let src: FileSource | undefined;
  try {
    src = new FileSource(path, new ReadBudget(options.limits.maxReadBytes));
    return scanSource(src, path, options);
  } catch (e) {
    const rule = isBulwarkError(e) && e.code === 'IO' ? coreRules.readError : coreRules.internalError;
    return {
      target: { path, format: 'unknown', status: 'partial' },
      findings: [rule.report({ location: { kind: 'file', path }, message: errorMessage(e) })],
      manifests: [],
    };
  } finally {
    src?.close();
  }
}

export function scanBuffer(buf: Uint8Array, path: string, options: ScanOptions): FileScanResult {
  try {
    return scanSource(new BufferSource(buf), path, options);
  } catch (e) {
    return {
      target: { path, format: 'unknown', status: 'partial' },
      findings: [coreRules.internalError.report({ location: { kind: 'file', path }, message: errorMessage(e) })],
      manifests: [],
    };
  }
}
