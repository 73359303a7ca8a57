/**
 * PyTorch's zip checkpoint layout, as PyTorchStreamReader (caffe2/serialize/inline_container.cc)
 * and torch/serialization.py read it:
 * - the archive root is the folder of the FIRST central-directory entry (any name; `archive` by
 *   default), and every record is looked up as `<root>/<name>` — case-insensitively, since miniz's
 *   mz_zip_reader_locate_file compares names with MZ_TOLOWER when no flags are given;
 * - `<root>/data.pkl` is unpickled with a persistent_load that maps
 *   ('storage', storage_type, key, location, numel) to the record `<root>/data/<key>`;
 * - `<root>/.data/version` (or the older `<root>/version`) must exist; `byteorder`,
 *   `.format_version`, `.storage_alignment` and `.data/serialization_id` are metadata;
 * - TorchScript archives add `constants.pkl`, `code/` and `extra/` under the same root.
 */
import type { PersistentRef } from '../pickle/index.js';
import type { ModelScanContext } from '../context.js';
import type { ZipEntry, ZipNameIndex } from '../zip/index.js';
import { asciiLower } from '../zip/index.js';
import { missingRecord, missingStorage, multipleRoots } from './rules.js';

export interface TorchZipLayout {
  /** Root folder from the first entry; undefined when the first entry is not in a folder. */
  readonly root: string | undefined;
  /** Entries torch.load may read as data.pkl (several when names collide). */
  readonly dataPkl: readonly ZipEntry[];
  /** Case-insensitive name lookup, as miniz does. */
  lookup(name: string): readonly ZipEntry[];
  /** Top-level folders (or bare names) present. */
  readonly roots: readonly string[];
  /** Is this entry a tensor storage record (`<root>/data/<key>`), which torch reads as raw bytes? */
  isStorage(e: ZipEntry): boolean;
}

function topLevel(key: string): string {
  const i = key.indexOf('/');
  return i < 0 ? '' : key.slice(0, i);
}

/** Does this archive look like a PyTorch checkpoint? Returns its layout, or undefined. */
export function torchLayout(entries: readonly ZipEntry[], names: ZipNameIndex): TorchZipLayout | undefined {
  const first = entries[0];
  if (!first) return undefined;
  let anyDataPkl = false;
  let anyVersion = false;
  const roots = new Set<string>();
  let lastRoot: string | undefined;
  for (const e of entries) {
    const key = e.key;
    // Most entries share the previous entry's root: avoid slicing a string for each of them.
    if (lastRoot === undefined || !(key.length > lastRoot.length && key.charCodeAt(lastRoot.length) === 0x2f && key.startsWith(lastRoot))) {
      lastRoot = topLevel(key);
      roots.add(lastRoot);
    }
    if (!anyDataPkl) {
      const low = asciiLower(key);
      anyDataPkl = low === 'data.pkl' || low.endsWith('/data.pkl');
    }
    if (!anyVersion) {
      const low = asciiLower(key);
      anyVersion = low === 'version' || low.endsWith('/version');
    }
  }
  const i = first.key.indexOf('/');
  const root = i < 0 ? undefined : first.key.slice(0, i);
  const lookup = (name: string): readonly ZipEntry[] => (root === undefined ? [] : names.lookup(asciiLower(`${root}/${name}`)));
  let hasStorages = false;
  if (root !== undefined && !anyDataPkl && anyVersion) {
    const prefix = asciiLower(`${root}/data/`);
    hasStorages = entries.some((e) => asciiLower(e.key).startsWith(prefix));
  }
  if (!anyDataPkl && !(anyVersion && hasStorages)) return undefined;
  const storagePrefix = root === undefined ? undefined : asciiLower(`${root}/data/`);
  const isStorage = (e: ZipEntry): boolean => storagePrefix !== undefined && e.key.length > storagePrefix.length && startsWithFolded(e.key, storagePrefix);
  return { root, dataPkl: lookup('data.pkl'), lookup, roots: [...roots].sort(), isStorage };
}

/** Report layout problems torch.load would trip over, and storage keys data.pkl needs but lacks. */
export function checkTorchZip(layout: TorchZipLayout, ctx: ModelScanContext, refs: readonly PersistentRef[]): void {
  if (layout.root === undefined) {
    ctx.report(missingRecord, { location: ctx.at(), message: 'the first entry is not inside a folder: torch.load refuses the archive ("file in archive is not in a subdirectory")' });
    return;
  }
  const root = layout.root;
  if (layout.dataPkl.length === 0) {
    ctx.report(missingRecord, { location: ctx.at(), message: `no ${root}/data.pkl (the archive root comes from the first entry): torch.load fails, other loaders may read another data.pkl` });
  }
  if (layout.lookup('.data/version').length === 0 && layout.lookup('version').length === 0) {
    ctx.report(missingRecord, { location: ctx.at(), message: `no ${root}/.data/version or ${root}/version record: torch.load fails`, severity: 'low' });
  }
  if (layout.roots.length > 1) {
    const shown = layout.roots.slice(0, 5).map((r) => (r === '' ? '(no folder)' : r));
    ctx.report(multipleRoots, {
      location: ctx.at(),
      message: `entries under ${layout.roots.length} root folders (${shown.join(', ')}${layout.roots.length > 5 ? ', ...' : ''}); torch.load reads ${root}/`,
    });
  }
  const missing = new Set<string>();
  for (const r of refs) {
    if (r.storageKey === undefined) continue;
    if (layout.lookup(`data/${r.storageKey}`).length === 0) missing.add(r.storageKey);
  }
  if (missing.size > 0) {
    const keys = [...missing];
    const c = layout.dataPkl[0] ? ctx.child(layout.dataPkl[0].name) : ctx;
    c.report(missingStorage, {
      location: c.at(),
      message: `data.pkl references ${keys.length} storage${keys.length === 1 ? '' : 's'} missing from the archive: ${keys
        .slice(0, 10)
        .map((k) => `${root}/data/${k}`)
        .join(', ')}${keys.length > 10 ? ', ...' : ''}`,
      evidence: keys.slice(0, 10).join(','),
    });
  }
}

/** `asciiLower(key).startsWith(lowerPrefix)` without building the lowered key (called once per zip entry). */
function startsWithFolded(key: string, lowerPrefix: string): boolean {
  for (let i = 0; i < lowerPrefix.length; i++) {
    let c = key.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) c += 0x20;
    if (c !== lowerPrefix.charCodeAt(i)) return false;
  }
  return true;
}
