/**
 * `--format cyclonedx`: an ML-BOM, CycloneDX 1.6 JSON (docs/report.md). Components: every scanned
 * file (model files as `machine-learning-model`, OCI artifacts and Trivy-scanned images as
 * `container`, the rest as `file`) and every model folder a finding names; SHA-256 hashes (given by the
 * caller, who reads the files); the detected format, analysis status and signature result as
 * `bulwark:*` properties. Findings are `vulnerabilities` (rule id, severity rating, message,
 * remediation, `affects` → the component), suppressed ones with an analysis (`exploitable`,
 * `will_not_fix`, the reason); attack paths are also `annotations` on the components they cross.
 * Validated against the official schema in src/reporters/cyclonedx.test.ts.
 */
import { createHash } from 'node:crypto';
import type { Finding, Location, ScanReport, TargetResult } from '../findings/index.js';

export interface CycloneDxOptions {
  /** SHA-256 (hex) of a scanned file, when the caller could read it; absent: no hash. */
  readonly sha256?: (path: string) => string | undefined;
  /** RFC 3339 time of the BOM (default: now). */
  readonly timestamp?: string;
  /** Serial number (`urn:uuid:…`); default: derived from the report's content (stable for the same report). */
  readonly serialNumber?: string;
}

/** Formats that are not models (everything else a scan recognises is a model file or part of one). */
const NOT_MODEL = new Set(['unknown', 'k8s-manifest', 'json-config', 'python-source', 'chat-template', 'text', 'helm-template', 'kustomization', 'k8s-audit-log', 'dockerfile', 'trivy-json']);

type ComponentType = 'machine-learning-model' | 'container' | 'file' | 'data';

function typeOf(t: TargetResult): ComponentType {
  if (t.path.startsWith('oci://')) return 'container';
  if (t.format === 'trivy-json') return 'container';
  if (NOT_MODEL.has(t.format)) return 'file';
  return 'machine-learning-model';
}

function ref(path: string): string {
  return `component:${path}`;
}

