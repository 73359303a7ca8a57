/**
 * Manifest loading: text (YAML multi-document stream or JSON) → Kubernetes objects with the position of
 * every field, read the way Kubernetes reads them.
 *
 * What is a manifest (`loadManifestText` decides while loading, and reports nothing for text that is
 * not one): a YAML stream or JSON (a JSON stream too) with at least one document that is a mapping with
 * string `apiVersion` and `kind` at the top level, or a List of them. Not manifests, never reported for
 * failing to be one: Markdown, source code, Helm values and other YAML (no such document), raw Helm
 * templates (`.Values`/`.Release`/`.Chart`/`include`: rendered by `helm template`, see folders.ts),
 * kustomization files (`kustomize.config.k8s.io`) and audit logs (`audit.k8s.io` events). A document
 * that fails to parse in a manifest, or that was clearly meant as an object (manifest-text.ts
 * `clearlyManifestDocument`), is a high `scan/malformed-input`.
 *
 * Tricks handled (each has a test in load.test.ts):
 * - YAML as `sigs.k8s.io/yaml` (yaml.v2) reads it: `privileged: yes` is true, `0x1F` is 31, `1:20`
 *   stays a string, timestamps stay strings (see yaml-resolve.ts). The `yaml` package only builds
 *   the AST (failsafe schema, so it never guesses types itself), from a lexer made as lenient as
 *   libyaml about the indentation of multi-line quoted and flow scalars (yaml-stream.ts).
 * - Merge keys (`<<: *base`) applied in yaml.v2 order: entries are applied in document order and a
 *   later one overwrites an earlier one, so a merge *after* an explicit key wins in Kubernetes but
 *   loses under the YAML spec; that disagreement is reported like a duplicate key.
 * - Duplicate keys: the last one wins (as yaml.v2 and Go's encoding/json), and each duplicate is a
 *   `k8s/duplicate-key` finding, because strict decoders reject them and other tools keep the first.
 * - Bounds: nodes of a file (scalars, collections, aliases, and the nodes aliases copy) against
 *   `maxYamlNodes` and aliases of a document against `maxYamlAliases` WHILE LEXING, before a syntax tree
 *   exists (yaml-stream.ts), so a file costs at most what the limits allow; every alias resolution
 *   against `maxYamlAliases`, nodes copied through aliases against 100 × `maxYamlAliases`; nesting
 *   against `maxStructureDepth`; documents against `maxYamlDocuments`; text against `maxTextBytes`
 *   (a high "not analysed" finding). A limit stops the document (or, for the lexing bounds, the rest of
 *   the file): `scan/limit-exceeded`, never the scan, never silently.
 * - Broken documents: a `scan/malformed-input` finding at the parser's line/column; the other
 *   documents of the file are still analysed (the parser resynchronises at `---`).
 * - `List` kinds (`kind: List`, typed lists such as `PodList` whose items may omit apiVersion/kind):
 *   each item becomes an object with `basePath: ['items', i]` and positions relative to the item.
 * - JSON (`kubectl get -o json`): parsed by the same YAML parser (JSON is YAML flow syntax); its
 *   scalars resolve identically. JSON streams (concatenated values, as `kubectl apply -f` reads them)
 *   are split and each value is a document. Byte-order marks are skipped (UTF-16/32 are decoded by
 *   `decodeManifestBytes` before); stdin is just the path `-`.
 * - Positions: one walk of the AST per document builds the value and the position map together
 *   (`LineCounter.linePos` is a binary search).
 */
