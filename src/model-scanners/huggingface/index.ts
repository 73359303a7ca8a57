/**
 * Public surface of the Hugging Face model-folder analyser: which files it needs the text of, and the
 * analysis of one folder from the walked file list (it never reads the disk itself).
 */
export { analyzeModelFolder, folderTextWanted } from './folder.js';
export type { FolderAnalysis, FolderFile } from './folder.js';
export { scanPython, blankPython } from './python-scan.js';
export type { PythonIssue, PythonScan } from './python-scan.js';
export { HUGGINGFACE_RULES } from './rules.js';
