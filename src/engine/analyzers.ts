/**
 * Per-file analyzers, registered here and nowhere else. Each declares what it matches by content and
 * returns the target's format and status plus typed artifacts for the cross-file phases (objects,
 * captured text); findings go to the Reporter it is given. The first analyzer (in this order) that
 * matches takes the target. To add a file format: write its domain's functions, add one entry here.
 */
import type { TargetStatus } from '../findings/index.js';
import { loadManifests, looksLikeManifest } from '../k8s-manifests/index.js';
import type { ByteSource } from '../limits/index.js';
import { detectFormat, scanModelSource } from '../model-scanners/index.js';
import type { Reporter } from '../rules/index.js';
import type { Artifact } from './artifacts.js';
import type { ScanOptions } from './options.js';
import { decodeText } from './text.js';

/** What an analyzer may look at to decide (cheap): the first bytes and the size. */
export interface FileProbe {
  readonly path: string;
  readonly size: number;
  /** The first `PROBE_BYTES` bytes. */
  readonly head: Uint8Array;
}

export const PROBE_BYTES = 4096;

export interface AnalyzerContext {
  readonly path: string;
  readonly options: ScanOptions;
  readonly reporter: Reporter;
}

export interface AnalysisOutput {
  readonly format: string;
  readonly status: TargetStatus;
  readonly artifacts?: readonly Artifact[];
}

export interface Analyzer<M> {
  readonly name: string;
  /** What the analyzer recognises, or undefined. May read the source (bounded); must not report. */
  match(source: ByteSource, probe: FileProbe, options: ScanOptions): M | undefined;
  analyze(source: ByteSource, match: M, ctx: AnalyzerContext): AnalysisOutput;
}

/** Model files and the archives and compressions that may hold them (format from magic and structure). */
const models: Analyzer<string> = {
  name: 'model files',
  match(source) {
    try {
      return detectFormat(source);
    } catch {
      // The head could not be read: the model scanner reports the read error on its own target.
      return 'unreadable';
    }
  },
  analyze(source, _format, ctx) {
    const r = scanModelSource(source, ctx.path, { strict: ctx.options.strict, policy: ctx.options.policy, pickle: ctx.options.pickle }, ctx.options.limits, ctx.reporter);
    return r ?? { format: 'unknown', status: 'unsupported' };
  },
};

/** Kubernetes manifests: YAML or JSON whose content has `apiVersion` and `kind`. */
const manifests: Analyzer<string> = {
  name: 'Kubernetes manifests',
  match(source, probe, options) {
    if (source.size > options.limits.maxTextBytes) return undefined;
    const text = decodeText(probe.head, source);
    return text !== undefined && looksLikeManifest(text) ? text : undefined;
  },
  analyze(_source, text, ctx) {
    const objects = loadManifests(text, ctx.path, ctx.options.limits, ctx.reporter);
    return { format: 'k8s-manifest', status: 'complete', artifacts: [{ kind: 'k8s-objects', objects }] };
  },
};

/** In precedence order: binary model formats are decided by magic bytes and structure first. */
export const ANALYZERS: readonly Analyzer<unknown>[] = [models as Analyzer<unknown>, manifests as Analyzer<unknown>];
