/**
 * Falco's public k8s-audit regression expectations, as data (test-only; left out of the build):
 *
 * - the legacy test matrix, falcosecurity/falco `test/falco_k8s_audit_tests.yaml` (trace files under
 *   `test/trace_files/k8s_audit/`, copied to test-fixtures/audit/falco with their README): each case's
 *   trace, rule-file overrides, `detect`, `detect_level` and `detect_counts`;
 * - the assertions of the current testing repository, falcosecurity/testing
 *   `tests/falco/k8saudit_test.go` (`TestLegacy_*`: `ForRule(name).Count()`, `ForPriority(p)` non-zero,
 *   `Detections().Count()` zero), which run the same traces.
 *
 * Falco's override files become Bulwark policy data: `allow_namespace_foo.yaml` → `falco.allowedNamespaces`,
 * `allow_user_some-user.yaml` → `falco.allowedUsers`, `trust_nginx_container.yaml` → the image lists,
 * `allow_(nginx|only_apache)_container.yaml` → `falco.allowedPodImages` (and the rule enabled, as the
 * override makes Falco's always-true macro a real test), `disallow_kactivity.yaml` → the rules whose
 * condition uses `kactivity` turned off. The `compat_engine_v4_*` cases run the same traces with an
 * older rules file and expect the same results; they are kept with their names.
 */

export interface FalcoRegressionCase {
  /** The case name in falco_k8s_audit_tests.yaml. */
  readonly name: string;
  /** The TestLegacy_* function of falcosecurity/testing asserting the same, when there is one. */
  readonly testing?: string;
  readonly trace: string;
  readonly overrides?: readonly ('allow_namespace_foo' | 'allow_user_some-user' | 'disallow_kactivity' | 'trust_nginx_container' | 'allow_nginx_container' | 'allow_only_apache_container')[];
  readonly detect: boolean;
  readonly level?: 'WARNING' | 'NOTICE' | 'INFO' | 'ERROR';
  /** Falco rule name → expected number of alerts. */
  readonly counts?: Readonly<Record<string, number>>;
  /** The testing repository asserts that no alert at all is produced. */
  readonly zero?: boolean;
}

/** Traces the index did not hold, rebuilt from a sibling trace (test-fixtures/audit/falco/README.md). */
const UNPRIV = 'derived_create_nginx_pod_unprivileged.json';
const SENS = 'derived_create_nginx_pod_sensitive_mount.json';

