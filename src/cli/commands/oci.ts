/**
 * `bulwark push MODEL_DIR REF`, `bulwark pull REF DIR`, and the registry options and glue that `scan`,
 * `sign` and `verify` use for `oci://` references. See docs/oci.md.
 *
 * Exit codes: 0 done; 1 refused (a digest that does not match, a hostile path or entry, a limit, a
 * signature that does not verify), one line on stderr; 2 usage, network or I/O error.
 */
import type { Command } from '@commander-js/extra-typings';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toolVersion } from '../../engine/index.js';
import type { Finding, ScanReport, TargetResult } from '../../findings/index.js';
import type { Reporter } from '../../rules/index.js';
import { BulwarkError, errorMessage, fingerprintOf, isBulwarkError, summarize } from '../../findings/index.js';
import { isSignatureError } from '../../model-signing/index.js';
import type { ImageReference, Platform } from '../../oci/index.js';
import type { Limits } from '../../limits/index.js';
import { resolveLimits } from '../../limits/index.js';
import {
  RegistryClient,
  ociLimits,
  defaultRegistryConfigPath,
  fetchLayersInto,
  loadRegistryCredentials,
  parsePlatform,
  formatReference,
  parseReference,
  pullModel,
  reportRefusal,
  pushModel,
  resolveManifest,
} from '../../oci/index.js';
import { parseLimitFlags } from '../config.js';
import type { ImageInput } from '../../image/index.js';
import { IMAGE_CONFIG_MEDIA_TYPES, registryImage } from '../../image/index.js';
import { readInput } from './sign.js';
import { releaseTempDir, trackTempDir, untrackTempDir } from '../io.js';

export interface RegistryFlags {
  readonly plainHttp?: boolean;
  readonly caFile?: string;
  readonly registryConfig?: string;
  readonly platform?: string;
}

/** Help texts of the registry options (each command lists them, so commander types them). */
export const REGISTRY_HELP = {
  plainHttp: 'talk plain HTTP to the registry (loopback registries only: localhost, 127.0.0.0/8, ::1)',
  caFile: 'trust this CA certificate (PEM) for the registry, besides the system roots',
  registryConfig: 'registry credentials, docker config.json format (default: $DOCKER_CONFIG/config.json or ~/.docker/config.json)',
  platform: 'the manifest to take from an index (default: the only one, else linux/amd64)',
} as const;

function clientOptionsOf(flags: RegistryFlags): ConstructorParameters<typeof RegistryClient>[1] {
  const explicit = flags.registryConfig !== undefined;
  const credentials = loadRegistryCredentials(flags.registryConfig ?? defaultRegistryConfigPath(), explicit);
  const ca = flags.caFile !== undefined ? readInput(flags.caFile, 'CA file') : undefined;
  return { ...(flags.plainHttp === true && { plainHttp: true }), ...(ca !== undefined && { ca }), credentials, userAgent: `bulwark/${toolVersion()}` };
}

export function ociClient(ref: ImageReference, flags: RegistryFlags, chunkSize?: number, limits?: Limits): RegistryClient {
  return new RegistryClient(ref.registry, { ...clientOptionsOf(flags), ...(chunkSize !== undefined && { chunkSize }), ...(limits !== undefined && { limits: ociLimits(limits) }) });
}

/** `--limit NAME=VALUE` flags (every name of docs/limits.md; the OCI verbs use the `oci` ones and maxArchiveEntries, maxBundleBytes). */
export function limitsOf(flags: readonly string[]): Limits {
  return resolveLimits(parseLimitFlags(flags));
}

