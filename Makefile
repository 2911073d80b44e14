# gwtop — `make test` installs what the tests need (nginx, HAProxy, Caddy and
# Apache httpd from Debian's packages, when missing) and runs every test with
# the race detector.

GO       ?= go
PKGS     ?= ./...
FUZZTIME ?= 10s
# make test fuzzes each target for a number of executions, not a duration:
# a duration budget can fail with a bare "context deadline exceeded" and no
# crasher (golang/go#75804, a race in Go 1.26's fuzz coordinator).
TESTFUZZ ?= 20000x
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
# goreleaser, pinned, installed into $(go env GOPATH)/bin when missing or of
# another version, and called by that path (`go install pkg@version` leaves
# go.mod alone).
GORELEASER_VERSION := v2.15.1
TOOLBIN    := $(firstword $(subst :, ,$(shell $(GO) env GOPATH)))/bin
GORELEASER := $(TOOLBIN)/goreleaser
# make build stamps the binary like the release does (`make build
# VERSION=1.2.3` overrides). Leading "v" dropped, as goreleaser's .Version.
VERSION := $(patsubst v%,%,$(or $(shell git describe --tags --always --dirty 2>/dev/null),dev))
COMMIT  := $(shell git rev-parse HEAD 2>/dev/null)
DATE    := $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.date=$(DATE)
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: test deps vet fuzz bench bench-deps build demo lint goreleaser release-check snapshot

test: deps vet lint
	$(GO) test -race -count=1 $(PKGS)
	@# Tests too slow under -race (a multi-GB log set), built without it
	@# (files tagged !race), run on their own.
	$(GO) test -count=1 -run 'MultiGB' ./collector/
	@$(MAKE) --no-print-directory fuzz FUZZTIME=$(TESTFUZZ)
	@$(MAKE) --no-print-directory release-check

# Install the gateways and app servers (gunicorn with Flask, uWSGI,
# php-fpm) the integration tests start for real, Prometheus (its
# server and promtool: gwtop serve's and the fleet view's tests) and tmux
# (the terminal the full-screen TUI's test runs in).
deps:
	@missing=""; \
	command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing="$$missing nginx-light"; \
	command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || missing="$$missing haproxy"; \
	command -v caddy >/dev/null 2>&1 || missing="$$missing caddy"; \
	command -v apache2 >/dev/null 2>&1 || [ -x /usr/sbin/apache2 ] || missing="$$missing apache2"; \
	[ -x /usr/bin/gunicorn ] || missing="$$missing gunicorn"; \
	/usr/bin/python3 -c 'import flask' >/dev/null 2>&1 || missing="$$missing python3-flask"; \
	command -v uwsgi >/dev/null 2>&1 || missing="$$missing uwsgi"; \
	[ -e /usr/lib/uwsgi/plugins/python3_plugin.so ] || missing="$$missing uwsgi-plugin-python3"; \
	ls /usr/sbin/php-fpm* >/dev/null 2>&1 || missing="$$missing php-fpm"; \
	command -v openssl >/dev/null 2>&1 || missing="$$missing openssl"; \
	command -v tmux >/dev/null 2>&1 || missing="$$missing tmux"; \
	{ command -v prometheus && command -v promtool; } >/dev/null 2>&1 || missing="$$missing prometheus"; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
	@{ command -v nginx || ls /usr/sbin/nginx; } >/dev/null

vet:
	@$(GO) mod tidy -diff >/dev/null || { echo "go mod tidy would change go.mod/go.sum: run go mod tidy"; $(GO) mod tidy -diff; exit 1; }
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { gofmt -l .; echo "gofmt: files above need formatting"; exit 1; }
	$(GO) vet $(PKGS)

# Every fuzz target of every package (the parsers), FUZZTIME each, with the
# fixtures as seed corpus. `make test` runs them briefly; `make fuzz
# FUZZTIME=2m` digs deeper.
fuzz:
	@out=$$(mktemp); trap 'rm -f $$out' EXIT; \
	for pkg in $$($(GO) list ./...); do \
		for t in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
			echo "fuzz $$t ($$pkg, $(FUZZTIME))"; \
			if ! $(GO) test -run=NONE -fuzz="^$$t\$$" -fuzztime=$(FUZZTIME) $$pkg >$$out 2>&1; then \
				if grep -q 'context deadline exceeded' $$out && ! grep -q 'Failing input written' $$out; then \
					echo "  (Go's fuzz coordinator deadline race, golang/go#75804: no crasher, not a finding)"; \
				else \
					cat $$out; echo "FAIL: $$t in $$pkg — rerun: go test -run=NONE -fuzz=^$$t\$$ $$pkg"; exit 1; \
				fi; \
			fi; \
		done; \
	done

# What `make bench` compares gwtop with: mawk and GoAccess, installed when
# missing (and tmux, which the TUI runs in while it is measured).
bench-deps:
	@missing=""; \
	command -v mawk >/dev/null 2>&1 || missing="$$missing mawk"; \
	command -v goaccess >/dev/null 2>&1 || missing="$$missing goaccess"; \
	command -v tmux >/dev/null 2>&1 || missing="$$missing tmux"; \
	[ -x /usr/bin/time ] || missing="$$missing time"; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

# Go benchmarks (parsers per format, the aggregator, Snapshot and View at
# many upstreams), then the comparison table of issue 16: the backlog beside
# mawk and GoAccess, the TUI's CPU and RSS idle and under load. Not part of
# `make test`: it measures, it does not judge.
bench: bench-deps
	$(GO) test -run=NONE -bench=. -benchmem ./gateway/... ./collector/... ./probe/ ./ui/...
	./scripts/bench-table.sh

# Static and stamped, as the release binaries (.goreleaser.yaml).
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o gwtop ./cmd/gwtop

goreleaser:
	@$(GORELEASER) --version 2>/dev/null | grep -q 'GitVersion: *$(GORELEASER_VERSION)$$' || { \
		echo "installing goreleaser $(GORELEASER_VERSION) into $(TOOLBIN)"; \
		GOBIN=$(TOOLBIN) $(GO) install github.com/goreleaser/goreleaser/v2@$(GORELEASER_VERSION); }

# .goreleaser.yaml is valid, and the release build works for this machine's
# platform (hooks included: completions/). `make snapshot` builds them all.
release-check: goreleaser
	$(GORELEASER) check
	$(GORELEASER) build --snapshot --clean --single-target

# Every target, archive, checksum and deb/rpm into dist/, nothing published.
snapshot: goreleaser
	$(GORELEASER) release --snapshot --clean

demo:
	$(GO) run ./cmd/gwtop demo

lint:
	$(GO) run $(STATICCHECK) $(PKGS)
