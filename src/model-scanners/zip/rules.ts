import type { Rule } from '../../rules/index.js';
import { defineRule } from '../../rules/index.js';
import type { ZipIssueKind } from './parse.js';

const APPNOTE = 'https://pkware.cachefly.net/webdocs/casestudies/APPNOTE.TXT';
const TORCH_READER = 'https://github.com/pytorch/pytorch/blob/main/caffe2/serialize/inline_container.cc';
const PY_ZIPFILE = 'https://github.com/python/cpython/blob/main/Lib/zipfile/__init__.py';

export const localNameMismatch = defineRule({
  id: 'zip/local-name-mismatch',
  title: 'Zip entry has a different name in its local header',
  severity: 'high',
  description:
    'The central directory and the entry\u2019s local file header (or an Info-ZIP Unicode Path extra field) name the entry differently. PyTorch (miniz) looks entries up by the central-directory name and ignores the local one, Python\u2019s zipfile refuses the entry, and streaming readers that walk local headers use the local name. A scanner that trusts one name can be shown a benign file while a loader reads the payload under the other name.',
  remediation: 'Do not load the archive. Re-create it with a standard zip writer (torch.save, numpy.savez, zipfile) from trusted contents.',
  references: [APPNOTE, TORCH_READER, PY_ZIPFILE],
  tags: ['zip', 'parser-differential'],
  maturity: 'stable',
});

export const flagMismatch = defineRule({
  id: 'zip/flag-mismatch',
  title: 'Zip entry flags differ between local and central headers',
  severity: 'medium',
  description:
    'The general-purpose bit flags of an entry differ between its local header and the central directory: encryption, data descriptor, UTF-8 names or other bits. Readers that trust the local header (streaming unzip) decode the entry differently from readers that trust the central directory (PyTorch, Python), for instance treating it as encrypted or reading its sizes from a data descriptor.',
  remediation: 'Re-create the archive with a standard writer; standard writers always write the same flags in both headers.',
  references: [APPNOTE],
  tags: ['zip', 'parser-differential'],
  maturity: 'stable',
});

export const headerMismatch = defineRule({
  id: 'zip/header-mismatch',
  title: 'Zip entry headers disagree on method, sizes or CRC',
  severity: 'medium',
  description:
    'The local header and the central directory give an entry different compression methods, sizes or CRCs; a stored entry declares different compressed and uncompressed sizes; an extra field is malformed; or the data runs past the end of the file. Readers resolve these differently (PyTorch and Python use central values, streaming readers local ones), so they may read different bytes for the same entry.',
  remediation: 'Do not load the archive; re-create it with a standard zip writer.',
  references: [APPNOTE, PY_ZIPFILE],
  tags: ['zip', 'parser-differential'],
  maturity: 'stable',
});

export const duplicateName = defineRule({
  id: 'zip/duplicate-name',
  title: 'Zip archive holds two entries with the same name',
  severity: 'high',
  description:
    'Two central-directory entries have the same name, or names that differ only in ASCII case. Python\u2019s zipfile returns the last one, most other readers the first, and PyTorch\u2019s reader (miniz, which compares names case-insensitively through a sorted index) either. A scanner that checks one copy of data.pkl can miss the copy a loader unpickles. Bulwark scans every copy.',
  remediation: 'Do not load the archive; re-create it so every name is unique.',
  references: [APPNOTE, TORCH_READER, PY_ZIPFILE],
  tags: ['zip', 'parser-differential'],
  maturity: 'stable',
});

export const overlappingEntries = defineRule({
  id: 'zip/overlapping-entries',
  title: 'Zip entries overlap',
  severity: 'high',
  description:
    'The bytes of two entries overlap, two entries point at the same local header, or an entry\u2019s data runs into the central directory. Overlapping entries are the shape of non-recursive zip bombs (many entries sharing one highly compressed kernel) and a way to serve one payload under several names.',
  remediation: 'Do not load or extract the archive.',
  references: ['https://www.bamsoftware.com/hacks/zipbomb/', APPNOTE],
  tags: ['zip', 'denial-of-service', 'parser-differential'],
  maturity: 'stable',
});

