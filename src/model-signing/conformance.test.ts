import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkOmsConformance } from './conformance.js';

const OMS = join(import.meta.dirname, '..', '..', '..', 'shared', 'conformance', 'oms');

describe.skipIf(!existsSync(OMS))('OMS conformance (../shared/conformance/oms)', () => {
  it('passes every vector, negative case, spec vector and round trip', async () => {
    const r = await checkOmsConformance(OMS);
    expect(r.failures).toEqual([]);
    expect(r.passed).toBe(r.total);
    expect(r.total).toBeGreaterThan(50);
  }, 60_000);
});

describe.skipIf(!existsSync(OMS))('OMS v1.0 JSON schemas', () => {
  it('validate the bundles and statements bulwark sign writes', async () => {
    const { default: Ajv2020 } = await import('ajv/dist/2020.js');
    const { readFileSync, mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { generateKeyPairSync } = await import('node:crypto');
    const { signModel } = await import('./sign.js');
    const ajv = new Ajv2020({ strict: false });
    const schemas = join(OMS, 'spec', 'schemas', 'v1.0');
    for (const f of ['predicate', 'statement', 'envelope', 'bundle']) ajv.addSchema(JSON.parse(readFileSync(join(schemas, `${f}.schema.json`), 'utf8')));
    const bundleOk = ajv.getSchema('https://model_signing/bundle/v1.0/schema')!;
    const statementOk = ajv.getSchema('https://model_signing/statement/v1.0/schema')!;
    const dir = mkdtempSync(join(tmpdir(), 'bulwark-schema-'));
    try {
      writeFileSync(join(dir, 'a.bin'), 'a');
      writeFileSync(join(dir, 'b.bin'), 'b');
      const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
      const r = await signModel(dir, { privateKey: key, signaturePath: join(dir, 'model.sig') });
      expect(bundleOk(JSON.parse(r.bundleJson)), JSON.stringify(bundleOk.errors)).toBe(true);
      expect(statementOk(JSON.parse(r.payload.toString('utf8'))), JSON.stringify(statementOk.errors)).toBe(true);
      // The spec's own vectors, as a check of the harness.
      const valid = JSON.parse(readFileSync(join(OMS, 'spec', 'test-vectors', 'v1.0', 'valid', 'key.bundle.json'), 'utf8'));
      expect(bundleOk(valid)).toBe(true);
      const invalid = JSON.parse(readFileSync(join(OMS, 'spec', 'test-vectors', 'v1.0', 'invalid', 'missing-envelope.bundle.json'), 'utf8'));
      expect(bundleOk(invalid)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
