# EventSpool — `make demo` runs the main job on local defaults; `make test` builds and runs every test.
SWIFT ?= swift
export PATH := /opt/swift/usr/bin:$(PATH)

.PHONY: deps python-deps test test-reliability lint build demo conformance clean bench bench-quick

# Installs what the build needs when it is missing: libcurl's headers (Debian: libcurl4-openssl-dev).
deps:
	@scripts/ensure-deps.sh

# The conformance tests' Python packages (PyPI: cloudevents, standardwebhooks), when missing.
python-deps:
	@scripts/ensure-python-deps.sh

build: deps
	$(SWIFT) build

# Every test: warnings are errors, formatting is checked, then the whole suite runs (the conformance
# tests need the Python packages python-deps installs). The reliability suite runs on its own after the
# others, one test at a time: it keeps both cores busy with publisher and sweeper processes, which would
# stretch the short timeouts of the unit tests, and its brokers stop listening on purpose, which must not
# let another test's broker take the port meanwhile.
# Last, a release build of every product: some errors (imports under MemberImportVisibility) appear only
# there, and `make bench` needs one.
test: deps python-deps lint
	EVENTSPOOL_WERROR=1 $(SWIFT) build --build-tests
	EVENTSPOOL_WERROR=1 $(SWIFT) test --skip-build --skip ReliabilityTests
	EVENTSPOOL_WERROR=1 $(SWIFT) test --skip-build --no-parallel --filter ReliabilityTests
	EVENTSPOOL_WERROR=1 $(SWIFT) build -c release

# Only the reliability suite: crashes, full disks, corrupt objects, racing processes, a hostile broker
# (docs/reliability.md).
test-reliability: deps
	EVENTSPOOL_WERROR=1 $(SWIFT) build --build-tests
	EVENTSPOOL_WERROR=1 $(SWIFT) test --skip-build --no-parallel --filter ReliabilityTests

# The house style (.swift-format): 4 spaces, 120 columns, ordered imports.
lint:
	$(SWIFT) format lint --strict --recursive Sources Tests Package.swift

# Builds and runs the demo: publishes through a broker outage into ./.eventspool-demo, sweeps, counts (lost = 0).
demo: deps
	$(SWIFT) build --product eventspool-demo
	"$$($(SWIFT) build --show-bin-path)/eventspool-demo"

# EventSpool's real requests checked by the official CloudEvents SDK and Standard Webhooks library.
conformance: deps python-deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --filter WireConformanceTests

# The benchmark (docs/performance.md): about 8 minutes; bench-quick under 2. Extra options for
# eventspool-bench go in BENCH_ARGS, e.g. `make bench BENCH_ARGS="--rows serial,concurrent"`.
bench: deps
	Benchmarks/run.sh $(BENCH_ARGS)

bench-quick: deps
	Benchmarks/run.sh --quick $(BENCH_ARGS)

clean:
	rm -rf .build .eventspool-demo
