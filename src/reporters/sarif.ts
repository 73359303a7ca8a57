import { isAbsolute } from 'node:path';
import type { Finding, Location, RuleDescriptor, ScanReport } from '../findings/index.js';
import { locationLineColumn, sarifLevel, securitySeverity } from '../findings/index.js';

/** SARIF 2.1.0 (validated against the OASIS schema in tests). One run, one result per finding. */
export function renderSarif(report: ScanReport): string {
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
            rules: rules.map(ruleDescriptor),
          },
        },
        columnKind: 'unicodeCodePoints',
        originalUriBaseIds: { SRCROOT: { description: { text: 'The directory bulwark was run from.' } } },
        results: report.findings.map((f) => result(f, index.get(f.ruleId) ?? -1)),
        invocations: [{ executionSuccessful: true }],
        properties: { bulwarkReportSchemaVersion: report.schemaVersion, targets: report.targets },
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

function ruleDescriptor(r: RuleDescriptor): object {
  const refs = r.references.length > 0 ? `\n\nReferences:\n${r.references.map((x) => `- ${x}`).join('\n')}` : '';
  return {
    id: r.id,
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

/** A relative path becomes a relative URI reference; an absolute one a file:// URI. */
export function pathToUri(path: string): string {
  const posix = path.replace(/\\/g, '/');
  const encoded = posix.split('/').map(encodeURIComponent).join('/');
  return isAbsolute(path) ? `file://${encoded.startsWith('/') ? '' : '/'}${encoded}` : encoded;
}

function physical(loc: Location): object {
  const artifactLocation = isAbsolute(loc.path) || loc.path === '-' ? { uri: pathToUri(loc.path) } : { uri: pathToUri(loc.path), uriBaseId: 'SRCROOT' };
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
