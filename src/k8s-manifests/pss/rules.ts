/**
 * One Bulwark rule per upstream Pod Security Standards check (`k8s/pss-<check>`); every finding lists
 * the upstream check id in `controls` as `pss:<checkId>`. Which checks run depends on
 * `--pss-level` / `--pss-version` (checks.ts); one finding is reported per offending field.
 */
import type { Severity } from '../../findings/index.js';
import type { Rule } from '../../rules/index.js';
import { defineRule } from '../../rules/index.js';
import type { RuleReporter, TemplateSubject } from '../k8s-rule.js';
import type { FieldPath } from '../model.js';
import { formatFieldPath, locationOf } from '../model.js';
import { looksLikeGpuPod } from '../accelerators.js';
import { hostPathExposure } from '../host-paths.js';
import { asObject, asString, getPath, judgeable } from '../workloads.js';
import type { PssLevel, PssViolation } from './checks.js';
import { evaluatePss, replacedBaselineChecks, runCheck } from './checks.js';
import { PSS_CEL } from './cel.js';
import { formatPssVersion } from './version.js';

const PSS_DOC = 'https://kubernetes.io/docs/concepts/security/pod-security-standards/';
const PSA_SRC = 'https://github.com/kubernetes/pod-security-admission/tree/master/policy';

interface PssRuleSpec {
  readonly check: string;
  readonly id: string;
  readonly level: PssLevel;
  readonly severity: Severity;
  readonly title: string;
  readonly description: string;
  readonly remediation: string;
}

