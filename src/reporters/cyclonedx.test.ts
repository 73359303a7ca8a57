import Ajv from 'ajv';
import addFormatsModule from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sampleReport } from '../../test-fixtures/report-builder.js';
import { renderCycloneDx } from './cyclonedx.js';

const dir = join(import.meta.dirname, '../../test-fixtures/schemas');
const load = (f: string): object => JSON.parse(readFileSync(join(dir, f), 'utf8')) as object;

describe('CycloneDX 1.6 ML-BOM', () => {
  // The official schema with the two schemas it references (SPDX licence ids, JSF signatures).
  const ajv = new Ajv.default({ allErrors: true, strict: false });
  addFormatsModule.default(ajv);
  ajv.addSchema(load('spdx.schema.json'), 'spdx.schema.json');
  ajv.addSchema(load('jsf-0.82.schema.json'), 'jsf-0.82.schema.json');
  const validate = ajv.compile(load('bom-1.6.schema.json'));
  const report = sampleReport();
  const bom = JSON.parse(renderCycloneDx(report, { sha256: (p) => (p.endsWith('.bin') ? 'ab'.repeat(32) : undefined), timestamp: '2026-01-02T03:04:05Z' })) as {
    specVersion: string;
    serialNumber: string;
    components: { type: string; 'bom-ref': string; hashes?: { alg: string; content: string }[]; properties: { name: string; value: string }[] }[];
    vulnerabilities: { id: string; affects: { ref: string }[]; ratings: { severity: string }[] }[];
    annotations?: { text: string; subjects: string[] }[];
  };

  it('validates against the official schema', () => {
    const ok = validate(bom);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });
  it('the schema check is not vacuous: a broken BOM fails it', () => {
    expect(validate({ ...bom, components: [{ type: 'not-a-type', name: 'x' }] })).toBe(false);
    expect(validate({ ...bom, vulnerabilities: [{ ratings: [{ severity: 'catastrophic' }] }] })).toBe(false);
  });
  it('models are machine-learning-model components with SHA-256, format and signature result', () => {
    const model = bom.components.find((c) => c['bom-ref'] === 'component:models/evil/pytorch_model.bin');
    expect(model?.type).toBe('machine-learning-model');
    expect(model?.hashes).toEqual([{ alg: 'SHA-256', content: 'ab'.repeat(32) }]);
    expect(model?.properties).toContainEqual({ name: 'bulwark:format', value: 'pytorch-zip' });
    expect(model?.properties.find((p) => p.name === 'bulwark:signature')).toBeDefined();
    expect(bom.components.find((c) => c['bom-ref'] === 'component:k8s/job.yaml')?.type).toBe('file');
    // The model folder a path finding names is a component holding its model files.
    expect(bom.components.find((c) => c['bom-ref'] === 'component:models/evil')?.type).toBe('machine-learning-model');
  });
  it('findings are vulnerabilities that affect their component; attack paths are annotations', () => {
    const refs = new Set(bom.components.map((c) => c['bom-ref']));
    expect(bom.vulnerabilities).toHaveLength(report.findings.length);
    for (const v of bom.vulnerabilities) for (const a of v.affects) expect(refs.has(a.ref)).toBe(true);
    expect(bom.vulnerabilities.find((v) => v.id === 'pickle/dangerous-call')?.ratings[0]?.severity).toBe('critical');
    expect(bom.annotations?.[0]?.text).toContain('Fix: Remove the grant to read Secrets');
  });
  it('a stable serial number for the same report', () => {
    expect(JSON.parse(renderCycloneDx(report)).serialNumber).toBe(bom.serialNumber);
    expect(bom.serialNumber).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
