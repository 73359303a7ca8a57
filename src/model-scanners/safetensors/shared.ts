/**
 * Small helpers shared by the non-pickle format scanners (safetensors, ONNX, GGUF, Keras, SavedModel,
 * Hugging Face folders). They live here because safetensors is the base the others build on (its
 * strict JSON parser is shared too); import them through `../safetensors/index.js`.
 */
import type { Finding } from '../../findings/index.js';
import type { ReportArgs } from '../../rules/index.js';
import type { ModelScanContext } from '../context.js';

interface ReportingRule {
  readonly id: string;
  report(args: ReportArgs): Finding;
}

/**
 * Reports at most `max` findings per rule for one scan and then one summary finding, so a file with
 * a million bad tensors yields a readable report (and the per-target cap is not spent on one rule).
 */
export class CappedReporter {
  private readonly counts = new Map<string, number>();
  constructor(
    private readonly ctx: ModelScanContext,
    private readonly max = 20,
  ) {}

  report(rule: ReportingRule, args: ReportArgs): void {
    const n = (this.counts.get(rule.id) ?? 0) + 1;
    this.counts.set(rule.id, n);
    if (n <= this.max) this.ctx.report(rule.report(args));
  }

  /** Emit the "and N more" summaries; call once at the end of a scan. */
  flush(rules: readonly ReportingRule[]): void {
    for (const rule of rules) {
      const n = this.counts.get(rule.id) ?? 0;
      if (n > this.max) {
        this.ctx.report(rule.report({ location: this.ctx.at(), message: `${n - this.max} more findings of this rule in the same file (only the first ${this.max} are listed)` }));
      }
    }
  }

  count(ruleId: string): number {
    return this.counts.get(ruleId) ?? 0;
  }
}

/** Make a string from scanned content safe to quote in a message: bounded, control characters escaped. */
export function quote(s: string, max = 200): string {
  const cut = s.length > max ? `${s.slice(0, max)}…` : s;
  return JSON.stringify(cut);
}

/** Cheap magic-byte sniff of well-known formats at `bytes` (used for polyglot and trailing-data evidence). */
export function sniffMagic(bytes: Uint8Array): string | undefined {
  const b = (i: number): number => bytes[i] ?? -1;
  if (b(0) === 0x50 && b(1) === 0x4b && (b(2) === 3 || b(2) === 5 || b(2) === 7) && (b(3) === 4 || b(3) === 6 || b(3) === 8)) return 'zip';
  if (b(0) === 0x80 && b(1) >= 0 && b(1) <= 5) return 'pickle';
  if (b(0) === 0x47 && b(1) === 0x47 && b(2) === 0x55 && b(3) === 0x46) return 'gguf';
  if (b(0) === 0x89 && b(1) === 0x48 && b(2) === 0x44 && b(3) === 0x46) return 'hdf5';
  if (b(0) === 0x1f && b(1) === 0x8b) return 'gzip';
  if (b(0) === 0x37 && b(1) === 0x7a && b(2) === 0xbc && b(3) === 0xaf) return '7z';
  if (b(0) === 0x7f && b(1) === 0x45 && b(2) === 0x4c && b(3) === 0x46) return 'elf';
  if (b(0) === 0x4d && b(1) === 0x5a) return 'pe';
  if (b(0) === 0x23 && b(1) === 0x21) return 'script';
  if (b(0) === 0x93 && b(1) === 0x4e && b(2) === 0x55 && b(3) === 0x4d) return 'numpy';
  return undefined;
}
