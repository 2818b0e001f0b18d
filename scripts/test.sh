#!/usr/bin/env bash
# Every test: helm lint, then node's test runner over the unit tests (beside the
# code) and the end-to-end tests (test/). Called by `make test` after set-up.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "» helm lint charts/app"
# Lint renders as release "test-release", so the values must not pin another app's node pool.
kube_version=$(sed -n 's/^  kubeVersion: "\(.*\)"/\1/p' charts/app/values.yaml)
for values in test/fixtures/values/good/minimal.yaml test/fixtures/values/good/everything-on.yaml; do
  tools/bin/helm lint charts/app --strict --kube-version "$kube_version" -f "$values" >/dev/null
done

echo "» schemas (generated once from the pinned API server and CRDs)"
node packages/paddock/dist/schema/setup.js

echo "» node --test"
exec node --test --test-reporter=spec packages/paddock/dist test/dist
