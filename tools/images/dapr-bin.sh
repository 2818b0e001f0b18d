#!/usr/bin/env bash
# tools/images/dapr-bin.sh — Dapr's control plane (operator, placement,
# scheduler, sentry, injector) and the full daprd sidecar at DAPRD_VERSION, built from
# dapr's own cmd/<name> packages, unchanged, with the flags of dapr's Makefile
# (daprd with the default flavour, -tags allcomponents: every component of
# components-contrib, not the slim local build of tools/daprd). The wrapper
# module tools/images/dapr/ carries dapr's replace directives and the
# substitutions its go.mod explains (durabletask-go v0.11.0, go-etcd-cron
# v0.12.3: the pinned versions are not served here).
# Output: $CACHE/dapr-bin/<name>.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

out=$CACHE/dapr-bin
mod=$IMAGES_DIR/dapr
# name[:tags]
TARGETS=(operator placement scheduler sentry injector daprd:allcomponents)
v=${DAPRD_VERSION#v}
B=github.com/dapr/dapr/pkg/buildinfo
LDFLAGS="-s -w -X $B.gitcommit=$DAPRD_COMMIT -X $B.gitversion=v$v -X $B.version=$v -X github.com/dapr/kit/logger.DaprVersion=$v"
hash=$(printf '%s\n' "$LDFLAGS" "${TARGETS[@]}" "$(go env GOVERSION)" | cat - "$mod/go.mod" "$mod/go.sum" | sha256sum | cut -c1-16)
lock dapr-bin
if stamp_ok dapr-bin "$hash" && [[ -x $out/daprd ]]; then exit 0; fi

rm -rf "$out.tmp" && mkdir -p "$out.tmp"
n=0
for t in "${TARGETS[@]}"; do
  n=$((n + 1))
  IFS=: read -r name tags <<<"$t"
  ilog "building dapr binary $n of ${#TARGETS[@]}: $name $v${tags:+ (every component: the longest build on a cold Go cache)}…"
  started=$SECONDS
  (cd "$mod" && CGO_ENABLED=0 GOWORK=off GOFLAGS='-mod=readonly -buildvcs=false' \
    run_logged "dapr-$name" go build -trimpath ${tags:+-tags "$tags"} -ldflags "$LDFLAGS" \
    -o "$out.tmp/$name" "github.com/dapr/dapr/cmd/$name")
  ilog "built $name in $((SECONDS - started)) s ($(($(stat -c %s "$out.tmp/$name") / 1000000)) MB)"
  # --dry-run names each substitution for the binaries that link it: check
  # that against what the build recorded
  for s in ${DAPR_SUBSTITUTES//,/ }; do
    m=${s%%@*} bins=+${s#*:}+ linked=no listed=no
    go version -m "$out.tmp/$name" | grep -qP "^\t=>\t\Q$m\E\t" && linked=yes
    [[ $bins == *"+$name+"* ]] && listed=yes
    [[ $linked == "$listed" ]] || idie "$name links $m at its substitute: $linked; DAPR_SUBSTITUTES in tools/versions.env says: $listed (correct the list)"
  done
done
rm -rf "$out" && mv "$out.tmp" "$out"
stamp_write dapr-bin "$hash"
