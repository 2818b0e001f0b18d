#!/usr/bin/env bash
# tools/e2e/engine.sh start|stop — a Docker engine for the live cluster.
#
# start: a Docker engine that already answers is used as it is (nothing is
#   started, and stop leaves it alone). Otherwise Debian's docker.io is
#   installed if dockerd is missing (apt-get, root only), and dockerd is
#   started in the background with overlay2, its log in
#   .cache/cluster/logs/dockerd.log. Where the host's capability bounding set
#   lacks capabilities Docker asks for (a Firecracker VM has no
#   CAP_SYS_RESOURCE), tools/oci-caps (paddock-runc) is built and registered
#   as dockerd's default runtime: it drops those capabilities from each
#   container's spec, then runs runc.
# stop: stops the dockerd that start started (and with it its containerd),
#   waiting until both are gone. Idempotent.
set -euo pipefail
REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
CACHE=${PADDOCK_CLUSTER_CACHE:-$REPO_DIR/.cache/cluster}
STATE=$CACHE/engine.pid
BIN=$REPO_DIR/tools/bin
mkdir -p "$CACHE/logs" "$BIN"

say() { printf '[engine] %s\n' "$*" >&2; }
die() { printf '[engine] error: %s\n' "$*" >&2; exit 1; }

answers() { timeout 10 docker info --format '{{.ServerVersion}}' >/dev/null 2>&1; }

# The capabilities (numbers 0..40, what Docker 20.10 grants a privileged
# container) missing from this process's bounding set, as a count.
missing_caps() {
  local bnd all=$(( (1 << 41) - 1 ))
  bnd=$(awk '/^CapBnd:/ {print $2}' /proc/self/status)
  local have=$(( 16#$bnd & all )) n=0 i
  for ((i = 0; i < 41; i++)); do (( have & (1 << i) )) || n=$((n + 1)); done
  echo "$n"
}

build_wrapper() { # tools/bin/paddock-runc, rebuilt when its source changes
  local src=$REPO_DIR/tools/oci-caps hash
  hash=$(cat "$src/go.mod" "$src/main.go" | sha256sum | cut -c1-16)
  if [[ -x $BIN/paddock-runc && -f $BIN/.paddock-runc.version && $(cat "$BIN/.paddock-runc.version") == "$hash" ]]; then return 0; fi
  command -v go >/dev/null || die "the host lacks capabilities and building the runtime wrapper needs Go; install Go (tools/README.md)"
  say "building the OCI runtime wrapper paddock-runc (tools/oci-caps)…"
  (cd "$src" && CGO_ENABLED=0 GOWORK=off go build -trimpath -ldflags '-s -w' -o "$BIN/paddock-runc" .) ||
    die "building tools/oci-caps failed"
  echo "$hash" >"$BIN/.paddock-runc.version"
}

start() {
  if answers; then
    say "using the Docker engine that is already running ($(docker info --format '{{.ServerVersion}}' 2>/dev/null))"
    return 0
  fi
  if [[ -f $STATE ]] && kill -0 "$(cat "$STATE")" 2>/dev/null; then
    die "dockerd (pid $(cat "$STATE")) was started by paddock but does not answer; see $CACHE/logs/dockerd.log, then run: tools/e2e/engine.sh stop"
  fi
  if ! command -v dockerd >/dev/null; then
    { [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; } ||
      die "no Docker engine answers and dockerd is not installed; install Docker (https://docs.docker.com/engine/install/) and start it"
    say "installing Debian's docker.io (apt-get)…"
    { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=600 docker.io; } >"$CACHE/logs/apt-docker.log" 2>&1 ||
      { tail -n 15 "$CACHE/logs/apt-docker.log" >&2; die "apt-get install docker.io failed (log: $CACHE/logs/apt-docker.log)"; }
  fi
  [[ $(id -u) == 0 ]] || die "no Docker engine answers; start one (as root, dockerd), or run make e2e as root to let it start dockerd"
  command -v docker >/dev/null || die "the docker CLI is missing; install docker.io (apt-get install docker.io)"
  local args=(--storage-driver=overlay2 --pidfile "$CACHE/dockerd.pidfile") missing
  missing=$(missing_caps)
  if [[ $missing != 0 ]]; then
    build_wrapper
    say "the host's capability bounding set lacks $missing capabilities: dockerd runs containers through paddock-runc, which drops them"
    args+=(--add-runtime "paddock-runc=$BIN/paddock-runc" --default-runtime paddock-runc)
  fi
  say "starting dockerd (log: $CACHE/logs/dockerd.log)…"
  # dockerd leaves its docker0 bridge behind when it stops: remember whether it was there
  if ip link show docker0 >/dev/null 2>&1; then rm -f "$CACHE/engine.docker0"; else : >"$CACHE/engine.docker0"; fi
  setsid dockerd "${args[@]}" >"$CACHE/logs/dockerd.log" 2>&1 </dev/null &
  echo $! >"$STATE"
  local i
  for ((i = 0; i < 60; i++)); do
    answers && { say "dockerd $(docker info --format '{{.ServerVersion}}') is up (pid $(cat "$STATE"))"; return 0; }
    kill -0 "$(cat "$STATE")" 2>/dev/null || break
    sleep 1
  done
  tail -n 15 "$CACHE/logs/dockerd.log" >&2
  stop || true
  die "dockerd did not come up (log: $CACHE/logs/dockerd.log)"
}

stop() {
  [[ -f $STATE ]] || { say "no dockerd started by paddock; nothing to stop"; return 0; }
  local pid i
  pid=$(cat "$STATE")
  if kill -0 "$pid" 2>/dev/null; then
    say "stopping the dockerd paddock started (pid $pid)…"
    kill -TERM "$pid"
    for ((i = 0; i < 60; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -0 "$pid" 2>/dev/null && die "dockerd (pid $pid) did not stop in 60 s; see $CACHE/logs/dockerd.log"
  fi
  rm -f "$STATE"
  if [[ -f $CACHE/engine.docker0 ]]; then
    ip link delete docker0 2>/dev/null || true
    rm -f "$CACHE/engine.docker0"
  fi
  say "dockerd stopped"
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  *) echo "usage: tools/e2e/engine.sh start|stop" >&2; exit 2 ;;
esac
