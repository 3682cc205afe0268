# awsrun: build, test and measure. Every target is phony: make is a command runner here.
GO       ?= go
# The Go release awsrun is built and tested with: 1.26.8 has reachable standard-library
# vulnerabilities (make vuln) fixed in 1.27.3. The go command fetches it from the module proxy
# on first use; go.mod names it too, so a build without this variable fails instead of using
# an older Go.
export GOTOOLCHAIN := go1.27.3
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT   ?= $(shell git rev-parse --short=12 HEAD 2>/dev/null)
LDFLAGS  := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT)
BIN      := bin/awsrun
# MAIN is the package `make build` builds (the bench builds its SDK-linking floor with it).
MAIN     ?= ./cmd/awsrun
# urfave_cli_no_docs drops urfave/cli's markdown/man generators (and blackfriday's package init
# from every start); awsrun writes its man page itself. nethttpomithttp2 drops net/http's bundled
# HTTP/2: the credential endpoint is plain HTTP/1.1 on loopback and STS/SSO answer HTTP/1.1.
BUILDTAGS ?= urfave_cli_no_docs nethttpomithttp2
# CGO_ENABLED=0 as in the release (.goreleaser.yaml): a static binary, so no dynamic loader runs
# before main and no libc pages are resident (make bench measures what users get).
# No inlining in code that runs once per start or per refresh (the SDK, flag parsing, TLS, help
# templates, the SDK's regular expressions and XML answers, compression, big numbers): a
# smaller binary and fewer resident pages. The endpoint's request path (net/http, encoding/json,
# awsrun's own packages, the runtime) keeps it. bench/cmd/awsrunbench builds through `make build`.
COLDGCFLAGS := -gcflags=github.com/aws/...=-l -gcflags=github.com/urfave/...=-l -gcflags=crypto/...=-l \
	-gcflags=text/...=-l -gcflags=regexp/...=-l -gcflags=encoding/xml=-l -gcflags=compress/...=-l -gcflags=math/big=-l
# GOEXPERIMENT=nogreenteagc: Go 1.26's default collector (Green Tea) keeps each small-object
# span's mark bits inside the span's last bytes, so every span awsrun's start touches costs one
# more page fault; with the previous collector a start faults fewer pages (a 2-core VM: -0.10
# ms, -0.3 MiB peak RSS; README "Performance"). awsrun's heap is small and the collector's
# share of the endpoint's CPU is under 1%, where Green Tea would help. A toolchain that no
# longer offers the opt-out builds with its default, as does `make build GCEXPERIMENT=`.
GCEXPERIMENT ?= $(shell GOEXPERIMENT=nogreenteagc $(GO) version >/dev/null 2>&1 && echo nogreenteagc)
PREFIX   ?= /usr/local

.PHONY: all build install test test-race test-short deps bench fuzz lint vuln demo clean man completion cross release-check

all: build

build:
	@echo "==> build $(BIN) $(VERSION)"
	CGO_ENABLED=0 GOEXPERIMENT=$(GCEXPERIMENT) $(GO) build -trimpath -tags "$(BUILDTAGS)" $(COLDGCFLAGS) -ldflags "$(LDFLAGS)" -o $(BIN) $(MAIN)

install: build
	@echo "==> install $(PREFIX)/bin/awsrun"
	install -m 0755 $(BIN) $(PREFIX)/bin/awsrun

# deps installs what the end-to-end tests run as real children: the AWS SDK for JavaScript v3,
# and Claude Code (pinned in e2e/claude; its native binary is an npm optional dependency). A
# failed install fails here: the Claude Code tests do not skip unless AWSRUN_E2E_CLAUDE=skip.
CLAUDE_BIN := e2e/claude/node_modules/@anthropic-ai/claude-code/bin/claude.exe
deps:
	@echo "==> deps"
	@command -v aws >/dev/null || { echo "the AWS CLI is missing: apt-get install -y awscli" >&2; exit 1; }
	@cd e2e/js && if [ ! -d node_modules/@aws-sdk/client-sts ]; then npm ci --no-audit --no-fund --loglevel=error; fi
	@if [ "$$AWSRUN_E2E_CLAUDE" != skip ] && ! $(CLAUDE_BIN) --version >/dev/null 2>&1; then \
		(cd e2e/claude && npm ci --no-audit --no-fund --loglevel=error) && $(CLAUDE_BIN) --version; fi

