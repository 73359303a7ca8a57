import { describe, expect, it } from 'vitest';
import { BulwarkError } from '../../findings/index.js';
import { compileLeakRules, TextScanner } from './detect.js';
import { ibanValid, luhn, SECRET_PATTERNS } from './patterns.js';
import { rand, SECRET_SAMPLES } from './test-helpers.js';
import type { LeakRules } from './types.js';

const NONE: LeakRules = { canaries: [], protectedTexts: [] };

/** Scan a text appended in pieces of `step` characters, scanning after each piece. */
function scan(rules: LeakRules, text: string, step = 3): { kind: string; detail: string } | undefined {
  const s = new TextScanner(compileLeakRules(rules));
  for (let i = 0; i < text.length; i += step) {
    s.append(text.slice(i, i + step));
    const h = s.scan(false);
    if (h !== undefined) return h;
  }
  return s.scan(true);
}

describe('secret patterns', () => {
  it('every pattern has a firing sample', () => {
    const ids = new Set(SECRET_SAMPLES.map(([id]) => id));
    for (const p of SECRET_PATTERNS) expect(ids.has(p.id), p.id).toBe(true);
  });

  it.each(SECRET_SAMPLES)('%s fires in prose, whole or split (%s)', (id, secret) => {
    const text = `Sure! Here is the value you asked for: ${secret} — keep it safe.`;
    for (const step of [1, 2, 5, 1000]) expect(scan(NONE, text, step)).toEqual({ kind: 'secret', detail: id });
    // Quoted, in JSON, at the very start and very end.
    expect(scan(NONE, `{"key": "${secret}"}`)).toEqual({ kind: 'secret', detail: id });
    expect(scan(NONE, secret)).toEqual({ kind: 'secret', detail: id });
  });

  it('fires on zero-width-obfuscated and full-width secrets (after NFKC and removing invisible characters)', () => {
    const key = `AKIA${rand('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16, 42)}`;
    expect(scan(NONE, `key: ${key.split('').join('\u200b')}`)).toEqual({ kind: 'secret', detail: 'aws-access-key-id' });
    const wide = [...key].map((c) => String.fromCodePoint(c.codePointAt(0)! + 0xfee0)).join('');
    expect(scan(NONE, `key: ${wide}`)).toEqual({ kind: 'secret', detail: 'aws-access-key-id' });
  });

  it.each([
    ['password assignments', 'Set password=hunter2 and api_key=changeme in the config file.'],
    ['the AWS documentation example key', 'export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE'],
    ['short sk- strings', 'Use the sk-learn library, e.g. sk-1234 or sk-proj-short.'],
    ['hf_ identifiers in code', 'from huggingface_hub import hf_hub_download; hf_hub_download(repo_id="x")'],
    ['a ghp_ prefix too short', 'tokens look like ghp_xxxxxxxx'],
    ['a public key', '-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkq'],
    ['a certificate', '-----BEGIN CERTIFICATE-----'],
    ['eyJ alone', 'The base64 of {" is eyJ, so JSON in base64 starts with eyJhbGciOi.'],
    ['a longer base32 run containing AKIA', `ID: X${'AKIA'}${rand('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16, 3)}`],
    ['sk_test_ keys', `sk_test_${rand('abcdefghijklmnopqrstuvwxyz0123456789', 24, 4)}`],
    ['ordinary prose and code', 'function add(a, b) { return a + b; } // The quick brown fox jumps over the lazy dog 1234567890.'],
  ])('silent on %s', (_name, text) => {
    expect(scan(NONE, text)).toBeUndefined();
  });

  it('secrets can be turned off', () => {
    expect(scan({ ...NONE, secrets: false }, `ghp_${rand('abcdefghijklmnopqrstuvwxyz0123456789', 36)}`)).toBeUndefined();
  });
});

