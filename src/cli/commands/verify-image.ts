/**
 * `bulwark verify-image oci://REF`: verify a container image's cosign or Notation signature in its
 * registry (docs/image-signing.md).
 *
 * Exit codes: 0 verified; 1 verification failed (one line `bulwark: verification failed: ...`);
 * 2 usage or I/O error (a registry that cannot be reached, a key or trust store that cannot be read).
 */
import type { Command } from '@commander-js/extra-typings';
import { BulwarkError } from '../../findings/index.js';
import type { ImagePolicy } from '../../image-signing/index.js';
import { loadCosignPolicy, loadNotationPolicy, verifyImageSignature } from '../../image-signing/index.js';
import { parseReference, selectManifest } from '../../oci/index.js';
import { collect } from '../config.js';
import { REGISTRY_HELP, ociClient, platformOf, runOci } from './oci.js';

function oneLine(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
}

export function registerVerifyImage(program: Command): void {
  program
    .command('verify-image')
    .description('Verify a container image signature in its registry: cosign (key or keyless, .sig tag or referrers) or Notation (trust policy and trust store).')
    .argument('<ref>', 'image reference, oci://REGISTRY/REPO[:TAG|@DIGEST]')
    .option('-k, --key <public.pem>', 'cosign: the signer public key, PEM (repeatable: any of them)', collect, [] as string[])
    .option('--identity <id>', 'cosign keyless: expected signer identity (certificate SAN)')
    .option('--issuer <url>', 'cosign keyless: expected OIDC issuer')
    .option('--trusted-root <file>', 'cosign keyless: Sigstore trusted_root.json (default: the public-good root shipped with Bulwark)')
    .option('--notation-trust-policy <file>', 'Notation: trust policy JSON (version 1.0)')
    .option('--notation-trust-store <dir>', 'Notation: trust store folder (the one holding x509/ca/<name>/...)')
    .option('--plain-http', REGISTRY_HELP.plainHttp)
    .option('--ca-file <ca.pem>', REGISTRY_HELP.caFile)
    .option('--registry-config <config.json>', REGISTRY_HELP.registryConfig)
    .option('--platform <os/arch>', 'verify the manifest of this platform in an index (default: the digest the reference names, index or manifest)')
    .option('-q, --quiet', 'print nothing on success', false)
    .action(async (refText, opts) => {
      const cosign = opts.key.length > 0 || opts.identity !== undefined || opts.issuer !== undefined || opts.trustedRoot !== undefined;
      const notation = opts.notationTrustPolicy !== undefined || opts.notationTrustStore !== undefined;
      if (cosign === notation) throw new BulwarkError('USAGE', cosign ? 'give cosign options (--key, --identity/--issuer) or Notation options (--notation-trust-policy/--notation-trust-store), not both' : 'give --key, --identity with --issuer, or --notation-trust-policy with --notation-trust-store');
      if ((opts.identity === undefined) !== (opts.issuer === undefined)) throw new BulwarkError('USAGE', '--identity and --issuer must be given together');
      if (opts.trustedRoot !== undefined && opts.identity === undefined) throw new BulwarkError('USAGE', '--trusted-root applies to keyless verification (--identity, --issuer)');
      if (notation && (opts.notationTrustPolicy === undefined || opts.notationTrustStore === undefined)) throw new BulwarkError('USAGE', '--notation-trust-policy and --notation-trust-store must be given together');
      const policy: ImagePolicy = cosign
        ? loadCosignPolicy({
            keyFiles: opts.key,
            ...(opts.identity !== undefined && { identity: opts.identity }),
            ...(opts.issuer !== undefined && { issuer: opts.issuer }),
            ...(opts.trustedRoot !== undefined && { trustedRoot: opts.trustedRoot }),
          })
        : loadNotationPolicy(opts.notationTrustPolicy as string, opts.notationTrustStore as string);
      const ref = parseReference(refText);
      const client = ociClient(ref, opts);
      try {
        await runOci('verification failed', async () => {
          let fetched = await client.getManifest(ref);
          const platform = platformOf(opts);
          if (platform !== undefined && fetched.document.kind === 'index') fetched = await client.getManifest({ name: ref.name, reference: selectManifest(fetched.document, platform).digest });
          const descriptor = { mediaType: fetched.mediaType, digest: fetched.digest, size: fetched.bytes.length };
          const r = await verifyImageSignature(client, ref, fetched.digest, descriptor, policy);
          if (!r.ok) {
            if (r.io === true) throw new BulwarkError('IO', oneLine(r.reason));
            process.stderr.write(`bulwark: verification failed: ${oneLine(r.reason)}\n`);
            process.exitCode = 1;
            return;
          }
          for (const w of r.warnings) process.stderr.write(`bulwark: warning: ${oneLine(w)}\n`);
          if (!opts.quiet) process.stdout.write(`Verified oci://${ref.registry}/${ref.name}@${fetched.digest}: ${r.verifier} signature by ${oneLine(r.signer)} (found through ${r.via === 'sig-tag' ? 'the cosign .sig tag' : 'referrers'})\n`);
        });
      } finally {
        client.close();
      }
    });
}
