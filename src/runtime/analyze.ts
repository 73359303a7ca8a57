/**
 * The runtime dispatcher: `analyzeEvent` enriches one event from the pod list, runs every enabled
 * runtime rule's `check` on it, and lets each finding through the rate limiter and then the one
 * Reporter (whose `onFinding` is the sink). Pure apart from the clock it is given; no I/O.
 */
import type { Finding } from '../findings/index.js';
import type { ReportArgs, RuleSelection } from '../rules/index.js';
import { Reporter } from '../rules/index.js';
import type { RuntimeContext, RuntimeSubject } from './context.js';
import type { RuntimeEvent } from './model.js';
import { enrichContainer } from './pods.js';
import { RateLimiter } from './rate-limit.js';
import type { RateLimitOptions } from './rate-limit.js';
import { RUNTIME_RULES } from './rules.js';

/** The event with its container completed from the pod list, and the pod it belongs to. */
export function enrich(ev: RuntimeEvent, ctx: RuntimeContext): RuntimeSubject {
  const e = enrichContainer(ev.process.container, ctx.pods);
  const event: RuntimeEvent = e.container === undefined || e.container === ev.process.container ? ev : { ...ev, process: { ...ev.process, container: e.container } };
  return { event, ctx, ...(e.pod !== undefined && { pod: e.pod }), ...(e.spec !== undefined && { spec: e.spec }) };
}

export interface AnalyzerOptions {
  readonly ctx: RuntimeContext;
  readonly selection?: RuleSelection;
  /** Every finding that was kept (the sink). */
  readonly onFinding: (f: Finding, ev: RuntimeEvent) => void;
  readonly rateLimit: RateLimitOptions;
  /** Clock in milliseconds (tests pass their own). */
  readonly now?: () => number;
}

export interface AnalyzerStats {
  events: number;
  findings: number;
  readonly byRule: Map<string, number>;
}

export class RuntimeAnalyzer {
  readonly limiter: RateLimiter;
  readonly stats: AnalyzerStats = { events: 0, findings: 0, byRule: new Map() };
  private ctxValue: RuntimeContext;

  constructor(private readonly o: AnalyzerOptions) {
    this.limiter = new RateLimiter(o.rateLimit);
    this.ctxValue = o.ctx;
  }

  get ctx(): RuntimeContext {
    return this.ctxValue;
  }

  /** Replace the context (a new pod list arrived). */
  setContext(ctx: RuntimeContext): void {
    this.ctxValue = ctx;
  }

  /** Judge one event; returns the findings it produced (after rate limiting). */
  analyze(ev: RuntimeEvent): Finding[] {
    this.stats.events++;
    const subject = enrich(ev, this.ctxValue);
    const out: Finding[] = [];
    // One Reporter per event: a stream never ends, so no Reporter may accumulate findings forever.
    const reporter = new Reporter({
      ...(this.o.selection !== undefined && { selection: this.o.selection }),
      onFinding: (f) => {
        out.push(f);
        this.stats.findings++;
        this.stats.byRule.set(f.ruleId, (this.stats.byRule.get(f.ruleId) ?? 0) + 1);
        this.o.onFinding(f, subject.event);
      },
    });
    const now = this.o.now ?? Date.now;
    for (const rule of RUNTIME_RULES) {
      if (!reporter.enabled(rule)) continue;
      const check = rule.check;
      if (check === undefined) continue;
      check(subject, (args: ReportArgs) => {
        const loc = args.location;
        const key = `${rule.id}\0${args.message}\0${loc.kind === 'process' ? `${loc.containerId ?? ''}\0${loc.exe ?? ''}` : loc.path}`;
        const d = this.limiter.decide(key, now());
        if (!d.emit) return;
        const evidence = d.heldBack > 0 ? `${args.evidence ?? ''}; ${d.heldBack} repeats of this alert were held back by rate limiting` : args.evidence;
        reporter.report(rule, { ...args, ...(evidence !== undefined && { evidence }) });
      });
    }
    return out;
  }
}
