/**
 * Public surface of the joblib scanner: plain joblib pickles (NumpyArrayWrapper layouts, analysed by
 * the pickle analyser with loader `joblib`) and joblib's old `ZF` zlib files. Compressed joblib dumps
 * are detected as their compression format and rescanned. joblib has no rules of its own: what it
 * carries is judged by the pickle and compression rules.
 */
export { scanJoblibPickle, scanJoblibZfile } from './scan-joblib.js';
