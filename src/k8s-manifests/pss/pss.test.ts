import { describe, expect, it } from 'vitest';
import { analyzeText } from '../test-helpers.js';
import { checksFor, PSS_MAX_MINOR } from './checks.js';
import { pssRuleId, PSS_RULES } from './rules.js';
import { parsePssVersion } from './version.js';

const ids = (level: 'baseline' | 'restricted', minor: number): string[] => checksFor(level, minor).map((c) => c.id).sort();

describe('check resolution (upstream registry semantics)', () => {
  it('baseline grows with the version', () => {
    expect(ids('baseline', 0)).toEqual(['appArmorProfile', 'capabilities_baseline', 'hostNamespaces', 'hostPathVolumes', 'hostPorts', 'privileged', 'procMount', 'seLinuxOptions', 'seccompProfile_baseline', 'sysctls', 'windowsHostProcess']);
    expect(ids('baseline', 34)).toContain('hostProbesAndHostLifecycle');
    expect(ids('baseline', 33)).not.toContain('hostProbesAndHostLifecycle');
  });

  it('restricted checks replace the baseline checks they override, from their own version', () => {
    expect(ids('restricted', 7)).not.toContain('allowPrivilegeEscalation');
    expect(ids('restricted', 8)).toContain('allowPrivilegeEscalation');
    expect(ids('restricted', 18)).toContain('seccompProfile_baseline');
    expect(ids('restricted', 19)).toEqual(expect.arrayContaining(['seccompProfile_restricted']));
    expect(ids('restricted', 19)).not.toContain('seccompProfile_baseline');
    expect(ids('restricted', 21)).toContain('capabilities_baseline');
    expect(ids('restricted', 22)).not.toContain('capabilities_baseline');
    expect(ids('restricted', 22)).not.toContain('runAsUser');
    expect(ids('restricted', 23)).toContain('runAsUser');
    expect(ids('restricted', 34)).toContain('procMount');
    expect(ids('restricted', 35)).toEqual(expect.arrayContaining(['procMount_restricted']));
    expect(ids('restricted', 35)).not.toContain('procMount');
    expect(ids('restricted', 0)).not.toContain('hostPathVolumes');
  });

  it('parses --pss-version like upstream and clamps to the newest revision', () => {
    expect(parsePssVersion('latest')).toBe(PSS_MAX_MINOR);
    expect(parsePssVersion('v1.0')).toBe(0);
    expect(parsePssVersion('v1.25')).toBe(25);
    expect(parsePssVersion('v1.99')).toBe(PSS_MAX_MINOR);
    for (const bad of ['1.25', 'v2.0', 'v1.025', 'v1.', 'LATEST', '']) expect(() => parsePssVersion(bad)).toThrow();
  });

  it('has one rule per upstream check', () => {
    const all = new Set([...ids('baseline', PSS_MAX_MINOR), ...ids('restricted', PSS_MAX_MINOR), 'hostPathVolumes', 'procMount', 'capabilities_baseline', 'seccompProfile_baseline']);
    expect([...all].map((c) => pssRuleId(c)).filter((x) => x === undefined)).toEqual([]);
    expect(PSS_RULES).toHaveLength(all.size);
  });
});

describe('PSS findings on workloads', () => {
  const text = [
    'apiVersion: batch/v1',
    'kind: CronJob',
    'metadata: {name: nightly, namespace: ml}',
    'spec:',
    '  jobTemplate:',
    '    spec:',
    '      template:',
    '        spec:',
    '          hostIPC: true',
    '          containers:',
    '          - name: train',
    '            image: pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime',
    '            securityContext:',
    '              runAsUser: 0',
    '',
  ].join('\n');

  it('locates each violation on its field, with the upstream check id as a control', () => {
    const fs = analyzeText(text, { pssLevel: 'restricted', pssVersion: 'v1.30' }, 'c.yaml').filter((f) => f.ruleId.startsWith('k8s/pss-'));
    const summary = fs.map((f) => [f.controls?.[0], f.location.kind === 'k8s-object' ? `${f.location.line}:${f.location.column} ${f.location.fieldPath}` : '']).sort();
    expect(summary).toEqual(
      [
        ['pss:allowPrivilegeEscalation', '13:13 spec.jobTemplate.spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation'],
        ['pss:capabilities_restricted', '13:13 spec.jobTemplate.spec.template.spec.containers[0].securityContext.capabilities.drop'],
        ['pss:hostNamespaces', '9:11 spec.jobTemplate.spec.template.spec.hostIPC'],
        ['pss:runAsNonRoot', '13:13 spec.jobTemplate.spec.template.spec.containers[0].securityContext.runAsNonRoot'],
        ['pss:runAsUser', '14:15 spec.jobTemplate.spec.template.spec.containers[0].securityContext.runAsUser'],
        ['pss:seccompProfile_restricted', '13:13 spec.jobTemplate.spec.template.spec.containers[0].securityContext.seccompProfile.type'],
      ].sort(),
    );
    expect(fs.every((f) => f.message.includes('(Pod Security Standards restricted, v1.30)'))).toBe(true);
  });

  it('runs only baseline checks at baseline', () => {
    const fs = analyzeText(text, { pssLevel: 'baseline' }, 'c.yaml').filter((f) => f.ruleId.startsWith('k8s/pss-'));
    expect(fs.map((f) => f.controls?.[0])).toEqual(['pss:hostNamespaces']);
  });
});
