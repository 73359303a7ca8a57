/**
 * Trivy's JSON report (schema version 2, `trivy … -f json`) read as Bulwark findings, so that one
 * Bulwark report gates a release on Bulwark's own findings and Trivy's vulnerabilities, secrets and
 * misconfigurations together. The report is untrusted data: its shape is checked field by field (a
 * report that is not one, or a newer schema, is malformed input, never an empty pass), strings are
 * bounded before they reach a message, and secret matches are never copied.
 *
 * Field layout (aquasecurity/trivy `pkg/types/report.go`, `vulnerability.go`, `misconfiguration.go`,
 * `pkg/fanal/types/secret.go`): `{SchemaVersion: 2, ArtifactName, ArtifactType, Metadata, Results: [
 * {Target, Class, Type, Vulnerabilities: [{VulnerabilityID, PkgName, PkgPath, InstalledVersion,
 * FixedVersion, Status, Severity, Title, PrimaryURL, Layer: {Digest, DiffID}}], Secrets: [{RuleID,
 * Category, Severity, Title, StartLine, EndLine, Match, Layer}], Misconfigurations: [{Type, ID, AVDID,
 * Title, Message, Resolution, Severity, PrimaryURL, Status, CauseMetadata: {Resource, StartLine,
 * EndLine}}]}]}`.
 */
import type { Location, Severity } from '../findings/index.js';
import type { Reporter } from '../rules/index.js';
import { coreRules } from '../rules/index.js';
import { trivyMisconfiguration, trivySecret, trivyVulnerability } from './rules.js';

export const TRIVY_FORMAT = 'trivy-report';

export interface TrivyImportOptions {
  /** Leave out vulnerabilities without a released fix (`--ignore-unfixed`). */
  readonly ignoreUnfixed: boolean;
}

export interface TrivyImportResult {
  readonly recognised: boolean;
  readonly vulnerabilities: number;
  readonly secrets: number;
  readonly misconfigurations: number;
  readonly skipped: number;
}

type Obj = Readonly<Record<string, unknown>>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown, max = 200): string | undefined => (typeof v === 'string' && v !== '' ? (v.length > max ? `${v.slice(0, max)}\u2026` : v) : undefined);
const int = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined);

/** Trivy's severity on Bulwark's scale; UNKNOWN (no score yet) and anything else become low. */
export function severityOf(v: unknown): Severity {
  switch (typeof v === 'string' ? v.toUpperCase() : '') {
    case 'CRITICAL':
      return 'critical';
    case 'HIGH':
      return 'high';
    case 'MEDIUM':
      return 'medium';
    case 'LOW':
      return 'low';
    default:
      return 'low';
  }
}

/** The control naming an advisory: `cve:CVE-…`, `ghsa:GHSA-…`, else `vuln:<id>`. */
export function advisoryControl(id: string): string {
  if (/^CVE-\d{4}-\d+$/i.test(id)) return `cve:${id.toUpperCase()}`;
  if (/^GHSA-/i.test(id)) return `ghsa:${id}`;
  return `vuln:${id}`;
}

/** Statuses of a vulnerability that has a released fix (Trivy `types.Status`). */
function hasFix(v: Obj): boolean {
  const status = str(v['Status'], 40)?.toLowerCase();
  if (status === 'fixed') return true;
  if (status !== undefined && status !== 'unknown') return false;
  return str(v['FixedVersion']) !== undefined;
}

function layerOf(v: Obj): string | undefined {
  const l = v['Layer'];
  return isObj(l) ? (str(l['Digest'], 100) ?? str(l['DiffID'], 100)) : undefined;
}

/** Where a Trivy result is: the image layer (and file inside the image) when known, else the report file. */
function locationOf(path: string, layer: string | undefined, file: string | undefined, line: number | undefined): Location {
  if (layer !== undefined) return { kind: 'image-layer', path, layer, ...(file !== undefined && { file }), ...(line !== undefined && { line }) };
  return { kind: 'file', path };
}

/**
 * Whether the text's head looks like a Trivy JSON report: a JSON object whose first key is
 * `SchemaVersion`, with Trivy's `ArtifactName`, `ArtifactType` or `Results` keys (cheap; no parse).
 */
