import type { Command } from '@commander-js/extra-typings';
import { Option } from '@commander-js/extra-typings';
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BulwarkError } from '../../findings/index.js';
import { DEFAULT_SIGNATURE_NAME, signModel } from '../../model-signing/index.js';
import { isOciRef, parseReference, signArtifact } from '../../oci/index.js';
import { writeFileAtomic } from '../io.js';
import { REGISTRY_HELP, ociClient, platformOf, runOci } from './oci.js';
import { collect } from '../config.js';

/** `--ignore-paths a,b --ignore-paths c` → [a, b, c]. */
export function splitPaths(values: readonly string[]): string[] {
  return values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
}

export function readInput(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new BulwarkError('IO', `cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { cause: e });
  }
}

/** Default signature location: `model.sig` inside a model folder, or next to a single-file model. */
export function defaultSignaturePath(model: string): string {
  let isFile = false;
  try {
    isFile = statSync(model).isFile();
  } catch {
    // the domain reports the unreadable model
  }
  return isFile ? join(dirname(model), DEFAULT_SIGNATURE_NAME) : join(model, DEFAULT_SIGNATURE_NAME);
}

export function parseJobs(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new BulwarkError('USAGE', `--jobs must be an integer between 1 and 256, got "${v}"`);
  return n;
}

export function registerSign(program: Command): void {
  program
    .command('sign')
    .description('Sign a model (folder, single file, or oci://REF artifact) in the OpenSSF Model Signing format (Sigstore bundle, DSSE, in-toto).')
    .argument('<model>', 'model folder or file, or oci://REF (the bundle is attached to the artifact as a referrer)')
    .option('-s, --signature <file>', 'signature to write (default: model.sig inside the folder, or next to the file)')
    .requiredOption('-k, --key <private.pem>', 'ECDSA P-256, P-384 or P-521 private key (PEM)')
    .option('--cert <leaf.pem>', 'certificate method: the signing certificate matching --key')
    .option('--cert-chain <ca.pem>', 'certificate method: chain certificates to include after the leaf (repeatable)', collect, [] as string[])
    .option('--ignore-paths <paths>', 'model-relative paths to leave out, comma-separated (repeatable)', collect, [] as string[])
    .option('--no-ignore-git-paths', 'sign .git, .gitattributes, .github and .gitignore too')
    .option('--allow-symlinks', 'follow symbolic links to files (hashed under the link name)', false)
    .addOption(new Option('--method <method>', 'serialization: one digest per file, or per shard').choices(['files', 'shards'] as const).default('files' as const))
    .option('--shard-size <bytes>', 'shard size for --method shards (default 1000000000)')
    .addOption(new Option('--hash <algorithm>', 'file hash').choices(['sha256', 'blake2b'] as const).default('sha256' as const))
    .addOption(
      new Option('--single-file-name <form>', 'resource name of a single-file model: the file name (OMS spec) or "." (the Python reference)')
        .choices(['basename', 'dot'] as const)
        .default('basename' as const),
    )
    .option('-j, --jobs <n>', 'hashing threads (default: number of cores)')
    .option('--plain-http', `oci://: ${REGISTRY_HELP.plainHttp}`)
    .option('--ca-file <ca.pem>', `oci://: ${REGISTRY_HELP.caFile}`)
    .option('--registry-config <config.json>', `oci://: ${REGISTRY_HELP.registryConfig}`)
    .option('--platform <os/arch>', `oci://: ${REGISTRY_HELP.platform}`)
    .option('-q, --quiet', 'print nothing on success', false)
    .action(async (model, opts) => {
      if (isOciRef(model)) {
        if (opts.signature !== undefined || opts.method !== 'files' || opts.hash !== 'sha256' || opts.shardSize !== undefined || opts.ignorePaths.length > 0) {
          throw new BulwarkError('USAGE', 'oci:// signing covers the artifact\'s file layers (files method, sha256); --signature, --method, --hash, --shard-size and --ignore-paths do not apply');
        }
        if (opts.certChain.length > 0 && opts.cert === undefined) throw new BulwarkError('USAGE', '--cert-chain needs --cert (the signing certificate)');
        const ref = parseReference(model);
        const privateKey = readInput(opts.key, 'private key');
        const client = ociClient(ref, opts);
        try {
          await runOci('refused', async () => {
            const platform = platformOf(opts);
            const r = await signArtifact(
              client,
              ref,
              { privateKey, ...(opts.cert !== undefined && { certificate: readInput(opts.cert, 'certificate') }), certificateChain: opts.certChain.map((c) => readInput(c, 'certificate chain')) },
              platform,
            );
            if (!opts.quiet) {
              process.stdout.write(`Signed oci://${ref.registry}/${ref.name}@${r.manifestDigest}: ${r.files} file(s); signature ${r.signatureDigest} attached as a referrer (${r.via === 'api' ? 'referrers API' : `tag ${'sha256-' + r.manifestDigest.slice(7, 19)}…`})\n`);
            }
          });
        } finally {
          client.close();
        }
        return;
      }
      const signature = opts.signature ?? defaultSignaturePath(model);
      let shardSize: number | undefined;
      if (opts.shardSize !== undefined) {
        shardSize = Number(opts.shardSize);
        if (!Number.isSafeInteger(shardSize) || shardSize <= 0) throw new BulwarkError('USAGE', `--shard-size must be a positive integer, got "${opts.shardSize}"`);
        if (opts.method !== 'shards') throw new BulwarkError('USAGE', '--shard-size needs --method shards');
      }
      if (opts.certChain.length > 0 && opts.cert === undefined) throw new BulwarkError('USAGE', '--cert-chain needs --cert (the signing certificate)');
      const jobs = parseJobs(opts.jobs);
      const result = await signModel(model, {
        privateKey: readInput(opts.key, 'private key'),
        ...(opts.cert !== undefined && { certificate: readInput(opts.cert, 'certificate') }),
        certificateChain: opts.certChain.map((c) => readInput(c, 'certificate chain')),
        signaturePath: signature,
        ignorePaths: splitPaths(opts.ignorePaths),
        ignoreGitPaths: opts.ignoreGitPaths,
        allowSymlinks: opts.allowSymlinks,
        method: opts.method,
        hashType: opts.hash,
        singleFileName: opts.singleFileName,
        ...(shardSize !== undefined && { shardSize }),
        ...(jobs !== undefined && { jobs }),
      });
      writeFileAtomic(signature, result.bundleJson);
      for (const w of result.warnings) process.stderr.write(`bulwark: warning: ${w}\n`);
      if (!opts.quiet) {
        const files = new Set(result.manifest.resources.map((r) => r.name.replace(/:\d+:\d+$/, ''))).size;
        const method = opts.cert === undefined ? 'key' : 'certificate';
        process.stdout.write(`Signed ${model}: ${files} file(s), ${result.manifest.resources.length} digest(s), ${method} method; wrote ${signature}\n`);
      }
    });
}
