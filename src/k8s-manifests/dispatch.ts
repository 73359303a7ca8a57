/**
 * The one dispatcher of per-template and per-object rules: template-scope rules run once per pod
 * template of every workload, object-scope rules once per object, each with its findings bound to it.
 * Rules the Reporter says are disabled are not run at all. Cost: one pass over the objects, each rule
 * once per subject.
 */
import type { ReportFn } from '../rules/index.js';
import type { ClusterIndex } from './cluster-index.js';
import type { K8sRule, ObjectSubject, RuleReporter, TemplateSubject } from './k8s-rule.js';
import type { ManifestObject } from './model.js';
import type { ResolvedK8sOptions } from './options.js';

interface Bound<S> {
  readonly check: (subject: S, report: ReportFn) => void;
  readonly report: ReportFn;
}

export interface DispatchInput {
  readonly objects: readonly ManifestObject[];
  readonly index: ClusterIndex;
  readonly options: ResolvedK8sOptions;
  readonly rules: readonly K8sRule[];
  readonly reporter: RuleReporter;
  /** Table-driven checks run on every pod template before the rules (the Pod Security Standards). */
  readonly perTemplate?: (subject: TemplateSubject) => void;
}

export function dispatch(input: DispatchInput): void {
  const { objects, index, options, reporter } = input;
  const perTemplate: Bound<TemplateSubject>[] = [];
  const perObject: Bound<ObjectSubject>[] = [];
  for (const rule of input.rules) {
    if (!reporter.enabled(rule)) continue;
    const report: ReportFn = (args) => reporter.report(rule, args);
    if (rule.scope === 'template') perTemplate.push({ check: rule.check, report });
    else perObject.push({ check: rule.check, report });
  }
  const table = input.perTemplate;
  for (const object of objects) {
    const templates = index.templates.get(object) ?? [];
    for (const template of templates) {
      const subject: TemplateSubject = { object, templates, index, options, template };
      table?.(subject);
      for (const r of perTemplate) r.check(subject, r.report);
    }
    if (perObject.length === 0) continue;
    const subject: ObjectSubject = { object, templates, index, options };
    for (const r of perObject) r.check(subject, r.report);
  }
}
