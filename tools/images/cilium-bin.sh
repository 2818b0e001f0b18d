#!/usr/bin/env bash
# tools/images/cilium-bin.sh — Cilium's Go binaries at CILIUM_VERSION, as
# upstream's Makefile builds them for the cilium and operator-generic images
# (SUBDIRS_CILIUM_CONTAINER less bugtool and the hubble CLI; operator with
# the ipam_provider_operator tag). The module's go.mod carries replace
# directives, so it cannot be `go install`ed: its source is copied out of Go's
# module cache and built as the main module (its own go.sum pins every
# dependency). Output: $CACHE/cilium-bin/{usr/bin,opt/cni/bin,var/lib/cilium/bpf}.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

out=$CACHE/cilium-bin
# name:package[:extra tags]
TARGETS=(cilium-agent:./daemon cilium-dbg:./cilium-dbg cilium-health:./cilium-health
  cilium-health-responder:./cilium-health/responder cilium-mount:./tools/mount
  cilium-sysctlfix:./tools/sysctlfix cilium-cni:./plugins/cilium-cni
  cilium-operator-generic:./operator:ipam_provider_operator)
v=${CILIUM_VERSION#v}
LDFLAGS="-s -w -X github.com/cilium/cilium/pkg/version.ciliumVersion=$v"
hash=$(printf '%s\n' "$CILIUM_MODULE" "$CILIUM_VERSION" "$LDFLAGS" "${TARGETS[@]}" "$(go env GOVERSION)" | sha256sum | cut -c1-16)
lock cilium-bin
if stamp_ok cilium-bin "$hash" && [[ -x $out/usr/bin/cilium-agent ]]; then exit 0; fi

src=$(gomod_dir "$CILIUM_MODULE" "$CILIUM_VERSION")
[[ -d $src ]] || idie "cannot download $CILIUM_MODULE@$CILIUM_VERSION from the Go module proxy"
work=$CACHE/src/cilium-$v
if [[ ! -f $work/go.mod ]]; then
  rm -rf "$work" && mkdir -p "$work"
  cp -r "$src/." "$work/" && chmod -R u+w "$work"
fi
rm -rf "$out.tmp" && mkdir -p "$out.tmp/usr/bin" "$out.tmp/opt/cni/bin" "$out.tmp/var/lib/cilium"
n=0
for t in "${TARGETS[@]}"; do
  n=$((n + 1))
  IFS=: read -r name pkg tags <<<"$t"
  dest=$out.tmp/usr/bin/$name
  [[ $name == cilium-cni ]] && dest=$out.tmp/opt/cni/bin/$name
  ilog "building cilium binary $n of ${#TARGETS[@]}: $name (cold: the agent takes the longest)…"
  started=$SECONDS
  (cd "$work" && CGO_ENABLED=0 GOWORK=off GOFLAGS='-mod=mod -buildvcs=false' \
    run_logged "cilium-$name" go build -trimpath -tags "osusergo${tags:+,$tags}" -ldflags "$LDFLAGS" -o "$dest" "$pkg")
  ilog "built $name in $((SECONDS - started)) s"
done
ln -s cilium-dbg "$out.tmp/usr/bin/cilium"
# the BPF sources the agent compiles at run time (upstream's install-bpf)
cp -r "$work/bpf" "$out.tmp/var/lib/cilium/bpf"
# the init containers' scripts (images/cilium/Dockerfile copies them to /)
# (executable: a Go module zip keeps no file modes)
install -m 0755 "$work/images/cilium/init-container.sh" "$work/plugins/cilium-cni/install-plugin.sh" \
  "$work/plugins/cilium-cni/cni-uninstall.sh" "$out.tmp/"
rm -rf "$out" && mv "$out.tmp" "$out"
stamp_write cilium-bin "$hash"
