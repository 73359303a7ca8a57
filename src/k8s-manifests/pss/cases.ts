/**
 * Rule cases of the Pod Security Standards rules (one per upstream check): firing and non-firing pods
 * with the expected line, column and field path. The table-driven rules keep their cases here; the
 * upstream fixtures (conformance.test.ts) cover the checks themselves.
 */
import type { RuleCases } from '../../rules/index.js';
import { ruleCases } from '../../rules/index.js';
import { BASELINE, at, fires, goodPod, silent } from '../sample-manifests.js';

export const PSS_RULE_CASES: readonly RuleCases[] = [
  ruleCases('k8s/pss-privileged', {
    invalid: [
      fires('privileged: yes (YAML 1.1 boolean)', goodPod().replace('      allowPrivilegeEscalation: false', '      allowPrivilegeEscalation: false\n      privileged: yes'), at(17, 7, 'spec.containers[0].securityContext.privileged', { messageIncludes: 'privileged' }), BASELINE),
    ],
    valid: [silent('privileged: false', goodPod().replace('      allowPrivilegeEscalation: false', '      allowPrivilegeEscalation: false\n      privileged: false'), BASELINE)],
  }),
  ruleCases('k8s/pss-host-namespaces', {
    invalid: [fires('hostNetwork: true', goodPod([], ['  hostNetwork: true']), at(12, 3, 'spec.hostNetwork'), BASELINE)],
    valid: [silent('hostNetwork: false', goodPod([], ['  hostNetwork: false']), BASELINE)],
  }),
  ruleCases('k8s/pss-capabilities-baseline', {
    invalid: [fires('adds SYS_ADMIN', goodPod().replace('        drop: [ALL]', '        drop: [ALL]\n        add: [SYS_ADMIN]'), at(19, 15, 'spec.containers[0].securityContext.capabilities.add[0]'), BASELINE)],
    valid: [silent('adds NET_BIND_SERVICE', goodPod().replace('        drop: [ALL]', '        drop: [ALL]\n        add: [NET_BIND_SERVICE]'), BASELINE)],
  }),
  ruleCases('k8s/pss-capabilities-restricted', {
    invalid: [fires('does not drop ALL', goodPod().replace('        drop: [ALL]', '        drop: [NET_RAW]'), at(18, 9, 'spec.containers[0].securityContext.capabilities.drop'))],
    valid: [silent('drops ALL', goodPod()), silent('Windows pod (exempt from v1.25)', goodPod([], ['  os:', '    name: windows']).replace('        drop: [ALL]', '        drop: []'))],
  }),
  ruleCases('k8s/pss-host-path-volumes', {
    invalid: [fires('hostPath volume', goodPod([], ['  volumes:', '  - name: data', '    hostPath:', '      path: /srv/data']), at(14, 5, 'spec.volumes[0].hostPath'), BASELINE)],
    valid: [silent('PVC volume', goodPod([], ['  volumes:', '  - name: data', '    persistentVolumeClaim:', '      claimName: data']), BASELINE)],
  }),
  ruleCases('k8s/pss-host-ports', {
    invalid: [fires('hostPort 8080', goodPod(['    ports:', '    - containerPort: 8080', '      hostPort: 8080']), at(23, 7, 'spec.containers[0].ports[0].hostPort'), BASELINE)],
    valid: [silent('containerPort only', goodPod(['    ports:', '    - containerPort: 8080']), BASELINE)],
  }),
  ruleCases('k8s/pss-apparmor-profile', {
    invalid: [
      fires('Unconfined field', goodPod().replace('      allowPrivilegeEscalation: false', '      allowPrivilegeEscalation: false\n      appArmorProfile:\n        type: Unconfined'), at(18, 9, 'spec.containers[0].securityContext.appArmorProfile.type'), BASELINE),
      fires(
        'unconfined annotation',
        goodPod().replace('  name: p\n', '  name: p\n  annotations:\n    container.apparmor.security.beta.kubernetes.io/app: unconfined\n'),
        at(6, 5, 'metadata.annotations["container.apparmor.security.beta.kubernetes.io/app"]'),
        BASELINE,
      ),
    ],
    valid: [silent('RuntimeDefault', goodPod().replace('      allowPrivilegeEscalation: false', '      allowPrivilegeEscalation: false\n      appArmorProfile:\n        type: RuntimeDefault'), BASELINE)],
  }),
  ruleCases('k8s/pss-selinux-options', {
    invalid: [fires('spc_t type', goodPod().replace('    runAsNonRoot: true', '    runAsNonRoot: true\n    seLinuxOptions:\n      type: spc_t'), at(11, 7, 'spec.securityContext.seLinuxOptions.type'), BASELINE)],
    valid: [
      silent('container_t', goodPod().replace('    runAsNonRoot: true', '    runAsNonRoot: true\n    seLinuxOptions:\n      type: container_t'), BASELINE),
      silent('container_engine_t at v1.31', goodPod().replace('    runAsNonRoot: true', '    runAsNonRoot: true\n    seLinuxOptions:\n      type: container_engine_t'), { pssLevel: 'baseline', pssVersion: 'v1.31' }),
    ],
  }),
  ruleCases('k8s/pss-proc-mount', {
    invalid: [fires('Unmasked', goodPod().replace('      allowPrivilegeEscalation: false', '      allowPrivilegeEscalation: false\n      procMount: Unmasked'), at(17, 7, 'spec.containers[0].securityContext.procMount'), BASELINE)],
    valid: [silent('Unmasked in a user namespace (v1.35+)', goodPod([], ['  hostUsers: false']).replace('      allowPrivilegeEscalation: false', '      allowPrivilegeEscalation: false\n      procMount: Unmasked'), BASELINE)],
  }),
  ruleCases('k8s/pss-proc-mount-restricted', {
    invalid: [fires('Unmasked even with hostUsers: false', goodPod([], ['  hostUsers: false']).replace('      allowPrivilegeEscalation: false', '      allowPrivilegeEscalation: false\n      procMount: Unmasked'), at(18, 7, 'spec.containers[0].securityContext.procMount'))],
    valid: [silent('Default', goodPod().replace('      allowPrivilegeEscalation: false', '      allowPrivilegeEscalation: false\n      procMount: Default'))],
  }),
  ruleCases('k8s/pss-seccomp-baseline', {
    invalid: [fires('Unconfined', goodPod().replace('      type: RuntimeDefault', '      type: Unconfined'), at(11, 7, 'spec.securityContext.seccompProfile.type'), BASELINE)],
    valid: [silent('Localhost', goodPod().replace('      type: RuntimeDefault', '      type: Localhost\n      localhostProfile: profiles/ml.json'), BASELINE)],
  }),
  ruleCases('k8s/pss-seccomp-restricted', {
    invalid: [fires('no seccomp profile anywhere', goodPod().replace('    seccompProfile:\n      type: RuntimeDefault\n', ''), at(13, 5, 'spec.containers[0].securityContext.seccompProfile.type'))],
    valid: [silent('pod-level RuntimeDefault', goodPod())],
  }),
  ruleCases('k8s/pss-sysctls', {
    invalid: [fires('kernel.msgmax', goodPod().replace('    runAsNonRoot: true', '    runAsNonRoot: true\n    sysctls:\n    - name: kernel.msgmax\n      value: "65536"'), at(11, 7, 'spec.securityContext.sysctls[0].name'), BASELINE)],
    valid: [silent('net.ipv4.tcp_keepalive_time (safe from v1.29)', goodPod().replace('    runAsNonRoot: true', '    runAsNonRoot: true\n    sysctls:\n    - name: net.ipv4.tcp_keepalive_time\n      value: "600"'), BASELINE)],
  }),
  ruleCases('k8s/pss-windows-host-process', {
    invalid: [fires('hostProcess', goodPod().replace('    runAsNonRoot: true', '    runAsNonRoot: true\n    windowsOptions:\n      hostProcess: true'), at(11, 7, 'spec.securityContext.windowsOptions.hostProcess'), BASELINE)],
    valid: [silent('no hostProcess', goodPod(), BASELINE)],
  }),
  ruleCases('k8s/pss-host-probes', {
    invalid: [fires('probe host', goodPod(['    livenessProbe:', '      httpGet:', '        host: 169.254.169.254', '        port: 80']), at(23, 9, 'spec.containers[0].livenessProbe.httpGet.host'), BASELINE)],
    valid: [
      silent('probe without host', goodPod(['    livenessProbe:', '      httpGet:', '        port: 8080']), BASELINE),
      silent('probe host before v1.34', goodPod(['    livenessProbe:', '      httpGet:', '        host: 10.0.0.1', '        port: 80']), { pssLevel: 'baseline', pssVersion: 'v1.33' }),
    ],
  }),
  ruleCases('k8s/pss-restricted-volumes', {
    invalid: [fires('nfs volume', goodPod([], ['  volumes:', '  - name: models', '    nfs:', '      server: nfs.example.com', '      path: /models']), at(14, 5, 'spec.volumes[0].nfs'))],
    valid: [silent('volume with only a name (defaults to emptyDir)', goodPod([], ['  volumes:', '  - name: scratch']))],
  }),
  ruleCases('k8s/pss-allow-privilege-escalation', {
    invalid: [fires('not set', goodPod().replace('      allowPrivilegeEscalation: false\n', ''), at(15, 5, 'spec.containers[0].securityContext.allowPrivilegeEscalation'))],
    valid: [silent('false', goodPod())],
  }),
  ruleCases('k8s/pss-run-as-non-root', {
    invalid: [fires('not set on pod or container', goodPod().replace('    runAsNonRoot: true\n', ''), at(14, 5, 'spec.containers[0].securityContext.runAsNonRoot'))],
    valid: [silent('pod-level true', goodPod()), silent('hostUsers: false (v1.35+)', goodPod([], ['  hostUsers: false']).replace('    runAsNonRoot: true\n', ''))],
  }),
  ruleCases('k8s/pss-run-as-user', {
    invalid: [fires('runAsUser: 0', goodPod().replace('    runAsNonRoot: true', '    runAsNonRoot: true\n    runAsUser: 0'), at(10, 5, 'spec.securityContext.runAsUser'))],
    valid: [silent('runAsUser: 1000', goodPod().replace('    runAsNonRoot: true', '    runAsNonRoot: true\n    runAsUser: 1000'))],
  }),
];
