#!/usr/bin/env bash
# tools/run-apiserver.sh [--check] — a throw-away Kubernetes control plane on
# loopback: the pinned etcd + kube-apiserver (tools/versions.env), no nodes,
# no controllers. For server-side checks (dry-run apply, admission policies).
#
# Once /readyz answers "ok" it prints, on stdout, one KEY=value per line:
#   APISERVER_URL=https://127.0.0.1:<port>
#   KUBECONFIG=<dir>/kubeconfig            (token user, CA-verified TLS)
#   APISERVER_TOKEN=<bearer token>         (cluster-admin: group system:masters)
#   APISERVER_CA=<dir>/ca.crt
#   READY
# and then stays in the foreground until SIGINT/SIGTERM/SIGHUP, until the
# process that started it goes away, or until etcd or kube-apiserver exits.
# On the way out it stops both and deletes <dir>: nothing is left behind.
# With --check it stops right after READY (a smoke test; exit status 0).
#
# PADDOCK_APISERVER_ARGS adds kube-apiserver flags (split on spaces), e.g. to
# turn an admission plugin off for a test that judges the policies alone.
#
# Logs: <dir>/etcd.log and <dir>/kube-apiserver.log; their tails go to
# stderr when start-up fails.
set -euo pipefail

TOOLS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
CHECK_ONLY=0
case ${1:-} in
  --check) CHECK_ONLY=1 ;;
  '') ;;
  -h | --help) sed -n '2,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "usage: tools/run-apiserver.sh [--check]" >&2; exit 2 ;;
esac

log() { printf '[apiserver] %s\n' "$*" >&2; }

"$TOOLS_DIR/build.sh" etcd kube-apiserver # a no-op when already built

PARENT=$PPID
WORK=$(mktemp -d "${TMPDIR:-/tmp}/paddock-apiserver.XXXXXX")
ETCD_PID='' APISERVER_PID='' SLEEP_PID=''

