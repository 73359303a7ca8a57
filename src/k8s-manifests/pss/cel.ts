/**
 * Exact CEL for the PSS checks that are one field test, the same at every policy version, with no
 * exemption (Windows, user namespaces): privileged, hostNamespaces, hostPathVolumes. True when the
 * object passes; over every pod spec of the object (workload-cel.ts). The other checks depend on the
 * policy version, on defaults across pod and container, or on allow-lists that upstream revises, and
 * get no CEL.
 */
import { celForEveryPod } from '../workload-cel.js';

/** Upstream check id → CEL. */
export const PSS_CEL: ReadonlyMap<string, string> = new Map([
  // check_privileged.go: securityContext.privileged == true on any container.
  ['privileged', celForEveryPod({ container: (c) => `${c}.?securityContext.?privileged.orValue(false) != true` })],
  // check_hostNamespaces.go: hostNetwork, hostPID or hostIPC true.
  ['hostNamespaces', celForEveryPod({ pod: (spec) => ['hostNetwork', 'hostPID', 'hostIPC'].map((f) => `${spec}.?${f}.orValue(false) != true`).join(' && ') })],
  // check_hostPathVolumes.go: any volume with a hostPath source.
  ['hostPathVolumes', celForEveryPod({ pod: (spec) => `${spec}.?volumes.orValue([]).all(v, v.?hostPath.orValue(null) == null)` })],
]);
