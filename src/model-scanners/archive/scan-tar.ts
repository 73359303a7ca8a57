/**
 * Tar scanner: reports the reader's issues and scans every regular member by content. A tar with
 * `storages`, `tensors` and `pickle` members is PyTorch's legacy tar checkpoint: those members are
 * walked as torch.load walks them (pytorch/legacy.ts), `storages` first.
 */
import type { ByteSource } from '../../limits/index.js';
import { SliceSource } from '../../limits/index.js';
import { coreRules } from '../../rules/index.js';
import { inChild, scanRegion } from '../containers.js';
import type { ModelScanContext } from '../context.js';
import { detectFormat } from '../detect-format.js';
import { scanPickle } from '../pickle/index.js';
import { legacyTarFormat, scanLegacyStorages, scanLegacyTensors } from '../pytorch/index.js';
import type { TarArchive, TarEntry } from './parse-tar.js';
import { carriesData, parseTar } from './parse-tar.js';
import { TAR_ISSUE_RULES } from './rules.js';

const TORCH_MEMBERS = ['storages', 'tensors', 'pickle'] as const;

export function scanTar(source: ByteSource, ctx: ModelScanContext): string {
  let archive: TarArchive;
  try {
    archive = parseTar(source, { maxEntries: ctx.limits.maxArchiveEntries, maxStringBytes: ctx.limits.maxStringBytes });
  } catch (e) {
    ctx.failed(e, 'tar archive');
    return 'tar';
  }
  for (const issue of archive.issues) {
    const at = issue.entry === undefined ? ctx : ctx.child(issue.entry);
    at.report(TAR_ISSUE_RULES[issue.kind], { location: issue.entry === undefined ? ctx.at(issue.offset) : at.at(), message: issue.message });
  }
  if (archive.error) ctx.failed(archive.error, 'tar archive');

  // tarfile.getmember returns the last member of a name.
  const last = new Map<string, TarEntry>();
  for (const e of archive.entries) if (carriesData(e.type) && e.type !== 'S') last.set(e.name, e);
  const torch = TORCH_MEMBERS.every((m) => last.has(m));
  const handled = new Set<TarEntry>();
  if (torch) {
    ctx.report(legacyTarFormat, { location: ctx.at(), message: 'PyTorch legacy tar checkpoint (storages, tensors, pickle): torch.load needs weights_only=False for it' });
    const max = ctx.limits.maxArchiveEntries;
    const member = (name: string): [TarEntry, ByteSource] => {
      const e = last.get(name) as TarEntry;
      handled.add(e);
      return [e, new SliceSource(source, e.dataOffset, e.size)];
    };
    const [, storages] = member('storages');
    inChild(ctx, 'storages', 'legacy storages', (c) => scanLegacyStorages(storages, c, max));
    const [, tensors] = member('tensors');
    inChild(ctx, 'tensors', 'legacy tensors', (c) => scanLegacyTensors(tensors, c, max));
    const [, pickle] = member('pickle');
    inChild(ctx, 'pickle', 'legacy pickle', (c) => scanPickle(pickle, c, { loader: 'torch' }));
  }
  for (const e of archive.entries) {
    if (handled.has(e)) continue;
    if (e.type === 'S') {
      ctx.child(e.name).incomplete(coreRules.unsupportedContainer, 'GNU sparse tar member: its content was not analysed');
      continue;
    }
    if (!carriesData(e.type)) continue; // directories, links, devices: no content
    if (e.size === 0) continue;
    const content = new SliceSource(source, e.dataOffset, e.size);
    let format;
    try {
      format = detectFormat(content, { zipTail: false });
    } catch (err) {
      ctx.child(e.name).failed(err, 'sniffing the member');
      continue;
    }
    if (format !== undefined) ctx.scanNested(content, e.name);
  }
  if (archive.trailing) scanRegion(ctx, source, archive.trailing.start, archive.trailing.end, '<data after the tar archive>');
  return torch ? 'pytorch-tar' : 'tar';
}
