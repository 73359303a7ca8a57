{{- define "bulwark-admission.fullname" -}}
{{- printf "%s" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end }}

{{- define "bulwark-admission.labels" -}}
app.kubernetes.io/name: bulwark-admission
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: admission-webhook
app.kubernetes.io/part-of: bulwark
{{- end }}

{{- define "bulwark-admission.selectorLabels" -}}
app.kubernetes.io/name: bulwark-admission
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "bulwark-admission.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s:%s@%s" .Values.image.repository .Values.image.tag .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository .Values.image.tag -}}
{{- end -}}
{{- end }}

{{- define "bulwark-admission.excludedNamespaces" -}}
- key: kubernetes.io/metadata.name
  operator: NotIn
  values:
    - kube-system
    - {{ .Release.Namespace }}
{{- range .Values.exemptions.namespaces }}
    - {{ . }}
{{- end }}
{{- end }}

{{- define "bulwark-admission.rules" -}}
- apiGroups: [""]
  apiVersions: ["v1"]
  operations: ["CREATE", "UPDATE"]
  resources: ["pods", "pods/ephemeralcontainers"]
  scope: Namespaced
{{- if .Values.webhook.podControllers }}
- apiGroups: [""]
  apiVersions: ["v1"]
  operations: ["CREATE", "UPDATE"]
  resources: ["replicationcontrollers", "podtemplates"]
  scope: Namespaced
- apiGroups: ["apps"]
  apiVersions: ["v1"]
  operations: ["CREATE", "UPDATE"]
  resources: ["deployments", "replicasets", "statefulsets", "daemonsets"]
  scope: Namespaced
- apiGroups: ["batch"]
  apiVersions: ["v1"]
  operations: ["CREATE", "UPDATE"]
  resources: ["jobs", "cronjobs"]
  scope: Namespaced
{{- end }}
{{- end }}

{{- define "bulwark-admission.clientConfig" -}}
service:
  name: {{ include "bulwark-admission.fullname" .root }}
  namespace: {{ .root.Release.Namespace }}
  path: {{ .path }}
  port: 443
{{- if and (not .root.Values.certManager.enabled) .root.Values.webhook.caBundle }}
caBundle: {{ .root.Values.webhook.caBundle }}
{{- end }}
{{- end }}

{{- define "bulwark-admission.caInjection" -}}
{{- if .Values.certManager.enabled -}}
annotations:
  cert-manager.io/inject-ca-from: {{ .Release.Namespace }}/{{ include "bulwark-admission.fullname" . }}-serving
{{- end }}
{{- end }}
