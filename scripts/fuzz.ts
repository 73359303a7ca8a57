/**
 * `npm run fuzz [-- --seconds N] [--seed S] [--batch B] [--out DIR]`: a mutation fuzzer over the
 * test fixtures of every format, run against the built CLI as a user runs it. Bounded by time.
 *
 * Each round writes a batch of mutated files (bit flips, byte inserts and deletes, truncation, chunk
 * duplication and splices between seeds of the same format) into a folder and runs
 * `bulwark scan --format json -j 1` on it in a child process with a fixed heap, a time budget and
 * the default limits. Invariants checked on every round:
 * - the exit code is 0, 1 or 2 — never a crash (134 abort, 139 segfault, a signal) or a hang;
 * - stdout is one JSON report that parses, with every input file as a target whose status is
 *   complete, partial or unsupported, and every finding located at one of them;
 * - a target with a fail-closed finding is partial; a partial target has a high or critical finding
 *   (a partial analysis never passes the default gate);
 * - the round stays within its time budget (BUDGET_SECONDS per file) and the heap it was given.
 * A failing round is bisected to the one file that fails; it is kept under `--out` (default
 * `.fuzz-findings/`) with the reason, and the fuzzer exits 1. Same seed, same mutations.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benignGguf } from '../test-fixtures/gguf-builder.js';
import { kerasLayer, kerasZip, functionalConfig, lambdaLayer } from '../test-fixtures/keras-builder.js';
import { buildNpy, floatNpy } from '../test-fixtures/npy-builder.js';
import { onnxModel } from '../test-fixtures/onnx-builder.js';
import { joblibArrayPickle, pickle, torchStateDict } from '../test-fixtures/pickle-builder.js';
import { savedModelPb } from '../test-fixtures/protobuf-builder.js';
import { safetensorsFile } from '../test-fixtures/safetensors-builder.js';
import { buildTar } from '../test-fixtures/tar-builder.js';
import { buildTorchZip, buildZip } from '../test-fixtures/zip-builder.js';
import { gzipSync, deflateSync } from 'node:zlib';

const ROOT = join(import.meta.dirname, '../..');
const CLI = join(ROOT, 'dist/bulwark.mjs');

/** Per-file time budget of a round (seconds) and the heap the scan runs with (MiB). */
const BUDGET_SECONDS = 2;
const HEAP_MB = 768;

interface Args {
  seconds: number;
  seed: number;
  batch: number;
  out: string;
}

function parseArgs(argv: readonly string[]): Args {
  const a: Args = { seconds: 60, seed: Date.now() % 1_000_000, batch: 40, out: join(ROOT, '.fuzz-findings') };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = argv[i + 1];
    if (k === '--seconds' && v !== undefined) a.seconds = Number(v);
    else if (k === '--seed' && v !== undefined) a.seed = Number(v);
    else if (k === '--batch' && v !== undefined) a.batch = Number(v);
    else if (k === '--out' && v !== undefined) a.out = v;
    else continue;
    i++;
  }
  return a;
}

/** xorshift32: reproducible mutations for a seed. */
class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }
  int(n: number): number {
    return n <= 0 ? 0 : this.next() % n;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)] as T;
  }
}

