/**
 * ONNX rules. Each judges the parsed model (`OnnxSubject`: parse.ts's `OnnxModel`, the state of its
 * external-data files on disk, and where offsets lie) in its `check`, run by the scan context's
 * dispatcher.
 */
import { isAbsolute } from 'node:path';
import { defineRule } from '../../rules/index.js';
import type { Locator } from '../context.js';
import { quote } from '../text/index.js';
import type { OnnxExternalRef, OnnxModel } from './parse.js';

/** Standard ONNX domains. */
export const ONNX_STANDARD_DOMAINS: readonly string[] = ['', 'ai.onnx', 'ai.onnx.ml', 'ai.onnx.training', 'ai.onnx.preview.training'];
/** onnxruntime's contrib domains: operators compiled into onnxruntime itself (no extra library). */
export const ONNXRUNTIME_BUILTIN_DOMAINS: readonly string[] = ['com.microsoft', 'com.microsoft.nchwc', 'com.microsoft.experimental', 'com.ms.internal.nhwc', 'com.microsoft.dml'];
const ACCEPTED = new Set([...ONNX_STANDARD_DOMAINS, ...ONNXRUNTIME_BUILTIN_DOMAINS]);
/** Operators that call back into Python (onnxruntime-extensions PyOp, torch.onnx's PythonOp). */
const PYTHON_OPS = /^(PyOp|PythonOp|PyFunc|PythonFunction|Py[A-Z]\w*Op)$/;
/** Operators named in a custom-domain finding (the rest is elided). */
const OPS_SHOWN = 10;

/** What the scanner found on disk for an external-data location (resolved under the model's folder). */
export type OnnxExternalFile = { readonly size: number } | 'missing' | { readonly special: string } | { readonly outside: string };

export interface OnnxExternalData {
  readonly ref: OnnxExternalRef;
  /** The file on disk; undefined when not checked (inside an archive, or an unsafe location). */
  readonly file: OnnxExternalFile | undefined;
}

export interface OnnxSubject {
  readonly model: OnnxModel;
  readonly external: readonly OnnxExternalData[];
  readonly at: Locator;
}

/** Why a location string is unsafe as written (before touching the file system), or undefined. */
export function locationProblem(loc: string): string | undefined {
  if (loc.includes('\0')) return 'the location contains a NUL byte';
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(loc)) return 'the location is a URL';
  if (isAbsolute(loc) || loc.startsWith('/') || loc.startsWith('\\') || /^[a-zA-Z]:/.test(loc)) return 'the location is an absolute path';
  if (loc.split(/[\\/]/).some((s) => s === '..')) return 'the location climbs out of the model folder with ".."';
  if (loc.startsWith('~')) return 'the location starts with "~" (a home directory)';
  return undefined;
}

const INT_RE = /^\d{1,19}$/;

/** A reference whose location is usable as written (not empty, not unsafe): the file checks apply. */
function usable(ref: OnnxExternalRef): boolean {
  return ref.location !== '' && locationProblem(ref.location) === undefined;
}

function what(ref: OnnxExternalRef): string {
  return `tensor ${quote(ref.tensor)} stores its data in ${quote(ref.location)}`;
}

const REFS = ['https://github.com/onnx/onnx/blob/main/onnx/onnx.proto', 'docs/formats-onnx.md'];

