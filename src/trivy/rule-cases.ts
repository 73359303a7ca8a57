/**
 * Test-only surface: Trivy reports built in code with the field layout of Trivy's JSON output (schema
 * version 2, as `trivy image -f json` writes it: aquasecurity/trivy `pkg/types/report.go` and the
 * integration goldens), and the rule cases of the `trivy/*` rules.
 */
import type { RuleCase, RuleCaseExpectation, RuleCases } from '../rules/index.js';
import { ruleCases } from '../rules/index.js';

export const LAYER = { Digest: `sha256:${'1a'.repeat(32)}`, DiffID: `sha256:${'2b'.repeat(32)}` };

export function vuln(id: string, pkg: string, installed: string, fixed: string | undefined, severity: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    VulnerabilityID: id,
    PkgID: `${pkg}@${installed}`,
    PkgName: pkg,
    PkgIdentifier: { PURL: `pkg:deb/debian/${pkg}@${installed}?distro=debian-12` },
    InstalledVersion: installed,
    ...(fixed !== undefined && { FixedVersion: fixed }),
    Status: fixed !== undefined ? 'fixed' : 'affected',
    Layer: LAYER,
    SeveritySource: 'nvd',
    PrimaryURL: `https://avd.aquasec.com/nvd/${id.toLowerCase()}`,
    DataSource: { ID: 'debian', Name: 'Debian Security Tracker', URL: 'https://salsa.debian.org/security-tracker-team/security-tracker' },
    Title: `${pkg}: example weakness`,
    Description: 'A long description.',
    Severity: severity,
    CweIDs: ['CWE-787'],
    CVSS: { nvd: { V3Vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', V3Score: 9.8 } },
    References: [`https://nvd.nist.gov/vuln/detail/${id}`],
    PublishedDate: '2024-01-10T00:00:00Z',
    LastModifiedDate: '2024-02-01T00:00:00Z',
    ...extra,
  };
}

export function secret(ruleId: string, severity: string, target: string, line: number): { Target: string; Class: string; Secrets: Record<string, unknown>[] } {
  return {
    Target: target,
    Class: 'secret',
    Secrets: [
      {
        RuleID: ruleId,
        Category: 'AWS',
        Severity: severity,
        Title: 'AWS Access Key ID',
        StartLine: line,
        EndLine: line,
        Code: { Lines: [{ Number: line, Content: 'AWS_ACCESS_KEY_ID=********************', IsCause: true, Annotation: '', Truncated: false, FirstCause: true, LastCause: true }] },
        Match: 'AWS_ACCESS_KEY_ID=********************',
        Layer: LAYER,
      },
    ],
  };
}

export function misconf(id: string, avdId: string, status: string, severity: string, line: number): Record<string, unknown> {
  return {
    Type: 'Dockerfile Security Check',
    ID: id,
    AVDID: avdId,
    Title: "Image user should not be 'root'",
    Description: 'Running containers with root privileges should be avoided.',
    Message: "Specify at least 1 USER command in Dockerfile with non-root user as argument",
    Namespace: 'builtin.dockerfile.DS002',
    Query: 'data.builtin.dockerfile.DS002.deny',
    Resolution: 'Add USER instruction with non-root user',
    Severity: severity,
    PrimaryURL: `https://avd.aquasec.com/misconfig/${avdId.toLowerCase()}`,
    References: [`https://avd.aquasec.com/misconfig/${avdId.toLowerCase()}`],
    Status: status,
    Layer: {},
    CauseMetadata: { Provider: 'Dockerfile', Service: 'general', StartLine: line, EndLine: line, Code: { Lines: null } },
  };
}

/** A whole report around `results` (an image scan of python:3.12-slim). */
export function trivyReport(results: readonly unknown[], schemaVersion: unknown = 2): string {
  return JSON.stringify(
    {
      SchemaVersion: schemaVersion,
      CreatedAt: '2026-12-01T10:00:00.000000000Z',
      ArtifactName: 'registry.example.com/ml/server:1.4.2',
      ArtifactType: 'container_image',
      Metadata: {
        OS: { Family: 'debian', Name: '12.8' },
        ImageID: `sha256:${'3c'.repeat(32)}`,
        DiffIDs: [LAYER.DiffID],
        RepoTags: ['registry.example.com/ml/server:1.4.2'],
        RepoDigests: [`registry.example.com/ml/server@sha256:${'4d'.repeat(32)}`],
        ImageConfig: { architecture: 'amd64', os: 'linux', config: { User: '10001' } },
      },
      Results: results,
    },
    null,
    2,
  );
}

export const osResult = (vulns: readonly unknown[]): Record<string, unknown> => ({ Target: 'registry.example.com/ml/server:1.4.2 (debian 12.8)', Class: 'os-pkgs', Type: 'debian', Vulnerabilities: vulns });

const fires = (name: string, text: string, expect: RuleCaseExpectation, options?: Readonly<Record<string, unknown>>): RuleCase => ({ name, files: { 'reports/trivy.json': text }, expect, ...(options !== undefined && { options }) });
const silent = (name: string, text: string, options?: Readonly<Record<string, unknown>>): RuleCase => ({ name, files: { 'reports/trivy.json': text }, ...(options !== undefined && { options }) });

export const TRIVY_RULE_CASES: readonly RuleCases[] = [
  ruleCases('trivy/vulnerability', {
    invalid: [
      fires('a critical CVE with a fix', trivyReport([osResult([vuln('CVE-2024-1234', 'openssl', '3.0.11-1~deb12u2', '3.0.15-1~deb12u1', 'CRITICAL')])]), { severity: 'critical', messageIncludes: 'CVE-2024-1234 in openssl', evidenceIncludes: 'openssl@3.0.11' }),
      fires('an unfixed HIGH is kept without --ignore-unfixed', trivyReport([osResult([vuln('CVE-2023-9999', 'zlib1g', '1:1.2.13', undefined, 'HIGH')])]), { severity: 'high', messageIncludes: 'no fix released' }),
      fires('a language package (GHSA), UNKNOWN severity', trivyReport([{ Target: 'app/requirements.txt', Class: 'lang-pkgs', Type: 'pip', Vulnerabilities: [vuln('GHSA-abcd-efgh-ijkl', 'transformers', '4.30.0', '4.36.0', 'UNKNOWN', { Layer: undefined, Status: undefined })] }]), { severity: 'low' }),
    ],
    valid: [
      silent('unfixed left out with --ignore-unfixed', trivyReport([osResult([vuln('CVE-2023-9999', 'zlib1g', '1:1.2.13', undefined, 'HIGH', { Status: 'will_not_fix' })])]), { ignoreUnfixed: true }),
      silent('not_affected (VEX)', trivyReport([osResult([vuln('CVE-2023-1111', 'bash', '5.2', undefined, 'HIGH', { Status: 'not_affected' })])])),
      silent('a clean report', trivyReport([{ Target: 'registry.example.com/ml/server:1.4.2 (debian 12.8)', Class: 'os-pkgs', Type: 'debian' }])),
    ],
  }),
  ruleCases('trivy/secret', {
    invalid: [fires('an AWS key in a layer', trivyReport([secret('aws-access-key-id', 'CRITICAL', '/app/.env', 3)]), { severity: 'critical', messageIncludes: '/app/.env:3' })],
    valid: [silent('a report without secrets', trivyReport([osResult([])]))],
  }),
  ruleCases('trivy/misconfiguration', {
    invalid: [fires('a failed Dockerfile check', trivyReport([{ Target: 'Dockerfile', Class: 'config', Type: 'dockerfile', MisconfSummary: { Successes: 20, Failures: 1 }, Misconfigurations: [misconf('DS002', 'AVD-DS-0002', 'FAIL', 'HIGH', 1)] }]), { severity: 'high', messageIncludes: 'Dockerfile:1' })],
    valid: [silent('passed checks', trivyReport([{ Target: 'Dockerfile', Class: 'config', Type: 'dockerfile', MisconfSummary: { Successes: 21, Failures: 0 }, Misconfigurations: [misconf('DS002', 'AVD-DS-0002', 'PASS', 'HIGH', 1)] }]))],
  }),
];