const SPECS: readonly PssRuleSpec[] = [
  {
    check: 'privileged',
    id: 'k8s/pss-privileged',
    level: 'baseline',
    severity: 'critical',
    title: 'Privileged container',
    description:
      'A privileged container has every capability and every device of the node, including all GPUs outside the device plugin\u2019s allocation, the host\u2019s disks and kernel interfaces. Anyone who gets code execution in it (a malicious model file, a vulnerable inference server) owns the node and every other workload and model on it. Pod Security Standards baseline forbids it.',
    remediation:
      'Remove `securityContext.privileged: true`. Request GPUs through the device plugin (`resources.limits: {nvidia.com/gpu: 1}`) and add only the specific capability a tool needs, if any.',
  },
  {
    check: 'hostNamespaces',
    id: 'k8s/pss-host-namespaces',
    level: 'baseline',
    severity: 'high',
    title: 'Pod shares host namespaces',
    description:
      '`hostNetwork`, `hostPID` or `hostIPC` put the pod in the node\u2019s network, process or IPC namespace: it can sniff node traffic and reach node-local services (kubelet, metadata endpoints, NCCL/RDMA fabric), see and signal every process on the node, or read other pods\u2019 shared memory (used by inference servers and data loaders). Pod Security Standards baseline forbids it.',
    remediation:
      'Remove `hostNetwork`, `hostPID` and `hostIPC` (or set them to false). For multi-node GPU training use the CNI or an RDMA/SR-IOV device plugin instead of the host network.',
  },
  {
    check: 'capabilities_baseline',
    id: 'k8s/pss-capabilities-baseline',
    level: 'baseline',
    severity: 'high',
    title: 'Container adds a dangerous Linux capability',
    description:
      'Capabilities beyond the default container set (SYS_ADMIN, NET_ADMIN, SYS_PTRACE, SYS_MODULE, NET_RAW, BPF …) give a compromised container ways to escape to the node or attack its neighbours. Pod Security Standards baseline allows adding only AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID and SYS_CHROOT.',
    remediation: 'Remove the capability from `securityContext.capabilities.add`. GPU access does not need extra capabilities when GPUs are requested through the device plugin.',
  },
  {
    check: 'capabilities_restricted',
    id: 'k8s/pss-capabilities-restricted',
    level: 'restricted',
    severity: 'medium',
    title: 'Container does not drop all capabilities',
    description:
      'Pod Security Standards restricted requires every container to drop ALL Linux capabilities and add back at most NET_BIND_SERVICE, so that code execution inside an inference or training container gives the attacker as little kernel attack surface as possible.',
    remediation: 'Set `securityContext.capabilities.drop: ["ALL"]` on every container (init and sidecar containers too) and add back only `NET_BIND_SERVICE` if the server binds a port below 1024.',
  },
  {
    check: 'hostPathVolumes',
    id: 'k8s/pss-host-path-volumes',
    level: 'baseline',
    severity: 'high',
    title: 'Pod mounts a hostPath volume',
    description:
      'A hostPath volume exposes the node\u2019s filesystem to the pod: credentials, the container runtime socket, other pods\u2019 data and model caches. Writing to it can plant binaries or poisoned model weights that other workloads load. Pod Security Standards baseline forbids hostPath volumes.',
    remediation:
      'Use a PersistentVolumeClaim, an emptyDir, a CSI driver or an image volume for model files and caches. Request GPUs through the device plugin instead of mounting /dev.',
  },
  {
    check: 'hostPorts',
    id: 'k8s/pss-host-ports',
    level: 'baseline',
    severity: 'medium',
    title: 'Container binds a host port',
    description:
      'A hostPort publishes the container on the node\u2019s IP address, bypassing Services and most NetworkPolicy setups: an inference API or a dashboard becomes reachable by anything that can reach the node. Pod Security Standards baseline forbids host ports.',
    remediation: 'Remove `hostPort` and expose the port through a ClusterIP Service (and an authenticated Ingress if it must be reachable from outside).',
  },
  {
    check: 'appArmorProfile',
    id: 'k8s/pss-apparmor-profile',
    level: 'baseline',
    severity: 'high',
    title: 'AppArmor disabled or overridden',
    description:
      'Setting the AppArmor profile to `Unconfined` (field or annotation) removes the mandatory access control that limits what a compromised container can do on the node. Pod Security Standards baseline allows only RuntimeDefault and Localhost profiles.',
    remediation: 'Remove the override, or set `securityContext.appArmorProfile.type: RuntimeDefault` (or a reviewed `Localhost` profile).',
  },
  {
    check: 'seLinuxOptions',
    id: 'k8s/pss-selinux-options',
    level: 'baseline',
    severity: 'high',
    title: 'Custom SELinux type, user or role',
    description:
      'Setting an SELinux type outside the container types, or any SELinux user or role, can lift the label-based isolation between containers and the node (for example `spc_t`, the unconfined super-privileged type). Pod Security Standards baseline allows only the container_* types.',
    remediation: 'Remove `seLinuxOptions.user` and `role`, and leave `type` empty or use container_t, container_init_t, container_kvm_t (or container_engine_t from v1.31).',
  },
  {
    check: 'procMount',
    id: 'k8s/pss-proc-mount',
    level: 'baseline',
    severity: 'high',
    title: 'Unmasked /proc',
    description:
      '`procMount: Unmasked` removes the masks over sensitive /proc paths (kernel keys, sysrq, timer lists), helping a compromised container attack the node. Pod Security Standards baseline allows it only for pods in a user namespace (`hostUsers: false`, policy v1.35+).',
    remediation: 'Remove `securityContext.procMount` or set it to `Default`.',
  },
  {
    check: 'procMount_restricted',
    id: 'k8s/pss-proc-mount-restricted',
    level: 'restricted',
    severity: 'medium',
    title: 'Unmasked /proc (restricted)',
    description:
      'Pod Security Standards restricted (policy v1.35+) forbids `procMount: Unmasked` even in a user namespace: the masked /proc paths stay masked for every pod.',
    remediation: 'Remove `securityContext.procMount` or set it to `Default`.',
  },
  {
    check: 'seccompProfile_baseline',
    id: 'k8s/pss-seccomp-baseline',
    level: 'baseline',
    severity: 'high',
    title: 'Seccomp disabled',
    description:
      'A seccomp profile of `Unconfined` lets the container call every system call, including the ones used in most container-escape exploits. Pod Security Standards baseline forbids explicitly unconfined profiles (annotations before v1.19, fields from v1.19).',
    remediation: 'Set `securityContext.seccompProfile.type: RuntimeDefault` (or a reviewed `Localhost` profile) and remove `Unconfined`.',
  },
  {
    check: 'seccompProfile_restricted',
    id: 'k8s/pss-seccomp-restricted',
    level: 'restricted',
    severity: 'medium',
    title: 'No seccomp profile',
    description:
      'Pod Security Standards restricted requires a seccomp profile (RuntimeDefault or Localhost) on the pod or on every container; without one, many runtimes run containers unconfined, so an exploit in a model loader or inference server has the whole syscall surface of the node kernel.',
    remediation: 'Set `spec.securityContext.seccompProfile.type: RuntimeDefault` at pod level (it applies to every container), or on each container.',
  },
  {
    check: 'sysctls',
    id: 'k8s/pss-sysctls',
    level: 'baseline',
    severity: 'high',
    title: 'Unsafe sysctl',
    description:
      'Sysctls outside the namespaced safe set change kernel settings for the whole node, affecting every pod (and GPU job) on it, or weaken isolation. Pod Security Standards baseline allows only the safe set, which grows with the policy version.',
    remediation: 'Remove the sysctl from `spec.securityContext.sysctls`, or set it on dedicated nodes through node configuration instead of pod specs.',
  },
  {
    check: 'windowsHostProcess',
    id: 'k8s/pss-windows-host-process',
    level: 'baseline',
    severity: 'critical',
    title: 'Windows HostProcess container',
    description: 'A Windows HostProcess container runs directly on the node with node-level privileges: it is the Windows equivalent of a privileged container. Pod Security Standards baseline forbids it.',
    remediation: 'Remove `windowsOptions.hostProcess: true`.',
  },
  {
    check: 'hostProbesAndHostLifecycle',
    id: 'k8s/pss-host-probes',
    level: 'baseline',
    severity: 'medium',
    title: 'Probe or lifecycle hook targets another host',
    description:
      'A probe or lifecycle handler with `host` set makes the kubelet send requests to an arbitrary address from the node, a server-side request forgery primitive against node-local services and cloud metadata endpoints. Pod Security Standards baseline forbids it from policy v1.34.',
    remediation: 'Remove `host` from httpGet/tcpSocket probes and lifecycle handlers; probes then target the pod itself.',
  },
  {
    check: 'restrictedVolumes',
    id: 'k8s/pss-restricted-volumes',
    level: 'restricted',
    severity: 'medium',
    title: 'Volume type not allowed by restricted',
    description:
      'Pod Security Standards restricted allows only configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, projected and secret volumes. Other types (hostPath, nfs, iscsi, gitRepo …) reach node or network storage directly, outside the PersistentVolume access controls.',
    remediation: 'Mount models and datasets through a PersistentVolumeClaim, a CSI driver or an image volume instead.',
  },
  {
    check: 'allowPrivilegeEscalation',
    id: 'k8s/pss-allow-privilege-escalation',
    level: 'restricted',
    severity: 'medium',
    title: 'Privilege escalation allowed',
    description:
      'Unless `allowPrivilegeEscalation: false` is set, a process in the container can gain more privileges than its parent (setuid binaries, file capabilities), turning a low-privilege foothold in an inference server into root in the container. Pod Security Standards restricted requires it to be false.',
    remediation: 'Set `securityContext.allowPrivilegeEscalation: false` on every container, init and sidecar containers included.',
  },
  {
    check: 'runAsNonRoot',
    id: 'k8s/pss-run-as-non-root',
    level: 'restricted',
    severity: 'medium',
    title: 'Container may run as root',
    description:
      'Without `runAsNonRoot: true` the kubelet starts the container as whatever user the image says, often root (most CUDA, PyTorch and inference images). Root in the container makes every escape and every hostPath or device mistake worse. Pod Security Standards restricted requires runAsNonRoot (policy v1.35+ exempts pods in a user namespace).',
    remediation: 'Set `securityContext.runAsNonRoot: true` at pod level (and a non-zero `runAsUser` if the image has no non-root USER), then fix file permissions of model caches accordingly.',
  },
  {
    check: 'runAsUser',
    id: 'k8s/pss-run-as-user',
    level: 'restricted',
    severity: 'high',
    title: 'Container runs as UID 0',
    description: '`runAsUser: 0` explicitly runs the container as root. Pod Security Standards restricted forbids it (policy v1.23+; v1.35+ exempts pods in a user namespace).',
    remediation: 'Set `runAsUser` to a non-zero UID (for example 1000) and `runAsNonRoot: true`.',
  },
];

