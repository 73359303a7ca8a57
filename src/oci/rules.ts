/**
 * Findings of `bulwark scan oci://REF` when the artifact is refused before it could be scanned: an
 * entry that would write outside the target folder (or a link, a device), or a blob whose bytes do not
 * match its digest. `pull` refuses the same artifacts with a one-line error (docs/oci.md).
 */
import { LimitExceededError, isBulwarkError } from '../findings/index.js';
import type { Reporter } from '../rules/index.js';
import { coreRules, defineRule, defineRuleSet } from '../rules/index.js';
import { isUnsafeArtifactError } from './modelpack.js';

const REFS = ['https://github.com/modelpack/model-spec', 'https://github.com/opencontainers/distribution-spec/blob/main/spec.md', 'docs/oci.md'];

export const unsafeArtifactEntry = defineRule({
  id: 'oci/unsafe-artifact-entry',
  title: 'OCI artifact entry would write outside its folder',
  severity: 'high',
  description:
    'A layer of the model artifact names a file outside the folder it is unpacked into (`../x`, `/etc/x`, a backslash or control character in the path), two layers write the same file, or a tar layer holds a symbolic or hard link, a device or a FIFO. Tools that unpack such artifacts naively overwrite files on the host (path traversal, "zip slip"). Bulwark refused the artifact and scanned nothing of it.',
  remediation:
    'Do not pull or serve this artifact. Rebuild it with one regular file per layer and relative paths inside the model folder (`bulwark push MODEL_DIR REF`), and find out who pushed the hostile version.',
  references: REFS,
  tags: ['oci', 'supply-chain', 'path-traversal', 'fail-closed'],
  maturity: 'incubating',
});

export const blobDigestMismatch = defineRule({
  id: 'oci/blob-digest-mismatch',
  title: 'Registry blob does not match its digest',
  severity: 'critical',
  description:
    'The registry served bytes for a layer whose sha256 differs from the digest in the manifest (or more or fewer bytes than the descriptor says). The content was changed in the registry\'s storage, or on the way; content addressing is the only integrity an unsigned artifact has. Bulwark refused the artifact and scanned nothing of it.',
  remediation:
    'Do not use the artifact. Check the registry\'s storage and access logs, push the model again from a trusted copy, and sign it (`bulwark sign oci://REF --key KEY`) so that consumers verify it (`bulwark verify oci://REF --key PUB`).',
  references: REFS,
  tags: ['oci', 'supply-chain', 'integrity', 'fail-closed'],
  maturity: 'incubating',
});

export const OCI_RULES = [unsafeArtifactEntry, blobDigestMismatch] as const;

/** The OCI domain's one rule set. */
export const OCI_RULESET = defineRuleSet('oci', ['oci'], OCI_RULES);

/**
 * Report why an artifact was refused, at `path` (`oci://REF@digest` or the reference). True when the
 * error was a refusal reported here; false for other errors (network, usage), which the caller handles.
 */
export function reportRefusal(reporter: Reporter, e: unknown, path: string): boolean {
  const location = { kind: 'file' as const, path };
  if (isUnsafeArtifactError(e)) {
    reporter.report(unsafeArtifactEntry, { location, message: e.message.replace(/^refused: /, '') });
    return true;
  }
  if (!isBulwarkError(e)) return false;
  if (e.code === 'VERIFICATION') {
    reporter.report(blobDigestMismatch, { location, message: e.message });
    return true;
  }
  if (e instanceof LimitExceededError) {
    reporter.report(coreRules.limitExceeded, { location, message: e.message, evidence: e.limit });
    return true;
  }
  if (e.code === 'MALFORMED' || e.code === 'LIMIT_EXCEEDED') {
    reporter.report(coreRules.malformedInput, { location, message: e.message });
    return true;
  }
  return false;
}
