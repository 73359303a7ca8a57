export { scan, buildReport } from './engine.js';
export type { ScanInput, ScanHooks } from './engine.js';
export { scanOptions, DEFAULT_SCAN_OPTIONS } from './options.js';
export type { ScanOptions, SigningScanOptions } from './options.js';
export { registry, ALL_RULES } from './all-rules.js';
export { toolVersion, packageRoot } from './version.js';
export { scanFile, scanBuffer } from './scan-file.js';