const te = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Seeds: one or more valid files per format (name → bytes), built by the test-fixture builders. */
function seeds(): { name: string; bytes: Uint8Array }[] {
  const evil = pickle((b) => b.proto(2).global('os', 'system').binUnicode('echo fuzz').tuple1().reduce().stop());
  const sd = torchStateDict(6, { shape: [4, 4] });
  const st: Record<string, Uint8Array> = {};
  for (let i = 0; i < 6; i++) st[String(i)] = new Uint8Array(64).fill(i + 1);
  const manifest = readFileSync(join(ROOT, 'examples/k8s/inference.yaml'));
  return [
    { name: 'state.pkl', bytes: sd },
    { name: 'evil.pkl', bytes: evil },
    { name: 'proto0.pkl', bytes: te("cos\nsystem\n(S'echo fuzz'\ntR.") },
    { name: 'model.pt', bytes: buildTorchZip({ dataPkl: sd, storages: st }) },
    { name: 'evil.pt', bytes: buildTorchZip({ dataPkl: evil }) },
    { name: 'arr.npy', bytes: floatNpy(32) },
    { name: 'obj.npy', bytes: buildNpy({ descr: "'|O'", shape: '(1,)', data: evil }) },
    { name: 'job.joblib', bytes: joblibArrayPickle({ shape: [4] }) },
    { name: 'w.safetensors', bytes: safetensorsFile([{ name: 'w', dtype: 'F32', shape: [2, 2] }]) },
    { name: 'm.gguf', bytes: benignGguf() },
    { name: 'm.onnx', bytes: onnxModel({}) },
    { name: 'saved_model.pb', bytes: savedModelPb([{ name: 'x', op: 'Const' }]) },
    { name: 'm.keras', bytes: kerasZip(functionalConfig([kerasLayer('Dense', { units: 2 }), lambdaLayer()])) },
    { name: 'a.tar', bytes: buildTar({ members: [{ name: 'archive/data.pkl', data: evil }] }) },
    { name: 'z.zip', bytes: buildZip({ entries: [{ name: 'data.pkl', data: sd, method: 'deflate' }] }) },
    { name: 'p.pkl.gz', bytes: gzipSync(evil) },
    { name: 'p.zlib', bytes: deflateSync(sd) },
    { name: 'inference.yaml', bytes: manifest },
    { name: 'pod.json', bytes: te(JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'x:1', securityContext: { privileged: true } }] } })) },
    { name: 'config.json', bytes: te(JSON.stringify({ architectures: ['X'], auto_map: { AutoModel: 'modeling_x.XModel' }, chat_template: "{{ ''.__class__ }}" })) },
  ];
}

/** One mutation of `b` (sometimes spliced with `other`, a seed of the same kind). */
function mutate(rng: Rng, b: Uint8Array, other: Uint8Array): Uint8Array {
  const out = Array.from(b);
  const rounds = 1 + rng.int(4);
  for (let r = 0; r < rounds; r++) {
    const at = rng.int(out.length + 1);
    switch (rng.int(7)) {
      case 0: // bit flip
        if (out.length > 0) out[at % out.length] = ((out[at % out.length] ?? 0) ^ (1 << rng.int(8))) & 0xff;
        break;
      case 1: // interesting byte
        if (out.length > 0) out[at % out.length] = rng.pick([0x00, 0xff, 0x7f, 0x80, 0x2e, 0x0a, 0x28, 0x52, 0x93]);
        break;
      case 2: // insert bytes
        for (let i = 0, n = 1 + rng.int(8); i < n; i++) out.splice(at, 0, rng.int(256));
        break;
      case 3: // delete a run
        out.splice(at, 1 + rng.int(16));
        break;
      case 4: // truncate
        out.length = Math.min(out.length, at);
        break;
      case 5: {
        // duplicate a chunk
        const len = 1 + rng.int(64);
        const chunk = out.slice(at, at + len);
        for (let i = 0; i < chunk.length; i++) out.splice(at + len + i, 0, chunk[i] as number);
        break;
      }
      default: {
        // splice the tail of another seed
        const from = rng.int(other.length);
        out.length = Math.min(out.length, at);
        for (let i = from; i < other.length && i < from + 256; i++) out.push(other[i] as number);
      }
    }
  }
  return Uint8Array.from(out);
}

interface Report {
  targets: { path: string; status: string }[];
  findings: { ruleId: string; severity: string; location: { path: string } }[];
}