export function looksLikeTrivyReport(head: string): boolean {
  return /^\uFEFF?\s*\{\s*"SchemaVersion"\s*:\s*\d+\s*,/.test(head) && /"(?:ArtifactName|ArtifactType|Results)"\s*:/.test(head);
}

/**
 * Read a Trivy JSON report and report its vulnerabilities, secrets and failed misconfigurations
 * (most severe first, so a per-target cap drops the least severe). Never throws.
 */
export function importTrivyReport(text: string, path: string, options: TrivyImportOptions, reporter: Reporter): TrivyImportResult {
  const result = { recognised: false, vulnerabilities: 0, secrets: 0, misconfigurations: 0, skipped: 0 };
  const malformed = (message: string): TrivyImportResult => {
    reporter.report(coreRules.malformedInput, { location: { kind: 'file', path }, message: `Trivy report: ${message}` });
    return result;
  };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return malformed(`not valid JSON (${e instanceof Error ? e.message.slice(0, 120) : 'parse error'})`);
  }
  if (!isObj(doc) || typeof doc['SchemaVersion'] !== 'number') return malformed('not a Trivy JSON report (no SchemaVersion)');
  result.recognised = true;
  if (doc['SchemaVersion'] !== 2) return malformed(`SchemaVersion ${String(doc['SchemaVersion']).slice(0, 20)} is not supported (Bulwark reads schema version 2)`);
  const results = doc['Results'] ?? [];
  if (!Array.isArray(results)) return malformed('Results is not a list');
  const artifact = str(doc['ArtifactName']) ?? 'the artifact';

  interface Pending {
    readonly severity: Severity;
    readonly emit: () => void;
  }
  const pending: Pending[] = [];
  let bad = 0;
  for (const r of results as unknown[]) {
    if (!isObj(r)) {
      bad++;
      continue;
    }
    const target = str(r['Target']) ?? artifact;
    for (const field of ['Vulnerabilities', 'Secrets', 'Misconfigurations'] as const) {
      const list = r[field];
      if (list === undefined || list === null) continue;
      if (!Array.isArray(list)) {
        bad++;
        continue;
      }
      for (const item of list as unknown[]) {
        if (!isObj(item)) {
          bad++;
          continue;
        }
        const severity = severityOf(item['Severity']);
        if (field === 'Vulnerabilities') {
          const id = str(item['VulnerabilityID'], 100);
          const pkg = str(item['PkgName']);
          if (id === undefined || pkg === undefined) {
            bad++;
            continue;
          }
          const status = str(item['Status'], 40)?.toLowerCase();
          if (status === 'not_affected' || (options.ignoreUnfixed && !hasFix(item))) {
            result.skipped++;
            continue;
          }
          const installed = str(item['InstalledVersion']) ?? '?';
          const fixed = str(item['FixedVersion']);
          const title = str(item['Title'], 160);
          const pkgPath = str(item['PkgPath'], 300);
          result.vulnerabilities++;
          pending.push({
            severity,
            emit: () =>
              reporter.report(trivyVulnerability, {
                location: locationOf(path, layerOf(item), pkgPath, undefined),
                severity,
                message: `${id} in ${pkg} ${installed} (${target})${fixed !== undefined ? `: fixed in ${fixed}` : `: no fix released${status !== undefined ? ` (${status})` : ''}`}${title !== undefined ? ` \u2014 ${title}` : ''}`,
                evidence: `${pkg}@${installed}`,
                controls: [advisoryControl(id)],
                ...(fixed !== undefined && { remediation: `Upgrade ${pkg} to ${fixed} or later (rebuild the image on an updated base, or bump the dependency).` }),
              }),
          });
        } else if (field === 'Secrets') {
          const rule = str(item['RuleID'], 100) ?? 'unknown';
          const line = int(item['StartLine']);
          const title = str(item['Title'], 160) ?? str(item['Category'], 100) ?? 'a secret';
          result.secrets++;
          pending.push({
            severity,
            emit: () =>
              reporter.report(trivySecret, {
                location: locationOf(path, layerOf(item), target, line),
                severity,
                message: `${title} in ${target}${line !== undefined ? `:${line}` : ''}`,
                controls: [`trivy:secret:${rule}`],
              }),
          });
        } else {
          const status = str(item['Status'], 20)?.toUpperCase();
          if (status !== undefined && status !== 'FAIL') {
            result.skipped++;
            continue;
          }
          const avd = str(item['AVDID'], 60);
          const id = str(item['ID'], 60);
          if (avd === undefined && id === undefined) {
            bad++;
            continue;
          }
          const cause = isObj(item['CauseMetadata']) ? item['CauseMetadata'] : {};
          const line = int(cause['StartLine']);
          const title = str(item['Title'], 160) ?? '';
          const message = str(item['Message'], 240);
          const resolution = str(item['Resolution'], 400);
          const controls = [avd, id].filter((x, i, a): x is string => x !== undefined && a.indexOf(x) === i).map((x) => `trivy:${x}`);
          result.misconfigurations++;
          pending.push({
            severity,
            emit: () =>
              reporter.report(trivyMisconfiguration, {
                location: { kind: 'file', path },
                severity,
                message: `${avd ?? id ?? ''} ${title} in ${target}${line !== undefined ? `:${line}` : ''}${message !== undefined ? `: ${message}` : ''}`,
                controls,
                ...(resolution !== undefined && { remediation: resolution }),
              }),
          });
        }
      }
    }
  }
  if (bad > 0) malformed(`${bad} entries do not have the fields of a Trivy result (Target, VulnerabilityID and PkgName, ID or AVDID); they were not imported`);
  const rank: Readonly<Record<Severity, number>> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };
  pending.sort((a, b) => rank[a.severity] - rank[b.severity]);
  for (const p of pending) p.emit();
  return result;
}
