# Modelwatch task runner. The README's two commands are `make run` and `make test`.
#
#   make run      install what is missing, build a release, start the dashboard on :3000
#   make test     install what is missing, lint, unit + integration tests, browser tests
#
# For working on the code: `make build` is the quick development build (a debug server and an
# unoptimised wasm bundle, both incremental) and `make dev` starts it; `make release` is what
# ships (an optimised server, the wasm with LTO and wasm-opt), used by `run`, `test` and benches.
#
# Everything is idempotent: tools already present are not installed again, and an unchanged
# wasm is neither re-bound nor re-optimised.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

CARGO       ?= cargo
# Tools installed by `cargo install` (wasm-bindgen) are found even where cargo's bin folder is
# not on the caller's PATH (a custom CARGO_HOME, a minimal CI shell).
export PATH := $(or $(CARGO_HOME),$(HOME)/.cargo)/bin:$(PATH)
ADDR        ?= 127.0.0.1:3000
DATABASE    ?= sqlite://data/modelwatch.db
SITE        := target/site
PKG         := $(SITE)/pkg
NAME        := modelwatch
WASM_TARGET := wasm32-unknown-unknown
WASM_OUT    := target/$(WASM_TARGET)/wasm-release/frontend.wasm
WASM_DEV    := target/$(WASM_TARGET)/wasm-dev/frontend.wasm
NODE_BIN    := end2end/node_modules/.bin
SUDO        := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# wasm-bindgen's CLI must be exactly the version of the crate in Cargo.lock.
WASM_BINDGEN_VERSION := $(shell awk '/^name = "wasm-bindgen"$$/ {getline; gsub(/"/, "", $$3); print $$3; exit}' Cargo.lock)
WASM_OPT_FLAGS := -Oz --enable-reference-types --enable-bulk-memory --enable-nontrapping-float-to-int \
                  --enable-sign-ext --enable-multivalue --enable-mutable-globals


.PHONY: bench bench-abuse bench-analytics bench-logs bench-pg bench-proxy bench-web help setup tools-rust tools-wasm-bindgen tools-wasm-split tools-apt tools-npm tools-python build build-server build-wasm \
        build-server-dev build-wasm-dev release dev e2e-dev site run run-pg serve test lint fmt-check check-cycles check-ids clippy clippy-server clippy-wasm unit unit-on-both e2e clean-site

help:
	@echo "make run   - set up, build a release and start the dashboard on http://$(ADDR)"
	@echo "make test  - set up, lint, run unit, integration and browser tests"

## ---- set-up (idempotent) -------------------------------------------------------------------

setup: tools-rust tools-wasm-bindgen tools-wasm-split tools-apt tools-npm tools-python

tools-rust:
	@rustup target list --installed | grep -qx $(WASM_TARGET) || rustup target add $(WASM_TARGET)
	@rustup component list --installed | grep -q '^clippy' || rustup component add clippy
	@rustup component list --installed | grep -q '^rustfmt' || rustup component add rustfmt

tools-wasm-bindgen:
	@if [ "$$(wasm-bindgen --version 2>/dev/null | awk '{print $$2}')" != "$(WASM_BINDGEN_VERSION)" ]; then \
	  echo "installing wasm-bindgen-cli $(WASM_BINDGEN_VERSION) (matches Cargo.lock)"; \
	  $(CARGO) install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION) --force; \
	fi

# wasm-split's command line (scripts/split-wasm), pinned: its link module's format is read by
# end2end/split-manifest.mjs.
WASM_SPLIT_VERSION := 0.2.4
tools-wasm-split:
	@if ! $(CARGO) install --list | grep -qx 'wasm_split_cli_support v$(WASM_SPLIT_VERSION):'; then \
	  echo "installing wasm-split-cli $(WASM_SPLIT_VERSION)"; \
	  $(CARGO) install wasm_split_cli_support --version $(WASM_SPLIT_VERSION) --features build-binary --locked --force; \
	fi

