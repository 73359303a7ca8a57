/**
 * Keras: the `.keras` v3 archive (a zip with `config.json`, `metadata.json`, `model.weights.h5`) and
 * legacy HDF5 files (`.h5`/`.keras` written by Keras 2, `model.save('x.h5')` in Keras 3) whose root
 * group carries the `model_config` (and `training_config`) JSON attributes.
 *
 * The archive logic is written against `KerasArchive` (member names + bounded member reads) so that
 * it does not depend on how the zip is parsed; `kerasArchiveFromZip` adapts the containers' zip
 * parser (src/model-scanners/zip/parse.ts).
 */
import { BulwarkError, LimitExceededError, errorMessage } from '../../findings/index.js';
import type { ByteSource } from '../../limits/index.js';
import { decompress } from '../../limits/index.js';
import { coreRules } from '../../rules/index.js';
import type { ModelScanContext } from '../context.js';
import { isJsonObject, parseStrictJson, quote } from '../text/index.js';
import { parseZip } from '../zip/index.js';
import type { ZipEntry } from '../zip/index.js';
import type { KerasConfigSummary } from './config.js';
import { analyzeKerasConfig } from './config.js';
import { findHdf5Superblock, isHdf5, readRootAttributes } from './hdf5.js';
import { malformedConfig } from './rules.js';

/** What the Keras analysis needs from an archive. */
export interface KerasArchive {
  /** Member names as stored (data, never paths). */
  readonly names: readonly string[];
  /** Bytes of a member, or undefined when absent; throws LimitExceededError past `maxBytes`. */
  read(name: string, maxBytes: number): Uint8Array | undefined;
}

export interface KerasSummary {
  readonly kind: 'keras-v3' | 'keras-h5';
  readonly kerasVersion: string | undefined;
  readonly config: KerasConfigSummary | undefined;
}

const KERAS_MEMBERS = ['config.json', 'metadata.json'];

/**
 * Content sniff for a `.keras` v3 archive: a zip whose central directory names `config.json` and
 * `metadata.json` at the top level. Reads the zip tail and central directory only; never throws.
 */
export function isKerasZip(source: ByteSource): boolean {
  try {
    const head = source.read(0, 4);
    if (!(head[0] === 0x50 && head[1] === 0x4b)) return false;
    const z = parseZip(source, { maxEntries: 4096 });
    const names = new Set(z.entries.map((e) => e.name));
    return KERAS_MEMBERS.every((n) => names.has(n));
  } catch {
    return false;
  }
}

/** Content sniff for a legacy Keras HDF5 model: an HDF5 file (superblock at 0). */
export function isKerasH5(source: ByteSource): boolean {
  return isHdf5(source);
}

/** Adapt the containers' zip parser: stored and deflate members, read through the target's caps. */
export function kerasArchiveFromZip(source: ByteSource, ctx: ModelScanContext): KerasArchive {
  const z = parseZip(source, { maxEntries: ctx.limits.maxArchiveEntries });
  const byName = new Map<string, ZipEntry>();
  // Python's zipfile (what Keras uses) keeps the LAST central-directory entry of a name.
  for (const e of z.entries) byName.set(e.name, e);
  return {
    names: z.entries.map((e) => e.name),
    read(name, maxBytes) {
      const e = byName.get(name);
      if (!e) return undefined;
      if (e.dataOffset < 0) throw new BulwarkError('MALFORMED', `zip member ${name} has no local header`);
      if (e.encrypted) throw new BulwarkError('UNSUPPORTED', `zip member ${name} is encrypted`);
      const raw = source.read(e.dataOffset, Math.min(e.compressedSize, source.size - e.dataOffset));
      if (e.method === 0) {
        if (raw.length > maxBytes) throw new LimitExceededError('maxTextBytes', maxBytes, `zip member ${name} exceeds ${maxBytes} bytes`);
        return raw;
      }
      if (e.method !== 8) throw new BulwarkError('UNSUPPORTED', `zip member ${name} uses compression method ${e.method}`);
      const r = decompress('deflate-raw', raw, Math.min(maxBytes, ctx.limits.maxDecompressedBytes));
      ctx.chargeDecompressed(r.data.length);
      if (r.error) throw r.error;
      return r.data;
    },
  };
}

