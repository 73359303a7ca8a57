/**
 * The Pod Security Standards checks, transcribed from upstream kubernetes/pod-security-admission
 * (`policy/check_*.go`, policy versions v1.0 … v1.37). Each check has an upstream id, a level, and
 * versioned implementations (`MinimumVersion`); a restricted version may override baseline checks
 * (`OverrideCheckIDs`). `checksFor(level, minor)` resolves them exactly as upstream `registry.go`
 * does: per check the highest version whose minimum is ≤ the requested minor; for restricted, every
 * baseline check minus those overridden by an active restricted version, plus the restricted checks.
 *
 * Upstream details reproduced (a static analyser that gets these wrong disagrees with admission):
 * - containers are init, regular and ephemeral (`visitContainers`); sidecars get no special case;
 * - `spec.os.name: windows` exempts allowPrivilegeEscalation, capabilities_restricted and
 *   seccompProfile_restricted from policy v1.25;
 * - `spec.hostUsers: false` skips runAsNonRoot and runAsUser, and the baseline procMount, from policy
 *   v1.35 only (before that the relaxation sat behind a perma-alpha feature gate, off by default);
 *   `procMount_restricted` (v1.35) re-tightens procMount for restricted;
 * - seccomp: annotations below v1.19 (where `""` is not an allowed value), fields from v1.19; the
 *   AppArmor check reads the field and the beta annotation at every version (annotation `""` allowed);
 * - `procMount: ""` is a set pointer, hence forbidden; `appArmorProfile: {}` has type `""`, forbidden;
 * - restrictedVolumes allows a volume when any allowed source is set (the Go `switch` order), and
 *   relies on the emptyDir defaulting of source-less volumes (defaults.ts);
 * - sysctls: the safe list grows at v1.27, v1.29, v1.32 and v1.37;
 * - SELinux: `container_engine_t` allowed from v1.31; user and role must be empty;
 * - hostProbesAndHostLifecycle exists from v1.34 only.
 * Values of the wrong type (which the API server would reject) never make a check pass.
 */
import type { FieldPath, Json, JsonObject } from '../model.js';
import type { ContainerRef, PodTemplate } from '../workloads.js';
import { VOLUME_SOURCES } from '../defaults.js';
import { asArray, asObject, containersOf, podFieldPath, volumesOf } from '../workloads.js';

export type PssLevel = 'baseline' | 'restricted';
export const PSS_LEVELS: readonly PssLevel[] = ['baseline', 'restricted'];

/** Highest `MinimumVersion` registered upstream (v1.37: the sysctls revision); `latest` means this. */
export const PSS_MAX_MINOR = 37;

export interface PssViolation {
  /** Field path from the object root (the offending field, or where the missing field belongs). */
  readonly path: FieldPath;
  readonly message: string;
}

export interface PssInput {
  readonly tpl: PodTemplate;
  /** All containers in upstream visiting order. */
  readonly containers: readonly ContainerRef[];
}

export type PssCheckFn = (input: PssInput) => PssViolation[];

interface VersionedCheck {
  readonly min: number;
  readonly fn: PssCheckFn;
  readonly overrides?: readonly string[];
}

export interface PssCheckDef {
  readonly id: string;
  readonly level: PssLevel;
  readonly versions: readonly VersionedCheck[];
}

// ---- helpers ---------------------------------------------------------------------------------------

const sc = (c: ContainerRef): JsonObject | undefined => asObject(c.container['securityContext']);
const podSc = (t: PodTemplate): JsonObject | undefined => asObject(t.spec['securityContext']);
const cPath = (c: ContainerRef, ...rest: (string | number)[]): FieldPath => [...c.path, 'securityContext', ...rest];
const pPath = (t: PodTemplate, ...rest: (string | number)[]): FieldPath => podFieldPath(t, 'securityContext', ...rest);
const isSet = (v: Json | undefined): boolean => v !== undefined && v !== null;
/** A Go string field: absent/null read as "", other types as their text (the API would reject them). */
const goString = (v: Json | undefined): string => (v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v));
const q = (s: string): string => JSON.stringify(s);
const cname = (c: ContainerRef): string => `${c.list === 'containers' ? 'container' : c.list === 'initContainers' ? 'init container' : 'ephemeral container'} ${q(c.name)}`;