# A C toolchain (SQLite is compiled in), Debian's Chromium for the browser tests (never a
# downloaded browser), PostgreSQL's server binaries (the tests start a private cluster; nothing
# uses a system server) and Python's venv for the client tests. apt runs only when something is
# missing.
APT_NEEDED = $(strip $(if $(shell command -v cc),,build-essential) \
                     $(if $(shell command -v pkg-config),,pkg-config) \
                     $(if $(shell command -v chromium),,chromium chromium-driver) \
                     $(if $(wildcard /usr/lib/postgresql/*/bin/initdb),,postgresql) \
                     $(if $(shell python3 -c 'import ensurepip, venv' 2>/dev/null && echo ok),,python3 python3-venv))
tools-apt:
	@if [ -n "$(APT_NEEDED)" ]; then \
	  echo "installing Debian packages: $(APT_NEEDED)"; \
	  $(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(APT_NEEDED); \
	fi

# Playwright, binaryen's wasm-opt, esbuild and uPlot, pinned in end2end/package-lock.json.
tools-npm:
	@if [ ! -x $(NODE_BIN)/wasm-opt ] || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then \
	  cd end2end && npm ci --no-audit --no-fund; \
	fi

# The real client libraries (OpenTelemetry SDK and exporters, openai) the integration tests run,
# pinned in end2end/clients/requirements.txt, in end2end/.venv. pip runs only when the venv is
# missing or the requirements changed since the last install.
VENV := end2end/.venv
tools-python: $(VENV)/.requirements-installed

$(VENV)/.requirements-installed: end2end/clients/requirements.txt | tools-apt
	@[ -x $(VENV)/bin/python ] || python3 -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r end2end/clients/requirements.txt
	@touch $@

## ---- build -------------------------------------------------------------------------------

# The development build: what a change needs before its page can be looked at (BENCHMARKS.md,
# "Build loop"). The debug server shares its compiled crates with the tests; the wasm is built
# without LTO or wasm-opt (several times larger, the same code).
build: build-server-dev build-wasm-dev site

# What ships: `make run`, the browser tests and the benchmarks use this.
release: build-server build-wasm site

build-server:
	$(CARGO) build --release -p server --bin modelwatch

build-server-dev:
	$(CARGO) build -p server --bin modelwatch

# cargo decides whether the wasm changed; make re-binds (and re-optimises) only when it did, or
# when the bundle in the site came from the other profile (`$(PKG)/.profile` says which).
build-wasm:
	$(CARGO) build -p frontend --lib --target $(WASM_TARGET) --profile wasm-release
	@if [ "$$(cat $(PKG)/.profile 2>/dev/null)" != release ]; then rm -f $(PKG)/$(NAME)_bg.wasm; fi
	@$(MAKE) --no-print-directory $(PKG)/$(NAME)_bg.wasm

build-wasm-dev:
	$(CARGO) build -p frontend --lib --target $(WASM_TARGET) --profile wasm-dev
	@if [ "$$(cat $(PKG)/.profile 2>/dev/null)" != dev ] || [ $(WASM_DEV) -nt $(PKG)/$(NAME)_bg.wasm ]; then \
	  scripts/split-wasm $(WASM_DEV) $(PKG) $(NAME) && \
	  echo dev > $(PKG)/.profile && \
	  echo "wasm (development build): $$(stat -c %s $(PKG)/$(NAME)_bg.wasm) bytes in the main module"; \
	fi

# The release wasm, cut per page and optimised (scripts/split-wasm).
$(PKG)/$(NAME)_bg.wasm: $(WASM_OUT)
	scripts/split-wasm $(WASM_OUT) $(PKG) $(NAME) $(NODE_BIN)/wasm-opt $(WASM_OPT_FLAGS)
	@echo release > $(PKG)/.profile

# The server sends `pkg/` under a path naming its content's hash, cached for a year, and the
# `.br` / `.gz` copies written here to browsers that accept them (the development wasm has none:
# it is compressed as it is sent).
site: $(PKG)/charts.min.js $(PKG)/$(NAME).css
	cp public/* $(SITE)/
	rm -f $(PKG)/echarts.min.js*

# The stylesheet, with uPlot's (the legend and cursor of the charts) at its end.
$(PKG)/$(NAME).css: style/main.css end2end/package-lock.json | tools-npm
	@mkdir -p $(PKG)
	cat $< end2end/node_modules/uplot/dist/uPlot.min.css > $@
	node end2end/precompress.mjs $@

# The chart script (end2end/charts/entry.js: the dashboard's chart descriptions drawn with
# uPlot), bundled by the pinned esbuild into one minified script that sets the global
# `modelwatchCharts` the wasm calls; fetched only by pages that draw charts. Rebuilt (in about a
# second) only when the entry or the npm packages changed; installs the npm packages first if
# they are missing or older than the lock file.
$(PKG)/charts.min.js: end2end/charts/entry.js end2end/package-lock.json $(wildcard end2end/node_modules/.package-lock.json) | tools-npm
	@mkdir -p $(PKG)
	$(NODE_BIN)/esbuild $< --bundle --minify --format=iife --target=es2020 \
	  --log-level=warning --outfile=$@
	node end2end/precompress.mjs $@

## ---- run ---------------------------------------------------------------------------------

run: setup release serve

# On first start the default workspace is filled with 14 days of demo traffic.
BIN ?= target/release/$(NAME)
serve:
	$(BIN) --database-url $(DATABASE) demo --if-empty
	MODELWATCH_SITE_ROOT=$(SITE) $(BIN) --database-url $(DATABASE) serve --addr $(ADDR)

# Two servers on one private PostgreSQL (scripts/run-pg): what several servers behind a load
# balancer look like, on this machine.
run-pg: setup release
	BIN=$(BIN) scripts/run-pg

# The development build, started like `make run` starts the release.
dev: build
	@$(MAKE) --no-print-directory serve BIN=target/debug/$(NAME)

# HTTP ingest benchmark (see BENCHMARKS.md): RECORDS=10000000 by default.
RECORDS ?= 10000000
bench: build-server
	target/release/$(NAME) --log-level warn bench --records $(RECORDS) --batch 1000 --connections 16

# Analytics answer times (see BENCHMARKS.md) on the database an ingest run leaves in BENCH_DIR;
# the ingest run happens first when that database does not exist yet.
BENCH_DIR ?= target/bench-$(RECORDS)
bench-analytics: build-server
	@if [ ! -f $(BENCH_DIR)/bench.db ]; then mkdir -p $(BENCH_DIR) && \
	  target/release/$(NAME) --log-level warn bench --records $(RECORDS) --batch 1000 --connections 16 --dir $(BENCH_DIR); fi
	target/release/$(NAME) --log-level warn --database-url sqlite://$(BENCH_DIR)/bench.db bench-analytics --rounds 50

# The Logs tab and the export on the same database (see BENCHMARKS.md).
bench-logs: build-server
	@if [ ! -f $(BENCH_DIR)/bench.db ]; then mkdir -p $(BENCH_DIR) && \
	  target/release/$(NAME) --log-level warn bench --records $(RECORDS) --batch 1000 --connections 16 --dir $(BENCH_DIR); fi
	target/release/$(NAME) --log-level warn --database-url sqlite://$(BENCH_DIR)/bench.db bench-logs --rounds 50 --lookups 1000

# The same on PostgreSQL, one server and two (see BENCHMARKS.md), on a private cluster.
bench-pg: build-server
	BIN=target/release/$(NAME) RECORDS=$(RECORDS) scripts/bench-pg

# The latency the proxy adds to 200 concurrent streams (see BENCHMARKS.md).
bench-proxy: build-server
	target/release/$(NAME) --log-level warn bench-proxy --streams 200 --rounds 10

# What hostile clients can take (see BENCHMARKS.md): 8 concurrent maximum-size OTLP exports of
# empty spans and 200 parallel wrong-password logins against a fresh server.
bench-abuse: build-server
	target/release/$(NAME) --log-level warn bench-abuse --exports 8 --rounds 3 --logins 200

# What each page costs a browser with an empty cache (see BENCHMARKS.md): bytes on the wire by
# resource and time to hydrated (and to charts drawn on Analytics) in headless Chromium,
# unthrottled and at 10 Mbit/s with 40 ms latency, median of ROUNDS loads, on a fresh demo
# database. Uses the release as it is: run `make release` first (this target builds nothing).
ROUNDS ?= 5
bench-web: tools-npm
	ROUNDS=$(ROUNDS) node end2end/bench-web.mjs

## ---- test --------------------------------------------------------------------------------

test: setup lint unit release e2e

lint: fmt-check check-cycles check-ids clippy

# No two modules of the server crate may depend on each other, directly or round about
# (ARCHITECTURE.md, layers).
check-cycles:
	python3 .ci/module-cycles.py

# Only the access checks and storage may turn a number into a `WorkspaceId` (ARCHITECTURE.md).
check-ids:
	python3 .ci/workspace-ids.py

fmt-check:
	$(CARGO) fmt --all --check

clippy: clippy-server clippy-wasm

# The native build: server plus app with `ssr`, tests included.
clippy-server:
	$(CARGO) clippy -p app -p server --features app/ssr --all-targets -- -D warnings

# The browser build: frontend plus app with `hydrate`, for wasm. Never mixed with `ssr`.
clippy-wasm:
	$(CARGO) clippy -p frontend -p app --features app/hydrate --target $(WASM_TARGET) -- -D warnings

# One test at a time: every integration test runs its own tokio runtime, and Leptos' server
# rendering uses one process-wide executor; a page rendered while another test's runtime shut
# down could wait forever (seen as a rare hang of the page tests, never in the server itself,
# which has one runtime). Serial, the whole suite takes ~8 s.
#
# Everything runs beside a private PostgreSQL cluster (scripts/with-postgres: created in a
# temporary folder, removed afterwards): the multi-server tests start real servers on it, and
# the integration suite runs a second time on it, the same test bodies on the other backend.
unit:
	scripts/with-postgres $(MAKE) --no-print-directory unit-on-both

unit-on-both:
	$(CARGO) test -p app -p server --features app/ssr -- --test-threads=1
	MODELWATCH_TEST_BACKEND=postgres \
	  $(CARGO) test -p server --features app/ssr --test integration -- --test-threads=1

e2e:
	cd end2end && npx playwright test

# The browser tests against the development build (`make build`), to check it behaves the same.
e2e-dev:
	cd end2end && MODELWATCH_E2E_BINARY=$(CURDIR)/target/debug/$(NAME) npx playwright test

clean-site:
	rm -rf $(SITE)
