import { defineRule, defineRuleSet } from '../rules/index.js';

const REFS = ['https://github.com/ossf/model-signing-spec', 'https://github.com/sigstore/model-transparency', 'docs/signing.md'];

export const unsignedModel = defineRule({
  id: 'signing/unsigned-model',
  title: 'Model folder has no signature',
  severity: 'info',
  description:
    'A folder holding model files carries no OpenSSF Model Signing signature (`model.sig`). Nothing ties the weights to who produced them, so a model swapped or modified between training, the registry and the serving pod cannot be detected. Under `--policy production` this is high.',
  remediation:
    'Sign the model where it is produced (`bulwark sign MODEL --key signing-key.pem`, or with the reference `model_signing` tool), ship `model.sig` with it, and verify it before loading (`bulwark verify MODEL --signature MODEL/model.sig --key public.pem`).',
  references: REFS,
  tags: ['signing', 'supply-chain'],
  maturity: 'incubating',
});

export const verificationFailed = defineRule({
  id: 'signing/verification-failed',
  title: 'Model signature does not verify',
  severity: 'high',
  description:
    'The model folder carries an OMS signature (`model.sig`) that does not verify: a file was changed, added or removed after signing (critical), or the signature was made by another key or identity, its certificate chain is not trusted or has expired, or the bundle is malformed (high). When no key is configured, the files are still compared with the (unverified) manifest, and a mismatch is reported here.',
  remediation:
    'Do not load the model. Obtain it again from its publisher and verify it with `bulwark verify`; if the change is intended, sign the model again with the publisher key.',
  references: REFS,
  tags: ['signing', 'supply-chain', 'integrity'],
  maturity: 'incubating',
});

export const signatureUnverified = defineRule({
  id: 'signing/signature-unverified',
  title: 'Model signature present but not verified',
  severity: 'info',
  description:
    'The model folder carries an OMS signature and its files match the signed manifest, but no public key, certificate trust anchor or keyless identity was configured, so who signed it was not checked. Anyone can write a self-consistent signature.',
  remediation:
    'Configure the signer: `bulwark scan --key public.pem`, `--cert-chain ca.pem`, or `--identity ID --issuer URL` for keyless signatures.',
  references: REFS,
  tags: ['signing', 'supply-chain'],
  maturity: 'incubating',
});

export const SIGNING_RULES = [unsignedModel, verificationFailed, signatureUnverified] as const;

/** The model-signing domain's one rule set. */
export const SIGNING_RULESET = defineRuleSet('model-signing', ['signing'], SIGNING_RULES);
