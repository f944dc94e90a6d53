# worldcore: `make run` and `make test` do all the set-up a fresh machine needs (Node + make).
# Targets are the interface (CONVENTIONS.md): build, run, test, bench, soak, clean.
SHELL := /bin/bash
NODE ?= node
BOARD ?= sim-arm
AS_SOURCES := $(shell find assembly -name '*.ts' 2>/dev/null)
TS_SOURCES := $(shell find host test/host -name '*.ts' 2>/dev/null)


.PHONY: all build install wasmtime run test test-core test-host test-hil golden tools typecheck bench soak clean format image-e2e model model-base model-geometry model-push model-refine
all: build

# npm ci only when the lockfile changed (or on a fresh clone). Never through a symlinked
# node_modules: npm ci empties the directory it points to (a shared install of another checkout).
node_modules/.installed: package-lock.json package.json .npmrc
	@if [ -L node_modules ]; then echo "node_modules is a link to a shared install: not running npm ci through it"; \
	else npm ci --no-audit --no-fund && touch $@; fi
install: node_modules/.installed

# libwasmtime for the wasmtime engine (docs/WASMTIME.md): the C API library shipped inside the
# official `wasmtime` Python wheel (the wheel is only a container; Python does not run it).
# WASMTIME_LIB (a path to another libwasmtime) overrides it at run time, not here.
WASMTIME_VERSION := 49.0.0
WASMTIME_WHEEL_DIR := vendor/wasmtime/wheel
vendor/wasmtime/libwasmtime.so:
	mkdir -p $(WASMTIME_WHEEL_DIR)
	python3 -m pip download --quiet --no-deps --only-binary=:all: --platform manylinux1_x86_64 \
	  -d $(WASMTIME_WHEEL_DIR) wasmtime==$(WASMTIME_VERSION)
	python3 -c 'import glob, sys, zipfile; \
	whl = glob.glob("$(WASMTIME_WHEEL_DIR)/wasmtime-$(WASMTIME_VERSION)-*.whl")[0]; z = zipfile.ZipFile(whl); \
	so = [n for n in z.namelist() if n.endswith("/_libwasmtime.so")][0]; \
	open("$@.tmp", "wb").write(z.read(so)); \
	meta = [n for n in z.namelist() if n.endswith(".dist-info/METADATA")][0]; \
	ver = [l.split(":", 1)[1].strip() for l in z.read(meta).decode().splitlines() if l.startswith("Version:")][0]; \
	open("vendor/wasmtime/VERSION", "w").write(ver + "\n"); print("libwasmtime", ver, "from", whl)'
	mv $@.tmp $@
wasmtime: vendor/wasmtime/libwasmtime.so

# socat makes the pseudo-terminal pairs the CAN tests and `worldcore simbus --pty` use (docs/CAN.md).
# Installed with apt-get when missing (through sudo when not root and sudo is there); without
# it the CAN loop tests skip with the reason printed.
tools:
	@command -v socat >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else SUDO=none; fi; \
	  if [ "$$SUDO" = none ] || ! command -v apt-get >/dev/null 2>&1; then echo "socat missing and cannot be installed here: CAN loop tests will skip"; \
	  else ($$SUDO apt-get install -y -qq socat >/dev/null 2>&1 || { $$SUDO apt-get update -qq >/dev/null 2>&1 && $$SUDO apt-get install -y -qq socat >/dev/null 2>&1; }) \
	    || echo "socat could not be installed: CAN loop tests will skip"; fi; }

build/core.wasm: $(AS_SOURCES) asconfig.json node_modules/.installed
	npx asc --target release
	npx asc --target debug

build/js/.built: $(TS_SOURCES) tsconfig.json node_modules/.installed
	npx tsc -p tsconfig.json
	@touch $@

build: build/core.wasm build/js/.built vendor/wasmtime/libwasmtime.so

run: build
	$(NODE) bin/worldcore.js run --board $(BOARD)

test-core: build/core.wasm
	npx asp --summary --no-logo

# The wasmtime tick watchdog is wall time; a loaded CI machine must not turn scheduling noise
# into deadline traps (tests of the watchdog set their own).
test-host: build tools
	WORLDCORE_TICK_WATCHDOG_US=500000 $(NODE) --test --test-concurrency=2 build/js/test/host/

# Golden HIL logs (test/hil/): every one replayed bit for bit under both engines. A core whose
# behaviour changed on purpose needs new ones: `make golden BOARD=name` (one command per board).
test-hil: build
	$(NODE) bin/worldcore.js hil run test/hil --engine v8 --allow-core-change
	$(NODE) bin/worldcore.js hil run test/hil --engine wasmtime --allow-core-change

