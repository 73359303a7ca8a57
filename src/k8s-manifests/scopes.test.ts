/**
 * Identity and scope (issue 10, item 5) and severity by level (item 2): objects are one cluster per
 * path argument; same-named objects are all analysed; a baseline violation is graded as one at every
 * level; a namespace's own Pod Security labels are honoured.
 */
import { describe, expect, it } from 'vitest';
import type { Finding } from '../findings/index.js';
import type { ManifestObject } from './model.js';
import type { K8sOptions } from './options.js';
import { resolveK8sOptions } from './options.js';
import { clustersOf } from './scopes.js';
import { analyze, loadText } from './test-helpers.js';

const load = (files: Record<string, string>): ManifestObject[] => Object.entries(files).flatMap(([p, t]) => loadText(t, p).objects);
const ids = (fs: readonly Finding[], id: string): Finding[] => fs.filter((f) => f.ruleId === id);

const ROLE = (name: string, verbs: string): string => `apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: ${name}}\nrules:\n- {apiGroups: [""], resources: [secrets], verbs: ${verbs}}\n`;
const BINDING = 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: reader}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: reader}\nsubjects: [{kind: ServiceAccount, name: app, namespace: ml}]\n';

describe('clusters: one per path argument', () => {
  const objs = load({ 'a/x.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n', 'b/y.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n', 'c/1.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c1}\n', 'c/2.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c2}\n', '-': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: s}\n' });
  const names = (o: Pick<K8sOptions, 'inputRoots' | 'oneCluster'>): string[][] => clustersOf(objs, resolveK8sOptions(o)).map((c) => c.map((x) => x.name));
  it('folders apart, file arguments of one folder together, stdin alone', () => {
    expect(names({ inputRoots: ['a', 'b/', 'c/1.yaml', 'c/2.yaml', '-'] })).toEqual([['a'], ['b'], ['c1', 'c2'], ['s']]);
  });
  it('one cluster when asked, or when the arguments are not known', () => {
    expect(names({ inputRoots: ['a', 'b'], oneCluster: true })).toEqual([['a', 'b', 'c1', 'c2', 's']]);
    expect(names({})).toEqual([['a', 'b', 'c1', 'c2', 's']]);
  });
  it('RBAC of one argument does not grant the ServiceAccounts of another', () => {
    const two = load({ 'rbac/r.yaml': `${ROLE('reader', '[get, list]')}---\n${BINDING}`, 'app/d.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app, namespace: ml}\nspec:\n  template:\n    spec:\n      serviceAccountName: app\n      containers: [{name: c, image: x:1}]\n' });
    expect(ids(analyze(two, { inputRoots: ['rbac', 'app'] }), 'k8s/rbac-workload-privileged-sa')).toEqual([]);
    expect(ids(analyze(two, { inputRoots: ['rbac', 'app'], oneCluster: true }), 'k8s/rbac-workload-privileged-sa')).toHaveLength(1);
  });
});

describe('same-named objects: all analysed, the conflict reported', () => {
  it('the dangerous definition of a role is not hidden by a later harmless one', () => {
    const objs = load({ 'dev/r.yaml': ROLE('reader', '[get, list, watch]'), 'prod/r.yaml': ROLE('reader', '[get]'), 'b.yaml': BINDING });
    const fs = analyze(objs);
    expect(ids(fs, 'k8s/rbac-secrets-read').map((f) => f.location.path)).toEqual(['dev/r.yaml', 'prod/r.yaml']);
    expect(ids(fs, 'k8s/object-conflict').map((f) => [f.location.path, f.severity])).toEqual([['prod/r.yaml', 'low']]);
  });
  it('identical copies are an info conflict; generateName objects never conflict', () => {
    const fs = analyze(load({ 'a.yaml': ROLE('r', '[get]'), 'b.yaml': ROLE('r', '[get]') }));
    expect(ids(fs, 'k8s/object-conflict').map((f) => f.severity)).toEqual(['info']);
  });
});

describe('severity by level', () => {
  const POD = 'apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: ml}\nspec:\n  containers:\n  - name: c\n    image: x:1\n    securityContext:\n      capabilities: {add: [SYS_ADMIN]}\n      seccompProfile: {type: Unconfined}\n  volumes:\n  - name: data\n    hostPath: {path: /data}\n';
  const graded = (level: string): string[] => analyze(loadText(POD).objects, { pssLevel: level }).filter((f) => f.ruleId.startsWith('k8s/pss-')).map((f) => `${f.ruleId}:${f.severity}`).sort();
  it('a baseline violation is graded as one at the restricted level too', () => {
    const restricted = graded('restricted');
    for (const id of ['k8s/pss-capabilities-baseline:high', 'k8s/pss-seccomp-baseline:high', 'k8s/pss-host-path-volumes:high']) {
      expect(restricted).toContain(id);
      expect(graded('baseline')).toContain(id);
    }
    // The same fields are not reported again as medium restricted findings.
    expect(restricted).not.toContain('k8s/pss-restricted-volumes:medium');
    expect(restricted).not.toContain('k8s/pss-seccomp-restricted:medium');
    // What restricted alone forbids stays medium (drop ALL is missing).
    expect(restricted).toContain('k8s/pss-capabilities-restricted:medium');
  });
  it('the baseline finding names both controls', () => {
    const f = analyze(loadText(POD).objects).find((x) => x.ruleId === 'k8s/pss-host-path-volumes');
    expect(f?.controls).toEqual(['pss:hostPathVolumes', 'pss:restrictedVolumes']);
  });
});

describe("a namespace's Pod Security labels", () => {
  const ns = (level: string, version = ''): string => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: gpu\n  labels:\n    pod-security.kubernetes.io/enforce: ${level}\n${version === '' ? '' : `    pod-security.kubernetes.io/enforce-version: ${version}\n`}---\n`;
  const POD = 'apiVersion: v1\nkind: Pod\nmetadata: {name: driver, namespace: gpu}\nspec:\n  containers:\n  - name: c\n    image: x:1\n    securityContext: {privileged: true}\n';
  it('privileged: no PSS finding per container, one finding at the namespace', () => {
    const fs = analyze(loadText(ns('privileged') + POD).objects);
    expect(fs.filter((f) => f.ruleId.startsWith('k8s/pss-'))).toEqual([]);
    expect(ids(fs, 'k8s/namespace-psa-privileged').map((f) => f.message)).toEqual([expect.stringContaining('Pod driver')]);
  });
  it('baseline: restricted-only checks do not run, baseline ones do, at the pinned version', () => {
    const fs = analyze(loadText(ns('baseline', 'v1.30') + POD).objects);
    expect(fs.filter((f) => f.ruleId.startsWith('k8s/pss-')).map((f) => f.ruleId)).toEqual(['k8s/pss-privileged']);
    expect(ids(fs, 'k8s/pss-privileged')[0]?.message).toContain('baseline, v1.30');
  });
});
