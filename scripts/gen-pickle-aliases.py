#!/usr/bin/python3
"""Generate src/model-scanners/pickle/policy-aliases.ts: the module aliases a pickle can walk through.

A pickle names a global as `module` + a (protocol 4: dotted) attribute path, and find_class walks that
path with getattr. A module that does `import os as _os` or `from subprocess import Popen` therefore
exposes `os.system` as `<module>._os.system` and `subprocess.Popen` as `<module>.Popen`. Bulwark
grades such paths as the object they reach (`os.system`), using this table.

The table is built by reading (never importing or running) the sources of the standard library and of
the ML libraries whose classes the pickle policy allowlists, where Debian packages them:

    /usr/bin/python3 scripts/gen-pickle-aliases.py   # Debian bookworm: python3.11, python3-torch, ...

For every module, the top-level `import` / `from ... import` statements (including those inside
module-level `if` / `try` / `with` blocks, but not `if TYPE_CHECKING:`) bind a name to a module or to
an attribute of one. Only bindings that reach something the deny list of
src/model-scanners/pickle/policy-data.ts names are kept (a denied name, or a module that holds denied
names), only when the bound name differs from the module path it names (`import os` needs no entry:
`<module>.os.system` is already graded through the sub-path `os.system`), and only for modules that
are not denied as a whole themselves.
"""
import ast
import importlib.metadata
import os
import re
import sys
import sysconfig

HERE = os.path.dirname(os.path.abspath(__file__))
POLICY = os.path.join(HERE, '..', 'src', 'model-scanners', 'pickle', 'policy-data.ts')
OUT = os.path.join(HERE, '..', 'src', 'model-scanners', 'pickle', 'policy-aliases.ts')

STDLIB = sysconfig.get_paths()['stdlib']
DIST = '/usr/lib/python3/dist-packages'
ML_LIBS = ['torch', 'torchvision', 'numpy', 'scipy', 'sklearn', 'joblib', 'pandas', 'xgboost', 'lightgbm', 'catboost',
           'transformers', 'tokenizers', 'accelerate', 'omegaconf', 'pytorch_lightning', 'lightning', 'lightning_fabric']


def deny_entries():
    """(module pattern, name patterns or None for every name) from DENY and PEER_DENY (not ALLOW)."""
    text = open(POLICY, encoding='utf-8').read()
    deny_text = text[text.index('export const DENY'):text.index('export const ALLOW')] + text[text.index('export const PEER_DENY'):]
    out = []
    for m in re.finditer(r"\{ module: '([^']+)', names: (\[[^\]]*\]|'\*'|[A-Z_]+)([^\n]*)$", deny_text, re.M):
        module, names = m.group(1), m.group(2)
        sev = re.search(r"severity: '(\w+)'", m.group(3))
        severity = sev.group(1) if sev else 'high'
        if names == "'*'":
            out.append((module, None, severity))
            if not module.endswith('.*'):
                out.append((module + '.*', None, severity))  # peers' whole-module entries cover submodules
            continue
        if not names.startswith('['):
            continue
        pats = re.findall(r"'([^']*)'", names)
        out.append((module, None if '*' in pats else pats, severity))
    return out


DENY_FULL = deny_entries()
DENY = [(m, n) for m, n, _ in DENY_FULL]


def name_match(pat, name):
    if pat == '*':
        return True
    lead, trail = pat.startswith('*'), pat.endswith('*')
    if lead and trail:
        return pat[1:-1] in name
    if trail:
        return name.startswith(pat[:-1])
    if lead:
        return name.endswith(pat[1:])
    return name == pat


def module_match(pattern, module):
    if pattern.endswith('.*'):
        return module.startswith(pattern[:-2] + '.')
    return module == pattern


def reaches_denied(target):
    """Does the dotted path `target` name a denied object, or a module whose namespace the deny list names?"""
    parts = target.split('.')
    for i in range(1, len(parts) + 1):
        mod, name = '.'.join(parts[:i]), '.'.join(parts[i:])
        for pat, names in DENY:
            if module_match(pat, mod) and (names is None or (name != '' and any(name_match(p, name) for p in names))):
                return True
    for pat, names in DENY:
        base = pat[:-2] if pat.endswith('.*') else pat
        if base == target or base.startswith(target + '.'):
            return True  # `target` is the module (or a package above the module) an entry is about
    return False


def type_checking(test):
    return (isinstance(test, ast.Name) and test.id == 'TYPE_CHECKING') or (isinstance(test, ast.Attribute) and test.attr == 'TYPE_CHECKING')


