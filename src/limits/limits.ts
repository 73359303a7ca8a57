import { BulwarkError } from '../findings/index.js';

/**
 * Every length, count, depth and decompressed size Bulwark reads from untrusted input has a named
 * limit here, grouped by the domain that enforces it. Exceeding one produces a `scan/limit-exceeded`
 * finding whose `evidence` is the limit's name, and a `partial` target: a partial analysis is never
 * reported as clean. Every name is accepted by `--limit NAME=VALUE` and by the config file's `limits:`
 * key; docs/limits.md is checked against this table by a test.
 *
 * Caps that only shorten what a report *shows* (evidence rendering, message lengths) are not limits
 * on input and stay local constants next to the code that renders.
 */
export const LIMIT_DOMAINS = ['scan', 'model-scanners', 'k8s-manifests', 'dockerfile', 'model-signing', 'oci', 'image', 'events'] as const;
export type LimitDomain = (typeof LIMIT_DOMAINS)[number];

export type LimitUnit = 'bytes' | 'count' | 'depth';

export interface LimitSpec {
  readonly domain: LimitDomain;
  readonly default: number;
  readonly unit: LimitUnit;
  /** What the limit bounds (one line, shown by docs/limits.md and `bulwark rules`). */
  readonly bounds: string;
}

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

