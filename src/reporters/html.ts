/**
 * `--format html`: one self-contained file (docs/report.md). No network: inline CSS and one inline
 * script allowed by its sha256 in a strict Content-Security-Policy (`default-src 'none'`). The data is
 * embedded as JSON in a `<script type="application/json">` block with `<`, `>`, `&`, U+2028 and
 * U+2029 escaped, so no finding string can close the block or start markup; the script sets all text
 * with textContent. Findings are listed 200 at a time (filters run over the whole array), so a report
 * of 10,000 findings opens and filters in well under a second (bench/report.ts).
 */
import { createHash } from 'node:crypto';
import type { AttackGraph, Finding, Location, ScanReport, Severity } from '../findings/index.js';
import { atLeast } from '../findings/index.js';
import { HTML_SCRIPT, HTML_STYLE } from './html-app.js';

export interface HtmlOptions {
  /** The `--fail-on` threshold for the verdict; `none` never fails. */
  readonly failOn?: Severity | 'none';
  /**
   * Source lines of a file for code snippets at the finding's line (manifests, Dockerfiles); the CLI
   * reads them, bounded. Undefined or absent: no snippet.
   */
  readonly sourceLines?: (path: string) => readonly string[] | undefined;
}

/** Lines shown before and after a finding's line. */
const SNIPPET_CONTEXT = 2;
/** Characters kept per snippet line (long lines are cut). */
const SNIPPET_LINE_CHARS = 240;

const PHASES: Readonly<Record<string, string>> = {
  k8s: 'Kubernetes',
  dockerfile: 'Dockerfile',
  trivy: 'images (Trivy)',
  signing: 'signing',
  oci: 'registry',
  path: 'attack paths',
  scan: 'scan',
  audit: 'audit',
  runtime: 'runtime',
  policy: 'policy',
};

function phaseOf(ruleId: string): string {
  return PHASES[ruleId.slice(0, ruleId.indexOf('/'))] ?? 'model files';
}

function where(l: Location): string {
  switch (l.kind) {
    case 'file':
      return l.line === undefined ? '' : `${l.line}${l.column === undefined ? '' : `:${l.column}`}`;
    case 'archive-member':
      return `${l.member}${l.offset === undefined ? '' : ` @ byte ${l.offset}`}`;
    case 'byte-range':
      return `byte ${l.offset}${l.length > 0 ? `..${l.offset + l.length}` : ''}`;
    case 'k8s-object':
      return `${l.line}:${l.column} ${l.objectKind}/${l.namespace === undefined ? '' : `${l.namespace}/`}${l.name}${l.fieldPath === '' ? '' : ` ${l.fieldPath}`}`;
    case 'admission-request':
      return `admission ${l.uid}${l.fieldPath === undefined ? '' : ` ${l.fieldPath}`}`;
    case 'audit-event':
      return `audit ${l.auditID} ${l.verb} ${l.resource}`;
    case 'process':
      return [l.node, l.namespace, l.pod, l.container, l.pid, l.exe].filter((x) => x !== undefined).join('/');
    case 'image-layer':
      return `${l.layer}${l.file === undefined ? '' : ` ${l.file}`}`;
    case 'gateway-request':
      return `request ${l.requestId} ${l.route}${l.tenant === undefined ? '' : ` tenant ${l.tenant}`}`;
  }
}

function namespaceOf(l: Location): string | undefined {
  return 'namespace' in l ? l.namespace : undefined;
}

function lineOf(l: Location): number | undefined {
  return l.kind === 'k8s-object' ? l.line : l.kind === 'file' ? l.line : undefined;
}

/** Namespace of a path finding: that of the first workload on its first route. */
function pathNamespaces(graph: AttackGraph | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (graph === undefined) return out;
  const nodes = new Map(graph.nodes.map((n) => [n.id, n]));
  const edges = new Map(graph.edges.map((e) => [e.id, e]));
  for (const p of graph.paths) {
    for (const s of p.routes[0] ?? []) {
      const ns = nodes.get(edges.get(s.edge)?.to ?? '')?.namespace;
      if (ns !== undefined) {
        out.set(p.finding, ns);
        break;
      }
    }
  }
  return out;
}

