import { isAbsolute, posix, resolve } from 'node:path';
import type { AttackGraph, Finding, Location, RuleDescriptor, ScanReport } from '../findings/index.js';
import { locationLineColumn, sarifLevel, securitySeverity } from '../findings/index.js';

export interface SarifOptions {
  /**
   * Absolute URL of the folder holding `rules/<id>.md` (Bulwark's docs), for each rule's `helpUri`
   * (GitHub code scanning links it). The CLI passes the installed package's docs folder as a file URL,
   * or `BULWARK_DOCS_URL`. Without it, rules carry no `helpUri`.
   */
  readonly docsBaseUrl?: string;
}

/** SARIF 2.1.0 (validated against the OASIS schema in tests). One run, one result per finding. */
export function renderSarif(report: ScanReport, options: SarifOptions = {}): string {
  const rules = report.rules;
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: report.tool.name,
            version: report.tool.version,
            semanticVersion: report.tool.version,
            rules: rules.map((r) => ruleDescriptor(r, options.docsBaseUrl)),
          },
        },
        columnKind: 'unicodeCodePoints',
        originalUriBaseIds: { SRCROOT: { description: { text: 'The directory bulwark was run from.' } } },
        results: report.findings.map((f) => withCodeFlows(result(f, index.get(f.ruleId) ?? -1), report.attackPaths, f.fingerprint)),
        invocations: [{ executionSuccessful: true }],
        properties: { bulwarkReportSchemaVersion: report.schemaVersion, targets: report.targets },
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

function helpUri(r: RuleDescriptor, base: string | undefined): string | undefined {
  if (base === undefined) return undefined;
  try {
    return new URL(`rules/${r.id}.md`, base.endsWith('/') ? base : `${base}/`).href;
  } catch {
    return undefined;
  }
}

function ruleDescriptor(r: RuleDescriptor, docsBaseUrl: string | undefined): object {
  const refs = r.references.length > 0 ? `\n\nReferences:\n${r.references.map((x) => `- ${x}`).join('\n')}` : '';
  const uri = helpUri(r, docsBaseUrl);
  return {
    id: r.id,
    ...(uri !== undefined && { helpUri: uri }),
    name: r.id
      .split(/[/-]/)
      .map((w) => (w[0]?.toUpperCase() ?? '') + w.slice(1))
      .join(''),
    shortDescription: { text: r.title },
    fullDescription: { text: r.description },
    help: { text: `${r.remediation}${refs}`, markdown: `**Remediation.** ${r.remediation}${refs}` },
    defaultConfiguration: { level: sarifLevel(r.severity) },
    properties: {
      tags: ['security', ...r.tags],
      'security-severity': securitySeverity(r.severity),
      precision: 'high',
      problem: { severity: r.severity },
    },
  };
}

/**
 * A path inside the directory Bulwark ran from becomes a normalised relative URI reference (no `.`
 * or `..` segments, no doubled slashes: `./a//b` → `a/b`); anything else (absolute, or `../x` above
 * the working directory) becomes an absolute file:// URI, so no URI climbs out of SRCROOT.
 */
export function pathToUri(path: string): string {
  const posixPath = path.replace(/\\/g, '/');
  const normal = posix.normalize(posixPath);
  const outside = isAbsolute(path) || normal === '..' || normal.startsWith('../');
  const target = outside ? resolve(path).replace(/\\/g, '/') : normal === '.' ? '' : normal;
  const encoded = target.split('/').map(encodeURIComponent).join('/');
  return outside ? `file://${encoded.startsWith('/') ? '' : '/'}${encoded}` : encoded;
}

function physical(loc: Location): object {
  const uri = pathToUri(loc.path);
  const artifactLocation = loc.path === '-' || uri.startsWith('file://') ? { uri } : { uri, uriBaseId: 'SRCROOT' };
  const lc = locationLineColumn(loc);
  if (lc) {
    return { artifactLocation, region: lc.column === undefined ? { startLine: lc.line } : { startLine: lc.line, startColumn: lc.column } };
  }
  if (loc.kind === 'byte-range') {
    return { artifactLocation, region: { byteOffset: loc.offset, ...(loc.length > 0 && { byteLength: loc.length }) } };
  }
  return { artifactLocation };
}

