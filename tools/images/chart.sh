#!/usr/bin/env bash
# tools/images/chart.sh NAME — a chart the cluster installs, taken from the
# pinned source where the project ships it in its Go module (no chart
# repository answers here). Output: .cache/cluster/charts/<name>/ (the chart
# directory helm installs or packages), checked against the pinned version.
#
#   cilium          github.com/cilium/cilium install/kubernetes/cilium (the bootstrap installs it)
#   metrics-server  sigs.k8s.io/metrics-server charts/metrics-server (Flux installs it from the
#                   bootstrap registry; platform/clusters/kind-airgapped/controllers)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

name=${1:-}
case $name in
  cilium) module=$CILIUM_MODULE version=$CILIUM_VERSION sub=install/kubernetes/cilium chart=${CILIUM_VERSION#v} ;;
  metrics-server) module=$METRICS_SERVER_MODULE version=$METRICS_SERVER_VERSION sub=charts/metrics-server chart=$METRICS_SERVER_CHART_VERSION ;;
  *) idie "unknown chart '${name}' (known: cilium metrics-server)" ;;
esac
out=$CACHE/charts/$name
if [[ -f $out/Chart.yaml ]] && grep -qx "version: $chart" "$out/Chart.yaml"; then exit 0; fi
src=$(gomod_dir "$module" "$version")
[[ -f $src/$sub/Chart.yaml ]] || idie "no $sub/Chart.yaml in $module@$version (Go module cache: $src)"
grep -qx "version: $chart" "$src/$sub/Chart.yaml" || idie "$module@$version ships $sub/Chart.yaml at another version than $chart"
rm -rf "$out" && mkdir -p "$CACHE/charts"
cp -r "$src/$sub" "$out" && chmod -R u+w "$out"
ilog "chart $name $chart: taken from $module@$version/$sub"
