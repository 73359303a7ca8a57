import type { Command } from '@commander-js/extra-typings';
import { BulwarkError, errorMessage, isBulwarkError } from '../../findings/index.js';
import { isSignatureError, verifyModel } from '../../model-signing/index.js';
import { isOciRef, parseReference, verifyArtifact } from '../../oci/index.js';
import { REGISTRY_HELP, ociClient, platformOf, runOci } from './oci.js';
import { defaultSignaturePath, parseJobs, readInput, splitPaths } from './sign.js';
import { collect } from '../config.js';

function oneLine(s: string): string {
  // Messages may quote names from the model or the bundle: keep them on one line, without controls.
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
}

/**
 * Exit codes: 0 verified; 1 verification failed (one line on stderr saying what); 2 usage or I/O
 * error (thrown to main, which prints `bulwark: <message>`).
 */
export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description('Verify a model (folder, single file, or oci://REF artifact) against its OpenSSF Model Signing signature.')
    .argument('<model>', 'model folder or file, or oci://REF (the signature is found through the referrers API or its tag fallback)')
    .option('-s, --signature <file>', 'signature to verify (default: model.sig inside the folder, or next to the file)')
    .option('-k, --key <public.pem>', 'key method: the signer public key (PEM or DER)')
    .option('--cert-chain <ca.pem>', 'certificate method: trust anchor(s), PEM (repeatable)', collect, [] as string[])
    .option('--identity <id>', 'keyless: expected signer identity (certificate SAN, e.g. an e-mail)')
    .option('--issuer <url>', 'keyless: expected OIDC issuer')
    .option('--trusted-root <file>', 'keyless: Sigstore trusted_root.json (default: the public-good root shipped with Bulwark)')
    .option('--ignore-paths <paths>', 'model-relative paths to leave out, comma-separated (repeatable)', collect, [] as string[])
    .option('--ignore-unsigned-files', 'accept files the signature does not list (they are not verified)', false)
    .option('--no-ignore-git-paths', 'do not leave out .git, .gitattributes, .github and .gitignore')
    .option('-j, --jobs <n>', 'hashing threads (default: number of cores)')
    .option('--plain-http', `oci://: ${REGISTRY_HELP.plainHttp}`)
    .option('--ca-file <ca.pem>', `oci://: ${REGISTRY_HELP.caFile}`)
    .option('--registry-config <config.json>', `oci://: ${REGISTRY_HELP.registryConfig}`)
    .option('--platform <os/arch>', `oci://: ${REGISTRY_HELP.platform}`)
    .option('-q, --quiet', 'print nothing on success', false)
    .action(async (model, opts) => {
      const signature = opts.signature ?? (isOciRef(model) ? '' : defaultSignaturePath(model));
      if (isOciRef(model) && (opts.signature !== undefined || opts.ignorePaths.length > 0 || opts.ignoreUnsignedFiles)) {
        throw new BulwarkError('USAGE', 'oci:// verification reads the signature from the registry and checks every file layer; --signature, --ignore-paths and --ignore-unsigned-files do not apply');
      }
      if ((opts.identity === undefined) !== (opts.issuer === undefined)) throw new BulwarkError('USAGE', '--identity and --issuer must be given together');
      if (opts.trustedRoot !== undefined && opts.identity === undefined) throw new BulwarkError('USAGE', '--trusted-root applies to keyless verification (--identity, --issuer)');
      const methods = [opts.key !== undefined, opts.certChain.length > 0, opts.identity !== undefined].filter(Boolean).length;
      if (methods !== 1) throw new BulwarkError('USAGE', methods === 0 ? 'give one of --key, --cert-chain, or --identity with --issuer' : 'give only one of --key, --cert-chain, --identity/--issuer');
      const jobs = parseJobs(opts.jobs);
      const trust = {
        ...(opts.key !== undefined && { key: readInput(opts.key, 'public key') }),
        ...(opts.certChain.length > 0 && { certChain: opts.certChain.map((c) => readInput(c, 'trust anchor')) }),
        ...(opts.identity !== undefined && { identity: opts.identity }),
        ...(opts.issuer !== undefined && { issuer: opts.issuer }),
        ...(opts.trustedRoot !== undefined && { trustedRoot: opts.trustedRoot }),
      };
      if (isOciRef(model)) {
        const ref = parseReference(model);
        const client = ociClient(ref, opts);
        try {
          await runOci('verification failed', async () => {
            const r = await verifyArtifact(client, ref, trust, platformOf(opts));
            if (!opts.quiet) {
              process.stdout.write(`Verified oci://${ref.registry}/${ref.name}@${r.manifestDigest}: ${r.files} file(s), ${r.bytes} bytes re-hashed, signed by ${oneLine(r.signer)} (signature found through ${r.via === 'api' ? 'the referrers API' : 'the referrers tag fallback'})\n`);
            }
          });
        } finally {
          client.close();
        }
        return;
      }
      try {
        const r = await verifyModel(model, {
          signaturePath: signature,
          ...trust,
          ignorePaths: splitPaths(opts.ignorePaths),
          ignoreUnsignedFiles: opts.ignoreUnsignedFiles,
          ignoreGitPaths: opts.ignoreGitPaths,
          ...(jobs !== undefined && { jobs }),
        });
        for (const w of r.warnings) process.stderr.write(`bulwark: warning: ${oneLine(w)}\n`);
        if (r.unsignedFiles.length > 0) {
          process.stderr.write(`bulwark: warning: ${r.unsignedFiles.length} file(s) not covered by the signature were not verified: ${oneLine(r.unsignedFiles.slice(0, 5).join(', '))}${r.unsignedFiles.length > 5 ? ', …' : ''}\n`);
        }
        if (r.legacy) process.stderr.write('bulwark: warning: this is a model_signing v0.2 signature (deprecated format); sign the model again\n');
        if (!opts.quiet) process.stdout.write(`Verified ${model}: ${r.filesVerified} file(s) signed by ${oneLine(r.signer)} (${r.method} method)\n`);
      } catch (e) {
        if (isSignatureError(e) || (isBulwarkError(e) && e.code === 'LIMIT_EXCEEDED')) {
          process.stderr.write(`bulwark: verification failed: ${oneLine(errorMessage(e))}\n`);
          process.exitCode = 1;
          return;
        }
        throw e;
      }
    });
}