function isWindowsPod(t: PodTemplate): boolean {
  return asObject(t.spec['os'])?.['name'] === 'windows';
}

function hostUsersFalse(t: PodTemplate): boolean {
  return t.spec['hostUsers'] === false;
}

const windowsExempt =
  (fn: PssCheckFn): PssCheckFn =>
  (input) =>
    isWindowsPod(input.tpl) ? [] : fn(input);

const userNamespaceExempt =
  (fn: PssCheckFn): PssCheckFn =>
  (input) =>
    hostUsersFalse(input.tpl) ? [] : fn(input);

// ---- baseline --------------------------------------------------------------------------------------

const privileged: PssCheckFn = ({ containers }) =>
  containers
    .filter((c) => sc(c)?.['privileged'] === true)
    .map((c) => ({ path: cPath(c, 'privileged'), message: `${cname(c)} is privileged (securityContext.privileged: true)` }));

const hostNamespaces: PssCheckFn = ({ tpl }) => {
  const out: PssViolation[] = [];
  for (const f of ['hostNetwork', 'hostPID', 'hostIPC'] as const) {
    if (tpl.spec[f] === true) out.push({ path: podFieldPath(tpl, f), message: `the pod shares the node's ${f.slice(4)} namespace (${f}: true)` });
  }
  return out;
};

const CAPS_BASELINE = new Set([
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
]);

const capabilitiesBaseline: PssCheckFn = ({ containers }) => {
  const out: PssViolation[] = [];
  for (const c of containers) {
    asArray(asObject(sc(c)?.['capabilities'])?.['add']).forEach((cap, i) => {
      const name = goString(cap);
      if (!CAPS_BASELINE.has(name)) out.push({ path: cPath(c, 'capabilities', 'add', i), message: `${cname(c)} adds capability ${q(name)}, which is outside the baseline set` });
    });
  }
  return out;
};

const capabilitiesRestricted: PssCheckFn = ({ containers }) => {
  const out: PssViolation[] = [];
  for (const c of containers) {
    const caps = asObject(sc(c)?.['capabilities']);
    const drop = asArray(caps?.['drop']);
    if (!drop.some((d) => d === 'ALL')) {
      out.push({ path: cPath(c, 'capabilities', 'drop'), message: `${cname(c)} does not drop ALL capabilities (securityContext.capabilities.drop must include "ALL")` });
    }
    asArray(caps?.['add']).forEach((cap, i) => {
      if (cap !== 'NET_BIND_SERVICE') {
        out.push({ path: cPath(c, 'capabilities', 'add', i), message: `${cname(c)} adds capability ${q(goString(cap))}; restricted allows only NET_BIND_SERVICE` });
      }
    });
  }
  return out;
};

const hostPathVolumes: PssCheckFn = ({ tpl }) =>
  volumesOf(tpl)
    .filter((v) => isSet(v.volume['hostPath']))
    .map((v) => ({
      path: [...v.path, 'hostPath'],
      message: `volume ${q(v.name)} mounts the node's filesystem (hostPath ${q(goString(asObject(v.volume['hostPath'])?.['path']))})`,
    }));

const hostPorts: PssCheckFn = ({ containers }) => {
  const out: PssViolation[] = [];
  for (const c of containers) {
    asArray(c.container['ports']).forEach((p, i) => {
      const hp = asObject(p)?.['hostPort'];
      if (isSet(hp) && hp !== 0) out.push({ path: [...c.path, 'ports', i, 'hostPort'], message: `${cname(c)} binds host port ${goString(hp)}` });
    });
  }
  return out;
};