function uuidFrom(text: string): string {
  const h = createHash('sha256').update(text).digest('hex');
  // RFC 4122 layout, version 5-style bits (name-based).
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${h.slice(18, 20)}-${h.slice(20, 32)}`;
}

function where(l: Location): string | undefined {
  switch (l.kind) {
    case 'k8s-object':
      return `${l.line}:${l.column} ${l.objectKind}/${l.namespace === undefined ? '' : `${l.namespace}/`}${l.name} ${l.fieldPath}`.trim();
    case 'file':
      return l.line === undefined ? undefined : String(l.line);
    case 'archive-member':
      return `${l.member}${l.offset === undefined ? '' : ` @ byte ${l.offset}`}`;
    case 'byte-range':
      return `byte ${l.offset}`;
    default:
      return undefined;
  }
}

function prop(name: string, value: string | number | undefined): { name: string; value: string }[] {
  return value === undefined ? [] : [{ name, value: String(value) }];
}

function basename(p: string): string {
  const s = p.replace(/\/+$/, '');
  return s.slice(s.lastIndexOf('/') + 1) || s;
}

/** Signature result of a model component: from the signing findings on it or on its folder. */
function signatureOf(path: string, signing: readonly Finding[]): string {
  const hits = signing.filter((f) => path === f.location.path || path.startsWith(`${f.location.path}/`));
  if (hits.some((f) => f.ruleId === 'signing/verification-failed')) return 'verification-failed';
  if (hits.some((f) => f.ruleId === 'signing/signature-unverified')) return 'signed-not-verified';
  if (hits.some((f) => f.ruleId === 'signing/unsigned-model')) return 'unsigned';
  return 'no-signing-finding';
}

export function renderCycloneDx(report: ScanReport, opts: CycloneDxOptions = {}): string {
  const signing = report.findings.filter((f) => f.ruleId.startsWith('signing/'));
  const components: Record<string, unknown>[] = [];
  const known = new Set<string>();
  for (const t of report.targets) {
    const type = typeOf(t);
    const sha = opts.sha256?.(t.path);
    known.add(t.path);
    components.push({
      type,
      'bom-ref': ref(t.path),
      name: basename(t.path),
      ...(sha !== undefined && { hashes: [{ alg: 'SHA-256', content: sha }] }),
      ...(type === 'machine-learning-model' && { modelCard: { properties: [{ name: 'bulwark:format', value: t.format }] } }),
      properties: [
        ...prop('bulwark:path', t.path),
        ...prop('bulwark:format', t.format),
        ...prop('bulwark:status', t.status),
        ...prop('bulwark:size', t.size),
        ...(type === 'machine-learning-model' ? prop('bulwark:signature', signatureOf(t.path, signing)) : []),
      ],
    });
  }
  // Paths that findings name but that are not files: model folders (signatures, attack paths, Hugging Face repositories).
  for (const f of report.findings) {
    const p = f.location.path;
    if (known.has(p)) continue;
    known.add(p);
    const models = report.targets.filter((t) => t.path.startsWith(`${p}/`) && typeOf(t) === 'machine-learning-model');
    components.push({
      type: models.length > 0 ? 'machine-learning-model' : 'data',
      'bom-ref': ref(p),
      name: basename(p),
      ...(models.length > 0 && { components: models.map((m) => ({ type: 'machine-learning-model', 'bom-ref': `${ref(p)}#${m.path}`, name: basename(m.path) })) }),
      properties: [...prop('bulwark:path', p), ...(models.length > 0 ? prop('bulwark:signature', signatureOf(p, signing)) : [])],
    });
  }
  const rules = new Map(report.rules.map((r) => [r.id, r]));
  const vulnerabilities = report.findings.map((f) => {
    const r = rules.get(f.ruleId);
    const at = where(f.location);
    return {
      'bom-ref': `finding:${f.fingerprint}`,
      id: f.ruleId,
      source: { name: 'bulwark' },
      ratings: [{ source: { name: 'bulwark' }, severity: f.severity, method: 'other' }],
      description: f.message,
      ...(r !== undefined && { detail: r.description }),
      recommendation: f.remediation ?? r?.remediation ?? '',
      affects: [{ ref: ref(f.location.path) }],
      ...(f.suppressed && { analysis: { state: 'exploitable', response: ['will_not_fix'], detail: `suppressed (${f.suppressed.source}): ${f.suppressed.reason}` } }),
      properties: [...prop('bulwark:fingerprint', f.fingerprint), ...prop('bulwark:location', at), ...prop('bulwark:evidence', f.evidence), ...(f.controls ?? []).map((c) => ({ name: 'bulwark:control', value: c }))],
    };
  });
  const tool = { type: 'application', name: report.tool.name, version: report.tool.version };
  const timestamp = opts.timestamp ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const graph = report.attackPaths;
  const annotations =
    graph === undefined
      ? []
      : graph.paths.map((p) => {
          const f = report.findings.find((x) => x.fingerprint === p.finding);
          const subjects = f === undefined ? [] : [ref(f.location.path)];
          return {
            'bom-ref': `path:${p.finding}`,
            subjects: subjects.length > 0 ? subjects : [`finding:${p.finding}`],
            annotator: { component: tool },
            timestamp,
            text: `${p.ruleId}: ${f?.evidence ?? p.title}. Fix: ${p.fixes.map((x) => x.fix).join(' + ') || 'none'}`,
          };
        });
  const bom = {
    $schema: 'http://cyclonedx.org/schema/bom-1.6.schema.json',
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    serialNumber: opts.serialNumber ?? `urn:uuid:${uuidFrom(JSON.stringify([report.targets, report.findings.map((f) => f.fingerprint)]))}`,
    version: 1,
    metadata: {
      timestamp,
      tools: { components: [tool] },
      properties: [...prop('bulwark:reportSchemaVersion', report.schemaVersion), ...prop('bulwark:findings', report.summary.total), ...prop('bulwark:suppressed', report.summary.suppressed)],
    },
    components,
    vulnerabilities,
    ...(annotations.length > 0 && { annotations }),
  };
  return `${JSON.stringify(bom, null, 2)}\n`;
}
