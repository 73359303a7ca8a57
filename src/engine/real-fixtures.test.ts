/**
 * Real benign files written by the real libraries (torch.save, joblib.dump, numpy.save, pickle.dump,
 * and the format tools listed in test-fixtures/real/README files) must be fully analysed and get no
 * high or critical finding: a scanner that cries wolf on ordinary checkpoints gets switched off.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scan } from './engine.js';
import { scanOptions } from './options.js';

const realDir = join(import.meta.dirname, '../../test-fixtures/real');
const NOT_MODELS = /(^|\/)(README\.md|VERSIONS\.txt|SOURCES\.txt|expected\.json|[^/]+\.jinja|[^/]+\.onnx\.data)$/;

describe('real benign files', () => {
  it('no high or critical finding, every detected model file fully analysed', async () => {
    const report = await scan({ paths: [realDir] }, scanOptions({ jobs: 1 }));
    const serious = report.findings.filter((f) => f.severity === 'critical' || f.severity === 'high');
    expect(serious.map((f) => `${f.ruleId} ${f.location.path.slice(realDir.length + 1)}: ${f.message}`)).toEqual([]);
    const notAnalysed = report.targets.filter((t) => t.status !== 'complete' && t.format !== 'unknown');
    expect(notAnalysed.map((t) => `${t.path.slice(realDir.length + 1)} ${t.format} ${t.status}`)).toEqual([]);
    // Every real model file is recognised by content (only docs, templates and external data are not).
    const unrecognised = report.targets.filter((t) => t.format === 'unknown' && !NOT_MODELS.test(t.path));
    expect(unrecognised.map((t) => t.path.slice(realDir.length + 1))).toEqual([]);
    expect(report.targets.length).toBeGreaterThan(20);
  });
  it('strict mode still raises nothing critical on them', async () => {
    const report = await scan({ paths: [realDir] }, scanOptions({ jobs: 1, strict: true }));
    expect(report.findings.filter((f) => f.severity === 'critical').map((f) => f.message)).toEqual([]);
  });
});
