#!/usr/bin/env bash
# internal/phonenumbers/update.sh VERSION [DIR]: replace this copy of
# github.com/nyaruka/phonenumbers with VERSION from the Go module proxy, apply
# acctl.patch (see README.acctl.md) and record VERSION in upstream.go. Run it
# from anywhere:
#
#     internal/phonenumbers/update.sh v1.8.1
#
# then run acctl's tests. With DIR, the patched copy is written there instead
# (upstream_test.go does this to check that this folder is exactly upstream
# VERSION plus acctl.patch).
set -euo pipefail
version=${1:?usage: update.sh VERSION [DIR] (e.g. v1.8.1)}
here=$(cd "$(dirname "$0")" && pwd)
dest=${2:-$here}
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)

src=$(cd "${TMPDIR:-/tmp}" && GOFLAGS=-mod=mod go mod download -json "github.com/nyaruka/phonenumbers@$version" |
	sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[ -d "$src" ] || { echo "update.sh: could not download github.com/nyaruka/phonenumbers@$version" >&2; exit 1; }

# Keep acctl's own files; replace everything else.
if [ "$dest" = "$here" ]; then
	find "$dest" -mindepth 1 -maxdepth 1 ! -name update.sh ! -name acctl.patch ! -name README.acctl.md \
		! -name upstream.go ! -name upstream_test.go ! -name testmain_test.go ! -name acctl_test.go -exec rm -rf {} +
fi
# The library without its tests, tools, docs and geocoding (acctl does not
# use it; it alone pulls in golang.org/x/text/language/display), and without
# its go.mod and go.sum: the copy is a package of acctl's module, not a
# nested module (a module zip would leave a nested module out).
(cd "$src" && find . -type f \
	! -name '*_test.go' ! -path './cmd/*' ! -path './docs/*' ! -path './.github/*' \
	! -path './testdata/*' ! -name geocoding.go ! -path './data/prefix_to_geocodings/*' \
	! -name .gitignore ! -name .goreleaser.yml ! -name go.mod ! -name go.sum -print0) |
	(cd "$src" && xargs -0 cp --parents -t "$dest")
chmod -R u+w "$dest"
patch -s -d "$dest" -p1 --no-backup-if-mismatch < "$here/acctl.patch"
cat > "$dest/upstream.go" <<GO
package phonenumbers

// Upstream is the module version of github.com/nyaruka/phonenumbers that this
// copy follows: that version with acctl.patch applied. update.sh writes it;
// upstream_test.go checks it.
const Upstream = "$version"
GO
echo "github.com/nyaruka/phonenumbers $version copied to $dest and patched"
