{{- define "bulwark-gateway.fullname" -}}
{{- printf "%s" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end }}

{{- define "bulwark-gateway.labels" -}}
app.kubernetes.io/name: bulwark-gateway
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: inference-gateway
app.kubernetes.io/part-of: bulwark
{{- end }}

{{- define "bulwark-gateway.selectorLabels" -}}
app.kubernetes.io/name: bulwark-gateway
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "bulwark-gateway.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s:%s@%s" .Values.image.repository .Values.image.tag .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository .Values.image.tag -}}
{{- end -}}
{{- end }}
