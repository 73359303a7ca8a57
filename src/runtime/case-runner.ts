/**
 * Runs one runtime rule case (src/runtime/rule-cases.ts) through the analyzer the agent uses, with the
 * rule under test enabled whatever its maturity, and returns every finding of that case (each one left
 * through the one Reporter). Test-only; left out of the build.
 */
import type { Finding } from '../findings/index.js';
import type { RuleCase } from '../rules/index.js';
import { createSelection } from '../rules/index.js';
import { RuntimeAnalyzer } from './analyze.js';
import { DETECTION_DATA } from './detection-data.js';
import { runtimeEventFromJson } from './event-json.js';
import { compileData } from './match.js';
import { NO_PODS, podIndexFromJson } from './pods.js';
import { RUNTIME_RULES } from './rules.js';

function text(v: RuleCase['files'][string] | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v;
  return new TextDecoder().decode(typeof v === 'function' ? v() : v);
}

export function runRuntimeRuleCase(c: RuleCase, ruleId: string): Finding[] {
  const data = compileData(DETECTION_DATA);
  const podsText = text(c.files['pods.json']);
  const pods = podsText === undefined ? NO_PODS : podIndexFromJson(JSON.parse(podsText), { gpuResource: data.gpuResource, inferenceImages: DETECTION_DATA.inferenceImages, maxPods: 10_000 });
  const apiServers = Array.isArray(c.options?.['apiServers']) ? (c.options['apiServers'] as unknown[]).filter((x): x is string => typeof x === 'string') : [];
  const out: Finding[] = [];
  const analyzer = new RuntimeAnalyzer({
    ctx: { data, pods, apiServers },
    selection: createSelection(RUNTIME_RULES, [{ selector: ruleId, setting: { enabled: true } }]),
    onFinding: (f) => out.push(f),
    rateLimit: { windowMs: 0, maxKeys: 1 },
  });
  for (const line of (text(c.files['events.ndjson']) ?? '').split('\n')) {
    if (line.trim() === '') continue;
    const r = runtimeEventFromJson(JSON.parse(line), 'case');
    if (!r.ok) throw new Error(`case ${c.name}: ${r.reason}`);
    analyzer.analyze(r.event);
  }
  return out;
}
