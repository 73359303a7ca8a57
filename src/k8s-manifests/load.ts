/**
 * Manifest loading: text (YAML multi-document stream or JSON) → Kubernetes objects with the position of
 * every field, read the way Kubernetes reads them.
 *
 * Tricks handled (each has a test in load.test.ts):
 * - YAML as `sigs.k8s.io/yaml` (yaml.v2) reads it: `privileged: yes` is true, `0x1F` is 31, `1:20`
 *   stays a string, timestamps stay strings (see yaml-resolve.ts). The `yaml` package only builds
 *   the AST (failsafe schema, so it never guesses types itself).
 * - Merge keys (`<<: *base`) applied in yaml.v2 order: entries are applied in document order and a
 *   later one overwrites an earlier one, so a merge *after* an explicit key wins in Kubernetes but
 *   loses under the YAML spec; that disagreement is reported like a duplicate key.
 * - Duplicate keys: the last one wins (as yaml.v2 and Go's encoding/json), and each duplicate is a
 *   `k8s/duplicate-key` finding, because strict decoders reject them and other tools keep the first.
 * - Aliases and alias bombs: every alias resolution counts against `maxYamlAliases`, and the nodes
 *   copied through aliases against 100 × `maxYamlAliases`; nesting against `maxStructureDepth`;
 *   documents against `maxYamlDocuments`; text against `maxTextBytes`. A limit stops the document
 *   (`scan/limit-exceeded`), never the scan.
 * - Broken documents: a `scan/malformed-input` finding at the parser's line/column; the other
 *   documents of the file are still analysed (the parser resynchronises at `---`).
 * - `List` kinds (`kind: List`, typed lists such as `PodList` whose items may omit apiVersion/kind):
 *   each item becomes an object with `basePath: ['items', i]` and positions relative to the item.
 * - JSON (`kubectl get -o json`): parsed by the same YAML parser (JSON is YAML flow syntax); its
 *   scalars resolve identically. Byte-order marks are skipped; stdin is just the path `-`.
 * - Positions: one walk of the AST per document builds the value and the position map together
 *   (`LineCounter.linePos` is a binary search).
 */
