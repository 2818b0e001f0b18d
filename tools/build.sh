#!/usr/bin/env bash
# tools/build.sh [tool...] — make each pinned Go tool available as tools/bin/<tool>.
#
# Tools: helm kubeconform daprd sentry registry kube-apiserver etcd paddock-engine kustomize controller-gen
#        kubelet kubeadm kubectl kube-controller-manager kube-scheduler kind coredns yq (default: helm kubeconform).
# Pins: tools/versions.env. Details: tools/README.md.
#
# For each tool, cheapest first:
#   1. warm: tools/bin/<tool> exists and its stamp tools/bin/.<tool>.version
#      matches the pin, the build recipe and the binary → nothing to do
#      (no go, no network: a few milliseconds per tool);
#   2. a binary of the pinned version already on PATH (daprd: also
#      ~/.dapr/bin/daprd) → symlinked into tools/bin/;
#   3. a checksum-verified release download (helm, kubeconform,
#      kube-apiserver, etcd), skipped quietly when offline (5 s connect timeout)
#      or with PADDOCK_TOOLS_OFFLINE=1;
#   4. a build from the Go module at the pinned version — `go install
#      module/cmd@version` when upstream allows it, else the wrapper module in
#      tools/<tool>/ (committed go.mod + go.sum). Go's build cache makes
#      rebuilds fast; never clean it.
#
# Progress goes to stderr as "[build] …" lines; go's own output goes to
# tools/bin/.<tool>.build.log and is shown only when the build fails.
set -euo pipefail

TOOLS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
# PADDOCK_TOOLS_BIN: another output folder (an installed paddock builds into the user's cache).
BIN_DIR=${PADDOCK_TOOLS_BIN:-$TOOLS_DIR/bin}
KNOWN_TOOLS=(helm kubeconform daprd sentry registry kube-apiserver etcd paddock-engine kustomize controller-gen
  kubelet kubeadm kubectl kube-controller-manager kube-scheduler kind coredns yq)
# The Kubernetes components of the live cluster (make e2e): one wrapper module,
# tools/kubernetes/, one main package per component under cmd/.
KUBE_TOOLS=" kubelet kubeadm kubectl kube-controller-manager kube-scheduler "
DEFAULT_TOOLS=(helm kubeconform)

# shellcheck source=versions.env
source "$TOOLS_DIR/versions.env"

log() { printf '[build] %s\n' "$*" >&2; }
die() { printf '[build] error: %s\n' "$*" >&2; exit 1; }

usage() {
  cat <<EOF
usage: tools/build.sh [tool...]
Builds (or reuses) the pinned Go tools into tools/bin/.
tools: ${KNOWN_TOOLS[*]} (default: ${DEFAULT_TOOLS[*]})
env:   PADDOCK_TOOLS_OFFLINE=1  do not try release downloads
       PADDOCK_TOOLS_BIN=DIR    build into DIR instead of tools/bin
EOF
}

