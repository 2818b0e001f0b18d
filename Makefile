# paddock: `make demo` runs the platform on this machine; `make test` runs every test.
# Both do their own set-up, idempotently; a warm run skips everything already done.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

NPM_STAMP := node_modules/.paddock-installed
NODE_MANIFESTS := package.json package-lock.json $(wildcard packages/*/package.json)
# Tools the CLI needs for validate/render/check; the runtime adds daprd and the test tools.
CLI_TOOLS := helm kubeconform paddock-engine
# What generates the strict JSON schemas (once; schemas/README.md) and runs `paddock check --server`.
SCHEMA_TOOLS := kube-apiserver etcd controller-gen
TEST_TOOLS := daprd sentry registry kustomize

.PHONY: help setup tools build schemas runtime lint format unit test e2e demo check-apps chart-readme bench bench-cluster clean distclean

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 16

setup: $(NPM_STAMP) tools build schemas ## install node packages, build pinned tools and the CLI, generate the schemas

$(NPM_STAMP): $(NODE_MANIFESTS)
	@echo "» installing node packages (npm ci)"
	@npm ci --no-audit --no-fund --loglevel=error
	@touch $@

tools: ## build (or reuse) the pinned Go tools the CLI needs
	@tools/build.sh $(CLI_TOOLS) $(SCHEMA_TOOLS)

build: $(NPM_STAMP) ## compile the TypeScript (incremental)
	@node_modules/.bin/tsc -b

schemas: build ## generate the strict JSON schemas from the pinned API server and CRDs (a no-op when present)
	@node packages/paddock/dist/schema/setup.js

runtime: setup ## what the running platform and the tests need: daprd, Redis, Chromium, the apps' dependencies
	@tools/build.sh daprd sentry
	@scripts/setup-runtime.sh

lint: $(NPM_STAMP) ## the quality gates: Biome (TypeScript format and lint), gofmt and go vet (every Go module), shellcheck
	@scripts/lint.sh

format: $(NPM_STAMP) ## rewrite the TypeScript in the project's format (Biome), then make lint passes it
	@node_modules/.bin/biome format --write .

unit: setup ## the unit tests beside the code, in-process, in seconds (no Redis, Chromium, daprd or API server)
	@node --test --test-reporter=spec packages/paddock/dist

test: runtime ## run every test: lint, then the unit tests, then chart, policies, gitops, local runtime, browser
	@scripts/lint.sh
	@tools/build.sh $(TEST_TOOLS)
	@scripts/test.sh

e2e: build ## the live cluster (not part of make test): kind at the pinned Kubernetes with Cilium, asserted, then torn down (tools/e2e/run.sh)
	@tools/e2e/run.sh

demo: runtime ## validate, render and check the example apps, then run them with real Dapr sidecars
	@node packages/paddock/bin/paddock.js demo $(DEMO_ARGS)

check-apps: setup ## paddock check on the example apps only (not the tests: that is make test)
	@node packages/paddock/bin/paddock.js check apps/app1/values.yaml apps/app2/values.yaml

chart-readme: build ## regenerate charts/app/README.md from values.yaml
	@node packages/paddock/dist/docs/chart-readme.js

bench: runtime ## print the benchmarks' figures (check, doctor, doctor-corpus, dev, server, fuzz)
	@tools/build.sh $(TEST_TOOLS)
	@node_modules/.bin/tsc -b bench
	@for b in check doctor doctor-corpus dev server fuzz; do echo "» bench/$$b.ts"; node "bench/dist/$$b.js"; done

bench-cluster: build ## figures of the live cluster: e2e step times, memory, the sidecar idle and under load, latency (after PADDOCK_E2E_KEEP=1 make e2e)
	@node_modules/.bin/tsc -b bench
	@PATH="$(CURDIR)/tools/bin:$$PATH" node bench/dist/cluster.js

clean: ## remove every build output: compiled code, caches, generated schemas, packed files (keeps the built tools)
	rm -rf packages/*/dist test/dist bench/dist apps/app2/dist packages/paddock/share packages/paddock/.paddock .paddock
	rm -rf schemas/generated test-results bench/out
	find . -name '*.tsbuildinfo' -not -path '*/node_modules/*' -delete
	rm -f packages/paddock/*.tgz

distclean: clean ## also remove what set-up installed here: node packages, app1's virtualenv, the built tools (Go's build cache stays)
	rm -rf node_modules packages/*/node_modules apps/app2/node_modules apps/app1/.venv tools/bin
