/**
 * Public surface of the zip reader and scanner: `parseZip` (a central-directory parser that reports
 * every discrepancy between reader families) and `scanZip` (members read as PyTorch, numpy and
 * zipfile read them, sniffed and scanned by content).
 */
export { scanZip } from './scan-zip.js';
export type { ZipScanOptions } from './scan-zip.js';
export { parseZip, hasPlausibleEocd, asciiLower, unsafeName, hiddenLocalEntry } from './parse.js';
export type { ZipArchive, ZipEntry, ZipIssue, ZipIssueKind, ZipNameIndex, ZipParseOptions, ZipRegion, ZipView } from './parse.js';
export { ZIP_RULES } from './rules.js';