import type { Alias, Document, Node, Pair, ParsedNode, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import { Composer, LineCounter, isAlias, isMap, isScalar, isSeq, visit } from 'yaml';
import type { FileLocation } from '../findings/index.js';
import type { Limits } from '../limits/index.js';
import type { ReportArgs, Reporter, RuleMeta } from '../rules/index.js';
import { coreRules, defineRule } from '../rules/index.js';
import { applyDefaults } from './defaults.js';
import { reportKustomization } from './folders.js';
import type { ManifestTextKind } from './load-formats.js';
import { objectIdentity } from './json-objects.js';
import { clearlyManifestDocument, decodeManifestHead, hasCodeFence, hasTemplateAction, helmTemplateMarker, looksLikeManifest, splitJsonStream } from './manifest-text.js';
import { IMAGE, at, fires, goodPod, pod, silent } from './sample-manifests.js';
import type { FieldPath, FileOrigin, Json, JsonObject, ManifestObject, Position } from './model.js';
import { fileLocationOf, formatFieldPath } from './model.js';
import { boundedTokens } from './yaml-stream.js';
import { keyString, resolvePlainScalar, resolveTaggedScalar } from './yaml-resolve.js';

export const duplicateKey = defineRule({
  id: 'k8s/duplicate-key',
  title: 'Duplicate key in a manifest',
  severity: 'high',
  description:
    'A mapping sets the same key twice (or a `<<` merge key overwrites a key set before it). YAML parsers disagree on which value wins: kubectl and the API server (yaml.v2, encoding/json) keep the last one, strict decoders reject the object, other tools and reviewers read the first. A reviewer or a scanner can be shown `privileged: false` while the cluster runs `privileged: true`. Bulwark analyses the value Kubernetes uses and reports the ambiguity.',
  remediation: 'Remove the duplicate key so that the mapping sets each field once; keep the value you intend Kubernetes to use.',
  references: ['https://yaml.org/spec/1.2.2/#mapping', 'https://kubernetes.io/docs/reference/using-api/api-concepts/#field-validation'],
  tags: ['k8s', 'parsing'],
  maturity: 'stable',
  cases: () => ({
    invalid: [
      fires(
        'privileged set twice',
        pod(['  containers:', '  - name: app', `    image: ${IMAGE}`, '    securityContext:', '      privileged: false', '      privileged: true']),
        at(11, 7, 'spec.containers[0].securityContext.privileged', { messageIncludes: 'line 10' }),
      ),
    ],
    valid: [silent('each key once', goodPod())],
  }),
});

export const LOAD_RULES = [duplicateKey] as const;

export { looksLikeManifest };
export { MANIFEST_TEXT_FORMAT } from './load-formats.js';
export type { ManifestTextKind } from './load-formats.js';

/** Thrown inside the walk; turned into a finding for the document. */
class StopDocument extends Error {
  constructor(
    readonly kind: 'limit' | 'malformed',
    message: string,
    readonly offset: number,
    readonly limit?: string,
  ) {
    super(message);
  }
}

interface Entry {
  readonly key: string;
  readonly keyNode: ParsedNode | null;
  readonly valueNode: ParsedNode | null;
}

interface DupRecord {
  /** Absolute path of the duplicated key inside the document. */
  readonly path: (string | number)[];
  readonly key: string;
  readonly pos: Position;
  readonly firstLine: number;
  readonly merge: boolean;
}

const IDENT = /^[A-Za-z_$][\w$-]*$/;

/** `formatFieldPath` one segment at a time (keeps the walk linear). */
function childKey(prefix: string, seg: string | number): string {
  if (typeof seg === 'number') return `${prefix}[${seg}]`;
  if (IDENT.test(seg)) return prefix === '' ? seg : `${prefix}.${seg}`;
  return `${prefix}[${JSON.stringify(seg)}]`;
}

function setProp(obj: JsonObject, k: string, v: Json): void {
  if (k === '__proto__') Object.defineProperty(obj, k, { value: v, writable: true, enumerable: true, configurable: true });
  else obj[k] = v;
}

/** One document's walk: value + positions, with alias/depth budgets. */
class DocWalker {
  aliases = 0;
  expanded = 0;
  inAlias = 0;
  positions = new Map<string, Position>();
  readonly path: (string | number)[] = [];
  readonly dups: DupRecord[] = [];
  /** Source offsets already reported (an anchored mapping walked again through an alias reports once). */
  private readonly dupSeen = new Set<string>();

  constructor(
    private readonly doc: Document.Parsed,
    private readonly lc: LineCounter,
    private readonly limits: Limits,
    /** Offset of the parsed text in the file (values of a JSON stream are parsed one by one). */
    private readonly base: number,
    /** The file's node count (lexed nodes, plus the nodes aliases copy), against `maxYamlNodes`. */
    private readonly budget: { nodes: number },
  ) {}

  pos(offset: number): Position {
    return posOf(this.lc, this.base + offset);
  }

  /** Offset in the file of an offset in the parsed text. */
  fileOffset(offset: number): number {
    return this.base + offset;
  }

  private resolveAlias(node: Alias): ParsedNode {
    if (++this.aliases > this.limits.maxYamlAliases) {
      throw new StopDocument('limit', `more than ${this.limits.maxYamlAliases} alias resolutions (maxYamlAliases)`, node.range?.[0] ?? 0, 'maxYamlAliases');
    }
    const target = this.anchorsOf().get(node);
    if (!target) throw new StopDocument('malformed', `alias *${node.source} refers to no anchor`, node.range?.[0] ?? 0);
    return target;
  }

  private aliasTargets: Map<Alias, ParsedNode> | undefined;

  /**
   * Alias → anchored node, computed once per document in document order (an alias refers to the most
   * recent preceding anchor of its name). `Alias.resolve()` of the yaml package searches the whole
   * document on every call, which an alias-heavy document turns into quadratic time.
   */
  private anchorsOf(): Map<Alias, ParsedNode> {
    if (this.aliasTargets) return this.aliasTargets;
    const targets = new Map<Alias, ParsedNode>();
    const anchors = new Map<string, ParsedNode>();
    visit(this.doc, {
      Node: (_key, n) => {
        if (isAlias(n)) {
          const t = anchors.get(n.source);
          if (t) targets.set(n, t);
        } else if (typeof n.anchor === 'string' && n.anchor !== '') {
          anchors.set(n.anchor, n as ParsedNode);
        }
      },
    });
    this.aliasTargets = targets;
    return targets;
  }

  private scalarValue(node: Scalar): string | number | boolean | null {
    const src = typeof node.value === 'string' ? node.value : String(node.value ?? '');
    const plain = node.type === 'PLAIN' || node.type === undefined;
    if (node.tag !== undefined && node.tag !== '!') return resolveTaggedScalar(node.tag, src);
    // `!` (non-specific tag) forces a string, like quoting.
    if (node.tag === '!') return src;
    return plain ? resolvePlainScalar(src) : src;
  }

  private keyOf(node: ParsedNode | null, depth: number): string {
    if (node === null) return 'null';
    let n: ParsedNode = node;
    if (isAlias(n)) n = this.resolveAlias(n);
    if (isScalar(n)) return keyString(this.scalarValue(n));
    // sigs.k8s.io/yaml rejects mappings and sequences as keys ("invalid map key").
    void depth;
    throw new StopDocument('malformed', 'a mapping or sequence is used as a mapping key', node.range[0]);
  }

  /** The effective entries of a mapping, in yaml.v2 order (merge keys included; last write wins). */
  private entries(node: YAMLMap.Parsed, depth: number): Map<string, Entry> {
    if (depth > this.limits.maxStructureDepth) {
      throw new StopDocument('limit', `nesting deeper than ${this.limits.maxStructureDepth} (maxStructureDepth)`, node.range[0], 'maxStructureDepth');
    }
    const out = new Map<string, Entry>();
    /** Keys set explicitly in this mapping (for the merge-order disagreement). */
    const explicit = new Map<string, Position>();
    for (const pair of node.items as Pair<ParsedNode | null, ParsedNode | null>[]) {
      const k = pair.key;
      if (k !== null && isScalar(k) && k.type === 'PLAIN' && k.tag === undefined && k.value === '<<') {
        const sources = this.mergeSources(pair.value, depth);
        // yaml.v2 applies a sequence of merge sources backwards, so earlier sources take precedence.
        for (let i = sources.length - 1; i >= 0; i--) {
          for (const e of this.entries(sources[i] as YAMLMap.Parsed, depth + 1).values()) {
            const prior = explicit.get(e.key);
            if (prior) {
              this.dup({ path: [...this.path, e.key], key: e.key, pos: this.pos(k.range[0]), firstLine: prior.line, merge: true }, `${k.range[0]}:${e.key}`);
              explicit.delete(e.key);
            }
            out.set(e.key, e);
          }
        }
        continue;
      }
      const key = this.keyOf(k, depth);
      const keyPos = this.pos(k?.range[0] ?? node.range[0]);
      const prior = explicit.get(key);
      if (prior) this.dup({ path: [...this.path, key], key, pos: keyPos, firstLine: prior.line, merge: false }, `${k?.range[0] ?? -1}`);
      explicit.set(key, keyPos);
      out.set(key, { key, keyNode: k, valueNode: pair.value });
    }
    return out;
  }

  private dup(d: DupRecord, id: string): void {
    if (this.dupSeen.has(id)) return;
    this.dupSeen.add(id);
    this.dups.push(d);
  }

  private mergeSources(value: ParsedNode | null, depth: number): YAMLMap.Parsed[] {
    const want = (n: ParsedNode | null): YAMLMap.Parsed => {
      let x = n;
      if (x !== null && isAlias(x)) x = this.resolveAlias(x);
      if (x === null || !isMap(x)) throw new StopDocument('malformed', 'a merge key (<<) must refer to a mapping or a list of mappings', n?.range[0] ?? 0);
      return x as YAMLMap.Parsed;
    };
    let v = value;
    if (v !== null && isAlias(v)) {
      const t = this.resolveAlias(v);
      if (isSeq(t)) v = t;
      else return [want(t)];
    }
    if (v !== null && isSeq(v)) {
      if (depth > this.limits.maxStructureDepth) throw new StopDocument('limit', `nesting deeper than ${this.limits.maxStructureDepth} (maxStructureDepth)`, v.range[0], 'maxStructureDepth');
      return (v.items as (ParsedNode | null)[]).map(want);
    }
    return [want(v)];
  }

  private countNode(node: ParsedNode): void {
    if (this.inAlias === 0) return;
    if (++this.expanded > this.limits.maxYamlAliases * 100) {
      throw new StopDocument('limit', `aliases expand to more than ${this.limits.maxYamlAliases * 100} nodes (100 × maxYamlAliases)`, node.range[0], 'maxYamlAliases');
    }
    if (++this.budget.nodes > this.limits.maxYamlNodes) {
      throw new StopDocument('limit', `the file has more than ${this.limits.maxYamlNodes} YAML nodes, counting the nodes aliases copy (maxYamlNodes)`, node.range[0], 'maxYamlNodes');
    }
  }

  walk(node: ParsedNode | null, key: string, depth: number): Json {
    if (node === null) return null;
    if (depth > this.limits.maxStructureDepth) {
      throw new StopDocument('limit', `nesting deeper than ${this.limits.maxStructureDepth} (maxStructureDepth)`, node.range[0], 'maxStructureDepth');
    }
    if (isAlias(node)) {
      const target = this.resolveAlias(node);
      this.inAlias++;
      try {
        return this.walk(target, key, depth + 1);
      } finally {
        this.inAlias--;
      }
    }
    this.countNode(node);
    if (isScalar(node)) return this.scalarValue(node);
    if (isMap(node)) {
      const obj: JsonObject = {};
      for (const e of this.entries(node, depth).values()) {
        const ck = childKey(key, e.key);
        this.positions.set(ck, this.pos(e.keyNode?.range[0] ?? node.range[0]));
        this.path.push(e.key);
        setProp(obj, e.key, this.walk(e.valueNode, ck, depth + 1));
        this.path.pop();
      }
      return obj;
    }
    if (isSeq(node)) {
      const arr: Json[] = [];
      const items = node.items as (ParsedNode | null)[];
      for (let i = 0; i < items.length; i++) {
        const item = items[i] ?? null;
        const ck = childKey(key, i);
        this.positions.set(ck, this.pos(item?.range[0] ?? node.range[0]));
        this.path.push(i);
        arr.push(this.walk(item, ck, depth + 1));
        this.path.pop();
      }
      return arr;
    }
    return null;
  }

  /** Walk an object root (document root or List item) into a fresh position map. */
  walkObject(node: ParsedNode, basePath: (string | number)[]): { value: Json; positions: Map<string, Position> } {
    this.positions = new Map([['', this.pos(node.range[0])]]);
    this.path.length = 0;
    for (const seg of basePath) this.path.push(seg);
    const value = this.walk(node, '', basePath.length);
    return { value, positions: this.positions };
  }

  private rawIdentity(root: YAMLMap.Parsed): { apiVersion: unknown; kind: unknown } {
    const out: { apiVersion: unknown; kind: unknown } = { apiVersion: undefined, kind: undefined };
    for (const pair of root.items as Pair<ParsedNode | null, ParsedNode | null>[]) {
      const k = pair.key;
      const v = pair.value;
      if (k === null || !isScalar(k) || v === null || !isScalar(v)) continue;
      if (k.value === 'apiVersion') out.apiVersion = this.scalarValue(v);
      else if (k.value === 'kind') out.kind = this.scalarValue(v);
    }
    return out;
  }

  /**
   * The top-level `apiVersion` and `kind` of a mapping root, and its `items` sequence when the kind
   * is a List (`List`, `PodList` …), read without walking the rest; undefined when the root is not a
   * mapping. The peek leaves no trace (duplicates and alias counts of the wrapper are recorded by the
   * walk that follows, or by the second read of a List wrapper here).
   */
  peek(root: ParsedNode): { apiVersion: unknown; kind: unknown; items?: YAMLSeq.Parsed } | undefined {
    if (!isMap(root)) return undefined;
    const dups = this.dups.length;
    const aliases = this.aliases;
    const seen = new Set(this.dupSeen);
    let entries: Map<string, Entry>;
    try {
      entries = this.entries(root, 0);
    } catch {
      // The wrapper itself is broken (a mapping as a key, a bad merge): read the two keys as written, so
      // that an object is walked (and its problem reported) and anything else is left alone.
      return this.rawIdentity(root);
    } finally {
      this.dups.length = dups;
      this.dupSeen.clear();
      for (const k of seen) this.dupSeen.add(k);
      this.aliases = aliases;
    }
    const scalar = (name: string): unknown => {
      const n = entries.get(name)?.valueNode;
      if (!n) return undefined;
      const t = isAlias(n) ? this.anchorsOf().get(n) : n;
      return t && isScalar(t) ? this.scalarValue(t) : undefined;
    };
    const apiVersion = scalar('apiVersion');
    const kind = scalar('kind');
    if (typeof kind !== 'string' || !kind.endsWith('List')) return { apiVersion, kind };
    let items = entries.get('items')?.valueNode ?? null;
    if (items !== null && isAlias(items)) items = this.anchorsOf().get(items) ?? null;
    if (items === null || !isSeq(items)) return { apiVersion, kind };
    // The wrapper's own keys: record their duplicates (its items are walked as objects of their own).
    this.entries(root, 0);
    return { apiVersion, kind, items: items as YAMLSeq.Parsed };
  }
}

function isJsonObject(v: Json): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fileLoc(path: string, pos?: Position): FileLocation {
  return pos ? { kind: 'file', path, line: pos.line, column: pos.column } : { kind: 'file', path };
}

function byteLength(text: string): number {
  // Cheap bound first: UTF-16 length ≤ UTF-8 length ≤ 3 × UTF-16 length.
  return text.length * 3 <= Number.MAX_SAFE_INTEGER ? Buffer.byteLength(text, 'utf8') : text.length;
}

function posOf(lc: LineCounter, offset: number): Position {
  const p = lc.linePos(offset);
  return p.line === 0 ? { line: 1, column: offset + 1 } : { line: p.line, column: p.col };
}

export interface ManifestTextResult {
  readonly kind: ManifestTextKind;
  readonly objects: ManifestObject[];
}

/** A finding held back until the text is known to be a manifest. */
interface Held {
  readonly rule: RuleMeta;
  readonly args: ReportArgs;
}

/** What one document turned out to be. */
type DocOutcome =
  | { readonly kind: 'objects'; readonly objects: LoadedObject[] }
  | { readonly kind: 'other' }
  | { readonly kind: 'kustomization' }
  | { readonly kind: 'audit' }
  /** Broken (syntax, not an object, a limit): `clear` when it was clearly meant as a Kubernetes object. */
  | { readonly kind: 'broken'; readonly clear: boolean };

const GROUP_OF = (apiVersion: unknown): string => (typeof apiVersion === 'string' && apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.lastIndexOf('/')) : '');

