/**
 * `bulwark admission export --format vap`: the checks that CEL can express, as
 * ValidatingAdmissionPolicy + ValidatingAdmissionPolicyBinding objects (admissionregistration.k8s.io/v1,
 * Kubernetes 1.30+) for clusters that want no webhook.
 *
 * One policy per level at one PSS version (the version is fixed at export time), with one validation
 * per check: every PSS check of that level and version (resolved as upstream does, restricted
 * overriding some baseline checks) and the Bulwark rules of that level whose logic is an exact field
 * test. One binding per mode and level selects the namespaces by the same labels as the webhook
 * (`bulwark.dev/enforce: restricted` → Deny, `warn` → Warn, `audit` → Audit).
 *
 * The CEL uses only `has()`, comprehensions, `matches()` and `in` (no optional types), so any
 * Kubernetes VAP and the maintained ECMAScript evaluator (@bufbuild/cel, in the tests) both run it; the
 * tests evaluate every expression against the same fixtures as the webhook (docs/admission.md has the
 * agreement table and the list of what CEL cannot express).
 */
import { stringify } from 'yaml';
import type { Mode } from './policy.js';
import { firstSentence } from './messages.js';
import { ADMISSION_REGISTRY } from './review.js';
import type { RuleSelection } from '../rules/index.js';
import { DEFAULT_SELECTION } from '../rules/index.js';
import { PSS_MAX_MINOR, parsePssVersion } from '../k8s-manifests/index.js';

export type VapLevel = 'baseline' | 'restricted';

/** One validation: the rule (and PSS check) it implements and CEL that is true when the object passes. */
export interface CelCheck {
  readonly ruleId: string;
  /** Upstream PSS check id, for PSS rules. */
  readonly pssCheck?: string;
  readonly expression: string;
}

/** Variables of every policy (VAP `spec.variables`, in order; later ones use earlier ones). */
export const CEL_VARIABLES: readonly { readonly name: string; readonly expression: string }[] = [
  // The pod template: the Pod itself, or the controller's template.
  {
    name: 'tpl',
    expression: "object.kind == 'Pod' ? object : object.kind == 'PodTemplate' ? object.template : object.kind == 'CronJob' ? object.spec.jobTemplate.spec.template : object.spec.template",
  },
  { name: 'spec', expression: 'variables.tpl.spec' },
  { name: 'annotations', expression: 'has(variables.tpl.metadata) && has(variables.tpl.metadata.annotations) ? variables.tpl.metadata.annotations : {}' },
  { name: 'objectAnnotations', expression: 'has(object.metadata) && has(object.metadata.annotations) ? object.metadata.annotations : {}' },
  {
    name: 'containers',
    expression:
      '(has(variables.spec.initContainers) ? variables.spec.initContainers : []) + (has(variables.spec.containers) ? variables.spec.containers : []) + (has(variables.spec.ephemeralContainers) ? variables.spec.ephemeralContainers : [])',
  },
];

const S = 'variables.spec';
const C = 'variables.containers';
const A = 'variables.annotations';

/** `has(a.b) && has(a.b.c) …` for a path under `base`. */
function hasPath(base: string, path: readonly string[]): string {
  const parts: string[] = [];
  let cur = base;
  for (const seg of path) {
    cur = `${cur}.${seg}`;
    parts.push(`has(${cur})`);
  }
  return parts.join(' && ');
}

/** `(has(...) && base.path == value)`: the field is set to `value`. */
const isSetTo = (base: string, path: readonly string[], value: string): string => `(${hasPath(base, path)} && ${base}.${path.join('.')} == ${value})`;
/** The field is absent, or satisfies `cond` (over the field's expression). */
const absentOr = (base: string, path: readonly string[], cond: (v: string) => string): string => `(!(${hasPath(base, path)}) || ${cond(`${base}.${path.join('.')}`)})`;
const list = (xs: readonly string[]): string => `[${xs.map((x) => `'${x}'`).join(', ')}]`;
const everyContainer = (pred: (c: string) => string): string => `${C}.all(c, ${pred('c')})`;

const WINDOWS = isSetTo(S, ['os', 'name'], "'windows'");
const HOST_USERS_FALSE = isSetTo(S, ['hostUsers'], 'false');
const windowsExempt = (e: string): string => `(${WINDOWS} || ${e})`;
const userNamespaceExempt = (e: string): string => `(${HOST_USERS_FALSE} || ${e})`;

