{{/*
The app's name is the release name; it is also its Dapr app-id, the stem of
its namespace, its node pool, its Redis user and its Vault role. Every
template calls "paddock.name", so a bad release fails with one plain sentence
before anything renders: the same sentences as the CLI
(packages/paddock/src/contract/app-name.ts), from the same list of reserved
names (files/reserved-names.yaml).
*/}}
{{- define "paddock.name" -}}
{{- $name := .Release.Name -}}
{{- /* Judged once per render (parsing the list each time doubled the render's cost); the verdict is kept on .Release. */ -}}
{{- if ne (get .Release "paddockCheckedName" | toString) $name -}}
{{- $reserved := .Files.Get "files/reserved-names.yaml" | fromYaml -}}
{{- if not (regexMatch "^[a-z]([-a-z0-9]*[a-z0-9])?$" $name) -}}
{{- fail (printf "the app name %q must use only lowercase letters, digits and '-', and start with a letter" $name) -}}
{{- end -}}
{{- if gt (len $name) (int $reserved.maxLength) -}}
{{- fail (printf "the app name %q is %d characters long; at most %d fit (Helm's limit for a release name)" $name (len $name) (int $reserved.maxLength)) -}}
{{- end -}}
{{- if has $name $reserved.exact -}}
{{- fail (printf "the app name %q is reserved: the platform uses it for one of its own parts (a node pool, namespace or component, or a Redis or Vault user), or YAML reads it as true, false or null" $name) -}}
{{- end -}}
{{- range $reserved.prefixes -}}
{{- if hasPrefix . $name -}}
{{- fail (printf "the app name %q starts with %q, which the platform keeps for the namespaces and components of Kubernetes and of the platform itself" $name .) -}}
{{- end -}}
{{- end -}}
{{- $_ := set .Release "paddockCheckedName" $name -}}
{{- end -}}
{{- $name -}}
{{- end -}}

{{- define "paddock.namespace" -}}
{{- printf "%s-ns" (include "paddock.name" .) -}}
{{- end -}}

{{/* The node pool: the app's own, or the one the platform assigned to it. */}}
{{- define "paddock.nodepool" -}}
{{- $name := include "paddock.name" . -}}
{{- $assigned := get (.Values.platform.nodePoolAssignments | default dict) $name | default $name -}}
{{- $asked := .Values.nodepool | default $assigned -}}
{{- if ne $asked $assigned -}}
{{- fail (printf "nodepool: %q is not this app's node pool; use %q (or leave nodepool out)" $asked $assigned) -}}
{{- end -}}
{{- $asked -}}
{{- end -}}

