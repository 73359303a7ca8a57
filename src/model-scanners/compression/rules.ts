import { defineRule } from '../../rules/index.js';

export const trailingData = defineRule({
  id: 'compression/trailing-data',
  title: 'Data after the end of a compressed stream',
  severity: 'medium',
  description:
    'Bytes follow the end of a gzip, bzip2, xz, lzma, zstd or zlib stream and are not another stream. Decoders disagree about them (Python\u2019s gzip raises after returning the data, Node and zcat ignore them, joblib never reads past the pickle), and they are a place to append a second payload. Bulwark sniffs and scans them.',
  remediation: 'Do not load the file; re-compress the original content.',
  references: ['https://www.rfc-editor.org/rfc/rfc1952', 'https://tukaani.org/xz/xz-file-format.txt'],
  tags: ['compression', 'parser-differential'],
  maturity: 'stable',
});

export const badChecksum = defineRule({
  id: 'compression/bad-checksum',
  title: 'Compressed stream checksum does not match its content',
  severity: 'high',
  description:
    'The CRC-32, Adler-32, CRC-64 or SHA-256 stored in a gzip, zlib, bzip2 or xz stream does not match the decompressed data. Streaming loaders such as pickle.load(gzip.open(f)) or joblib act on the data before the checksum is checked at the end, so the content was edited after compression and still loads. Bulwark analyses the content anyway.',
  remediation: 'Do not load the file; obtain an intact copy from a trusted source.',
  references: ['https://www.rfc-editor.org/rfc/rfc1952', 'https://tukaani.org/xz/xz-file-format.txt'],
  tags: ['compression', 'integrity'],
  maturity: 'stable',
});

export const COMPRESSION_RULES = [trailingData, badChecksum] as const;
