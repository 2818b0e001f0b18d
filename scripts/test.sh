#!/usr/bin/env bash
# Every test after lint: helm lint, then the unit tests (beside the code), then
# the end-to-end tests (test/). Called by `make test` after set-up and make lint.
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

echo "» unit tests (beside the code; make unit runs only these)"
node --test --test-reporter=spec packages/paddock/dist

echo "» end-to-end tests (test/: real helm, API server, daprd, Redis, browser)"
exec node --test --test-reporter=spec test/dist