/** The state of loading one file. */
class FileLoad {
  readonly held: Held[] = [];
  readonly objects: LoadedObject[] = [];
  readonly outcomes: DocOutcome[] = [];
  readonly budget = { nodes: 0 };
  docIndex = -1;
  /** Set when a document limit or the document count stopped the file. */
  stopped = false;

  constructor(
    readonly text: string,
    readonly path: string,
    readonly limits: Limits,
    readonly lc: LineCounter,
  ) {}

  hold(rule: RuleMeta, args: ReportArgs): void {
    this.held.push({ rule, args });
  }

  /**
   * Parse `src` (the whole text, or one value of a JSON stream at `base`) document by document;
   * `countLines`: feed the line counter while parsing (the whole text), else it is already complete.
   */
  parse(src: string, base: number, countLines = base === 0): void {
    const remaining = { maxYamlNodes: Math.max(0, this.limits.maxYamlNodes - this.budget.nodes), maxYamlAliases: this.limits.maxYamlAliases };
    const stream = boundedTokens(src, remaining, countLines ? this.lc.addNewLine : undefined);
    const composer = new Composer({ version: '1.1', schema: 'failsafe', uniqueKeys: false, merge: false, strict: false });
    for (const doc of composer.compose(stream.tokens, false, src.length) as Iterable<Document.Parsed>) {
      this.docIndex++;
      if (this.docIndex >= this.limits.maxYamlDocuments) {
        this.hold(coreRules.limitExceeded, {
          location: fileLoc(this.path, posOf(this.lc, base + doc.range[0])),
          message: `more than ${this.limits.maxYamlDocuments} YAML documents (maxYamlDocuments); the rest of the file was not analysed`,
          evidence: 'maxYamlDocuments',
        });
        this.outcomes.push({ kind: 'broken', clear: false });
        this.stopped = true;
        return;
      }
      this.outcomes.push(this.loadDocument(doc, src, base));
    }
    this.budget.nodes += stream.nodes;
    const stop = stream.stop;
    if (stop) {
      const n = this.docIndex + 2;
      const what = stop.limit === 'maxYamlNodes' ? `the file has more than ${this.limits.maxYamlNodes} YAML nodes (maxYamlNodes)` : `document ${n} has more than ${this.limits.maxYamlAliases} aliases (maxYamlAliases)`;
      this.hold(coreRules.limitExceeded, {
        location: fileLoc(this.path, posOf(this.lc, base + stop.offset)),
        message: `${what}: reading stopped there, so document ${n} and the rest of the file were not analysed`,
        evidence: stop.limit,
      });
      // Whether the unread document was a manifest is judged from its beginning.
      const start = this.lastDocEnd(src);
      this.outcomes.push({ kind: 'broken', clear: clearlyManifestDocument(src.slice(start, Math.min(src.length, start + 65536)), stop.offset - start) });
      this.stopped = true;
    }
  }