/** JSON safe inside a `<script>` element: nothing can close it or open markup or break a JS line. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

export function renderHtml(report: ScanReport, opts: HtmlOptions = {}): string {
  const failOn = opts.failOn ?? 'high';
  const ruleIndex = new Map(report.rules.map((r, i) => [r.id, i]));
  const rules = report.rules.map((r) => ({ id: r.id, title: r.title, remediation: r.remediation, phase: phaseOf(r.id) }));
  const pathNs = pathNamespaces(report.attackPaths);
  const cache = new Map<string, readonly string[] | undefined>();
  const linesOf = (path: string): readonly string[] | undefined => {
    if (!cache.has(path)) cache.set(path, opts.sourceLines?.(path));
    return cache.get(path);
  };
  const row = (f: Finding): Record<string, unknown> => {
    let r = ruleIndex.get(f.ruleId);
    if (r === undefined) {
      r = rules.push({ id: f.ruleId, title: f.ruleId, remediation: '', phase: phaseOf(f.ruleId) }) - 1;
      ruleIndex.set(f.ruleId, r);
    }
    const out: Record<string, unknown> = { r, s: f.severity, m: f.message, p: f.location.path };
    const w = where(f.location);
    if (w !== '') out['w'] = w;
    const ns = namespaceOf(f.location) ?? pathNs.get(f.fingerprint);
    if (ns !== undefined) out['n'] = ns;
    if (f.evidence !== undefined) {
      out['e'] = f.evidence;
      if (f.location.kind === 'archive-member' || f.location.kind === 'byte-range') out['k'] = 'call chain';
      if (f.ruleId.startsWith('path/')) out['k'] = 'route';
    }
    if (f.remediation !== undefined) out['x'] = f.remediation;
    if (f.suppressed) out['u'] = f.suppressed.reason;
    const line = lineOf(f.location);
    const src = line === undefined ? undefined : linesOf(f.location.path);
    if (line !== undefined && src !== undefined && line >= 1 && line <= src.length) {
      const start = Math.max(1, line - SNIPPET_CONTEXT);
      const end = Math.min(src.length, line + SNIPPET_CONTEXT);
      out['c'] = { s: start, h: line, l: src.slice(start - 1, end).map((x) => (x.length > SNIPPET_LINE_CHARS ? `${x.slice(0, SNIPPET_LINE_CHARS)}…` : x)) };
    }
    return out;
  };
  const findings = report.findings.map(row);
  const failed = failOn !== 'none' && report.findings.some((f) => !f.suppressed && atLeast(f.severity, failOn));
  const data = {
    tool: report.tool,
    schemaVersion: report.schemaVersion,
    summary: report.summary,
    targets: report.targets.length,
    failed,
    rules,
    findings,
    graph: report.attackPaths === undefined ? null : { nodes: report.attackPaths.nodes, edges: report.attackPaths.edges },
    paths: report.attackPaths?.paths ?? [],
  };
  const hash = createHash('sha256').update(HTML_SCRIPT, 'utf8').digest('base64');
  const csp = `default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${hash}'; img-src data:; base-uri 'none'; form-action 'none'`;
  const title = `${report.tool.name} ${report.tool.version} report`.replace(/[<>&"]/g, '');
  const sev = ['critical', 'high', 'medium', 'low', 'info'];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title}</title>
<style>${HTML_STYLE}</style>
</head>
<body>
<header><h1>${title}</h1><span class="sp"></span><button id="theme" type="button" title="dark / light">◐ theme</button></header>
<main>
<section><h2>Summary</h2><div id="summary"></div></section>
<section><h2>Attack paths</h2><div id="graph"></div><p class="muted">Click a path to highlight its steps; dashed steps are the fix that breaks it.</p><div id="paths" class="paths"></div></section>
<section><h2>Findings</h2>
<div class="filters">
${sev.map((s) => `<label><input type="checkbox" id="s-${s}" checked> <span class="sev ${s}">${s}</span></label>`).join('\n')}
<select id="f-rule" aria-label="rule"><option value="">all rules</option></select>
<select id="f-ns" aria-label="namespace"><option value="">all namespaces</option></select>
<select id="f-file" aria-label="file"><option value="">all files</option></select>
<input id="f-q" type="search" placeholder="search" aria-label="search">
<span id="count" class="muted"></span>
</div>
<div id="list"></div>
<button id="more" class="more" type="button" hidden>Show more</button>
</section>
</main>
<script type="application/json" id="bulwark-data">${scriptJson(data)}</script>
<script>${HTML_SCRIPT}</script>
</body>
</html>
`;
}
