/**
 * Rule cases of every Kubernetes rule (firing and non-firing manifests with the expected line, column
 * and field path), run end to end by the engine's rule-case meta-test and in-process by
 * cases.test.ts. Manifests are built from small line lists so that line numbers can be read off:
 * `pod([...])` puts the spec body at line 6.
 */
import type { RuleCase, RuleCaseExpectation, RuleCases } from '../rules/index.js';
import { ruleCases } from '../rules/index.js';
import { NETPOL_RULE_CASES } from './network-policy/cases.js';
import { RBAC_RULE_CASES } from './rbac/cases.js';

const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;
const IMAGE = `registry.example.com/ml/server:1.4.2@${DIGEST}`;

/** A Pod: lines 1-5 are the header, `spec` body lines start at line 6 (indent them by 2). */
function pod(body: readonly string[], name = 'p', extraMeta: readonly string[] = []): string {
  return ['apiVersion: v1', 'kind: Pod', 'metadata:', `  name: ${name}`, ...extraMeta, 'spec:', ...body, ''].join('\n');
}

/** A container that passes every rule (restricted PSS, pinned image, limits); `extra` is indented 4. */
function container(name = 'app', extra: readonly string[] = [], image = IMAGE): string[] {
  return [
    `  - name: ${name}`,
    `    image: ${image}`,
    '    securityContext:',
    '      allowPrivilegeEscalation: false',
    '      capabilities:',
    '        drop: [ALL]',
    '    resources:',
    '      limits: {cpu: "1", memory: 1Gi, ephemeral-storage: 1Gi}',
    ...extra,
  ];
}

/** Pod-level lines that pass (own ServiceAccount, restricted securityContext): lines 6-11. */
const GOOD_POD_HEAD = ['  serviceAccountName: app', '  automountServiceAccountToken: false', '  securityContext:', '    runAsNonRoot: true', '    seccompProfile:', '      type: RuntimeDefault'];

/** A compliant pod: head at 6-11, `containers:` at 12, the container from 13, `extra` container lines from 21. */
function goodPod(extra: readonly string[] = [], specExtra: readonly string[] = [], image = IMAGE): string {
  return pod([...GOOD_POD_HEAD, ...specExtra, '  containers:', ...container('app', extra, image)]);
}

type Opt = Readonly<Record<string, unknown>>;

function fires(name: string, yaml: string, expect: RuleCaseExpectation, options?: Opt, file = 'manifest.yaml'): RuleCase {
  return { name, files: { [file]: yaml }, expect, ...(options !== undefined && { options }) };
}

function silent(name: string, yaml: string, options?: Opt, file = 'manifest.yaml'): RuleCase {
  return { name, files: { [file]: yaml }, ...(options !== undefined && { options }) };
}

const at = (line: number, column: number, fieldPath: string, more: Omit<RuleCaseExpectation, 'line' | 'column' | 'fieldPath'> = {}): RuleCaseExpectation => ({ line, column, fieldPath, ...more });

const BASELINE = { pssLevel: 'baseline' } as const;

// ---------------------------------------------------------------------------------------------------

