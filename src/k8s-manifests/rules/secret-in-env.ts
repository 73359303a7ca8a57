/**
 * Secrets written as literal values in container env, command or args. Detection by variable name
 * (word-based: `HF_TOKEN` yes, `MAX_NEW_TOKENS` / `TOKENIZERS_PARALLELISM` no) and by value format
 * (Hugging Face, AWS, OpenAI/Anthropic, GitHub, GitLab, Slack, Google, NVIDIA NGC tokens, private
 * keys, passwords in URLs). A finding never contains the secret: evidence keeps at most a few leading
 * characters and the length.
 */
import { cloudKeyOf } from '../cloud-keys.js';
import { templateRule } from '../k8s-rule.js';
import { locationOf } from '../model.js';
import { at, fires, goodPod, silent } from '../sample-manifests.js';
import { asArray, asObject, asString, containerLabel, containersOf } from '../workloads.js';

/** Value formats of well-known credentials (checked in env values, command and args). */
const VALUE_PATTERNS: readonly { re: RegExp; what: string }[] = [
  { re: /\bhf_[A-Za-z0-9]{30,}/, what: 'a Hugging Face token' },
  { re: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/, what: 'an AWS access key id' },
  { re: /\bsk-ant-[A-Za-z0-9_-]{20,}/, what: 'an Anthropic API key' },
  { re: /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/, what: 'an OpenAI-style API key' },
  { re: /\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}\b/, what: 'a GitHub token' },
  { re: /\bgithub_pat_[A-Za-z0-9_]{40,}/, what: 'a GitHub token' },
  { re: /\bglpat-[A-Za-z0-9_-]{20,}/, what: 'a GitLab token' },
  { re: /\bxox[abposr]-[A-Za-z0-9-]{10,}/, what: 'a Slack token' },
  { re: /\bAIza[0-9A-Za-z_-]{35}\b/, what: 'a Google API key' },
  { re: /\bnvapi-[A-Za-z0-9_-]{40,}/, what: 'an NVIDIA NGC API key' },
  { re: /\br8_[A-Za-z0-9]{37}\b/, what: 'a Replicate API token' },
  { re: /-----BEGIN [A-Z ]*PRIVATE KEY-----/, what: 'a private key' },
  { re: /\b[a-z][a-z0-9+.-]*:\/\/[^\s:@/$]+:[^\s@/$]{3,}@[^\s]/i, what: 'a password in a URL' },
];

/** Words that make a variable name secret-like. */
const SECRET_WORDS = new Set(['TOKEN', 'SECRET', 'PASSWORD', 'PASSWD', 'PASSPHRASE', 'APIKEY', 'CREDENTIAL', 'CREDENTIALS', 'PRIVATEKEY']);
/** `…_KEY` counts only after one of these words (not `CACHE_KEY`, `S3_KEY`, `PARTITION_KEY`). */
const KEY_QUALIFIERS = new Set(['API', 'ACCESS', 'SECRET', 'PRIVATE', 'SIGNING', 'ENCRYPTION', 'AUTH', 'CLIENT', 'SERVICE', 'LICENSE', 'MASTER', 'ADMIN']);
/** A final word that says the value is not the secret itself. */
const NOT_SECRET_SUFFIX = new Set([
  'FILE', 'PATH', 'DIR', 'URL', 'URI', 'ENDPOINT', 'HOST', 'PORT', 'NAME', 'ID', 'TYPE', 'LENGTH', 'LEN', 'SIZE', 'TTL', 'TIMEOUT',
  'EXPIRY', 'EXPIRATION', 'COUNT', 'LIMIT', 'MAX', 'MIN', 'ENABLED', 'DISABLED', 'HEADER', 'FIELD', 'KIND', 'MODE', 'REF',
  'REGION', 'VERSION', 'PREFIX', 'FORMAT', 'LOCATION', 'USER', 'USERNAME', 'ISSUER', 'AUDIENCE', 'SCOPE', 'SCOPES',
]);
const PLACEHOLDER = /^(?:<[^>]*>|\$\{[^}]*\}|\$\([^)]*\)|\{\{[^}]*\}\}|changeme|change-?me|replace-?me|todo|tbd|x{3,}|\*{3,}|dummy|example|placeholder|secret|password|token|none|null|nil|false|true|disabled|n\/a)$/i;

/** True when the variable name says "this is a secret". */
export function secretLikeName(name: string): boolean {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2') // camelCase → camel_Case
    .toUpperCase()
    .split(/[^A-Z0-9]+/)
    .filter((w) => w !== '');
  if (words.length === 0) return false;
  const last = words[words.length - 1] ?? '';
  if (NOT_SECRET_SUFFIX.has(last)) return false;
  for (let i = 0; i < words.length; i++) {
    const w = words[i] ?? '';
    if (SECRET_WORDS.has(w)) return true;
    if (w === 'KEY' && i > 0 && KEY_QUALIFIERS.has(words[i - 1] ?? '')) return true;
  }
  return false;
}

