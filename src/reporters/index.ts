export { renderText } from './text.js';
export type { TextOptions } from './text.js';
export { renderJson } from './json.js';
export { renderSarif, pathToUri } from './sarif.js';
export type { SarifOptions } from './sarif.js';
export { sanitizeText, escapeHtml } from './sanitize.js';
export { NdjsonSink, renderNdjson, findingLine } from './ndjson.js';
export type { LineWritable } from './ndjson.js';

export { renderHtml, scriptJson } from './html.js';
export type { HtmlOptions } from './html.js';
export { renderCycloneDx } from './cyclonedx.js';
export type { CycloneDxOptions } from './cyclonedx.js';
export const FORMATS = ['text', 'json', 'sarif', 'ndjson', 'html', 'cyclonedx'] as const;
export type ReportFormat = (typeof FORMATS)[number];