export const FALCO_REGRESSION: readonly FalcoRegressionCase[] = [
  { name: 'compat_engine_v4_create_disallowed_pod', testing: 'TestLegacy_CompatEngineV4CreateDisallowedPod', trace: UNPRIV, overrides: ['allow_only_apache_container'], detect: true, level: 'WARNING', counts: { 'Create Disallowed Pod': 1 } },
  { name: 'compat_engine_v4_create_allowed_pod', testing: 'TestLegacy_CompatEngineV4CreateAllowedPod', trace: UNPRIV, overrides: ['allow_nginx_container'], detect: false },
  { name: 'compat_engine_v4_create_privileged_pod', testing: 'TestLegacy_CompatEngineV4CreatePrivilegedPod', trace: 'create_nginx_pod_privileged.json', detect: true, level: 'WARNING', counts: { 'Create Privileged Pod': 1 } },
  { name: 'compat_engine_v4_create_privileged_trusted_pod', testing: 'TestLegacy_CompatEngineV4CreatePrivilegedTrustedPod', trace: 'create_nginx_pod_privileged.json', overrides: ['trust_nginx_container'], detect: false },
  { name: 'compat_engine_v4_create_unprivileged_pod', testing: 'TestLegacy_CompatEngineV4CreateUnprivilegedPod', trace: UNPRIV, detect: false },
  { name: 'compat_engine_v4_create_hostnetwork_pod', testing: 'TestLegacy_CompatEngineV4CreateHostnetworkPod', trace: 'create_nginx_pod_hostnetwork.json', detect: true, level: 'WARNING', counts: { 'Create HostNetwork Pod': 1 } },
  { name: 'compat_engine_v4_create_hostnetwork_trusted_pod', testing: 'TestLegacy_CompatEngineV4CreateHostnetworkTrustedPod', trace: 'create_nginx_pod_hostnetwork.json', overrides: ['trust_nginx_container'], detect: false },
  { name: 'user_outside_allowed_set', testing: 'TestLegacy_UserOutsideAllowedSet', trace: 'some-user_creates_namespace_foo.json', overrides: ['allow_namespace_foo'], detect: true, level: 'WARNING', counts: { 'Disallowed K8s User': 1 } },
  { name: 'user_in_allowed_set', testing: 'TestLegacy_UserInAllowedSet', trace: 'some-user_creates_namespace_foo.json', overrides: ['allow_namespace_foo', 'allow_user_some-user', 'disallow_kactivity'], detect: false },
  { name: 'create_disallowed_pod', testing: 'TestLegacy_CreateDisallowedPod', trace: UNPRIV, overrides: ['allow_only_apache_container'], detect: true, level: 'WARNING', counts: { 'Create Disallowed Pod': 1 } },
  { name: 'create_allowed_pod', testing: 'TestLegacy_CreateAllowedPod', trace: UNPRIV, overrides: ['allow_nginx_container'], detect: false },
  { name: 'create_privileged_pod', testing: 'TestLegacy_CreatePrivilegedPod', trace: 'create_nginx_pod_privileged.json', detect: true, level: 'WARNING', counts: { 'Create Privileged Pod': 1 } },
  { name: 'create_privileged_no_secctx_1st_container_2nd_container_pod', testing: 'TestLegacy_CreatePrivilegedNoSecctx1StContainer2NdContainerPod', trace: 'create_nginx_pod_no_secctx_1st_container_privileged_2nd_container.json', detect: true, level: 'WARNING', counts: { 'Create Privileged Pod': 1 } },
  { name: 'create_privileged_2nd_container_pod', testing: 'TestLegacy_CreatePrivileged2NdContainerPod', trace: 'create_nginx_pod_privileged_2nd_container.json', detect: true, level: 'WARNING', counts: { 'Create Privileged Pod': 1 } },
  { name: 'create_privileged_trusted_pod', testing: 'TestLegacy_CreatePrivilegedTrustedPod', trace: 'create_nginx_pod_privileged.json', overrides: ['trust_nginx_container'], detect: false },
  { name: 'create_unprivileged_pod', testing: 'TestLegacy_CreateUnprivilegedPod', trace: UNPRIV, detect: false },
  { name: 'create_unprivileged_trusted_pod', testing: 'TestLegacy_CreateUnprivilegedTrustedPod', trace: UNPRIV, overrides: ['trust_nginx_container'], detect: false },
  { name: 'create_sensitive_mount_pod', testing: 'TestLegacy_CreateSensitiveMountPod', trace: SENS, detect: true, level: 'WARNING', counts: { 'Create Sensitive Mount Pod': 1 } },
  { name: 'create_sensitive_mount_2nd_container_pod', testing: 'TestLegacy_CreateSensitiveMount2NdContainerPod', trace: 'create_nginx_pod_sensitive_mount_2nd_container.json', detect: true, level: 'WARNING', counts: { 'Create Sensitive Mount Pod': 1 } },
  { name: 'create_sensitive_mount_trusted_pod', testing: 'TestLegacy_CreateSensitiveMountTrustedPod', trace: SENS, overrides: ['trust_nginx_container'], detect: false },
  { name: 'create_unsensitive_mount_pod', testing: 'TestLegacy_CreateUnsensitiveMountPod', trace: 'create_nginx_pod_unsensitive_mount.json', detect: false },
  { name: 'create_unsensitive_mount_trusted_pod', testing: 'TestLegacy_CreateUnsensitiveMountTrustedPod', trace: 'create_nginx_pod_unsensitive_mount.json', overrides: ['trust_nginx_container'], detect: false },
  { name: 'create_hostnetwork_pod', testing: 'TestLegacy_CreateHostnetworkPod', trace: 'create_nginx_pod_hostnetwork.json', detect: true, level: 'WARNING', counts: { 'Create HostNetwork Pod': 1 } },
  { name: 'create_hostnetwork_trusted_pod', testing: 'TestLegacy_CreateHostnetworkTrustedPod', trace: 'create_nginx_pod_hostnetwork.json', overrides: ['trust_nginx_container'], detect: false },
  { name: 'create_nohostnetwork_pod', testing: 'TestLegacy_CreateNohostnetworkPod', trace: 'create_nginx_pod_nohostnetwork.json', detect: false },
  { name: 'create_nohostnetwork_trusted_pod', testing: 'TestLegacy_CreateNohostnetworkTrustedPod', trace: 'create_nginx_pod_nohostnetwork.json', overrides: ['trust_nginx_container'], detect: false },
  { name: 'create_nodeport_service', testing: 'TestLegacy_CreateNodeportService', trace: 'create_nginx_service_nodeport.json', overrides: ['disallow_kactivity'], detect: true, level: 'WARNING', counts: { 'Create NodePort Service': 1 } },
  { name: 'create_nonodeport_service', testing: 'TestLegacy_CreateNonodeportService', trace: 'create_nginx_service_nonodeport.json', overrides: ['disallow_kactivity'], detect: false },
  { name: 'create_configmap_private_creds', testing: 'TestLegacy_CreateConfigmapPrivateCreds', trace: 'create_configmap_sensitive_values.json', overrides: ['disallow_kactivity'], detect: true, level: 'WARNING', counts: { 'Create/Modify Configmap With Private Credentials': 6 } },
  { name: 'create_configmap_no_private_creds', testing: 'TestLegacy_CreateConfigmapNoPrivateCreds', trace: 'create_configmap_no_sensitive_values.json', overrides: ['disallow_kactivity'], detect: false },
  { name: 'anonymous_user', testing: 'TestLegacy_AnonymousUser', trace: 'anonymous_creates_namespace_foo.json', detect: true, level: 'WARNING', counts: { 'Anonymous Request Allowed': 1 } },
  { name: 'pod_exec', testing: 'TestLegacy_PodExec', trace: 'exec_pod.json', detect: true, level: 'NOTICE', counts: { 'Attach/Exec Pod': 1 } },
  { name: 'pod_attach', testing: 'TestLegacy_PodAttach', trace: 'attach_pod.json', detect: true, level: 'NOTICE', counts: { 'Attach/Exec Pod': 1 } },
  { name: 'namespace_outside_allowed_set', testing: 'TestLegacy_NamespaceOutsideAllowedSet', trace: 'some-user_creates_namespace_foo.json', overrides: ['allow_user_some-user'], detect: true, level: 'WARNING', counts: { 'Create Disallowed Namespace': 1 } },
  { name: 'namespace_in_allowed_set', testing: 'TestLegacy_NamespaceInAllowedSet', trace: 'minikube_creates_namespace_foo.json', overrides: ['allow_namespace_foo', 'disallow_kactivity'], detect: false },
  { name: 'create_pod_in_kube_system_namespace', testing: 'TestLegacy_CreatePodInKubeSystemNamespace', trace: 'create_pod_kube_system_namespace.json', detect: true, level: 'WARNING', counts: { 'Pod Created in Kube Namespace': 1 } },
  { name: 'create_pod_in_kube_public_namespace', testing: 'TestLegacy_CreatePodInKubePublicNamespace', trace: 'create_pod_kube_public_namespace.json', detect: true, level: 'WARNING', counts: { 'Pod Created in Kube Namespace': 1 } },
  { name: 'create_serviceaccount_in_kube_system_namespace', testing: 'TestLegacy_CreateServiceaccountInKubeSystemNamespace', trace: 'create_serviceaccount_kube_system_namespace.json', detect: true, level: 'WARNING', counts: { 'Service Account Created in Kube Namespace': 1 } },
  { name: 'create_serviceaccount_in_kube_public_namespace', testing: 'TestLegacy_CreateServiceaccountInKubePublicNamespace', trace: 'create_serviceaccount_kube_public_namespace.json', detect: true, level: 'WARNING', counts: { 'Service Account Created in Kube Namespace': 1 } },
  { name: 'system_clusterrole_deleted', testing: 'TestLegacy_SystemClusterroleDeleted', trace: 'delete_cluster_role_kube_aggregator.json', detect: true, level: 'WARNING', counts: { 'System ClusterRole Modified/Deleted': 1 } },
  { name: 'system_clusterrole_modified', testing: 'TestLegacy_SystemClusterroleModified', trace: 'modify_cluster_role_node_problem_detector.json', detect: true, level: 'WARNING', counts: { 'System ClusterRole Modified/Deleted': 1 } },
  { name: 'attach_cluster_admin_role', testing: 'TestLegacy_AttachClusterAdminRole', trace: 'attach_cluster_admin_role.json', detect: true, level: 'WARNING', counts: { 'Attach to cluster-admin Role': 1 } },
  { name: 'create_cluster_role_wildcard_resources', testing: 'TestLegacy_CreateClusterRoleWildcardResources', trace: 'create_cluster_role_wildcard_resources.json', detect: true, level: 'WARNING', counts: { 'ClusterRole With Wildcard Created': 1 } },
  { name: 'create_cluster_role_wildcard_verbs', testing: 'TestLegacy_CreateClusterRoleWildcardVerbs', trace: 'create_cluster_role_wildcard_verbs.json', detect: true, level: 'WARNING', counts: { 'ClusterRole With Wildcard Created': 1 } },
  { name: 'create_writable_cluster_role', testing: 'TestLegacy_CreateWritableClusterRole', trace: 'create_cluster_role_write_privileges.json', detect: true, level: 'NOTICE', counts: { 'ClusterRole With Write Privileges Created': 1 } },
  { name: 'create_pod_exec_cluster_role', testing: 'TestLegacy_CreatePodExecClusterRole', trace: 'create_cluster_role_pod_exec.json', detect: true, level: 'WARNING', counts: { 'ClusterRole With Pod Exec Created': 1 } },
  { name: 'create_deployment', testing: 'TestLegacy_CreateDeployment', trace: 'create_deployment.json', detect: true, level: 'INFO', counts: { 'K8s Deployment Created': 1 } },
  { name: 'delete_deployment', testing: 'TestLegacy_DeleteDeployment', trace: 'delete_deployment.json', detect: true, level: 'INFO', counts: { 'K8s Deployment Deleted': 1 } },
  { name: 'create_service', testing: 'TestLegacy_CreateService', trace: 'create_service.json', detect: true, level: 'INFO', counts: { 'K8s Service Created': 1 } },
  { name: 'delete_service', testing: 'TestLegacy_DeleteService', trace: 'delete_service.json', detect: true, level: 'INFO', counts: { 'K8s Service Deleted': 1 } },
  { name: 'create_configmap', testing: 'TestLegacy_CreateConfigmap', trace: 'create_configmap.json', detect: true, level: 'INFO', counts: { 'K8s ConfigMap Created': 1 } },
  { name: 'delete_configmap', testing: 'TestLegacy_DeleteConfigmap', trace: 'delete_configmap.json', detect: true, level: 'INFO', counts: { 'K8s ConfigMap Deleted': 1 } },
  { name: 'create_namespace', testing: 'TestLegacy_CreateNamespace', trace: 'some-user_creates_namespace_foo.json', overrides: ['allow_namespace_foo', 'allow_user_some-user'], detect: true, level: 'INFO', counts: { 'K8s Namespace Created': 1 } },
  { name: 'delete_namespace', testing: 'TestLegacy_DeleteNamespace', trace: 'delete_namespace_foo.json', detect: true, level: 'INFO', counts: { 'K8s Namespace Deleted': 1 } },
  { name: 'create_serviceaccount', testing: 'TestLegacy_CreateServiceaccount', trace: 'create_serviceaccount.json', detect: true, level: 'INFO', counts: { 'K8s Serviceaccount Created': 1 } },
  { name: 'delete_serviceaccount', testing: 'TestLegacy_DeleteServiceaccount', trace: 'delete_serviceaccount.json', detect: true, level: 'INFO', counts: { 'K8s Serviceaccount Deleted': 1 } },
  { name: 'create_clusterrole', testing: 'TestLegacy_CreateClusterrole', trace: 'create_clusterrole.json', detect: true, level: 'INFO', counts: { 'K8s Role/Clusterrole Created': 1, 'K8s ClusterRole Created': 1 } },
  { name: 'delete_clusterrole', testing: 'TestLegacy_DeleteClusterrole', trace: 'delete_clusterrole.json', detect: true, level: 'INFO', counts: { 'K8s Role/Clusterrole Deleted': 1, 'K8s ClusterRole Deleted': 1 } },
  { name: 'create_clusterrolebinding', testing: 'TestLegacy_CreateClusterrolebinding', trace: 'create_clusterrolebinding.json', detect: true, level: 'INFO', counts: { 'K8s Role/Clusterrolebinding Created': 1, 'K8s ClusterRoleBinding Created': 1 } },
  { name: 'delete_clusterrolebinding', testing: 'TestLegacy_DeleteClusterrolebinding', trace: 'delete_clusterrolebinding.json', detect: true, level: 'INFO', counts: { 'K8s Role/Clusterrolebinding Deleted': 1, 'K8s ClusterRoleBinding Deleted': 1 } },
  { name: 'create_secret', testing: 'TestLegacy_CreateSecret', trace: 'create_secret.json', detect: true, level: 'INFO', counts: { 'K8s Secret Created': 1 } },
  { name: 'create_service_account_token_secret', testing: 'TestLegacy_CreateServiceAccountTokenSecret', trace: 'create_service_account_token_secret.json', detect: false, zero: true },
  { name: 'create_kube_system_secret', testing: 'TestLegacy_CreateKubeSystemSecret', trace: 'create_kube_system_secret.json', detect: false, zero: true },
  { name: 'delete_secret', testing: 'TestLegacy_DeleteSecret', trace: 'delete_secret.json', detect: true, level: 'INFO', counts: { 'K8s Secret Deleted': 1 } },
  { name: 'fal_01_003', testing: 'TestLegacy_Fal01003', trace: 'fal_01_003.json', detect: false },
];

/** Cases of the matrix not reproduced, and why (docs/audit.md lists them). */
export const FALCO_NOT_REPRODUCED: readonly { readonly name: string; readonly why: string }[] = [
  { name: 'json_pointer_correct_parse', why: 'it tests a custom rule (`json_pointer_example`) of Falco\u2019s rule language, not a stock detection' },
];