/** The one table of limits. Order: by domain, then as documented. */
export const LIMIT_SPECS = {
  // -- every scan ------------------------------------------------------------------------------
  maxReadBytes: { domain: 'scan', default: 2 * GiB, unit: 'bytes', bounds: 'bytes actually read from one target (tensor payloads are skipped by seeking and do not count)' },
  maxFiles: { domain: 'scan', default: 1_000_000, unit: 'count', bounds: 'files considered under one directory argument' },
  maxDirectoryDepth: { domain: 'scan', default: 64, unit: 'depth', bounds: 'depth of a directory walk' },
  maxFindingsPerTarget: { domain: 'scan', default: 1_000, unit: 'count', bounds: 'findings kept per target; the rest are counted in one `scan/limit-exceeded` finding' },
  maxTextBytes: { domain: 'scan', default: 64 * MiB, unit: 'bytes', bounds: 'one text document (manifests, configs, templates, source files)' },
  maxStructureDepth: { domain: 'scan', default: 256, unit: 'depth', bounds: 'nesting of one JSON/YAML/protobuf structure' },
  maxFolderTextBytes: { domain: 'scan', default: 256 * MiB, unit: 'bytes', bounds: 'text kept in memory for the folder-level analyses of one scan (Hugging Face configs, remote code, templates)' },
  maxAttackPaths: { domain: 'scan', default: 10_000, unit: 'count', bounds: 'routes through the attack graph explored per scan (all path templates and models together)' },
  // -- model scanners --------------------------------------------------------------------------
  maxDecompressedBytes: { domain: 'model-scanners', default: 1 * GiB, unit: 'bytes', bounds: 'output of one decompression (zip member, gzip/bz2/xz/zstd/lzma/lz4 stream, joblib body)' },
  maxDecompressionRatio: { domain: 'model-scanners', default: 256, unit: 'count', bounds: 'output bytes one decompression may produce per compressed byte once past maxDecompressedBytesBeforeRatio (bombs: real model data rarely compresses past 100:1, bombs reach 1,000,000:1)' },
  maxDecompressedBytesBeforeRatio: { domain: 'model-scanners', default: 64 * MiB, unit: 'bytes', bounds: 'output of one decompression allowed before maxDecompressionRatio applies' },
  maxTotalDecompressedBytes: { domain: 'model-scanners', default: 2 * GiB, unit: 'bytes', bounds: 'all decompressed output of one target, nested archives included' },
  maxPickleOps: { domain: 'model-scanners', default: 100_000_000, unit: 'count', bounds: 'opcodes executed symbolically in one pickle stream' },
  maxPickleStack: { domain: 'model-scanners', default: 2_000_000, unit: 'count', bounds: 'symbolic stack size (items and marks) of one pickle stream' },
  maxPickleMemo: { domain: 'model-scanners', default: 10_000_000, unit: 'count', bounds: 'memo entries of one pickle stream' },
  maxPickleReadings: { domain: 'model-scanners', default: 8, unit: 'count', bounds: 'alternative readings of one pickle source followed (pickle.py and the C unpickler start the next load() at different offsets)' },
  maxStringBytes: { domain: 'model-scanners', default: 1 * MiB, unit: 'bytes', bounds: 'bytes of one string kept for analysis and evidence (longer strings are truncated, and said so)' },
  maxNestingDepth: { domain: 'model-scanners', default: 8, unit: 'depth', bounds: 'containers in containers, pickles in pickles' },
  maxArchiveEntries: { domain: 'model-scanners', default: 1_000_000, unit: 'count', bounds: 'entries of one archive (zip central directory, tar members)' },
  maxFindingsPerRule: { domain: 'model-scanners', default: 20, unit: 'count', bounds: 'findings of one rule listed per model file; the rest are counted in one summary finding of that rule' },
  maxGgufEntries: { domain: 'model-scanners', default: 10_000_000, unit: 'count', bounds: 'metadata key/value pairs and tensor infos declared by one GGUF header' },
  maxGgufArrayNesting: { domain: 'model-scanners', default: 8, unit: 'depth', bounds: 'nesting of arrays in one GGUF metadata value' },
  maxProtobufFields: { domain: 'model-scanners', default: 50_000_000, unit: 'count', bounds: 'protobuf fields walked in one ONNX or TensorFlow file' },
  maxTemplateTokens: { domain: 'model-scanners', default: 2_000_000, unit: 'count', bounds: 'tokens of one Jinja chat template' },
  maxHdf5Messages: { domain: 'model-scanners', default: 4_096, unit: 'count', bounds: 'object-header messages read from one HDF5 object (Keras .h5)' },
  maxHdf5Continuations: { domain: 'model-scanners', default: 64, unit: 'count', bounds: 'object-header continuation blocks followed in one HDF5 object' },
  maxRemoteCodeFiles: { domain: 'model-scanners', default: 64, unit: 'count', bounds: 'Python files analysed per model folder for remote code (auto_map and the files they import)' },
  maxConvertTensors: { domain: 'model-scanners', default: 10_000_000, unit: 'count', bounds: '`bulwark convert`: tensors, dictionary items and values walked in one checkpoint' },
  maxConvertCopyBytes: { domain: 'model-scanners', default: 16 * GiB, unit: 'bytes', bounds: '`bulwark convert`: storage bytes held in memory to copy one tensor that cannot be copied as one range (a strided view, a big-endian storage)' },
  // -- Kubernetes manifests --------------------------------------------------------------------
  maxYamlDocuments: { domain: 'k8s-manifests', default: 10_000, unit: 'count', bounds: 'YAML documents in one file' },
  maxYamlAliases: { domain: 'k8s-manifests', default: 10_000, unit: 'count', bounds: 'alias resolutions in one YAML document (alias bombs)' },
  maxYamlNodes: { domain: 'k8s-manifests', default: 1_000_000, unit: 'count', bounds: 'nodes (scalars, mappings, sequences, aliases expanded) in one YAML file' },
  // -- Dockerfiles ----------------------------------------------------------------------------
  maxDockerfileInstructions: { domain: 'dockerfile', default: 10_000, unit: 'count', bounds: 'instructions (continuation lines joined) parsed from one Dockerfile' },
  // -- model signing ---------------------------------------------------------------------------
  maxBundleBytes: { domain: 'model-signing', default: 256 * MiB, unit: 'bytes', bounds: 'one signature bundle (model.sig)' },
  maxCertChain: { domain: 'model-signing', default: 10, unit: 'count', bounds: 'certificates in one signing chain' },
  maxTrustedRootBytes: { domain: 'model-signing', default: 16 * MiB, unit: 'bytes', bounds: 'one Sigstore trusted root file' },
  maxSignedResources: { domain: 'model-signing', default: 10_000_000, unit: 'count', bounds: 'files (or shards) listed in one signed statement' },
  // -- OCI registries (push, pull, scan oci://, sign/verify oci://) ------------------------------
  maxManifestBytes: { domain: 'oci', default: 4 * MiB, unit: 'bytes', bounds: 'one manifest, index or referrers list read from a registry (the OCI distribution spec\'s 4 MiB)' },
  maxManifestLayers: { domain: 'oci', default: 10_000, unit: 'count', bounds: 'layers of one manifest, or manifests of one index or referrers list' },
  maxLayerBytes: { domain: 'oci', default: 256 * GiB, unit: 'bytes', bounds: 'one blob (layer) read from a registry; its declared size is checked first and every byte read is counted' },
  maxLayerPathBytes: { domain: 'oci', default: 4 * KiB, unit: 'bytes', bounds: 'one file path in an artifact (a layer\'s org.cncf.model.filepath annotation or a tar member name)' },
  maxRegistryResponseBytes: { domain: 'oci', default: 1 * MiB, unit: 'bytes', bounds: 'any other registry or token-server response body (tokens, error documents)' },
  maxTrustCacheEntries: { domain: 'oci', default: 10_000, unit: 'count', bounds: 'supply-chain verdicts (per trust scope and digest) the admission webhook caches, and verifications it runs at once' },
  maxSignatureEnvelopeBytes: { domain: 'oci', default: 1 * MiB, unit: 'bytes', bounds: 'one image signature read from a registry (a cosign simple-signing payload, a Notation JWS envelope, a Sigstore bundle layer)' },
  maxImageSignatures: { domain: 'oci', default: 16, unit: 'count', bounds: 'signatures (cosign layers, referrers) tried for one image before verification fails' },
  maxTrustStoreCerts: { domain: 'oci', default: 1_000, unit: 'count', bounds: 'certificates loaded from one Notation trust store folder' },
  // -- container images (scan of OCI layouts, docker-archive tarballs, oci://REF images) ----------
  maxImageFiles: { domain: 'image', default: 1_000_000, unit: 'count', bounds: 'paths kept in the per-image index (path → layer, type, mode) that whiteouts and the merged-filesystem checks use' },
  maxImageSecretScanBytes: { domain: 'image', default: 1 * MiB, unit: 'bytes', bounds: 'largest file in a layer searched for secrets by content (larger files are not searched; credential file names are still checked)' },
  // -- event streams (audit logs, runtime events, admission requests) ----------------------------
  maxEventBytes: { domain: 'events', default: 4 * MiB, unit: 'bytes', bounds: 'one event (a JSON line, a webhook batch item, an AdmissionReview)' },
  maxImagesPerReview: { domain: 'events', default: 64, unit: 'count', bounds: 'image references in trust scopes verified for one admission request (containers and image volumes); more is a fail-closed finding' },
  maxEventQueue: { domain: 'events', default: 10_000, unit: 'count', bounds: 'events or findings waiting in one queue between a source and its consumer (a sink, a rule engine)' },
  maxStateEntries: { domain: 'events', default: 100_000, unit: 'count', bounds: 'entries one stateful detection keeps (identities, pods, sequences, first sightings); the oldest are evicted and counted' },
  maxAuditBatchBytes: { domain: 'events', default: 64 * MiB, unit: 'bytes', bounds: 'one webhook body (EventList batch) accepted by `bulwark audit serve` (413 above; keep it above the API server\'s batch size)' },
  maxProcesses: { domain: 'events', default: 100_000, unit: 'count', bounds: 'processes the runtime sensor tracks at once' },
  maxFdsPerProcess: { domain: 'events', default: 4096, unit: 'count', bounds: 'file descriptors of one process the runtime sensor reads per scan (sockets, stdio, GPU devices)' },
  maxCmdlineBytes: { domain: 'events', default: 64 * KiB, unit: 'bytes', bounds: 'argv of one process read by the runtime sensor' },
  maxHashBytes: { domain: 'events', default: 128 * MiB, unit: 'bytes', bounds: 'one executable hashed by the runtime sensor (larger ones are not hashed)' },
  maxPodListBytes: { domain: 'events', default: 64 * MiB, unit: 'bytes', bounds: "the kubelet's pod list (or --pods-file) read by the runtime agent" },
} as const satisfies Readonly<Record<string, LimitSpec>>;

