{{/* Names */}}
{{- define "bn.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "bn.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "bn.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels: common ones, and the selector (stable across upgrades) per component */}}
{{- define "bn.selectorLabels" -}}
app.kubernetes.io/name: {{ include "bn.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "bn.labels" -}}
helm.sh/chart: {{ include "bn.chart" . }}
{{ include "bn.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: buendnisnetz
{{- end }}

{{/* usage: include "bn.componentLabels" (dict "root" $ "component" "web") */}}
{{- define "bn.componentSelectorLabels" -}}
{{ include "bn.selectorLabels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "bn.componentLabels" -}}
{{ include "bn.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "bn.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "bn.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "bn.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* The runtime Secret: the operator's, or the one the chart writes */}}
{{- define "bn.secretName" -}}
{{- default (printf "%s-env" (include "bn.fullname" .)) .Values.secrets.existingSecret }}
{{- end }}

{{- define "bn.migrationsSecretName" -}}
{{- default (printf "%s-migrations" (include "bn.fullname" .)) .Values.migrations.existingSecret }}
{{- end }}

{{- define "bn.configMapName" -}}
{{- printf "%s-config" (include "bn.fullname" .) }}
{{- end }}

{{/* The ConfigMap's data: non-empty config values; PUBLIC_BASE_URL from the ingress host when unset */}}
{{- define "bn.configData" -}}
{{- $config := deepCopy .Values.config }}
{{- if and (not $config.PUBLIC_BASE_URL) .Values.ingress.enabled }}
{{- $_ := set $config "PUBLIC_BASE_URL" (printf "%s://%s" (ternary "https" "http" .Values.ingress.tls.enabled) .Values.ingress.host) }}
{{- end }}
{{- range $key := keys $config | sortAlpha }}
{{- $value := get $config $key }}
{{- if or $value (eq (toString $value) "0") (eq (toString $value) "false") }}
{{ $key }}: {{ toString $value | quote }}
{{- end }}
{{- end }}
{{- end }}

{{/* Annotations that roll the pods when their configuration changes */}}
{{- define "bn.checksums" -}}
checksum/config: {{ include "bn.configData" . | sha256sum }}
{{- if not .Values.secrets.existingSecret }}
checksum/secret: {{ include (print .Template.BasePath "/secret.yaml") . | sha256sum }}
{{- end }}
{{- end }}

{{/* env of every app container: ConfigMap, runtime Secret, extras. HOME in /tmp (LibreOffice's profile) */}}
{{- define "bn.envFrom" -}}
envFrom:
  - configMapRef:
      name: {{ include "bn.configMapName" . }}
  - secretRef:
      name: {{ include "bn.secretName" . }}
  {{- with .Values.extraEnvFrom }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
env:
  - name: HOME
    value: /tmp
  {{- with .Values.extraEnv }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- end }}

{{- define "bn.podSpecCommon" -}}
serviceAccountName: {{ include "bn.serviceAccountName" . }}
automountServiceAccountToken: {{ .Values.serviceAccount.automountServiceAccountToken }}
{{- with .Values.pullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- end }}

{{- define "bn.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.tmpVolume.sizeLimit }}
{{- end }}

{{- define "bn.storageVolume" -}}
{{- if .Values.persistence.enabled }}
- name: storage
  persistentVolumeClaim:
    claimName: {{ default (printf "%s-storage" (include "bn.fullname" .)) .Values.persistence.existingClaim }}
{{- end }}
{{- end }}

{{- define "bn.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- if and .storage .root.Values.persistence.enabled }}
- name: storage
  mountPath: {{ .root.Values.persistence.mountPath }}
{{- end }}
{{- end }}

{{/* scheduling of one component: include "bn.scheduling" .Values.web */}}
{{- define "bn.scheduling" -}}
{{- with .nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}