export const customOperatorDomain = defineRule<OnnxSubject>({
  id: 'onnx/custom-operator-domain',
  title: 'ONNX model uses operators from a custom domain',
  severity: 'high',
  description:
    'Nodes use an operator domain outside the ONNX standard (`\'\'`/`ai.onnx`, `ai.onnx.ml`, `ai.onnx.training`, `ai.onnx.preview.training`) and onnxruntime\u2019s built-in contrib domains (`com.microsoft`, `com.microsoft.nchwc`, `com.microsoft.experimental`, `com.ms.internal.nhwc`), and no model-local function defines it. Running the model then requires registering a native custom-op library (`SessionOptions.register_custom_ops_library` loads a shared object into the serving process) or a Python callback operator (`PyOp`, `PythonOp`): code that is not in the model file and was not reviewed with it.',
  remediation:
    'Find out which library implements the domain and review it like any native dependency; prefer models that use only standard operators. Never register custom-op libraries shipped next to a downloaded model.',
  references: [...REFS, 'https://onnxruntime.ai/docs/reference/operators/add-custom-op.html'],
  tags: ['onnx', 'native-code', 'supply-chain'],
  maturity: 'stable',
  check({ model, at }, report) {
    // Custom domains: one finding per domain, listing its operators.
    for (const [domain, m] of model.ops) {
      if (ACCEPTED.has(domain) || model.functionDomains.has(domain)) continue;
      const first = model.firstNodeOfDomain.get(domain);
      const shown: string[] = [];
      let total = 0;
      for (const [op, use] of m) {
        total += use.count;
        if (shown.length < OPS_SHOWN) shown.push(use.count > 1 ? `${op}×${use.count}` : op);
      }
      report({
        location: at(first?.at),
        message: `${total} node(s) use the custom operator domain ${quote(domain)} (${shown.join(', ')}${m.size > OPS_SHOWN ? ', …' : ''}); running them needs a native custom-op library`,
        evidence: domain,
      });
    }
    // Python callback operators, in any domain: each node.
    for (const [domain, m] of model.ops) {
      for (const [op, use] of m) {
        if (!PYTHON_OPS.test(op)) continue;
        for (const p of use.nodes) {
          report({
            location: at(p.at),
            message: `node ${quote(p.name)} is a Python callback operator ${quote(p.op)}${p.domain ? ` in domain ${quote(p.domain)}` : ''}: it runs Python code registered in the serving process`,
            severity: 'critical',
            evidence: `${p.domain}::${p.op}`,
          });
        }
        // Nodes past the ones kept in detail: counted by the Reporter's per-rule summary.
        for (let i = use.nodes.length; i < use.count; i++) {
          report({ location: at(use.nodes[0]?.at), message: `a further node is the Python callback operator ${quote(op)} (details not kept)`, severity: 'critical', evidence: `${domain}::${op}` });
        }
      }
    }
  },
});

export const externalDataPath = defineRule<OnnxSubject>({
  id: 'onnx/external-data-path',
  title: 'ONNX external data location escapes the model folder',
  severity: 'critical',
  description:
    'A tensor stores its data in an external file whose `location` is an absolute path, contains `..`, names a URL, or resolves (through a symbolic link) outside the folder of the model, or to a special file. Loaders that follow it read arbitrary files of the host into the model\u2019s weights (and an attacker-controlled model can then leak them through its outputs), or block on devices such as /dev/zero (onnx CVE-2024-27318, CVE-2022-25882).',
  remediation: 'Do not load the model. External data must be a relative path to a regular file inside the model folder; re-export with `onnx.save_model(..., save_as_external_data=True)`.',
  references: [...REFS, 'https://nvd.nist.gov/vuln/detail/CVE-2024-27318', 'https://nvd.nist.gov/vuln/detail/CVE-2022-25882'],
  tags: ['onnx', 'path-traversal', 'file-read'],
  maturity: 'stable',
  check({ external, at }, report) {
    for (const { ref, file } of external) {
      const loc = ref.location;
      if (loc === '') {
        report({ location: at(ref.at), message: `tensor ${quote(ref.tensor)} is marked as external data without a location`, severity: 'high', evidence: ref.tensor });
        continue;
      }
      const bad = locationProblem(loc);
      if (bad) {
        report({ location: at(ref.at), message: `${what(ref)}: ${bad}`, evidence: loc });
        continue;
      }
      if (file === undefined || file === 'missing') continue;
      if ('outside' in file) {
        report({ location: at(ref.at), message: `${what(ref)}, a symbolic link that resolves outside the model folder (${quote(file.outside)})`, evidence: loc });
      } else if ('special' in file) {
        report({ location: at(ref.at), message: `${what(ref)}, which is not a regular file (${file.special})`, severity: 'high', evidence: loc });
      }
    }
  },
});

