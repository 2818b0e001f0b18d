#!/usr/bin/env bash
# The local runtime `paddock dev` and its tests need besides daprd
# (tools/build.sh daprd): Redis and Chromium from Debian, and app1's Python
# virtualenv with its pinned requirements. app2 needs only Node.js: its own
# lockfile, installed by `paddock dev`'s install step (apps/app2/paddock.dev.yaml).
#
# Idempotent and quick when everything is in place: it installs only what is
# missing. Run it as root (apt) or with the packages already installed.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

say() { printf 'setup-runtime: %s\n' "$*"; }

# --- Debian packages -------------------------------------------------------
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v redis-cli >/dev/null 2>&1 || missing+=(redis-tools)
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then
    say "missing ${missing[*]}: install them with apt-get (needs root)" >&2
    exit 1
  fi
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  say "installing ${missing[*]} (apt-get)…"
  export DEBIAN_FRONTEND=noninteractive
  # A stale package list makes apt-get install fail; refresh it once, quietly.
  $SUDO apt-get update -qq >/dev/null
  $SUDO apt-get install -y -qq -o DPkg::Lock::Timeout=600 --no-install-recommends "${missing[@]}" >/dev/null
  # Debian's package starts a system-wide Redis; paddock starts its own on a free port.
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet redis-server 2>/dev/null; then
    $SUDO systemctl disable --now redis-server >/dev/null 2>&1 || true
  fi
fi

# --- app1: Python virtualenv ----------------------------------------------
app1="$root/apps/app1"
venv="$app1/.venv"
req="$app1/requirements.txt"
stamp="$venv/.requirements.sha256"
want="$(sha256sum "$req" | cut -d' ' -f1)"
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  py="$(command -v python3 || true)"
  if [ -z "$py" ]; then say "python3 is not installed: install Python 3.11 or newer" >&2; exit 1; fi
  say "creating apps/app1/.venv and installing requirements.txt (pip)…"
  "$py" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$req"
  echo "$want" >"$stamp"
fi

say "ready (redis-server $(redis-server --version | sed -n 's/.*v=\([0-9.]*\).*/\1/p'), $(/usr/bin/chromium --version 2>/dev/null | head -1), app1 venv)"
