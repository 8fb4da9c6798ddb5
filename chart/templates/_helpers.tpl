{{/*
Object names are fixed rather than derived from the release name: proxies find the controller at
nodemesh-controller.<namespace>.svc, and shadow Services select proxy pods by the label
app.kubernetes.io/name=nodemesh-proxy. One mesh per cluster.
*/}}

{{- define "nodemesh.controllerName" -}}nodemesh-controller{{- end -}}
{{- define "nodemesh.proxyName" -}}nodemesh-proxy{{- end -}}

{{/* Labels every object carries. */}}
{{- define "nodemesh.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/part-of: nodemesh
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end -}}

{{/* Selector labels of the controller pods. */}}
{{- define "nodemesh.controllerSelector" -}}
app.kubernetes.io/name: {{ include "nodemesh.controllerName" . }}
app.kubernetes.io/component: controller
{{- end -}}

{{/* Selector labels of the proxy pods; shadow Services select app.kubernetes.io/name only. */}}
{{- define "nodemesh.proxySelector" -}}
app.kubernetes.io/name: {{ include "nodemesh.proxyName" . }}
app.kubernetes.io/component: proxy
{{- end -}}

{{- define "nodemesh.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{/* The controller URL proxies long-poll. */}}
{{- define "nodemesh.controllerUrl" -}}
{{ if .Values.controller.tls.enabled }}https{{ else }}http{{ end }}://{{ include "nodemesh.controllerName" . }}.{{ .Release.Namespace }}.svc:{{ .Values.controller.port }}
{{- end -}}

{{/* A port range value, checked: "FIRST-LAST" with 1 <= FIRST <= LAST <= 65535. */}}
{{- define "nodemesh.portRange" -}}
{{- $name := index . 0 -}}
{{- $range := toString (index . 1) -}}
{{- if not (regexMatch "^[0-9]+-[0-9]+$" $range) -}}
{{- fail (printf "portRanges.%s must look like FIRST-LAST, e.g. 5000-9999 (got %q)" $name $range) -}}
{{- end -}}
{{- $parts := splitList "-" $range -}}
{{- $first := atoi (index $parts 0) -}}
{{- $last := atoi (index $parts 1) -}}
{{- if or (lt $first 1) (gt $last 65535) (gt $first $last) -}}
{{- fail (printf "portRanges.%s: %q is not a range of ports between 1 and 65535" $name $range) -}}
{{- end -}}
{{- $range -}}
{{- end -}}

{{/* logLevel mapped onto java.util.logging levels. */}}
{{- define "nodemesh.julLevel" -}}
{{- $levels := dict "error" "SEVERE" "warn" "WARNING" "info" "INFO" "debug" "FINE" "trace" "FINEST" -}}
{{- $level := lower (toString .Values.logLevel) -}}
{{- if not (hasKey $levels $level) -}}
{{- fail (printf "logLevel must be one of error, warn, info, debug, trace (got %q)" .Values.logLevel) -}}
{{- end -}}
{{- get $levels $level -}}
{{- end -}}

{{/* JDK_JAVA_OPTIONS: the user's JVM flags plus the logging configuration from the ConfigMap. */}}
{{- define "nodemesh.javaOptions" -}}
{{- printf "%s -Djava.util.logging.config.file=/etc/nodemesh/logging.properties" . | trim -}}
{{- end -}}

{{/* Container security context shared by controller and proxy. */}}
{{- define "nodemesh.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.runAsUser }}
runAsGroup: {{ .Values.runAsGroup }}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "nodemesh.dnsName" -}}nodemesh-dns{{- end -}}
{{- define "nodemesh.patcherName" -}}nodemesh-dns-patcher{{- end -}}

{{/* Selector labels of the mesh DNS server pods. */}}
{{- define "nodemesh.dnsSelector" -}}
app.kubernetes.io/name: {{ include "nodemesh.dnsName" . }}
app.kubernetes.io/component: dns
{{- end -}}

{{/* Flags the prepare and cleanup Jobs share. */}}
{{- define "nodemesh.patcherArgs" -}}
- --namespace={{ .Release.Namespace }}
- --dns-namespace={{ .Values.dns.patch.namespace }}
- --mesh-domain={{ .Values.meshDomain }}
{{- end -}}