/** Scan a `.keras` v3 zip (config analysis; the generic zip scan is done by the zip scanner). */
export function scanKeras(source: ByteSource, ctx: ModelScanContext): KerasSummary | undefined {
  let archive: KerasArchive;
  try {
    archive = kerasArchiveFromZip(source, ctx);
  } catch (e) {
    ctx.failed(e, 'Keras archive');
    return undefined;
  }
  return scanKerasArchive(archive, ctx);
}

/** The archive-level analysis, independent of the zip implementation. */
export function scanKerasArchive(archive: KerasArchive, ctx: ModelScanContext): KerasSummary | undefined {
  let kerasVersion: string | undefined;
  const metaCtx = ctx.child('metadata.json');
  try {
    const meta = archive.read('metadata.json', ctx.limits.maxTextBytes);
    if (meta) {
      const parsed = parseStrictJson(new TextDecoder().decode(meta), { maxDepth: ctx.limits.maxStructureDepth });
      if (parsed.ok && isJsonObject(parsed.value) && typeof parsed.value['keras_version'] === 'string') kerasVersion = parsed.value['keras_version'];
    }
  } catch (e) {
    metaCtx.failed(e, 'metadata.json');
  }
  const cfgCtx = ctx.child('config.json');
  let bytes: Uint8Array | undefined;
  try {
    bytes = archive.read('config.json', ctx.limits.maxTextBytes);
  } catch (e) {
    cfgCtx.failed(e, 'config.json');
    return { kind: 'keras-v3', kerasVersion, config: undefined };
  }
  if (!bytes) {
    ctx.report(malformedConfig, { location: ctx.at(), message: 'the Keras archive has no config.json; Keras cannot load it and the scanner cannot check it' });
    return { kind: 'keras-v3', kerasVersion, config: undefined };
  }
  const config = analyzeKerasConfig(new TextDecoder('utf-8', { fatal: false }).decode(bytes), { label: 'config.json', location: cfgCtx.at() }, cfgCtx);
  const seen = new Map<string, number>();
  for (const n of archive.names) if (KERAS_MEMBERS.includes(n)) seen.set(n, (seen.get(n) ?? 0) + 1);
  for (const [d, n] of seen) {
    if (n < 2) continue;
    ctx.report(malformedConfig, { location: ctx.at(), message: `the archive holds ${quote(d)} more than once; zip readers disagree on which one Keras loads`, evidence: d });
  }
  return { kind: 'keras-v3', kerasVersion, config };
}

/** Scan a legacy HDF5 Keras file: decode the root attributes and analyse the configs. */
export function scanKerasH5(source: ByteSource, ctx: ModelScanContext): KerasSummary | undefined {
  try {
    if (findHdf5Superblock(source) < 0) {
      ctx.incomplete(coreRules.malformedInput, 'no HDF5 superblock');
      return undefined;
    }
    let root;
    try {
      root = readRootAttributes(source, ctx.limits);
    } catch (e) {
      ctx.failed(e, 'HDF5 root attributes');
      return undefined;
    }
    if (root.incomplete !== undefined) ctx.incomplete(coreRules.unsupportedContainer, `HDF5 root group: ${root.incomplete}; the model config may not have been checked`);
    let kerasVersion: string | undefined;
    let config: KerasConfigSummary | undefined;
    for (const a of root.attributes) {
      if (a.name === 'keras_version') kerasVersion = a.value;
      if (a.name !== 'model_config' && a.name !== 'training_config') continue;
      if (a.value === undefined) {
        ctx.incomplete(coreRules.unsupportedContainer, `HDF5 attribute ${a.name}: ${a.note ?? 'not decoded'}; not analysed`, a.offset);
        continue;
      }
      const s = analyzeKerasConfig(a.value, { label: `${a.name} attribute`, location: ctx.at(a.offset) }, ctx);
      if (a.name === 'model_config') config = s;
    }
    return { kind: 'keras-h5', kerasVersion, config };
  } catch (e) {
    ctx.failed(e, `Keras HDF5 analysis (${errorMessage(e)})`);
    return undefined;
  }
}
