/**
 * A cheap gate in front of the Kubernetes single-object rules on audited objects. Running the rules on
 * an object costs a few hundred microseconds (defaulting, indexing, every admission check); most pods a
 * cluster creates carry none of the fields that make a pod reach its node. The gate answers "could any
 * of the escape checks fire?" — privileged, added capabilities, procMount, Windows host process,
 * host namespaces, hostPath volumes — by looking only at whether those fields are present; the
 * Kubernetes rules still decide. Unknown kinds (custom resources with pod templates) always pass.
 */
import type { Json, JsonObject } from '../k8s-manifests/index.js';

function o(v: Json | undefined): JsonObject | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? v : undefined;
}

function podSpecOf(obj: JsonObject): JsonObject | undefined | 'unknown' {
  const spec = o(obj['spec']);
  switch (obj['kind']) {
    case 'Pod':
      return spec;
    case 'Deployment':
    case 'DaemonSet':
    case 'StatefulSet':
    case 'ReplicaSet':
    case 'Job':
    case 'ReplicationController':
      return o(o(spec?.['template'])?.['spec']);
    case 'CronJob':
      return o(o(o(o(spec?.['jobTemplate'])?.['spec'])?.['template'])?.['spec']);
    default:
      return 'unknown';
  }
}

function containerRisky(c: Json): boolean {
  const sc = o(o(c)?.['securityContext']);
  if (sc === undefined) return false;
  if (sc['privileged'] === true) return true;
  const add = o(sc['capabilities'])?.['add'];
  if (Array.isArray(add) && add.length > 0) return true;
  if (sc['procMount'] !== undefined && sc['procMount'] !== 'Default') return true;
  return o(sc['windowsOptions'])?.['hostProcess'] === true;
}

/** Whether the object may break pod isolation (then the Kubernetes rules run on it). */
export function mayBreakIsolation(obj: JsonObject): boolean {
  const spec = podSpecOf(obj);
  if (spec === 'unknown') return true;
  if (spec === undefined) return false;
  if (spec['hostNetwork'] === true || spec['hostPID'] === true || spec['hostIPC'] === true) return true;
  if (o(o(spec['securityContext'])?.['windowsOptions'])?.['hostProcess'] === true) return true;
  const volumes = spec['volumes'];
  if (Array.isArray(volumes)) for (const v of volumes) if (o(v)?.['hostPath'] !== undefined) return true;
  for (const key of ['containers', 'initContainers', 'ephemeralContainers']) {
    const list = spec[key];
    if (Array.isArray(list)) for (const c of list) if (containerRisky(c)) return true;
  }
  return false;
}
