import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RuleCase } from '../rules/index.js';
import { SIGNING_RULE_CASES } from './rule-cases.js';
import type { ModelSignatureCheckOptions } from './scan.js';
import { checkModelSignature as checkInto } from './scan.js';
import type { Finding } from '../findings/index.js';
import { Reporter } from '../rules/index.js';
import { SIGNING_RULES } from './rules.js';

/** Run the check with a fresh Reporter and return what it reported. */
async function checkModelSignature(dir: string, options: ModelSignatureCheckOptions): Promise<Finding[]> {
  const reporter = new Reporter();
  await checkInto(dir, options, reporter);
  return reporter.finish();
}

const root = mkdtempSync(join(tmpdir(), 'bulwark-sigscan-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

function materialize(c: RuleCase): string {
  const dir = join(root, `case-${++n}`);
  mkdirSync(dir, { recursive: true });
  for (const [rel, v] of Object.entries(c.files)) {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), typeof v === 'function' ? v() : v);
  }
  for (const [rel, target] of Object.entries(c.symlinks ?? {})) symlinkSync(target, join(dir, rel));
  return dir;
}

/** What the engine passes: ScanOptions.policy and ScanOptions.signing.* (see rule-cases.ts). */
function optionsOf(c: RuleCase): ModelSignatureCheckOptions {
  const o = (c.options ?? {}) as { policy?: 'default' | 'production'; signing?: { key?: string; certChain?: string[]; identity?: string; issuer?: string; trustedRoot?: string } };
  return { ...(o.policy !== undefined && { policy: o.policy }), ...(o.signing ?? {}) };
}

describe('signing rule cases, run through checkModelSignature directly', () => {
  it('has at least one firing and one silent case per rule', () => {
    for (const rule of SIGNING_RULES) {
      const cases = SIGNING_RULE_CASES.find((c) => c.ruleId === rule.id);
      expect(cases?.valid.length).toBeGreaterThan(0);
      expect(cases?.invalid.length).toBeGreaterThan(0);
    }
  });

  for (const rc of SIGNING_RULE_CASES) {
    for (const c of rc.invalid) {
      it(`${rc.ruleId} fires: ${c.name}`, async () => {
        const findings = (await checkModelSignature(materialize(c), optionsOf(c))).filter((f) => f.ruleId === rc.ruleId);
        expect(findings.length).toBeGreaterThanOrEqual(c.expect?.count ?? 1);
        if (c.expect?.severity) expect(findings[0]?.severity).toBe(c.expect.severity);
        if (c.expect?.messageIncludes) expect(findings[0]?.message).toContain(c.expect.messageIncludes);
      });
    }
    for (const c of rc.valid) {
      it(`${rc.ruleId} stays silent: ${c.name}`, async () => {
        const findings = (await checkModelSignature(materialize(c), optionsOf(c))).filter((f) => f.ruleId === rc.ruleId);
        expect(findings).toEqual([]);
      });
    }
  }
});

describe('checkModelSignature', () => {
  it('finds the signature of an enclosing folder up to stopAt', async () => {
    const signedCase = SIGNING_RULE_CASES.find((c) => c.ruleId === 'signing/unsigned-model')!.valid[0]!;
    const top = materialize({ ...signedCase, files: { ...signedCase.files } });
    const sub = join(top, 'sub');
    mkdirSync(sub);
    // The signature of `top` does not list sub/w.pkl: with the parent's signature found, it is an added file.
    writeFileSync(join(sub, 'w.pkl'), Uint8Array.from([0x80, 0x02, 0x4e, 0x2e]));
    const opts = optionsOf(signedCase);
    expect((await checkModelSignature(sub, opts)).map((f) => f.ruleId)).toEqual(['signing/unsigned-model']);
    const f = await checkModelSignature(sub, { ...opts, stopAt: top });
    expect(f.map((x) => [x.ruleId, x.severity])).toEqual([['signing/verification-failed', 'critical']]);
    expect(f[0]?.message).toContain('file added: sub/w.pkl');
  });

  it('reports an unreadable configured key as a verification problem, never throws', async () => {
    const signedCase = SIGNING_RULE_CASES.find((c) => c.ruleId === 'signing/unsigned-model')!.valid[0]!;
    const dir = materialize(signedCase);
    const f = await checkModelSignature(dir, { key: join(root, 'no-such-key.pem') });
    expect(f.map((x) => [x.ruleId, x.severity])).toEqual([['signing/verification-failed', 'high']]);
    expect(f[0]?.message).toMatch(/cannot read the configured public key .*ENOENT/);
  });

  it('reads the key from a file path as well as inline PEM', async () => {
    const signedCase = SIGNING_RULE_CASES.find((c) => c.ruleId === 'signing/unsigned-model')!.valid[0]!;
    const dir = materialize(signedCase);
    const keyFile = join(root, 'pub.pem');
    writeFileSync(keyFile, (optionsOf(signedCase).key as string));
    expect(await checkModelSignature(dir, { key: keyFile })).toEqual([]);
  });
});