describe('PII patterns (opt-in)', () => {
  const PII: LeakRules = { ...NONE, pii: true };
  it.each([
    ['email-address', 'Contact jane.doe+billing@mail.example.co.uk for details.'],
    ['phone-number', 'Call +44 20 7946 0958 tomorrow.'],
    ['phone-number', 'Call (415) 555-0132 now.'],
    ['phone-number', 'US: 415-555-0132.'],
    ['payment-card', 'Card: 4111 1111 1111 1111, exp 12/29'],
    ['payment-card', 'card 5555-5555-5555-4444'],
    ['payment-card', 'amex 378282246310005'],
    ['iban', 'IBAN: DE89 3704 0044 0532 0130 00.'],
    ['iban', 'GB82WEST12345698765432'],
  ])('%s fires: %s', (id, text) => {
    expect(scan(PII, text)).toEqual({ kind: 'pii', detail: id });
    expect(scan(PII, text, 1)).toEqual({ kind: 'pii', detail: id });
  });

  it.each([
    ['a card number failing Luhn', 'Order 4111 1111 1111 1112 shipped.'],
    ['a 16-digit id without an issuer prefix', 'Trace id 9999888877776666.'],
    ['an IBAN with a bad checksum', 'IBAN: DE88 3704 0044 0532 0130 00.'],
    ['dates, versions, amounts', 'On 2024-01-15 version 1.2.3 cost $1,234.56; build 20240115.1.'],
    ['an at-sign handle', 'Ping @alice on the channel.'],
    ['a short number', 'Room 555-0132.'],
  ])('silent on %s', (_name, text) => {
    expect(scan(PII, text)).toBeUndefined();
  });

  it('is off by default', () => {
    expect(scan(NONE, 'Card: 4111 1111 1111 1111 and jane@example.com')).toBeUndefined();
  });

  it('luhn and mod-97', () => {
    expect(luhn('79927398713')).toBe(true);
    expect(luhn('79927398710')).toBe(false);
    expect(ibanValid('GB82 WEST 1234 5698 7654 32')).toBe(true);
    expect(ibanValid('GB82 WEST 1234 5698 7654 33')).toBe(false);
    expect(ibanValid('ZZ00')).toBe(false);
  });
});

describe('canaries', () => {
  const R: LeakRules = { canaries: ['zx-canary-7f3a9c', 'BLUE-HERON-42'], protectedTexts: [] };
  it('fire exactly, split across scans, and name the canary by number', () => {
    expect(scan(R, 'The token is zx-canary-7f3a9c.', 1)).toEqual({ kind: 'canary', detail: 'canary #1' });
    expect(scan(R, 'x BLUE-HERON-42 y', 4)).toEqual({ kind: 'canary', detail: 'canary #2' });
  });
  it('fire after case folding, NFKC and zero-width removal', () => {
    expect(scan(R, 'ZX-CANARY-7F3A9C')?.detail).toBe('canary #1 (normalised)');
    expect(scan(R, 'blue-\u200dheron-\u206042')?.detail).toBe('canary #2 (normalised)');
    expect(scan(R, '\uff22\uff2c\uff35\uff25-HERON-42')?.detail).toBe('canary #2 (normalised)');
  });
  it('silent on near misses', () => {
    expect(scan(R, 'zx-canary-7f3a9 c and blue heron 42')).toBeUndefined();
  });
  it('reject too-short canaries and bad n-grams (typed CONFIG error)', () => {
    expect(() => compileLeakRules({ canaries: ['abc'], protectedTexts: [] })).toThrow(BulwarkError);
    expect(() => compileLeakRules({ canaries: [], protectedTexts: [], ngram: 2 })).toThrow(/ngram/);
    expect(() => compileLeakRules({ canaries: ['x'.repeat(9000)], protectedTexts: [] })).toThrow(/longer than/);
  });
});

describe('protected-text overlap', () => {
  const SYSTEM = 'You are Acme Corp support assistant. Never reveal the internal escalation code or discuss competitor pricing. Always answer politely, in English, and cite the knowledge base article number.';
  const R: LeakRules = { canaries: [], protectedTexts: ['unrelated short text', SYSTEM] };
  it('fires on an 8-word run of the protected text, whatever its case, punctuation and spacing', () => {
    const out = 'My instructions say: "never REVEAL the internal   escalation-code, or discuss competitor pricing!"';
    expect(scan(R, out, 2)).toEqual({ kind: 'protected-text', detail: '8-gram of protected text #2' });
  });
  it('fires at the very end of the text (the last word completes at the end)', () => {
    expect(scan(R, 'answer politely in english and cite the knowledge base')?.kind).toBe('protected-text');
  });
  it('silent on 7 words in a row and on paraphrase', () => {
    expect(scan(R, 'I will never reveal the internal escalation code to you.')).toBeUndefined();
    expect(scan(R, 'I am a helpful support assistant for Acme and I answer politely.')).toBeUndefined();
  });
  it('n is configurable', () => {
    expect(scan({ ...R, ngram: 4 }, 'we do not discuss competitor pricing, always')?.kind).toBe('protected-text');
  });
});
