/**
 * The rules of imported Trivy results. They have no subject: the importer reports while it walks the
 * report, through the one Reporter. Each finding's severity is Trivy's (`severityOf`), and its
 * `controls` name the vulnerability (`cve:CVE-…`, `ghsa:GHSA-…`) or the Trivy check (`trivy:AVD-…`).
 */
import { defineRule, defineRuleSet } from '../rules/index.js';

export const trivyVulnerability = defineRule({
  id: 'trivy/vulnerability',
  title: 'Known vulnerability reported by Trivy',
  severity: 'high',
  description:
    'A Trivy JSON report (`trivy image|fs|rootfs|repo -f json`) lists a known vulnerability (CVE, GHSA, distribution advisory) in a package of the scanned artifact. The finding keeps Trivy\u2019s severity (CRITICAL, HIGH, MEDIUM, LOW; UNKNOWN becomes low), names the advisory in `controls` (`cve:CVE-2024-1234`), the package, the installed and the fixed version, and the image layer that brought the package when Trivy knows it. With `--ignore-unfixed`, vulnerabilities without a released fix are left out, as `trivy --ignore-unfixed` does; vulnerabilities whose status is `not_affected` (a VEX statement) are always left out.',
  remediation:
    'Upgrade the package to the fixed version (rebuild the image on an updated base image, or bump the dependency and its lock file). When there is no fix, assess exposure and accept the risk with a suppression that has a reason and an expiry, or switch to a component without the vulnerability.',
  references: ['https://trivy.dev/latest/docs/configuration/reporting/#json', 'https://trivy.dev/latest/docs/scanner/vulnerability/', 'docs/trivy.md'],
  tags: ['trivy', 'vulnerability', 'supply-chain'],
  maturity: 'stable',
});

export const trivySecret = defineRule({
  id: 'trivy/secret',
  title: 'Secret found by Trivy',
  severity: 'high',
  description:
    'A Trivy JSON report lists a secret (a cloud key, a token, a private key) in a file of the scanned image or folder. The finding keeps Trivy\u2019s severity and names its secret rule in `controls` (`trivy:secret:aws-access-key-id`). Trivy\u2019s masked match is not copied: the finding says where the secret is, never what it is.',
  remediation:
    'Revoke and rotate the credential, remove the file from the image (and from every earlier layer: rebuild without it; deleting it in a later layer does not help), and pass secrets at build or run time (BuildKit secret mounts, Kubernetes Secrets, workload identity).',
  references: ['https://trivy.dev/latest/docs/scanner/secret/', 'docs/trivy.md'],
  tags: ['trivy', 'secrets', 'credentials'],
  maturity: 'stable',
});

export const trivyMisconfiguration = defineRule({
  id: 'trivy/misconfiguration',
  title: 'Misconfiguration found by Trivy',
  severity: 'medium',
  description:
    'A Trivy JSON report lists a failed configuration check (Dockerfile, Kubernetes, Terraform, CloudFormation, Helm …) with status FAIL. The finding keeps Trivy\u2019s severity, names the check in `controls` (`trivy:AVD-KSV-0001` and Trivy\u2019s own id), and the file and line of the cause. Passed checks and exceptions are not reported. Where Bulwark analyses the same file itself (Dockerfiles, Kubernetes manifests), both reports may name one problem; suppress one side in `bulwark.yaml` if that is noise.',
  remediation: 'Apply the resolution Trivy gives for the check (carried in the finding), or accept the risk with a suppression that has a reason and an expiry.',
  references: ['https://trivy.dev/latest/docs/scanner/misconfiguration/', 'https://avd.aquasec.com/misconfig/', 'docs/trivy.md'],
  tags: ['trivy', 'misconfiguration'],
  maturity: 'stable',
});

export const TRIVY_RULES = [trivyVulnerability, trivySecret, trivyMisconfiguration] as const;

export const TRIVY_RULESET = defineRuleSet('trivy', ['trivy'], TRIVY_RULES);