  private lastEnd = 0;

  private lastDocEnd(src: string): number {
    return Math.min(this.lastEnd, src.length);
  }

  private loadDocument(doc: Document.Parsed, src: string, base: number): DocOutcome {
    const n = this.docIndex + 1;
    this.lastEnd = doc.range[2];
    const docText = (): string => src.slice(doc.range[0], doc.range[2]);
    if (doc.errors.length > 0) {
      const err = doc.errors[0];
      const at = err?.pos[0] ?? doc.range[0];
      const pos = posOf(this.lc, base + at);
      const first = (err?.message ?? 'syntax error').split('\n')[0] ?? '';
      if (err?.code === 'RESOURCE_EXHAUSTION') {
        this.hold(coreRules.limitExceeded, {
          location: fileLoc(this.path, pos),
          message: `document ${n} is nested too deeply for the YAML parser (maxStructureDepth); it was not analysed`,
          evidence: 'maxStructureDepth',
        });
        return { kind: 'broken', clear: clearlyManifestDocument(docText(), at - doc.range[0]) };
      }
      const hint = hasTemplateAction(this.text) ? ' (the file contains `{{ }}`: if it is a Helm or Go template, scan the output of `helm template` instead)' : '';
      this.hold(coreRules.malformedInput, {
        location: fileLoc(this.path, pos),
        message: `YAML document ${n} could not be parsed: ${first}${hint}; the other documents were analysed`,
      });
      return { kind: 'broken', clear: clearlyManifestDocument(docText(), at - doc.range[0]) };
    }
    const root = doc.contents as ParsedNode | null;
    // An empty document (only comments, or a trailing `---`) is not an object and not an error.
    if (root === null || (isScalar(root) && root.type === 'PLAIN' && (root.value === null || root.value === ''))) return { kind: 'other' };
    const w = new DocWalker(doc, this.lc, this.limits, base, this.budget);
    const docObjects: LoadedObject[] = [];
    try {
      const id = w.peek(root);
      if (id === undefined) {
        this.notObject(w.pos(root.range[0]), n, 'is not a mapping');
        return { kind: 'other' };
      }
      const group = GROUP_OF(id.apiVersion);
      if (group === 'kustomize.config.k8s.io') return { kind: 'kustomization' };
      if (group === 'audit.k8s.io') return { kind: 'audit' };
      if (id.items) {
        const items = id.items.items as (ParsedNode | null)[];
        const listKind = typeof id.kind === 'string' ? id.kind : 'List';
        const itemKind = listKind === 'List' ? undefined : listKind.slice(0, -'List'.length);
        const listApiVersion = typeof id.apiVersion === 'string' ? id.apiVersion : '';
        for (let i = 0; i < items.length; i++) {
          const item = items[i] ?? null;
          if (item === null) continue;
          const { value, positions } = w.walkObject(item, ['items', i]);
          const obj = toObject(value, positions, this.path, this.docIndex, ['items', i], itemKind, listApiVersion);
          if (typeof obj === 'string') this.hold(coreRules.malformedInput, { location: fileLoc(this.path, w.pos(item.range[0])), message: `document ${n}, items[${i}]: ${obj}` });
          else docObjects.push(obj);
        }
      } else {
        if (typeof id.apiVersion !== 'string' && typeof id.kind !== 'string') return { kind: 'other' };
        const { value, positions } = w.walkObject(root, []);
        const obj = toObject(value, positions, this.path, this.docIndex, [], undefined, undefined);
        if (typeof obj === 'string') {
          this.notObject(w.pos(root.range[0]), n, obj);
          return { kind: 'broken', clear: false };
        }
        docObjects.push(obj);
      }
    } catch (e) {
      if (!(e instanceof StopDocument)) throw e;
      const pos = w.pos(e.offset);
      if (e.kind === 'limit') this.hold(coreRules.limitExceeded, { location: fileLoc(this.path, pos), message: `document ${n}: ${e.message}; it was not analysed`, evidence: e.limit ?? 'limit' });
      else this.hold(coreRules.malformedInput, { location: fileLoc(this.path, pos), message: `document ${n}: ${e.message}; it was not analysed` });
      return { kind: 'broken', clear: clearlyManifestDocument(docText(), e.offset - doc.range[0]) };
    }
    for (const o of docObjects) this.objects.push(o);
    const byItem = new Map<number, LoadedObject>();
    for (const o of docObjects) if (o.origin.basePath[0] === 'items' && typeof o.origin.basePath[1] === 'number') byItem.set(o.origin.basePath[1], o);
    for (const d of w.dups) this.duplicate(d, byItem, docObjects);
    return { kind: 'objects', objects: docObjects };
  }

