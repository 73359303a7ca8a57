export * from './severity.js';
export * from './location.js';
export * from './finding.js';
export * from './errors.js';
export * from './report.js';
export * from './arrays.js';
export * from './attack-path.js';