export const prependedData = defineRule({
  id: 'zip/prepended-data',
  title: 'Data before the first zip entry',
  severity: 'medium',
  description:
    'Bytes precede the first entry of the archive. PyTorch decides between its zip and legacy formats from the first four bytes (`PK\\x03\\x04`), and numpy.load does the same, while Python\u2019s zipfile and most archivers find the archive from its end. A file that starts with a pickle and ends with a zip is read as a pickle by one and as a zip by the other. When the archive\u2019s offsets are relative to the prepended bytes, Python adds the shift and PyTorch (miniz) does not, so the two read different central directories (high). Bulwark scans the prepended bytes too.',
  remediation: 'Do not load the file; a model archive has no reason to carry a prefix.',
  references: [PY_ZIPFILE, 'https://github.com/pytorch/pytorch/blob/main/torch/serialization.py'],
  tags: ['zip', 'polyglot', 'parser-differential'],
  maturity: 'stable',
});

export const appendedData = defineRule({
  id: 'zip/appended-data',
  title: 'Data after the end of the zip archive',
  severity: 'medium',
  description:
    'Bytes follow the end-of-central-directory record beyond its comment. Python and miniz tolerate them, strict readers do not; when they end with another end-of-central-directory record (high), readers that require the comment to reach the end of the file open a different archive. Bulwark scans the appended bytes.',
  remediation: 'Do not load the file; re-create the archive.',
  references: [APPNOTE, PY_ZIPFILE],
  tags: ['zip', 'polyglot', 'parser-differential'],
  maturity: 'stable',
});

export const unreferencedData = defineRule({
  id: 'zip/unreferenced-data',
  title: 'Zip archive contains bytes no entry accounts for',
  severity: 'medium',
  description:
    'There are bytes between entries, or between the last entry and the central directory, that no central-directory entry covers. Standard writers leave no gaps. Readers that walk local headers (streaming unzip) can find a hidden entry there that central-directory readers never list. Bulwark sniffs the gap and scans what it finds.',
  remediation: 'Do not load the archive; re-create it with a standard writer.',
  references: [APPNOTE],
  tags: ['zip', 'parser-differential'],
  maturity: 'stable',
});

export const badCrc = defineRule({
  id: 'zip/bad-crc',
  title: 'Zip entry content does not match its CRC',
  severity: 'high',
  description:
    'The CRC-32 of an entry Bulwark read in full does not match the central directory: the content was edited after the archive was written. PyTorch builds miniz with MINIZ_DISABLE_ZIP_READER_CRC32_CHECKS and loads the entry anyway, while Python\u2019s zipfile raises, so loaders disagree. Bulwark verifies CRCs only for entries it reads in full anyway (pickle entries and every compressed entry) and never reads tensor data just to check a CRC.',
  remediation: 'Do not load the archive; obtain an intact copy from a trusted source.',
  references: [APPNOTE, TORCH_READER, 'https://github.com/pytorch/pytorch/blob/main/cmake/Dependencies.cmake'],
  tags: ['zip', 'integrity'],
  maturity: 'stable',
});

export const zip64Inconsistency = defineRule({
  id: 'zip/zip64-inconsistency',
  title: 'Zip64 records are inconsistent',
  severity: 'high',
  description:
    'The zip64 end-of-central-directory record, its locator, the classic end record or per-entry zip64 extra fields disagree, or saturated fields have no zip64 value. Python reads the zip64 record only where it expects it (right before the locator), miniz follows the locator, and some readers consult zip64 only for saturated fields, so each can locate a different central directory.',
  remediation: 'Do not load the archive; re-create it with a standard writer.',
  references: [APPNOTE, PY_ZIPFILE],
  tags: ['zip', 'parser-differential'],
  maturity: 'stable',
});

