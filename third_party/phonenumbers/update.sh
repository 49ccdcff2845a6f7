#!/usr/bin/env bash
# third_party/phonenumbers/update.sh VERSION: replace this copy of
# github.com/nyaruka/phonenumbers with VERSION from the Go module proxy, then
# apply acctl.patch (see README.acctl.md). Run it from anywhere:
#
#     third_party/phonenumbers/update.sh v1.8.1
#
# then set the same version in acctl's go.mod (require line) and run the tests.
set -euo pipefail
version=${1:?usage: update.sh VERSION (e.g. v1.8.1)}
here=$(cd "$(dirname "$0")" && pwd)

src=$(cd "${TMPDIR:-/tmp}" && GOFLAGS=-mod=mod go mod download -json "github.com/nyaruka/phonenumbers@$version" |
	sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[ -d "$src" ] || { echo "update.sh: could not download github.com/nyaruka/phonenumbers@$version" >&2; exit 1; }

# Keep acctl's own files; replace everything else.
find "$here" -mindepth 1 -maxdepth 1 ! -name update.sh ! -name acctl.patch ! -name README.acctl.md -exec rm -rf {} +
# The library without its tests, tools, docs and geocoding (acctl does not
# use it; it alone pulls in golang.org/x/text/language/display).
(cd "$src" && find . -type f \
	! -name '*_test.go' ! -path './cmd/*' ! -path './docs/*' ! -path './.github/*' \
	! -path './testdata/*' ! -name geocoding.go ! -path './data/prefix_to_geocodings/*' \
	! -name .gitignore ! -name .goreleaser.yml -print0) |
	(cd "$src" && xargs -0 cp --parents -t "$here")
chmod -R u+w "$here"
patch -d "$here" -p1 --no-backup-if-mismatch < "$here/acctl.patch"
echo "github.com/nyaruka/phonenumbers $version copied to $here and patched"