/** What a value looks like (undefined when no known credential format). */
export function secretLikeValue(value: string): string | undefined {
  if (value.length < 8) return undefined;
  for (const p of VALUE_PATTERNS) if (p.re.test(value)) return p.what;
  return undefined;
}

/** Evidence that never contains the secret: a short prefix and the length. */
export function redact(value: string): string {
  const keep = Math.min(4, Math.floor(value.length / 5));
  return `${value.slice(0, keep)}\u2026 (${value.length} characters)`;
}

export const secretInEnv = templateRule({
  id: 'k8s/secret-in-env',
  title: 'Secret written as a literal value in the manifest',
  severity: 'high',
  description:
    'A credential (Hugging Face token, cloud keys, LLM provider API keys, registry or database passwords) is written in clear text in a container\u2019s env, command or args. Manifests end up in Git, CI logs, Helm release history and `kubectl get -o yaml` output readable by anyone with read access to the workload; the pod spec is not a Secret and is not encrypted at rest. A leaked HF_TOKEN with write scope lets an attacker replace your models on the Hub; leaked provider keys are spent within hours.',
  remediation:
    'Revoke and rotate the credential now. Store it in a Secret (or an external secret manager via the Secrets Store CSI driver / External Secrets) and reference it with `valueFrom.secretKeyRef` or `envFrom.secretRef`.',
  references: ['https://kubernetes.io/docs/concepts/configuration/secret/#using-secrets-as-environment-variables', 'https://huggingface.co/docs/hub/security-tokens'],
  tags: ['k8s', 'secrets', 'credentials'],
  maturity: 'stable',
  admission: { level: 'restricted' },
  check({ object: obj, template: tpl }, report) {
    for (const c of containersOf(tpl)) {
      asArray(c.container['env']).forEach((e, i) => {
        const env = asObject(e);
        const name = asString(env?.['name']);
        const value = asString(env?.['value']);
        if (name === undefined || value === undefined) return;
        const v = value.trim();
        if (v === '' || PLACEHOLDER.test(v)) return;
        if (cloudKeyOf(name, v) !== undefined) return; // k8s/cloud-credentials reports it, with the platform's fix
        const byValue = secretLikeValue(v);
        const byName = v.length >= 8 && !/^\$\(/.test(v) && secretLikeName(name);
        if (!byValue && !byName) return;
        report({
          location: locationOf(obj, [...c.path, 'env', i, 'value']),
          message: `${containerLabel(c)} sets ${name} to a literal value${byValue ? ` that looks like ${byValue}` : ''} instead of a secretKeyRef`,
          evidence: `${name}=${redact(v)}`,
        });
      });
      for (const field of ['command', 'args'] as const) {
        asArray(c.container[field]).forEach((a, i) => {
          const s = asString(a);
          if (s === undefined) return;
          const what = secretLikeValue(s);
          if (!what) return;
          report({
            location: locationOf(obj, [...c.path, field, i]),
            message: `${containerLabel(c)} passes ${what} literally in its ${field}`,
            evidence: redact(s),
          });
        });
      }
    }
  },
  cases: () => ({
    invalid: [
      fires('HF_TOKEN literal', goodPod(['    env:', '    - name: HF_TOKEN', `      value: hf_${'aBcDeFgHiJ'.repeat(4)}`]), at(23, 7, 'spec.containers[0].env[0].value', { evidenceIncludes: '(43 characters)' })),
      fires('an OpenAI key by value format under an innocent name', goodPod(['    env:', '    - name: LLM_CONFIG', '      value: sk-proj-abcdefghijklmnopqrstuvwxyz012345']), at(23, 7, 'spec.containers[0].env[0].value', { messageIncludes: 'OpenAI' })),
      fires('token in args', goodPod(['    args: ["--api-key", "sk-proj-abcdefghijklmnopqrstuvwxyz012345"]']), at(21, 25, 'spec.containers[0].args[1]')),
    ],
    valid: [
      silent('secretKeyRef', goodPod(['    env:', '    - name: HF_TOKEN', '      valueFrom:', '        secretKeyRef: {name: hf, key: token}'])),
      silent('token-like names that are not secrets', goodPod(['    env:', '    - name: MAX_NEW_TOKENS', '      value: "4096"', '    - name: TOKENIZERS_PARALLELISM', '      value: "false"', '    - name: HF_TOKEN_PATH', '      value: /var/run/secrets/hf/token'])),
    ],
  }),
});
