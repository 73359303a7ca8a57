/** Public surface of the compressed-stream scanner (gzip, bzip2, xz, lzma, zstd, zlib). */
export { scanCompressed, scanStream } from './scan-compressed.js';
export type { StreamFormat } from './scan-compressed.js';
export { COMPRESSION_RULES } from './rules.js';