# ---- per-tool recipe -------------------------------------------------------
# spec TOOL sets: MODULE VERSION WRAPPER PKG TAGS LDFLAGS
spec() {
  local tool=$1 key
  [[ " ${KNOWN_TOOLS[*]} " == *" $tool "* ]] || die "unknown tool '$tool' (known: ${KNOWN_TOOLS[*]})"
  key=${tool^^}
  key=${key//-/_}
  # paddock-engine is paddock's own program on helm's engine: it follows helm's pin.
  [[ $tool == paddock-engine ]] && key=HELM
  # sentry is Dapr's CA from the same module: it follows daprd's pin.
  [[ $tool == sentry ]] && key=DAPRD
  # kubelet, kubeadm, ... are Kubernetes itself, like kube-apiserver.
  [[ $KUBE_TOOLS == *" $tool "* ]] && key=KUBE_APISERVER
  local module_var=${key}_MODULE version_var=${key}_VERSION
  # kube-apiserver is Kubernetes itself: it follows the one Kubernetes pin.
  [[ $key == KUBE_APISERVER ]] && version_var=KUBERNETES_VERSION
  MODULE=${!module_var:-}
  VERSION=${!version_var:-}
  [[ -n $MODULE && -n $VERSION ]] || die "tools/versions.env has no ${module_var}/${version_var}"
  WRAPPER='' PKG='' TAGS='' SUBDIR=.
  LDFLAGS='-s -w'
  case $tool in
    helm) # as helm's Makefile does for a tagged release
      PKG=$MODULE/cmd/helm@$VERSION
      local v=$MODULE/internal/version
      LDFLAGS+=" -X $v.version=$VERSION -X $v.gitCommit=$HELM_COMMIT -X $v.gitTreeState=clean" ;;
    kubeconform)
      PKG=$MODULE/cmd/kubeconform@$VERSION
      LDFLAGS+=" -X main.version=$VERSION" ;;
    daprd | sentry) # as dapr's Makefile does (pkg/buildinfo)
      WRAPPER=$tool
      local b=$MODULE/pkg/buildinfo
      LDFLAGS+=" -X $b.version=${VERSION#v} -X $b.gitcommit=$DAPRD_COMMIT -X $b.gitversion=$VERSION"
      LDFLAGS+=" -X github.com/dapr/kit/logger.DaprVersion=${VERSION#v}" ;;
    registry) # as distribution's Makefile does
      WRAPPER=registry
      LDFLAGS+=" -X $MODULE/version.version=$VERSION -X $MODULE/version.mainpkg=$MODULE" ;;
    kube-apiserver | kubelet | kubeadm | kubectl | kube-controller-manager | kube-scheduler)
      # as kubernetes' hack/lib/{golang,version}.sh do
      WRAPPER=kube-apiserver
      [[ $tool == kube-apiserver ]] || { WRAPPER=kubernetes; SUBDIR=./cmd/$tool; }
      TAGS=selinux,notest
      local mm=${VERSION#v} p
      mm=${mm%.*}
      for p in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
        LDFLAGS+=" -X $p.gitVersion=$VERSION -X $p.gitMajor=${mm%%.*} -X $p.gitMinor=${mm#*.}"
      done
      # kubeadm and kubectl print gitTreeState too ("dirty" otherwise)
      [[ $tool == kube-apiserver ]] || for p in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
        LDFLAGS+=" -X $p.gitTreeState=clean"
      done ;;
    kind) # as kind's Makefile does (its version is a constant; only the commit is stamped)
      PKG=$MODULE@$VERSION ;;
    coredns) # its go.mod has no replaces: go install works
      PKG=$MODULE@$VERSION ;;
    paddock-engine) # tools/engine: helm template + kubeconform for many apps in one process
      WRAPPER=engine ;;
    yq) # no replaces; its version is a constant (the live cluster's chart steps run it: ESO's helm.generate.sh)
      PKG=$MODULE@$VERSION ;;
    kustomize) # its version comes from the module's build info; nothing to stamp
      PKG=$MODULE@$VERSION ;;
    controller-gen) # the same: its version comes from the build info
      PKG=$MODULE/cmd/controller-gen@$VERSION ;;
    etcd) # version is a constant upstream; only the commit is stamped
      WRAPPER=etcd
      LDFLAGS+=" -X go.etcd.io/etcd/api/v3/version.GitSHA=$ETCD_COMMIT" ;;
    *) die "unknown tool '$tool' (known: ${KNOWN_TOOLS[*]})" ;;
  esac
}

# The version a binary reports, normalised to "vX.Y.Z" (empty if it fails).
reported_version() {
  local tool=$1 bin=$2 out=''
  case $tool in
    helm)           out=$(timeout 10 "$bin" version --template '{{.Version}}' 2>/dev/null) || true ;;
    kubeconform)    out=$(timeout 10 "$bin" -v 2>/dev/null) || true ;;
    daprd | sentry) out=$(timeout 10 "$bin" --version 2>/dev/null) || true ;;
    registry)       out=$(timeout 10 "$bin" --version 2>/dev/null | awk '{print $3; exit}') || true ;;
    kustomize)      out=$(timeout 10 "$bin" version 2>/dev/null) || true ;;
    controller-gen) out=$(timeout 10 "$bin" --version 2>/dev/null | awk '{print $2; exit}') || true ;;
    kube-apiserver | kubelet | kube-controller-manager | kube-scheduler)
                    out=$(timeout 10 "$bin" --version 2>/dev/null | awk '{print $2; exit}') || true ;;
    kubeadm)        out=$(timeout 10 "$bin" version -o short 2>/dev/null) || true ;;
    kubectl)        out=$(timeout 10 "$bin" version --client -o json 2>/dev/null | awk -F'"' '/gitVersion/ {print $4; exit}') || true ;;
    kind)           out=$(timeout 10 "$bin" version 2>/dev/null | awk '{print $2; exit}') || true ;;
    yq)             out=$(timeout 10 "$bin" --version 2>/dev/null | awk '{print $NF; exit}') || true ;;
    coredns)        out=$(timeout 10 "$bin" -version 2>/dev/null | awk -F- '/^CoreDNS-/ {print $2; exit}') || true ;;
    etcd)           out=$(timeout 10 "$bin" --version 2>/dev/null | awk '/^etcd Version:/ {print $3; exit}') || true ;;
  esac
  out=${out%%$'\n'*}
  [[ -n $out ]] && printf 'v%s\n' "${out#v}"
  return 0
}

