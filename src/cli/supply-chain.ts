/**
 * Wires the admission webhook's supply-chain checker (src/supply-chain) from the configuration file:
 * trust material read once (paths relative to the configuration file), registry credentials and CA,
 * and the content scan of model artifacts through the engine (layers fetched with every digest
 * checked into a private temporary folder, scanned, removed).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { BulwarkConfig, SupplyChainVerifierConfig } from '../config/index.js';
import { DEFAULT_SCAN_OPTIONS, scan } from '../engine/index.js';
import type { Finding } from '../findings/index.js';
import { BulwarkError, compareSeverity } from '../findings/index.js';
import type { Limits } from '../limits/index.js';
import type { OciTrust } from '../oci/index.js';
import { defaultRegistryConfigPath, fetchLayersInto, loadRegistryCredentials } from '../oci/index.js';
import type { ImagePolicy } from '../image-signing/index.js';
import { loadCosignPolicy, loadNotationPolicy, verifyImageSignature } from '../image-signing/index.js';
import type { ContentScanner, CosignVerifier, ImageSignatureVerifier, NotationVerifier, OmsVerifier, SupplyChainPolicy, TrustScope, VerifierSpec } from '../supply-chain/index.js';
import { EMPTY_SUPPLY_CHAIN, SUPPLY_CHAIN_DEFAULTS, SupplyChainChecker } from '../supply-chain/index.js';

function readTrust(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new BulwarkError('USAGE', `admission.supplyChain: cannot read the ${what} ${path} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}

/** The supply-chain policy of the configuration file, paths resolved against the file's folder. */
export function supplyChainPolicyOf(config: BulwarkConfig): SupplyChainPolicy {
  const sc = config.admission.supplyChain;
  if (sc === undefined) return EMPTY_SUPPLY_CHAIN;
  const base = config.file === undefined ? process.cwd() : dirname(resolve(config.file));
  const at = (p: string): string => (isAbsolute(p) ? p : join(base, p));
  const verifier = (v: SupplyChainVerifierConfig): VerifierSpec => {
    if (v.kind === 'notation') return { kind: 'notation', trustPolicy: at(v.trustPolicy), trustStore: at(v.trustStore) };
    const common = {
      ...(v.key !== undefined && { key: at(v.key) }),
      ...(v.identity !== undefined && { identity: v.identity }),
      ...(v.issuer !== undefined && { issuer: v.issuer }),
      ...(v.trustedRoot !== undefined && { trustedRoot: at(v.trustedRoot) }),
    };
    if (v.kind === 'cosign') return { kind: 'cosign', ...common };
    return { kind: 'oms', ...common, ...(v.certChain !== undefined && { certChain: v.certChain.map(at) }) };
  };
  const scopes: TrustScope[] = sc.scopes.map((s) => ({
    match: s.match,
    requireDigest: s.requireDigest,
    verify: s.verify.map(verifier),
    ...(s.scanBlockAt !== undefined && { scanBlockAt: s.scanBlockAt }),
    onError: s.onError,
    mode: s.mode,
  }));
  return {
    scopes,
    resolveTags: sc.resolveTags ?? false,
    plainHttp: sc.plainHttp ?? false,
    cacheTtlMs: sc.cacheTtlMs ?? SUPPLY_CHAIN_DEFAULTS.cacheTtlMs,
    failureTtlMs: sc.failureTtlMs ?? SUPPLY_CHAIN_DEFAULTS.failureTtlMs,
    timeoutMs: sc.timeoutMs ?? SUPPLY_CHAIN_DEFAULTS.timeoutMs,
    ...(sc.registryConfig !== undefined && { registryConfig: at(sc.registryConfig) }),
    ...(sc.caFile !== undefined && { caFile: at(sc.caFile) }),
  };
}

/** OMS trust material of every OMS verifier, read now (a missing key is a usage error at start-up, not a denial later). */
function omsTrustTable(policy: SupplyChainPolicy): (spec: OmsVerifier) => OciTrust {
  const table = new Map<OmsVerifier, OciTrust>();
  for (const s of policy.scopes) {
    for (const v of s.verify) {
      if (v.kind !== 'oms') continue;
      table.set(v, {
        ...(v.key !== undefined && { key: readTrust(v.key, 'OMS public key') }),
        ...(v.certChain !== undefined && { certChain: v.certChain.map((c) => readTrust(c, 'certificate chain')) }),
        ...(v.identity !== undefined && { identity: v.identity }),
        ...(v.issuer !== undefined && { issuer: v.issuer }),
        ...(v.trustedRoot !== undefined && { trustedRoot: v.trustedRoot }),
      });
      if (v.trustedRoot !== undefined) readTrust(v.trustedRoot, 'trusted root');
    }
  }
  return (spec) => {
    const t = table.get(spec);
    if (t === undefined) throw new BulwarkError('INTERNAL', 'an OMS verifier without loaded trust material');
    return t;
  };
}