// ---- PSS checks (checks.ts in the k8s domain is the reference; the fixture tests keep them equal) ------

const CAPS_BASELINE = ['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT'];
const SELINUX_1_0 = ['', 'container_t', 'container_init_t', 'container_kvm_t'];
const SELINUX_1_31 = [...SELINUX_1_0, 'container_engine_t'];
const SYSCTLS_1_0 = ['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_unprivileged_port_start'];
const SYSCTLS_1_27 = [...SYSCTLS_1_0, 'net.ipv4.ip_local_reserved_ports'];
const SYSCTLS_1_29 = [...SYSCTLS_1_27, 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes'];
const SYSCTLS_1_32 = [...SYSCTLS_1_29, 'net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem'];
const SYSCTLS_1_37 = [...SYSCTLS_1_32, 'net.ipv4.tcp_slow_start_after_idle', 'net.ipv4.tcp_notsent_lowat'];
const RESTRICTED_VOLUME_SOURCES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'image', 'persistentVolumeClaim', 'projected', 'secret'];
const PROFILE_TYPES = list(['RuntimeDefault', 'Localhost']);

const privileged = everyContainer((c) => `!${isSetTo(c, ['securityContext', 'privileged'], 'true')}`);
const hostNamespaces = ['hostNetwork', 'hostPID', 'hostIPC'].map((f) => `!${isSetTo(S, [f], 'true')}`).join(' && ');
const capabilitiesBaseline = everyContainer((c) => absentOr(c, ['securityContext', 'capabilities', 'add'], (add) => `${add}.all(x, x in ${list(CAPS_BASELINE)})`));
const hostPathVolumes = absentOr(S, ['volumes'], (v) => `${v}.all(v, !has(v.hostPath))`);
const hostPorts = everyContainer((c) => absentOr(c, ['ports'], (ps) => `${ps}.all(p, !has(p.hostPort) || p.hostPort == 0)`));
const profileTypeOk = (base: string, field: string): string => absentOr(base, ['securityContext', field], (p) => `(has(${p}.type) && ${p}.type in ${PROFILE_TYPES})`);
const appArmor = [
  profileTypeOk(S, 'appArmorProfile'),
  everyContainer((c) => profileTypeOk(c, 'appArmorProfile')),
  `${A}.all(k, !k.startsWith('container.apparmor.security.beta.kubernetes.io/') || ${A}[k] == '' || ${A}[k] == 'runtime/default' || ${A}[k].startsWith('localhost/'))`,
].join(' && ');
const seLinuxOk = (types: readonly string[]) => (o: string) => `((!has(${o}.type) || ${o}.type in ${list(types)}) && (!has(${o}.user) || ${o}.user == '') && (!has(${o}.role) || ${o}.role == ''))`;
const seLinux = (types: readonly string[]): string => `${absentOr(S, ['securityContext', 'seLinuxOptions'], seLinuxOk(types))} && ${everyContainer((c) => absentOr(c, ['securityContext', 'seLinuxOptions'], seLinuxOk(types)))}`;
const procMountStrict = everyContainer((c) => absentOr(c, ['securityContext', 'procMount'], (p) => `${p} == 'Default'`));
const SECCOMP_POD = 'seccomp.security.alpha.kubernetes.io/pod';
const seccompAnnotationOk = (v: string): string => `(${v} == 'runtime/default' || ${v} == 'docker/default' || ${v}.startsWith('localhost/'))`;
const seccompBaseline_1_0 = `(!('${SECCOMP_POD}' in ${A}) || ${seccompAnnotationOk(`${A}['${SECCOMP_POD}']`)}) && ${everyContainer(
  (c) => `(!(('container.seccomp.security.alpha.kubernetes.io/' + (has(${c}.name) ? ${c}.name : '')) in ${A}) || ${seccompAnnotationOk(`${A}['container.seccomp.security.alpha.kubernetes.io/' + (has(${c}.name) ? ${c}.name : '')]`)})`,
)}`;
const seccompBaseline_1_19 = `${profileTypeOk(S, 'seccompProfile')} && ${everyContainer((c) => profileTypeOk(c, 'seccompProfile'))}`;
const sysctls = (allowed: readonly string[]): string => absentOr(S, ['securityContext', 'sysctls'], (s) => `${s}.all(s, has(s.name) && s.name in ${list(allowed)})`);
const windowsHostProcess = `!${isSetTo(S, ['securityContext', 'windowsOptions', 'hostProcess'], 'true')} && ${everyContainer((c) => `!${isSetTo(c, ['securityContext', 'windowsOptions', 'hostProcess'], 'true')}`)}`;
const hostProbes = everyContainer((c) =>
  [
    ['livenessProbe'],
    ['readinessProbe'],
    ['startupProbe'],
    ['lifecycle', 'postStart'],
    ['lifecycle', 'preStop'],
  ]
    .flatMap((h) => ['httpGet', 'tcpSocket'].map((k) => absentOr(c, [...h, k, 'host'], (host) => `${host} == ''`)))
    .join(' && '),
);
const restrictedVolumes = absentOr(S, ['volumes'], (vs) => `${vs}.all(v, ${RESTRICTED_VOLUME_SOURCES.map((s) => `has(v.${s})`).join(' || ')})`);
const allowPrivilegeEscalation = everyContainer((c) => isSetTo(c, ['securityContext', 'allowPrivilegeEscalation'], 'false'));
const podRunAsNonRootTrue = isSetTo(S, ['securityContext', 'runAsNonRoot'], 'true');
const runAsNonRoot = `${absentOr(S, ['securityContext', 'runAsNonRoot'], (v) => `${v} == true`)} && ${everyContainer((c) => `(${hasPath(c, ['securityContext', 'runAsNonRoot'])} ? ${c}.securityContext.runAsNonRoot == true : ${podRunAsNonRootTrue})`)}`;
const runAsUser = `!${isSetTo(S, ['securityContext', 'runAsUser'], '0')} && ${everyContainer((c) => `!${isSetTo(c, ['securityContext', 'runAsUser'], '0')}`)}`;
const podSeccompSet = `(${hasPath(S, ['securityContext', 'seccompProfile', 'type'])} && ${S}.securityContext.seccompProfile.type in ${PROFILE_TYPES})`;
const seccompRestricted = `${profileTypeOk(S, 'seccompProfile')} && ${everyContainer(
  (c) => `(${hasPath(c, ['securityContext', 'seccompProfile'])} ? (has(${c}.securityContext.seccompProfile.type) && ${c}.securityContext.seccompProfile.type in ${PROFILE_TYPES}) : ${podSeccompSet})`,
)}`;
const capabilitiesRestricted = `${everyContainer((c) => `(${hasPath(c, ['securityContext', 'capabilities', 'drop'])} && 'ALL' in ${c}.securityContext.capabilities.drop)`)} && ${everyContainer((c) =>
  absentOr(c, ['securityContext', 'capabilities', 'add'], (add) => `${add}.all(x, x == 'NET_BIND_SERVICE')`),
)}`;

