import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_CONFIG_NAMES } from './config.js';

/** The configuration file of the current directory (`bulwark.yaml`, then `.bulwark.yaml`), if any. */
export function findConfigFile(cwd: string = process.cwd()): string | undefined {
  for (const name of DEFAULT_CONFIG_NAMES) {
    const p = join(cwd, name);
    if (existsSync(p) && statSync(p).isFile()) return cwd === process.cwd() ? name : p;
  }
  return undefined;
}
