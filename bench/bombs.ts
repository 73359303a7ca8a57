/**
 * Hostile-input budgets (issue 19): the worst bombs found by the fuzzing campaign, built here, each run
 * through the CLI as a user would, and measured against the budgets the README states. The baseline is
 * the CLI's own start-up (`bulwark --version`) in the same run: a bomb's cost is what it adds to that.
 *
 *   npm run bench -- bombs
 */
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { buildZip } from '../test-fixtures/zip-builder.js';
import type { BenchRow } from './common.js';
import { CLI, benchDir, printRows, timeCommand } from './common.js';

const MiB = 1024 * 1024;

interface Bomb {
  readonly name: string;
  readonly make: (dir: string) => string[];
  /** Extra seconds over start-up and peak RSS the bomb may cost (the README's budgets). */
  readonly seconds: number;
  readonly rssMiB: number;
  readonly args?: (paths: string[]) => string[];
}

/** A pickle that is one BINBYTES8 of `size` zero bytes (what the compressed bombs expand to). */
function writeZeroPickle(path: string, size: number): void {
  const fd = openSync(path, 'w');
  const head = Buffer.alloc(11);
  head[0] = 0x80;
  head[1] = 4;
  head[2] = 0x8e; // BINBYTES8
  head.writeBigUInt64LE(BigInt(size), 3);
  writeSync(fd, head);
  const block = Buffer.alloc(4 * MiB);
  for (let left = size; left > 0; left -= block.length) writeSync(fd, block, 0, Math.min(block.length, left));
  writeSync(fd, Buffer.from([0x2e])); // STOP
  closeSync(fd);
}

function compressWith(tool: string, args: readonly string[], input: string, output: string): void {
  const r = spawnSync('/bin/sh', ['-c', `${tool} ${args.join(' ')} < "${input}" > "${output}"`]);
  if (r.status !== 0) throw new Error(`${tool} failed`);
}

function ensure(path: string, make: () => void): string {
  if (!existsSync(path)) make();
  return path;
}

const BOMBS: readonly Bomb[] = [
  {
    name: 'bzip2 bomb: ~750 bytes → 900 MB pickle',
    seconds: 5,
    rssMiB: 512,
    make: (dir) => [
      ensure(join(dir, 'bomb.pkl.bz2'), () => {
        const raw = join(dir, 'zeros-900m.pkl');
        writeZeroPickle(raw, 900 * 1000 * 1000);
        compressWith('bzip2', ['-9', '-c'], raw, join(dir, 'bomb.pkl.bz2'));
      }),
    ],
  },
  {
    name: 'gzip bomb: ~1.9 MB → 1.9 GB pickle',
    seconds: 5,
    rssMiB: 512,
    make: (dir) => [
      ensure(join(dir, 'bomb.pkl.gz'), () => {
        const raw = join(dir, 'zeros-1900m.pkl');
        writeZeroPickle(raw, 1900 * 1000 * 1000);
        compressWith('gzip', ['-9', '-c'], raw, join(dir, 'bomb.pkl.gz'));
      }),
    ],
  },
  {
    name: 'zip: 65,535 central entries → one 1 MB deflated member',
    seconds: 5,
    rssMiB: 512,
    make: (dir) => [
      ensure(join(dir, 'overlap.zip'), () => {
        const data = new Uint8Array(MiB);
        const entries = [{ name: 'a/data.pkl', data, method: 'deflate' as const }];
        for (let i = 1; i < 65_535; i++) entries.push({ name: `a/d${i}.pkl`, data, method: 'deflate' as const, aliasOf: 0 } as never);
        writeFileSync(join(dir, 'overlap.zip'), buildZip({ entries }));
      }),
    ],
  },
  {
    name: 'YAML: flow sequence of 3,000,000 scalars (9 MB)',
    seconds: 5,
    rssMiB: 512,
    make: (dir) => [
      ensure(join(dir, 'flow.yaml'), () => {
        const fd = openSync(join(dir, 'flow.yaml'), 'w');
        writeSync(fd, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  x: [');
        const chunk = Array.from({ length: 100_000 }, () => '1').join(',');
        for (let i = 0; i < 30; i++) writeSync(fd, `${i === 0 ? '' : ','}${chunk}`);
        writeSync(fd, ']\n');
        closeSync(fd);
      }),
    ],
  },
  {
    name: 'YAML: 1,000,000 aliases (4 MB)',
    seconds: 5,
    rssMiB: 512,
    make: (dir) => [
      ensure(join(dir, 'aliases.yaml'), () => {
        const fd = openSync(join(dir, 'aliases.yaml'), 'w');
        writeSync(fd, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  base: &a x\n  list:\n');
        for (let i = 0; i < 10; i++) writeSync(fd, '  - *a\n'.repeat(100_000));
        closeSync(fd);
      }),
    ],
  },
  {
    name: 'YAML: 125,000 duplicate keys (1.1 MB)',
    seconds: 5,
    rssMiB: 512,
    make: (dir) => [
      ensure(join(dir, 'dupkeys.yaml'), () => {
        writeFileSync(join(dir, 'dupkeys.yaml'), `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: d\ndata:\n${'  k: v\n'.repeat(125_000)}`);
      }),
    ],
  },
  {
    name: 'signature bundle of 200 MB with an invalid signature (verify)',
    seconds: 10,
    rssMiB: 1536,
    make: (dir) => {
      const model = join(dir, 'bigsig');
      mkdirSync(model, { recursive: true });
      ensure(join(model, 'model.sig'), () => {
        writeFileSync(join(model, 'w.bin'), 'weights');
        const k = generateKeyPairSync('ec', { namedCurve: 'P-256' });
        writeFileSync(join(dir, 'bigsig.pub'), k.publicKey.export({ type: 'spki', format: 'pem' }));
        const payload = Buffer.alloc(150 * MiB, 0x41);
        const bundle = {
          mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
          verificationMaterial: { publicKey: { rawBytes: Buffer.alloc(8).toString('base64') } },
          dsseEnvelope: { payloadType: 'application/vnd.in-toto+json', payload: payload.toString('base64'), signatures: [{ sig: Buffer.alloc(70, 1).toString('base64') }] },
        };
        writeFileSync(join(model, 'model.sig'), JSON.stringify(bundle));
      });
      return [model, join(dir, 'bigsig.pub')];
    },
    args: ([model, key]) => ['verify', model as string, '--key', key as string, '-q'],
  },
];

export function run(): BenchRow[] {
  const dir = benchDir('bombs');
  const start = timeCommand(process.execPath, [CLI, '--version'], 3);
  const rows: BenchRow[] = [];
  for (const b of BOMBS) {
    const paths = b.make(dir);
    const args = b.args ? b.args(paths) : ['scan', '--quiet', '--fail-on', 'none', '--format', 'json', '-j', '1', ...paths];
    const t = timeCommand(process.execPath, [CLI, ...args], 1);
    const added = t.seconds - start.seconds;
    rows.push({
      bench: b.name,
      subject: `bulwark (exit ${t.exitCode})`,
      seconds: t.seconds,
      baseline: 'bulwark --version',
      baselineSeconds: start.seconds,
      ratio: t.seconds / start.seconds,
      maxRssMiB: t.maxRssMiB,
      goal: `≤ ${b.seconds} s over start-up (took ${added.toFixed(2)} s) and ≤ ${b.rssMiB} MiB`,
      pass: added <= b.seconds && t.maxRssMiB <= b.rssMiB && t.exitCode >= 0 && t.exitCode <= 2,
    });
  }
  printRows(rows);
  return rows;
}

if (process.argv[1]?.endsWith('bombs.js')) run();