# ---- stamps ----------------------------------------------------------------
# tools/bin/.<tool>.version holds one line:
#   <version> <size>-<mtime of the binary> <how> <detail>
# how = source (detail: hash of the recipe and wrapper files), path (detail:
# the reused binary), download (detail: the URL).
stamp_file() { printf '%s/.%s.version' "$BIN_DIR" "$1"; }

fingerprint() { stat -L -c '%s-%Y' "$1" 2>/dev/null || echo none; }

recipe_hash() {
  local tool=$1
  {
    printf '%s\n' "$tool" "$MODULE" "$VERSION" "$PKG" "$TAGS" "$LDFLAGS"
    if [[ -n $WRAPPER ]]; then
      cat "$TOOLS_DIR/$WRAPPER/go.mod" "$TOOLS_DIR/$WRAPPER/go.sum" "$TOOLS_DIR/$WRAPPER/$SUBDIR"/*.go
    fi
  } | sha256sum | cut -c1-16
}

write_stamp() { # tool how detail
  printf '%s %s %s %s\n' "$VERSION" "$(fingerprint "$BIN_DIR/$1")" "$2" "$3" >"$(stamp_file "$1")"
}

is_warm() {
  local tool=$1 stamp v fp how detail
  stamp=$(stamp_file "$tool")
  [[ -x $BIN_DIR/$tool && -f $stamp ]] || return 1
  read -r v fp how detail <"$stamp" || return 1
  [[ $v == "$VERSION" && $fp == "$(fingerprint "$BIN_DIR/$tool")" ]] || return 1
  case $how in
    source) [[ $detail == "$(recipe_hash "$tool")" ]] ;;
    path | download) return 0 ;;
    *) return 1 ;;
  esac
}

# ---- 2. reuse a pinned binary from PATH ------------------------------------
reuse_from_path() {
  local tool=$1 dir cand real dirs=()
  IFS=: read -r -a dirs <<<"${PATH:-}"
  [[ $tool == daprd ]] && dirs+=("$HOME/.dapr/bin")
  for dir in "${dirs[@]}"; do
    [[ -n $dir && -d $dir ]] || continue
    [[ $(cd "$dir" && pwd -P) == "$BIN_DIR" ]] && continue # our own output
    cand=$dir/$tool
    [[ -x $cand && ! -d $cand ]] || continue
    real=$(readlink -f "$cand")
    [[ $real == "$BIN_DIR"/* ]] && continue
    if [[ $(reported_version "$tool" "$real") == "v${VERSION#v}" ]]; then
      ln -sfn "$real" "$BIN_DIR/$tool"
      write_stamp "$tool" path "$real"
      log "$tool ${VERSION#v}: reusing $real"
      return 0
    fi
  done
  return 1
}

# ---- 3. release download ---------------------------------------------------
# Not for daprd (the release is the full build; paddock's is slim) nor
# registry (ours leaves out the cloud storage drivers).
NET_DOWN=${PADDOCK_TOOLS_OFFLINE:-0}

release_urls() { # tool arch → "archive-url checksums-url member" (member empty: bare binary)
  local tool=$1 arch=$2 gh
  case $tool in
    helm)
      echo "https://get.helm.sh/helm-$VERSION-linux-$arch.tar.gz https://get.helm.sh/helm-$VERSION-linux-$arch.tar.gz.sha256sum linux-$arch/helm" ;;
    kubeconform)
      gh=https://github.com/yannh/kubeconform/releases/download/$VERSION
      echo "$gh/kubeconform-linux-$arch.tar.gz $gh/CHECKSUMS kubeconform" ;;
    kube-apiserver | kubelet | kubeadm | kubectl | kube-controller-manager | kube-scheduler)
      echo "https://dl.k8s.io/release/$VERSION/bin/linux/$arch/$tool https://dl.k8s.io/release/$VERSION/bin/linux/$arch/$tool.sha256" ;;
    etcd)
      gh=https://github.com/etcd-io/etcd/releases/download/$VERSION
      echo "$gh/etcd-$VERSION-linux-$arch.tar.gz $gh/SHA256SUMS etcd-$VERSION-linux-$arch/etcd" ;;
  esac
}

fetch() { # url file → 0 ok; on a network failure also marks the network down
  local rc=0
  curl -fsSL --connect-timeout 5 --max-time 600 -o "$2" "$1" 2>/dev/null || rc=$?
  case $rc in
    0) return 0 ;;
    5 | 6 | 7 | 28 | 35) NET_DOWN=1 ;; # proxy/host unresolvable, no route, timeout, TLS
  esac
  return 1
}

try_download() {
  local tool=$1 tmp rc=0
  [[ $NET_DOWN == 0 ]] && command -v curl >/dev/null || return 1
  tmp=$(mktemp -d "$BIN_DIR/.download.XXXXXX")
  download_into "$tool" "$tmp" || rc=$?
  rm -rf "$tmp"
  return "$rc"
}

download_into() { # tool tmpdir
  local tool=$1 tmp=$2 arch urls url sums member want got
  [[ $(uname -s) == Linux ]] || return 1
  case $(uname -m) in
    x86_64) arch=amd64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) return 1 ;;
  esac
  urls=$(release_urls "$tool" "$arch")
  [[ -n $urls ]] || return 1
  read -r url sums member <<<"$urls"
  fetch "$url" "$tmp/artifact" && fetch "$sums" "$tmp/sums" || return 1
  # The checksum file holds either a bare hash or "<hash>  <file name>" lines.
  want=$(awk -v n="${url##*/}" 'NF == 1 {print $1; exit} $2 == n || $2 == "*" n {print $1; exit}' "$tmp/sums")
  got=$(sha256sum "$tmp/artifact" | cut -d' ' -f1)
  if [[ -z $want || $want != "$got" ]]; then
    log "$tool: checksum of $url does not match, building instead"
    return 1
  fi
  if [[ -n $member ]]; then
    tar -xzf "$tmp/artifact" -C "$tmp" "$member" 2>/dev/null || return 1
    mv "$tmp/$member" "$tmp/bin"
  else
    mv "$tmp/artifact" "$tmp/bin"
  fi
  chmod +x "$tmp/bin"
  [[ $(reported_version "$tool" "$tmp/bin") == "v${VERSION#v}" ]] || return 1
  mv -f "$tmp/bin" "$BIN_DIR/$tool"
  write_stamp "$tool" download "$url"
  log "$tool ${VERSION#v}: downloaded $url"
}

