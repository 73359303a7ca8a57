import { describe, expect, it } from 'vitest';
import type { PolicyRule } from './objects.js';
import { categoriesOf, ruleAllows, wildcardOf } from './permissions.js';

const rule = (p: Partial<PolicyRule>): PolicyRule => ({ apiGroups: [''], resources: [], verbs: [], resourceNames: [], nonResourceURLs: [], ...p });

describe('RuleAllows semantics', () => {
  const cases: [string, Partial<PolicyRule>, Parameters<typeof ruleAllows>[1], boolean][] = [
    ['exact match', { resources: ['secrets'], verbs: ['get'] }, { verb: 'get', group: '', resource: 'secrets' }, true],
    ['other verb', { resources: ['secrets'], verbs: ['get'] }, { verb: 'list', group: '', resource: 'secrets' }, false],
    ['verbs are case-sensitive', { resources: ['secrets'], verbs: ['GET'] }, { verb: 'get', group: '', resource: 'secrets' }, false],
    ['other group', { apiGroups: ['apps'], resources: ['secrets'], verbs: ['get'] }, { verb: 'get', group: '', resource: 'secrets' }, false],
    ['* group', { apiGroups: ['*'], resources: ['deployments'], verbs: ['create'] }, { verb: 'create', group: 'apps', resource: 'deployments' }, true],
    ['* resource matches subresources', { resources: ['*'], verbs: ['create'] }, { verb: 'create', group: '', resource: 'pods', subresource: 'exec' }, true],
    ['resource does not match its subresource', { resources: ['pods'], verbs: ['create'] }, { verb: 'create', group: '', resource: 'pods', subresource: 'exec' }, false],
    ['*/subresource', { resources: ['*/exec'], verbs: ['create'] }, { verb: 'create', group: '', resource: 'pods', subresource: 'exec' }, true],
    ['*/subresource does not match the resource', { resources: ['*/exec'], verbs: ['create'] }, { verb: 'create', group: '', resource: 'pods' }, false],
    ['* verb', { resources: ['pods'], verbs: ['*'] }, { verb: 'escalate', group: '', resource: 'pods' }, true],
    ['resourceNames allow the named object', { resources: ['secrets'], verbs: ['get'], resourceNames: ['tls'] }, { verb: 'get', group: '', resource: 'secrets', name: 'tls' }, true],
    ['resourceNames deny other names', { resources: ['secrets'], verbs: ['get'], resourceNames: ['tls'] }, { verb: 'get', group: '', resource: 'secrets', name: 'db' }, false],
    ['resourceNames never allow nameless requests', { resources: ['pods'], verbs: ['create'], resourceNames: ['x'] }, { verb: 'create', group: '', resource: 'pods' }, false],
  ];
  for (const [name, r, req, want] of cases) it(name, () => expect(ruleAllows(rule(r), req)).toBe(want));
});

describe('risky categories of a rule', () => {
  const cats = (r: Partial<PolicyRule>) => categoriesOf(rule(r)).map((c) => c.category);
  it('secrets read by get/list/watch, not by create', () => {
    expect(cats({ resources: ['secrets'], verbs: ['watch'] })).toEqual(['secrets-read']);
    expect(cats({ resources: ['secrets'], verbs: ['create', 'delete'] })).toEqual([]);
  });
  it('pod creation through controllers and pod patching', () => {
    expect(cats({ apiGroups: ['batch'], resources: ['cronjobs'], verbs: ['create'] })).toEqual(['pod-create']);
    expect(cats({ apiGroups: ['apps'], resources: ['statefulsets'], verbs: ['patch'] })).toEqual(['pod-create']);
    expect(cats({ resources: ['pods/ephemeralcontainers'], verbs: ['update'] })).toEqual(['pod-create']);
    expect(cats({ apiGroups: ['apps'], resources: ['deployments/scale'], verbs: ['patch'] })).toEqual([]);
  });
  it('exec/attach/portforward with get (WebSocket) or create', () => {
    expect(cats({ resources: ['pods/portforward'], verbs: ['get'] })).toEqual(['pod-exec']);
    expect(cats({ resources: ['pods/log'], verbs: ['get'] })).toEqual([]);
  });
  it('nodes/proxy with get is cluster-scoped', () => {
    const c = categoriesOf(rule({ resources: ['nodes/proxy'], verbs: ['get'] }));
    expect(c.map((x) => [x.category, x.namespaced])).toEqual([['nodes-proxy', false]]);
  });
  it('impersonate: users are cluster-scoped, serviceaccounts namespaced', () => {
    const c = categoriesOf(rule({ resources: ['users', 'serviceaccounts'], verbs: ['impersonate'] }));
    expect(c[0]?.namespaced).toBe(true);
    expect(c[0]?.grants.map((g) => [g.resource, g.clusterScoped])).toEqual([
      ['users', true],
      ['serviceaccounts', false],
    ]);
  });
  it('restricted by resourceNames: named requests only', () => {
    const c = categoriesOf(rule({ resources: ['serviceaccounts/token'], verbs: ['create'], resourceNames: ['builder'] }));
    expect(c.map((x) => [x.category, x.resourceNames])).toEqual([['token-create', ['builder']]]);
    expect(categoriesOf(rule({ resources: ['secrets'], verbs: ['list'], resourceNames: ['a'] }))).toEqual([]);
  });
  it('escalate, bind, CSR approval, admission writes', () => {
    expect(cats({ apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'], verbs: ['escalate'] })).toEqual(['escalate-bind']);
    expect(cats({ apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests/approval'], verbs: ['patch'] })).toEqual(['csr-approve']);
    expect(cats({ apiGroups: ['admissionregistration.k8s.io'], resources: ['mutatingwebhookconfigurations'], verbs: ['update'] })).toEqual(['admission-write']);
    expect(cats({ apiGroups: ['admissionregistration.k8s.io'], resources: ['validatingadmissionpolicies'], verbs: ['list'] })).toEqual([]);
  });
  it('everything on everything hits every category', () => {
    expect(cats({ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }).length).toBe(9);
  });
});

describe('wildcards', () => {
  it('full and partial', () => {
    expect(wildcardOf(rule({ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }))?.full).toBe(true);
    expect(wildcardOf(rule({ apiGroups: ['*'], resources: ['*'], verbs: ['*'], resourceNames: ['x'] }))?.full).toBe(false);
    expect(wildcardOf(rule({ resources: ['configmaps'], verbs: ['get', '*'] }))?.fields).toEqual([{ field: 'verbs', index: 1 }]);
    expect(wildcardOf(rule({ apiGroups: [], nonResourceURLs: ['/*'], verbs: ['get'] }))?.fields).toEqual([{ field: 'nonResourceURLs', index: 0 }]);
    expect(wildcardOf(rule({ resources: ['pods'], verbs: ['get'] }))).toBeUndefined();
  });
});
