# worldcore: `make run` and `make test` do all the set-up a fresh machine needs (Node + make).
# Targets are the interface (CONVENTIONS.md): build, run, test, bench, soak, clean.
SHELL := /bin/bash
NODE ?= node
BOARD ?= loopback
AS_SOURCES := $(shell find assembly -name '*.ts' 2>/dev/null)
TS_SOURCES := $(shell find host test/host -name '*.ts' 2>/dev/null)

.PHONY: all build install run test test-core test-host typecheck bench soak clean format
all: build

# npm ci only when the lockfile changed (or on a fresh clone).
node_modules/.installed: package-lock.json package.json .npmrc
	npm ci --no-audit --no-fund
	@touch $@
install: node_modules/.installed

build/core.wasm: $(AS_SOURCES) asconfig.json node_modules/.installed
	npx asc --target release
	npx asc --target debug

build/js/.built: $(TS_SOURCES) tsconfig.json node_modules/.installed
	npx tsc -p tsconfig.json
	@touch $@

build: build/core.wasm build/js/.built

run: build
	$(NODE) bin/worldcore.js run --board $(BOARD)

test-core: build/core.wasm
	npx asp --summary --no-logo

test-host: build
	$(NODE) --test --test-concurrency=2 build/js/test/host/

test: build test-core test-host

bench: build
	$(NODE) bin/worldcore.js bench

soak: build
	WORLDCORE_SOAK=1 $(NODE) --test build/js/test/host/

format:
	npx prettier --write host test bin

clean:
	rm -rf build