/**
 * cosign and Notation verification of images (src/image-signing), with every policy loaded now from
 * its files (keys, trusted roots, trust policies, trust stores): a bad file is a usage error at start-up.
 */
export function imageVerifier(policy: SupplyChainPolicy, limits: Limits): ImageSignatureVerifier | undefined {
  const table = new Map<CosignVerifier | NotationVerifier, ImagePolicy>();
  for (const s of policy.scopes) {
    for (const v of s.verify) {
      if (v.kind === 'oms') continue;
      try {
        table.set(
          v,
          v.kind === 'cosign'
            ? loadCosignPolicy({ ...(v.key !== undefined && { keyFiles: [v.key] }), ...(v.identity !== undefined && { identity: v.identity }), ...(v.issuer !== undefined && { issuer: v.issuer }), ...(v.trustedRoot !== undefined && { trustedRoot: v.trustedRoot }), limits })
            : loadNotationPolicy(v.trustPolicy, v.trustStore, limits),
        );
      } catch (e) {
        throw new BulwarkError('USAGE', `admission.supplyChain: ${v.kind} verifier: ${(e as Error).message.split('\n')[0] ?? ''}`);
      }
    }
  }
  if (table.size === 0) return undefined;
  return async (client, ref, resolved, spec) => {
    const p = table.get(spec);
    if (p === undefined) throw new BulwarkError('INTERNAL', `a ${spec.kind} verifier without loaded trust material`);
    const r = await verifyImageSignature(client, { registry: ref.registry, name: ref.name }, resolved.digest, { mediaType: resolved.fetched.mediaType, digest: resolved.digest, size: resolved.fetched.bytes.length }, p);
    if (r.ok) return { signer: r.signer };
    // `io`: the registry or a file could not be read (an outage, not a failed proof).
    throw new BulwarkError(r.io === true ? 'IO' : 'VERIFICATION', `${spec.kind}: ${r.reason}`);
  };
}

/** The content scanner of model artifacts: the engine over the fetched layers (fail closed: a partial target counts as its worst finding). */
export function engineContentScanner(limits: Limits): ContentScanner {
  return async (client, ref, resolved) => {
    const dir = mkdtempSync(join(tmpdir(), 'bulwark-admission-scan-'));
    try {
      await fetchLayersInto(client, ref.name, resolved, dir);
      const report = await scan({ paths: [dir] }, { ...DEFAULT_SCAN_OPTIONS, limits, jobs: 1 });
      const counted: Finding[] = report.findings.filter((f) => f.suppressed === undefined);
      let worst: Finding | undefined;
      for (const f of counted) if (worst === undefined || compareSeverity(f.severity, worst.severity) < 0) worst = f;
      const where = (p: string): string => (p.startsWith(`${dir}/`) ? p.slice(dir.length + 1) : p);
      return {
        findings: counted.length,
        ...(worst !== undefined && { maxSeverity: worst.severity, worst: `${worst.ruleId} ${where(worst.location.path)}: ${worst.message.split(dir).join('.')}` }),
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

/** The checker for `bulwark admission serve|review`, or undefined when the configuration has no trust scopes. */
export function supplyChainChecker(config: BulwarkConfig, limits: Limits): SupplyChainChecker | undefined {
  const policy = supplyChainPolicyOf(config);
  if (policy.scopes.length === 0) return undefined;
  const credentials = loadRegistryCredentials(policy.registryConfig ?? defaultRegistryConfigPath(), policy.registryConfig !== undefined);
  const ca = policy.caFile === undefined ? undefined : readTrust(policy.caFile, 'CA file');
  const verifyImage = imageVerifier(policy, limits);
  return new SupplyChainChecker(policy, {
    omsTrust: omsTrustTable(policy),
    ...(verifyImage !== undefined && { verifyImage }),
    scanContent: engineContentScanner(limits),
    credentials,
    ...(ca !== undefined && { ca }),
    limits,
  });
}
