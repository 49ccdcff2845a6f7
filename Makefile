# Convenience targets. CI runs .ci/run, not make; every target is a plain Go
# command you can also type yourself.
.PHONY: all build test vet fmt docs ci snapshot clean

all: build

build:
	go build -o acctl ./cmd/acctl

test:
	go test ./...

vet:
	go vet ./...

fmt:
	gofmt -w .

# Regenerate docs/cli, docs/man and completions/ after changing a command.
docs:
	go run ./cmd/gen-docs

ci:
	bash .ci/run

# A local trial release into dist/ for this machine only.
snapshot:
	goreleaser build --snapshot --clean --single-target

clean:
	rm -rf dist acctl
