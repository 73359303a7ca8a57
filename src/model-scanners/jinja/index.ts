/** Jinja chat-template analysis shared by the GGUF and Hugging Face scanners. */
export { analyzeTemplate, TEMPLATE_ESCAPE_GLOBALS } from './analyze.js';
export type { TemplateAnalysis, TemplateIssue, TemplateIssueKind, AnalyzeOptions } from './analyze.js';
export { lexTemplate } from './lexer.js';
export type { Token, Segment, LexResult } from './lexer.js';
