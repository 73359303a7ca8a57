/**
 * Container images in a scan: found among the walked files by content (a folder with `oci-layout`
 * and `index.json`, a tar file with `manifest.json` or an OCI layout inside), taken out of the
 * per-file analysis, and scanned layer by layer (src/image). Images from registries (`oci://REF`)
 * come in already opened (`ScanInput.images`).
 */
import { basename, dirname } from 'node:path';
import type { TargetResult } from '../findings/index.js';
import { LimitExceededError, errorMessage, isBulwarkError } from '../findings/index.js';
import type { ImageInput } from '../image/index.js';
import { imageTarMembers, isOciLayoutDir, openImageTar, openOciLayout, scanImage } from '../image/index.js';
import { blobDigestMismatch } from '../oci/index.js';
import { coreRules } from '../rules/index.js';
import type { ScanOptions } from './options.js';
import type { FileScanResult } from './scan-file.js';
import { fileReporter } from './selection.js';
import type { WalkResult } from './walk.js';

/** An image found in the walk: its path and how to open it (may throw for a malformed image). */
export interface FoundImage {
  readonly path: string;
  readonly open: () => ImageInput;
}

/** Smallest docker-archive: a header and a manifest.json. */
const MIN_TAR = 1024;

/** Split the walk into images and the files left for the per-file analysis. */
export function findImages(walked: WalkResult, options: ScanOptions): { images: FoundImage[]; walked: WalkResult } {
  const layouts = new Set<string>();
  for (const f of walked.files) {
    if (basename(f.path) !== 'oci-layout') continue;
    const dir = dirname(f.path);
    if (isOciLayoutDir(dir)) layouts.add(dir);
  }
  const images: FoundImage[] = [...layouts].map((dir) => ({ path: dir, open: () => openOciLayout(dir, options.limits) }));
  const inLayout = (p: string): boolean => {
    for (let d = dirname(p); ; d = dirname(d)) {
      if (layouts.has(d)) return true;
      if (dirname(d) === d) return false;
    }
  };
  const files = walked.files.filter((f) => {
    if (layouts.size > 0 && inLayout(f.path)) return false;
    if (f.size < MIN_TAR || f.size % 512 !== 0) return true;
    const members = imageTarMembers(f.path, options.limits.maxLayerPathBytes);
    if (members === undefined) return true;
    images.push({ path: f.path, open: () => openImageTar(f.path, members, options.limits) });
    return false;
  });
  return { images, walked: files.length === walked.files.length ? walked : { ...walked, files } };
}

/** Scan one image; every problem is a finding on its target, never a thrown error. */
export async function scanImageTarget(path: string, open: () => ImageInput | Promise<ImageInput>, options: ScanOptions): Promise<FileScanResult> {
  const reporter = fileReporter(options);
  let target: TargetResult;
  try {
    const input = await open();
    const r = await scanImage(input, { limits: options.limits, strict: options.strict, policy: options.policy, pickle: options.pickle }, reporter);
    target = { path, format: r.format, status: r.status, size: r.bytes };
  } catch (e) {
    const location = { kind: 'file' as const, path };
    if (e instanceof LimitExceededError) reporter.report(coreRules.limitExceeded, { location, message: errorMessage(e), evidence: e.limit });
    else if (isBulwarkError(e) && e.code === 'VERIFICATION') reporter.report(blobDigestMismatch, { location, message: errorMessage(e) });
    else if (isBulwarkError(e) && (e.code === 'MALFORMED' || e.code === 'UNSUPPORTED')) reporter.report(coreRules.malformedInput, { location, message: `image: ${errorMessage(e)}` });
    else if (isBulwarkError(e) && e.code === 'IO') reporter.report(coreRules.readError, { location, message: errorMessage(e) });
    else reporter.report(coreRules.internalError, { location, message: `internal error: ${errorMessage(e)}` });
    target = { path, format: 'image', status: 'partial' };
  }
  const findings = reporter.finish();
  if (reporter.partialPaths().has(path) && target.status !== 'partial') target = { ...target, status: 'partial' };
  return { target, findings, artifacts: [] };
}