def bindings(body):
    """(bound name, dotted target, relative level) of the module-level imports in `body`."""
    for st in body:
        if isinstance(st, ast.Import):
            for a in st.names:
                if a.asname:
                    yield a.asname, a.name, 0
        elif isinstance(st, ast.ImportFrom):
            for a in st.names:
                if a.name != '*':
                    yield a.asname or a.name, ((st.module + '.') if st.module else '') + a.name, st.level
        elif isinstance(st, ast.If):
            if not type_checking(st.test):
                yield from bindings(st.body)
            yield from bindings(st.orelse)
        elif isinstance(st, ast.Try):
            yield from bindings(st.body)
            for h in st.handlers:
                yield from bindings(h.body)
            yield from bindings(st.orelse)
            yield from bindings(st.finalbody)
        elif isinstance(st, ast.With):
            yield from bindings(st.body)


def modules(root, prefix, skip):
    for d, dirs, files in os.walk(root):
        dirs[:] = sorted(x for x in dirs if not skip(os.path.join(d, x)))
        for f in sorted(files):
            if f.endswith('.py'):
                p = os.path.join(d, f)
                rel = os.path.relpath(p, root)[:-3].replace(os.sep, '.')
                is_pkg = rel == '__init__' or rel.endswith('.__init__')
                rel = rel[: -len('__init__')].rstrip('.') if is_pkg else rel
                name = '.'.join(x for x in (prefix, rel) if x)
                yield name, p, is_pkg


def resolve(module, is_pkg, target, level):
    if level == 0:
        return target
    base = module.split('.') if is_pkg else module.split('.')[:-1]
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return '.'.join(base + ([target] if target else []))


def main():
    table = {}
    sources = []
    stdlib_skip = lambda d: os.path.basename(d) in ('site-packages', 'dist-packages', 'test', 'tests', 'idle_test', '__pycache__')
    roots = [(STDLIB, '', stdlib_skip)]
    versions = [f'python {sys.version.split()[0]}']
    for lib in ML_LIBS:
        d = os.path.join(DIST, lib)
        if os.path.isdir(d):
            roots.append((d, lib, lambda x: os.path.basename(x) in ('tests', 'test', '__pycache__')))
            try:
                versions.append(f'{lib} {importlib.metadata.version(lib if lib != "sklearn" else "scikit-learn")}')
            except importlib.metadata.PackageNotFoundError:
                versions.append(lib)
    for root, prefix, skip in roots:
        for module, path, is_pkg in modules(root, prefix, skip):
            try:
                tree = ast.parse(open(path, 'rb').read())
            except (SyntaxError, ValueError):
                continue
            sources.append(module)
            if any(names is None and sev in ('high', 'critical') and module_match(pat, module) for pat, names, sev in DENY_FULL):
                continue  # the module itself is denied (high) as a whole: every path through it already is
            for bound, target, level in bindings(tree.body):
                full = resolve(module, is_pkg, target, level)
                if not full or bound == full or full == f'{module}.{bound}':
                    continue  # `import os`, or a submodule bound under its own name: the path is already literal
                if reaches_denied(full):
                    table.setdefault(module, {}).setdefault(bound, set()).add(full)
    lines = [
        '/**',
        ' * GENERATED by scripts/gen-pickle-aliases.py (do not edit) from the sources of',
        ' * ' + ', '.join(versions) + ' (Debian bookworm).',
        ' * For each module: the names its top-level imports bind to something the deny list names',
        ' * (`tempfile` binds `_os` to `os`), as `name=target` pairs (`name=a|b` when branches differ)',
        ' * separated by spaces. policy.ts grades `<module>.<name>.<rest>` as `<target>.<rest>` too.',
        ' */',
        f"export const ALIAS_SOURCES = '{'; '.join(versions)}';",
        f'/** Modules read: {len(sources)}; modules with an entry: {len(table)}. */',
        'export const MODULE_ALIASES: Readonly<Record<string, string>> = {',
    ]
    for module in sorted(table):
        pairs = ' '.join(f"{k}={'|'.join(sorted(v))}" for k, v in sorted(table[module].items()))
        lines.append(f"  '{module}': '{pairs}',")
    lines.append('};')
    open(OUT, 'w', encoding='utf-8').write('\n'.join(lines) + '\n')
    print(f'{len(sources)} modules read, {len(table)} with aliases, {sum(len(v) for v in table.values())} aliases -> {OUT}')


if __name__ == '__main__':
    main()
