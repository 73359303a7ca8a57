import pc from 'picocolors';
import type { Finding, Location, RuleDescriptor, ScanReport, Severity, TargetResult } from '../findings/index.js';
import { SEVERITIES, atLeast, compareFindings, formatLocation, maxOf } from '../findings/index.js';
import { sanitizeText } from './sanitize.js';

export interface TextOptions {
  readonly color: boolean;
  /** Only findings at or above `failOn` and no banner; nothing at all when there are none. */
  readonly quiet: boolean;
  /** The `--fail-on` threshold, for the verdict line; `none` never fails. */
  readonly failOn: Severity | 'none';
  /**
   * `compact` (default): one line per finding (severity, rule, where, message). `explain`: also the
   * evidence, controls, field path, and the rule's why and fix under each finding. `summary`: counts by
   * severity, rule and file, no finding list.
   */
  readonly mode?: 'compact' | 'explain' | 'summary';
  /** Unrecognised files listed by name in the footer, at most (default 10). */
  readonly maxUnrecognisedShown?: number;
}

type Paint = (s: string) => string;

function painter(color: boolean): Record<'dim' | 'bold' | 'red' | 'yellow' | 'cyan' | 'green' | 'magenta' | 'blue', Paint> {
  const c = pc.createColors(color === true); // never the library's default: it turns colours on when CI is set
  return { dim: c.dim, bold: c.bold, red: c.red, yellow: c.yellow, cyan: c.cyan, green: c.green, magenta: c.magenta, blue: c.blue };
}

const LABEL: Record<Severity, string> = {
  critical: 'CRITICAL',
  high: 'HIGH',
  medium: 'MEDIUM',
  low: 'LOW',
  info: 'INFO',
};

/** Where inside the file, short: line:col and object for manifests, member and offset for archives. */
function where(loc: Location): string {
  switch (loc.kind) {
    case 'file':
      return loc.line === undefined ? '' : `${loc.line}${loc.column === undefined ? '' : `:${loc.column}`}`;
    case 'archive-member':
      return `${loc.member}${loc.offset === undefined ? '' : ` @ byte ${loc.offset}`}`;
    case 'byte-range':
      return `byte ${loc.offset}${loc.length > 0 ? `..${loc.offset + loc.length}` : ''}`;
    case 'k8s-object':
      return `${loc.line}:${loc.column} ${loc.objectKind}/${loc.namespace === undefined ? '' : `${loc.namespace}/`}${loc.name}`;
    case 'admission-request':
    case 'audit-event':
    case 'process':
    case 'gateway-request':
    case 'image-layer': {
      const full = formatLocation(loc);
      return full.startsWith(`${loc.path} `) ? full.slice(loc.path.length + 1) : full;
    }
  }
}

/** The field a Kubernetes finding is about (shown by --explain; compact lines keep to the object). */
function fieldOf(loc: Location): string | undefined {
  if (loc.kind === 'k8s-object') return loc.fieldPath === '' ? undefined : loc.fieldPath;
  if (loc.kind === 'admission-request' || loc.kind === 'audit-event') return loc.fieldPath;
  return undefined;
}

function firstSentence(s: string): string {
  const m = /^(.*?[.!?])(\s|$)/s.exec(s);
  return (m?.[1] ?? s).trim();
}

/** One line: control characters escaped (sanitizeText turns newlines into `\n`). */
function line(s: string): string {
  return sanitizeText(s);
}

