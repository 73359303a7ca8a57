/**
 * Secret and PII recognisers as data. Each pattern matches a bounded, identifying PREFIX of the secret
 * (`maxLen` characters at most, boundary characters included), so a stream filter holding back at
 * least `maxLen` characters finds it before any of its characters is sent. Ids are stable (they are
 * the `detail` of a LeakMatch); the matched text is never reported.
 *
 * Chosen for a low false-positive rate on model output: only formats with a distinctive, documented
 * prefix or a checksum; no "password=" style heuristics. The k8s-manifests recognisers judge whole
 * values (an env var, a Secret key); these judge a window of free text, hence the separate table.
 */

export interface LeakPattern {
  readonly id: string;
  readonly kind: 'secret' | 'pii';
  /** Global, sticky-free regex; must not match more than `maxLen` characters. */
  readonly re: RegExp;
  /** Longest match in characters (lookbehind/lookahead characters counted). */
  readonly maxLen: number;
  /** Extra check of a match (checksums, known example values). */
  readonly valid?: (m: string) => boolean;
}

const B = '(?<![A-Za-z0-9_\\-])';
const E = '(?![A-Za-z0-9_\\-])';

/** The AWS documentation's example key ids end in EXAMPLE; models quote them in tutorials. */
const notAwsExample = (m: string): boolean => !m.endsWith('EXAMPLE');

export const SECRET_PATTERNS: readonly LeakPattern[] = [
  // AWS access key ids: 4-letter type prefix + 16 base-32 characters.
  { id: 'aws-access-key-id', kind: 'secret', re: new RegExp(`${B}(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}${E}`, 'g'), maxLen: 22, valid: notAwsExample },
  // GitHub: classic personal/OAuth/user-to-server/server-to-server/refresh tokens (prefix + 36), fine-grained PATs.
  { id: 'github-token', kind: 'secret', re: new RegExp(`${B}gh[pousr]_[A-Za-z0-9]{36}${E}`, 'g'), maxLen: 42 },
  { id: 'github-fine-grained-pat', kind: 'secret', re: new RegExp(`${B}github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{16}`, 'g'), maxLen: 51 },
  { id: 'gitlab-token', kind: 'secret', re: new RegExp(`${B}gl(?:pat|dt|rt|ptt|cbt|soat)-[A-Za-z0-9_-]{20}`, 'g'), maxLen: 29 },
  // Slack bot/user/app-level/refresh tokens and incoming-webhook URLs.
  { id: 'slack-token', kind: 'secret', re: new RegExp(`${B}xox[abposre]-[0-9]{8,13}-[A-Za-z0-9-]{10}`, 'g'), maxLen: 31 },
  { id: 'slack-webhook-url', kind: 'secret', re: /hooks\.slack\.com\/services\/T[A-Z0-9]{8,11}\/B[A-Z0-9]{8,11}\/[A-Za-z0-9]{8}/g, maxLen: 66 },
  // Anthropic before OpenAI (both start with sk-): sk-ant-api03-… / sk-ant-admin01-…
  { id: 'anthropic-api-key', kind: 'secret', re: new RegExp(`${B}sk-ant-(?:api|admin|oat|ort)[0-9]{2}-[A-Za-z0-9_-]{20}`, 'g'), maxLen: 40 },
  // OpenAI: project, service-account and admin keys, and legacy keys (T3BlbkFJ is "OpenAI" in base64).
  { id: 'openai-api-key', kind: 'secret', re: new RegExp(`${B}sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{24}`, 'g'), maxLen: 37 },
  { id: 'openai-api-key', kind: 'secret', re: new RegExp(`${B}sk-[A-Za-z0-9]{20}T3BlbkFJ`, 'g'), maxLen: 32 },
  // Hugging Face user access tokens: hf_ + 34 letters.
  { id: 'huggingface-token', kind: 'secret', re: new RegExp(`${B}hf_[A-Za-z]{34}${E}`, 'g'), maxLen: 39 },
  { id: 'google-api-key', kind: 'secret', re: new RegExp(`${B}AIza[0-9A-Za-z_-]{35}${E}`, 'g'), maxLen: 41 },
  { id: 'stripe-secret-key', kind: 'secret', re: new RegExp(`${B}(?:sk|rk)_live_[0-9A-Za-z]{24}`, 'g'), maxLen: 33 },
  // JWT: base64url header {"… then ".eyJ" (a JSON payload); headers longer than 120 characters are not seen.
  { id: 'jwt', kind: 'secret', re: new RegExp(`${B}eyJ[A-Za-z0-9_-]{10,120}\\.eyJ[A-Za-z0-9_-]{12}`, 'g'), maxLen: 140 },
  { id: 'private-key', kind: 'secret', re: /-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----/g, maxLen: 46 },
];

