/**
 * Strings from scanned content (zip names, pickle globals, YAML values) are data. Before they reach a
 * terminal, control characters, ANSI escapes and bidirectional overrides (Trojan Source) are replaced
 * by visible escapes, so a hostile file cannot rewrite the report on screen.
 */
// C0 controls except none, DEL, C1 controls, bidi embeddings/overrides/isolates, LRM/RLM/ALM,
// zero-width characters, line/paragraph separators.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/gu;

export function sanitizeText(s: string): string {
  return s.replace(UNSAFE, (c) => {
    const code = c.codePointAt(0) ?? 0;
    if (c === '\n') return '\\n';
    if (c === '\t') return '\\t';
    if (c === '\r') return '\\r';
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