interface Versioned {
  readonly min: number;
  readonly cel: string;
  readonly overrides?: readonly string[];
}

interface PssCel {
  readonly id: string;
  readonly level: VapLevel;
  readonly versions: readonly Versioned[];
}

/** The PSS checks with their versions, as in the k8s domain's `PSS_CHECKS` (upstream policy/check_*.go). */
const PSS_CEL_CHECKS: readonly PssCel[] = [
  { id: 'privileged', level: 'baseline', versions: [{ min: 0, cel: privileged }] },
  { id: 'hostNamespaces', level: 'baseline', versions: [{ min: 0, cel: hostNamespaces }] },
  { id: 'capabilities_baseline', level: 'baseline', versions: [{ min: 0, cel: capabilitiesBaseline }] },
  { id: 'hostPathVolumes', level: 'baseline', versions: [{ min: 0, cel: hostPathVolumes }] },
  { id: 'hostPorts', level: 'baseline', versions: [{ min: 0, cel: hostPorts }] },
  { id: 'appArmorProfile', level: 'baseline', versions: [{ min: 0, cel: appArmor }] },
  {
    id: 'seLinuxOptions',
    level: 'baseline',
    versions: [
      { min: 0, cel: seLinux(SELINUX_1_0) },
      { min: 31, cel: seLinux(SELINUX_1_31) },
    ],
  },
  {
    id: 'procMount',
    level: 'baseline',
    versions: [
      { min: 0, cel: procMountStrict },
      { min: 35, cel: userNamespaceExempt(procMountStrict) },
    ],
  },
  {
    id: 'seccompProfile_baseline',
    level: 'baseline',
    versions: [
      { min: 0, cel: seccompBaseline_1_0 },
      { min: 19, cel: seccompBaseline_1_19 },
    ],
  },
  {
    id: 'sysctls',
    level: 'baseline',
    versions: [
      { min: 0, cel: sysctls(SYSCTLS_1_0) },
      { min: 27, cel: sysctls(SYSCTLS_1_27) },
      { min: 29, cel: sysctls(SYSCTLS_1_29) },
      { min: 32, cel: sysctls(SYSCTLS_1_32) },
      { min: 37, cel: sysctls(SYSCTLS_1_37) },
    ],
  },
  { id: 'windowsHostProcess', level: 'baseline', versions: [{ min: 0, cel: windowsHostProcess }] },
  { id: 'hostProbesAndHostLifecycle', level: 'baseline', versions: [{ min: 34, cel: hostProbes }] },
  { id: 'restrictedVolumes', level: 'restricted', versions: [{ min: 0, cel: restrictedVolumes, overrides: ['hostPathVolumes'] }] },
  {
    id: 'allowPrivilegeEscalation',
    level: 'restricted',
    versions: [
      { min: 8, cel: allowPrivilegeEscalation },
      { min: 25, cel: windowsExempt(allowPrivilegeEscalation) },
    ],
  },
  {
    id: 'runAsNonRoot',
    level: 'restricted',
    versions: [
      { min: 0, cel: runAsNonRoot },
      { min: 35, cel: userNamespaceExempt(runAsNonRoot) },
    ],
  },
  {
    id: 'runAsUser',
    level: 'restricted',
    versions: [
      { min: 23, cel: runAsUser },
      { min: 35, cel: userNamespaceExempt(runAsUser) },
    ],
  },
  {
    id: 'seccompProfile_restricted',
    level: 'restricted',
    versions: [
      { min: 19, cel: seccompRestricted, overrides: ['seccompProfile_baseline'] },
      { min: 25, cel: windowsExempt(seccompRestricted), overrides: ['seccompProfile_baseline'] },
    ],
  },
  {
    id: 'capabilities_restricted',
    level: 'restricted',
    versions: [
      { min: 22, cel: capabilitiesRestricted, overrides: ['capabilities_baseline'] },
      { min: 25, cel: windowsExempt(capabilitiesRestricted), overrides: ['capabilities_baseline'] },
    ],
  },
  { id: 'procMount_restricted', level: 'restricted', versions: [{ min: 35, cel: procMountStrict, overrides: ['procMount'] }] },
];

