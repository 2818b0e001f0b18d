#!/usr/bin/env bash
# tools/images/rootfs.sh NAME — a Debian bookworm root file system from
# Debian's mirror (debootstrap), for the images that need a distribution
# userland. Output: $CACHE/rootfs-NAME/ (a plain directory the image recipes
# copy from). Cached by the package list.
#   node    the kind node (what kind's images/base installs from apt)
#   cilium  the cilium agent's runtime (what images/runtime of the cilium
#           module installs, with Debian's clang-19/llc-19 and bpftool in
#           place of cilium's own LLVM and bpftool builds)
#   redis   Redis from Debian (in place of the redis:7.4-alpine the platform names)
#   python  Python 3 from Debian (in place of python:3.12-alpine)
#   python-slim  the base of an app's python:<version>-slim-bookworm: Debian's
#           Python 3 with pip and venv (`python` and `pip` as the official image names them)
#   node-slim    the base of an app's node:<version>-bookworm-slim: Debian (the
#           Node.js itself comes from the npm registry, see build.sh)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

name=${1:?usage: rootfs.sh node|cilium|redis|python|python-slim|node-slim}
MIRROR=${PADDOCK_DEBIAN_MIRROR:-http://deb.debian.org/debian}
SUITE=bookworm
case $name in
  # kind's images/base list, less the storage-test packages (nfs-common,
  # open-iscsi); plus Debian's containerd (1.6), runc and CNI plugins, which
  # kind builds from source and which are packaged here.
  node) PACKAGES=(systemd conntrack iptables nftables iproute2 ethtool util-linux mount kmod
    libseccomp2 pigz fuse-overlayfs e2fsprogs bash ca-certificates curl jq procps
    containerd runc containernetworking-plugins socat) ;;
  # cilium's images/runtime/install-runtime-deps.sh list plus jq, the
  # compiler the agent runs for its BPF programs, bpftool, and the CNI
  # loopback plugin (from Debian instead of a GitHub release).
  cilium) PACKAGES=(bash-completion iproute2 iptables ipset kmod ca-certificates libatomic1 jq
    clang-19 llvm-19 bpftool containernetworking-plugins) ;;
  redis) PACKAGES=(redis-server) ;;
  python) PACKAGES=(python3) ;;
  python-slim) PACKAGES=(python3 python3-pip python3-venv python-is-python3 ca-certificates) ;;
  node-slim) PACKAGES=(ca-certificates) ;;
  *) idie "unknown root file system '$name' (known: node, cilium, redis, python, python-slim, node-slim)" ;;
esac

out=$CACHE/rootfs-$name
hash=$(printf '%s\n' "$SUITE" "$MIRROR" "${PACKAGES[@]}" | sha256sum | cut -c1-16)
lock "rootfs-$name"
if stamp_ok "rootfs-$name" "$hash" && [[ -d $out/usr/bin ]]; then
  exit 0
fi
if ! command -v debootstrap >/dev/null; then
  { [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; } || idie "debootstrap is not installed; run: apt-get install -y debootstrap"
  ilog "installing Debian's debootstrap (apt-get)…"
  run_logged apt-debootstrap sh -c 'apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap'
fi
ilog "root file system '$name': debootstrap $SUITE with ${#PACKAGES[@]} packages (first run only, a few minutes)…"
started=$SECONDS
rm -rf "$out.tmp"
inc=$(IFS=,; echo "${PACKAGES[*]}")
run_logged "rootfs-$name" debootstrap --variant=minbase --include="$inc" "$SUITE" "$out.tmp" "$MIRROR"
rm -rf "$out.tmp/var/cache/apt/archives/"*.deb "$out.tmp/var/lib/apt/lists/"*
rm -rf "$out"
mv "$out.tmp" "$out"
stamp_write "rootfs-$name" "$hash"
ilog "root file system '$name' ready in $((SECONDS - started)) s ($(du -sm "$out" | cut -f1) MB)"
