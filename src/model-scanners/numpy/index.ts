/** Public surface of the numpy `.npy` reader and scanner (`.npz` archives are zips of `.npy` members). */
export { scanNpy } from './scan-npy.js';
export { parseNpyHeader, expectedDataSize, renderDescr, dtypeInfo, typestrInfo } from './npy.js';
export { NUMPY_RULES } from './rules.js';