/**
 * One rule per check. Every PSS rule judges one pod alone, so it runs at admission at the level of its
 * check; where the check is one version-independent field test, `cel` is its exact CEL (cel.ts).
 */
export const PSS_RULES: readonly Rule[] = SPECS.map((s) => {
  const cel = PSS_CEL.get(s.check);
  return defineRule({
    id: s.id,
    title: s.title,
    severity: s.severity,
    description: s.description,
    remediation: s.remediation,
    references: [PSS_DOC, `${PSA_SRC}`],
    tags: ['k8s', 'pss', `pss-${s.level}`],
    maturity: 'stable',
    admission: { level: s.level },
    ...(cel !== undefined && { cel }),
  });
});

const RULE_BY_CHECK = new Map<string, Rule>(SPECS.map((s, i) => [s.check, PSS_RULES[i] as Rule]));

/** Rule id of an upstream check id (`runAsNonRoot` → `k8s/pss-run-as-non-root`). */
export function pssRuleId(check: string): string | undefined {
  return RULE_BY_CHECK.get(check)?.id;
}

export interface PssRun {
  readonly level: PssLevel;
  readonly minor: number;
  /** Whether a version was pinned (`v1.N`): only then the message names it. */
  readonly pinned: boolean;
  /**
   * Host paths a more specific rule reports (runtime sockets, the kubelet's directory, GPU device
   * nodes), with `pss:hostPathVolumes`: the generic hostPath finding is then not reported again.
   */
  readonly hostPathReportedElsewhere?: (hostPath: string) => boolean;
}

