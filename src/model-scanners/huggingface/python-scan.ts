/**
 * A small static scan of Python source for what remote model code should never do. It tokenises
 * just enough of Python (comments, single/triple-quoted strings with prefixes) to blank out comments
 * and docstrings, so that `# os.system(...)` in a comment or an example in a docstring is not code,
 * while string literals stay available for checks such as URLs. Matches are reported with line and
 * column. This is a tripwire for obvious dangers, not a proof of safety: custom code always needs a
 * review (the trust-remote-code finding says so).
 */
import type { Severity } from '../../findings/index.js';

export interface PythonIssue {
  readonly severity: Severity;
  readonly what: string;
  readonly line: number;
  readonly column: number;
  readonly evidence: string;
}

export interface PythonScan {
  /** The first issues (at most `maxIssues`), by position. */
  readonly issues: readonly PythonIssue[];
  /** Issues found beyond `maxIssues` (counted, not kept). */
  readonly omitted: number;
  /** Modules imported relatively (`from .x import y` → `x`, `from . import z` → `z`). */
  readonly relativeImports: readonly string[];
}

interface Pattern {
  readonly re: RegExp;
  readonly severity: Severity;
  readonly what: string;
}

/** Patterns over code with comments and string contents blanked. `(?<![.\w])` = not an attribute call. */
const PATTERNS: readonly Pattern[] = [
  { re: /\bos\s*\.\s*(system|popen|exec[lv]p?e?|spawn[lv]p?e?|fork|forkpty|posix_spawnp?|startfile|kill)\s*\(/g, severity: 'critical', what: 'runs a shell command or program (os.$1)' },
  { re: /\bsubprocess\s*\.\s*(\w+)/g, severity: 'critical', what: 'runs a program (subprocess.$1)' },
  { re: /\bcommands\s*\.\s*getoutput\s*\(|\bpty\s*\.\s*spawn\s*\(/g, severity: 'critical', what: 'runs a program' },
  { re: /(?<![.\w])(?<!\bdef\s+)(eval|exec)\s*\(/g, severity: 'critical', what: 'evaluates a string as code ($1)' },
  { re: /(?<![.\w])(?<!\bdef\s+)compile\s*\(/g, severity: 'high', what: 'compiles code from a string (compile)' },
  { re: /(?<![.\w])__import__\s*\(/g, severity: 'critical', what: 'imports a module by computed name (__import__)' },
  { re: /\bimportlib\s*\.\s*(import_module|__import__|util\s*\.\s*spec_from_file_location)\s*\(/g, severity: 'high', what: 'imports a module by name at run time (importlib)' },
  { re: /\bmarshal\s*\.\s*loads?\s*\(/g, severity: 'critical', what: 'loads marshalled bytecode (marshal)' },
  { re: /\b(pickle|cPickle|dill|cloudpickle|joblib)\s*\.\s*(loads?|Unpickler)\s*\(/g, severity: 'high', what: 'deserialises a pickle ($1.$2)' },
  { re: /\btorch\s*\.\s*load\s*\((?![^)]*weights_only\s*=\s*True)/g, severity: 'high', what: 'loads a pickle with torch.load (without weights_only=True)' },
  { re: /\bctypes\s*\.\s*(CDLL|cdll|WinDLL|windll|PyDLL|pydll|LoadLibrary|CFUNCTYPE)\b/g, severity: 'critical', what: 'loads a native library (ctypes.$1)' },
  { re: /\bsocket\s*\.\s*(socket|create_connection)\s*\(/g, severity: 'high', what: 'opens a network socket' },
  { re: /\b(urllib\d?\s*\.\s*request\s*\.\s*(urlopen|urlretrieve)|urlopen|urlretrieve)\s*\(/g, severity: 'high', what: 'downloads from the network (urllib)' },
  { re: /\b(requests|httpx|aiohttp)\s*\.\s*(get|post|put|request|Session|AsyncClient|Client|ClientSession)\s*\(/g, severity: 'high', what: 'talks to the network ($1.$2)' },
  { re: /\b(http\.client|httplib)\s*\.\s*HTTPS?Connection\s*\(/g, severity: 'high', what: 'opens an HTTP connection' },
  { re: /\bbase64\s*\.\s*(b64decode|b32decode|b16decode|a85decode|b85decode)\s*\(/g, severity: 'medium', what: 'decodes an embedded blob (base64); often used to hide payloads' },
  { re: /\bshutil\s*\.\s*rmtree\s*\(|\bos\s*\.\s*(remove|unlink|rmdir)\s*\(/g, severity: 'medium', what: 'deletes files' },
  { re: /\bos\s*\.\s*environ\s*\[\s*['"]?[A-Z_]*(TOKEN|KEY|SECRET|PASSWORD)/g, severity: 'medium', what: 'reads secrets from the environment' },
  { re: /(?<![.\w])(getattr|setattr)\s*\(\s*(os|sys|subprocess|builtins|__builtins__)\b/g, severity: 'high', what: 'reaches module attributes dynamically ($1 on $2)' },
  { re: /\bsys\s*\.\s*modules\b/g, severity: 'medium', what: 'manipulates sys.modules' },
];

/** Dangerous modules whose bare import is already a signal (and whose aliases are tracked). */
const DANGEROUS_IMPORTS = new Set(['subprocess', 'socket', 'ctypes', 'pty', 'marshal', 'commands', 'paramiko', 'telnetlib', 'ftplib', 'smtplib']);
const FROM_IMPORTS: Readonly<Record<string, readonly string[]>> = {
  os: ['system', 'popen', 'execv', 'execve', 'execl', 'execvp', 'spawnv', 'spawnl', 'fork', 'posix_spawn'],
  subprocess: ['Popen', 'run', 'call', 'check_call', 'check_output', 'getoutput', 'getstatusoutput'],
  builtins: ['eval', 'exec', '__import__', 'compile'],
  pickle: ['load', 'loads', 'Unpickler'],
  marshal: ['load', 'loads'],
  ctypes: ['CDLL', 'cdll'],
};

/** Replace comments and string contents with spaces (newlines kept). Returns code and string literals. */
export function blankPython(src: string): { code: string; strings: { value: string; offset: number }[] } {
  const out: string[] = [];
  const strings: { value: string; offset: number }[] = [];
  let i = 0;
  const n = src.length;
  const blank = (s: string): string => s.replace(/[^\n]/g, ' ');
  while (i < n) {
    const c = src[i] ?? '';
    if (c === '#') {
      const e = src.indexOf('\n', i);
      const end = e < 0 ? n : e;
      out.push(blank(src.slice(i, end)));
      i = end;
      continue;
    }
    if (c === '"' || c === "'") {
      // string prefix letters were already emitted as code; that's fine (they are identifiers)
      const triple = src.startsWith(c.repeat(3), i);
      const q = triple ? c.repeat(3) : c;
      let j = i + q.length;
      while (j < n) {
        if (src[j] === '\\') {
          j += 2;
          continue;
        }
        if (src.startsWith(q, j)) break;
        if (!triple && src[j] === '\n') break;
        j++;
      }
      const end = Math.min(n, j + (src.startsWith(q, j) ? q.length : 0));
      const body = src.slice(i + q.length, Math.max(i + q.length, end - (src.startsWith(q, j) ? q.length : 0)));
      if (strings.length < 100_000) strings.push({ value: body.slice(0, 4096), offset: i });
      out.push(q + blank(body) + (src.startsWith(q, j) ? q : ''));
      i = end;
      continue;
    }
    out.push(c);
    i++;
  }
  return { code: out.join(''), strings };
}

function lineCol(lineStarts: number[], offset: number): { line: number; column: number } {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((lineStarts[mid] ?? 0) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - (lineStarts[lo] ?? 0) + 1 };
}

/** Issues kept per file by default (a report shortening: further ones are counted in `omitted`). */
const MAX_ISSUES = 50;

export function scanPython(src: string, maxIssues = MAX_ISSUES): PythonScan {
  const { code, strings } = blankPython(src);
  const lineStarts = [0];
  for (let i = 0; i < src.length; i++) if (src.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const lines = src.split('\n');
  const issues: PythonIssue[] = [];
  const seen = new Set<string>();
  let omitted = 0;
  const add = (offset: number, severity: Severity, what: string): void => {
    const { line, column } = lineCol(lineStarts, offset);
    const key = `${line}:${what}`;
    if (seen.has(key)) return;
    if (issues.length >= maxIssues) {
      // Counted, not kept; keys of further issues are not remembered (memory stays bounded).
      omitted++;
      return;
    }
    seen.add(key);
    issues.push({ severity, what, line, column, evidence: (lines[line - 1] ?? '').trim().slice(0, 160) });
  };
  const patterns: Pattern[] = [...PATTERNS];
  // Imports: dangerous modules, aliases, and from-imports of dangerous names.
  const importRe = /^[ \t]*(?:import[ \t]+([\w., \t]+)|from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+(?:\(([^)]*)\)|([\w., \t]+)))/gm;
  const relativeImports: string[] = [];
  let m: RegExpExecArray | null;
  while ((m = importRe.exec(code)) !== null) {
    if (m[1] !== undefined) {
      for (const part of m[1].split(',')) {
        const [mod, alias] = part.trim().split(/\s+as\s+/);
        const root = (mod ?? '').split('.')[0] ?? '';
        if (DANGEROUS_IMPORTS.has(root)) {
          add(m.index, 'high', `imports ${root}`);
          if (alias) patterns.push({ re: new RegExp(`\\b${alias}\\s*\\.\\s*(\\w+)\\s*\\(`, 'g'), severity: 'critical', what: `calls ${root} through the alias ${alias} ($1)` });
        }
      }
    } else if (m[2] !== undefined && (m[3] ?? m[4]) !== undefined) {
      const from = m[2];
      const names = (m[3] ?? m[4] ?? '').split(',').map((s) => s.trim().split(/\s+as\s+/));
      if (from.startsWith('.')) {
        const base = from.replace(/^\.+/, '');
        if (base) relativeImports.push(base);
        else for (const [nm] of names) if (nm) relativeImports.push(nm);
      }
      const danger = FROM_IMPORTS[from];
      if (danger) {
        for (const [nm, alias] of names) {
          if (nm && danger.includes(nm)) {
            add(m.index, 'high', `imports ${from}.${nm}`);
            patterns.push({ re: new RegExp(`(?<![.\\w])${alias ?? nm}\\s*\\(`, 'g'), severity: 'critical', what: `calls ${from}.${nm}` });
          }
        }
      }
    }
  }
  for (const p of patterns) {
    p.re.lastIndex = 0;
    let x: RegExpExecArray | null;
    while ((x = p.re.exec(code)) !== null) {
      const what = p.what.replace(/\$(\d)/g, (_s, d: string) => (x?.[Number(d)] ?? '').replace(/\s+/g, ''));
      add(x.index, p.severity, what);
      if (x[0].length === 0) p.re.lastIndex++;
    }
  }
  // String literals: URLs to fetch code or payloads, shell pipelines.
  for (const s of strings) {
    if (/\b(curl|wget)\s+[^|]*\|\s*(ba)?sh\b|\bnc\s+-e\b|\/dev\/tcp\//.test(s.value)) add(s.offset, 'critical', 'contains a shell download-and-run command');
  }
  issues.sort((a, b) => a.line - b.line || a.column - b.column);
  return { issues, omitted, relativeImports: [...new Set(relativeImports)] };
}
