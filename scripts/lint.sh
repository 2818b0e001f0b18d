#!/usr/bin/env bash
# make lint: the quality gates, each over the whole tree. Biome formats and
# lints the TypeScript (biome.jsonc), gofmt and go vet check every Go module,
# and ShellCheck reads every shell script. Exit 1 on a finding; `make format` fixes the
# TypeScript formatting.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '» %s\n' "$*"; }

say "biome: format and lint of the TypeScript"
# Colour only on a terminal, and never with NO_COLOR.
colors=()
[[ -t 1 && -z ${NO_COLOR:-} ]] || colors=(--colors=off)
node_modules/.bin/biome ci "${colors[@]}" .

say "gofmt and go vet: every Go module"
mapfile -t modules < <(find tools test -name go.mod -not -path '*/node_modules/*' -printf '%h\n' | sort)
mapfile -t gofiles < <(find tools test -name '*.go' -not -path '*/node_modules/*' | sort)
unformatted=$(gofmt -l "${gofiles[@]}")
if [[ -n $unformatted ]]; then
  printf 'gofmt would change these files (run gofmt -w on them):\n%s\n' "$unformatted" >&2
  exit 1
fi
for m in "${modules[@]}"; do
  # a module of tool directives only (tools/images/dapr) has no package to vet
  [[ -n $(find "$m" -name '*.go' -print -quit) ]] || continue
  (cd "$m" && go vet ./...) || { echo "go vet found problems in $m" >&2; exit 1; }
done

say "shellcheck: every shell script"
if ! command -v shellcheck >/dev/null; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    echo "installing Debian's shellcheck (apt-get)…"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=600 shellcheck; } >/dev/null 2>&1 ||
      { echo "apt-get install shellcheck failed: install it by hand, then run make lint again" >&2; exit 2; }
  else
    echo "shellcheck is not installed: install it (apt-get install shellcheck, brew install shellcheck), then run make lint again" >&2
    exit 2
  fi
fi
mapfile -t scripts < <(find scripts tools .ci -type f \( -name '*.sh' -o -name run \) -not -path '*/node_modules/*' -not -path 'tools/bin/*' | sort)
shellcheck -x --source-path=SCRIPTDIR "${scripts[@]}"
say "lint: clean (${#modules[@]} Go modules, ${#scripts[@]} shell scripts)"
