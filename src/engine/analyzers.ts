/**
 * Per-file analyzers, registered here and nowhere else. Each declares what it matches by content and
 * returns the target's format and status plus typed artifacts for the cross-file phases (objects,
 * captured text); findings go to the Reporter it is given. The first analyzer (in this order) that
 * matches takes the target. To add a file format: write its domain's functions, add one entry here.
 */
import { DOCKERFILE_FORMAT, analyzeDockerfile, looksLikeDockerfile, reportDockerfileTooLarge, startsLikeDockerfile } from '../dockerfile/index.js';
import type { TargetStatus } from '../findings/index.js';
import { MANIFEST_TEXT_FORMAT, loadManifestText, looksLikeManifest, manifestHeadBytes, reportManifestTooLarge } from '../k8s-manifests/index.js';
import type { ByteSource } from '../limits/index.js';
import { detectFormat, scanModelSource } from '../model-scanners/index.js';
import type { Reporter } from '../rules/index.js';
import { coreRules } from '../rules/index.js';
import { TRIVY_FORMAT, importTrivyReport, looksLikeTrivyReport } from '../trivy/index.js';
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

/** What the manifests analyzer matched: the text, or an oversized file whose head is a manifest. */
type ManifestMatch = { readonly text: string } | { readonly oversized: true };

/**
 * Kubernetes manifests: text (UTF-8, or UTF-16/32 with a BOM) that the loader decides is YAML or JSON
 * with Kubernetes objects (`loadManifestText`). Other text matched by the cheap pre-filter (Markdown,
 * Helm templates, kustomizations, audit logs) gets its own format and no finding. A file over
 * maxTextBytes whose head is a manifest is a high "not analysed" finding, never a silent skip.
 */
const manifests: Analyzer<ManifestMatch> = {
  name: 'Kubernetes manifests',
  match(source, probe, options) {
    if (source.size > options.limits.maxTextBytes) {
      return manifestHeadBytes(source.read(0, Math.min(source.size, 256 * 1024))) ? { oversized: true } : undefined;
    }
    const text = decodeText(probe.head, source);
    return text !== undefined && looksLikeManifest(text) ? { text } : undefined;
  },
  analyze(source, m, ctx) {
    if (!('text' in m)) {
      reportManifestTooLarge(ctx.path, source.size, ctx.options.limits, ctx.reporter);
      return { format: MANIFEST_TEXT_FORMAT.manifest, status: 'partial', artifacts: [] };
    }
    const r = loadManifestText(m.text, ctx.path, ctx.options.limits, ctx.reporter);
    return {
      format: MANIFEST_TEXT_FORMAT[r.kind],
      status: r.kind === 'manifest' ? 'complete' : 'unsupported',
      artifacts: r.objects.length > 0 ? [{ kind: 'k8s-objects', objects: r.objects }] : [],
    };
  },
};

/** What the Dockerfile analyzer matched: the text, or an oversized file whose head is a Dockerfile. */
type DockerfileMatch = { readonly text: string } | { readonly oversized: true };

/**
 * Dockerfiles (and Containerfiles), recognised by content whatever their name: text whose first
 * instruction is `FROM image [AS name]` (or `ARG`s, then such a `FROM`) and whose first instructions
 * are mostly ones BuildKit knows. A file over maxTextBytes whose head is one is a high "not analysed"
 * finding, never a silent skip.
 */
const dockerfiles: Analyzer<DockerfileMatch> = {
  name: 'Dockerfiles',
  match(source, probe, options) {
    if (source.size > options.limits.maxTextBytes) {
      const head = new TextDecoder('utf-8', { fatal: false }).decode(probe.head);
      return looksLikeDockerfile(head.slice(0, head.lastIndexOf('\n') + 1)) ? { oversized: true } : undefined;
    }
    // Cheap pre-filter on the head before decoding the whole file.
    if (!startsLikeDockerfile(new TextDecoder('utf-8', { fatal: false }).decode(probe.head))) return undefined;
    const text = decodeText(probe.head, source);
    return text !== undefined && looksLikeDockerfile(text) ? { text } : undefined;
  },
  analyze(source, m, ctx) {
    if (!('text' in m)) {
      reportDockerfileTooLarge(ctx.path, source.size, ctx.options.limits, ctx.reporter);
      return { format: DOCKERFILE_FORMAT, status: 'partial' };
    }
    analyzeDockerfile(m.text, ctx.path, ctx.options.limits, ctx.reporter);
    return { format: DOCKERFILE_FORMAT, status: 'complete' };
  },
};

/**
 * Trivy JSON reports (`trivy … -f json`, schema version 2), recognised by content: a JSON object whose
 * first key is `SchemaVersion`, with Trivy's keys. Their vulnerabilities, secrets and misconfigurations
 * become `trivy/*` findings (`bulwark scan --trivy-report FILE` names one explicitly and checks that
 * it was read as one). A report over maxTextBytes is a high "not analysed" finding.
 */
const trivyReports: Analyzer<{ readonly text: string } | { readonly oversized: true }> = {
  name: 'Trivy reports',
  match(source, probe, options) {
    if (!looksLikeTrivyReport(new TextDecoder('utf-8', { fatal: false }).decode(probe.head.subarray(0, 1024)))) return undefined;
    if (source.size > options.limits.maxTextBytes) return { oversized: true };
    const text = decodeText(probe.head, source);
    return text === undefined ? undefined : { text };
  },
  analyze(source, m, ctx) {
    if (!('text' in m)) {
      ctx.reporter.report(coreRules.limitExceeded, {
        location: { kind: 'file', path: ctx.path },
        message: `Trivy report of ${source.size} bytes is larger than maxTextBytes (${ctx.options.limits.maxTextBytes}); it was not imported`,
        evidence: 'maxTextBytes',
      });
      return { format: TRIVY_FORMAT, status: 'partial' };
    }
    importTrivyReport(m.text, ctx.path, { ignoreUnfixed: ctx.options.ignoreUnfixed }, ctx.reporter);
    return { format: TRIVY_FORMAT, status: 'complete' };
  },
};

/**
 * In precedence order: binary model formats are decided by magic bytes and structure first;
 * Dockerfiles and Trivy reports before manifests (neither is YAML with Kubernetes objects, and the
 * YAML pre-filter is the looser test: a Trivy report quotes manifest lines in its misconfigurations).
 */
export const ANALYZERS: readonly Analyzer<unknown>[] = [models as Analyzer<unknown>, dockerfiles as Analyzer<unknown>, trivyReports as Analyzer<unknown>, manifests as Analyzer<unknown>];