const PSS_CASES: RuleCases[] = [
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

// ---------------------------------------------------------------------------------------------------

const DEPLOY_HEAD = (name: string, ns = 'ml', annotations: readonly string[] = []): string[] => [
  'apiVersion: apps/v1',
  'kind: Deployment',
  'metadata:',
  `  name: ${name}`,
  `  namespace: ${ns}`,
  ...annotations,
  'spec:',
  '  selector:',
  `    matchLabels: {app: ${name}}`,
  '  template:',
  '    metadata:',
  `      labels: {app: ${name}}`,
  '    spec:',
];

/** A compliant pod spec body at template indentation (6); 8 lines. */
const GOOD_TEMPLATE_SPEC = [
  '      serviceAccountName: app',
  '      automountServiceAccountToken: false',
  '      securityContext:',
  '        runAsNonRoot: true',
  '        seccompProfile: {type: RuntimeDefault}',
  '      containers:',
];

function tplContainer(name: string, image: string, extra: readonly string[] = [], limits = '{cpu: "4", memory: 16Gi, ephemeral-storage: 20Gi}'): string[] {
  return [
    `      - name: ${name}`,
    `        image: ${image}`,
    '        securityContext:',
    '          allowPrivilegeEscalation: false',
    '          capabilities: {drop: [ALL]}',
    '        resources:',
    `          limits: ${limits}`,
    ...extra,
  ];
}

const lines = (...parts: readonly (string | readonly string[])[]): string => [...parts.flat(), ''].join('\n');

const OTHER_CASES: RuleCases[] = [
  ruleCases('k8s/duplicate-key', {
    invalid: [fires('privileged set twice', pod(['  containers:', '  - name: app', `    image: ${IMAGE}`, '    securityContext:', '      privileged: false', '      privileged: true']), at(11, 7, 'spec.containers[0].securityContext.privileged', { messageIncludes: 'line 10' }))],
    valid: [silent('each key once', goodPod())],
  }),
  ruleCases('k8s/runtime-socket-mount', {
    invalid: [
      fires('containerd socket', goodPod([], ['  volumes:', '  - name: runtime', '    hostPath:', '      path: /run/containerd/containerd.sock']), at(15, 7, 'spec.volumes[0].hostPath.path', { messageIncludes: 'containerd' })),
      fires('parent folder /var/run', goodPod([], ['  volumes:', '  - name: run', '    hostPath:', '      path: /var/run/']), at(15, 7, 'spec.volumes[0].hostPath.path', { messageIncludes: 'Docker socket' })),
      fires('kubelet directory', goodPod([], ['  volumes:', '  - name: kubelet', '    hostPath: {path: /var/lib/kubelet/pods}']), at(14, 16, 'spec.volumes[0].hostPath.path')),
    ],
    valid: [silent('unrelated hostPath', goodPod([], ['  volumes:', '  - name: logs', '    hostPath:', '      path: /var/log/app']))],
  }),
  ruleCases('k8s/default-service-account', {
    invalid: [fires('no serviceAccountName', pod(['  automountServiceAccountToken: false', '  containers:', ...container()]), at(5, 1, 'spec.serviceAccountName'))],
    valid: [silent('own ServiceAccount', goodPod())],
  }),
  ruleCases('k8s/automount-sa-token', {
    invalid: [
      fires('default ServiceAccount, token mounted', pod(['  containers:', ...container()]), at(5, 1, 'spec.automountServiceAccountToken')),
      fires(
        'dedicated ServiceAccount that no binding names',
        lines(
          pod(['  serviceAccountName: trainer', '  automountServiceAccountToken: true', '  containers:', ...container()]),
          '---',
          'apiVersion: rbac.authorization.k8s.io/v1',
          'kind: RoleBinding',
          'metadata: {name: other, namespace: default}',
          'roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}',
          'subjects: [{kind: ServiceAccount, name: pipeline}]',
        ),
        at(7, 3, 'spec.automountServiceAccountToken'),
      ),
    ],
    valid: [
      silent('automount disabled', goodPod()),
      silent('ServiceAccount disables automount', lines(pod(['  serviceAccountName: app', '  containers:', ...container()]), '---', 'apiVersion: v1', 'kind: ServiceAccount', 'metadata: {name: app, namespace: default}', 'automountServiceAccountToken: false')),
      silent(
        'ServiceAccount with a RoleBinding (needs the API)',
        lines(
          pod(['  serviceAccountName: operator', '  containers:', ...container()]),
          '---',
          'apiVersion: rbac.authorization.k8s.io/v1',
          'kind: RoleBinding',
          'metadata: {name: operator, namespace: default}',
          'roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: operator}',
          'subjects: [{kind: ServiceAccount, name: operator}]',
        ),
      ),
    ],
  }),
  ruleCases('k8s/secret-in-env', {
    invalid: [
      fires('HF_TOKEN literal', goodPod(['    env:', '    - name: HF_TOKEN', `      value: hf_${'aBcDeFgHiJ'.repeat(4)}`]), at(23, 7, 'spec.containers[0].env[0].value', { evidenceIncludes: '(43 characters)' })),
      fires('AWS key by value format under an innocent name', goodPod(['    env:', '    - name: S3_CONFIG', '      value: AKIAABCDEFGHIJKLMNOP']), at(23, 7, 'spec.containers[0].env[0].value', { messageIncludes: 'AWS access key' })),
      fires('token in args', goodPod(['    args: ["--api-key", "sk-proj-abcdefghijklmnopqrstuvwxyz012345"]']), at(21, 25, 'spec.containers[0].args[1]')),
    ],
    valid: [
      silent('secretKeyRef', goodPod(['    env:', '    - name: HF_TOKEN', '      valueFrom:', '        secretKeyRef: {name: hf, key: token}'])),
      silent('token-like names that are not secrets', goodPod(['    env:', '    - name: MAX_NEW_TOKENS', '      value: "4096"', '    - name: TOKENIZERS_PARALLELISM', '      value: "false"', '    - name: HF_TOKEN_PATH', '      value: /var/run/secrets/hf/token'])),
    ],
  }),
  ruleCases('k8s/image-latest', {
    invalid: [fires('no tag', goodPod([], [], 'vllm/vllm-openai'), at(14, 5, 'spec.containers[0].image')), fires(':latest with a registry port', goodPod([], [], 'registry.local:5000/llm/server:latest'), at(14, 5, 'spec.containers[0].image'))],
    valid: [silent('pinned by digest', goodPod()), silent('tag only (reported by image-not-pinned instead)', goodPod([], [], 'vllm/vllm-openai:v0.6.3'))],
  }),
  ruleCases('k8s/image-not-pinned', {
    invalid: [fires('tag without digest', goodPod([], [], 'nvcr.io/nvidia/tritonserver:24.08-py3'), at(14, 5, 'spec.containers[0].image'))],
    valid: [silent('tag and digest', goodPod())],
  }),
  ruleCases('k8s/missing-resource-limits', {
    invalid: [
      fires('no memory limit', goodPod().replace('{cpu: "1", memory: 1Gi, ephemeral-storage: 1Gi}', '{cpu: "1"}'), at(20, 7, 'spec.containers[0].resources.limits', { severity: 'medium', messageIncludes: 'memory, ephemeral-storage' })),
      fires('GPU container without memory limit is high', goodPod().replace('{cpu: "1", memory: 1Gi, ephemeral-storage: 1Gi}', '{cpu: "8", nvidia.com/gpu: 1}'), at(20, 7, 'spec.containers[0].resources.limits', { severity: 'high' })),
    ],
    valid: [
      silent('all three limits', goodPod()),
      silent(
        'LimitRange defaults in the namespace',
        lines(
          goodPod().replace('      limits: {cpu: "1", memory: 1Gi, ephemeral-storage: 1Gi}', '      requests: {cpu: "1"}'),
          '---',
          'apiVersion: v1',
          'kind: LimitRange',
          'metadata: {name: defaults, namespace: default}',
          'spec:',
          '  limits:',
          '  - type: Container',
          '    default: {cpu: "2", memory: 4Gi, ephemeral-storage: 10Gi}',
        ),
      ),
    ],
  }),
  ruleCases('k8s/gpu-request-without-limit', {
    invalid: [fires('nvidia.com/gpu in requests only', goodPod().replace('      limits: {cpu: "1", memory: 1Gi, ephemeral-storage: 1Gi}', '      limits: {cpu: "1", memory: 1Gi, ephemeral-storage: 1Gi}\n      requests:\n        nvidia.com/gpu: 2'), at(22, 9, 'spec.containers[0].resources.requests["nvidia.com/gpu"]'))],
    valid: [silent('GPU in limits', goodPod().replace('ephemeral-storage: 1Gi}', 'ephemeral-storage: 1Gi, nvidia.com/gpu: 1}'))],
  }),
  ruleCases('k8s/gpu-device-host-access', {
    invalid: [
      fires('hostPath /dev/nvidia0', goodPod([], ['  volumes:', '  - name: gpu', '    hostPath:', '      path: /dev/nvidia0']), at(15, 7, 'spec.volumes[0].hostPath.path')),
      fires('privileged CUDA container', goodPod([], [], `nvidia/cuda:12.4.1-runtime-ubuntu22.04@${DIGEST}`).replace('      allowPrivilegeEscalation: false', '      allowPrivilegeEscalation: false\n      privileged: true'), at(17, 7, 'spec.containers[0].securityContext.privileged')),
    ],
    valid: [silent('GPU through the device plugin', goodPod().replace('ephemeral-storage: 1Gi}', 'ephemeral-storage: 1Gi, nvidia.com/gpu: 1}'))],
  }),
  ruleCases('k8s/nvidia-visible-devices', {
    invalid: [fires('all, without a GPU request', goodPod(['    env:', '    - name: NVIDIA_VISIBLE_DEVICES', '      value: all']), at(23, 7, 'spec.containers[0].env[0].value', { severity: 'high' }))],
    valid: [
      silent('none', goodPod(['    env:', '    - name: NVIDIA_VISIBLE_DEVICES', '      value: none'])),
      silent('device list set alongside a GPU limit (the plugin decides)', goodPod(['    env:', '    - name: NVIDIA_VISIBLE_DEVICES', '      value: "0"']).replace('ephemeral-storage: 1Gi}', 'ephemeral-storage: 1Gi, nvidia.com/gpu: 1}')),
    ],
  }),
  ruleCases('k8s/untrusted-model-without-sandbox', {
    invalid: [
      fires(
        'annotated, runc',
        lines(DEPLOY_HEAD('model-eval', 'ml', ['  annotations:', '    bulwark.dev/untrusted-models: "true"']), GOOD_TEMPLATE_SPEC, tplContainer('eval', IMAGE, [], '{cpu: "8", memory: 64Gi, ephemeral-storage: 100Gi, nvidia.com/gpu: 1}')),
        at(14, 5, 'spec.template.spec.runtimeClassName', { messageIncludes: 'GPU' }),
      ),
    ],
    valid: [
      silent('annotated, gVisor', lines(DEPLOY_HEAD('model-eval', 'ml', ['  annotations:', '    bulwark.dev/untrusted-models: "true"']), ['      runtimeClassName: gvisor'], GOOD_TEMPLATE_SPEC, tplContainer('eval', IMAGE))),
      silent(
        'annotated, RuntimeClass whose handler is kata',
        lines(
          DEPLOY_HEAD('model-eval', 'ml', ['  annotations:', '    bulwark.dev/untrusted-models: "true"']),
          ['      runtimeClassName: secure-gpu'],
          GOOD_TEMPLATE_SPEC,
          tplContainer('eval', IMAGE),
          '---',
          'apiVersion: node.k8s.io/v1',
          'kind: RuntimeClass',
          'metadata: {name: secure-gpu}',
          'handler: kata-qemu-nvidia-gpu',
        ),
      ),
      silent('not annotated', lines(DEPLOY_HEAD('model-eval'), GOOD_TEMPLATE_SPEC, tplContainer('eval', IMAGE))),
    ],
  }),
  ruleCases('k8s/model-volume-writable', {
    invalid: [
      fires(
        'PVC at /models without readOnly',
        lines(DEPLOY_HEAD('llm'), GOOD_TEMPLATE_SPEC, tplContainer('server', IMAGE, ['        volumeMounts:', '        - name: weights', '          mountPath: /models']), ['      volumes:', '      - name: weights', '        persistentVolumeClaim: {claimName: llama-3-8b}']),
        at(27, 11, 'spec.template.spec.containers[0].volumeMounts[0]'),
      ),
    ],
    valid: [
      silent(
        'readOnly: true',
        lines(DEPLOY_HEAD('llm'), GOOD_TEMPLATE_SPEC, tplContainer('server', IMAGE, ['        volumeMounts:', '        - name: weights', '          mountPath: /models', '          readOnly: true']), ['      volumes:', '      - name: weights', '        persistentVolumeClaim: {claimName: llama-3-8b}']),
      ),
      silent('emptyDir cache', lines(DEPLOY_HEAD('llm'), GOOD_TEMPLATE_SPEC, tplContainer('server', IMAGE, ['        volumeMounts:', '        - name: cache', '          mountPath: /root/.cache/huggingface']), ['      volumes:', '      - name: cache', '        emptyDir: {}'])),
    ],
  }),
  ruleCases('k8s/ai-service-exposed', {
    invalid: [
      fires(
        'Ray dashboard behind a LoadBalancer',
        lines(
          'apiVersion: v1',
          'kind: Service',
          'metadata: {name: ray-head, namespace: ml}',
          'spec:',
          '  type: LoadBalancer',
          '  selector: {app: ray-head}',
          '  ports:',
          '  - name: client',
          '    port: 10001',
          '  - name: dashboard',
          '    port: 8265',
        ),
        at(10, 5, 'spec.ports[1]', { severity: 'critical', messageIncludes: '8265' }),
      ),
      fires(
        'Ingress to a vLLM Service, found by the pods it selects',
        lines(
          'apiVersion: networking.k8s.io/v1',
          'kind: Ingress',
          'metadata: {name: chat, namespace: ml}',
          'spec:',
          '  rules:',
          '  - host: chat.example.com',
          '    http:',
          '      paths:',
          '      - path: /',
          '        pathType: Prefix',
          '        backend:',
          '          service:',
          '            name: llm',
          '            port: {number: 80}',
          '---',
          'apiVersion: v1',
          'kind: Service',
          'metadata: {name: llm, namespace: ml}',
          'spec:',
          '  selector: {app: llm}',
          '  ports:',
          '  - port: 80',
          '    targetPort: http',
          '---',
          DEPLOY_HEAD('llm'),
          GOOD_TEMPLATE_SPEC,
          tplContainer(`server`, `vllm/vllm-openai:v0.6.3@${DIGEST}`, ['        ports:', '        - name: http', '          containerPort: 8000']),
        ),
        at(12, 11, 'spec.rules[0].http.paths[0].backend.service', { severity: 'high' }),
      ),
    ],
    valid: [
      silent(
        'Ray dashboard on a ClusterIP Service',
        lines('apiVersion: v1', 'kind: Service', 'metadata: {name: ray-head, namespace: ml}', 'spec:', '  selector: {app: ray-head}', '  ports:', '  - name: dashboard', '    port: 8265'),
      ),
      silent(
        'Redis on 6379 behind a LoadBalancer is not Ray',
        lines('apiVersion: v1', 'kind: Service', 'metadata: {name: redis, namespace: cache}', 'spec:', '  type: LoadBalancer', '  selector: {app: redis}', '  ports:', '  - name: redis', '    port: 6379'),
      ),
    ],
  }),
  ruleCases('k8s/invalid-suppression', {
    invalid: [
      fires('no reason', goodPod().replace('  name: p\n', '  name: p\n  annotations:\n    bulwark.dev/suppress: "k8s/image-latest"\n'), at(6, 5, 'metadata.annotations["bulwark.dev/suppress"]', { messageIncludes: 'no reason' })),
      fires('unknown rule id', goodPod().replace('  name: p\n', '  name: p\n  annotations:\n    bulwark.dev/suppress: "k8s/run-as-root: legacy image"\n'), at(6, 5, 'metadata.annotations["bulwark.dev/suppress"]', { messageIncludes: 'not a known Kubernetes rule id' })),
    ],
    valid: [silent('well-formed', goodPod().replace('  name: p\n', '  name: p\n  annotations:\n    bulwark.dev/suppress: "k8s/image-not-pinned,k8s/pss-*: vendor image, reviewed 2025-01"\n'))],
  }),
];

export const K8S_RULE_CASES: readonly RuleCases[] = [...PSS_CASES, ...OTHER_CASES, ...RBAC_RULE_CASES, ...NETPOL_RULE_CASES];
