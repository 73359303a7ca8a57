/** Make a string from scanned content safe to quote in a message: bounded, control characters escaped. */
export function quote(s: string, max = 200): string {
  const cut = s.length > max ? `${s.slice(0, max)}…` : s;
  return JSON.stringify(cut);
}
