/**
 * The YAML token stream as Kubernetes' decoder would read it, bounded while it is read.
 *
 * 1. Leniency where yaml.v2 (a port of libyaml, like PyYAML) is lenient and the `yaml` package follows
 *    the YAML specification strictly: continuation lines of a quoted scalar (anywhere), and of a plain
 *    scalar inside a flow collection, and the items and closing bracket of a flow collection, may be
 *    indented less than their parent block. Real manifests rely
 *    on it, e.g. Argo's examples:
 *    ```yaml
 *        container:
 *          args: ["
 *            cd /src && make
 *          "]                      # yaml.v2/PyYAML: ok; the `yaml` package: "Missing closing quote"
 *    ```
 *    The lexer's indentation check for those scalars is replaced by libyaml's rule: a continuation line
 *    may have any indentation, only a document marker (`---`, `...`) at column 0 ends it. Everything
 *    else (block structure, plain scalars in block context) keeps the strict check, which libyaml has too.
 * 2. Bounds during lexing, before any syntax tree exists (so cost is proportional to the limits, not to
 *    the input): nodes (scalars, flow collections, sequence items, aliases) per file against
 *    `maxYamlNodes`, and aliases per document against `maxYamlAliases`. The caller stops the file at
 *    the first limit.
 */
import type { CST } from 'yaml';
import { Lexer, Parser } from 'yaml';

/** The lexer members the leniency patch replaces (private in the package's types, stable since yaml 2.0). */
interface LexerInternals {
  buffer: string;
  flowLevel: number;
  indentNext: number;
  continueScalar(offset: number): number;
  parseQuotedScalar(): Generator<string, unknown>;
  parseFlowCollection(): Generator<string, unknown>;
}


const isBlank = (ch: string | undefined): boolean => ch === undefined || ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r';

/** A Lexer whose quoted scalars (and plain scalars in flow context) continue at any indentation, as libyaml's. */
export function lenientLexer(): Lexer {
  const lexer = new Lexer();
  const internals = lexer as unknown as LexerInternals;
  // A future yaml release that changed these internals gets the strict lexer: stricter, but correct.
  if (typeof internals.continueScalar !== 'function' || typeof internals.parseQuotedScalar !== 'function' || typeof internals.parseFlowCollection !== 'function') return lexer;
  const strict = internals.continueScalar.bind(lexer);
  const quoted = internals.parseQuotedScalar;
  const flow = internals.parseFlowCollection;
  // Inside a flow collection libyaml ignores indentation (only a document marker at column 0 ends it);
  // the `yaml` lexer ends the collection at a line indented less than its block. Reading the flow
  // collection as if the block indentation were 0 gives libyaml's behaviour; the block's indentation is
  // restored as soon as the lexer leaves the flow state (it only reads indentNext there).
  internals.parseFlowCollection = function* (this: LexerInternals): Generator<string, unknown> {
    const saved = this.indentNext;
    this.indentNext = 0;
    try {
      return yield* flow.call(this);
    } finally {
      this.indentNext = saved;
    }
  };
  let inQuoted = false;
  internals.parseQuotedScalar = function* (this: LexerInternals): Generator<string, unknown> {
    inQuoted = true;
    try {
      return yield* quoted.call(this);
    } finally {
      inQuoted = false;
    }
  };
  internals.continueScalar = function (this: LexerInternals, offset: number): number {
    if (!inQuoted && this.flowLevel === 0) return strict(offset);
    const b = this.buffer;
    const c = b[offset];
    if ((c === '-' || c === '.') && (b.startsWith('---', offset) || b.startsWith('...', offset)) && isBlank(b[offset + 3])) return -1;
    let i = offset;
    while (b[i] === ' ' || b[i] === '\t') i++;
    return i;
  };
  return lexer;
}

/** Why a token stream stopped early. */
export interface StreamStop {
  readonly limit: 'maxYamlNodes' | 'maxYamlAliases';
  /** Offset of the lexeme that went over the limit. */
  readonly offset: number;
  /** 0-based index of the document being read when it stopped. */
  readonly docIndex: number;
}

export interface BoundedTokens {
  tokens: Iterable<CST.Token>;
  /** Set once the stream stopped at a limit (read it after consuming `tokens`). */
  stop: StreamStop | undefined;
  /** Nodes counted while lexing (the file's share of `maxYamlNodes`). */
  nodes: number;
}

const SCALAR = '\x1f';
/** Lexemes the lexer adds that are not part of the source (the parser does not advance over them). */
const CONTROL = new Set(['\x02', '\x18', SCALAR]);

/**
 * CST tokens of `src` (lenient lexer + the `yaml` parser), counting nodes and aliases lexeme by lexeme;
 * the stream ends (with `stop` set) as soon as a count passes its limit. `onNewLine` as for `Parser`.
 */
export function boundedTokens(src: string, limits: { readonly maxYamlNodes: number; readonly maxYamlAliases: number }, onNewLine?: (offset: number) => void): BoundedTokens {
  const out: BoundedTokens = { tokens: [], stop: undefined, nodes: 0 };
  function* gen(): Generator<CST.Token> {
    const parser = new Parser(onNewLine);
    onNewLine?.(0); // what Parser.parse() does before its first lexeme
    let offset = 0;
    let aliases = 0;
    /** Documents the parser has completed: the index of the one being read. */
    let docIndex = 0;
    for (const lexeme of lenientLexer().lex(src, false)) {
      const c = lexeme[0];
      if (c === SCALAR || c === '"' || c === "'" || c === '{' || c === '[' || c === '*' || lexeme === '-') {
        if (++out.nodes > limits.maxYamlNodes) {
          out.stop = { limit: 'maxYamlNodes', offset, docIndex };
          return;
        }
        if (c === '*' && ++aliases > limits.maxYamlAliases) {
          out.stop = { limit: 'maxYamlAliases', offset, docIndex };
          return;
        }
      }
      for (const token of parser.next(lexeme)) {
        if (token.type === 'document') {
          docIndex++;
          aliases = 0;
        }
        yield token;
      }
      if (!CONTROL.has(lexeme)) offset += lexeme.length;
    }
    yield* parser.end();
  }
  out.tokens = { [Symbol.iterator]: gen };
  return out;
}
