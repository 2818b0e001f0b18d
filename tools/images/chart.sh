#!/usr/bin/env bash
# tools/images/chart.sh cilium — a chart the bootstrap installs, taken from
# the pinned source where the project ships it in its Go module (no chart
# repository answers here). Output: .cache/cluster/charts/<name>/ (the
# chart directory helm installs), checked against the pinned version.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

name=${1:-}
case $name in
  cilium) module=$CILIUM_MODULE version=$CILIUM_VERSION sub=install/kubernetes/cilium ;;
  *) idie "unknown chart '${name}' (known: cilium)" ;;
esac
out=$CACHE/charts/$name
if [[ -f $out/Chart.yaml ]] && grep -qx "version: ${version#v}" "$out/Chart.yaml"; then exit 0; fi
src=$(gomod_dir "$module" "$version")
[[ -f $src/$sub/Chart.yaml ]] || idie "no $sub/Chart.yaml in $module@$version (Go module cache: $src)"
grep -qx "version: ${version#v}" "$src/$sub/Chart.yaml" || idie "$module@$version ships $sub/Chart.yaml at another version than ${version#v}"
rm -rf "$out" && mkdir -p "$CACHE/charts"
cp -r "$src/$sub" "$out" && chmod -R u+w "$out"
ilog "chart $name ${version#v}: taken from $module@$version/$sub"