export function renderText(report: ScanReport, opts: TextOptions): string {
  const p = painter(opts.color);
  const sev: Record<Severity, Paint> = {
    critical: (s) => p.bold(p.red(s)),
    high: p.red,
    medium: p.yellow,
    low: p.cyan,
    info: p.dim,
  };
  const mode = opts.mode ?? 'compact';
  const rules = new Map<string, RuleDescriptor>(report.rules.map((r) => [r.id, r]));
  const visible = (f: Finding): boolean => !opts.quiet || (!f.suppressed && opts.failOn !== 'none' && atLeast(f.severity, opts.failOn));
  const shown = [...report.findings].filter(visible).sort(compareFindings);
  const out: string[] = [];

  if (!opts.quiet) {
    const t = report.summary.targets;
    out.push(
      p.bold(`${report.tool.name} ${report.tool.version}`) +
        p.dim(` \u2014 ${report.targets.length} target${report.targets.length === 1 ? '' : 's'} scanned (${t.complete} complete, ${t.partial} partial, ${t.unsupported} not a recognised format)`),
      '',
    );
  }

  if (mode === 'summary') {
    if (!opts.quiet) renderSummary(out, report, shown, p, sev);
  } else {
    const byPath = new Map<string, Finding[]>();
    for (const f of shown) {
      const list = byPath.get(f.location.path);
      if (list) list.push(f);
      else byPath.set(f.location.path, [f]);
    }
    const targets = new Map<string, TargetResult>(report.targets.map((t) => [t.path, t]));
    for (const [path, findings] of byPath) {
      const t = targets.get(path);
      const meta = t ? p.dim(` (${t.format}${t.status === 'complete' ? '' : `, ${t.status}`})`) : '';
      out.push(p.bold(p.blue(line(path))) + meta);
      const ruleWidth = Math.min(40, maxOf(findings.map((f) => f.ruleId.length)));
      for (const f of findings) {
        const label = sev[f.severity](LABEL[f.severity].padEnd(8));
        const loc = where(f.location);
        const suppressed = f.suppressed ? p.dim(` [suppressed: ${line(f.suppressed.reason)}]`) : '';
        if (mode === 'compact') {
          out.push(`  ${label} ${p.bold(f.ruleId.padEnd(ruleWidth))}  ${loc ? `${p.dim(line(loc))}  ` : ''}${line(f.message)}${suppressed}`);
          continue;
        }
        out.push(`  ${label} ${p.bold(f.ruleId)}${loc ? `  ${p.dim(line(loc))}` : ''}${suppressed}`);
        out.push(`           ${line(f.message)}`);
        const field = fieldOf(f.location);
        if (field !== undefined) out.push(`           ${p.dim('field:')} ${line(field)}`);
        if (f.evidence !== undefined && !f.message.includes(f.evidence)) out.push(`           ${p.dim('evidence:')} ${line(f.evidence)}`);
        if (f.controls && f.controls.length > 0) out.push(`           ${p.dim('controls:')} ${f.controls.map(line).join(', ')}`);
        const rule = rules.get(f.ruleId);
        if (rule && !f.suppressed) {
          out.push(`           ${p.dim('why:')} ${firstSentence(rule.description)}`);
          out.push(`           ${p.dim('fix:')} ${line(f.remediation ?? rule.remediation)}`);
        }
      }
      out.push('');
    }
  }

  const s = report.summary;
  const failing = opts.failOn === 'none' ? 0 : report.findings.filter((f) => !f.suppressed && atLeast(f.severity, opts.failOn as Severity)).length;
  if (opts.quiet) {
    return out.length === 0 ? '' : `${out.join('\n')}\n`;
  }
  const counts = SEVERITIES.map((k) => {
    const n = s.bySeverity[k];
    return n > 0 ? sev[k](`${n} ${k}`) : p.dim(`${n} ${k}`);
  }).join(', ');
  out.push(`${p.bold('Findings:')} ${counts}${s.suppressed > 0 ? p.dim(` (${s.suppressed} suppressed)`) : ''}`);
  const partial = report.targets.filter((x) => x.status === 'partial');
  if (partial.length > 0) {
    out.push(p.yellow(`Not fully analysed: ${partial.map((x) => line(x.path)).join(', ')}`));
  }
  const unsupported = report.targets.filter((x) => x.status === 'unsupported');
  if (unsupported.length > 0) {
    const max = opts.maxUnrecognisedShown ?? 10;
    const names = unsupported.slice(0, max).map((x) => line(x.path));
    const more = unsupported.length > max ? ` and ${unsupported.length - max} more (--format json lists them)` : '';
    out.push(p.dim(`Not a recognised format (not analysed): ${names.join(', ')}${more}`));
  }
  if (mode === 'compact' && shown.length > 0) out.push(p.dim('Run with --explain for the evidence, why and fix of each finding, or `bulwark explain RULE`.'));
  if (opts.failOn === 'none') out.push(p.dim('Result: not gated (--fail-on none)'));
  else if (failing > 0) out.push(p.bold(p.red(`Result: FAIL \u2014 ${failing} finding${failing === 1 ? '' : 's'} at or above ${opts.failOn}`)));
  else out.push(p.bold(p.green(`Result: PASS \u2014 nothing at or above ${opts.failOn}`)));
  return `${out.join('\n')}\n`;
}

