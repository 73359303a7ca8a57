#!/usr/bin/env node
/**
 * `npm run conformance -- <dir>`: runs the conformance suites found under <dir> (default
 * ../shared/conformance): `psa/` (Pod Security Admission fixtures, every level and version, through the
 * manifest analysis and through the admission webhook's review()) and `oms/`
 * (OpenSSF Model Signing vectors). Exit 0 when all agree, 1 when any disagrees, 2 on usage errors.
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { checkAdmissionConformance } from '../admission/index.js';
import { checkPsaConformance } from '../k8s-manifests/index.js';
import { checkOmsConformance } from '../model-signing/index.js';

interface SuiteResult {
  readonly total: number;
  readonly passed: number;
  readonly failures: readonly string[];
}

async function main(): Promise<number> {
  const arg = process.argv[2] ?? '../shared/conformance';
  const dir = resolve(arg);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    process.stderr.write(`bulwark conformance: ${arg} is not a directory\n`);
    return 2;
  }
  const suites: [string, () => Promise<SuiteResult> | SuiteResult][] = [];
  if (existsSync(join(dir, 'psa'))) suites.push(['Pod Security Admission (psa/)', () => checkPsaConformance(join(dir, 'psa'))]);
  if (existsSync(join(dir, 'psa'))) suites.push(['Admission review() vs PSA (psa/, Pods and Deployments)', () => checkAdmissionConformance(join(dir, 'psa'))]);
  if (existsSync(join(dir, 'oms'))) suites.push(['OpenSSF Model Signing (oms/)', () => checkOmsConformance(join(dir, 'oms'))]);
  if (suites.length === 0) {
    process.stderr.write(`bulwark conformance: no psa/ or oms/ suite under ${arg}\n`);
    return 2;
  }
  let failed = 0;
  for (const [name, run] of suites) {
    const t0 = performance.now();
    const r = await run();
    const ms = Math.round(performance.now() - t0);
    process.stdout.write(`${name}: ${r.passed}/${r.total} agree (${ms} ms)\n`);
    for (const f of r.failures.slice(0, 50)) process.stdout.write(`  FAIL ${f}\n`);
    if (r.failures.length > 50) process.stdout.write(`  … ${r.failures.length - 50} more\n`);
    if (r.passed !== r.total || r.failures.length > 0) failed++;
  }
  return failed > 0 ? 1 : 0;
}

process.exitCode = await main();