export type LimitName = keyof typeof LIMIT_SPECS;
export type Limits = { readonly [K in LimitName]: number };

export const LIMIT_NAMES = Object.keys(LIMIT_SPECS) as LimitName[];

export const DEFAULT_LIMITS: Limits = Object.freeze(Object.fromEntries(LIMIT_NAMES.map((n) => [n, LIMIT_SPECS[n].default])) as Limits);

export function isLimitName(s: string): s is LimitName {
  return Object.prototype.hasOwnProperty.call(LIMIT_SPECS, s);
}

/** The closest known limit name (for "did you mean" in errors), or undefined. */
export function suggestLimitName(s: string): string | undefined {
  const lower = s.toLowerCase();
  let best: { name: string; d: number } | undefined;
  for (const n of LIMIT_NAMES) {
    const d = distance(lower, n.toLowerCase());
    if (d <= 3 && (best === undefined || d < best.d)) best = { name: n, d };
  }
  return best?.name ?? LIMIT_NAMES.find((n) => n.toLowerCase().includes(lower) || lower.includes(n.toLowerCase()));
}

/** Levenshtein distance, stopping early past 3 (names differ a lot otherwise). */
function distance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3) return 4;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/** Merge overrides (e.g. from `--limit name=value`) onto the defaults; values must be positive integers. */
export function resolveLimits(overrides: Partial<Record<string, number>> = {}, base: Limits = DEFAULT_LIMITS): Limits {
  const out: Record<string, number> = { ...base };
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) continue;
    if (!isLimitName(k)) {
      const hint = suggestLimitName(k);
      throw new BulwarkError('USAGE', `unknown limit "${k}"${hint === undefined ? '' : ` (did you mean ${hint}?)`}; see docs/limits.md`);
    }
    if (!Number.isSafeInteger(v) || v <= 0) throw new BulwarkError('USAGE', `limit ${k} must be a positive integer`);
    out[k] = v;
  }
  return Object.freeze(out) as Limits;
}

/** Parse a size such as `512MiB`, `2GiB`, `1000000`, `64k`, `1_000_000`. */
export function parseSize(text: string): number | undefined {
  const m = /^(\d[\d_]*)\s*(k|kb|kib|m|mb|mib|g|gb|gib|t|tb|tib)?$/i.exec(text.trim());
  if (!m?.[1]) return undefined;
  const n = Number(m[1].replace(/_/g, ''));
  const unit = (m[2] ?? '').toLowerCase();
  const mult = unit.startsWith('k') ? KiB : unit.startsWith('m') ? MiB : unit.startsWith('g') ? GiB : unit.startsWith('t') ? 1024 * GiB : 1;
  const v = n * mult;
  return Number.isSafeInteger(v) ? v : undefined;
}

/** `2 GiB`, `64 MiB`, `1,000,000` — the form docs/limits.md uses. */
export function formatLimit(name: LimitName, value: number): string {
  if (LIMIT_SPECS[name].unit === 'bytes') {
    for (const [unit, size] of [['GiB', GiB], ['MiB', MiB], ['KiB', KiB]] as const) {
      if (value >= size && value % size === 0) return `${value / size} ${unit}`;
    }
    return `${value} bytes`;
  }
  return value.toLocaleString('en-US');
}
