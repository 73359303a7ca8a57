/**
 * The supply-chain rules of the admission webhook: what an image or model artifact in a trust scope
 * must prove before a pod may run or mount it (docs/supply-chain.md). They report while the checker
 * walks a request's image references (no subject), through the one Reporter.
 */
import { defineRule, defineRuleSet } from '../rules/index.js';

const REFS = ['docs/supply-chain.md', 'https://github.com/kubernetes/enhancements/tree/master/keps/sig-node/4639-oci-volume-source', 'https://github.com/ossf/model-signing-spec'];

export const unpinnedReference = defineRule({
  id: 'supply-chain/unpinned-reference',
  title: 'Image or model referenced by tag where the trust policy requires a digest',
  severity: 'high',
  description:
    'A container image or an image volume (`volumes[].image.reference`) in a trust scope is referenced by tag. A tag can be re-pointed at other content after it was verified, between admission and the kubelet\'s pull; only a digest (`@sha256:…`) names the bytes that were verified.',
  remediation:
    'Reference the image by digest (`registry/name@sha256:…`; `bulwark push` prints it), or turn on `admission.supplyChain.resolveTags` with the /mutate webhook so that tags are pinned at admission.',
  references: REFS,
  tags: ['supply-chain', 'admission', 'oci'],
  maturity: 'incubating',
});

export const signatureNotVerified = defineRule({
  id: 'supply-chain/signature-not-verified',
  title: 'Image or model artifact has no signature the trust policy accepts',
  severity: 'critical',
  description:
    'The trust scope of this reference requires a signature (OMS for model artifacts, cosign or Notation for images) and none verified: the artifact is unsigned, signed by another key or identity, its files differ from what was signed, or a blob the registry serves does not match its digest.',
  remediation:
    'Run only artifacts your build signs (`bulwark sign oci://REF --key KEY`, `cosign sign`, `notation sign`), and check that the scope\'s key, identity or trust policy is the one your pipeline uses.',
  references: REFS,
  tags: ['supply-chain', 'admission', 'signing', 'fail-closed'],
  maturity: 'incubating',
});

export const modelContentBlocked = defineRule({
  id: 'supply-chain/model-content-blocked',
  title: 'Model artifact content fails the scan the trust policy requires',
  severity: 'critical',
  description:
    'The model artifact this pod mounts was scanned by Bulwark (every layer, digests checked) and holds findings at or above the scope\'s `scan.blockAt` severity — for example a pickle that runs code when it is loaded. A valid signature does not make content safe: it only says who published it.',
  remediation:
    'Scan the artifact (`bulwark scan oci://REF`), fix or replace the model (`bulwark convert` turns pickle checkpoints into safetensors), push and sign the clean version, and reference its digest.',
  references: REFS,
  tags: ['supply-chain', 'admission', 'model', 'fail-closed'],
  maturity: 'incubating',
});

export const verificationUnavailable = defineRule({
  id: 'supply-chain/verification-unavailable',
  title: 'Supply-chain verification could not be completed',
  severity: 'high',
  description:
    'The registry could not be reached, refused access, answered with an error, or the check did not finish within `admission.supplyChain.timeout`. The scope\'s `onError` decides: `deny` (the default) refuses the pod, `allow` lets it run with a warning.',
  remediation:
    'Check the webhook\'s access to the registry (network policy, credentials in `registryConfig`, `caFile`), and that `timeout` leaves room within the webhook\'s `timeoutSeconds`. Results are cached per digest, so a retry after the registry answers is fast.',
  references: REFS,
  tags: ['supply-chain', 'admission', 'fail-closed'],
  maturity: 'incubating',
});

export const SUPPLY_CHAIN_RULES = [unpinnedReference, signatureNotVerified, modelContentBlocked, verificationUnavailable] as const;

/** The supply-chain domain's one rule set. */
export const SUPPLY_CHAIN_RULESET = defineRuleSet('supply-chain', ['supply-chain'], SUPPLY_CHAIN_RULES);
