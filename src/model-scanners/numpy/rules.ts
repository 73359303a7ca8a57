import { defineRule } from '../../rules/index.js';

const FORMAT = 'https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html';

export const objectArray = defineRule({
  id: 'numpy/object-array',
  title: 'numpy array of Python objects (a pickle inside .npy)',
  severity: 'medium',
  description:
    'The array\u2019s dtype is `object` (or a structured dtype with an object field), so its data is a pickle: numpy.load(allow_pickle=True) unpickles it and runs whatever it references. Numeric weights never need object arrays. The embedded pickle is analysed and reported separately.',
  remediation: 'Load .npy/.npz files with allow_pickle=False (the default); re-save object arrays as numeric arrays or in a format without code execution.',
  references: [FORMAT, 'https://numpy.org/doc/stable/reference/generated/numpy.load.html'],
  tags: ['numpy', 'pickle', 'code-execution'],
  maturity: 'stable',
});

export const sizeMismatch = defineRule({
  id: 'numpy/size-mismatch',
  title: 'numpy data size does not match the header',
  severity: 'medium',
  description:
    'The bytes after the .npy header are more or fewer than shape x itemsize. numpy.load reads exactly the declared size and ignores the rest (or fails when data is missing), so extra bytes are a place to hide content that other tools might read. Extra bytes are sniffed and scanned.',
  remediation: 'Do not load the file; re-save the array with numpy.save from a trusted copy.',
  references: [FORMAT],
  tags: ['numpy', 'integrity'],
  maturity: 'stable',
});

export const NUMPY_RULES = [objectArray, sizeMismatch] as const;