golden: build
	$(NODE) bin/worldcore.js hil golden --board $(BOARD) --out test/hil

test: build test-core test-host test-hil

# The image end-to-end test (keygen, build, verify, inspect, flash, boot) on one board: make image-e2e BOARD=sim-arm
image-e2e: build
	WORLDCORE_IMAGE_BOARDS=$(BOARD) WORLDCORE_TICK_WATCHDOG_US=500000 $(NODE) --test build/js/test/host/image-cli.test.js

bench: build tools
	$(NODE) bin/worldcore.js bench
	$(NODE) bin/worldcore.js bench wm
	$(NODE) bin/worldcore.js bench engines
	$(NODE) bin/worldcore.js bench image --board $(BOARD)
	$(NODE) bin/worldcore.js bench can
	$(NODE) bin/worldcore.js bench recorder
	$(NODE) bin/worldcore.js bench sim

soak: build
	WORLDCORE_SOAK=1 WORLDCORE_TICK_WATCHDOG_US=500000 $(NODE) --test build/js/test/host/

format:
	npx prettier --write host test bin

clean:
	rm -rf build

# The shipped world model models/sim-arm (docs/TRAINING.md "The shipped model"), in two stages.
# Base: exploration logs on sim-arm at four levels of joint noise, every 4th episode knocking the
# task cup over (so the event head sees falls), then training with a fixed seed: goal-relabelled
# cost rows, cost weight for labels in metres, cosine lr decay (build/models/base/sim-arm, the
# model shipped until stop 16). Geometry: 450 two-goal guard sweeps; the base model's event head
# widened with geometry features and trained 4000 steps on them and the base logs (geo0); then
# rounds of the last model's own planner on guard (80 episodes at risk weights 1 and 3, seeds
# eval does not use) and 2000 steps from it on every log so far (geoN). Push: 150 scripted push
# episodes with the tool pointing down, then 2000 steps from the last geometry model on every log
# so far with the tool-down term in the cost labels (--tool-down 0.5): the planner then pushes
# with its wrist upright (docs/TRAINING.md "Tool down"); that model is shipped.
# Logs go to build/ (regenerable, never committed); the model is committed.
MODEL_LOGS := build/logs/sim-arm
MODEL_SETS := calm:1:0.05 rough:2:0.25 mid:3:0.1 wide:4:0.15
MODEL_EPISODES := 40
MODEL_TRAIN := --board sim-arm --relabel 512 --cost-weight 100 --lr-final 1e-4 --event-lead 40 --seed 1
MODEL_BASE := build/models/base/sim-arm
# Moves the logs collect wrote into each folder $(1) up beside it as FOLDER-episode-NNNN.mcap, so
# that every set lands in one folder for `train --logs` (names sort by set, then episode).
gather = for d in $(1); do for f in $$d/*.mcap; do mv $$f $$d-$$(basename $$f); done; rmdir $$d; done
GEO_LOGS := build/logs/sim-arm-geometry
GEO_SWEEP_SEEDS := 33 34 35
GEO_ROUNDS := 1:11:12 2:13:14 3:15:16
GEO_LAST = build/models/geo$(words $(GEO_ROUNDS))/sim-arm
PUSH_LOGS := build/logs/sim-arm-push
PUSH_SEEDS := 41 42
PUSH_MODEL := build/models/push/sim-arm
model: model-base
	$(MAKE) model-geometry
	$(MAKE) model-push
	rm -rf models/sim-arm && cp -r $(PUSH_MODEL) models/sim-arm && rm -rf models/sim-arm/checkpoints

model-base: build
	rm -rf $(MODEL_LOGS) $(MODEL_BASE) && mkdir -p $(MODEL_LOGS)
	for s in $(MODEL_SETS); do IFS=: read name seed noise <<< "$$s"; \
	  $(NODE) bin/worldcore.js collect --board sim-arm --episodes $(MODEL_EPISODES) --seed $$seed --noise $$noise --knock-every 4 --out $(MODEL_LOGS)/$$name || exit 1; \
	  $(call gather,$(MODEL_LOGS)/$$name); done
	$(NODE) bin/worldcore.js train --logs $(MODEL_LOGS) --out $(MODEL_BASE) --hidden 128 --latent 64 --steps 12000 $(MODEL_TRAIN)
	rm -rf $(MODEL_BASE)/checkpoints

# After model-base (its logs in $(MODEL_LOGS), its model in $(MODEL_BASE)).
model-geometry: build
	rm -rf $(GEO_LOGS) build/models/geo[0-9]* && mkdir -p $(GEO_LOGS)
	for s in $(MODEL_SETS); do ln -s $(CURDIR)/$(MODEL_LOGS)/$${s%%:*}-*.mcap $(GEO_LOGS)/ || exit 1; done
	for s in $(GEO_SWEEP_SEEDS); do \
	  $(NODE) bin/worldcore.js collect --board sim-arm --task guard --sweeps --episodes 150 --duration 4 --seed $$s --out $(GEO_LOGS)/sweep$$s || exit 1; \
	  $(call gather,$(GEO_LOGS)/sweep$$s); done
	$(NODE) bin/worldcore.js train --logs $(GEO_LOGS) --init $(MODEL_BASE) --geometry --out build/models/geo0/sim-arm --steps 4000 $(MODEL_TRAIN)
	prev=build/models/geo0/sim-arm; \
	for r in $(GEO_ROUNDS); do IFS=: read round s1 s2 <<< "$$r"; \
	  pids=; for s in $$s1 $$s2; do \
	    $(NODE) bin/worldcore.js collect --board sim-arm --task guard --episodes 40 --duration 3 --seed $$s --planner $$prev --risk-weights 1,3 --out $(GEO_LOGS)/round$$round-$$s & pids="$$pids $$!"; done; \
	  for p in $$pids; do wait $$p || exit 1; done; \
	  $(call gather,$(GEO_LOGS)/round$$round-$$s1 $(GEO_LOGS)/round$$round-$$s2); \
	  $(NODE) bin/worldcore.js train --logs $(GEO_LOGS) --init $$prev --out build/models/geo$$round/sim-arm --steps 2000 $(MODEL_TRAIN) || exit 1; \
	  prev=build/models/geo$$round/sim-arm; done

# After model-geometry (its logs in $(GEO_LOGS), its last model $(GEO_LAST)).
model-push: build
	rm -rf $(PUSH_LOGS) $(PUSH_MODEL) && mkdir -p $(PUSH_LOGS)
	ln -s $(CURDIR)/$(GEO_LOGS)/*.mcap $(PUSH_LOGS)/
	pids=; for s in $(PUSH_SEEDS); do \
	  $(NODE) bin/worldcore.js collect --board sim-arm --task push --tool-down --episodes 75 --duration 6 --seed $$s --out $(PUSH_LOGS)/push$$s & pids="$$pids $$!"; done; \
	for p in $$pids; do wait $$p || exit 1; done
	$(call gather,$(foreach s,$(PUSH_SEEDS),$(PUSH_LOGS)/push$(s)))
	$(NODE) bin/worldcore.js train --logs $(PUSH_LOGS) --init $(GEO_LAST) --tool-down 0.5 --out $(PUSH_MODEL) --steps 2000 $(MODEL_TRAIN)

# Refinement rounds (deploy, log, retrain; docs/TRAINING.md "Refinement rounds"), after `make
# model` (its logs in $(MODEL_LOGS)): the last model's planner does guard (risk weights 1, 0, 3)
# and reach/push episodes on seeds eval does not use, 120 scripted guard sweeps beside them, and
# training continues from the last model (--init) on every log so far. Writes
# build/models/roundN/sim-arm only: measured, they did not beat the shipped model on guard.
MODEL_ROUNDS := 1:11:12:21 2:13:14:22
model-refine: build
	rm -rf $(MODEL_LOGS)/round* build/models/round*
	prev=models/sim-arm; \
	for r in $(MODEL_ROUNDS); do IFS=: read round gseed rseed sseed <<< "$$r"; out=$(MODEL_LOGS)/round$$round; \
	  $(NODE) bin/worldcore.js collect --board sim-arm --task guard --episodes 80 --duration 3 --seed $$gseed --planner $$prev --risk-weights 1,0,3 --out $$out-guard & g=$$!; \
	  $(NODE) bin/worldcore.js collect --board sim-arm --task guard --sweeps --episodes 120 --duration 3 --seed $$sseed --out $$out-sweep || exit 1; \
	  $(NODE) bin/worldcore.js collect --board sim-arm --task reach,push --episodes 40 --duration 4 --seed $$rseed --planner $$prev --risk-weights 1,0 --out $$out-rp || exit 1; \
	  wait $$g || exit 1; \
	  $(call gather,$$out-guard $$out-rp $$out-sweep); \
	  $(NODE) bin/worldcore.js train --logs $(MODEL_LOGS) --init $$prev --out build/models/round$$round/sim-arm --steps 4000 $(MODEL_TRAIN) || exit 1; \
	  prev=build/models/round$$round/sim-arm; done
