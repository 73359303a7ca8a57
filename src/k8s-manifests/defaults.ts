/**
 * API-server defaulting that the checks depend on, applied to `ManifestObject.value` at load time.
 *
 * Applied here (it changes what a check sees):
 * - `SetDefaults_Volume`: a pod volume whose every source field is absent or null becomes
 *   `emptyDir: {}` (k8s.io/kubernetes pkg/apis/core/v1/defaults.go). Unknown keys do not count as a
 *   source: the decoder drops them, so `{name: x, hostpath: {...}}` (a typo) is an emptyDir too.
 *   Upstream PSA's `restrictedVolumes` relies on this (fixture restricted/pass/restrictedvolumes0).
 *
 * Read with their default by the rules themselves (nothing is injected, so positions stay honest):
 * `serviceAccountName` (`default`), `automountServiceAccountToken` (true), Service `type`
 * (`ClusterIP`) and port `protocol` (`TCP`), `targetPort` (= `port`), container port `protocol`,
 * NetworkPolicy `policyTypes` (network-policy/, K2).
 */
import type { JsonObject, ManifestObject } from './model.js';
import { podTemplatesOf, volumesOf } from './workloads.js';

/** Every field of `core/v1.VolumeSource` (a volume's source is the one non-null field among these). */
export const VOLUME_SOURCES: readonly string[] = [
  'hostPath',
  'emptyDir',
  'gcePersistentDisk',
  'awsElasticBlockStore',
  'gitRepo',
  'secret',
  'nfs',
  'iscsi',
  'glusterfs',
  'persistentVolumeClaim',
  'rbd',
  'flexVolume',
  'cinder',
  'cephfs',
  'flocker',
  'downwardAPI',
  'fc',
  'azureFile',
  'configMap',
  'vsphereVolume',
  'quobyte',
  'azureDisk',
  'photonPersistentDisk',
  'projected',
  'portworxVolume',
  'scaleIO',
  'storageos',
  'csi',
  'ephemeral',
  'image',
];

function hasSource(v: JsonObject): boolean {
  for (const k of VOLUME_SOURCES) {
    if (Object.prototype.hasOwnProperty.call(v, k) && v[k] !== null && v[k] !== undefined) return true;
  }
  return false;
}

/** Mutates `obj.value` (called by the loader before the object is shared). */
export function applyDefaults(obj: ManifestObject): void {
  for (const t of podTemplatesOf(obj)) {
    for (const { volume } of volumesOf(t)) if (!hasSource(volume)) volume['emptyDir'] = {};
  }
}