const APPARMOR_ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';
const appArmorTypeOk = (t: Json | undefined): boolean => t === 'RuntimeDefault' || t === 'Localhost';

const appArmorProfile: PssCheckFn = ({ tpl, containers }) => {
  const out: PssViolation[] = [];
  const pod = asObject(podSc(tpl)?.['appArmorProfile']);
  if (pod && !appArmorTypeOk(pod['type'])) {
    out.push({ path: pPath(tpl, 'appArmorProfile', 'type'), message: `the pod sets AppArmor profile type ${q(goString(pod['type']))}` });
  }
  for (const c of containers) {
    const p = asObject(sc(c)?.['appArmorProfile']);
    if (p && !appArmorTypeOk(p['type'])) out.push({ path: cPath(c, 'appArmorProfile', 'type'), message: `${cname(c)} sets AppArmor profile type ${q(goString(p['type']))}` });
  }
  const ann = asObject(tpl.metadata['annotations']);
  if (ann) {
    for (const [k, v] of Object.entries(ann)) {
      if (!k.startsWith(APPARMOR_ANNOTATION_PREFIX)) continue;
      const s = goString(v);
      if (s === '' || s === 'runtime/default' || s.startsWith('localhost/')) continue;
      out.push({ path: [...tpl.metadataPath, 'annotations', k], message: `annotation ${k}=${q(s)} sets a forbidden AppArmor profile` });
    }
  }
  return out;
};

const seLinux =
  (allowed: ReadonlySet<string>): PssCheckFn =>
  ({ tpl, containers }) => {
    const out: PssViolation[] = [];
    const check = (opts: JsonObject | undefined, at: (f: string) => FieldPath, who: string): void => {
      if (!opts) return;
      const type = goString(opts['type']);
      if (!allowed.has(type)) out.push({ path: at('type'), message: `${who} sets SELinux type ${q(type)}` });
      if (goString(opts['user']) !== '') out.push({ path: at('user'), message: `${who} sets a custom SELinux user` });
      if (goString(opts['role']) !== '') out.push({ path: at('role'), message: `${who} sets a custom SELinux role` });
    };
    check(asObject(podSc(tpl)?.['seLinuxOptions']), (f) => pPath(tpl, 'seLinuxOptions', f), 'the pod');
    for (const c of containers) check(asObject(sc(c)?.['seLinuxOptions']), (f) => cPath(c, 'seLinuxOptions', f), cname(c));
    return out;
  };

const SELINUX_1_0 = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t']);
const SELINUX_1_31 = new Set([...SELINUX_1_0, 'container_engine_t']);

const procMountStrict: PssCheckFn = ({ containers }) =>
  containers
    .filter((c) => {
      const pm = sc(c)?.['procMount'];
      return isSet(pm) && pm !== 'Default';
    })
    .map((c) => ({ path: cPath(c, 'procMount'), message: `${cname(c)} sets procMount ${q(goString(sc(c)?.['procMount']))}, unmasking /proc` }));

const SECCOMP_POD_ANNOTATION = 'seccomp.security.alpha.kubernetes.io/pod';
const SECCOMP_CONTAINER_PREFIX = 'container.seccomp.security.alpha.kubernetes.io/';
const seccompAnnotationOk = (v: string): boolean => v === 'runtime/default' || v === 'docker/default' || v.startsWith('localhost/');
const seccompTypeOk = (t: Json | undefined): boolean => t === 'RuntimeDefault' || t === 'Localhost';

