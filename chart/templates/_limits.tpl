{{/*
The proxy's limit flags, one per proxy.limits value (docs/chart.md, docs/reliability.md). Counts and
sizes must be positive whole numbers and timeouts durations such as 500ms, 10s or 1m30s, so that a
typo fails the install instead of a proxy on every node. A value set to null (or removed) is left out: the proxy
then uses its own default.
*/}}
{{- define "nodemesh.proxyLimitArgs" -}}
{{- $limits := .Values.proxy.limits | default dict -}}
{{- $numbers := list
  (list "maxConnectionsPerListener" "max-connections-per-listener")
  (list "maxRequestsPerUpstream" "max-requests-per-upstream")
  (list "maxRequestLine" "max-request-line")
  (list "maxHeaderSize" "max-header-size")
  (list "maxHeaderCount" "max-header-count")
  (list "maxWebSocketFrame" "max-websocket-frame") -}}
{{- range $numbers }}
{{- $key := index . 0 }}
{{- $v := get $limits $key }}
{{- if not (or (kindIs "invalid" $v) (eq (toString $v) "")) }}
{{- $s := toString $v }}
{{- if or (kindIs "float64" $v) (kindIs "int64" $v) (kindIs "int" $v) }}
{{- if eq (float64 (int64 $v)) (float64 $v) }}
{{- $s = printf "%d" (int64 $v) }}
{{- end }}
{{- end }}
{{- if not (regexMatch "^[1-9][0-9]*$" $s) }}
{{- fail (printf "proxy.limits.%s must be a positive whole number (got %q)" $key (toString $v)) }}
{{- end }}
- --{{ index . 1 }}={{ $s }}
{{- end }}
{{- end }}
{{- range list (list "headerReadTimeout" "header-read-timeout") (list "bodyReadTimeout" "body-read-timeout") }}
{{- $key := index . 0 }}
{{- $v := get $limits $key }}
{{- if not (or (kindIs "invalid" $v) (eq (toString $v) "")) }}
{{- $s := toString $v }}
{{- if or (not (regexMatch "^([0-9]+ms|([0-9]+h)?([0-9]+m)?([0-9]+s)?)$" $s)) (regexMatch "^[0]*(ms|h|m|s)?$" $s) }}
{{- fail (printf "proxy.limits.%s must be a positive duration such as 500ms, 10s or 1m30s (got %q)" $key $s) }}
{{- end }}
- --{{ index . 1 }}={{ $s }}
{{- end }}
{{- end }}
{{- end -}}