# test runs everything with the race detector, end-to-end tests with real AWS clients included,
# then fuzzes each fuzz target for TEST_FUZZTIME (bounded; the seed corpora already ran above).
TEST_FUZZTIME ?= 8s
test: deps
	@echo "==> test (race)"
	$(GO) test -race -count=1 -timeout 15m -tags "$(BUILDTAGS)" ./...
	@$(MAKE) --no-print-directory fuzz FUZZTIME=$(TEST_FUZZTIME)

test-race: test

test-short:
	$(GO) test -race -count=1 -short -tags "$(BUILDTAGS)" ./...

bench: deps
	@echo "==> bench: awsrun against floor programs, side by side (bench/cmd/awsrunbench; flags via BENCHFLAGS, e.g. BENCHFLAGS=-rotations=1000)"
	@command -v /usr/bin/time >/dev/null || { apt-get install -y time >/dev/null 2>&1 || echo "GNU time missing (apt-get install -y time): peak RSS falls back to an upper bound" >&2; }
	@command -v wrk >/dev/null || { apt-get install -y wrk >/dev/null 2>&1 || echo "wrk missing (apt-get install -y wrk): the endpoint rows fall back to the Go client" >&2; }
	$(GO) run ./bench/cmd/awsrunbench $(BENCHFLAGS)
	@echo "==> bench: Go micro-benchmarks"
	$(GO) test -run '^$$' -bench . -benchmem -count=1 ./...

# fuzz runs every fuzz target for FUZZTIME each (bounded, for CI), after their committed seed
# corpora in testdata/fuzz/ (which `make test` also runs as plain tests). A failure leaves the
# input that broke it in the package's testdata/fuzz/<target>/ to commit with the fix.
# Minimisation is capped so a slow target cannot spend its whole budget shrinking one input.
# Go 1.26's fuzz coordinator can fail a run with "context deadline exceeded" at the -fuzztime
# boundary without any failing input (golang/go#75804, fixed in Go 1.27): that one outcome,
# with no new input written, is reported and not counted as a failure.
FUZZTIME ?= 10s
FUZZ_TARGETS := ./endpoint:FuzzHandler ./wrapper:FuzzBuildChildEnv ./creds:FuzzParse \
	./creds:FuzzChildConfig ./creds:FuzzReadSSOToken ./creds:FuzzReadLoginToken ./creds:FuzzSanitizeError