const seccompBaseline_1_0: PssCheckFn = ({ tpl, containers }) => {
  const out: PssViolation[] = [];
  const ann = asObject(tpl.metadata['annotations']) ?? {};
  const has = (k: string): boolean => Object.prototype.hasOwnProperty.call(ann, k);
  if (has(SECCOMP_POD_ANNOTATION) && !seccompAnnotationOk(goString(ann[SECCOMP_POD_ANNOTATION]))) {
    out.push({ path: [...tpl.metadataPath, 'annotations', SECCOMP_POD_ANNOTATION], message: `annotation ${SECCOMP_POD_ANNOTATION}=${q(goString(ann[SECCOMP_POD_ANNOTATION]))} disables or weakens seccomp` });
  }
  for (const c of containers) {
    const k = SECCOMP_CONTAINER_PREFIX + c.name;
    if (has(k) && !seccompAnnotationOk(goString(ann[k]))) {
      out.push({ path: [...tpl.metadataPath, 'annotations', k], message: `annotation ${k}=${q(goString(ann[k]))} disables or weakens seccomp for ${cname(c)}` });
    }
  }
  return out;
};

const seccompBaseline_1_19: PssCheckFn = ({ tpl, containers }) => {
  const out: PssViolation[] = [];
  const pod = asObject(podSc(tpl)?.['seccompProfile']);
  if (pod && !seccompTypeOk(pod['type'])) out.push({ path: pPath(tpl, 'seccompProfile', 'type'), message: `the pod sets seccomp profile type ${q(goString(pod['type']))}` });
  for (const c of containers) {
    const p = asObject(sc(c)?.['seccompProfile']);
    if (p && !seccompTypeOk(p['type'])) out.push({ path: cPath(c, 'seccompProfile', 'type'), message: `${cname(c)} sets seccomp profile type ${q(goString(p['type']))}` });
  }
  return out;
};

const SYSCTLS_1_0 = ['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_unprivileged_port_start'];
const SYSCTLS_1_27 = [...SYSCTLS_1_0, 'net.ipv4.ip_local_reserved_ports'];
const SYSCTLS_1_29 = [...SYSCTLS_1_27, 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes'];
const SYSCTLS_1_32 = [...SYSCTLS_1_29, 'net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem'];
const SYSCTLS_1_37 = [...SYSCTLS_1_32, 'net.ipv4.tcp_slow_start_after_idle', 'net.ipv4.tcp_notsent_lowat'];

const sysctls =
  (allowedList: readonly string[]): PssCheckFn =>
  ({ tpl }) => {
    const allowed = new Set(allowedList);
    const out: PssViolation[] = [];
    asArray(podSc(tpl)?.['sysctls']).forEach((s, i) => {
      const name = goString(asObject(s)?.['name']);
      if (!allowed.has(name)) out.push({ path: pPath(tpl, 'sysctls', i, 'name'), message: `the pod sets sysctl ${q(name)}, which is not namespaced and isolated from other pods` });
    });
    return out;
  };

const windowsHostProcess: PssCheckFn = ({ tpl, containers }) => {
  const out: PssViolation[] = [];
  if (asObject(podSc(tpl)?.['windowsOptions'])?.['hostProcess'] === true) {
    out.push({ path: pPath(tpl, 'windowsOptions', 'hostProcess'), message: 'the pod runs as a Windows HostProcess (full access to the node)' });
  }
  for (const c of containers) {
    if (asObject(sc(c)?.['windowsOptions'])?.['hostProcess'] === true) {
      out.push({ path: cPath(c, 'windowsOptions', 'hostProcess'), message: `${cname(c)} runs as a Windows HostProcess (full access to the node)` });
    }
  }
  return out;
};

const hostProbesAndHostLifecycle: PssCheckFn = ({ containers }) => {
  const out: PssViolation[] = [];
  for (const c of containers) {
    const handlers: [Json | undefined, (string | number)[]][] = [
      [c.container['livenessProbe'], ['livenessProbe']],
      [c.container['readinessProbe'], ['readinessProbe']],
      [c.container['startupProbe'], ['startupProbe']],
      [asObject(c.container['lifecycle'])?.['postStart'], ['lifecycle', 'postStart']],
      [asObject(c.container['lifecycle'])?.['preStop'], ['lifecycle', 'preStop']],
    ];
    for (const [h, at] of handlers) {
      const handler = asObject(h);
      if (!handler) continue;
      for (const kind of ['httpGet', 'tcpSocket'] as const) {
        const host = goString(asObject(handler[kind])?.['host']);
        if (host !== '') out.push({ path: [...c.path, ...at, kind, 'host'], message: `${cname(c)} points its ${at.join('.')} ${kind} at host ${q(host)}, which lets the kubelet reach other hosts on the pod's behalf` });
      }
    }
  }
  return out;
};

// ---- restricted ------------------------------------------------------------------------------------

const RESTRICTED_VOLUME_SOURCES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'image', 'persistentVolumeClaim', 'projected', 'secret'];

