#!/usr/bin/env bash
# tools/images/flux.sh controller NAME | cli | version NAME — Flux built from
# its pinned Go modules, where no release download answers.
#
#   controller NAME  NAME's binary (source-controller, kustomize-controller,
#                    helm-controller) at the version FLUX_VERSION's go.mod names
#                    for NAME's api module, as its Dockerfile builds it; path printed
#   cli              tools/bin/flux: the flux CLI at FLUX_VERSION with its
#                    install manifests embedded, made from the controllers'
#                    own config/ folders the way Flux's release makes them, so
#                    that `flux install --version=FLUX_VERSION` needs no download
#   version NAME     the version FLUX_VERSION deploys of controller NAME (its pin, checked)
#
# A controller's module zip lacks its api/ folder (a module of its own that
# go.mod replaces with ./api), and flux2's lacks cmd/flux/manifests/ (made by
# its release): both are put back from the module cache, in a copy under
# $CACHE/flux/src/. Each output is stamped with the hash of its inputs.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

FLUX_SRC=$(gomod_dir "$FLUX_MODULE" "$FLUX_VERSION")
[[ -n $FLUX_SRC ]] || idie "cannot download $FLUX_MODULE@$FLUX_VERSION from the Go module proxy"
# What `flux install` deploys here (tools/versions.env says why these).
FLUX_COMPONENTS=(source-controller kustomize-controller helm-controller)

# The recipe's code, as an input of every output's hash (comments and progress lines are not).
RECIPE=$(grep -vE '^\s*(#|ilog )' "${BASH_SOURCE[0]}" | sha256sum | cut -c1-16)

pin_key() { # NAME SUFFIX → FLUX_<NAME>_<SUFFIX>, the key in tools/versions.env
  local key=FLUX_${1^^}_$2
  printf '%s' "${key//-/_}"
}

substitute() { # NAME → its FLUX_<NAME>_SUBSTITUTE, or nothing
  local key
  key=$(pin_key "$1" SUBSTITUTE)
  printf '%s' "${!key:-}"
}

controller_version() { # the pin, checked against what flux2's go.mod names
  local key v want
  key=$(pin_key "$1" VERSION)
  v=${!key:-}
  [[ -n $v ]] || idie "tools/versions.env has no $key"
  want=$(awk -v m="github.com/fluxcd/$1/api" '$1 == m {print $2; exit}' "$FLUX_SRC/go.mod")
  [[ $v == "$want" ]] || idie "$key=$v in tools/versions.env, but Flux $FLUX_VERSION deploys $1 ${want:-?} (its go.mod); set $key=$want"
  printf '%s\n' "$v"
}