fuzz:
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; fn=$${t##*:}; corpus=$$pkg/testdata/fuzz/$$fn; out=$$(mktemp); \
		echo "==> fuzz $$fn ($$pkg, $(FUZZTIME))"; \
		before=$$(ls $$corpus 2>/dev/null | wc -l); \
		if $(GO) test -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 5s $$pkg >$$out 2>&1; then \
			tail -n 2 $$out; \
		elif [ "$$(ls $$corpus 2>/dev/null | wc -l)" = "$$before" ] && grep -q 'context deadline exceeded' $$out; then \
			tail -n 5 $$out; echo "    (no failing input: the Go fuzz coordinator's deadline race, golang/go#75804)"; \
		else \
			cat $$out; rm -f $$out; exit 1; \
		fi; \
		rm -f $$out; \
	done

# lint also runs staticcheck, pinned, over every package and test for each build CI makes:
# linux, darwin and windows, with BUILDTAGS, with and without the test hooks (e2e builds awsrun
# with awsrun_testhooks). -matrix lints all six in one run and merges the results; any finding
# fails. A deliberate finding is silenced where it is, with `//lint:ignore CHECK reason`.
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
comma := ,
LINTTAGS := $(subst $() $(),$(comma),$(strip $(BUILDTAGS)))
LINTMATRIX := $(foreach os,linux darwin windows,'$(os): GOOS=$(os) -tags=$(LINTTAGS)' \
	'$(os)_testhooks: GOOS=$(os) -tags=$(LINTTAGS)$(comma)awsrun_testhooks')

lint:
	@echo "==> lint"
	@test -z "$$(gofmt -l .)" || { gofmt -l .; exit 1; }
	$(GO) vet ./...
	GOOS=darwin $(GO) vet ./...
	GOOS=windows $(GO) vet ./...
	@echo "==> staticcheck ($(STATICCHECK)): linux, darwin, windows x tags $(LINTTAGS), with and without awsrun_testhooks"
	@printf '%s\n' $(LINTMATRIX) | $(GO) run $(STATICCHECK) -matrix ./...
	@echo "staticcheck: 0 findings"

# vuln runs govulncheck against a vulnerability database built offline from the pinned
# golang.org/x/vulndb module (its OSV entries, indexed by internal/tools/vulnindex), and fails on
# any vulnerability awsrun's code can reach, in the standard library of the Go above or a module.
GOVULNCHECK := golang.org/x/vuln/cmd/govulncheck@v1.9.0
VULNDB      := golang.org/x/vulndb@v0.0.0-20261105234957-e22db6528018
vuln:
	@echo "==> vuln ($(GOVULNCHECK), database $(VULNDB))"
	@dir=$$($(GO) mod download -json $(VULNDB) | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$$/\1/p'); \
		test -d "$$dir/data/osv" || { echo "vuln: $(VULNDB) has no data/osv" >&2; exit 1; }; \
		$(GO) run ./internal/tools/vulnindex -osv "$$dir/data/osv" -out bin/vulndb
	$(GO) version
	$(GO) run $(GOVULNCHECK) -db file://$(CURDIR)/bin/vulndb -tags "$(BUILDTAGS)" ./...

demo: build deps
	@echo "==> demo"
	$(GO) run ./internal/demo -awsrun $(BIN)

clean:
	rm -rf bin dist e2e/js/node_modules e2e/claude/node_modules

# man writes bin/awsrun.1, generated from the CLI definition (awsrun --generate-man).
man: build
	@echo "==> man bin/awsrun.1"
	$(BIN) --generate-man > bin/awsrun.1
	@if command -v groff >/dev/null; then groff -man -Tutf8 -ww -z bin/awsrun.1; else head -3 bin/awsrun.1 | grep -q '^\.TH'; fi

# completion writes the bash, zsh and fish completion scripts to bin/completion/.
completion: build
	@echo "==> completion bin/completion/"
	@mkdir -p bin/completion
	$(BIN) completion bash > bin/completion/awsrun.bash
	$(BIN) completion zsh > bin/completion/_awsrun
	$(BIN) completion fish > bin/completion/awsrun.fish

# cross builds every package for each release target; it vets the two that lint does not
# (lint vets the host, darwin/amd64 and windows/amd64).
CROSS_TARGETS := linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64

cross:
	@for t in $(CROSS_TARGETS); do \
		echo "==> cross build $$t"; \
		CGO_ENABLED=0 GOOS=$${t%/*} GOARCH=$${t#*/} $(GO) build -tags "$(BUILDTAGS)" ./... || exit 1; \
	done
	@echo "==> cross vet linux/arm64 darwin/arm64"
	CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) vet ./...
	CGO_ENABLED=0 GOOS=darwin GOARCH=arm64 $(GO) vet ./...

# release-check validates .goreleaser.yaml without goreleaser (not installed, nothing published):
# it parses and lists the five targets, the archives and the checksums.
release-check:
	@echo "==> release-check .goreleaser.yaml"
	@python3 -c 'import sys, yaml; c = yaml.safe_load(open(".goreleaser.yaml")); \
		b = c["builds"][0]; t = {o + "/" + a for o in b["goos"] for a in b["goarch"]} - {i["goos"] + "/" + i["goarch"] for i in b.get("ignore", [])}; \
		want = set("$(CROSS_TARGETS)".split()); \
		t == want or sys.exit("builds: targets %s, want %s" % (sorted(t), sorted(want))); \
		"-X main.version={{.Version}}" in b["ldflags"][0] or sys.exit("builds: ldflags lack main.version"); \
		b.get("tags") == "$(BUILDTAGS)".split() or sys.exit("builds: tags %s, want $(BUILDTAGS)" % b.get("tags")); \
		[e for e in b.get("env", []) if e.startswith("GOEXPERIMENT=")] == ["GOEXPERIMENT=$(GCEXPERIMENT)"] or sys.exit("builds: env %s, want GOEXPERIMENT=$(GCEXPERIMENT)" % b.get("env")); \
		["-gcflags=" + g for g in b.get("gcflags", [])] == "$(COLDGCFLAGS)".split() or sys.exit("builds: gcflags %s, want $(COLDGCFLAGS)" % b.get("gcflags")); \
		c["archives"][0]["formats"] == ["tar.gz"] or sys.exit("archives: want tar.gz"); \
		c["checksum"]["name_template"] or sys.exit("checksum missing"); \
		print(".goreleaser.yaml: ok,", len(t), "targets")'