const restrictedVolumes: PssCheckFn = ({ tpl }) => {
  const out: PssViolation[] = [];
  for (const v of volumesOf(tpl)) {
    if (RESTRICTED_VOLUME_SOURCES.some((s) => isSet(v.volume[s]))) continue;
    const bad = VOLUME_SOURCES.find((k) => isSet(v.volume[k])) ?? Object.keys(v.volume).find((k) => k !== 'name' && isSet(v.volume[k]));
    out.push({
      path: bad !== undefined ? [...v.path, bad] : v.path,
      message: `volume ${q(v.name)} uses ${bad !== undefined ? q(bad) : 'an unknown volume type'}; restricted allows only configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, projected and secret`,
    });
  }
  return out;
};

const allowPrivilegeEscalation: PssCheckFn = ({ containers }) =>
  containers
    .filter((c) => sc(c)?.['allowPrivilegeEscalation'] !== false)
    .map((c) => ({
      path: cPath(c, 'allowPrivilegeEscalation'),
      message:
        sc(c)?.['allowPrivilegeEscalation'] === true
          ? `${cname(c)} allows privilege escalation (allowPrivilegeEscalation: true)`
          : `${cname(c)} does not set securityContext.allowPrivilegeEscalation: false`,
    }));

const runAsNonRoot: PssCheckFn = ({ tpl, containers }) => {
  const out: PssViolation[] = [];
  const podValue = podSc(tpl)?.['runAsNonRoot'];
  if (isSet(podValue) && podValue !== true) out.push({ path: pPath(tpl, 'runAsNonRoot'), message: 'the pod sets securityContext.runAsNonRoot: false' });
  const podTrue = podValue === true;
  for (const c of containers) {
    const v = sc(c)?.['runAsNonRoot'];
    if (isSet(v)) {
      if (v !== true) out.push({ path: cPath(c, 'runAsNonRoot'), message: `${cname(c)} sets securityContext.runAsNonRoot: false` });
    } else if (!podTrue) {
      out.push({ path: cPath(c, 'runAsNonRoot'), message: `${cname(c)} may run as root: neither it nor the pod sets securityContext.runAsNonRoot: true` });
    }
  }
  return out;
};

const runAsUser: PssCheckFn = ({ tpl, containers }) => {
  const out: PssViolation[] = [];
  if (podSc(tpl)?.['runAsUser'] === 0) out.push({ path: pPath(tpl, 'runAsUser'), message: 'the pod runs as root (securityContext.runAsUser: 0)' });
  for (const c of containers) {
    if (sc(c)?.['runAsUser'] === 0) out.push({ path: cPath(c, 'runAsUser'), message: `${cname(c)} runs as root (securityContext.runAsUser: 0)` });
  }
  return out;
};

const seccompRestricted: PssCheckFn = ({ tpl, containers }) => {
  const out: PssViolation[] = [];
  const pod = asObject(podSc(tpl)?.['seccompProfile']);
  let podSet = false;
  if (pod) {
    if (!seccompTypeOk(pod['type'])) out.push({ path: pPath(tpl, 'seccompProfile', 'type'), message: `the pod sets seccomp profile type ${q(goString(pod['type']))}; restricted requires RuntimeDefault or Localhost` });
    else podSet = true;
  }
  for (const c of containers) {
    const p = asObject(sc(c)?.['seccompProfile']);
    if (p) {
      if (!seccompTypeOk(p['type'])) out.push({ path: cPath(c, 'seccompProfile', 'type'), message: `${cname(c)} sets seccomp profile type ${q(goString(p['type']))}; restricted requires RuntimeDefault or Localhost` });
    } else if (!podSet) {
      out.push({ path: cPath(c, 'seccompProfile', 'type'), message: `${cname(c)} runs without a seccomp profile: neither it nor the pod sets securityContext.seccompProfile.type to RuntimeDefault or Localhost` });
    }
  }
  return out;
};

