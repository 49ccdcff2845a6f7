#!/bin/sh
# internal/confusables/update.sh VERSION re-creates this folder from github.com/mtibben/confusables
# at VERSION (a pseudo-version such as v0.0.0-20210201002637-9d1b0723b659),
# through the Go module proxy, with acctl's one change (README.acctl.md):
# the table is built on first use, and records VERSION in upstream.go. The
# copy is a package of acctl's module (no go.mod of its own), so that
# `go install github.com/acctl/acctl/cmd/acctl@VERSION` builds it.
set -eu
version=${1:?usage: update.sh VERSION}
here=$(cd "$(dirname "$0")" && pwd)
dir=$(cd "$here" && GOFLAGS=-mod=mod go mod download -json "github.com/mtibben/confusables@$version" |
	sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[ -n "$dir" ] || { echo "update.sh: download failed" >&2; exit 1; }
for f in LICENSE README.md confusables.go tables.go; do
	cp "$dir/$f" "$here/$f"
	chmod u+w "$here/$f"
done
cd "$here"
# The map literal becomes the body of a sync.OnceValue function.
sed -i \
	-e '0,/^package confusables$/s//package confusables\n\nimport "sync"/' \
	-e 's/^var confusablesMap = map\[rune\]string{$/\/\/ confusablesMap is built on first use (acctl: README.acctl.md): a map\n\/\/ literal of this size costs every process about 0.4 ms at start-up.\nvar confusablesMap = sync.OnceValue(func() map[rune]string { return map[rune]string{/' \
	-e '$s/^}$/}\n})/' tables.go
sed -i 's/confusablesMap\[r\]/confusablesMap()[r]/' confusables.go
gofmt -w confusables.go tables.go
printf 'package confusables\n\n// Upstream is the module version of github.com/mtibben/confusables that this\n// copy follows, with acctl'"'"'s one change (README.acctl.md). update.sh writes it.\nconst Upstream = "%s"\n' "$version" > upstream.go
cd ../.. && go vet ./internal/confusables
