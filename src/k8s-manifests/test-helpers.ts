/**
 * Test helpers of the domain: load and analyse with a fresh Reporter (default selection, no caps) and
 * return what it kept, so tests assert on findings as the engine would receive them.
 */
import type { Finding } from '../findings/index.js';
import type { Limits } from '../limits/index.js';
import { DEFAULT_LIMITS } from '../limits/index.js';
import type { RuleCase } from '../rules/index.js';
import { MATURITIES, Reporter, createSelection } from '../rules/index.js';
import { analyzeManifests } from './analyze.js';
import type { ManifestTextKind } from './load.js';
import { MANIFEST_TEXT_FORMAT, loadManifestText } from './load.js';
import type { ScannedFile } from './folders.js';
import { reportK8sFolders } from './folders.js';
import type { FileOrigin, ManifestObject } from './model.js';
import type { K8sOptions } from './options.js';
import { K8S_RULES } from './rule-list.js';

/** Run `fn` with a fresh Reporter (default selection unless given) and return its findings. */
export function collect(fn: (reporter: Reporter) => void, reporter = new Reporter()): Finding[] {
  fn(reporter);
  return reporter.finish();
}

/** A Reporter that runs every rule, experimental and deprecated ones too (rule cases test each rule). */
export function everyRuleReporter(): Reporter {
  return new Reporter({ selection: createSelection(K8S_RULES, MATURITIES.map((m) => ({ selector: `maturity:${m}`, setting: { enabled: true } }))) });
}

export interface Loaded {
  readonly kind: ManifestTextKind;
  readonly objects: ManifestObject[];
  /** The loader's findings. */
  readonly findings: Finding[];
}

/** Load one manifest text. */
export function loadText(text: string, path = 'm.yaml', limits: Limits = DEFAULT_LIMITS): Loaded {
  let objects: ManifestObject[] = [];
  let kind: ManifestTextKind = 'not-manifest';
  const findings = collect((r) => {
    const loaded = loadManifestText(text, path, limits, r);
    objects = loaded.objects;
    kind = loaded.kind;
  });
  return { kind, objects, findings };
}

/** The file origin of a loaded object (throws for JSON objects). */
export function fileOrigin(o: ManifestObject | undefined): FileOrigin {
  if (o?.origin.kind !== 'file') throw new Error('not an object loaded from a file');
  return o.origin;
}

/** All findings of `analyzeManifests` over the objects. */
export function analyze(objects: readonly ManifestObject[], options: K8sOptions = {}): Finding[] {
  return collect((r) => analyzeManifests(objects, options, r));
}

/** Load and analyse one text: analysis findings only (loader findings are dropped). */
export function analyzeText(text: string, options: K8sOptions = {}, path = 'x.yaml'): Finding[] {
  return analyze(loadText(text, path).objects, options);
}

/** The K8sOptions a rule case's scan options set. */
export function caseOptions(c: RuleCase): K8sOptions {
  const o = c.options ?? {};
  const strings = (v: unknown): readonly string[] | undefined => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined);
  const sandbox = strings(o['sandboxRuntimeClasses']);
  return {
    ...(typeof o['pssLevel'] === 'string' && { pssLevel: o['pssLevel'] }),
    ...(typeof o['pssVersion'] === 'string' && { pssVersion: o['pssVersion'] }),
    ...(sandbox !== undefined && { sandboxRuntimeClasses: sandbox }),
  };
}

/** Every finding of a rule case scanned in-process: loader and analysis, through one Reporter that runs every rule. */
export function runCase(c: RuleCase): Finding[] {
  return collect((r) => {
    const objects: ManifestObject[] = [];
    const files: ScannedFile[] = [];
    for (const [path, content] of Object.entries(c.files)) {
      const text = typeof content === 'string' ? content : new TextDecoder().decode(typeof content === 'function' ? content() : content);
      const loaded = loadManifestText(text, path, DEFAULT_LIMITS, r);
      files.push({ path, format: MANIFEST_TEXT_FORMAT[loaded.kind] });
      for (const o of loaded.objects) objects.push(o);
    }
    reportK8sFolders(files, r);
    analyzeManifests(objects, caseOptions(c), r);
  }, everyRuleReporter());
}