/** Luhn checksum over the digits of `m` (separators ignored). */
export function luhn(digits: string): boolean {
  let sum = 0;
  let dbl = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    dbl = !dbl;
  }
  return sum % 10 === 0;
}

/** Payment card: 13–19 digits with a known issuer prefix and a valid Luhn checksum. */
function validCard(m: string): boolean {
  const d = m.replace(/[^0-9]/g, '');
  if (d.length < 13 || d.length > 19) return false;
  if (/^(\d)\1+$/.test(d)) return false;
  const issuer = /^(?:4|5[1-5]|2(?:2[2-9][1-9]|2[3-9]\d|[3-6]\d\d|7[01]\d|720)|3[47]|3(?:0[0-5]|[689])|6(?:011|5|4[4-9]|22)|35(?:2[89]|[3-8]))/;
  return issuer.test(d) && luhn(d);
}

/** IBAN lengths per country (ISO 13616 registry, common countries). */
const IBAN_LENGTH: Readonly<Record<string, number>> = {
  AD: 24, AE: 23, AT: 20, BA: 20, BE: 16, BG: 22, BH: 22, BR: 29, CH: 21, CR: 22, CY: 28, CZ: 24, DE: 22, DK: 18, DO: 28, EE: 20,
  EG: 29, ES: 24, FI: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23, GL: 18, GR: 27, HR: 21, HU: 28, IE: 22, IL: 23, IS: 26, IT: 27,
  JO: 30, KW: 30, KZ: 20, LB: 28, LI: 21, LT: 20, LU: 20, LV: 21, MC: 27, MD: 24, ME: 22, MK: 19, MR: 27, MT: 31, MU: 30, NL: 18,
  NO: 15, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, SA: 24, SE: 24, SI: 19, SK: 24, SM: 27, TN: 24, TR: 26, UA: 29,
  VG: 24, XK: 20,
};

/** ISO 7064 mod 97-10 over the rearranged IBAN. */
export function ibanValid(m: string): boolean {
  const s = m.replace(/ /g, '').toUpperCase();
  const len = IBAN_LENGTH[s.slice(0, 2)];
  if (len === undefined || s.length < len) return false;
  const iban = s.slice(0, len);
  const r = iban.slice(4) + iban.slice(0, 4);
  let rem = 0;
  for (const ch of r) {
    const c = ch.charCodeAt(0);
    const v = c >= 65 ? String(c - 55) : ch;
    for (const digit of v) rem = (rem * 10 + (digit.charCodeAt(0) - 48)) % 97;
  }
  return rem === 1;
}

export const PII_PATTERNS: readonly LeakPattern[] = [
  { id: 'email-address', kind: 'pii', re: /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,40}@(?:[A-Za-z0-9-]{1,40}\.){1,3}[A-Za-z]{2,12}(?![A-Za-z0-9-])/g, maxLen: 180 },
  // Phone numbers: +CC with grouped digits, or North-American (NXX) NXX-XXXX with separators.
  { id: 'phone-number', kind: 'pii', re: /(?<![\w+])\+[1-9][0-9]{0,2}[ .-]?(?:\(?[0-9]{1,4}\)?[ .-]?){2,4}[0-9]{2,4}(?![0-9])/g, maxLen: 32, valid: (m) => m.replace(/[^0-9]/g, '').length >= 8 },
  { id: 'phone-number', kind: 'pii', re: /(?<![\w+])(?:\([2-9][0-9]{2}\) ?|[2-9][0-9]{2}[ .-])[2-9][0-9]{2}[ .-][0-9]{4}(?![0-9])/g, maxLen: 16 },
  { id: 'payment-card', kind: 'pii', re: /(?<![0-9-])[0-9](?:[ -]?[0-9]){12,18}(?![0-9])/g, maxLen: 39, valid: validCard },
  { id: 'iban', kind: 'pii', re: /(?<![A-Za-z0-9])[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?(?![A-Za-z0-9])/g, maxLen: 44, valid: ibanValid },
];
