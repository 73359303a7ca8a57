/**
 * The ONNX scanner: walk the model (parse.ts), report what stopped the walk (fail-closed), resolve
 * external-data locations on disk, then let the rules judge (rules.ts).
 *
 * External-data locations are data: only locations that are relative, `..`-free paths are resolved
 * under the model's folder, with lstat/realpath to detect symbolic links that leave it. The external
 * files are stat'ed, never opened.
 */
import { lstatSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import type { ByteSource } from '../../limits/index.js';
import type { ModelScanContext } from '../context.js';
import type { OnnxExternalRef, OnnxModel } from './parse.js';
import { parseOnnx } from './parse.js';
import type { OnnxExternalData, OnnxExternalFile } from './rules.js';
import { ONNX_RULES, embeddedObject, locationProblem } from './rules.js';
import { scanEmbeddedValue } from '../containers.js';

/** Scan one ONNX model; returns what the walk read (also when it stopped early). */
export function scanOnnx(source: ByteSource, ctx: ModelScanContext): OnnxModel {
  const model = parseOnnx(source, ctx.limits);
  if (model.error !== undefined) ctx.failed(model.error, 'ONNX analysis');
  ctx.check(ONNX_RULES, { model, external: resolveExternalData(model.externalData, ctx), at: ctx.locator });
  for (const v of model.embedded) scanEmbeddedValue(ctx, embeddedObject, `<onnx ${v.label}>`, v.bytes, ctx.at(v.at));
  return model;
}

/** The state on disk of each external-data file (only for a model that is a file on disk). */
function resolveExternalData(refs: readonly OnnxExternalRef[], ctx: ModelScanContext): OnnxExternalData[] {
  const onDisk = ctx.member === undefined;
  const baseDir = dirname(ctx.path);
  let baseReal: string | undefined;
  if (onDisk && refs.length > 0) {
    try {
      baseReal = realpathSync(baseDir);
    } catch {
      baseReal = undefined;
    }
  }
  const cache = new Map<string, OnnxExternalFile>();
  const out: OnnxExternalData[] = [];
  for (const ref of refs) {
    const loc = ref.location;
    let file: OnnxExternalFile | undefined;
    if (onDisk && baseReal !== undefined && loc !== '' && locationProblem(loc) === undefined) {
      file = cache.get(loc);
      if (file === undefined) {
        file = statExternal(baseDir, baseReal, loc);
        cache.set(loc, file);
      }
    }
    out.push({ ref, file });
  }
  return out;
}

function statExternal(baseDir: string, baseReal: string, loc: string): OnnxExternalFile {
  const full = join(baseDir, loc);
  try {
    lstatSync(full);
  } catch {
    return 'missing';
  }
  let real: string;
  try {
    real = realpathSync(full);
  } catch {
    return 'missing'; // a dangling link
  }
  const rel = relative(baseReal, real);
  if (rel === '' || rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel)) return { outside: real };
  const st = statSync(real);
  if (!st.isFile()) return { special: st.isDirectory() ? 'a directory' : st.isCharacterDevice() ? 'a character device' : st.isFIFO() ? 'a FIFO' : 'a special file' };
  return { size: st.size };
}