// ---- registry --------------------------------------------------------------------------------------

export const PSS_CHECKS: readonly PssCheckDef[] = [
  { id: 'privileged', level: 'baseline', versions: [{ min: 0, fn: privileged }] },
  { id: 'hostNamespaces', level: 'baseline', versions: [{ min: 0, fn: hostNamespaces }] },
  { id: 'capabilities_baseline', level: 'baseline', versions: [{ min: 0, fn: capabilitiesBaseline }] },
  { id: 'hostPathVolumes', level: 'baseline', versions: [{ min: 0, fn: hostPathVolumes }] },
  { id: 'hostPorts', level: 'baseline', versions: [{ min: 0, fn: hostPorts }] },
  { id: 'appArmorProfile', level: 'baseline', versions: [{ min: 0, fn: appArmorProfile }] },
  {
    id: 'seLinuxOptions',
    level: 'baseline',
    versions: [
      { min: 0, fn: seLinux(SELINUX_1_0) },
      { min: 31, fn: seLinux(SELINUX_1_31) },
    ],
  },
  {
    id: 'procMount',
    level: 'baseline',
    versions: [
      { min: 0, fn: procMountStrict },
      { min: 35, fn: userNamespaceExempt(procMountStrict) },
    ],
  },
  {
    id: 'seccompProfile_baseline',
    level: 'baseline',
    versions: [
      { min: 0, fn: seccompBaseline_1_0 },
      { min: 19, fn: seccompBaseline_1_19 },
    ],
  },
  {
    id: 'sysctls',
    level: 'baseline',
    versions: [
      { min: 0, fn: sysctls(SYSCTLS_1_0) },
      { min: 27, fn: sysctls(SYSCTLS_1_27) },
      { min: 29, fn: sysctls(SYSCTLS_1_29) },
      { min: 32, fn: sysctls(SYSCTLS_1_32) },
      { min: 37, fn: sysctls(SYSCTLS_1_37) },
    ],
  },
  { id: 'windowsHostProcess', level: 'baseline', versions: [{ min: 0, fn: windowsHostProcess }] },
  { id: 'hostProbesAndHostLifecycle', level: 'baseline', versions: [{ min: 34, fn: hostProbesAndHostLifecycle }] },
  { id: 'restrictedVolumes', level: 'restricted', versions: [{ min: 0, fn: restrictedVolumes, overrides: ['hostPathVolumes'] }] },
  {
    id: 'allowPrivilegeEscalation',
    level: 'restricted',
    versions: [
      { min: 8, fn: allowPrivilegeEscalation },
      { min: 25, fn: windowsExempt(allowPrivilegeEscalation) },
    ],
  },
  {
    id: 'runAsNonRoot',
    level: 'restricted',
    versions: [
      { min: 0, fn: runAsNonRoot },
      { min: 35, fn: userNamespaceExempt(runAsNonRoot) },
    ],
  },
  {
    id: 'runAsUser',
    level: 'restricted',
    versions: [
      { min: 23, fn: runAsUser },
      { min: 35, fn: userNamespaceExempt(runAsUser) },
    ],
  },
  {
    id: 'seccompProfile_restricted',
    level: 'restricted',
    versions: [
      { min: 19, fn: seccompRestricted, overrides: ['seccompProfile_baseline'] },
      { min: 25, fn: windowsExempt(seccompRestricted), overrides: ['seccompProfile_baseline'] },
    ],
  },
  {
    id: 'capabilities_restricted',
    level: 'restricted',
    versions: [
      { min: 22, fn: capabilitiesRestricted, overrides: ['capabilities_baseline'] },
      { min: 25, fn: windowsExempt(capabilitiesRestricted), overrides: ['capabilities_baseline'] },
    ],
  },
  { id: 'procMount_restricted', level: 'restricted', versions: [{ min: 35, fn: procMountStrict, overrides: ['procMount'] }] },
];

