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

# A local trial release into dist/: the archives and the .deb and .rpm
# packages for every platform, unpublished.
snapshot:
	goreleaser release --snapshot --clean

clean:
	rm -rf dist acctl
