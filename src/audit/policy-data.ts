/**
 * Policy data of the audit rules (versioned): the lists Falco's stock k8saudit rules use, with their
 * stock contents (falcosecurity/plugins `plugins/k8saudit/rules/k8s_audit_rules.yaml`), and the lists
 * Bulwark's own detections use. Users extend every list with a policy file (`--policy FILE`, lists are
 * appended, as Falco's `append: true`), never by editing code. docs/audit.md documents each key.
 */
export const POLICY_DATA_VERSION = 1;

export const DEFAULT_POLICY_DATA = {
  /** Falco's lists, by the Falco list or macro name in the comment. */
  falco: {
    /** allowed_k8s_users (vertical_pod_autoscaler_users and cluster-autoscaler included). */
    allowedUsers: ['minikube', 'minikube-user', 'kubelet', 'kops', 'admin', 'kube', 'kube-proxy', 'kube-apiserver-healthcheck', 'kubernetes-admin', 'vpa-recommender', 'vpa-updater', 'cluster-autoscaler', 'system:addon-manager', 'cloud-controller-manager', 'system:kube-controller-manager'],
    /** eks_allowed_k8s_users */
    eksAllowedUsers: ['eks:node-manager', 'eks:certificate-controller', 'eks:fargate-scheduler', 'eks:k8s-metrics', 'eks:authenticator', 'eks:cluster-event-watcher', 'eks:nodewatcher', 'eks:pod-identity-mutating-webhook', 'eks:cloud-controller-manager', 'eks:vpc-resource-controller', 'eks:addon-manager'],
    /** allowed_namespaces */
    allowedNamespaces: ['kube-system', 'kube-public', 'default'],
    /** allowed_k8s_containers (Falco's default macro allows every image; the rule is off by default here). */
    allowedPodImages: [] as string[],
    /** k8s_audit_privileged_images */
    privilegedImages: ['falcosecurity/falco', 'docker.io/falcosecurity/falco', 'public.ecr.aws/falcosecurity/falco', 'docker.io/calico/node', 'calico/node', 'docker.io/cloudnativelabs/kube-router', 'docker.io/docker/ucp-agent', 'docker.io/mesosphere/mesos-slave', 'docker.io/rook/toolbox', 'docker.io/sysdig/sysdig', 'gcr.io/google_containers/kube-proxy', 'gcr.io/google-containers/startup-script', 'gcr.io/projectcalico-org/node', 'gke.gcr.io/kube-proxy', 'gke.gcr.io/gke-metadata-server', 'gke.gcr.io/netd-amd64', 'gke.gcr.io/watcher-daemonset', 'gcr.io/google-containers/prometheus-to-sd', 'registry.k8s.io/ip-masq-agent-amd64', 'registry.k8s.io/kube-proxy', 'registry.k8s.io/prometheus-to-sd', 'quay.io/calico/node', 'sysdig/sysdig', 'registry.k8s.io/dns/k8s-dns-node-cache', 'mcr.microsoft.com/oss/kubernetes/kube-proxy'],
    /** k8s_audit_sensitive_mount_images */
    sensitiveMountImages: ['falcosecurity/falco', 'docker.io/falcosecurity/falco', 'public.ecr.aws/falcosecurity/falco', 'docker.io/sysdig/sysdig', 'sysdig/sysdig', 'gcr.io/google_containers/hyperkube', 'gcr.io/google_containers/kube-proxy', 'docker.io/calico/node', 'docker.io/rook/toolbox', 'docker.io/cloudnativelabs/kube-router', 'docker.io/consul', 'docker.io/datadog/docker-dd-agent', 'docker.io/datadog/agent', 'docker.io/docker/ucp-agent', 'docker.io/gliderlabs/logspout', 'docker.io/netdata/netdata', 'docker.io/google/cadvisor', 'docker.io/prom/node-exporter', 'amazon/amazon-ecs-agent', 'prom/node-exporter', 'amazon/cloudwatch-agent'],
    /** k8s_audit_hostnetwork_images */
    hostNetworkImages: ['gcr.io/google-containers/prometheus-to-sd', 'gcr.io/projectcalico-org/typha', 'gcr.io/projectcalico-org/node', 'gke.gcr.io/gke-metadata-server', 'gke.gcr.io/kube-proxy', 'gke.gcr.io/netd-amd64', 'registry.k8s.io/ip-masq-agent-amd64', 'registry.k8s.io/prometheus-to-sd'],
    /** k8s_audit_hostpid_images */
    hostPidImages: [] as string[],
    /** k8s_audit_hostipc_images */
    hostIpcImages: [] as string[],
    /** allowed_kube_namespace_image_list (+ user_allowed_kube_namespace_image_list) */
    kubeNamespaceImages: ['gcr.io/google-containers/prometheus-to-sd', 'gcr.io/projectcalico-org/node', 'gke.gcr.io/addon-resizer', 'gke.gcr.io/heapster', 'gke.gcr.io/gke-metadata-server', 'registry.k8s.io/ip-masq-agent-amd64', 'registry.k8s.io/kube-apiserver', 'gke.gcr.io/kube-proxy', 'gke.gcr.io/netd-amd64', 'gke.gcr.io/watcher-daemonset', 'registry.k8s.io/addon-resizer', 'registry.k8s.io/prometheus-to-sd', 'registry.k8s.io/k8s-dns-dnsmasq-nanny-amd64', 'registry.k8s.io/k8s-dns-kube-dns-amd64', 'registry.k8s.io/k8s-dns-sidecar-amd64', 'registry.k8s.io/metrics-server-amd64', 'kope/kube-apiserver-healthcheck'],
    /** known_sa_list (+ user_known_sa_list) */
    knownServiceAccounts: ['coredns', 'coredns-autoscaler', 'cronjob-controller', 'daemon-set-controller', 'deployment-controller', 'disruption-controller', 'endpoint-controller', 'endpointslice-controller', 'endpointslicemirroring-controller', 'generic-garbage-collector', 'horizontal-pod-autoscaler', 'job-controller', 'namespace-controller', 'node-controller', 'persistent-volume-binder', 'pod-garbage-collector', 'pv-protection-controller', 'pvc-protection-controller', 'replicaset-controller', 'resourcequota-controller', 'root-ca-cert-publisher', 'service-account-controller', 'statefulset-controller'],
    /** sensitive_vol_mount (exact host paths) */
    sensitiveHostPaths: ['/proc', '/var/run/docker.sock', '/', '/etc', '/root', '/var/run/crio/crio.sock', '/run/containerd/containerd.sock', '/home/admin', '/var/lib/kubelet', '/var/lib/kubelet/pki', '/etc/kubernetes', '/etc/kubernetes/manifests'],
    /** contains_private_credentials (substrings of the ConfigMap's data as JSON) */
    privateCredentialStrings: ['aws_access_key_id', 'aws-access-key-id', 'aws_s3_access_key_id', 'aws-s3-access-key-id', 'password', 'passphrase'],
    /** System ClusterRole Modified/Deleted exceptions */
    systemRoleExceptions: ['system:coredns', 'system:managed-certificate-controller'],
    /** full_admin_k8s_users */
    fullAdminUsers: ['admin', 'kubernetes-admin', 'kubernetes-admin@kubernetes', 'kubernetes-admin@cluster.local', 'minikube-user'],
    /** allowed_k8s_nodes (the Untrusted Node rules are off by default, as Falco's allow_all_k8s_nodes macro makes them) */
    allowedNodes: [] as string[],
  },
  /** Namespaces whose service accounts are the cluster's own (identity class `system-serviceaccount`). */
  systemNamespaces: ['kube-system', 'kube-public', 'kube-node-lease'],
  /** Namespaces of AI workloads: their service accounts are graded `ai-serviceaccount` (stolen tokens of model servers and notebooks are the usual foothold). */
  aiNamespaces: ['kubeflow', 'kubeflow-*', 'kserve', 'kserve-*', 'knative-serving', 'ray', 'ray-*', 'mlflow', 'triton', 'vllm', 'jupyterhub', 'notebooks', 'ml', 'ml-*', '*-ml', 'ai', 'ai-*', '*-ai', 'llm', 'llm-*', '*-llm', 'inference', 'inference-*', '*-inference', 'training', '*-training', 'gpu-operator', 'nvidia-*'],
  /** Service-account names of AI workloads in any namespace. */
  aiServiceAccounts: ['default-editor', '*notebook*', '*jupyter*', '*vllm*', '*triton*', '*kserve*', '*inference*', '*llm*', '*model*', '*ray-*', '*training*'],
  /** Identities that read Secrets as their job (kubelets, control plane, kube-system controllers, EKS/GKE/AKS managed components). */
  secretReaders: ['system:kube-controller-manager', 'system:kube-scheduler', 'system:apiserver', 'system:node:*', 'system:serviceaccount:kube-system:*', 'eks:*', 'system:gke-*', 'system:serviceaccount:gke-*:*', 'aksService', 'masterclient', 'nodeclient'],
  /** Identities that read sensitive ConfigMaps as their job. */
  configMapReaders: ['system:kube-controller-manager', 'system:kube-scheduler', 'system:apiserver', 'system:kube-proxy', 'system:node:*', 'system:serviceaccount:kube-system:*', 'eks:*', 'system:gke-*', 'aksService'],
  /** ConfigMap names whose content is a credential or the cluster's identity map. */
  sensitiveConfigMaps: ['aws-auth', 'kubeadm-config', '*credential*', '*secret*', '*password*', '*passwd*', '*token*', '*kubeconfig*', '*apikey*', '*api-key*', '*private-key*'],
  /** Who may mint ServiceAccount tokens (TokenRequest): the kubelet for the pods it runs, the controller manager for its controllers. */
  tokenRequesters: ['system:node:*', 'system:kube-controller-manager', 'eks:*', 'system:gke-*'],
  /** Who changes admission webhooks as their job (CA-bundle injectors and policy engines patch their own configurations). */
  webhookManagers: ['system:apiserver', 'system:kube-controller-manager', 'system:serviceaccount:cert-manager:*cainjector*', 'system:serviceaccount:kyverno:*', 'system:serviceaccount:gatekeeper-system:*', 'system:serviceaccount:istio-system:*', 'eks:*', 'system:gke-*'],
  /** Who approves certificate signing requests as its job (the kubelet-CSR auto-approver). */
  csrApprovers: ['system:serviceaccount:kube-system:certificate-controller', 'system:kube-controller-manager', 'eks:certificate-controller', 'system:gke-*'],
  /** Non-resource paths anonymous users may reach (health and discovery endpoints meant to be public). */
  anonymousPaths: ['/healthz', '/healthz?*', '/healthz/*', '/livez', '/livez?*', '/livez/*', '/readyz', '/readyz?*', '/readyz/*', '/version', '/version?*', '/.well-known/openid-configuration', '/openid/v1/jwks'],
  /** Roles that make their holder an administrator. */
  powerfulRoles: ['cluster-admin', 'admin', 'edit', 'system:controller:clusterrole-aggregation-controller'],
  /** RBAC verbs that grant more than they say (privilege escalation without being an admin). */
  dangerousVerbs: ['escalate', 'bind', 'impersonate', '*'],
  /** Groups that stand for "everyone" (binding a role to them grants it to every caller). */
  broadGroups: ['system:anonymous', 'system:unauthenticated', 'system:authenticated', 'system:serviceaccounts'],
  /** Thresholds and windows (seconds) of the stateful detections and of duplicate rate limiting. */
  thresholds: {
    /** audit/enumeration-burst: this many 403 answers to one identity within the window. */
    forbiddenBurst: 20,
    forbiddenWindowSeconds: 60,
    /** audit/secrets-across-namespaces: Secrets read in this many namespaces by one service account within the window. */
    secretNamespaces: 5,
    secretNamespacesWindowSeconds: 600,
    /** audit/exec-then-secret-read: the Secret read must follow the exec within this window. */
    execThenSecretWindowSeconds: 900,
    /** audit/new-binding-used: a use of the new binding's subject within this window. */
    bindingUseWindowSeconds: 3600,
    /** audit/first-seen-access: identity/verb/resource triples seen in the first this-many seconds are learned, not reported. */
    learningWindowSeconds: 86400,
    /** Duplicate findings (same rule, identity, verb, resource, namespace, name) within this window are counted, not repeated; 0 turns rate limiting off. */
    dedupWindowSeconds: 60,
  },
};

export type PolicyData = typeof DEFAULT_POLICY_DATA;
