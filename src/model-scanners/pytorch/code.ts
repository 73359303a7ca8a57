/**
 * Code that ships beside the pickle in PyTorch archives:
 * - TorchScript archives (`torch.jit.save`): `<root>/code/**.py` holds the compiled program as
 *   TorchScript source, and the archive's pickles name its classes as `__torch__.*` (resolved against
 *   that code by torch.jit.load, which imports no Python module). The source is checked for the
 *   operators that touch files, processes or the network (`torch.from_file`, `torch.save`,
 *   `rpc_sync`/`rpc_async`/`remote`) and for custom operators or classes (native code the loading
 *   process must have loaded).
 * - torch.package archives (`PackageExporter`): `<root>/.data/extern_modules` lists the modules taken
 *   from the environment, and every interned module ships as `<root>/<module path>.py`. Unpickling
 *   (`PackageImporter.load_pickle`) imports those modules, which runs them. Each is scanned with the
 *   same Python tripwire as Hugging Face remote code, and the pickle's globals are graded by what the
 *   module that defines them does (pickle/policy: `shippedModules`).
 */
import type { Severity } from '../../findings/index.js';
import { severityRank } from '../../findings/index.js';
import { scanPython } from '../huggingface/index.js';
import type { ModelScanContext } from '../context.js';
import type { ShippedModule } from '../pickle/index.js';
import { packageCode, torchscriptCode } from './rules.js';

/** Operators of TorchScript source that touch files, processes or the network. */
const TORCHSCRIPT_OPS: readonly { readonly re: RegExp; readonly severity: Severity; readonly what: string }[] = [
  { re: /\b(?:torch|ops\.aten)\s*\.\s*from_file\s*\(/g, severity: 'high', what: 'reads a file when the model runs (torch.from_file)' },
  { re: /\b(?:torch|ops\.aten)\s*\.\s*save\s*\(/g, severity: 'high', what: 'writes a file when the model runs (torch.save)' },
  { re: /\b(?:rpc_sync|rpc_async|rpc_remote|ops\.prim\.rpc_\w+)\s*\(|\bdistributed\s*\.\s*rpc\b/g, severity: 'high', what: 'makes remote procedure calls when the model runs (torch.distributed.rpc)' },
  { re: /\bops\s*\.\s*(?!aten\b|prim\b|quantized\b|_quantized\b|quantized_decomposed\b|profiler\b|_caffe2\b|sparse\b|fbgemm\b|cuda\b|_test\b)([A-Za-z_]\w*)\s*\.\s*\w+/g, severity: 'medium', what: 'calls the custom operator namespace $1 (native code of a library the loading process must load)' },
  { re: /__torch__\s*\.\s*torch\s*\.\s*classes\s*\.\s*(\w+)/g, severity: 'medium', what: 'uses the custom class namespace $1 (native code of a library the loading process must load)' },
];

/** Report the file, process and network operations of one TorchScript source member. */
export function checkTorchScriptCode(text: string, ctx: ModelScanContext): void {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const lineOf = (off: number): number => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((lineStarts[mid] as number) <= off) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  const seen = new Set<string>();
  for (const op of TORCHSCRIPT_OPS) {
    op.re.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = op.re.exec(text)) !== null) {
      const what = op.what.replace('$1', m[1] ?? '');
      if (seen.has(what)) continue;
      seen.add(what);
      const line = lineOf(m.index);
      const evidence = (text.slice(lineStarts[line - 1] ?? 0).split('\n')[0] ?? '').trim().slice(0, 160);
      ctx.report(torchscriptCode, { location: ctx.at(), message: `TorchScript code (line ${line}) ${what}`, severity: op.severity, evidence });
    }
  }
}

/** A Python source member of a torch.package archive. */
export interface PackageSource {
  /** Archive member name. */
  readonly member: string;
  /** Module name (`tinymodels.mlp`; `tinymodels` for `tinymodels/__init__.py`). */
  readonly module: string;
  readonly text: string;
}

/** The module a torch.package member defines (`<root>/a/b.py` → `a.b`), or undefined. */
export function packageModuleOf(member: string, root: string): string | undefined {
  if (!member.startsWith(`${root}/`) || !member.endsWith('.py')) return undefined;
  const rel = member.slice(root.length + 1, -3);
  if (rel.startsWith('.data/') || rel === '') return undefined;
  const parts = rel.split('/');
  if (parts[parts.length - 1] === '__init__') parts.pop();
  if (parts.length === 0 || parts.some((p) => !/^[A-Za-z_]\w*$/.test(p))) return undefined;
  return parts.join('.');
}

/**
 * Scan the Python modules a torch.package archive ships. Issues of modules the archive's pickles can
 * import are reported with their severity (importing a module runs it). Returns what each module
 * holds, for grading the pickles' globals.
 */
export function scanPackageSources(sources: readonly PackageSource[], ctx: ModelScanContext): Map<string, ShippedModule> {
  const out = new Map<string, ShippedModule>();
  for (const s of sources) {
    const res = scanPython(s.text, ctx.limits.maxFindingsPerRule);
    let worst: Severity | undefined;
    let what: string | undefined;
    const c = ctx.child(s.member);
    for (const issue of res.issues) {
      if (worst === undefined || severityRank(issue.severity) > severityRank(worst)) {
        worst = issue.severity;
        what = issue.what;
      }
      c.report(packageCode, {
        location: c.at(),
        message: `${s.module} (line ${issue.line}), shipped in the torch.package archive and run when a pickle of the archive imports it, ${issue.what}`,
        severity: issue.severity,
        evidence: issue.evidence,
      });
    }
    for (let k = 0; k < res.omitted; k++) c.report(packageCode, { location: c.at(), message: `${s.module} has a further dangerous pattern (details not kept)` });
    out.set(s.module, worst === undefined ? { member: s.member } : { member: s.member, severity: worst, what: what ?? 'does something dangerous' });
  }
  return out;
}
