#!/usr/bin/env bash
# tools/images/manifests.sh NAME — plain manifests a controller of the cluster
# is installed from, taken from the pinned source where the project ships them
# in its Go module (where no chart repository answers and the project has no
# chart in a module). Output: .cache/cluster/manifests/<name>/ (a folder
# `flux push artifact` sends to the bootstrap registry; a Flux Kustomization
# of platform/clusters/kind-airgapped/controllers applies it).
#
#   prometheus-operator  bundle.yaml of github.com/prometheus-operator/prometheus-operator at
#                        PROMETHEUS_OPERATOR_VERSION: its CRDs, RBAC and the operator's Deployment
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

name=${1:-}
case $name in
  prometheus-operator) module=$PROMETHEUS_OPERATOR_MODULE version=$PROMETHEUS_OPERATOR_VERSION files=(bundle.yaml) ;;
  *) idie "unknown manifests '${name}' (known: prometheus-operator)" ;;
esac
out=$CACHE/manifests/$name
lock "manifests-$name"
if stamp_ok "manifests-$name" "$module@$version" && [[ -d $out ]]; then exit 0; fi
src=$(gomod_dir "$module" "$version")
rm -rf "$out" && mkdir -p "$out"
for f in "${files[@]}"; do
  [[ -f $src/$f ]] || idie "no $f in $module@$version (Go module cache: $src)"
  install -m 0644 "$src/$f" "$out/"
done
stamp_write "manifests-$name" "$module@$version"
ilog "manifests $name: ${files[*]} taken from $module@$version"
