/**
 * Runs one `gateway/*` rule case (src/gateway/rule-cases.ts) through the same pure functions the
 * proxy uses, reporting through a Reporter with the rule under test enabled, and returns the findings.
 * Test-only; left out of the build.
 */
import type { Finding } from '../findings/index.js';
import type { RuleCase } from '../rules/index.js';
import { Reporter, createSelection } from '../rules/index.js';
import { evaluateRequest } from './evaluate.js';
import { upstreamPolicy } from './policy.js';
import type { GatewayRuleId, Refusal } from './refusal.js';
import { budgetRefusal, upstreamFailure } from './refusal.js';
import { GATEWAY_RULES, gatewayRule } from './rules.js';
import type { LeakRules } from './stream/index.js';
import { scanResponseBody } from './stream/index.js';
import { TenantDirectory, sha256Hex } from './tenants.js';

const UNLIMITED = { requestsPerSecond: 0, requestBurst: 0, tokensPerMinute: 0, maxConcurrent: 0, maxQueue: 0, queueTimeoutMs: 0 };
const POLICY = {
  upstreams: [upstreamPolicy({ name: 'vllm', url: 'http://127.0.0.1:8000', kind: 'openai' }), upstreamPolicy({ name: 'triton', url: 'http://127.0.0.1:8001', kind: 'kserve-v2', prefix: '/kserve' })],
  tenants: new TenantDirectory([{ name: 'team-a', keyHashes: [sha256Hex('key-a')] }], UNLIMITED),
};

export function runGatewayRuleCase(c: RuleCase, ruleId: string): Finding[] {
  const raw = c.files['case.json'];
  const text = typeof raw === 'string' ? raw : new TextDecoder().decode(typeof raw === 'function' ? raw() : raw);
  const data = JSON.parse(text) as Record<string, unknown>;
  const out: Finding[] = [];
  const reporter = new Reporter({ keep: false, selection: createSelection(GATEWAY_RULES, [{ selector: ruleId, setting: { enabled: true } }]), onFinding: (f) => out.push(f) });
  const at = (route: string, upstream = 'vllm') => ({ kind: 'gateway-request' as const, path: upstream, requestId: 'case', route });
  const refused = (r: Refusal, route: string): void => reporter.report(gatewayRule(r.rule), { location: { ...at(route), ...(r.param !== null && { param: r.param }) }, message: r.message });
  const request = data['request'] as { method: string; target: string; headers: Record<string, string>; body?: string } | undefined;
  if (request !== undefined) {
    const score = typeof data['screenScore'] === 'number' ? data['screenScore'] : undefined;
    const screen = score === undefined ? undefined : () => ({ score, hits: [], normalisation: { zeroWidth: 0, tagChars: 0, bidi: 0, confusables: 0 }, truncated: false });
    const e = evaluateRequest(POLICY, { method: request.method, target: request.target, headers: request.headers, ...(request.body !== undefined && { body: Buffer.from(request.body) }) }, screen === undefined ? {} : { screen });
    if (!e.ok) refused(e.refusal, `${request.method} ${request.target}`);
    else for (const f of e.checked.flags) reporter.report(gatewayRule(f.rule as GatewayRuleId), { location: at(e.routed.route.label), message: f.message });
  }
  const budget = data['budget'] as { reason: 'tokens'; retryAfterMs: number } | 'ok' | undefined;
  if (budget !== undefined && budget !== 'ok') refused(budgetRefusal('team-a', budget.reason, budget.retryAfterMs), 'POST /v1/chat/completions');
  const upstreamError = data['upstreamError'];
  if (typeof upstreamError === 'string') refused(upstreamFailure('vllm', upstreamError), 'POST /v1/chat/completions');
  if (data['response'] !== undefined) {
    const m = scanResponseBody(data['response'], data['leaks'] as LeakRules);
    if (m !== undefined) reporter.report(gatewayRule('gateway/response-leak'), { location: at('POST /v1/chat/completions'), message: `The response was withheld: it contained ${m.detail} (${m.kind}, choice ${m.choice}).` });
  }
  return out;
}
