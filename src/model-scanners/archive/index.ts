/** Public surface of the tar reader and scanner (rules `archive/*`). */
export { scanTar } from './scan-tar.js';
export { parseTar, carriesData, tarNumber, unsafeTarName } from './parse-tar.js';
export type { TarArchive, TarEntry, TarIssueKind } from './parse-tar.js';
export { ARCHIVE_RULES } from './rules.js';