stop() { # pid name: SIGTERM, then SIGKILL after 10 s; always reaped
  local pid=$1 i
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$pid" 2>/dev/null && { log "$2 did not stop in 10 s, killing it"; kill -KILL "$pid" 2>/dev/null || true; }
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local rc=$?
  set +e # best effort from here on: every step must run
  trap - EXIT INT TERM HUP
  [[ -n $SLEEP_PID ]] && kill "$SLEEP_PID" 2>/dev/null
  stop "$APISERVER_PID" kube-apiserver # first, so it does not log etcd errors
  stop "$ETCD_PID" etcd
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

fail() {
  local f
  log "error: $*"
  for f in "$WORK"/etcd.log "$WORK"/kube-apiserver.log; do
    [[ -s $f ]] || continue
    log "last lines of ${f##*/}:"
    tail -n 15 "$f" >&2
  done
  exit 1
}

# A free loopback port: bind-and-release through the kernel when python3 is
# there, else a random port nothing answers on.
free_port() {
  if command -v python3 >/dev/null; then
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
    return
  fi
  local p
  while :; do
    p=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}

# ---- throw-away credentials -------------------------------------------------
umask 077
ossl() { openssl "$@" >/dev/null 2>&1 || fail "openssl $1 failed"; }
ossl ecparam -name prime256v1 -genkey -noout -out "$WORK/ca.key"
ossl req -x509 -new -key "$WORK/ca.key" -subj /CN=paddock-throwaway-ca -days 2 -out "$WORK/ca.crt"
ossl ecparam -name prime256v1 -genkey -noout -out "$WORK/serving.key"
ossl req -new -key "$WORK/serving.key" -subj /CN=kube-apiserver -out "$WORK/serving.csr"
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\n' >"$WORK/serving.ext"
ossl x509 -req -in "$WORK/serving.csr" -CA "$WORK/ca.crt" -CAkey "$WORK/ca.key" -CAcreateserial -days 2 -extfile "$WORK/serving.ext" -out "$WORK/serving.crt"
# service-account token signing key pair
ossl ecparam -name prime256v1 -genkey -noout -out "$WORK/sa.key"
ossl ec -in "$WORK/sa.key" -pubout -out "$WORK/sa.pub"
TOKEN=$(openssl rand -hex 24)
printf '%s,paddock-admin,paddock-admin,"system:masters"\n' "$TOKEN" >"$WORK/tokens.csv"

# ---- etcd ----------------------------------------------------------------------
ETCD_CLIENT=$(free_port)
ETCD_PEER=$(free_port)
"$TOOLS_DIR/bin/etcd" \
  --name paddock --data-dir "$WORK/etcd" \
  --listen-client-urls "http://127.0.0.1:$ETCD_CLIENT" --advertise-client-urls "http://127.0.0.1:$ETCD_CLIENT" \
  --listen-peer-urls "http://127.0.0.1:$ETCD_PEER" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER" \
  --initial-cluster "paddock=http://127.0.0.1:$ETCD_PEER" \
  --unsafe-no-fsync --log-level warn \
  >"$WORK/etcd.log" 2>&1 &
ETCD_PID=$!

# ---- kube-apiserver ----------------------------------------------------------
PORT=$(free_port)
"$TOOLS_DIR/bin/kube-apiserver" \
  --etcd-servers "http://127.0.0.1:$ETCD_CLIENT" \
  --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$PORT" \
  --tls-cert-file "$WORK/serving.crt" --tls-private-key-file "$WORK/serving.key" --cert-dir "$WORK/certs" \
  --anonymous-auth=false --token-auth-file "$WORK/tokens.csv" \
  --authorization-mode AlwaysAllow \
  --service-account-issuer https://kubernetes.default.svc.cluster.local \
  --service-account-key-file "$WORK/sa.pub" --service-account-signing-key-file "$WORK/sa.key" \
  --service-cluster-ip-range 10.96.0.0/16 \
  --profiling=false \
  ${PADDOCK_APISERVER_ARGS:-} \
  >"$WORK/kube-apiserver.log" 2>&1 &
APISERVER_PID=$!

URL=https://127.0.0.1:$PORT
STARTED=$(date +%s%N)
ready() { [[ $(curl -s --max-time 2 --cacert "$WORK/ca.crt" -H "Authorization: Bearer $TOKEN" "$URL/readyz" 2>/dev/null) == ok ]]; }
for ((i = 0; i < 1200; i++)); do # up to 120 s (a busy 2-core machine)
  ready && break
  kill -0 "$ETCD_PID" 2>/dev/null || fail "etcd exited during start-up"
  kill -0 "$APISERVER_PID" 2>/dev/null || fail "kube-apiserver exited during start-up"
  sleep 0.1
done
ready || fail "kube-apiserver not ready after 120 s"

cat >"$WORK/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: paddock
  cluster:
    server: $URL
    certificate-authority: $WORK/ca.crt
users:
- name: paddock-admin
  user:
    token: $TOKEN
contexts:
- name: paddock
  context: {cluster: paddock, user: paddock-admin}
current-context: paddock
EOF

printf 'APISERVER_URL=%s\nKUBECONFIG=%s\nAPISERVER_TOKEN=%s\nAPISERVER_CA=%s\nREADY\n' \
  "$URL" "$WORK/kubeconfig" "$TOKEN" "$WORK/ca.crt"
ELAPSED_MS=$((($(date +%s%N) - STARTED) / 1000000))
log "ready at $URL after $((ELAPSED_MS / 1000)).$((ELAPSED_MS % 1000 / 100)) s (etcd pid $ETCD_PID, kube-apiserver pid $APISERVER_PID)"
[[ $CHECK_ONLY == 1 ]] && exit 0

# ---- stay up ------------------------------------------------------------------
# `sleep & wait` keeps the shell responsive to signals (traps run as soon as
# wait is interrupted). The parent check covers a test runner that dies
# without signalling us.
while :; do
  sleep 1 &
  SLEEP_PID=$!
  wait "$SLEEP_PID" || true
  kill -0 "$ETCD_PID" 2>/dev/null || fail "etcd exited"
  kill -0 "$APISERVER_PID" 2>/dev/null || fail "kube-apiserver exited"
  kill -0 "$PARENT" 2>/dev/null || { log "the process that started me is gone; stopping"; exit 0; }
done