import type { Alias, Document, Node, Pair, ParsedNode, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import { Composer, LineCounter, Parser, isAlias, isMap, isScalar, isSeq, visit } from 'yaml';
import type { FileLocation } from '../findings/index.js';
import type { Limits } from '../limits/index.js';
import type { Reporter } from '../rules/index.js';
import { coreRules, defineRule } from '../rules/index.js';
import { applyDefaults } from './defaults.js';
import { objectIdentity } from './json-objects.js';
import { IMAGE, at, fires, goodPod, pod, silent } from './sample-manifests.js';
import type { FieldPath, FileOrigin, Json, JsonObject, ManifestObject, Position } from './model.js';
import { fileLocationOf, formatFieldPath } from './model.js';
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

const SNIFF_CHARS = 1024 * 1024;
const API_VERSION_KEY = /(?:^|[\s{,])["']?apiVersion["']?\s*:/m;
const KIND_KEY = /(?:^|[\s{,])["']?kind["']?\s*:/m;

/** Cheap content check: YAML or JSON text with `apiVersion` and `kind` keys near the start. */
export function looksLikeManifest(text: string): boolean {
  const head = text.length > SNIFF_CHARS ? text.slice(0, SNIFF_CHARS) : text;
  return API_VERSION_KEY.test(head) && KIND_KEY.test(head);
}

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
  ) {}

  pos(offset: number): Position {
    const p = this.lc.linePos(offset);
    return p.line === 0 ? { line: 1, column: offset + 1 } : { line: p.line, column: p.col };
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
    if (this.inAlias > 0 && ++this.expanded > this.limits.maxYamlAliases * 100) {
      throw new StopDocument('limit', `aliases expand to more than ${this.limits.maxYamlAliases * 100} nodes (100 × maxYamlAliases)`, node.range[0], 'maxYamlAliases');
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

  /** If the root is a List, its `kind`, `apiVersion` and `items` node. */
  listShape(root: ParsedNode): { kind: string; apiVersion: string; items: YAMLSeq.Parsed } | undefined {
    if (!isMap(root)) return undefined;
    // Peek without side effects unless this is a List (walkObject reads a non-List root again).
    const dups = this.dups.length;
    const aliases = this.aliases;
    const shape = this.peekList(root);
    if (!shape) {
      this.dups.length = dups;
      this.dupSeen.clear();
      this.aliases = aliases;
    }
    return shape;
  }

  private peekList(root: YAMLMap.Parsed): { kind: string; apiVersion: string; items: YAMLSeq.Parsed } | undefined {
    let entries: Map<string, Entry>;
    try {
      entries = this.entries(root, 0);
    } catch {
      return undefined;
    }
    const kindNode = entries.get('kind')?.valueNode;
    const kind = kindNode && isScalar(kindNode) ? this.scalarValue(kindNode) : undefined;
    if (typeof kind !== 'string' || !kind.endsWith('List')) return undefined;
    let items = entries.get('items')?.valueNode ?? null;
    if (items !== null && isAlias(items)) items = this.resolveAlias(items);
    if (items === null || !isSeq(items)) return undefined;
    const avNode = entries.get('apiVersion')?.valueNode;
    const av = avNode && isScalar(avNode) ? this.scalarValue(avNode) : undefined;
    // Only the wrapper's own keys were read here; its duplicates are recorded by this call.
    return { kind, apiVersion: typeof av === 'string' ? av : '', items: items as YAMLSeq.Parsed };
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

/**
 * Parse a manifest file (YAML stream or JSON) into objects. Problems (malformed documents, limits,
 * duplicate keys) are reported to `reporter`; a limit or a broken document stops only that document.
 */
export function loadManifests(text: string, path: string, limits: Limits, reporter: Reporter): ManifestObject[] {
  const objects: ManifestObject[] = [];
  if (text.length > limits.maxTextBytes || byteLength(text) > limits.maxTextBytes) {
    reporter.report(coreRules.limitExceeded, {
      location: fileLoc(path),
      message: `manifest text is larger than ${limits.maxTextBytes} bytes (maxTextBytes); it was not analysed`,
      evidence: 'maxTextBytes',
    });
    return objects;
  }
  const src = text; // the YAML lexer skips a leading byte-order mark itself (offsets stay those of the text)
  const lc = new LineCounter();
  const parser = new Parser(lc.addNewLine);
  const composer = new Composer({ version: '1.1', schema: 'failsafe', uniqueKeys: false, merge: false, strict: false });
  const looksTemplated = src.includes('{{');
  let docIndex = -1;
  try {
    for (const doc of composer.compose(parser.parse(src), false, src.length) as Iterable<Document.Parsed>) {
      docIndex++;
      if (docIndex >= limits.maxYamlDocuments) {
        reporter.report(coreRules.limitExceeded, {
          location: fileLoc(path, posOf(lc, doc.range[0])),
          message: `more than ${limits.maxYamlDocuments} YAML documents (maxYamlDocuments); the rest of the file was not analysed`,
          evidence: 'maxYamlDocuments',
        });
        break;
      }
      loadDocument(doc, docIndex, path, lc, limits, looksTemplated, objects, reporter);
    }
  } catch (e) {
    // The parser itself failed (should not happen: it reports errors per document). Fail closed.
    reporter.report(coreRules.malformedInput, {
      location: fileLoc(path),
      message: `the YAML parser stopped: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}; documents after document ${docIndex + 1} were not analysed`,
    });
  }
  return objects;
}

function posOf(lc: LineCounter, offset: number): Position {
  const p = lc.linePos(offset);
  return p.line === 0 ? { line: 1, column: offset + 1 } : { line: p.line, column: p.col };
}

function loadDocument(
  doc: Document.Parsed,
  docIndex: number,
  path: string,
  lc: LineCounter,
  limits: Limits,
  looksTemplated: boolean,
  objects: ManifestObject[],
  reporter: Reporter,
): void {
  const n = docIndex + 1;
  if (doc.errors.length > 0) {
    const err = doc.errors[0];
    const pos = posOf(lc, err?.pos[0] ?? doc.range[0]);
    const first = (err?.message ?? 'syntax error').split('\n')[0] ?? '';
    if (err?.code === 'RESOURCE_EXHAUSTION') {
      reporter.report(coreRules.limitExceeded, {
        location: fileLoc(path, pos),
        message: `document ${n} is nested too deeply for the YAML parser (maxStructureDepth); it was not analysed`,
        evidence: 'maxStructureDepth',
      });
      return;
    }
    const hint = looksTemplated ? ' (the file contains `{{`: if it is a Helm or Go template, scan the output of `helm template` instead)' : '';
    reporter.report(coreRules.malformedInput, {
      location: fileLoc(path, pos),
      message: `YAML document ${n} could not be parsed: ${first}${hint}; the other documents were analysed`,
    });
    return;
  }
  const root = doc.contents as ParsedNode | null;
  // An empty document (only comments, or a trailing `---`) is not an object and not an error.
  if (root === null || (isScalar(root) && root.type === 'PLAIN' && (root.value === null || root.value === ''))) return;
  const w = new DocWalker(doc, lc, limits);
  const docObjects: LoadedObject[] = [];
  try {
    const list = w.listShape(root);
    if (list) {
      const items = list.items.items as (ParsedNode | null)[];
      const itemKind = list.kind === 'List' ? undefined : list.kind.slice(0, -'List'.length);
      for (let i = 0; i < items.length; i++) {
        const item = items[i] ?? null;
        if (item === null) continue;
        const { value, positions } = w.walkObject(item, ['items', i]);
        const obj = toObject(value, positions, path, docIndex, ['items', i], itemKind, list.apiVersion);
        if (typeof obj === 'string') {
          reporter.report(coreRules.malformedInput, { location: fileLoc(path, w.pos(item.range[0])), message: `document ${n}, items[${i}]: ${obj}` });
        } else docObjects.push(obj);
      }
    } else {
      const { value, positions } = w.walkObject(root, []);
      if (!isJsonObject(value)) return reportNotObject(reporter, path, w.pos(root.range[0]), n, 'is not a mapping');
      const obj = toObject(value, positions, path, docIndex, [], undefined, undefined);
      if (typeof obj === 'string') return reportNotObject(reporter, path, w.pos(root.range[0]), n, obj);
      docObjects.push(obj);
    }
  } catch (e) {
    if (!(e instanceof StopDocument)) throw e;
    const pos = w.pos(e.offset);
    if (e.kind === 'limit') reporter.report(coreRules.limitExceeded, { location: fileLoc(path, pos), message: `document ${n}: ${e.message}; it was not analysed`, evidence: e.limit ?? 'limit' });
    else reporter.report(coreRules.malformedInput, { location: fileLoc(path, pos), message: `document ${n}: ${e.message}; it was not analysed` });
    return;
  }
  for (const o of docObjects) objects.push(o);
  const byItem = new Map<number, LoadedObject>();
  for (const o of docObjects) if (o.origin.basePath[0] === 'items' && typeof o.origin.basePath[1] === 'number') byItem.set(o.origin.basePath[1], o);
  for (const d of w.dups) reportDuplicate(reporter, d, byItem, docObjects, path);
}

function reportNotObject(reporter: Reporter, path: string, pos: Position, n: number, why: string): void {
  reporter.report(coreRules.malformedInput, {
    location: fileLoc(path, pos),
    message: `YAML document ${n} ${why}, so it is not a Kubernetes object; it was not analysed`,
  });
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

function reportDuplicate(reporter: Reporter, d: DupRecord, byItem: ReadonlyMap<number, LoadedObject>, docObjects: readonly LoadedObject[], path: string): void {
  // Items of a List own the duplicates under `items[i]`; anything else belongs to the document object.
  const item = d.path[0] === 'items' && typeof d.path[1] === 'number' ? byItem.get(d.path[1]) : undefined;
  const owner = item ?? (byItem.size === 0 ? docObjects[0] : undefined);
  const message = d.merge
    ? `key ${JSON.stringify(d.key)} is set on line ${d.firstLine} and overwritten by the merge key (<<) after it: kubectl (yaml.v2) uses the merged value, the YAML specification and most other tools the explicit one`
    : `key ${JSON.stringify(d.key)} is set twice in this mapping (first on line ${d.firstLine}); Kubernetes uses the last value, strict decoders reject the object and other tools read the first`;
  if (!owner) {
    reporter.report(duplicateKey, { location: fileLoc(path, d.pos), message, evidence: formatFieldPath(d.path) });
    return;
  }
  const rel = d.path.slice(owner.origin.basePath.length);
  const loc = fileLocationOf(owner, owner.origin, rel);
  reporter.report(duplicateKey, { location: { ...loc, line: d.pos.line, column: d.pos.column }, message });
}

// Re-exported for tests that need the raw node types.
export type { Node };