/** Rule id of each PSS check (the `k8s/pss-*` rules carry `pss:<check>` in their findings' controls). */
const PSS_RULE_IDS: Readonly<Record<string, string>> = {
  privileged: 'k8s/pss-privileged',
  hostNamespaces: 'k8s/pss-host-namespaces',
  capabilities_baseline: 'k8s/pss-capabilities-baseline',
  hostPathVolumes: 'k8s/pss-host-path-volumes',
  hostPorts: 'k8s/pss-host-ports',
  appArmorProfile: 'k8s/pss-apparmor-profile',
  seLinuxOptions: 'k8s/pss-selinux-options',
  procMount: 'k8s/pss-proc-mount',
  seccompProfile_baseline: 'k8s/pss-seccomp-baseline',
  sysctls: 'k8s/pss-sysctls',
  windowsHostProcess: 'k8s/pss-windows-host-process',
  hostProbesAndHostLifecycle: 'k8s/pss-host-probes',
  restrictedVolumes: 'k8s/pss-restricted-volumes',
  allowPrivilegeEscalation: 'k8s/pss-allow-privilege-escalation',
  runAsNonRoot: 'k8s/pss-run-as-non-root',
  runAsUser: 'k8s/pss-run-as-user',
  seccompProfile_restricted: 'k8s/pss-seccomp-restricted',
  capabilities_restricted: 'k8s/pss-capabilities-restricted',
  procMount_restricted: 'k8s/pss-proc-mount-restricted',
};

