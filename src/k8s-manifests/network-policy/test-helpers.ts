/**
 * Test helpers shared by the RBAC and NetworkPolicy tests: load manifests with the real loader (so
 * positions are the ones the CLI reports) and summarise findings.
 */
import type { Finding } from '../../findings/index.js';
import { minOf } from '../../findings/index.js';
import type { ManifestObject } from '../model.js';
import type { RuleReporter } from '../k8s-rule.js';
import { collect, loadText } from '../test-helpers.js';

/** Load one or more files (name → YAML text) into ManifestObjects. */
export function load(files: Readonly<Record<string, string>> | string): ManifestObject[] {
  const tree = typeof files === 'string' ? { 'manifest.yaml': files } : files;
  const out: ManifestObject[] = [];
  for (const [path, text] of Object.entries(tree)) {
    const r = loadText(text, path);
    const broken = r.findings.filter((f) => f.ruleId.startsWith('scan/'));
    if (broken.length > 0) throw new Error(`test manifest ${path} did not load: ${broken.map((f) => f.message).join('; ')}`);
    for (const o of r.objects) out.push(o);
  }
  return out;
}

/** An analysis that reports (analyzeRbac, analyzeNetworkPolicies) as a function returning its findings. */
export function findingsOf(analyse: (objects: readonly ManifestObject[], reporter: RuleReporter) => void): (objects: readonly ManifestObject[]) => Finding[] {
  return (objects) => collect((r) => analyse(objects, r));
}

export interface FindingSummary {
  ruleId: string;
  severity: string;
  line: number;
  column: number;
  fieldPath: string;
  name: string;
  message: string;
}

export function summarize(fs: readonly Finding[]): FindingSummary[] {
  return fs.map((f) => {
    const l = f.location;
    if (l.kind !== 'k8s-object') throw new Error(`unexpected location kind ${l.kind}`);
    return { ruleId: f.ruleId, severity: f.severity, line: l.line, column: l.column, fieldPath: l.fieldPath, name: l.name, message: f.message };
  });
}

/** Strip common leading indentation so YAML can be written indented in test source. */
export function yaml(strings: TemplateStringsArray, ...values: unknown[]): string {
  const raw = strings.reduce((acc, s, i) => acc + s + (i < values.length ? String(values[i]) : ''), '');
  const lines = raw.replace(/^\n/, '').split('\n');
  const indent = minOf(lines.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)?.[0].length ?? 0));
  return lines.map((l) => l.slice(indent)).join('\n');
}

/** A ManifestObject built directly from a value (no source positions): for property tests. */
export function objectOf(value: unknown, path = 'gen.yaml'): ManifestObject {
  const v = (typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {}) as ManifestObject['value'];
  const meta = v['metadata'];
  const name = typeof meta === 'object' && meta !== null && !Array.isArray(meta) && typeof meta['name'] === 'string' ? meta['name'] : '';
  const ns = typeof meta === 'object' && meta !== null && !Array.isArray(meta) && typeof meta['namespace'] === 'string' ? meta['namespace'] : undefined;
  return {
    path,
    apiVersion: typeof v['apiVersion'] === 'string' ? v['apiVersion'] : '',
    kind: typeof v['kind'] === 'string' ? v['kind'] : '',
    name,
    ...(ns !== undefined && { namespace: ns }),
    value: v,
    origin: { kind: 'file', docIndex: 0, positions: new Map([['', { line: 1, column: 1 }]]), basePath: [] },
  };
}
