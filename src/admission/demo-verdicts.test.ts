/**
 * Done-when of issue 11: the demo manifests (examples/k8s) give the same verdicts through review() as
 * through `bulwark scan`, object by object: the same admission rules fire (suppressed ones included,
 * marked), and an object is denied exactly when scan has an unsuppressed finding of an admission rule
 * of that level (suppressions honoured on both sides).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../k8s-manifests/index.js';
import { objectFromJson, podTemplatesOf } from '../k8s-manifests/index.js';
import { DEFAULT_SETTINGS, policyForLabels } from './policy.js';
import { makeAdmissionReview } from './request.js';
import { ADMISSION_REGISTRY, evaluate } from './review.js';

const ROOT = join(import.meta.dirname, '../..');
const CLI = join(ROOT, 'dist/src/cli/main.js');
const DEMO = join(ROOT, 'examples/k8s');

interface ScanFinding {
  ruleId: string;
  suppressed?: unknown;
  location: { kind: string; objectKind?: string; namespace?: string; name?: string };
}

const covers = (level: 'baseline' | 'restricted', ruleId: string): boolean => {
  const l = ADMISSION_REGISTRY.get(ruleId)?.admission?.level;
  return l !== undefined && (l === 'baseline' || level === 'restricted');
};

describe.skipIf(!existsSync(CLI))('demo manifests: review() and bulwark scan agree', () => {
  for (const level of ['baseline', 'restricted'] as const) {
    it(`at ${level}`, () => {
      const r = spawnSync(process.execPath, [CLI, 'scan', DEMO, '--format', 'json', '--pss-level', level, '--fail-on', 'none', '--no-config'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      const report = JSON.parse(r.stdout) as { findings: ScanFinding[] };
      const scanBy = new Map<string, { rules: Set<string>; unsuppressed: boolean }>();
      for (const f of report.findings) {
        if (f.location.kind !== 'k8s-object' || !covers(level, f.ruleId)) continue;
        const key = `${f.location.objectKind}/${f.location.namespace ?? ''}/${f.location.name}`;
        const e = scanBy.get(key) ?? { rules: new Set<string>(), unsuppressed: false };
        e.rules.add(f.ruleId);
        if (f.suppressed === undefined) e.unsuppressed = true;
        scanBy.set(key, e);
      }
      let compared = 0;
      for (const file of readdirSync(DEMO).filter((f) => f.endsWith('.yaml')).sort()) {
        for (const d of parseAllDocuments(readFileSync(join(DEMO, file), 'utf8'), { version: '1.1' })) {
          const o = JSON.parse(JSON.stringify(d.toJS() ?? null)) as JsonObject | null;
          if (o === null || typeof o !== 'object') continue;
          const probe = objectFromJson(structuredClone(o), { kind: 'admission-request', path: file, uid: '', operation: '' });
          if (podTemplatesOf(probe).length === 0) continue;
          const key = `${probe.kind}/${probe.namespace ?? ''}/${probe.name}`;
          const policy = policyForLabels(new Map([['bulwark.dev/enforce', level]]), { ...DEFAULT_SETTINGS, suppressions: 'honor' });
          const ev = evaluate(makeAdmissionReview({ uid: key, object: o, namespace: probe.namespace ?? 'default' }), policy);
          expect(ev.ok).toBe(true);
          if (!ev.ok) continue;
          const got = [...new Set(ev.evaluation.findings.map((f) => f.ruleId))].sort();
          const want = [...(scanBy.get(key)?.rules ?? [])].sort();
          expect(got, `${file} ${key}`).toEqual(want);
          expect(ev.evaluation.review.response.allowed, `${file} ${key} verdict`).toBe(!(scanBy.get(key)?.unsuppressed ?? false));
          compared++;
        }
      }
      expect(compared).toBeGreaterThanOrEqual(3);
    });
  }
});
