/**
 * Texts of an admission response: denial messages (one line per failed check: rule, field, what is
 * wrong, the fix), warnings and audit annotations, within what the API server accepts.
 *
 * API-server limits (k8s.io/apiserver `pkg/endpoints/filters/warning.go`): a warning longer than 256
 * runes is truncated and the warnings of one response are cut at 4 Ki runes in total; warnings with
 * control characters are dropped. These are protocol limits, not resource limits of Bulwark, so they
 * are constants here rather than rows of limits.ts.
 */
import type { Finding } from '../findings/index.js';

/** Longest warning the API server passes on unchanged (runes). */
export const MAX_WARNING_CHARS = 256;
/** Total warning text the API server keeps per response (runes). */
export const MAX_WARNINGS_TOTAL_CHARS = 4 * 1024;
/** Longest audit annotation value written (the audit log is not the place for whole reports). */
export const MAX_AUDIT_ANNOTATION_CHARS = 4 * 1024;
/** Failed checks listed in one denial message; the rest are counted in a last line. */
export const MAX_DENIAL_LINES = 50;
/** Findings formatted as warnings at most (4 Ki runes hold fewer than this many useful lines). */
export const MAX_WARNING_LINES = 64;
/** Failed checks named in the audit-violations annotation. */
export const MAX_AUDIT_ITEMS = 100;
/** Longest "fix" text quoted per line (the rule's remediation, first sentence). */
const MAX_FIX_CHARS = 200;

// C0/C1 controls, DEL, and the Unicode bidi/format characters that can disguise text in a terminal.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;

/** Text safe for a response (no control or bidi characters). */
export function sanitize(s: string): string {
  return s.replace(UNSAFE, '?');
}

/** Cut `s` to `max` characters (code points), ending with `…` when cut. */
export function clip(s: string, max: number): string {
  if (s.length <= max) return s;
  // Cut by UTF-16 units, then step back from a split surrogate pair (fewer code points than units is fine).
  let end = max - 1;
  const c = s.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return `${s.slice(0, end)}…`;
}

const sentences = new Map<string, string>();

/** The first sentence of a remediation, bounded (remediations are rule metadata: cached). */
export function firstSentence(text: string): string {
  let out = sentences.get(text);
  if (out === undefined) {
    const m = /^(.*?[.!?])(?:\s|$)/s.exec(text);
    out = clip((m?.[1] ?? text).replace(/\s+/g, ' ').trim(), MAX_FIX_CHARS);
    if (sentences.size < 4096) sentences.set(text, out);
  }
  return out;
}

/** The field a finding points at (`spec.containers[0].image`), or `` when it has none. */
export function fieldOf(f: Finding): string {
  const loc = f.location;
  return loc.kind === 'admission-request' || loc.kind === 'audit-event' ? (loc.fieldPath ?? '') : loc.kind === 'k8s-object' ? loc.fieldPath : '';
}

/** One line per failed check: `k8s/pss-privileged spec.containers[0].securityContext.privileged: container "app" is privileged …; fix: Remove …` */
export function findingLine(f: Finding, remediation: (ruleId: string) => string | undefined): string {
  const field = fieldOf(f);
  const fix = f.remediation ?? remediation(f.ruleId);
  return sanitize(`${f.ruleId}${field === '' ? '' : ` ${field}`}: ${f.message}${fix === undefined || fix === '' ? '' : `; fix: ${firstSentence(fix)}`}`);
}

/** The denial message: a header line, then one line per failed check (at most MAX_DENIAL_LINES). */
export function denialMessage(header: string, lines: readonly string[], total = lines.length): string {
  const shown = lines.slice(0, MAX_DENIAL_LINES).map((l) => `- ${l}`);
  if (total > shown.length) shown.push(`- … and ${total - shown.length} more (run \`bulwark admission review\` on the object for all of them)`);
  return `${sanitize(header)}\n${shown.join('\n')}`;
}

/**
 * Warnings from lines: each within MAX_WARNING_CHARS, all within MAX_WARNINGS_TOTAL_CHARS (the last
 * one says how many were left out). `prefix` starts every warning (`would violate "restricted:latest": `).
 */
export function boundedWarnings(prefix: string, lines: readonly string[], existing: readonly string[] = [], total = lines.length): string[] {
  const out = [...existing];
  let used = out.reduce((n, w) => n + w.length, 0);
  const tailReserve = 80;
  for (let i = 0; i < lines.length; i++) {
    const w = clip(sanitize(`${prefix}${lines[i] ?? ''}`), MAX_WARNING_CHARS);
    if (used + w.length > MAX_WARNINGS_TOTAL_CHARS - tailReserve) {
      out.push(`${total - i} more warnings left out (API server limit); run \`bulwark admission review\` for all`);
      return out;
    }
    out.push(w);
    used += w.length;
  }
  if (total > lines.length) out.push(`${total - lines.length} more warnings left out; run \`bulwark admission review\` for all`);
  return out;
}

/** An audit annotation value within MAX_AUDIT_ANNOTATION_CHARS. */
export function auditValue(s: string): string {
  return clip(sanitize(s), MAX_AUDIT_ANNOTATION_CHARS);
}
