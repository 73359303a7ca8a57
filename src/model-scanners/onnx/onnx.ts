/**
 * ONNX: a bounded walk over the ModelProto wire format (field numbers from onnx.proto, checked
 * against onnx 1.23's generated descriptors). Only structure is read: operator types and domains,
 * opset imports, model-local functions, subgraphs (If/Loop/Scan bodies in attributes, training
 * graphs) and external-data references of every tensor. Tensor payloads (`raw_data` and the typed
 * `*_data` fields) are skipped by length, so a 2 GB model costs a walk over its node list only.
 *
 * Domains: the ONNX standard domains and onnxruntime's built-in contrib domains (`com.microsoft`
 * and friends, implemented inside onnxruntime itself) are accepted; any other domain needs a custom-op
 * library (native code loaded into the server) unless a model-local function defines it.
 */
import { lstatSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import type { ByteSource } from '../../limits/index.js';
import type { ModelScanContext } from '../context.js';
import type { PbField } from '../protobuf/index.js';
import { ProtoWalker, STOP_WALK, WIRE_LEN, WIRE_VARINT } from '../protobuf/index.js';
import { CappedReporter, quote } from '../safetensors/index.js';
import * as R from './rules.js';

/** Standard ONNX domains. */
export const ONNX_STANDARD_DOMAINS: readonly string[] = ['', 'ai.onnx', 'ai.onnx.ml', 'ai.onnx.training', 'ai.onnx.preview.training'];
/** onnxruntime's contrib domains: operators compiled into onnxruntime itself (no extra library). */
export const ONNXRUNTIME_BUILTIN_DOMAINS: readonly string[] = ['com.microsoft', 'com.microsoft.nchwc', 'com.microsoft.experimental', 'com.ms.internal.nhwc', 'com.microsoft.dml'];
const ACCEPTED = new Set([...ONNX_STANDARD_DOMAINS, ...ONNXRUNTIME_BUILTIN_DOMAINS]);
/** Operators that call back into Python (onnxruntime-extensions PyOp, torch.onnx's PythonOp). */
const PYTHON_OPS = /^(PyOp|PythonOp|PyFunc|PythonFunction|Py[A-Z]\w*Op)$/;

const MODEL_FIELDS = new Set([1, 2, 3, 4, 5, 6, 7, 8, 14, 20, 25, 26]);

export interface OnnxExternalRef {
  readonly tensor: string;
  readonly location: string;
  readonly offset: string | undefined;
  readonly length: string | undefined;
  readonly at: number;
}

export interface OnnxSummary {
  readonly irVersion: number | undefined;
  readonly opsets: ReadonlyMap<string, number>;
  /** domain → op_type → count. */
  readonly ops: ReadonlyMap<string, ReadonlyMap<string, number>>;
  readonly nodes: number;
  readonly functions: readonly string[];
  readonly externalData: readonly OnnxExternalRef[];
  readonly fieldsVisited: number;
}

/**
 * Content sniff: a protobuf whose top-level fields are all ModelProto fields, with an ir_version
 * (field 1 varint, 1..64) and a graph (7) or opset_import (8). Walks only the top level, skipping
 * payloads by length (cheap even for multi-GB files); never throws.
 */
export function isOnnx(source: ByteSource): boolean {
  if (source.size < 4) return false;
  const first = source.read(0, 1)[0];
  if (first === undefined || (first & 7) > 5 || first < 8) return false;
  const w = new ProtoWalker(source, { maxDepth: 2, maxStringBytes: 64, maxFields: 256, chunkSize: 512 });
  let ir: number | undefined;
  let graphOrOpset = false;
  let ok = true;
  try {
    w.message(0, source.size, (f) => {
      if (!MODEL_FIELDS.has(f.field)) ok = false;
      if (f.field === 1) ir = f.wire === WIRE_VARINT ? f.varint : -1;
      if ((f.field === 7 || f.field === 8) && f.wire === WIRE_LEN) graphOrOpset = true;
      if ((f.field === 2 || f.field === 3 || f.field === 4 || f.field === 6) && f.wire !== WIRE_LEN) ok = false;
      // Enough seen: ir_version and a graph or opset, and every field so far a ModelProto field.
      if (!ok || (ir !== undefined && graphOrOpset)) throw STOP_WALK;
    });
  } catch (e) {
    if (e !== STOP_WALK) return false;
  }
  return ok && graphOrOpset && ir !== undefined && ir >= 1 && ir <= 64;
}

interface NodeRef {
  readonly domain: string;
  readonly op: string;
  readonly name: string;
  readonly at: number;
}

export function scanOnnx(source: ByteSource, ctx: ModelScanContext): OnnxSummary | undefined {
  const rep = new CappedReporter(ctx);
  const w = new ProtoWalker(source, { maxDepth: ctx.limits.maxStructureDepth, maxStringBytes: ctx.limits.maxStringBytes });
  const opsets = new Map<string, number>();
  const ops = new Map<string, Map<string, number>>();
  const firstNodeOfDomain = new Map<string, NodeRef>();
  const functionDomains = new Set<string>();
  const functions: string[] = [];
  const external: OnnxExternalRef[] = [];
  const pythonOps: NodeRef[] = [];
  let irVersion: number | undefined;
  let nodes = 0;

  const str = (f: PbField): string => w.string(f).text;

  const walkTensor = (f: PbField): void => {
    let name = '';
    let location: string | undefined;
    let offset: string | undefined;
    let length: string | undefined;
    let externalFlag = false;
    w.nested(f, (t) => {
      if (t.field === 8 && t.wire === WIRE_LEN) name = str(t);
      else if (t.field === 14 && t.wire === WIRE_VARINT) externalFlag = t.varint === 1;
      else if (t.field === 13 && t.wire === WIRE_LEN) {
        let k = '';
        let v = '';
        w.nested(t, (e) => {
          if (e.field === 1 && e.wire === WIRE_LEN) k = str(e);
          else if (e.field === 2 && e.wire === WIRE_LEN) v = str(e);
        });
        if (k === 'location') location = v;
        else if (k === 'offset') offset = v;
        else if (k === 'length') length = v;
      }
      // field 9 raw_data and the typed data fields are skipped by length: never read.
    });
    if (externalFlag || location !== undefined) {
      external.push({ tensor: name, location: location ?? '', offset, length, at: f.tagOffset });
    }
  };

  const walkGraph = (f: PbField): void => {
    w.nested(f, (g) => {
      if (g.field === 1 && g.wire === WIRE_LEN) walkNode(g);
      else if (g.field === 5 && g.wire === WIRE_LEN) walkTensor(g);
      else if (g.field === 15 && g.wire === WIRE_LEN) {
        w.nested(g, (s) => {
          if ((s.field === 1 || s.field === 2) && s.wire === WIRE_LEN) walkTensor(s);
        });
      }
    });
  };

  const walkAttribute = (f: PbField): void => {
    w.nested(f, (a) => {
      if (a.wire !== WIRE_LEN) return;
      if (a.field === 6 || a.field === 11) walkGraph(a); // g, graphs: subgraphs run as part of the model
      else if (a.field === 5 || a.field === 10) walkTensor(a); // t, tensors (Constant values can be external)
      else if (a.field === 22 || a.field === 23) {
        w.nested(a, (s) => {
          if ((s.field === 1 || s.field === 2) && s.wire === WIRE_LEN) walkTensor(s);
        });
      }
    });
  };

  const walkNode = (f: PbField): void => {
    let op = '';
    let domain = '';
    let name = '';
    w.nested(f, (n) => {
      if (n.wire !== WIRE_LEN) return;
      if (n.field === 4) op = str(n);
      else if (n.field === 7) domain = str(n);
      else if (n.field === 3) name = str(n);
      else if (n.field === 5) walkAttribute(n);
    });
    nodes++;
    const d = domain === 'ai.onnx' ? '' : domain;
    let m = ops.get(d);
    if (!m) ops.set(d, (m = new Map()));
    m.set(op, (m.get(op) ?? 0) + 1);
    const ref = { domain: d, op, name, at: f.tagOffset };
    if (!firstNodeOfDomain.has(d)) firstNodeOfDomain.set(d, ref);
    if (PYTHON_OPS.test(op)) pythonOps.push(ref);
  };

  const walkOpset = (f: PbField, into: Map<string, number>): void => {
    let domain = '';
    let version = 0;
    w.nested(f, (o) => {
      if (o.field === 1 && o.wire === WIRE_LEN) domain = str(o);
      else if (o.field === 2 && o.wire === WIRE_VARINT) version = o.varint;
    });
    into.set(domain, version);
  };

  try {
    w.message(0, source.size, (f) => {
      if (f.field === 1 && f.wire === WIRE_VARINT) irVersion = f.varint;
      else if (f.field === 8 && f.wire === WIRE_LEN) walkOpset(f, opsets);
      else if (f.field === 7 && f.wire === WIRE_LEN) walkGraph(f); // every occurrence: parsers merge them
      else if (f.field === 20 && f.wire === WIRE_LEN) {
        w.nested(f, (t) => {
          if ((t.field === 1 || t.field === 2) && t.wire === WIRE_LEN) walkGraph(t);
        });
      } else if (f.field === 25 && f.wire === WIRE_LEN) {
        let fname = '';
        let fdomain = '';
        w.nested(f, (fn) => {
          if (fn.wire !== WIRE_LEN) return;
          if (fn.field === 1) fname = str(fn);
          else if (fn.field === 10) fdomain = str(fn);
          else if (fn.field === 7) walkNode(fn);
        });
        functionDomains.add(fdomain);
        functions.push(`${fdomain}::${fname}`);
      }
    });
  } catch (e) {
    ctx.failed(e, 'ONNX analysis');
  }

  // Custom domains (one finding per domain, listing its operators).
  for (const [domain, m] of ops) {
    if (ACCEPTED.has(domain) || functionDomains.has(domain)) continue;
    const first = firstNodeOfDomain.get(domain);
    const list = [...m.entries()].map(([op, n]) => (n > 1 ? `${op}×${n}` : op));
    rep.report(R.customOperatorDomain, {
      location: ctx.at(first?.at),
      message: `${[...m.values()].reduce((a, b) => a + b, 0)} node(s) use the custom operator domain ${quote(domain)} (${list.slice(0, 10).join(', ')}${list.length > 10 ? ', …' : ''}); running them needs a native custom-op library`,
      evidence: domain,
    });
  }
  for (const p of pythonOps) {
    rep.report(R.customOperatorDomain, {
      location: ctx.at(p.at),
      message: `node ${quote(p.name)} is a Python callback operator ${quote(p.op)}${p.domain ? ` in domain ${quote(p.domain)}` : ''}: it runs Python code registered in the serving process`,
      severity: 'critical',
      evidence: `${p.domain}::${p.op}`,
    });
  }
  checkExternalData(external, ctx, rep);
  rep.flush(R.ONNX_RULES);
  return { irVersion, opsets, ops, nodes, functions, externalData: external, fieldsVisited: w.fieldsVisited };
}

const INT_RE = /^\d{1,19}$/;

/**
 * Check external-data references. Locations are data: they are validated as relative, `..`-free
 * paths first and only then resolved under the model's folder, with lstat/realpath used to detect
 * symbolic links that leave it. The external files are stat'ed, never opened.
 */
function checkExternalData(refs: readonly OnnxExternalRef[], ctx: ModelScanContext, rep: CappedReporter): void {
  const onDisk = ctx.member === undefined;
  const baseDir = dirname(ctx.path);
  let baseReal: string | undefined;
  if (onDisk) {
    try {
      baseReal = realpathSync(baseDir);
    } catch {
      baseReal = undefined;
    }
  }
  const statCache = new Map<string, { size: number } | 'missing' | { special: string } | { outside: string }>();
  for (const ref of refs) {
    const loc = ref.location;
    const at = ctx.at(ref.at);
    const what = `tensor ${quote(ref.tensor)} stores its data in ${quote(loc)}`;
    if (loc === '') {
      rep.report(R.externalDataPath, { location: at, message: `tensor ${quote(ref.tensor)} is marked as external data without a location`, severity: 'high', evidence: ref.tensor });
      continue;
    }
    const bad = locationProblem(loc);
    if (bad) {
      rep.report(R.externalDataPath, { location: at, message: `${what}: ${bad}`, evidence: loc });
      continue;
    }
    for (const [k, v] of [['offset', ref.offset], ['length', ref.length]] as const) {
      if (v !== undefined && !INT_RE.test(v)) rep.report(R.externalDataRange, { location: at, message: `${what} with ${k} ${quote(v)}, not a non-negative integer`, evidence: `${loc}:${k}` });
    }
    if (!onDisk || baseReal === undefined) continue; // inside an archive: nothing on disk to check
    let info = statCache.get(loc);
    if (!info) {
      info = statExternal(baseDir, baseReal, loc);
      statCache.set(loc, info);
    }
    if (info === 'missing') {
      rep.report(R.externalDataMissing, { location: at, message: `${what}, which does not exist next to the model`, evidence: loc });
    } else if ('outside' in info) {
      rep.report(R.externalDataPath, { location: at, message: `${what}, a symbolic link that resolves outside the model folder (${quote(info.outside)})`, evidence: loc });
    } else if ('special' in info) {
      rep.report(R.externalDataPath, { location: at, message: `${what}, which is not a regular file (${info.special})`, severity: 'high', evidence: loc });
    } else {
      const off = ref.offset !== undefined && INT_RE.test(ref.offset) ? BigInt(ref.offset) : 0n;
      const len = ref.length !== undefined && INT_RE.test(ref.length) ? BigInt(ref.length) : undefined;
      const size = BigInt(info.size);
      if (off > size || (len !== undefined && off + len > size)) {
        rep.report(R.externalDataRange, {
          location: at,
          message: `${what} at [${off}, ${len === undefined ? 'end' : off + len}) but the file has ${size} bytes`,
          evidence: `${loc}@${off}+${len ?? ''}`,
        });
      }
    }
  }
}

/** Why a location string is unsafe as written (before touching the file system), or undefined. */
export function locationProblem(loc: string): string | undefined {
  if (loc.includes('\0')) return 'the location contains a NUL byte';
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(loc)) return 'the location is a URL';
  if (isAbsolute(loc) || loc.startsWith('/') || loc.startsWith('\\') || /^[a-zA-Z]:/.test(loc)) return 'the location is an absolute path';
  if (loc.split(/[\\/]/).some((s) => s === '..')) return 'the location climbs out of the model folder with ".."';
  if (loc.startsWith('~')) return 'the location starts with "~" (a home directory)';
  return undefined;
}

function statExternal(baseDir: string, baseReal: string, loc: string): { size: number } | 'missing' | { special: string } | { outside: string } {
  const full = join(baseDir, loc);
  try {
    lstatSync(full);
  } catch {
    return 'missing';
  }
  let real: string;
  try {
    real = realpathSync(full);
  } catch {
    return 'missing'; // a dangling link
  }
  const rel = relative(baseReal, real);
  if (rel === '' || rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel)) return { outside: real };
  const st = statSync(real);
  if (!st.isFile()) return { special: st.isDirectory() ? 'a directory' : st.isCharacterDevice() ? 'a character device' : st.isFIFO() ? 'a FIFO' : 'a special file' };
  return { size: st.size };
}
