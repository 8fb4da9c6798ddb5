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
{{/* Labels of the `helm test` Pod (templates/tests/check.yaml), which NetworkPolicies let in. */}}
{{- define "nodemesh.checkSelector" -}}
app.kubernetes.io/name: nodemesh-check
app.kubernetes.io/component: test
{{- end -}}

{{- define "nodemesh.proxySelector" -}}
app.kubernetes.io/name: {{ include "nodemesh.proxyName" . }}
app.kubernetes.io/component: proxy
{{- end -}}

{{/* repository@digest when image.digest is set (it wins over the tag), else repository:tag. */}}
{{- define "nodemesh.image" -}}
{{- with .Values.image.digest -}}
{{ $.Values.image.repository }}@{{ . }}
{{- else -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}
{{- end -}}

{{/*
Extra pod labels: the chart-wide podLabels, then the component's own (list root componentLabels).
The chart's own app.kubernetes.io/* and helm.sh/* labels select the pods, so they cannot be set.
*/}}
{{- define "nodemesh.extraPodLabels" -}}
{{- $root := index . 0 -}}
{{- $labels := dict -}}
{{- range $key, $value := merge (dict) (index . 1 | default dict) ($root.Values.podLabels | default dict) -}}
{{- if or (hasPrefix "app.kubernetes.io/" $key) (hasPrefix "helm.sh/" $key) -}}
{{- fail (printf "podLabels: %s is set by the chart and selects its pods; choose another key" $key) -}}
{{- end -}}
{{- $_ := set $labels $key (toString $value) -}}
{{- end -}}
{{- with $labels -}}
{{- toYaml . -}}
{{- end -}}
{{- end -}}

{{/* Extra pod annotations: the chart-wide podAnnotations, then the component's own. */}}
{{- define "nodemesh.extraPodAnnotations" -}}
{{- $root := index . 0 -}}
{{- $annotations := merge (dict) (index . 1 | default dict) ($root.Values.podAnnotations | default dict) -}}
{{- with $annotations -}}
{{- toYaml . -}}
{{- end -}}
{{- end -}}

{{/*
Seconds of the proxy's preStop sleep: proxy.preStopSleepSeconds where the cluster has the
lifecycle sleep action (Kubernetes 1.30+, beta and on by default; KEP-3960), else 0. The image is
distroless, with no sleep binary for an exec hook; where the action is missing, the proxy's own
drain delay covers those seconds instead.
*/}}
{{- define "nodemesh.preStopSleep" -}}
{{- if and (gt (int .Values.proxy.preStopSleepSeconds) 0) (semverCompare ">=1.30.0-0" .Capabilities.KubeVersion.Version) -}}
{{- int .Values.proxy.preStopSleepSeconds -}}
{{- else -}}
0
{{- end -}}
{{- end -}}

{{/*
Seconds the proxy keeps accepting after SIGTERM (--drain-delay). By default what the grace period
leaves after the preStop sleep and 15 s for the drain itself (10 s for in-flight requests, 5 for the
JVM to exit); a set value is checked against the same budget.
*/}}
{{- define "nodemesh.drainDelay" -}}
{{- $grace := int .Values.proxy.terminationGracePeriodSeconds -}}
{{- $sleep := int (include "nodemesh.preStopSleep" .) -}}
{{- $margin := 15 -}}
{{- $set := .Values.proxy.drainDelaySeconds -}}
{{- if kindIs "invalid" $set -}}
{{- max 0 (sub (sub $grace $sleep) $margin) -}}
{{- else -}}
{{- if gt (add (int $set) $sleep $margin) $grace -}}
{{- fail (printf "proxy.drainDelaySeconds (%d) + preStop sleep (%d) + %d s to drain must fit in proxy.terminationGracePeriodSeconds (%d)" (int $set) $sleep $margin $grace) -}}
{{- end -}}
{{- int $set -}}
{{- end -}}
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