/** `--summary`: one screen — counts by severity, the rules and files with the most findings. */
function renderSummary(out: string[], report: ScanReport, shown: readonly Finding[], p: ReturnType<typeof painter>, sev: Record<Severity, Paint>): void {
  const live = shown.filter((f) => !f.suppressed);
  const byRule = new Map<string, { n: number; worst: Severity }>();
  const byFile = new Map<string, { n: number; worst: Severity }>();
  const bump = (m: Map<string, { n: number; worst: Severity }>, k: string, s: Severity): void => {
    const e = m.get(k);
    if (e === undefined) m.set(k, { n: 1, worst: s });
    else {
      e.n++;
      if (atLeast(s, e.worst)) e.worst = s;
    }
  };
  for (const f of live) {
    bump(byRule, f.ruleId, f.severity);
    bump(byFile, f.location.path, f.severity);
  }
  const rank = (a: [string, { n: number; worst: Severity }], b: [string, { n: number; worst: Severity }]): number =>
    SEVERITIES.indexOf(a[1].worst) - SEVERITIES.indexOf(b[1].worst) || b[1].n - a[1].n || (a[0] < b[0] ? -1 : 1);
  const titles = new Map(report.rules.map((r) => [r.id, r.title]));
  const TOP = 12;
  out.push(p.bold('Rules'));
  const rules = [...byRule].sort(rank);
  const width = Math.min(40, maxOf([4, ...rules.slice(0, TOP).map(([id]) => id.length)]));
  for (const [id, e] of rules.slice(0, TOP)) out.push(`  ${sev[e.worst](LABEL[e.worst].padEnd(8))} ${String(e.n).padStart(5)}  ${id.padEnd(width)}  ${p.dim(titles.get(id) ?? '')}`);
  if (rules.length > TOP) out.push(p.dim(`  … and ${rules.length - TOP} more rules`));
  out.push('', p.bold('Files'));
  const files = [...byFile].sort(rank);
  for (const [path, e] of files.slice(0, TOP)) out.push(`  ${sev[e.worst](LABEL[e.worst].padEnd(8))} ${String(e.n).padStart(5)}  ${line(path)}`);
  if (files.length > TOP) out.push(p.dim(`  … and ${files.length - TOP} more files`));
  out.push('');
  const paths = report.attackPaths?.paths ?? [];
  if (paths.length > 0) {
    const byFp = new Map(shown.map((f) => [f.fingerprint, f]));
    out.push(p.bold('Attack paths'));
    for (const ap of paths.slice(0, TOP)) {
      const f = byFp.get(ap.finding);
      if (f === undefined) continue;
      out.push(`  ${sev[ap.severity](LABEL[ap.severity].padEnd(8))} ${ap.ruleId}  ${line(f.evidence ?? f.location.path)}${ap.routes.length > 1 ? p.dim(` (+${ap.routes.length - 1} routes)`) : ''}`);
      for (const fix of ap.fixes) out.push(`           ${p.dim('break it:')} ${line(fix.fix)}`);
    }
    if (paths.length > TOP) out.push(p.dim(`  … and ${paths.length - TOP} more paths`));
    out.push('');
  }
}
