export * from './limits.js';
export * from './byte-source.js';
export * from './decompress.js';
export * from './event-source.js';
