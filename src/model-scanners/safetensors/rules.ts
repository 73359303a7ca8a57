import { defineRule } from '../../rules/index.js';

const REFS = ['https://github.com/huggingface/safetensors#format', 'docs/formats-safetensors.md'];

export const malformedHeader = defineRule({
  id: 'safetensors/malformed-header',
  title: 'safetensors header is malformed',
  severity: 'high',
  description:
    'The 8-byte header length or the JSON header does not follow the safetensors format: a length of zero, beyond the file or above the reference 100,000,000-byte cap, a header that is not UTF-8 or not JSON, or tensor entries without a well-formed dtype, shape and data_offsets. Loaders differ in what they repair or accept, which is how content is smuggled past a scanner.',
  remediation: 'Do not load the file. Re-export the weights with the reference `safetensors` library from a trusted source.',
  references: REFS,
  tags: ['safetensors', 'integrity'],
  maturity: 'stable',
});

export const duplicateKey = defineRule({
  id: 'safetensors/duplicate-key',
  title: 'safetensors header repeats a JSON key',
  severity: 'high',
  description:
    'The JSON header contains the same key twice in one object (a tensor name, a tensor field or a metadata key). The reference Rust loader keeps the last tensor entry silently, other JSON parsers keep the first or reject the file: two tools then see two different models, the scanner possibly not the one that is loaded.',
  remediation: 'Do not load the file. Re-export it with the reference `safetensors` library.',
  references: REFS,
  tags: ['safetensors', 'integrity', 'parser-differential'],
  maturity: 'stable',
});

export const unknownDtype = defineRule({
  id: 'safetensors/unknown-dtype',
  title: 'safetensors tensor has an unknown dtype',
  severity: 'high',
  description:
    'A tensor declares a dtype outside the safetensors set (BOOL, F4, F6_E2M3, F6_E3M2, U8, I8, F8_E5M2, F8_E4M3, F8_E8M0, F8_E4M3FNUZ, F8_E5M2FNUZ, I16, U16, F16, BF16, I32, U32, F32, C64, F64, I64, U64). Its byte size cannot be checked and loaders disagree on it.',
  remediation: 'Do not load the file; re-export it with a current `safetensors` release.',
  references: REFS,
  tags: ['safetensors', 'integrity'],
  maturity: 'stable',
});

export const tensorSizeMismatch = defineRule({
  id: 'safetensors/tensor-size-mismatch',
  title: 'safetensors tensor byte range does not match its shape and dtype',
  severity: 'high',
  description:
    'For a tensor, `end - begin` of `data_offsets` differs from `prod(shape) * dtype size` (or the product overflows, or a sub-byte dtype does not end on a byte boundary). The extra or missing bytes are space a loader does not interpret as that tensor and can hold other content.',
  remediation: 'Do not load the file; re-export it with the reference `safetensors` library.',
  references: REFS,
  tags: ['safetensors', 'integrity'],
  maturity: 'stable',
});

export const dataLayout = defineRule({
  id: 'safetensors/data-layout',
  title: 'safetensors data buffer is not covered exactly',
  severity: 'high',
  description:
    'The tensors\u2019 `data_offsets` do not tile the data buffer exactly: ranges overlap, leave gaps, point past the end of the file, or bytes follow the last tensor. The reference loader rejects such files; bytes that belong to no tensor are where appended payloads (zip archives, pickles) hide.',
  remediation: 'Do not load the file. Inspect the bytes at the reported offset and re-export the weights with the reference library.',
  references: REFS,
  tags: ['safetensors', 'integrity'],
  maturity: 'stable',
});

export const invalidMetadata = defineRule({
  id: 'safetensors/invalid-metadata',
  title: 'safetensors __metadata__ is not a string-to-string map',
  severity: 'medium',
  description:
    'The special `__metadata__` entry must map strings to strings. Other values (numbers, objects, arrays) are rejected by the reference loader and accepted by lenient ones.',
  remediation: 'Re-export the file with the reference `safetensors` library; keep metadata values as strings.',
  references: REFS,
  tags: ['safetensors', 'integrity'],
  maturity: 'stable',
});

export const polyglot = defineRule({
  id: 'safetensors/polyglot',
  title: 'safetensors file is also another format',
  severity: 'critical',
  description:
    'The file is (or claims to be) safetensors but is also readable as another format: a zip end-of-central-directory record near its end (torch.load and zipfile read archives from the end, so a PyTorch pickle archive can hide in the last tensor\u2019s bytes), an HDF5 superblock at a 512-byte power-of-two offset (h5py searches there), bytes after the data buffer that start another format, or a first 8 bytes that start a pickle stream continuing into the JSON header. Which loader runs decides what the file is.',
  remediation: 'Do not load the file with any loader. Re-export the weights with the reference `safetensors` library from a trusted source.',
  references: [...REFS, 'https://github.com/trailofbits/polyfile'],
  tags: ['safetensors', 'polyglot', 'code-execution'],
  maturity: 'incubating',
});

export const embeddedObject = defineRule({
  id: 'safetensors/embedded-object',
  title: 'safetensors metadata holds a serialized object',
  severity: 'medium',
  description:
    'A value of the safetensors header\u2019s `__metadata__` map holds bytes (raw, base64- or hex-encoded) that Bulwark recognises as a serialized object or model format: a pickle, a zip or tar archive, a compressed stream, another model file. Nothing in the format loads such a value, but code that reads the metadata and deserializes it (`pickle.loads(base64.b64decode(meta[...]))`) runs what it holds, and hiding a payload in metadata is how it escapes scanners that only read the weights. The value is scanned as a member of the file and its own findings say what it does (a pickle calling os.system is critical there); this finding records where it hides.',
  remediation: 'Do not deserialize metadata from untrusted models. Remove the value (re-export the file with the reference tools) or check why the producer stores serialized objects there.',
  references: REFS,
  tags: ['safetensors', 'embedded', 'obfuscation'],
  maturity: 'stable',
});

export const SAFETENSORS_RULES = [malformedHeader, duplicateKey, unknownDtype, tensorSizeMismatch, dataLayout, invalidMetadata, polyglot, embeddedObject] as const;
