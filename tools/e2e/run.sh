#!/usr/bin/env bash
# tools/e2e/run.sh — `make e2e`: from nothing to a live kind cluster and back.
#
#   1. a Docker engine (tools/e2e/engine.sh start: the running one, else
#      Debian's docker.io started here, through the capability-dropping runtime
#      wrapper where the host needs it);
#   2. `paddock cluster up`: the images (pulled where the registries answer,
#      else built here from pinned source, cached), the kind cluster at
#      KUBERNETES_VERSION, Cilium, the bootstrap registry, Flux, the
#      controllers' charts and the platform/ tree pushed to it and Flux's entry
#      point applied, the apps' images and the shared chart published, every
#      Kustomization and HelmRelease Ready;
#   3. the live assertions of each stage (test/e2e/, PADDOCK_E2E=1; the last
#      onboards a third app on the worker `--pool app3` added, runs `cluster
#      test` on three apps and offboards it), then `paddock cluster test`: the
#      platform's promises, with real traffic;
#   4. `paddock cluster down`, kind's Docker network, and the dockerd step 1
#      started: nothing of its own is left behind, pass or fail.
#
# Stages 1 to 6 of issue 12 (nodes and Cilium; Flux; metrics-server and Dapr
# from the platform's own registry; ESO, Prometheus and the registry in
# Harbor's place; Vault, Redis, the tenant provisioner and the admission
# policies; the apps and `cluster test`). PADDOCK_E2E_STAGE=<phase> stops
# `cluster up` after that phase (and skips `cluster test`); PADDOCK_E2E_KEEP=1
# keeps the cluster and the engine up for a look (then: tools/e2e/run.sh down).
# Figures (time per step, the cluster's memory) go to stderr and to
# .cache/cluster/logs/e2e-figures.txt.
set -euo pipefail
REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
cd "$REPO_DIR"
CACHE=${PADDOCK_CLUSTER_CACHE:-$REPO_DIR/.cache/cluster}
mkdir -p "$CACHE/logs"
FIGURES=$CACHE/logs/e2e-figures.txt
export PATH=$REPO_DIR/tools/bin:$PATH
export NO_COLOR=${NO_COLOR:-}
PADDOCK=(node "$REPO_DIR/packages/paddock/bin/paddock.js")
STAGE=${PADDOCK_E2E_STAGE:-}
# a worker for the app test/e2e/onboarding.test.ts onboards (kind cannot add one later)
export PADDOCK_E2E_POOLS=${PADDOCK_E2E_POOLS-app3}

say() { printf '\n» e2e: %s\n' "$*" >&2; }
fig() { printf '%s\n' "$*" | tee -a "$FIGURES" >&2; }

step_name=''
step_started=0
step() { step_name=$1; step_started=$SECONDS; say "$1"; }
step_done() { fig "  $(printf '%-44s' "$step_name") $((SECONDS - step_started)) s"; }

down() {
  local rc=0
  say "tearing down"
  if command -v kind >/dev/null && timeout 10 docker info >/dev/null 2>&1; then
    "${PADDOCK[@]}" cluster down || rc=1
    # kind leaves its Docker network behind; remove it when nothing else uses it
    if docker network inspect kind >/dev/null 2>&1; then
      if [[ $(docker network inspect kind --format '{{len .Containers}}') == 0 ]]; then
        docker network rm kind >/dev/null || rc=1
      else
        echo "  kind's Docker network still has containers of someone else: left alone" >&2
      fi
    fi
  fi
  tools/e2e/engine.sh stop || rc=1
  return "$rc"
}

if [[ ${1:-} == down ]]; then down; exit; fi

started=$SECONDS
: >"$FIGURES"
fig "make e2e $(date -u +%FT%TZ) on $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
on_exit() {
  local rc=$?
  if [[ $rc != 0 ]]; then
    printf '\n✘ e2e failed in step "%s" (exit %s). The lines above say what it saw; logs: %s/logs/. A re-run resumes: built images and binaries are kept.\n' "$step_name" "$rc" "$CACHE" >&2
  fi
  if [[ ${PADDOCK_E2E_KEEP:-0} == 1 ]]; then
    echo "PADDOCK_E2E_KEEP=1: the cluster and the engine stay up; tear down with: tools/e2e/run.sh down" >&2
  else
    down || { echo "✘ teardown left something behind (see above)" >&2; rc=1; }
  fi
  fig "total                                         $((SECONDS - started)) s"
  exit "$rc"
}
trap on_exit EXIT

step "Docker engine"
tools/e2e/engine.sh start
step_done

pools=()
for p in ${PADDOCK_E2E_POOLS//,/ }; do pools+=(--pool "$p"); done
step "paddock cluster up${STAGE:+ --until $STAGE} ${pools[*]}"
"${PADDOCK[@]}" cluster up ${STAGE:+--until "$STAGE"} "${pools[@]}"
step_done

step "the cluster's memory"
docker stats --no-stream --format '{{.Name}} {{.MemUsage}}' | grep '^paddock-' | tee -a "$FIGURES" >&2 || true
free -m | awk '/^Mem:/ {print "  host memory used: " $3 " MiB of " $2 " MiB"}' | tee -a "$FIGURES" >&2

step "live assertions (test/e2e)"
PADDOCK_E2E=1 node --test --test-reporter=spec test/dist/e2e/
step_done

if [[ -z $STAGE ]]; then
  step "paddock cluster test"
  "${PADDOCK[@]}" cluster test
  step_done
fi