export const centralDirectoryMismatch = defineRule({
  id: 'zip/central-directory-mismatch',
  title: 'Zip central directory does not match its end record',
  severity: 'high',
  description:
    'The end-of-central-directory record declares a different number of entries than the central directory holds, the central directory contains bytes that are not entry records, the archive claims to span several disks, or the comment runs past the end of the file. PyTorch (miniz) reads entries by count and Python by size, so they can list different entries.',
  remediation: 'Do not load the archive; re-create it with a standard writer.',
  references: [APPNOTE, TORCH_READER, PY_ZIPFILE],
  tags: ['zip', 'parser-differential'],
  maturity: 'stable',
});

export const pathTraversal = defineRule({
  id: 'zip/path-traversal',
  title: 'Zip entry name escapes the extraction folder',
  severity: 'high',
  description:
    'An entry name contains a `..` segment, is absolute, starts with a drive letter, contains a backslash or a NUL byte. Extracting the archive (as Keras, Hugging Face tooling and many pipelines do) can write outside the target folder (zip slip); NUL bytes make C readers see a shorter name than the scanner.',
  remediation: 'Do not extract the archive. If you must, use an extractor that rejects such names.',
  references: ['https://security.snyk.io/research/zip-slip-vulnerability', APPNOTE],
  tags: ['zip', 'path-traversal'],
  maturity: 'stable',
});

export const symlinkMember = defineRule({
  id: 'zip/symlink-member',
  title: 'Zip entry is a symbolic link',
  severity: 'medium',
  description:
    'An entry carries Unix symbolic-link attributes. Extractors that honour them create a link, which later writes or reads follow outside the extraction folder (for instance to overwrite a file or to make a loader read a host file).',
  remediation: 'Extract without following or creating links, or replace the link by the file it should contain.',
  references: [APPNOTE],
  tags: ['zip', 'path-traversal'],
  maturity: 'stable',
});

export const unsupportedMethod = defineRule({
  id: 'zip/unsupported-method',
  title: 'Zip entry uses a compression method Bulwark cannot decode',
  severity: 'high',
  description:
    'An entry is compressed with a method other than stored, deflate, bzip2, LZMA, xz or zstd (for example deflate64, PPMd or a vendor method). Its content was not analysed, so the target is partial.',
  remediation: 'Re-create the archive with stored or deflate entries (torch.save and numpy.savez do), or inspect the entry with another tool.',
  references: [APPNOTE],
  tags: ['zip', 'fail-closed'],
  maturity: 'stable',
});

export const encryptedMember = defineRule({
  id: 'zip/encrypted-member',
  title: 'Zip entry is encrypted',
  severity: 'high',
  description:
    'An entry is encrypted (traditional PKWARE, strong or AES encryption). Its content cannot be analysed, so the target is partial. Model archives are never encrypted by their standard writers.',
  remediation: 'Scan the decrypted contents, or obtain an unencrypted model from a trusted source.',
  references: [APPNOTE],
  tags: ['zip', 'fail-closed'],
  maturity: 'stable',
});

/** The rule that reports each parser issue (missing local headers are malformed input). */
export const ZIP_ISSUE_RULES: Readonly<Record<Exclude<ZipIssueKind, 'missing-local-header'>, Rule>> = {
  'local-name-mismatch': localNameMismatch,
  'flag-mismatch': flagMismatch,
  'header-mismatch': headerMismatch,
  'duplicate-name': duplicateName,
  'overlapping-entries': overlappingEntries,
  'prepended-data': prependedData,
  'appended-data': appendedData,
  'unreferenced-data': unreferencedData,
  'zip64-inconsistency': zip64Inconsistency,
  'central-directory-mismatch': centralDirectoryMismatch,
  'path-traversal': pathTraversal,
  'symlink-member': symlinkMember,
};

export const ZIP_RULES = [
  localNameMismatch,
  flagMismatch,
  headerMismatch,
  duplicateName,
  overlappingEntries,
  prependedData,
  appendedData,
  unreferencedData,
  badCrc,
  zip64Inconsistency,
  centralDirectoryMismatch,
  pathTraversal,
  symlinkMember,
  unsupportedMethod,
  encryptedMember,
] as const;