{{/* The image reference, from an allowed registry only, by tag or digest. */}}
{{- define "paddock.image" -}}
{{- $repo := .Values.image.repository -}}
{{- if not $repo -}}
{{- fail "image.repository is missing: say where your app's image lives, for example localhost:30000/platform/my-app" -}}
{{- end -}}
{{- $registry := index (splitList "/" $repo) 0 -}}
{{- if not (has $registry .Values.platform.registries) -}}
{{- fail (printf "image.repository: %q is not in the platform registry; push the image to one of %s" $repo (join ", " .Values.platform.registries)) -}}
{{- end -}}
{{- if not .Values.image.tag -}}
{{- fail "image.tag is missing: give the version you pushed, for example \"1.0.0\"" -}}
{{- end -}}
{{- if .Values.image.digest -}}
{{- printf "%s:%s@%s" $repo .Values.image.tag .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" $repo .Values.image.tag -}}
{{- end -}}
{{- end -}}

{{- define "paddock.labels" -}}
app.kubernetes.io/name: {{ include "paddock.name" . }}
app.kubernetes.io/instance: {{ include "paddock.name" . }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: paddock
{{- /* Flux's helm-controller versions a chart from an OCIRepository as <version>+<digest>: "+" is not allowed in a label value */}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" | trimSuffix "_" | trimSuffix "." }}
paddock.dev/app: {{ include "paddock.name" . }}
{{- end -}}

{{- define "paddock.selectorLabels" -}}
app.kubernetes.io/name: {{ include "paddock.name" . }}
app.kubernetes.io/instance: {{ include "paddock.name" . }}
{{- end -}}

{{- define "paddock.metadata" -}}
namespace: {{ include "paddock.namespace" . }}
labels:
  {{- include "paddock.labels" . | nindent 2 }}
{{- with .Values.owner }}
annotations:
  paddock.dev/owner: {{ . | quote }}
{{- end }}
{{- end -}}

{{/*
Container resources: explicit `resources` over the size tier, each judged by
value (more than 0, at most platform.maxContainer, requests at most limits),
so that `cpu: 0` or `cpu: -1` fails here with the field's name instead of
rendering a container without a CPU limit.
*/}}
{{- define "paddock.resources" -}}
{{- $size := .Values.size | default "small" -}}
{{- $tier := index .Values.platform.sizes $size -}}
{{- $own := .Values.resources | default dict -}}
{{- $r := mergeOverwrite (deepCopy $tier) (deepCopy $own) -}}
{{- $max := .Values.platform.maxContainer -}}
{{- $maxCPU := include "paddock.milliCPU" (dict "value" $max.cpu "field" "platform.maxContainer.cpu") | int -}}
{{- $maxMem := include "paddock.mebibytes" (dict "value" $max.memory "field" "platform.maxContainer.memory") | int -}}
{{- $got := dict -}}
{{- $fields := dict -}}
{{- range $kind := list "requests" "limits" -}}
{{- $given := index $own $kind | default dict -}}
{{- range $res := list "cpu" "memory" -}}
{{- $field := printf "resources.%s.%s" $kind $res -}}
{{- if not (hasKey $given $res) -}}{{- $field = printf "platform.sizes.%s.%s.%s" $size $kind $res -}}{{- end -}}
{{- $value := index (index $r $kind) $res -}}
{{- $_ := set $fields (printf "%s.%s" $kind $res) $field -}}
{{- if eq $res "cpu" -}}
{{- $m := include "paddock.milliCPU" (dict "value" $value "field" $field) | int -}}
{{- if gt $m $maxCPU -}}
{{- fail (printf "%s %q is above the platform's maximum of %v CPUs per app" $field (toString $value) $max.cpu) -}}
{{- end -}}
{{- $_ := set $got (printf "%s.%s" $kind $res) $m -}}
{{- else -}}
{{- $mi := include "paddock.mebibytes" (dict "value" $value "field" $field) | int -}}
{{- if gt $mi $maxMem -}}
{{- fail (printf "%s %q is above the platform's maximum of %v per app" $field (toString $value) $max.memory) -}}
{{- end -}}
{{- $_ := set $got (printf "%s.%s" $kind $res) $mi -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- range $res := list "cpu" "memory" -}}
{{- if gt (get $got (printf "requests.%s" $res)) (get $got (printf "limits.%s" $res)) -}}
{{- fail (printf "%s (%v) is more than %s (%v); make the request at most the limit" (get $fields (printf "requests.%s" $res)) (index $r.requests $res) (get $fields (printf "limits.%s" $res)) (index $r.limits $res)) -}}
{{- end -}}
{{- end -}}
{{- /* Node disk: the platform's, not the app author's (the kubelet evicts a pod that writes more). */ -}}
{{- $disk := .Values.platform.ephemeralStorage -}}
{{- $_ := set $r.requests "ephemeral-storage" $disk.request -}}
{{- $_ := set $r.limits "ephemeral-storage" $disk.limit -}}
{{- toYaml $r -}}
{{- end -}}

{{/*
Whether the app answers web requests: "true", or "" for `port: none` (a
worker or a client). Such an app gets no Service, no container port, no app
port on its sidecar and no probes: it is ready while its process runs and
its sidecar is ready.
*/}}
{{- define "paddock.hasPort" -}}
{{- if ne (toString .Values.port) "none" -}}true{{- end -}}
{{- end -}}

{{/*
The app container's probes (packages/paddock/src/contract/health.ts reads the
values the same way for paddock dev and explain): readiness on healthPath,
else a TCP connection to the port; liveness and start-up on livenessPath,
else healthPath, else the port.
*/}}
{{- define "paddock.probe" -}}
{{- if .path -}}
httpGet: { path: {{ .path | quote }}, port: http }
{{- else -}}
tcpSocket: { port: http }
{{- end -}}
{{- end -}}

{{/* Fill ${…} placeholders of the building-block mapping (files/building-blocks.yaml). */}}
{{- define "paddock.fill" -}}
{{- $s := .text -}}
{{- range $k, $v := .vars -}}
{{- $s = replace (printf "${%s}" $k) (toString $v) $s -}}
{{- end -}}
{{- $s -}}
{{- end -}}

{{- define "paddock.secretsDir" -}}/var/run/secrets/paddock{{- end -}}

{{/* Namespace name of an allow-list entry -> the Dapr app-id living there. */}}
{{- define "paddock.appIdOf" -}}
{{- trimSuffix "-ns" . -}}
{{- end -}}

{{/*
Quantities as whole numbers for the checks and the quota: CPU in millicores,
memory in Mi (rounded up). Called with a quantity, or with
(dict "value" q "field" "resources.limits.cpu") to name the field when it
fails. A YAML number reaches the chart as a float; toString gives its shortest
decimal, the text the contract judges too. Zero, negative, malformed and
finer-than-a-millicore amounts fail: they are never rendered.
*/}}
{{- define "paddock.milliCPU" -}}
{{- $in := . -}}
{{- if not (kindIs "map" $in) -}}{{- $in = dict "value" . "field" "CPU amount" -}}{{- end -}}
{{- $q := toString $in.value -}}
{{- $m := 0 -}}
{{- if regexMatch "^[0-9]{1,9}m$" $q -}}
{{- $m = trimSuffix "m" $q | atoi -}}
{{- else if regexMatch "^([0-9]{1,6}|[0-9]{0,6}[.][0-9]{1,3})$" $q -}}
{{- $parts := splitList "." $q -}}
{{- $frac := "" -}}
{{- if gt (len $parts) 1 -}}{{- $frac = index $parts 1 -}}{{- end -}}
{{- $m = add (mul (index $parts 0 | default "0" | atoi) 1000) (printf "%s000" $frac | trunc 3 | atoi) -}}
{{- else if regexMatch "^[0-9]*[.][0-9]{4,}$" $q -}}
{{- fail (printf "%s %q is finer than a millicore: use whole millicores, such as 250m or 0.25" $in.field $q) -}}
{{- else if hasPrefix "-" $q -}}
{{- fail (printf "%s %q is less than zero: every container needs some CPU, at least 1m" $in.field $q) -}}
{{- else -}}
{{- fail (printf "%s %q is not a CPU amount: write millicores such as 250m, or cores such as 0.5" $in.field $q) -}}
{{- end -}}
{{- if le $m 0 -}}
{{- fail (printf "%s %q is zero: every container needs some CPU, at least 1m, and a CPU limit of 0 would mean no limit at all" $in.field $q) -}}
{{- end -}}
{{- $m -}}
{{- end -}}

{{- define "paddock.mebibytes" -}}
{{- $in := . -}}
{{- if not (kindIs "map" $in) -}}{{- $in = dict "value" . "field" "memory amount" -}}{{- end -}}
{{- $q := toString $in.value -}}
{{- $units := dict "Ki" 1024.0 "Mi" 1048576.0 "Gi" 1073741824.0 "k" 1000.0 "M" 1000000.0 "G" 1000000000.0 -}}
{{- if hasPrefix "-" $q -}}
{{- fail (printf "%s %q is less than zero: every container needs some memory, for example 64Mi" $in.field $q) -}}
{{- end -}}
{{- if not (regexMatch "^[0-9]{1,9}([.][0-9]{1,9})?(Ki|Mi|Gi|k|M|G)$" $q) -}}
{{- fail (printf "%s %q is not a memory amount: write Mi or Gi, such as 256Mi or 1Gi" $in.field $q) -}}
{{- end -}}
{{- $number := regexReplaceAll "[A-Za-z]+$" $q "" -}}
{{- $unit := regexReplaceAll "^[0-9.]+" $q "" -}}
{{- $bytes := mulf (float64 $number) (get $units $unit) -}}
{{- if le $bytes 0.0 -}}
{{- fail (printf "%s %q is zero: every container needs some memory, for example 64Mi" $in.field $q) -}}
{{- end -}}
{{- divf $bytes 1048576.0 | ceil | int -}}
{{- end -}}

{{/*
The host an HTTP output binding posts to, judged by the rule of
files/binding-hosts.yaml (the contract, packages/paddock/src/contract/binding-url.ts,
and the admission policy paddock-dapr-binding-hosts say the same): https, no
user name, port 443 only, a host name whose last label is a real top-level
domain, no namespace among its labels, no name known to resolve to a private
address. Messages name the host, never the whole URL (it may carry a token);
that is also why values.schema.json has no pattern for binding.url: Helm's
schema errors print the value they refuse, and Flux shows them in events.
*/}}
{{- define "paddock.bindingHost" -}}
{{- $url := toString .Values.binding.url -}}
{{- $data := .Files.Get "files/binding-hosts.yaml" | fromYaml -}}
{{- if not (hasPrefix "https://" $url) -}}
{{- fail "binding.url must start with https:// (plain http and other schemes are refused)" -}}
{{- end -}}
{{- $authority := regexReplaceAll "(?s)[/?#].*$" (trimPrefix "https://" $url) "" -}}
{{- if contains "@" $authority -}}
{{- fail "binding.url has a user name or password before its host (user@host), which the platform refuses" -}}
{{- end -}}
{{- $lower := lower $authority -}}
{{- if hasPrefix "[" $lower -}}
{{- fail (printf "binding.url host %q is an IP address; bindings post only to public host names" $lower) -}}
{{- end -}}
{{- $host := regexReplaceAll "(?s):.*$" $lower "" -}}
{{- if contains ":" $lower -}}
{{- $port := regexReplaceAll "^[^:]*:" $lower "" -}}
{{- if ne $port "443" -}}
{{- fail (printf "binding.url names port %s for host %q; only the https port, 443, is open to bindings" ($port | default "(none)") $host) -}}
{{- end -}}
{{- end -}}
{{- if hasSuffix "." $host -}}
{{- fail (printf "binding.url host %q ends with a dot; write it without the final dot" $host) -}}
{{- end -}}
{{- if or (gt (len $host) 253) (not (regexMatch "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?([.][a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)+$" $host)) -}}
{{- fail (printf "binding.url host %q is not a host name (letters, digits, '-' and '.', with at least one dot; no IP addresses)" $host) -}}
{{- end -}}
{{- $labels := splitList "." $host -}}
{{- $tld := last $labels -}}
{{- if regexMatch "^([0-9]+|0x[0-9a-f]*)$" $tld -}}
{{- fail (printf "binding.url host %q is an IP address; bindings post only to public host names" $host) -}}
{{- end -}}
{{- if not (has $tld $data.tlds) -}}
{{- fail (printf "binding.url host %q does not end in a public top-level domain (%q is not one), so it may name something inside the cluster" $host $tld) -}}
{{- end -}}
{{- range $labels -}}
{{- if or (has . $data.platformNamespaces) (hasSuffix "-ns" .) -}}
{{- fail (printf "binding.url host %q has a namespace of the cluster in it (%q); with the pod's DNS search path such names can lead inside the cluster" $host .) -}}
{{- end -}}
{{- end -}}
{{- range $data.privateSuffixes -}}
{{- if or (eq $host .) (hasSuffix (printf ".%s" .) $host) -}}
{{- fail (printf "binding.url host %q belongs to %q, whose names lead to loopback or private addresses, or are not public hosts at all" $host .) -}}
{{- end -}}
{{- end -}}
{{- $host -}}
{{- end -}}