  private notObject(pos: Position, n: number, why: string): void {
    this.hold(coreRules.malformedInput, {
      location: fileLoc(this.path, pos),
      message: `YAML document ${n} ${why}, so it is not a Kubernetes object; it was not analysed`,
    });
  }

  private duplicate(d: DupRecord, byItem: ReadonlyMap<number, LoadedObject>, docObjects: readonly LoadedObject[]): void {
    // Items of a List own the duplicates under `items[i]`; anything else belongs to the document object.
    const item = d.path[0] === 'items' && typeof d.path[1] === 'number' ? byItem.get(d.path[1]) : undefined;
    const owner = item ?? (byItem.size === 0 ? docObjects[0] : undefined);
    const message = d.merge
      ? `key ${JSON.stringify(d.key)} is set on line ${d.firstLine} and overwritten by the merge key (<<) after it: kubectl (yaml.v2) uses the merged value, the YAML specification and most other tools the explicit one`
      : `key ${JSON.stringify(d.key)} is set twice in this mapping (first on line ${d.firstLine}); Kubernetes uses the last value, strict decoders reject the object and other tools read the first`;
    if (!owner) {
      this.hold(duplicateKey, { location: fileLoc(this.path, d.pos), message, evidence: formatFieldPath(d.path) });
      return;
    }
    const rel = d.path.slice(owner.origin.basePath.length);
    const loc = fileLocationOf(owner, owner.origin, rel);
    this.hold(duplicateKey, { location: { ...loc, line: d.pos.line, column: d.pos.column }, message });
  }

