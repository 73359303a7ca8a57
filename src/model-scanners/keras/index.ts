/** Public surface of the Keras scanner (.keras v3 archives and legacy HDF5 files). */
export { isKerasZip, isKerasH5, scanKeras, scanKerasArchive, scanKerasH5, kerasArchiveFromZip } from './keras.js';
export type { KerasArchive, KerasSummary } from './keras.js';
export { analyzeKerasConfig, analyzeKerasConfigValue, kerasObjects } from './config.js';
export type { KerasConfigOrigin, KerasConfigSummary, KerasConfigSubject, KerasObject } from './config.js';
export { isHdf5, findHdf5Superblock, readRootAttributes, HDF5_SIGNATURE } from './hdf5.js';
export type { Hdf5Attribute, Hdf5Limits, Hdf5RootAttributes } from './hdf5.js';
export { KERAS_RULES } from './rules.js';