/** The PSS checks of `level` at policy version v1.`minor`, resolved as upstream does. */
export function pssCelChecks(level: VapLevel, minor: number): CelCheck[] {
  const m = Math.min(Math.max(0, Math.trunc(minor)), PSS_MAX_MINOR);
  const active = (c: PssCel): Versioned | undefined => {
    let best: Versioned | undefined;
    for (const v of c.versions) if (v.min <= m && (best === undefined || v.min > best.min)) best = v;
    return best;
  };
  const overridden = new Set<string>();
  if (level === 'restricted') for (const c of PSS_CEL_CHECKS) if (c.level === 'restricted') for (const o of active(c)?.overrides ?? []) overridden.add(o);
  const out: CelCheck[] = [];
  for (const c of PSS_CEL_CHECKS) {
    if (c.level === 'restricted' && level === 'baseline') continue;
    if (overridden.has(c.id)) continue;
    const v = active(c);
    if (v) out.push({ ruleId: PSS_RULE_IDS[c.id] ?? `k8s/pss-${c.id}`, pssCheck: c.id, expression: v.cel });
  }
  return out;
}

/** Upstream PSS check ids active at `level` and v1.`minor` (after restricted overrides). */
export function activePssChecks(level: VapLevel, minor: number): string[] {
  return pssCelChecks(level, minor).flatMap((c) => (c.pssCheck === undefined ? [] : [c.pssCheck]));
}

/** At restricted and v1.`minor`: replaced baseline check → the restricted check that replaces it. */
function replacements(minor: number): Map<string, string> {
  const m = Math.min(Math.max(0, Math.trunc(minor)), PSS_MAX_MINOR);
  const out = new Map<string, string>();
  for (const c of PSS_CEL_CHECKS) {
    if (c.level !== 'restricted') continue;
    let best: Versioned | undefined;
    for (const v of c.versions) if (v.min <= m && (best === undefined || v.min > best.min)) best = v;
    for (const o of best?.overrides ?? []) out.set(o, c.id);
  }
  return out;
}

/**
 * The PSS checks that failed at a level and version, from findings' `pss:<check>` controls. A finding
 * may name a baseline check that restricted replaces (a hostPath reported by the more specific
 * runtime-socket rule carries `pss:hostPathVolumes`): at restricted that means its replacement failed,
 * since restricted forbids whatever the replaced check forbids. Checks not active are left out.
 */
export function failedPssChecks(findings: readonly { readonly controls?: readonly string[] }[], level: VapLevel, version: string): string[] {
  const minor = parsePssVersion(version);
  const active = new Set(activePssChecks(level, minor));
  const replaced = level === 'restricted' ? replacements(minor) : new Map<string, string>();
  const out = new Set<string>();
  for (const f of findings) {
    for (const c of f.controls ?? []) {
      if (!c.startsWith('pss:')) continue;
      const id = c.slice(4);
      const check = active.has(id) ? id : replaced.get(id);
      if (check !== undefined && active.has(check)) out.add(check);
    }
  }
  return [...out].sort();
}

// ---- Bulwark rules expressible in CEL ----------------------------------------------------------------

/** image: the text after the first `@` is a valid digest (image-refs.ts). */
const PINNED = String.raw`^\s*[^@]*@[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}\s*$`;
/** image (before any `@`) ends in a non-empty tag: a `:` after the last `/`. */
const TAGGED = String.raw`^\s*[^@]*:[^:/@]+(?:@.*)?$`;
const LATEST = String.raw`^\s*[^@]*:latest\s*(?:@.*)?$`;
const EMPTY = String.raw`^\s*$`;
/** The distribution-spec reference grammar (image-refs.ts): placeholders such as `{{ .Values.image }}` are not judged. */
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const REFERENCE = `^\\s*(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?/)?${COMPONENT}(?:/${COMPONENT})*(?::[\\w][\\w.-]{0,127})?(?:@[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+)?\\s*$`;
const imageRule = (fires: (img: string) => string): string =>
  everyContainer((c) => `(!has(${c}.image) || ${c}.image.matches(r'${EMPTY}') || size(${c}.image) > 4096 || !${c}.image.matches(r'${REFERENCE}') || ${c}.image.matches(r'${PINNED}') || !(${fires(`${c}.image`)}))`);