  /** The kind of the whole text, from its documents. */
  kind(): ManifestTextKind {
    let kustomization = false;
    let audit = false;
    let clear = false;
    for (const o of this.outcomes) {
      if (o.kind === 'objects') return 'manifest';
      if (o.kind === 'kustomization') kustomization = true;
      else if (o.kind === 'audit') audit = true;
      else if (o.kind === 'broken' && o.clear) clear = true;
    }
    if (clear) return 'manifest';
    return kustomization ? 'kustomization' : audit ? 'audit-log' : 'not-manifest';
  }
}

/** A text over `maxTextBytes` whose beginning is a manifest: a high "not analysed" finding (never silence). */
export function reportManifestTooLarge(path: string, bytes: number, limits: Limits, reporter: Pick<Reporter, 'report'>): void {
  reporter.report(coreRules.limitExceeded, {
    location: fileLoc(path),
    message: `manifest of ${bytes} bytes is larger than ${limits.maxTextBytes} bytes (maxTextBytes); it was not analysed`,
    evidence: 'maxTextBytes',
  });
}

/** Whether the beginning of an oversized text is a Kubernetes manifest (its first document, judged from its first 64 KiB). */
export function manifestHead(head: string): boolean {
  const text = head.length > 65536 ? head.slice(0, 65536) : head;
  if (!looksLikeManifest(text) || hasCodeFence(text) || helmTemplateMarker(text) !== undefined) return false;
  return clearlyManifestDocument(text, text.length);
}

