# awsrun: build, test and measure. Every target is phony: make is a command runner here.
GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT   ?= $(shell git rev-parse --short=12 HEAD 2>/dev/null)
LDFLAGS  := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT)
BIN      := bin/awsrun
PREFIX   ?= /usr/local

.PHONY: all build install test test-race test-short deps bench lint demo clean

all: build

build:
	@echo "==> build $(BIN) $(VERSION)"
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/awsrun

install: build
	@echo "==> install $(PREFIX)/bin/awsrun"
	install -m 0755 $(BIN) $(PREFIX)/bin/awsrun

# deps installs what the end-to-end tests run as real children: the AWS SDK for JavaScript v3.
deps:
	@echo "==> deps"
	@command -v aws >/dev/null || { echo "the AWS CLI is missing: apt-get install -y awscli" >&2; exit 1; }
	@cd e2e/js && if [ ! -d node_modules/@aws-sdk/client-sts ]; then npm ci --no-audit --no-fund --loglevel=error; fi

# test runs everything with the race detector, end-to-end tests with real AWS clients included.
test: deps
	@echo "==> test (race)"
	$(GO) test -race -count=1 -timeout 15m ./...

test-race: test

test-short:
	$(GO) test -race -count=1 -short ./...

bench: deps
	@echo "==> bench"
	$(GO) test -run '^$$' -bench . -benchmem -count=1 ./...

lint:
	@echo "==> lint"
	@test -z "$$(gofmt -l .)" || { gofmt -l .; exit 1; }
	$(GO) vet ./...
	GOOS=darwin $(GO) vet ./...
	GOOS=windows $(GO) vet ./...

demo: build deps
	@echo "==> demo"
	$(GO) run ./internal/demo -awsrun $(BIN)

clean:
	rm -rf bin dist e2e/js/node_modules
