/**
 * Small manifests for rule cases, written as line lists so that line numbers can be read off the
 * source: `pod([...])` puts the spec body at line 6, `goodPod()` is a Pod that passes every rule.
 * Plain data builders (no test framework, no `test-fixtures/`): rule files call them inside their lazy
 * `cases()`, so loading a rule costs nothing.
 */
import type { RuleCase, RuleCaseExpectation } from '../rules/index.js';

export const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;
export const IMAGE = `registry.example.com/ml/server:1.4.2@${DIGEST}`;

/** A Pod: lines 1-5 are the header, `spec` body lines start at line 6 (indent them by 2). */
export function pod(body: readonly string[], name = 'p', extraMeta: readonly string[] = []): string {
  return ['apiVersion: v1', 'kind: Pod', 'metadata:', `  name: ${name}`, ...extraMeta, 'spec:', ...body, ''].join('\n');
}

/** A container that passes every rule (restricted PSS, pinned image, limits); `extra` is indented 4. */
export function container(name = 'app', extra: readonly string[] = [], image = IMAGE): string[] {
  return [
    `  - name: ${name}`,
    `    image: ${image}`,
    '    securityContext:',
    '      allowPrivilegeEscalation: false',
    '      capabilities:',
    '        drop: [ALL]',
    '    resources:',
    '      limits: {cpu: "1", memory: 1Gi, ephemeral-storage: 1Gi}',
    ...extra,
  ];
}

/** Pod-level lines that pass (own ServiceAccount, restricted securityContext): lines 6-11. */
export const GOOD_POD_HEAD: readonly string[] = ['  serviceAccountName: app', '  automountServiceAccountToken: false', '  securityContext:', '    runAsNonRoot: true', '    seccompProfile:', '      type: RuntimeDefault'];

/** A compliant pod: head at 6-11, `containers:` at 12, the container from 13, `extra` container lines from 21. */
export function goodPod(extra: readonly string[] = [], specExtra: readonly string[] = [], image = IMAGE): string {
  return pod([...GOOD_POD_HEAD, ...specExtra, '  containers:', ...container('app', extra, image)]);
}

export type CaseOptions = Readonly<Record<string, unknown>>;

/** A firing case: one file `manifest.yaml` (or `file`) and what the finding must look like. */
export function fires(name: string, yaml: string, expect: RuleCaseExpectation, options?: CaseOptions, file = 'manifest.yaml'): RuleCase {
  return { name, files: { [file]: yaml }, expect, ...(options !== undefined && { options }) };
}

/** A non-firing case. */
export function silent(name: string, yaml: string, options?: CaseOptions, file = 'manifest.yaml'): RuleCase {
  return { name, files: { [file]: yaml }, ...(options !== undefined && { options }) };
}

/** Expected line, column and field path (and more) of a finding. */
export const at = (line: number, column: number, fieldPath: string, more: Omit<RuleCaseExpectation, 'line' | 'column' | 'fieldPath'> = {}): RuleCaseExpectation => ({ line, column, fieldPath, ...more });

/** Scan options of cases that need the baseline level. */
export const BASELINE: CaseOptions = { pssLevel: 'baseline' };

/** A Deployment header: the pod spec body (indent 6) starts at line 14 with two annotation lines, 12 without. */
export function deployHead(name: string, ns = 'ml', annotations: readonly string[] = []): string[] {
  return [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    `  name: ${name}`,
    `  namespace: ${ns}`,
    ...annotations,
    'spec:',
    '  selector:',
    `    matchLabels: {app: ${name}}`,
    '  template:',
    '    metadata:',
    `      labels: {app: ${name}}`,
    '    spec:',
  ];
}

/** A compliant pod spec body at template indentation (6), ending with `containers:`. */
export const GOOD_TEMPLATE_SPEC: readonly string[] = [
  '      serviceAccountName: app',
  '      automountServiceAccountToken: false',
  '      securityContext:',
  '        runAsNonRoot: true',
  '        seccompProfile: {type: RuntimeDefault}',
  '      containers:',
];

/** A compliant container at template indentation; `extra` is indented 8. */
export function tplContainer(name: string, image: string, extra: readonly string[] = [], limits = '{cpu: "4", memory: 16Gi, ephemeral-storage: 20Gi}'): string[] {
  return [
    `      - name: ${name}`,
    `        image: ${image}`,
    '        securityContext:',
    '          allowPrivilegeEscalation: false',
    '          capabilities: {drop: [ALL]}',
    '        resources:',
    `          limits: ${limits}`,
    ...extra,
  ];
}

/** Join lines and line lists into one text with a final newline. */
export const lines = (...parts: readonly (string | readonly string[])[]): string => [...parts.flat(), ''].join('\n');
