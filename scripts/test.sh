#!/usr/bin/env bash
# Every test: helm lint, then node's test runner over the unit tests (beside the
# code) and the end-to-end tests (test/). Called by `make test` after set-up.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "» helm lint charts/app"
tools/bin/helm lint charts/app --strict --kube-version "$(sed -n 's/^  kubeVersion: "\(.*\)"/\1/p' charts/app/values.yaml)" \
  -f apps/app1/values.yaml >/dev/null

echo "» node --test"
exec node --test --test-reporter=spec packages/paddock/dist test/dist
