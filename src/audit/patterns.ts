/**
 * Name patterns of the policy data: `*` matches any run of characters (`system:serviceaccount:kube-system:*`,
 * `*secret*`), everything else literally. A list compiles once into a matcher: exact names in a set,
 * plain prefixes and suffixes as string tests, the rest as one anchored regular expression.
 */
export type NameMatcher = (name: string) => boolean;

const NEVER: NameMatcher = () => false;

function escape(s: string): string {
  return s.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}

export function compilePatterns(patterns: readonly string[]): NameMatcher {
  if (patterns.length === 0) return NEVER;
  const exact = new Set<string>();
  const prefixes: string[] = [];
  const suffixes: string[] = [];
  const complex: string[] = [];
  let any = false;
  for (const p of patterns) {
    const stars = p.split('*').length - 1;
    if (p === '*') any = true;
    else if (stars === 0) exact.add(p);
    else if (stars === 1 && p.endsWith('*')) prefixes.push(p.slice(0, -1));
    else if (stars === 1 && p.startsWith('*')) suffixes.push(p.slice(1));
    else complex.push(p.split('*').map(escape).join('.*'));
  }
  if (any) return () => true;
  const re = complex.length === 0 ? undefined : new RegExp(`^(?:${complex.join('|')})$`, 's');
  return (name) => {
    if (exact.has(name)) return true;
    for (const p of prefixes) if (name.startsWith(p)) return true;
    for (const s of suffixes) if (name.endsWith(s)) return true;
    return re !== undefined && re.test(name);
  };
}

/** A matcher of identities: usernames, and groups given as `group:NAME` patterns in the same list. */
export type IdentityMatcher = NameMatcher & { readonly groups?: NameMatcher };

export function compileIdentityPatterns(patterns: readonly string[]): IdentityMatcher {
  const names = compilePatterns(patterns.filter((p) => !p.startsWith('group:')));
  const groupList = patterns.filter((p) => p.startsWith('group:')).map((p) => p.slice('group:'.length));
  if (groupList.length === 0) return names;
  return Object.assign((n: string) => names(n), { groups: compilePatterns(groupList) });
}
