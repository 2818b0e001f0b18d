#!/usr/bin/env bash
# tools/images/chart.sh NAME — a chart the cluster installs, taken from the
# pinned source where the project ships it in its Go module (no chart
# repository answers here). Output: .cache/cluster/charts/<name>/ (the chart
# directory helm installs or packages), checked against the pinned version.
#
#   cilium          github.com/cilium/cilium install/kubernetes/cilium (the bootstrap installs it)
#   metrics-server  sigs.k8s.io/metrics-server charts/metrics-server (Flux installs it from the
#                   bootstrap registry; platform/clusters/kind-airgapped/controllers)
#   dapr            github.com/dapr/dapr charts/dapr at DAPRD_VERSION, versioned by dapr's own
#                   release step (.github/scripts/set_helm_dapr_version.sh: '0.0.0' and 'edge'
#                   become the release), as the chart dapr publishes is made
#   external-secrets  github.com/external-secrets/external-secrets deploy/charts/external-secrets
#                   at ESO_VERSION (Chart.yaml: ESO_CHART_VERSION), its CRDs put into
#                   templates/crds by ESO's own release step (hack/helm.generate.sh, which
#                   runs yq: tools/build.sh yq), less its one subchart, bitwarden-sdk-server:
#                   off by default, and fetched from ghcr.io by `helm dependency build`,
#                   which nothing here can reach
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

name=${1:-}
case $name in
  cilium) module=$CILIUM_MODULE version=$CILIUM_VERSION sub=install/kubernetes/cilium chart=${CILIUM_VERSION#v} ;;
  metrics-server) module=$METRICS_SERVER_MODULE version=$METRICS_SERVER_VERSION sub=charts/metrics-server chart=$METRICS_SERVER_CHART_VERSION ;;
  dapr) module=$DAPRD_MODULE version=$DAPRD_VERSION sub=charts/dapr chart=${DAPRD_VERSION#v} release=.github/scripts/set_helm_dapr_version.sh ;;
  external-secrets) module=$ESO_MODULE version=$ESO_VERSION sub=deploy/charts/external-secrets chart=$ESO_CHART_VERSION drop_dependencies=1
    generate=hack/helm.generate.sh ;;
  *) idie "unknown chart '${name}' (known: cilium metrics-server dapr external-secrets)" ;;
esac
out=$CACHE/charts/$name
if [[ -f $out/Chart.yaml ]] && grep -Eqx "version: [\"']?${chart}[\"']?" "$out/Chart.yaml"; then exit 0; fi
src=$(gomod_dir "$module" "$version")
[[ -f $src/$sub/Chart.yaml ]] || idie "no $sub/Chart.yaml in $module@$version (Go module cache: $src)"
rm -rf "$out" "$out.tmp" && mkdir -p "$out.tmp/charts"
cp -r "$src/$sub" "$out.tmp/charts/$name" && chmod -R u+w "$out.tmp"
if [[ -n ${release:-} ]]; then
  (cd "$out.tmp" && REL_VERSION=$chart run_logged "chart-$name-release" bash "$src/$release")
fi
if [[ -n ${generate:-} ]]; then
  # its release step, as its Makefile's helm.generate runs it: BUNDLE_DIR HELM_DIR
  "$REPO_DIR/tools/build.sh" yq >&2 || idie "building yq failed (see the lines above)"
  PATH=$REPO_DIR/tools/bin:$PATH run_logged "chart-$name-generate" bash "$src/$generate" "$src/deploy/crds" "$out.tmp/charts/$name"
fi
if [[ -n ${drop_dependencies:-} ]]; then
  # the dependencies block is Chart.yaml's last: drop it to the next top-level key
  awk '/^dependencies:/ {skip = 1; next} skip && /^[^ -]/ {skip = 0} !skip' "$out.tmp/charts/$name/Chart.yaml" >"$out.tmp/Chart.yaml"
  mv "$out.tmp/Chart.yaml" "$out.tmp/charts/$name/Chart.yaml" && rm -f "$out.tmp/charts/$name/Chart.lock"
  ! grep -q '^dependencies:' "$out.tmp/charts/$name/Chart.yaml" || idie "could not drop the dependencies of $sub/Chart.yaml"
fi
grep -Eqx "version: [\"']?${chart}[\"']?" "$out.tmp/charts/$name/Chart.yaml" || idie "$module@$version ships $sub/Chart.yaml at another version than $chart"
mv "$out.tmp/charts/$name" "$out" && rm -rf "$out.tmp"
ilog "chart $name $chart: taken from $module@$version/$sub"
