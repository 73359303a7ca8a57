import fc from 'fast-check';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { scan, scanOptions } from '../engine/index.js';
import { EXACT_CUT_MAX_EDGES, minimalCut } from './cut.js';
import { modelNames, referenceSegments } from './graph.js';
import { evilPickle, job } from './rule-cases.js';

const hits = (cut: readonly string[], routes: readonly (readonly string[])[]): boolean => routes.filter((r) => r.length > 0).every((r) => r.some((e) => cut.includes(e)));

describe('minimal cut', () => {
  it('one route: one step, the one nearest the target first; every single step is an alternative', () => {
    const c = minimalCut([['model', 'token', 'grant']]);
    expect(c).toMatchObject({ edges: ['grant'], exact: true, unbreakable: 0 });
    expect(c.alternatives).toEqual([['grant'], ['token'], ['model']]);
  });
  it('two routes sharing a step: that step alone', () => {
    expect(minimalCut([['m', 'w1', 's'], ['m', 'w2', 's2']]).edges).toEqual(['m']);
    expect(minimalCut([['a', 'x'], ['b', 'x'], ['c', 'y']]).edges.length).toBe(2);
  });
  it('routes with no fixable step are counted, not cut', () => {
    expect(minimalCut([[], ['a']])).toMatchObject({ edges: ['a'], unbreakable: 1 });
  });
  it('exact cuts are minimum (brute force) and every cut breaks every route', () => {
    const edge = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g');
    fc.assert(
      fc.property(fc.array(fc.uniqueArray(edge, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 6 }), (routes) => {
        const c = minimalCut(routes);
        expect(c.exact).toBe(true);
        expect(hits(c.edges, routes)).toBe(true);
        for (const alt of c.alternatives) expect(hits(alt, routes) && alt.length === c.edges.length).toBe(true);
        // No smaller set works.
        const all = [...new Set(routes.flat())];
        for (let mask = 0; mask < 1 << all.length; mask++) {
          const set = all.filter((_, i) => (mask & (1 << i)) !== 0);
          if (set.length < c.edges.length) expect(hits(set, routes)).toBe(false);
        }
      }),
    );
  });
  it(`above ${EXACT_CUT_MAX_EDGES} distinct steps: greedy, still breaks every route`, () => {
    const routes = Array.from({ length: 40 }, (_, i) => [`s${i}`, `shared${i % 3}`]);
    const c = minimalCut(routes);
    expect(c.exact).toBe(false);
    expect([...c.edges].sort()).toEqual(['shared0', 'shared1', 'shared2']);
  });
});

describe('model references', () => {
  it('match by folder name, hub id and hub cache, never by generic names', () => {
    const names = modelNames('models/evil-llm', ['models/evil-llm/pytorch_model.bin']);
    expect([...names].sort()).toEqual(['evil-llm', 'pytorch_model.bin']);
    expect(referenceSegments('/models/evil-llm').has('evil-llm')).toBe(true);
    expect(referenceSegments('acme/evil-llm').has('evil-llm')).toBe(true);
    expect(referenceSegments('--model=/cache/models--acme--evil-llm/snapshots/x').has('evil-llm')).toBe(true);
    expect(modelNames('models', ['models/model.pt']).has('models')).toBe(false);
  });
});

describe('attack paths in a scan', () => {
  const work = mkdtempSync(join(tmpdir(), 'bulwark-paths-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const write = (dir: string, files: Record<string, string | Uint8Array>): string => {
    for (const [rel, c] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, rel)), { recursive: true });
      writeFileSync(join(dir, rel), c);
    }
    return dir;
  };
  const rbac = (verbs: string, resources: string) =>
    `apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r, namespace: ml}\nrules:\n- {apiGroups: [""], resources: [${resources}], verbs: [${verbs}]}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: b, namespace: ml}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}\nsubjects:\n- {kind: ServiceAccount, name: default, namespace: ml}\n`;

  it('the report carries the graph, the routes, the fixes and the path finding', async () => {
    const dir = write(join(work, 'a'), { 'models/evil-llm/model.pkl': evilPickle(), 'k8s/job.yaml': job('evil-llm'), 'k8s/rbac.yaml': rbac('get', 'secrets') });
    const report = await scan({ paths: [dir] }, scanOptions({ jobs: 1 }));
    const finding = report.findings.find((f) => f.ruleId === 'path/model-to-secrets');
    expect(finding?.location.path).toBe(join(dir, 'models/evil-llm'));
    const g = report.attackPaths;
    expect(g).toBeDefined();
    const p = g?.paths.find((x) => x.ruleId === 'path/model-to-secrets');
    expect(p?.finding).toBe(finding?.fingerprint);
    expect(p?.cutExact).toBe(true);
    const kinds = p?.routes[0]?.map((s) => g?.edges.find((e) => e.id === s.edge)?.kind);
    expect(kinds).toEqual(['runs-code-in', 'runs-as', 'reads-secrets']);
    expect(p?.routes[0]?.map((s) => s.tactic)).toEqual(['code execution', 'credential access', 'credential access']);
    // The chosen fix is the grant (nearest the Secrets); the token and the model are the alternatives.
    expect(p?.fixes.map((f) => g?.edges.find((e) => e.id === f.edge)?.kind)).toEqual(['reads-secrets']);
    expect(p?.alternatives).toHaveLength(3);
    // Every step's findings are findings of the report.
    const fps = new Set(report.findings.map((f) => f.fingerprint));
    for (const e of g?.edges ?? []) for (const fp of e.findings) expect(fps.has(fp)).toBe(true);
    expect(report.rules.some((r) => r.id === 'path/model-to-secrets')).toBe(true);
  });

  it('disabling a path rule drops its finding and its path', async () => {
    const dir = write(join(work, 'b'), { 'models/evil-llm/model.pkl': evilPickle(), 'k8s/job.yaml': job('evil-llm'), 'k8s/rbac.yaml': rbac('get', 'secrets') });
    const report = await scan({ paths: [dir] }, scanOptions({ jobs: 1, rules: [{ selector: 'path/*', setting: { enabled: false } }] }));
    expect(report.findings.some((f) => f.ruleId.startsWith('path/'))).toBe(false);
    expect(report.attackPaths).toBeUndefined();
  });

  it('a scan without models or workloads has no attack graph', async () => {
    const dir = write(join(work, 'c'), { 'k8s/job.yaml': job('evil-llm') });
    expect((await scan({ paths: [dir] }, scanOptions({ jobs: 1 }))).attackPaths).toBeUndefined();
  });

  it('bounded: maxAttackPaths stops the search with a limit finding', async () => {
    const jobs = Array.from({ length: 5 }, (_, i) => job('evil-llm').replace('name: train', `name: train${i}`)).join('---\n');
    const dir = write(join(work, 'd'), { 'models/evil-llm/model.pkl': evilPickle(), 'k8s/job.yaml': jobs, 'k8s/rbac.yaml': rbac('get', 'secrets') });
    const report = await scan({ paths: [dir] }, scanOptions({ jobs: 1, limits: { maxAttackPaths: 2 } }));
    expect(report.findings.some((f) => f.ruleId === 'scan/limit-exceeded' && f.evidence === 'maxAttackPaths')).toBe(true);
  });
});
