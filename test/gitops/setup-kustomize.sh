#!/usr/bin/env bash
# Build the pinned kustomize into tools/bin/ when it is not there yet (the
# gitops tests need a real kustomize; there is no kubectl on this machine).
# Idempotent: a present binary of the pinned version is kept.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
VERSION=v5.7.1
BIN=$ROOT/tools/bin/kustomize
if [[ -x $BIN ]] && "$BIN" version 2>/dev/null | grep -q "${VERSION}"; then exit 0; fi
echo "[gitops] building kustomize ${VERSION} into tools/bin (go install)" >&2
GOBIN=$ROOT/tools/bin go install "sigs.k8s.io/kustomize/kustomize/v5@${VERSION}"