# a writable copy of a module's source; with API, the nested api module put back as ./api
source_copy() { # MODULE VERSION [API] → path printed
  local module=$1 version=$2 src api dir=$CACHE/flux/src/${1##*/fluxcd/}
  src=$(gomod_dir "$module" "$version")
  [[ -n $src ]] || idie "cannot download $module@$version from the Go module proxy"
  rm -rf "$dir" && mkdir -p "$dir"
  cp -r "$src/." "$dir/" && chmod -R u+w "$dir"
  if [[ -n ${3:-} ]]; then
    api=$(gomod_dir "$module/api" "$version")
    [[ -n $api ]] || idie "cannot download $module/api@$version from the Go module proxy"
    cp -r "$api" "$dir/api" && chmod -R u+w "$dir/api"
  fi
  printf '%s\n' "$dir"
}

go_build() { # DIR OUT PKG LDFLAGS LOGNAME
  (cd "$1" && CGO_ENABLED=0 GOWORK=off GOFLAGS='-mod=readonly -buildvcs=false' \
    run_logged "$5" go build -trimpath -tags 'netgo,osusergo,static_build' -ldflags "$4" -o "$2" "$3")
}

build_controller() {
  local name=$1 version out hash dir started=$SECONDS
  [[ " ${FLUX_COMPONENTS[*]} " == *" $name "* ]] || idie "unknown Flux controller '$name' (known: ${FLUX_COMPONENTS[*]})"
  version=$(controller_version "$name")
  out=$CACHE/flux/bin/$name
  lock "flux-$name"
  hash=$(printf '%s\n' "$name" "$version" "$(substitute "$name")" "$(go env GOVERSION)" "$RECIPE" | sha256sum | cut -c1-16)
  if [[ -x $out ]] && stamp_ok "flux-$name" "$hash"; then printf '%s\n' "$out"; return; fi
  ilog "  compiling $name ${version#v} (github.com/fluxcd/$name; minutes when Go's build cache is cold)…"
  dir=$(source_copy "github.com/fluxcd/$name" "$version" api)
  mkdir -p "$CACHE/flux/bin"
  local sub
  sub=$(substitute "$name")
  if [[ -n $sub ]]; then
    ilog "  $name: ${sub%@*} at ${sub#*@} (the version its go.mod names is not served here)"
    (cd "$dir" && GOWORK=off go mod edit -replace "${sub%@*}=$sub" && GOWORK=off GOFLAGS=-mod=mod go mod download "$sub" &&
      GOWORK=off GOFLAGS=-mod=mod run_logged "flux-$name-sum" go list -deps . >/dev/null)
  fi
  go_build "$dir" "$out" . '-s -w' "flux-$name"
  rm -rf "$dir"
  stamp_write "flux-$name" "$hash"
  ilog "  built $name ${version#v} in $((SECONDS - started)) s"
  printf '%s\n' "$out"
}

# Flux's release, for each controller: <name>.crds.yaml and
# <name>.deployment.yaml (kustomize build of its config/crd and config/manager),
# which flux2's manifests/bases/<name> then reference by URL; here the bases
# point at the built files instead. bundle.sh then makes the embedded set.
embedded_manifests() { # FLUX2_COPY
  local flux2=$1 name version src base kustomize
  kustomize=$(PADDOCK_TOOLS_OFFLINE=${PADDOCK_TOOLS_OFFLINE:-1} "$REPO_DIR/tools/build.sh" kustomize >&2 && echo "$REPO_DIR/tools/bin/kustomize")
  for name in "${FLUX_COMPONENTS[@]}"; do
    version=$(controller_version "$name")
    src=$(gomod_dir "github.com/fluxcd/$name" "$version")
    base=$flux2/manifests/bases/$name
    "$kustomize" build "$src/config/crd" >"$base/$name.crds.yaml"
    "$kustomize" build "$src/config/manager" >"$base/$name.deployment.yaml"
    sed -i -E "s#https://github.com/fluxcd/$name/releases/download/[^/]+/#./#" "$base/kustomization.yaml"
    grep -q 'https://' "$base/kustomization.yaml" && idie "manifests/bases/$name/kustomization.yaml still names a URL"
  done
  # only the bases built here go into the bundle
  for base in "$flux2"/manifests/bases/*/; do
    [[ " ${FLUX_COMPONENTS[*]} " == *" $(basename "$base") "* ]] || rm -rf "$base"
  done
  PATH=$REPO_DIR/tools/bin:$PATH run_logged flux-manifests bash "$flux2/manifests/scripts/bundle.sh"
}

build_cli() {
  local out=$REPO_DIR/tools/bin/flux hash dir started=$SECONDS v
  lock flux-cli
  hash=$(printf '%s\n' "$FLUX_VERSION" "${FLUX_COMPONENTS[@]}" "$(go env GOVERSION)" "$RECIPE" | sha256sum | cut -c1-16)
  for v in "${FLUX_COMPONENTS[@]}"; do hash=$(printf '%s %s' "$hash" "$(controller_version "$v")" | sha256sum | cut -c1-16); done
  if [[ -x $out ]] && stamp_ok flux-cli "$hash"; then printf '%s\n' "$out"; return; fi
  ilog "  building the flux CLI ${FLUX_VERSION#v} with its install manifests embedded (minutes when Go's build cache is cold)…"
  dir=$(source_copy "$FLUX_MODULE" "$FLUX_VERSION")
  embedded_manifests "$dir"
  mkdir -p "$REPO_DIR/tools/bin"
  # as flux2's .goreleaser.yml: -X main.VERSION
  go_build "$dir" "$out" ./cmd/flux "-s -w -X main.VERSION=${FLUX_VERSION#v}" flux-cli
  rm -rf "$dir"
  stamp_write flux-cli "$hash"
  ilog "  built flux ${FLUX_VERSION#v} in $((SECONDS - started)) s"
  printf '%s\n' "$out"
}

case ${1:-} in
  controller) build_controller "${2:?controller NAME}" ;;
  cli) build_cli ;;
  version) controller_version "${2:?version NAME}" ;;
  *) sed -n '2,17p' "${BASH_SOURCE[0]}" >&2; exit 2 ;;
esac
