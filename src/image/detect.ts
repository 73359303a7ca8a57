/**
 * Images recognised by content, cheaply and synchronously (the engine decides before the per-file
 * analysis): a folder with `oci-layout` and `index.json`, a tar file whose members include
 * `manifest.json` (docker-archive) or `oci-layout` + `index.json` (an OCI layout in a tar).
 */
import { closeSync, constants, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { TarMemberRef } from './sources.js';
import { imageTarKind, indexTarFile } from './sources.js';
import { headerChecksumOk } from './tar-stream.js';

/** Members read to recognise an image tarball (docker save writes 3 per layer plus a few). */
const PROBE_MEMBERS = 100_000;

export function isOciLayoutDir(dir: string): boolean {
  try {
    return statSync(join(dir, 'oci-layout')).isFile() && statSync(join(dir, 'index.json')).isFile();
  } catch {
    return false;
  }
}

/** The first header of `path` is a valid tar header. */
function startsLikeTar(path: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    const h = Buffer.alloc(512);
    if (readSync(fd, h, 0, 512, 0) !== 512) return false;
    if (h.every((b) => b === 0)) return false;
    return headerChecksumOk(h);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The members of an image tarball, or undefined when `path` is not one. */
export function imageTarMembers(path: string, maxPathBytes: number): TarMemberRef[] | undefined {
  if (!startsLikeTar(path)) return undefined;
  try {
    const members = indexTarFile(path, PROBE_MEMBERS, maxPathBytes);
    return imageTarKind(members) === undefined ? undefined : members;
  } catch {
    return undefined;
  }
}