/**
 * Whether a file too large to analyse (over `maxTextBytes`) is a manifest, judged from its first bytes
 * (any length; 64 KiB is enough), in any encoding Kubernetes reads. The engine calls it for such a
 * file and, when true, `reportManifestTooLarge` instead of leaving the file silently unsupported.
 */
export function manifestHeadBytes(head: Uint8Array): boolean {
  const decoded = decodeManifestHead(head.length > 262144 ? head.subarray(0, 262144) : head);
  return decoded !== undefined && manifestHead(decoded.text);
}

/**
 * Load a text as Kubernetes reads it and say what it is (`ManifestTextKind`). Only a manifest reports:
 * malformed documents, limits and duplicate keys go to `reporter`, and a limit or a broken document
 * stops only that document (the lexing bounds: the rest of the file). Any other text returns no
 * objects and reports nothing.
 */
export function loadManifestText(text: string, path: string, limits: Limits, reporter: Pick<Reporter, 'report'>): ManifestTextResult {
  if (text.length > limits.maxTextBytes || byteLength(text) > limits.maxTextBytes) {
    if (!manifestHead(text)) return { kind: 'not-manifest', objects: [] };
    reportManifestTooLarge(path, byteLength(text), limits, reporter);
    return { kind: 'manifest', objects: [] };
  }
  if (!looksLikeManifest(text) || hasCodeFence(text)) return { kind: 'not-manifest', objects: [] };
  if (helmTemplateMarker(text) !== undefined) return { kind: 'helm-template', objects: [] };
  const lc = new LineCounter();
  let load = new FileLoad(text, path, limits, lc);
  try {
    load.parse(text, 0);
    if (load.outcomes.some((o) => o.kind === 'broken')) {
      // A JSON stream (`{…}{…}`, JSON lines) is no YAML document: read its values one by one.
      const values = /^[\s\uFEFF]*[{[]/.test(text) ? splitJsonStream(text) : undefined;
      if (values !== undefined && values.length > 1) {
        const first = values[0] as [number, number];
        if (isAuditEvent(text.slice(first[0], first[1]))) return { kind: 'audit-log', objects: [] };
        load = new FileLoad(text, path, limits, lineCounterOf(text));
        for (const [start, end] of values) {
          load.parse(text.slice(start, end), start, false);
          if (load.stopped) break;
        }
      }
    }
  } catch (e) {
    // The parser itself failed (should not happen: it reports errors per document). Fail closed.
    load.hold(coreRules.malformedInput, {
      location: fileLoc(path),
      message: `the YAML parser stopped: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}; documents after document ${load.docIndex + 1} were not analysed`,
    });
    load.outcomes.push({ kind: 'broken', clear: looksLikeManifest(text) });
  }
  const kind = load.kind();
  if (kind === 'kustomization') reportKustomization(path, reporter);
  if (kind !== 'manifest') return { kind, objects: [] };
  for (const h of load.held) reporter.report(h.rule, h.args);
  return { kind, objects: load.objects };
}

/** A LineCounter of the whole text (the values of a JSON stream are parsed one by one, without one). */
function lineCounterOf(text: string): LineCounter {
  const lc = new LineCounter();
  lc.addNewLine(0);
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lc.addNewLine(i + 1);
  return lc;
}

function isAuditEvent(json: string): boolean {
  try {
    const v = JSON.parse(json) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) && GROUP_OF((v as Record<string, unknown>)['apiVersion']) === 'audit.k8s.io';
  } catch {
    return false;
  }
}

/**
 * Parse a manifest file (YAML stream or JSON) into objects; `loadManifestText(…).objects`. Problems
 * (malformed documents, limits, duplicate keys) of a manifest are reported to `reporter`; text that is
 * not a manifest yields no objects and no finding.
 */
export function loadManifests(text: string, path: string, limits: Limits, reporter: Pick<Reporter, 'report'>): ManifestObject[] {
  return loadManifestText(text, path, limits, reporter).objects;
}

/** A ManifestObject as the loader builds it (origin `file`). */
type LoadedObject = ManifestObject & { readonly origin: FileOrigin };

/** Build the ManifestObject (or say why the value is not one). */
function toObject(
  value: Json,
  positions: Map<string, Position>,
  path: string,
  docIndex: number,
  basePath: FieldPath,
  inferredKind: string | undefined,
  listApiVersion: string | undefined,
): LoadedObject | string {
  if (!isJsonObject(value)) return 'is not a mapping';
  const id = objectIdentity(value);
  const kind = id.kind ?? inferredKind;
  const apiVersion = id.apiVersion ?? (inferredKind !== undefined ? listApiVersion : undefined);
  if (kind === undefined || apiVersion === undefined) {
    return `has no ${kind === undefined ? 'kind' : 'apiVersion'}`;
  }
  const obj: LoadedObject = {
    path,
    apiVersion,
    kind,
    name: id.name,
    ...(id.namespace !== undefined && { namespace: id.namespace }),
    value,
    origin: { kind: 'file', docIndex, positions, basePath },
  };
  applyDefaults(obj);
  return obj;
}

// Re-exported for tests that need the raw node types.
export type { Node };
