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
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
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

{{/* Container resources: explicit `resources` over the size tier. */}}
{{- define "paddock.resources" -}}
{{- $tier := index .Values.platform.sizes (.Values.size | default "small") -}}
{{- $r := mergeOverwrite (deepCopy $tier) (deepCopy (.Values.resources | default dict)) -}}
{{- toYaml $r -}}
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

{{/* Quantity arithmetic for the quota: CPU in millicores, memory in Mi. */}}
{{- define "paddock.milliCPU" -}}
{{- $q := toString . -}}
{{- if hasSuffix "m" $q -}}{{- trimSuffix "m" $q | atoi -}}{{- else -}}{{- mulf (float64 $q) 1000 | ceil | int -}}{{- end -}}
{{- end -}}

{{- define "paddock.mebibytes" -}}
{{- $q := toString . -}}
{{- if hasSuffix "Mi" $q -}}{{- trimSuffix "Mi" $q | atoi -}}
{{- else if hasSuffix "Gi" $q -}}{{- mulf (float64 (trimSuffix "Gi" $q)) 1024 | ceil | int -}}
{{- else if hasSuffix "M" $q -}}{{- divf (mulf (float64 (trimSuffix "M" $q)) 1000000) 1048576 | ceil | int -}}
{{- else if hasSuffix "G" $q -}}{{- divf (mulf (float64 (trimSuffix "G" $q)) 1000000000) 1048576 | ceil | int -}}
{{- else -}}{{- fail (printf "memory %q: use Mi or Gi, for example 256Mi" $q) -}}
{{- end -}}
{{- end -}}
