# EventSpool — `make demo` runs the main job on local defaults; `make test` builds and runs every test.
SWIFT ?= swift
export PATH := /opt/swift/usr/bin:$(PATH)

.PHONY: deps test test-reliability build demo clean

# Installs what the build needs when it is missing: libcurl's headers (Debian: libcurl4-openssl-dev).
deps:
	@scripts/ensure-deps.sh

build: deps
	$(SWIFT) build

# Every test target. The reliability suite runs on its own after the others: it keeps both cores busy with
# publisher and sweeper processes, which would stretch the short timeouts of the unit tests.
test: deps
	EVENTSPOOL_WERROR=1 $(SWIFT) build --build-tests
	EVENTSPOOL_WERROR=1 $(SWIFT) test --skip-build --skip ReliabilityTests
	EVENTSPOOL_WERROR=1 $(SWIFT) test --skip-build --filter ReliabilityTests

# Only the reliability suite: crashes, full disks, corrupt objects, racing processes, a hostile broker
# (docs/reliability.md).
test-reliability: deps
	EVENTSPOOL_WERROR=1 $(SWIFT) build --build-tests
	EVENTSPOOL_WERROR=1 $(SWIFT) test --skip-build --filter ReliabilityTests

# Builds and runs the demo: publishes through a broker outage into ./.eventspool-demo, sweeps, counts (lost = 0).
demo: deps
	$(SWIFT) build --product eventspool-demo
	"$$($(SWIFT) build --show-bin-path)/eventspool-demo"

clean:
	rm -rf .build .eventspool-demo
