/**
 * Runs a supply-chain rule case (src/supply-chain/rule-cases.ts) the way `bulwark admission serve`
 * checks a pod: the case's files are pushed as a ModelPack artifact to an in-memory loopback registry
 * (test-fixtures/oci/memory-registry.ts), signed with OMS or not, and one image-volume reference is
 * checked by the SupplyChainChecker with the engine as content scanner. Test-only (left out of the build).
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMemoryRegistry } from '../../test-fixtures/oci/memory-registry.js';
import type { Finding } from '../findings/index.js';
import { DEFAULT_LIMITS } from '../limits/index.js';
import { RegistryClient, parseReference, pushModel, signArtifact } from '../oci/index.js';
import type { RuleCase } from '../rules/index.js';
import { EMPTY_SUPPLY_CHAIN, SupplyChainChecker } from '../supply-chain/index.js';
import { engineContentScanner } from './supply-chain.js';

const pair = () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
};

export async function runSupplyChainRuleCase(c: RuleCase, _ruleId: string): Promise<Finding[]> {
  const reg = await startMemoryRegistry();
  const client = new RegistryClient(reg.host, { plainHttp: true, maxAttempts: 1 });
  const dir = mkdtempSync(join(tmpdir(), 'bulwark-sc-case-'));
  const key = pair();
  const other = pair();
  const opt = c.options ?? {};
  const checker = new SupplyChainChecker(
    { ...EMPTY_SUPPLY_CHAIN, plainHttp: true, scopes: [{ match: [`${reg.host}/models/*`], requireDigest: true, verify: [{ kind: 'oms', key: 'case' }], scanBlockAt: 'high', onError: 'deny', mode: 'enforce' }] },
    { omsTrust: () => ({ key: key.publicPem }), scanContent: engineContentScanner(DEFAULT_LIMITS), limits: DEFAULT_LIMITS },
  );
  try {
    for (const [rel, content] of Object.entries(c.files)) {
      mkdirSync(join(dir, rel, '..'), { recursive: true });
      writeFileSync(join(dir, rel), typeof content === 'function' ? content() : content);
    }
    const ref = parseReference(`${reg.host}/models/case:v1`);
    const pushed = await pushModel(client, dir, ref);
    if (opt['sign'] === 'key' || opt['sign'] === 'other-key') await signArtifact(client, ref, { privateKey: opt['sign'] === 'key' ? key.privatePem : other.privatePem });
    const tamper = opt['tamper'];
    if (typeof tamper === 'string') {
      const m = await client.getManifest({ name: 'models/case', reference: pushed.digest });
      const layer = m.document.kind === 'manifest' ? m.document.layers.find((l) => l.annotations?.['org.cncf.model.filepath'] === tamper) : undefined;
      if (layer === undefined) throw new Error(`case option tamper: no layer for ${tamper}`);
      reg.tamper(layer.digest);
    }
    if (opt['registry'] === 'down') reg.down = true;
    const reference = opt['reference'] === 'tag' ? `${reg.host}/models/case:v1` : `${reg.host}/models/case@${pushed.digest}`;
    const pointer = '/spec/volumes/0/image/reference';
    const r = await checker.check([{ reference, pointer, location: { kind: 'admission-request', path: '/validate', uid: 'case', operation: 'CREATE', fieldPath: 'spec.volumes[0].image.reference', pointer } }]);
    return r.findings.map((f) => f.finding);
  } finally {
    checker.close();
    client.close();
    await reg.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