/** Device-plugin resources (accelerators.ts DEVICE_RESOURCE). */
const DEVICE = String.raw`^(?:nvidia\.com/(?:gpu|gpu\.shared|mig-[\w.-]+)|amd\.com/gpu|gpu\.intel\.com/[\w.-]+|habana\.ai/gaudi\w*|aws\.amazon\.com/neuron(?:core|device)?|google\.com/tpu|cloud-tpus\.google\.com/[\w.-]+|(?:xilinx|amd)\.com/fpga[\w.-]*|qualcomm\.com/qaic)$`;
/** The device resources that make NVIDIA_VISIBLE_DEVICES / AMD_VISIBLE_DEVICES an allocation (nvidia.com/*, amd.com/*). */
const NVIDIA_AMD_DEVICE = String.raw`^(?:nvidia\.com/(?:gpu|gpu\.shared|mig-[\w.-]+)|amd\.com/(?:gpu|fpga[\w.-]*))$`;
const SANDBOX = String.raw`^(?i:kata|gvisor|runsc)(?:$|[-_.])`;
const TRUTHY = String.raw`^\s*(?i:true|yes|1)\s*$`;
/** NVIDIA_VISIBLE_DEVICES values that expose nothing, and the one that exposes everything. */
const IGNORED_DEVICES = String.raw`^\s*(?i:none|void)?\s*$`;
const ALL_DEVICES = String.raw`^\s*(?i:all)\s*$`;

/** `value` of a string annotation or a YAML bool is truthy (annotations.ts `truthy`). */
const truthy = (v: string): string => `(${v} == true || (type(${v}) == string && ${v}.matches(r'${TRUTHY}')))`;

function bulwarkChecks(sandboxRuntimeClasses: readonly string[]): (CelCheck & { readonly level: VapLevel })[] {
  const allocated = (c: string): string =>
    `((has(${c}.resources) && has(${c}.resources.limits) && ${c}.resources.limits.exists(r, r.matches(r'${NVIDIA_AMD_DEVICE}'))) || (has(${c}.resources) && has(${c}.resources.requests) && ${c}.resources.requests.exists(r, r.matches(r'${NVIDIA_AMD_DEVICE}'))))`;
  const extra = sandboxRuntimeClasses.length > 0 ? ` || ${S}.runtimeClassName in ${list(sandboxRuntimeClasses)}` : '';
  const UNTRUSTED = 'bulwark.dev/untrusted-models';
  return [
    {
      ruleId: 'k8s/gpu-request-without-limit',
      level: 'baseline',
      expression: everyContainer((c) =>
        absentOr(c, ['resources', 'requests'], (req) => `${req}.all(r, !r.matches(r'${DEVICE}') || (has(${c}.resources.limits) && r in ${c}.resources.limits && string(${c}.resources.limits[r]) == string(${req}[r])))`),
      ),
    },
    {
      ruleId: 'k8s/nvidia-visible-devices',
      level: 'baseline',
      expression: everyContainer((c) =>
        `${isSetTo(c, ['securityContext', 'privileged'], 'true')} || ` + absentOr(c, ['env'], (env) => `${env}.all(e, !has(e.name) || !(e.name in ['NVIDIA_VISIBLE_DEVICES', 'AMD_VISIBLE_DEVICES']) || !has(e.value) || e.value.matches(r'${IGNORED_DEVICES}') || (${allocated(c)} && !e.value.matches(r'${ALL_DEVICES}')))`),
      ),
    },
    { ruleId: 'k8s/image-latest', level: 'restricted', expression: imageRule((img) => `!${img}.matches(r'${TAGGED}') || ${img}.matches(r'${LATEST}')`) },
    { ruleId: 'k8s/image-not-pinned', level: 'restricted', expression: imageRule((img) => `${img}.matches(r'${TAGGED}') && !${img}.matches(r'${LATEST}')`) },
    {
      ruleId: 'k8s/default-service-account',
      level: 'restricted',
      expression: `(has(${S}.serviceAccountName) && ${S}.serviceAccountName != '') ? ${S}.serviceAccountName != 'default' : ((has(${S}.serviceAccount) && ${S}.serviceAccount != '') ? ${S}.serviceAccount != 'default' : false)`,
    },
    {
      ruleId: 'k8s/untrusted-model-without-sandbox',
      level: 'restricted',
      expression: `!(('${UNTRUSTED}' in variables.objectAnnotations) ? ${truthy(`variables.objectAnnotations['${UNTRUSTED}']`)} : (('${UNTRUSTED}' in ${A}) && ${truthy(`${A}['${UNTRUSTED}']`)})) || (has(${S}.runtimeClassName) && (${S}.runtimeClassName.matches(r'${SANDBOX}')${extra}))`,
    },
  ];
}