/**
 * Report the PSS findings of one pod template at a level and version, through the Reporter (checks of
 * rules it says are disabled are not run). The message names the level, and the version only when one
 * was pinned, so that fingerprints of `latest` findings survive upstream releases.
 *
 * Severity by level: at restricted, upstream replaces some baseline checks by stricter ones
 * (hostPathVolumes by restrictedVolumes, capabilities_baseline by capabilities_restricted,
 * seccompProfile_baseline by seccompProfile_restricted, procMount by procMount_restricted). A violation
 * the replaced baseline check also forbids (a hostPath volume, an added SYS_ADMIN, seccomp
 * Unconfined) is still a baseline violation: it is reported by the baseline rule with its severity and
 * both controls, whatever level is selected; only what restricted alone forbids stays medium.
 */
export function reportPss({ object, template }: TemplateSubject, run: PssRun, reporter: RuleReporter): void {
  const standard = (level: PssLevel): string => (run.pinned ? `Pod Security Standards ${level}, ${formatPssVersion(run.minor)}` : `Pod Security Standards ${level}`);
  const include = (check: string): boolean => {
    const rule = RULE_BY_CHECK.get(check);
    return rule !== undefined && reporter.enabled(rule);
  };
  const judge = (path: FieldPath): boolean => judgeable(template, path, getPath(object.value, path) !== undefined);
  const gpuPod = looksLikeGpuPod(template);
  /**
   * One finding per fact: a hostPath that a more specific rule reports (a runtime socket, the kubelet's
   * directory, GPU device nodes; that finding carries `pss:hostPathVolumes` too) is not reported again
   * here; a privileged GPU container is one finding, here, with both explanations.
   */
  const refine = (check: string, v: PssViolation): { message: string; controls: string[] } | undefined => {
    const controls: string[] = [];
    let message = v.message;
    if ((check === 'hostPathVolumes' || check === 'restrictedVolumes') && v.path[v.path.length - 1] === 'hostPath') {
      const p = asString(asObject(getPath(object.value, v.path))?.['path']);
      if (p !== undefined) {
        if (run.hostPathReportedElsewhere?.(p) === true) return undefined;
        const e = hostPathExposure(p);
        if (e !== undefined) message += `: ${e.what}`;
      }
    }
    if (check === 'privileged' && gpuPod) {
      message += '; in a GPU workload that means every GPU and device of the node, not only its allocation, outside the device plugin';
      controls.push('gpu:device-isolation');
    }
    return { message, controls };
  };
  const results = evaluatePss(template, run.level, run.minor, include);
  /** Paths (per restricted check) already reported as the baseline violation they also are. */
  const asBaseline = new Map<string, Set<string>>();
  if (run.level === 'restricted') {
    for (const { baseline, by } of replacedBaselineChecks(run.minor)) {
      const rule = RULE_BY_CHECK.get(baseline.id);
      if (!results.has(by) || !rule || !reporter.enabled(rule)) continue;
      const paths = asBaseline.get(by) ?? new Set<string>();
      asBaseline.set(by, paths);
      for (const v of runCheck(template, baseline)) {
        if (!judge(v.path)) continue;
        paths.add(formatFieldPath(v.path));
        const r = refine(baseline.id, v);
        if (r === undefined) continue;
        reporter.report(rule, {
          location: locationOf(object, v.path),
          message: `${r.message} (${standard('baseline')}, and so restricted)`,
          controls: [`pss:${baseline.id}`, `pss:${by}`, ...r.controls],
        });
      }
    }
  }
  for (const [check, violations] of results) {
    const rule = RULE_BY_CHECK.get(check);
    if (!rule) continue;
    const done = asBaseline.get(check);
    for (const v of violations) {
      // A pod another object completes (a runtime, a base config) is judged on what it writes only.
      if (!judge(v.path)) continue;
      if (done?.has(formatFieldPath(v.path)) === true) continue;
      const r = refine(check, v);
      if (r === undefined) continue;
      reporter.report(rule, {
        location: locationOf(object, v.path),
        message: `${r.message} (${standard(run.level)})`,
        controls: [`pss:${check}`, ...r.controls],
      });
    }
  }
}
