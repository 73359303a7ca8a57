import { createHash } from 'node:crypto';
import type { Location } from './location.js';
import { locationIdentity } from './location.js';
import type { Severity } from './severity.js';
import { compareSeverity } from './severity.js';

export interface Suppression {
  /** Why the finding is accepted, as the person who suppressed it wrote it. */
  readonly reason: string;
  /** Where the suppression came from, e.g. `annotation bulwark.dev/suppress` or a config file. */
  readonly source: string;
}

export interface Finding {
  readonly ruleId: string;
  readonly severity: Severity;
  readonly message: string;
  readonly location: Location;
  /** External controls this finding evidences: `pss:runAsNonRoot`, later CIS or MITRE ids. */
  readonly controls?: readonly string[];
  /** Short machine-extracted evidence, e.g. a readable call chain `os.system("id")`. */
  readonly evidence?: string;
  /** Finding-specific remediation; the rule's remediation applies when absent. */
  readonly remediation?: string;
  /** Present when a suppression applied: the finding is reported but does not count for --fail-on. */
  readonly suppressed?: Suppression;
  /**
   * When the finding happened (RFC 3339), for findings from events and requests (audit, runtime,
   * admission); absent for static analysis, whose findings are facts about content, not moments.
   */
  readonly time?: string;
  /** What produced the event behind the finding: `audit-webhook`, `falco`, `tetragon`, `proc`, `admission`. */
  readonly source?: string;
  /** Stable identity across runs (rule, location identity, evidence). */
  readonly fingerprint: string;
}

export type FindingInput = Omit<Finding, 'fingerprint'> & { readonly fingerprint?: string };

export function fingerprintOf(f: Pick<Finding, 'ruleId' | 'location' | 'evidence' | 'message'>): string {
  return createHash('sha256')
    .update(`${f.ruleId}\0${locationIdentity(f.location)}\0${f.evidence ?? f.message}`)
    .digest('hex')
    .slice(0, 32);
}

export function makeFinding(input: FindingInput): Finding {
  return { ...input, fingerprint: input.fingerprint ?? fingerprintOf(input) };
}

/** Deterministic order: path, then severity (most severe first), then rule id, then message. */
export function compareFindings(a: Finding, b: Finding): number {
  if (a.location.path !== b.location.path) return a.location.path < b.location.path ? -1 : 1;
  const s = compareSeverity(a.severity, b.severity);
  if (s !== 0) return s;
  const la = lineOf(a);
  const lb = lineOf(b);
  if (la !== lb) return la - lb;
  if (a.ruleId !== b.ruleId) return a.ruleId < b.ruleId ? -1 : 1;
  return a.message < b.message ? -1 : a.message > b.message ? 1 : 0;
}

function lineOf(f: Finding): number {
  const l = f.location;
  switch (l.kind) {
    case 'k8s-object':
      return l.line;
    case 'file':
    case 'image-layer':
    case 'audit-event':
      return l.line ?? 0;
    case 'byte-range':
      return l.offset;
    case 'archive-member':
      return l.offset ?? 0;
    case 'admission-request':
    case 'process':
    case 'gateway-request':
      return 0;
  }
}