# ---- 4. build from the Go module ------------------------------------------
check_wrapper() { # the wrapper's go.mod must require exactly the pinned version
  local tool=$1 gomod=$TOOLS_DIR/$WRAPPER/go.mod
  [[ -f $gomod ]] || die "$gomod is missing"
  awk -v m="$MODULE" -v v="$VERSION" '($1 == m && $2 == v) || ($1 == "require" && $2 == m && $3 == v) {found = 1} END {exit !found}' "$gomod" ||
    die "tools/$WRAPPER/go.mod does not require $MODULE $VERSION (the pin in tools/versions.env); run: cd tools/$WRAPPER && go get $MODULE@$VERSION && go mod tidy"
  if [[ $WRAPPER == kube-apiserver || $WRAPPER == kubernetes ]]; then # staging modules follow the kubernetes version: v1.X.Y → v0.X.Y
    local staging=v0.${VERSION#v1.}
    awk -v s="$staging" '$1 ~ /^k8s\.io\// && $2 == "=>" && $4 != s {bad = 1; print "  " $0} END {exit bad}' "$gomod" >&2 ||
      die "tools/$WRAPPER/go.mod replaces the staging modules above with a version other than $staging"
  fi
  if [[ $tool == etcd ]]; then # etcd follows the Kubernetes pin: the etcd its go.mod builds against
    local k8s_etcd
    k8s_etcd=$(awk '$1 == "go.etcd.io/etcd/client/v3" {print $2; exit}' "$TOOLS_DIR/kube-apiserver/go.mod")
    [[ $k8s_etcd == "$VERSION" ]] ||
      die "ETCD_VERSION=$VERSION in tools/versions.env, but k8s.io/kubernetes $KUBERNETES_VERSION builds against etcd ${k8s_etcd:-?} (tools/kube-apiserver/go.mod); set ETCD_VERSION=$k8s_etcd"
  fi
}

build_from_source() {
  local tool=$1 started=$SECONDS tmp buildlog rc=0 size
  command -v go >/dev/null || die "$tool ${VERSION#v} is not on PATH, has no release download, and Go is not installed to build it: install Go 1.25.9 or newer (https://go.dev/doc/install), or put $tool ${VERSION#v} on PATH"
  [[ -z $WRAPPER ]] || check_wrapper "$tool"
  log "building $tool ${VERSION#v} from source (first run only, a few minutes)…"
  tmp=$(mktemp -d "$BIN_DIR/.build.XXXXXX")
  buildlog=$BIN_DIR/.$tool.build.log
  # Static binaries, no VCS stamping of paddock's own repo, no go.work from
  # elsewhere; go.mod/go.sum are read-only (a wrapper that needs a change
  # fails loudly instead of being rewritten).
  if [[ -n $WRAPPER ]]; then
    (cd "$TOOLS_DIR/$WRAPPER" &&
      CGO_ENABLED=0 GOWORK=off GOFLAGS='-mod=readonly -buildvcs=false' \
        go build -trimpath ${TAGS:+-tags "$TAGS"} -ldflags "$LDFLAGS" -o "$tmp/$tool" "$SUBDIR") >"$buildlog" 2>&1 || rc=$?
  else
    (cd "$TOOLS_DIR" &&
      CGO_ENABLED=0 GOWORK=off GOFLAGS='-buildvcs=false' GOBIN="$tmp" \
        go install -trimpath ${TAGS:+-tags "$TAGS"} -ldflags "$LDFLAGS" "$PKG") >"$buildlog" 2>&1 || rc=$?
  fi
  if [[ $rc != 0 || ! -x $tmp/$tool ]]; then
    rm -rf "$tmp"
    tail -n 25 "$buildlog" >&2
    die "building $tool failed (full log: $buildlog)"
  fi
  mv -f "$tmp/$tool" "$BIN_DIR/$tool"
  rm -rf "$tmp" "$buildlog"
  write_stamp "$tool" source "$(recipe_hash "$tool")"
  size=$(( $(stat -c %s "$BIN_DIR/$tool") / 1000000 ))
  log "built $tool ${VERSION#v} in $((SECONDS - started)) s (${size} MB)"
}

# ---- main ------------------------------------------------------------------
LOCKED=0
lock() { # one builder at a time (parallel test set-ups); the warm path never locks
  [[ $LOCKED == 1 ]] && return 0
  LOCKED=1
  command -v flock >/dev/null || return 0
  exec 9>"$BIN_DIR/.lock"
  flock -n 9 || { log "waiting for another tools/build.sh…"; flock 9; }
}

main() {
  local tools=("$@") tool
  case ${1:-} in -h | --help) usage; return 0 ;; esac
  [[ ${#tools[@]} -gt 0 ]] || tools=("${DEFAULT_TOOLS[@]}")
  for tool in "${tools[@]}"; do spec "$tool"; done # reject unknown names before any work
  mkdir -p "$BIN_DIR"
  for tool in "${tools[@]}"; do
    spec "$tool"
    is_warm "$tool" && continue
    lock
    is_warm "$tool" && continue # built meanwhile by another build.sh
    reuse_from_path "$tool" || try_download "$tool" || build_from_source "$tool"
  done
}

main "$@"