function collectLimit(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function platformOf(flags: RegistryFlags): Platform | undefined {
  return flags.platform === undefined ? undefined : parsePlatform(flags.platform);
}

function oneLine(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
}

/** Refusals and failed verifications: exit 1 with one line; unsupported content: a usage error (2). */
export async function runOci(what: 'refused' | 'verification failed', body: () => Promise<void>): Promise<boolean> {
  try {
    await body();
    return true;
  } catch (e) {
    if (isSignatureError(e) || (isBulwarkError(e) && (e.code === 'VERIFICATION' || e.code === 'MALFORMED' || e.code === 'LIMIT_EXCEEDED'))) {
      const msg = oneLine(errorMessage(e)).replace(/^refused: /, '');
      process.stderr.write(`bulwark: ${what}: ${msg}\n`);
      process.exitCode = 1;
      return false;
    }
    if (isBulwarkError(e) && e.code === 'UNSUPPORTED') throw new BulwarkError('USAGE', oneLine(e.message), { cause: e });
    throw e;
  }
}

export function registerPush(program: Command): void {
  program
    .command('push')
    .description('Push a model folder to an OCI registry as a CNCF ModelPack artifact (one uncompressed layer per file); prints the manifest digest.')
    .argument('<model-dir>', 'model folder')
    .argument('<ref>', 'image reference, e.g. registry.example.com/models/name:tag (oci:// optional)')
    .option('--chunk-size <bytes>', 'upload blobs in PATCH chunks of this many bytes (default: one PUT per blob)')
    .option('--plain-http', REGISTRY_HELP.plainHttp)
    .option('--ca-file <ca.pem>', REGISTRY_HELP.caFile)
    .option('--registry-config <config.json>', REGISTRY_HELP.registryConfig)
    .option('-q, --quiet', 'print only the digest', false)
    .action(async (dir, refText, opts) => {
      const ref = parseReference(refText);
      let chunkSize: number | undefined;
      if (opts.chunkSize !== undefined) {
        chunkSize = Number(opts.chunkSize);
        if (!Number.isSafeInteger(chunkSize) || chunkSize < 1024) throw new BulwarkError('USAGE', `--chunk-size must be an integer of at least 1024, got "${opts.chunkSize}"`);
      }
      const client = ociClient(ref, opts, chunkSize);
      try {
        await runOci('refused', async () => {
          const r = await pushModel(client, dir, ref);
          if (!opts.quiet) process.stderr.write(`Pushed ${dir} to ${ref.registry}/${ref.name}${ref.tag !== undefined ? `:${ref.tag}` : ''}: ${r.files} file(s), ${r.bytes} bytes, ${r.pushedBlobs} new blob(s)\n`);
          process.stdout.write(`${r.digest}\n`);
        });
      } finally {
        client.close();
      }
    });
}

export function registerPull(program: Command): void {
  program
    .command('pull')
    .description('Pull a model artifact into a new folder: every digest verified, no path outside the folder, all or nothing.')
    .argument('<ref>', 'image reference (oci:// optional)')
    .argument('<dir>', 'folder to create (must not exist, or be empty)')
    .option('--plain-http', REGISTRY_HELP.plainHttp)
    .option('--ca-file <ca.pem>', REGISTRY_HELP.caFile)
    .option('--registry-config <config.json>', REGISTRY_HELP.registryConfig)
    .option('--platform <os/arch>', REGISTRY_HELP.platform)
    .option('--limit <name=value>', 'override a named limit (repeatable), e.g. maxLayerBytes=64GiB (docs/limits.md)', collectLimit, [] as string[])
    .option('-q, --quiet', 'print nothing on success', false)
    .action(async (refText, dir, opts) => {
      const ref = parseReference(refText);
      const client = ociClient(ref, opts, undefined, limitsOf(opts.limit));
      try {
        await runOci('refused', async () => {
          const platform = platformOf(opts);
          const r = await pullModel(client, ref, dir, {
            ...(platform !== undefined && { platform }),
            trackTempDir: (d, done) => (done ? untrackTempDir(d) : trackTempDir(d)),
          });
          if (!opts.quiet) process.stdout.write(`Pulled ${ref.registry}/${ref.name}@${r.digest} to ${dir}: ${r.files} file(s), ${r.bytes} bytes, every digest verified\n`);
        });
      } finally {
        client.close();
      }
    });
}

/** An `oci://` scan target fetched into a private temporary folder. */
export interface FetchedScanTarget {
  readonly dir: string;
  /** `oci://host/name@sha256:…` — what findings are located at. */
  readonly location: string;
}

/** An `oci://` container image: scanned layer by layer from the registry (the client stays open until `close`). */
export interface RegistryScanImage {
  readonly image: ImageInput;
  readonly close: () => void;
}

/**
 * Fetch `oci://REF` for a scan: each layer is streamed (digest checked) into a private temporary
 * folder (mode 0700) that the caller removes after the scan (`releaseTempDir`); the scanner reads
 * files by random access, so layers are not scanned from the network stream.
 */
export async function fetchForScan(refText: string, flags: RegistryFlags, limits?: Limits): Promise<{ ok: true; target: FetchedScanTarget } | { ok: true; image: RegistryScanImage } | { ok: false; error: unknown; location: string }> {
  const ref = parseReference(refText);
  const client = ociClient(ref, flags, undefined, limits);
  let location = `oci://${formatReference(ref)}`;
  let keepOpen = false;
  let dir: string | undefined;
  try {
    const platform = platformOf(flags);
    const resolved = await resolveManifest(client, ref, platform);
    location = `oci://${ref.registry}/${ref.name}@${resolved.digest}`;
    // A container image (its config is an image configuration): streamed layer by layer by the scan.
    if (IMAGE_CONFIG_MEDIA_TYPES.has(resolved.manifest.config.mediaType)) {
      const image = await registryImage(client, ref.name, location, `${ref.registry}/${ref.name}${ref.tag !== undefined ? `:${ref.tag}` : ''}`, resolved.manifest, limits ?? resolveLimits());
      keepOpen = true;
      return { ok: true, image: { image, close: () => client.close() } };
    }
    dir = mkdtempSync(join(tmpdir(), 'bulwark-oci-scan-'));
    trackTempDir(dir);
    await fetchLayersInto(client, ref.name, resolved, dir);
    return { ok: true, target: { dir, location } };
  } catch (error) {
    if (dir !== undefined) releaseTempDir(dir);
    return { ok: false, error, location };
  } finally {
    if (!keepOpen) client.close();
  }
}

/**
 * Fetch every `oci://` scan target; a refused artifact (hostile entry, digest mismatch, limit) becomes
 * a finding on a partial target instead of aborting the scan; other errors (network, usage) are thrown.
 */
export async function fetchScanTargets(refs: readonly string[], flags: RegistryFlags, reporter: Reporter, limits?: Limits): Promise<{ fetched: FetchedScanTarget[]; images: RegistryScanImage[]; refused: TargetResult[] }> {
  const fetched: FetchedScanTarget[] = [];
  const images: RegistryScanImage[] = [];
  const refused: TargetResult[] = [];
  try {
    for (const r of refs) {
      const got = await fetchForScan(r, flags, limits);
      if (got.ok) {
        if ('image' in got) images.push(got.image);
        else fetched.push(got.target);
        continue;
      }
      if (!reportRefusal(reporter, got.error, got.location)) {
        const e = got.error;
        if (isBulwarkError(e) && e.code === 'UNSUPPORTED') throw new BulwarkError('USAGE', oneLine(e.message), { cause: e });
        throw e;
      }
      refused.push({ path: got.location, format: 'oci-artifact', status: 'partial' });
    }
  } catch (e) {
    for (const f of fetched) releaseTempDir(f.dir);
    for (const i of images) i.close();
    throw e;
  }
  return { fetched, images, refused };
}

function rewrite(path: string, targets: readonly FetchedScanTarget[]): string {
  for (const t of targets) {
    if (path === t.dir) return t.location;
    if (path.startsWith(`${t.dir}/`)) return `${t.location}/${path.slice(t.dir.length + 1)}`;
  }
  return path;
}

/** Locate findings and targets of fetched artifacts at `oci://REF@digest/<file>` instead of the temporary folder. */
export function relocateReport(report: ScanReport, targets: readonly FetchedScanTarget[]): ScanReport {
  if (targets.length === 0) return report;
  const findings: Finding[] = report.findings.map((f) => {
    const location = { ...f.location, path: rewrite(f.location.path, targets) };
    const message = targets.reduce((m, t) => m.split(t.dir).join(t.location), f.message);
    const moved = { ...f, location, message };
    return { ...moved, fingerprint: fingerprintOf(moved) };
  });
  const out: TargetResult[] = report.targets.map((t) => ({ ...t, path: rewrite(t.path, targets) }));
  return { ...report, findings, targets: out, summary: summarize(out, findings) };
}
