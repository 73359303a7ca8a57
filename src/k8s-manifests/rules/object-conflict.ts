/**
 * The same object (API group, kind, namespace, name) defined more than once in one cluster's input:
 * from two files (dev and prod overlays, two charts rendered together) or twice in one file. Both
 * definitions are analysed (the RBAC model binds a role name to every definition of it, so a
 * dangerous variant is never hidden by a harmless one); this finding says that only one of them can
 * exist in a cluster, the one applied last.
 */
import { objectRule } from '../k8s-rule.js';
import type { ManifestObject } from '../model.js';
import { locationOf, sourceRef } from '../model.js';
import { at, fires, lines, silent } from '../sample-manifests.js';

const ROLE = (verbs: string): string[] => ['apiVersion: rbac.authorization.k8s.io/v1', 'kind: ClusterRole', 'metadata: {name: ml-reader}', 'rules:', `- {apiGroups: [""], resources: [secrets], verbs: [${verbs}]}`];

/** Order-independent equality of two JSON values (same content written twice is harmless). */
function sameContent(a: ManifestObject, b: ManifestObject): boolean {
  return canonical(a.value) === canonical(b.value);
}

function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (x !== null && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([p], [q]) => (p < q ? -1 : p > q ? 1 : 0))) : x));
}

export const objectConflict = objectRule({
  id: 'k8s/object-conflict',
  title: 'The same object is defined more than once',
  severity: 'low',
  description:
    'Two definitions in one cluster\u2019s input have the same API group, kind, namespace and name: two files (a dev and a prod overlay, two rendered charts) or two documents of one file. In a cluster only one can exist, the one applied last, and a reviewer reading the other is misled; when the two differ (a ClusterRole that reads Secrets in one file and not in the other), which one is live decides the risk. Bulwark analyses both definitions, so a dangerous variant is never hidden by a harmless one, and reports the conflict. Identical copies are reported at info.',
  remediation:
    'Keep one definition per object and cluster. If the files are alternatives (overlays, environments), scan each rendered environment separately (`kubectl kustomize overlays/prod | bulwark scan -`, or give each folder as its own path argument: unrelated arguments are separate clusters).',
  references: ['https://kubernetes.io/docs/concepts/overview/working-with-objects/names/', 'https://kubectl.docs.kubernetes.io/references/kustomize/glossary/#overlay'],
  tags: ['k8s', 'identity', 'correctness'],
  maturity: 'stable',
  check({ object, index }, report) {
    const same = index.sameIdentity(object);
    const i = same.indexOf(object);
    if (i <= 0) return;
    const first = same[0] as ManifestObject;
    if (first.origin.kind === 'file' && object.origin.kind === 'file' && first.path === object.path && first.origin.docIndex === object.origin.docIndex && first.origin.basePath.join('/') === object.origin.basePath.join('/')) return;
    const identical = same.slice(0, i).some((o) => sameContent(o, object));
    report({
      location: locationOf(object, ['metadata', 'name']),
      severity: identical ? 'info' : 'low',
      message: `${object.kind} ${object.namespace !== undefined && object.namespace !== '' ? `${object.namespace}/` : ''}${object.name} is also defined at ${sourceRef(first, ['metadata', 'name'])}${identical ? ' with the same content' : ', differently'}; a cluster holds only the one applied last. Both definitions were analysed`,
      evidence: `${sourceRef(first, [])} / ${sourceRef(object, [])}`,
    });
  },
  cases: () => ({
    invalid: [
      fires('one ClusterRole in two files, differently', lines(ROLE('[get]')), at(3, 12, 'metadata.name', { messageIncludes: 'differently' }), undefined, 'dev/rbac.yaml'),
    ].map((c) => ({ ...c, files: { ...c.files, 'prod/rbac.yaml': lines(ROLE('[get, list, watch]')) } })),
    valid: [
      silent('different names', lines(ROLE('[get]'))),
      silent('generateName objects are all distinct', lines('apiVersion: batch/v1', 'kind: Job', 'metadata: {generateName: train-}', '---', 'apiVersion: batch/v1', 'kind: Job', 'metadata: {generateName: train-}')),
    ],
  }),
});