/** Rules that run at admission but cannot be expressed in CEL exactly, and why (docs/admission.md). */
export const NOT_EXPRESSIBLE: readonly { readonly ruleId: string; readonly why: string }[] = [
  { ruleId: 'k8s/runtime-socket-mount', why: 'host paths are normalised (`//`, `.`, `..`) before matching the socket and directory list; CEL has no path normalisation, and a regular expression over raw paths is bypassed by `/var/run/../run/docker.sock`' },
  { ruleId: 'k8s/gpu-device-host-access', why: 'the same path normalisation, and the "looks like a GPU pod" heuristic over images and environment' },
  { ruleId: 'k8s/secret-in-env', why: 'detection by variable names and value formats (entropy, key prefixes) with exclusions; a CEL approximation would be a different rule' },
  { ruleId: 'k8s/cloud-credentials', why: 'recognises long-lived cloud keys by provider formats and decodes Secret values' },
  { ruleId: 'k8s/model-volume-writable', why: 'model volumes are recognised by mount paths, volume names and images (heuristic)' },
  { ruleId: 'k8s/invalid-suppression', why: 'parses the `bulwark.dev/suppress` annotation against the list of rule ids' },
  { ruleId: 'bulwark.dev/suppress annotations', why: 'the webhook can honour suppressions (`--honor-suppressions`); the exported policy never does' },
  { ruleId: 'scan/malformed-input, scan/limit-exceeded', why: 'fail-closed answers to objects that are not what `request.kind` says or nest too deep; the API server only sends well-typed objects to a VAP' },
  { ruleId: 'namespace version labels', why: 'the PSS version is fixed when exporting (`--pss-version`); `bulwark.dev/<mode>-version` labels are not read' },
  { ruleId: 'invalid namespace labels', why: 'the webhook judges a namespace with an invalid level label at restricted:latest; bindings select only the valid values' },
  { ruleId: 'PSA update rules', why: 'the webhook skips updates that do not change what pods run (PSA `isSignificantPodUpdate`); the policy approximates this with a match condition that skips updates leaving the pod spec unchanged' },
];

export interface VapOptions {
  /** `latest` or `v1.N`. */
  readonly version: string;
  readonly levels?: readonly VapLevel[];
  readonly modes?: readonly Mode[];
  /** Name prefix of the exported objects (default `bulwark`). */
  readonly prefix?: string;
  /** Rules the selection turns off are left out. */
  readonly selection?: RuleSelection;
  readonly exemptions?: { readonly namespaces?: readonly string[]; readonly usernames?: readonly string[]; readonly runtimeClasses?: readonly string[] };
  readonly sandboxRuntimeClasses?: readonly string[];
  /** Namespaces no binding selects (Bulwark's own, kube-system); default kube-system. */
  readonly excludedNamespaces?: readonly string[];
}

/** The validations of one level (rules the selection turns off left out). */
export function vapChecks(level: VapLevel, version: string, selection: RuleSelection = DEFAULT_SELECTION, sandboxRuntimeClasses: readonly string[] = []): CelCheck[] {
  const minor = parsePssVersion(version);
  const enabled = (id: string): boolean => {
    const r = ADMISSION_REGISTRY.get(id);
    return r !== undefined && selection.state(r).enabled;
  };
  const bulwark = bulwarkChecks(sandboxRuntimeClasses).filter((c) => level === 'restricted' || c.level === 'baseline');
  return [...pssCelChecks(level, minor), ...bulwark.map(({ ruleId, expression }) => ({ ruleId, expression }))].filter((c) => enabled(c.ruleId));
}

const ACTIONS: Readonly<Record<Mode, string>> = { enforce: 'Deny', warn: 'Warn', audit: 'Audit' };

