# gwtop — `make test` installs what the tests need (nginx, HAProxy, Caddy from
# Debian's packages, when missing) and runs every test with the race detector.

GO       ?= go
PKGS     ?= ./...
FUZZTIME ?= 10s
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: test deps vet fuzz bench build demo lint

test: deps vet
	$(GO) test -race -count=1 $(PKGS)

# Install the gateways the integration tests start for real.
deps:
	@missing=""; \
	command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing="$$missing nginx-light"; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
	@{ command -v nginx || ls /usr/sbin/nginx; } >/dev/null

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { gofmt -l .; echo "gofmt: files above need formatting"; exit 1; }
	$(GO) vet $(PKGS)

# Short fuzzing of every parser, with the fixtures as seed corpus.
fuzz:
	@for t in FuzzAccessParse FuzzErrorLine FuzzCompileFormat FuzzStubStatus; do \
		$(GO) test -run=NONE -fuzz=^$$t$$ -fuzztime=$(FUZZTIME) ./collector/nginx/ || exit 1; \
	done

# Go benchmarks, then whole-program runs over generated logs (and GoAccess on
# the same log for comparison).
bench:
	@command -v bc >/dev/null && [ -x /usr/bin/time ] && command -v goaccess >/dev/null || { \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq bc time goaccess >/dev/null; }
	$(GO) test -run=NONE -bench=. -benchmem ./collector/... ./probe/ ./ui/...
	./scripts/bench-whole.sh

build:
	$(GO) build -o gwtop ./cmd/gwtop

demo:
	$(GO) run ./cmd/gwtop demo

lint: vet
	$(GO) run honnef.co/go/tools/cmd/staticcheck@latest $(PKGS)