function logical(loc: Location): object[] | undefined {
  switch (loc.kind) {
    case 'archive-member':
      return [{ fullyQualifiedName: loc.member, kind: 'member', ...(loc.offset !== undefined && { properties: { offset: loc.offset } }) }];
    case 'k8s-object':
      return [
        {
          fullyQualifiedName: `${loc.objectKind}/${loc.namespace ?? ''}/${loc.name}/${loc.fieldPath}`,
          name: loc.fieldPath,
          kind: 'object',
          properties: { apiVersion: loc.apiVersion, kind: loc.objectKind, ...(loc.namespace !== undefined && { namespace: loc.namespace }), name: loc.name },
        },
      ];
    case 'admission-request':
      return [
        {
          fullyQualifiedName: `admission/${loc.uid}${loc.fieldPath === undefined ? '' : `/${loc.fieldPath}`}`,
          kind: 'request',
          properties: objectProps(loc, { uid: loc.uid, operation: loc.operation, ...(loc.user !== undefined && { user: loc.user }), ...(loc.resource !== undefined && { resource: loc.resource }) }),
        },
      ];
    case 'audit-event':
      return [
        {
          fullyQualifiedName: `audit/${loc.auditID}`,
          kind: 'event',
          properties: objectProps(loc, { auditID: loc.auditID, timestamp: loc.timestamp, user: loc.user, verb: loc.verb, resource: loc.resource }),
        },
      ];
    case 'process':
      return [
        {
          fullyQualifiedName: [loc.node, loc.namespace, loc.pod, loc.container, loc.pid].filter((x) => x !== undefined).join('/'),
          kind: 'process',
          properties: (({ kind: _kind, ...rest }) => rest)(loc),
        },
      ];
    case 'image-layer':
      return [{ fullyQualifiedName: `${loc.layer}${loc.file === undefined ? '' : `/${loc.file}`}`, kind: 'layer', properties: { layer: loc.layer, ...(loc.layerIndex !== undefined && { layerIndex: loc.layerIndex }), ...(loc.file !== undefined && { file: loc.file }) } }];
    case 'gateway-request':
      return [{ fullyQualifiedName: `gateway/${loc.requestId}${loc.param === undefined ? '' : `/${loc.param}`}`, kind: 'request', properties: (({ kind: _kind, ...rest }) => rest)(loc) }];
    case 'file':
    case 'byte-range':
      return undefined;
  }
}

function objectProps(loc: { apiVersion?: string; objectKind?: string; namespace?: string; name?: string; fieldPath?: string; pointer?: string }, extra: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = { ...extra };
  if (loc.apiVersion !== undefined) out['apiVersion'] = loc.apiVersion;
  if (loc.objectKind !== undefined) out['objectKind'] = loc.objectKind;
  if (loc.namespace !== undefined) out['namespace'] = loc.namespace;
  if (loc.name !== undefined) out['name'] = loc.name;
  if (loc.fieldPath !== undefined) out['fieldPath'] = loc.fieldPath;
  if (loc.pointer !== undefined) out['pointer'] = loc.pointer;
  return out;
}

function result(f: Finding, ruleIndex: number): object {
  const logicalLocations = logical(f.location);
  return {
    ruleId: f.ruleId,
    ...(ruleIndex >= 0 && { ruleIndex }),
    level: sarifLevel(f.severity),
    message: { text: f.message },
    locations: [{ physicalLocation: physical(f.location), ...(logicalLocations && { logicalLocations }) }],
    partialFingerprints: { 'bulwarkFingerprint/v1': f.fingerprint },
    ...(f.suppressed && { suppressions: [{ kind: 'inSource', justification: f.suppressed.reason, properties: { source: f.suppressed.source } }] }),
    properties: {
      severity: f.severity,
      'security-severity': securitySeverity(f.severity),
      ...(f.evidence !== undefined && { evidence: f.evidence }),
      ...(f.controls !== undefined && { controls: f.controls }),
      ...(f.remediation !== undefined && { remediation: f.remediation }),
    },
  };
}

/**
 * Attack-path results carry their routes as SARIF code flows: one thread flow per route, one location
 * per step (where the step is decided, with the step's meaning and its stage as `kinds`).
 */
function withCodeFlows(r: object, graph: AttackGraph | undefined, fingerprint: string): object {
  const path = graph?.paths.find((p) => p.finding === fingerprint);
  if (graph === undefined || path === undefined) return r;
  const edges = new Map(graph.edges.map((e) => [e.id, e]));
  const threadFlows = path.routes.map((route) => ({
    locations: route.map((step, i) => {
      const e = edges.get(step.edge);
      const message = { text: e?.label ?? step.edge };
      const loc = e?.location;
      const logicalLocations = loc === undefined ? undefined : logical(loc);
      return {
        location: loc === undefined ? { message } : { physicalLocation: physical(loc), ...(logicalLocations && { logicalLocations }), message },
        kinds: [step.tactic],
        executionOrder: i + 1,
        properties: { edge: step.edge, ...(e !== undefined && { kind: e.kind, findings: e.findings }) },
      };
    }),
  }));
  return { ...r, codeFlows: [{ message: { text: path.title }, threadFlows }] };
}