export const PSS_CHECK_IDS: readonly string[] = PSS_CHECKS.map((c) => c.id);

export interface ResolvedCheck {
  readonly id: string;
  readonly level: PssLevel;
  readonly fn: PssCheckFn;
}

const resolved = new Map<string, readonly ResolvedCheck[]>();

/** The checks upstream evaluates for `level` at policy version v1.`minor` (clamped to the newest). */
export function checksFor(level: PssLevel, minor: number): readonly ResolvedCheck[] {
  const m = Math.min(Math.max(0, Math.trunc(minor)), PSS_MAX_MINOR);
  const key = `${level}/${m}`;
  const hit = resolved.get(key);
  if (hit) return hit;
  const active = (c: PssCheckDef): VersionedCheck | undefined => {
    let best: VersionedCheck | undefined;
    for (const v of c.versions) if (v.min <= m && (!best || v.min > best.min)) best = v;
    return best;
  };
  const out: ResolvedCheck[] = [];
  const overridden = new Set<string>();
  if (level === 'restricted') {
    for (const c of PSS_CHECKS) if (c.level === 'restricted') for (const o of active(c)?.overrides ?? []) overridden.add(o);
  }
  for (const c of PSS_CHECKS) {
    if (c.level === 'restricted' && level === 'baseline') continue;
    if (overridden.has(c.id)) continue;
    const v = active(c);
    if (v) out.push({ id: c.id, level: c.level, fn: v.fn });
  }
  resolved.set(key, out);
  return out;
}

/**
 * The baseline checks that restricted replaces at policy version v1.`minor` (`OverrideCheckIDs`), each
 * with the id of the restricted check that replaces it. Restricted is stricter, so whatever the
 * baseline check forbids its replacement forbids too: used to grade those violations as baseline ones.
 */
export function replacedBaselineChecks(minor: number): readonly { readonly baseline: ResolvedCheck; readonly by: string }[] {
  const m = Math.min(Math.max(0, Math.trunc(minor)), PSS_MAX_MINOR);
  const baseline = new Map(checksFor('baseline', m).map((c) => [c.id, c]));
  const out: { baseline: ResolvedCheck; by: string }[] = [];
  for (const c of PSS_CHECKS) {
    if (c.level !== 'restricted') continue;
    let best: VersionedCheck | undefined;
    for (const v of c.versions) if (v.min <= m && (!best || v.min > best.min)) best = v;
    for (const o of best?.overrides ?? []) {
      const b = baseline.get(o);
      if (b) out.push({ baseline: b, by: c.id });
    }
  }
  return out;
}

/** Run one resolved check on a template. */
export function runCheck(tpl: PodTemplate, check: ResolvedCheck): PssViolation[] {
  return check.fn({ tpl, containers: containersOf(tpl) });
}

/**
 * Run the resolved checks on one pod template: check id → violations (only failing checks). `include`
 * skips checks nobody wants (rules turned off); upstream conformance runs every check.
 */
export function evaluatePss(tpl: PodTemplate, level: PssLevel, minor: number, include?: (checkId: string) => boolean): Map<string, PssViolation[]> {
  const input: PssInput = { tpl, containers: containersOf(tpl) };
  const out = new Map<string, PssViolation[]>();
  for (const c of checksFor(level, minor)) {
    if (include !== undefined && !include(c.id)) continue;
    const v = c.fn(input);
    if (v.length > 0) out.set(c.id, v);
  }
  return out;
}
