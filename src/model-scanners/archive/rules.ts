import type { Rule } from '../../rules/index.js';
import { defineRule } from '../../rules/index.js';
import type { TarIssueKind } from './parse-tar.js';

const TARFILE = 'https://docs.python.org/3/library/tarfile.html#extraction-filters';

export const pathTraversal = defineRule({
  id: 'archive/path-traversal',
  title: 'Archive member name escapes the extraction folder',
  severity: 'high',
  description:
    'A tar member name contains a `..` segment, is absolute, starts with a drive letter or contains a NUL byte. Extracting the archive (tarfile.extractall before Python 3.14\u2019s default filter, many pipelines) writes outside the target folder.',
  remediation: 'Do not extract the archive; if you must, use tarfile\u2019s `data` extraction filter or an extractor that rejects such names.',
  references: [TARFILE, 'https://peps.python.org/pep-0706/'],
  tags: ['archive', 'path-traversal'],
  maturity: 'stable',
});

export const linkMember = defineRule({
  id: 'archive/link-member',
  title: 'Archive member is a symbolic or hard link',
  severity: 'medium',
  description:
    'A tar member is a link. Extraction creates it, and later members or loaders that open it follow it, possibly outside the extraction folder. PyTorch\u2019s legacy tar loader extracts `storages` and `tensors` by name and opens them: as links they make it read arbitrary host files.',
  remediation: 'Extract without links (tarfile\u2019s `data` filter) or replace the link by the file it should contain.',
  references: [TARFILE],
  tags: ['archive', 'path-traversal'],
  maturity: 'stable',
});

export const duplicateMember = defineRule({
  id: 'archive/duplicate-member',
  title: 'Archive holds two members with the same name',
  severity: 'high',
  description:
    'Two tar members have the same name. Python\u2019s tarfile (and so PyTorch\u2019s legacy loader) uses the last one, other tools the first; extraction overwrites one with the other. A scanner that checks one copy misses the other. Bulwark scans both.',
  remediation: 'Do not load or extract the archive; re-create it with unique names.',
  references: ['https://docs.python.org/3/library/tarfile.html#tarfile.TarFile.getmember'],
  tags: ['archive', 'parser-differential'],
  maturity: 'stable',
});

export const trailingData = defineRule({
  id: 'archive/trailing-data',
  title: 'Data after the end of the tar archive',
  severity: 'medium',
  description:
    'Non-zero bytes follow the point where Python\u2019s tarfile stops reading (the first zero block, or an invalid header after the first member). tarfile ignores them silently; other tar readers (for instance GNU tar with --ignore-zeros) and formats sniffed from the end of the file see more. Bulwark sniffs and scans the trailing bytes.',
  remediation: 'Do not load the file; re-create the archive.',
  references: ['https://github.com/python/cpython/blob/main/Lib/tarfile.py'],
  tags: ['archive', 'parser-differential'],
  maturity: 'stable',
});

export const TAR_ISSUE_RULES: Readonly<Record<TarIssueKind, Rule>> = {
  'path-traversal': pathTraversal,
  'link-member': linkMember,
  'duplicate-member': duplicateMember,
  'trailing-data': trailingData,
};

export const ARCHIVE_RULES = [pathTraversal, linkMember, duplicateMember, trailingData] as const;