/** Scan `dir`; return why the invariants broke, or undefined. */
function check(dir: string, files: number): string | undefined {
  const budget = Math.max(10, files * BUDGET_SECONDS);
  const r = spawnSync(process.execPath, [`--max-old-space-size=${HEAP_MB}`, CLI, 'scan', '--no-config', '--format', 'json', '-j', '1', '--fail-on', 'high', dir], {
    encoding: 'utf8',
    timeout: budget * 1000,
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT') return `timeout: more than ${budget} s for ${files} file(s)`;
  if (r.signal !== null) return `killed by ${r.signal}${r.stderr ? `: ${r.stderr.slice(-300)}` : ''}`;
  if (r.status !== 0 && r.status !== 1 && r.status !== 2) return `exit code ${r.status}: ${r.stderr.slice(-300)}`;
  if (r.status === 2) return `exit 2 (usage/IO error) on files: ${r.stderr.trim()}`;
  let report: Report;
  try {
    report = JSON.parse(r.stdout) as Report;
  } catch {
    return 'stdout is not one JSON report';
  }
  const targets = new Map(report.targets.map((t) => [t.path, t.status]));
  if (targets.size < files) return `${files} files but ${targets.size} targets`;
  for (const [path, status] of targets) {
    if (status !== 'complete' && status !== 'partial' && status !== 'unsupported') return `target ${path} has status ${status}`;
  }
  const worst = new Map<string, string>();
  for (const f of report.findings) {
    const p = f.location.path;
    if (f.ruleId.startsWith('scan/') && targets.has(p) && targets.get(p) !== 'partial') return `${p}: ${f.ruleId} but status ${targets.get(p)}`;
    if (f.severity === 'critical' || f.severity === 'high') worst.set(p, f.severity);
  }
  for (const [path, status] of targets) {
    if (status === 'partial' && !worst.has(path)) return `${path} is partial without a high or critical finding (a silent pass)`;
  }
  return undefined;
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const rng = new Rng(args.seed);
  const all = seeds();
  const work = mkdtempSync(join(tmpdir(), 'bulwark-fuzz-'));
  const end = Date.now() + args.seconds * 1000;
  let rounds = 0;
  let files = 0;
  process.stdout.write(`fuzz: seed ${args.seed}, ${all.length} seeds, batches of ${args.batch}, ${args.seconds} s\n`);
  try {
    while (Date.now() < end) {
      const dir = join(work, `r${rounds}`);
      mkdirSync(dir);
      const batch: { name: string; bytes: Uint8Array }[] = [];
      for (let i = 0; i < args.batch; i++) {
        const s = rng.pick(all);
        const other = rng.pick(all).bytes;
        const name = `${i}-${s.name}`;
        const bytes = mutate(rng, s.bytes, other);
        writeFileSync(join(dir, name), bytes);
        batch.push({ name, bytes });
      }
      const why = check(dir, batch.length);
      files += batch.length;
      rounds++;
      if (why !== undefined) {
        // Bisect to the one file that breaks an invariant.
        let culprit: { name: string; bytes: Uint8Array; why: string } | undefined;
        for (const f of batch) {
          const one = join(work, `one-${rounds}`);
          rmSync(one, { recursive: true, force: true });
          mkdirSync(one);
          writeFileSync(join(one, f.name), f.bytes);
          const w = check(one, 1);
          if (w !== undefined) {
            culprit = { ...f, why: w };
            break;
          }
        }
        mkdirSync(args.out, { recursive: true });
        if (culprit) {
          writeFileSync(join(args.out, culprit.name), culprit.bytes);
          writeFileSync(join(args.out, `${culprit.name}.why.txt`), `${culprit.why}\nseed ${args.seed}, round ${rounds}\n`);
          process.stdout.write(`fuzz: FAILED on ${culprit.name}: ${culprit.why} (kept in ${args.out})\n`);
        } else {
          process.stdout.write(`fuzz: FAILED on a batch (no single file reproduces it): ${why}\n`);
        }
        process.exitCode = 1;
        return;
      }
      rmSync(dir, { recursive: true, force: true });
    }
    process.stdout.write(`fuzz: ${rounds} rounds, ${files} mutated files, no invariant broken (seed ${args.seed})\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main();
