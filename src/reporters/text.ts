import pc from 'picocolors';
import type { Finding, Location, RuleDescriptor, ScanReport, Severity, TargetResult } from '../findings/index.js';
import { SEVERITIES, atLeast, compareFindings, formatLocation } from '../findings/index.js';
import { sanitizeText } from './sanitize.js';

export interface TextOptions {
  readonly color: boolean;
  /** Only findings at or above `failOn` and no banner; nothing at all when there are none. */
  readonly quiet: boolean;
  /** The `--fail-on` threshold, for the verdict line; `none` never fails. */
  readonly failOn: Severity | 'none';
  /** Show rule descriptions ("why") and remediation ("fix") under each finding (default true). */
  readonly explain?: boolean;
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

/** Where inside the file: line:col for manifests, member and offset for archives, byte offsets. */
function where(loc: Location): string {
  switch (loc.kind) {
    case 'file':
      return loc.line === undefined ? '' : `${loc.line}${loc.column === undefined ? '' : `:${loc.column}`}`;
    case 'archive-member':
      return `${loc.member}${loc.offset === undefined ? '' : ` @ byte ${loc.offset}`}`;
    case 'byte-range':
      return `byte ${loc.offset}${loc.length > 0 ? `..${loc.offset + loc.length}` : ''}`;
    case 'k8s-object':
      return `${loc.line}:${loc.column} ${loc.objectKind}/${loc.namespace === undefined ? '' : `${loc.namespace}/`}${loc.name} ${loc.fieldPath}`;
    case 'admission-request':
    case 'audit-event':
    case 'process':
    case 'image-layer': {
      const full = formatLocation(loc);
      return full.startsWith(`${loc.path} `) ? full.slice(loc.path.length + 1) : full;
    }
  }
}

function firstSentence(s: string): string {
  const m = /^(.*?[.!?])(\s|$)/s.exec(s);
  return (m?.[1] ?? s).trim();
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
  const rules = new Map<string, RuleDescriptor>(report.rules.map((r) => [r.id, r]));
  const explain = opts.explain ?? true;
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
    out.push(p.bold(p.blue(sanitizeText(path))) + meta);
    for (const f of findings) {
      const label = sev[f.severity](LABEL[f.severity].padEnd(8));
      const loc = where(f.location);
      const suppressed = f.suppressed ? p.dim(` [suppressed: ${sanitizeText(f.suppressed.reason)}]`) : '';
      out.push(`  ${label} ${p.bold(f.ruleId)}${loc ? `  ${p.dim(sanitizeText(loc))}` : ''}${suppressed}`);
      out.push(`           ${sanitizeText(f.message)}`);
      if (f.evidence !== undefined && !f.message.includes(f.evidence)) out.push(`           ${p.dim('evidence:')} ${sanitizeText(f.evidence)}`);
      if (f.controls && f.controls.length > 0) out.push(`           ${p.dim('controls:')} ${f.controls.map(sanitizeText).join(', ')}`);
      const rule = rules.get(f.ruleId);
      if (explain && rule && !f.suppressed) {
        out.push(`           ${p.dim('why:')} ${firstSentence(rule.description)}`);
        out.push(`           ${p.dim('fix:')} ${sanitizeText(f.remediation ?? rule.remediation)}`);
      }
    }
    out.push('');
  }

  const s = report.summary;
  const failing = opts.failOn === 'none' ? 0 : report.findings.filter((f) => !f.suppressed && atLeast(f.severity, opts.failOn as Severity)).length;
  if (opts.quiet) {
    return out.join('\n');
  }
  const counts = SEVERITIES.map((k) => {
    const n = s.bySeverity[k];
    return n > 0 ? sev[k](`${n} ${k}`) : p.dim(`${n} ${k}`);
  }).join(', ');
  out.push(`${p.bold('Findings:')} ${counts}${s.suppressed > 0 ? p.dim(` (${s.suppressed} suppressed)`) : ''}`);
  const partial = report.targets.filter((x) => x.status === 'partial');
  if (partial.length > 0) {
    out.push(p.yellow(`Not fully analysed: ${partial.map((x) => sanitizeText(x.path)).join(', ')}`));
  }
  if (opts.failOn === 'none') out.push(p.dim('Result: not gated (--fail-on none)'));
  else if (failing > 0) out.push(p.bold(p.red(`Result: FAIL \u2014 ${failing} finding${failing === 1 ? '' : 's'} at or above ${opts.failOn}`)));
  else out.push(p.bold(p.green(`Result: PASS \u2014 nothing at or above ${opts.failOn}`)));
  return `${out.join('\n')}\n`;
}