export const externalDataMissing = defineRule<OnnxSubject>({
  id: 'onnx/external-data-missing',
  title: 'ONNX external data file is missing',
  severity: 'medium',
  description:
    'A tensor refers to an external data file that is not present next to the model. The model cannot load as shipped; whatever file of that name exists where it is deployed will be read as its weights.',
  remediation: 'Ship the external data file with the model (and sign both), or re-export the model with its weights embedded.',
  references: REFS,
  tags: ['onnx', 'integrity'],
  maturity: 'stable',
  check({ external, at }, report) {
    for (const { ref, file } of external) {
      if (usable(ref) && file === 'missing') report({ location: at(ref.at), message: `${what(ref)}, which does not exist next to the model`, evidence: ref.location });
    }
  },
});

export const externalDataRange = defineRule<OnnxSubject>({
  id: 'onnx/external-data-range',
  title: 'ONNX external data offset or length is invalid',
  severity: 'high',
  description:
    'A tensor\u2019s external data `offset`/`length` is not a non-negative integer or runs past the end of the external file. Loaders have read out of bounds or mapped unrelated bytes on such values.',
  remediation: 'Do not load the model; re-export it with its external data.',
  references: REFS,
  tags: ['onnx', 'integrity', 'memory-safety'],
  maturity: 'stable',
  check({ external, at }, report) {
    for (const { ref, file } of external) {
      if (!usable(ref)) continue;
      const loc = ref.location;
      for (const [k, v] of [['offset', ref.offset], ['length', ref.length]] as const) {
        if (v !== undefined && !INT_RE.test(v)) report({ location: at(ref.at), message: `${what(ref)} with ${k} ${quote(v)}, not a non-negative integer`, evidence: `${loc}:${k}` });
      }
      if (file === undefined || typeof file !== 'object' || !('size' in file)) continue;
      const off = ref.offset !== undefined && INT_RE.test(ref.offset) ? BigInt(ref.offset) : 0n;
      const len = ref.length !== undefined && INT_RE.test(ref.length) ? BigInt(ref.length) : undefined;
      const size = BigInt(file.size);
      if (off > size || (len !== undefined && off + len > size)) {
        report({
          location: at(ref.at),
          message: `${what(ref)} at [${off}, ${len === undefined ? 'end' : off + len}) but the file has ${size} bytes`,
          evidence: `${loc}@${off}+${len ?? ''}`,
        });
      }
    }
  },
});

export const embeddedObject = defineRule<OnnxSubject>({
  id: 'onnx/embedded-object',
  title: 'ONNX metadata or string tensor holds a serialized object',
  severity: 'medium',
  description:
    'An ONNX `metadata_props` value (model or graph) or the data of a string tensor (initializer or Constant attribute) holds bytes (raw, base64- or hex-encoded) that Bulwark recognises as a serialized object or model format: a pickle, a zip or tar archive, a compressed stream, another model file. Nothing in the format loads such a value, but code that reads the metadata and deserializes it (`pickle.loads(base64.b64decode(meta[...]))`) runs what it holds, and hiding a payload in metadata is how it escapes scanners that only read the weights. The value is scanned as a member of the file and its own findings say what it does (a pickle calling os.system is critical there); this finding records where it hides.',
  remediation: 'Do not deserialize metadata from untrusted models. Remove the value (re-export the file with the reference tools) or check why the producer stores serialized objects there.',
  references: ['https://onnx.ai/onnx/repo-docs/IR.html'],
  tags: ['onnx', 'embedded', 'obfuscation'],
  maturity: 'stable',
});

export const ONNX_RULES = [customOperatorDomain, externalDataPath, externalDataMissing, externalDataRange, embeddedObject] as const;
