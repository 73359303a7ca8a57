/**
 * Attack paths over one scan: build the graph (graph.ts), match every template (templates.ts) from
 * every model node, group the routes per (template, model) into one `path/*` finding, and compute the
 * smallest set of fixes that breaks them (cut.ts). Routes are bounded by `maxAttackPaths` per scan;
 * past it, a `scan/limit-exceeded` finding says the graph was not fully explored.
 */
import type { AttackEdge, AttackGraph, AttackNode, AttackPath, AttackPathFix, AttackPathStep, Finding } from '../findings/index.js';
import type { GraphFacts } from '../k8s-manifests/index.js';
import type { Reporter } from '../rules/index.js';
import { coreRules } from '../rules/index.js';
import { minimalCut } from './cut.js';
import type { Graph } from './graph.js';
import { buildGraph } from './graph.js';
import { PATH_RULES } from './rules.js';
import type { PathTemplate } from './templates.js';
import { PATH_TEMPLATES } from './templates.js';

export interface AttackPathInput {
  readonly facts: GraphFacts;
  readonly findings: readonly Finding[];
  readonly isCodeExecution: (ruleId: string) => boolean;
  readonly remediationOf: (ruleId: string) => string | undefined;
  /** Routes kept per scan (the limit `maxAttackPaths`). */
  readonly maxRoutes: number;
}

type Route = readonly AttackEdge[];

/** Every route of `t` from `source`, each a list of edges (mandatory stages, then the optional ones found). */
function routesOf(g: Graph, t: PathTemplate, source: string, budget: { left: number }): Route[] {
  const out: Route[] = [];
  const walk = (stage: number, nodes: readonly string[], edges: readonly AttackEdge[]): void => {
    if (budget.left <= 0) return;
    if (stage === t.stages.length) {
      out.push(edges);
      budget.left--;
      return;
    }
    const s = t.stages[stage] as (typeof t.stages)[number];
    const at = nodes[s.from ?? nodes.length - 1] as string;
    const next = (g.out.get(at) ?? []).filter((e) => s.edges.includes(e.kind) && !nodes.includes(e.to));
    if (s.optional === true) {
      // An optional stage adds its first step when there is one, and never multiplies routes.
      const e = next[0];
      walk(stage + 1, e === undefined ? nodes : [...nodes, e.to], e === undefined ? edges : [...edges, e]);
      return;
    }
    for (const e of next) walk(stage + 1, [...nodes, e.to], [...edges, e]);
  };
  walk(0, [source], []);
  return out;
}

function describeRoute(g: Graph, r: Route): string {
  const first = r[0];
  if (first === undefined) return '';
  const labels = [g.nodes.get(first.from)?.label ?? first.from];
  for (const e of r) labels.push(g.nodes.get(e.to)?.label ?? e.to);
  return labels.join(' → ');
}

/** Build the graph, report one `path/*` finding per template and model, and return the graph with its paths (undefined when empty). */
export function analyzeAttackPaths(input: AttackPathInput, reporter: Pick<Reporter, 'report' | 'enabled' | 'findings'>): AttackGraph | undefined {
  const g = buildGraph(input);
  if (g.models.length === 0 || g.edges.length === 0) return undefined;
  const paths: AttackPath[] = [];
  const budget = { left: input.maxRoutes };
  let truncated = false;
  for (const t of PATH_TEMPLATES) {
    const rule = PATH_RULES.find((r) => r.id === t.id);
    if (rule === undefined || !reporter.enabled(rule)) continue;
    for (const source of g.models) {
      const routes = routesOf(g, t, source, budget);
      if (budget.left <= 0) truncated = true;
      if (routes.length === 0) continue;
      const mandatory = t.stages.filter((s) => s.optional !== true).length;
      const cut = minimalCut(routes.map((r) => r.slice(0, mandatory).filter((e) => e.fix !== undefined).map((e) => e.id)));
      const byId = new Map(g.edges.map((e) => [e.id, e]));
      const fixOf = (id: string): AttackPathFix => {
        const e = byId.get(id) as AttackEdge;
        return { edge: id, fix: e.fix as string, findings: e.findings };
      };
      const fixes = cut.edges.map(fixOf);
      const alternatives = cut.alternatives.map((a) => a.map(fixOf));
      const model = g.nodes.get(source) as AttackNode;
      const first = routes[0] as Route;
      const more = routes.length > 1 ? ` (${routes.length} routes; first: ${describeRoute(g, first)})` : `: ${describeRoute(g, first)}`;
      const tail = first.slice(mandatory).map((e) => e.kind);
      const extra = tail.includes('egress') && t.id !== 'path/model-egress' ? '; egress is unrestricted, so what it reaches can leave the cluster' : '';
      const firstSentence = (x: string): string => /^(.*?[.!?])(\s|$)/s.exec(x)?.[1] ?? x;
      const others = alternatives.length > 1 ? ` Equally small alternatives: ${alternatives.slice(1).map((a) => a.map((f) => firstSentence(f.fix)).join(' + ')).join(' | ')}` : '';
      const fixText = fixes.length === 0 ? 'no single misconfiguration breaks it' : fixes.length === 1 ? `fix that breaks it: ${fixes[0]?.fix}${others}` : `fixes that together break every route: ${fixes.map((f, i) => `(${i + 1}) ${f.fix}`).join(' ')}${others}`;
      const before = reporter.findings.length;
      reporter.report(rule, {
        location: model.location ?? { kind: 'file', path: model.label },
        message: `${model.label} runs code when loaded and can ${t.goal}${more}${extra}. ${cut.exact ? 'Smallest' : 'Small (greedy)'} ${fixText}`,
        evidence: describeRoute(g, first),
        remediation: fixes.length === 0 ? rule.remediation : fixes.map((f) => f.fix).join(' '),
      });
      const kept = reporter.findings.length > before ? reporter.findings[reporter.findings.length - 1] : undefined;
      if (kept === undefined || kept.ruleId !== t.id) continue;
      const stepOf = (r: Route): AttackPathStep[] => {
        const steps: AttackPathStep[] = [];
        let i = 0;
        for (const e of r) {
          // Optional stages may be skipped: match each edge to the next stage that accepts its kind.
          while (i < t.stages.length && !(t.stages[i]?.edges.includes(e.kind) ?? false)) i++;
          steps.push({ edge: e.id, tactic: t.stages[i]?.tactic ?? '' });
          i++;
        }
        return steps;
      };
      paths.push({ ruleId: t.id, title: t.title, severity: kept.severity, finding: kept.fingerprint, routes: routes.map(stepOf), fixes, alternatives, cutExact: cut.exact });
    }
  }
  if (truncated) {
    const first = g.models[0] as string;
    reporter.report(coreRules.limitExceeded, {
      location: g.nodes.get(first)?.location ?? { kind: 'file', path: first },
      message: `attack-path search stopped at maxAttackPaths (${input.maxRoutes} routes); further routes were not explored`,
      evidence: 'maxAttackPaths',
    });
  }
  // Keep the part of the graph the paths use, plus every model (the report draws them).
  const used = new Set<string>();
  for (const p of paths) for (const r of p.routes) for (const s of r) used.add(s.edge);
  const edges = g.edges.filter((e) => used.has(e.id));
  const nodeIds = new Set<string>(g.models);
  for (const e of edges) {
    nodeIds.add(e.from);
    nodeIds.add(e.to);
  }
  if (paths.length === 0) return undefined;
  return { nodes: [...g.nodes.values()].filter((n) => nodeIds.has(n.id)), edges, paths };
}