const RESOURCE_RULES = [
  { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods', 'pods/ephemeralcontainers', 'replicationcontrollers', 'podtemplates'] },
  { apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['deployments', 'replicasets', 'statefulsets', 'daemonsets'] },
  { apiGroups: ['batch'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['jobs', 'cronjobs'] },
];

/** The objects of the export, in order (policies, then bindings). */
export function vapObjects(o: VapOptions): object[] {
  const prefix = o.prefix ?? 'bulwark';
  const levels = o.levels ?? ['baseline', 'restricted'];
  const modes = o.modes ?? ['enforce', 'warn', 'audit'];
  const version = o.version;
  parsePssVersion(version);
  const vname = version.replace('.', '-');
  const matchConditions: { name: string; expression: string }[] = [
    {
      name: 'significant-change',
      expression:
        "request.operation != 'UPDATE' || oldObject == null || (object.kind == 'Pod' ? object.spec != oldObject.spec : object.kind == 'PodTemplate' ? object.template != oldObject.template : object.kind == 'CronJob' ? object.spec.jobTemplate.spec.template != oldObject.spec.jobTemplate.spec.template : object.spec.template != oldObject.spec.template)",
    },
  ];
  const users = o.exemptions?.usernames ?? [];
  if (users.length > 0) matchConditions.push({ name: 'exempt-users', expression: `!(request.userInfo.username in ${list(users)})` });
  const rcs = o.exemptions?.runtimeClasses ?? [];
  if (rcs.length > 0) {
    matchConditions.push({
      name: 'exempt-runtime-classes',
      expression: `!((object.kind == 'Pod' ? (has(object.spec.runtimeClassName) ? object.spec.runtimeClassName : '') : object.kind == 'CronJob' ? (has(object.spec.jobTemplate.spec.template.spec.runtimeClassName) ? object.spec.jobTemplate.spec.template.spec.runtimeClassName : '') : object.kind == 'PodTemplate' ? (has(object.template.spec.runtimeClassName) ? object.template.spec.runtimeClassName : '') : (has(object.spec.template.spec.runtimeClassName) ? object.spec.template.spec.runtimeClassName : '')) in ${list(rcs)})`,
    });
  }
  const out: object[] = [];
  for (const level of levels) {
    const checks = vapChecks(level, version, o.selection, o.sandboxRuntimeClasses);
    out.push({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name: `${prefix}-${level}-${vname}`, labels: { 'app.kubernetes.io/managed-by': 'bulwark', 'bulwark.dev/level': level, 'bulwark.dev/version': version } },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: { resourceRules: RESOURCE_RULES },
        matchConditions,
        variables: CEL_VARIABLES,
        validations: checks.map((c) => {
          const rule = ADMISSION_REGISTRY.get(c.ruleId);
          const what = rule === undefined ? c.ruleId : `${c.ruleId}: ${rule.title}`;
          return { expression: c.expression, message: `${what} (${level}:${version}); fix: ${firstSentence(rule?.remediation ?? '')}`, reason: 'Forbidden' };
        }),
      },
    });
  }
  const excluded = [...new Set(['kube-system', ...(o.excludedNamespaces ?? []), ...(o.exemptions?.namespaces ?? [])])].sort();
  for (const mode of modes) {
    for (const level of levels) {
      out.push({
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind: 'ValidatingAdmissionPolicyBinding',
        metadata: { name: `${prefix}-${mode}-${level}-${vname}`, labels: { 'app.kubernetes.io/managed-by': 'bulwark' } },
        spec: {
          policyName: `${prefix}-${level}-${vname}`,
          validationActions: mode === 'enforce' ? ['Deny'] : [ACTIONS[mode]],
          matchResources: {
            namespaceSelector: {
              matchExpressions: [
                { key: `bulwark.dev/${mode}`, operator: 'In', values: [level] },
                { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: excluded },
              ],
            },
          },
        },
      });
    }
  }
  return out;
}

/** The export as multi-document YAML. */
export function exportVap(o: VapOptions): string {
  const header = `# Generated by \`bulwark admission export --format vap --pss-version ${o.version}\`: Pod Security Standards (${o.version}) and the\n# Bulwark rules that CEL expresses exactly, as ValidatingAdmissionPolicies (Kubernetes 1.30+). See docs/admission.md.\n`;
  return header + vapObjects(o).map((x) => `---\n${stringify(x, { lineWidth: 0 })}`).join('');
}

export { PSS_RULE_IDS };
