/**
 * The shape of a per-object or per-pod-template Kubernetes rule: metadata plus a `check(subject,
 * report)` that the domain's one dispatcher (dispatch.ts) runs, once per pod template (`templateRule`)
 * or once per object (`objectRule`). A rule file under `rules/` exports one such rule; the generated
 * `rules/index.ts` lists them all (scripts/gen-k8s-rule-index.mjs).
 *
 * ```ts
 * export const hostPidShared = templateRule({
 *   id: 'k8s/host-pid-shared', title: …, severity: 'high', description: …, remediation: …,
 *   references: […], tags: ['k8s', 'host'], maturity: 'experimental',
 *   admission: { level: 'baseline' },          // when one object alone is enough to judge
 *   check({ object, template }, report) {
 *     if (template.spec['hostPID'] === true) report({ location: locationOf(object, [...template.specPath, 'hostPID']), message: '…' });
 *   },
 *   cases: () => ({ valid: [silent(…)], invalid: [fires(…)] }),
 * });
 * ```
 */
import type { ReportFn, Reporter, Rule, RuleDefinition } from '../rules/index.js';
import { defineRule } from '../rules/index.js';
import type { ClusterIndex } from './cluster-index.js';
import type { ManifestObject } from './model.js';
import type { ResolvedK8sOptions } from './options.js';
import type { PodTemplate } from './workloads.js';

/** What an object-scope rule's check receives. */
export interface ObjectSubject {
  readonly object: ManifestObject;
  /** The object's pod templates (`[]` for objects that create no pods). */
  readonly templates: readonly PodTemplate[];
  /** Every object of the analysis, indexed (at admission: the object under review only). */
  readonly index: ClusterIndex;
  readonly options: ResolvedK8sOptions;
}

/** What a template-scope rule's check receives: one pod template of `object`. */
export interface TemplateSubject extends ObjectSubject {
  readonly template: PodTemplate;
}

export interface TemplateRule extends Rule<TemplateSubject> {
  readonly scope: 'template';
  readonly check: (subject: TemplateSubject, report: ReportFn) => void;
}

export interface ObjectRule extends Rule<ObjectSubject> {
  readonly scope: 'object';
  readonly check: (subject: ObjectSubject, report: ReportFn) => void;
}

/** A rule the dispatcher runs. */
export type K8sRule = TemplateRule | ObjectRule;

type WithCheck<S> = RuleDefinition<S> & { readonly check: (subject: S, report: ReportFn) => void };

/** A rule run once per pod template of every workload (`defineRule` with the template subject). */
export function templateRule(def: WithCheck<TemplateSubject>): TemplateRule {
  return { ...defineRule<TemplateSubject>(def), scope: 'template', check: def.check };
}

/** A rule run once per object. */
export function objectRule(def: WithCheck<ObjectSubject>): ObjectRule {
  return { ...defineRule<ObjectSubject>(def), scope: 'object', check: def.check };
}

/**
 * The part of the one Reporter the domain reports through: a `Reporter`, or a wrapper of one (the
 * annotation suppressions of suppress.ts mark findings on their way to it).
 */
export type RuleReporter = Pick<Reporter, 'enabled' | 'report'>;
