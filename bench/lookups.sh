#!/usr/bin/env bash
# bench/lookups.sh: many lookups in one process (issue 20, point 3).
# `acctl user get -` answering K REFs from stdin on a store of N accounts,
# against the same REFs as K `acctl user get REF` processes (a sample of
# them, scaled), locally and through `acctl serve` (batched requests).
#
#   bench/lookups.sh                  # N = 1,000,000 accounts, K = 100,000 REFs
#   bench/lookups.sh -n 100000 -k 20000
#   BENCH_DIR=/some/dir bench/lookups.sh   # keep the data; a store.db there is reused
#   ACCTL_BIN=/path/to/acctl bench/lookups.sh
#
# Needs: go, hyperfine, sqlite3 (to check the store). Not run by CI. It
# prints a Markdown table on stdout (progress on stderr); see
# docs/benchmarks.md.
set -euo pipefail

N=1000000
K=100000
SINGLES=300
while [ $# -gt 0 ]; do
	case "$1" in
	-n) N="$2"; shift ;;
	-k) K="$2"; shift ;;
	*) echo "usage: $0 [-n N] [-k K]" >&2; exit 2 ;;
	esac
	shift
done
for t in go hyperfine sqlite3; do command -v "$t" >/dev/null || { echo "missing: $t" >&2; exit 2; }; done

root=$(cd "$(dirname "$0")/.." && pwd)
dir=${BENCH_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/acctl-lookups.XXXXXX")}
mkdir -p "$dir"
server=
cleanup() { if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi; }
trap cleanup EXIT
. "$root/bench/lib.sh"
echo "data in $dir" >&2

if [ -z "${ACCTL_BIN:-}" ]; then
	log "building acctl"
	(cd "$root" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$dir/acctl" ./cmd/acctl)
	ACCTL_BIN="$dir/acctl"
	built=$(cd "$root" && git describe --always --dirty 2>/dev/null || echo unknown)
else
	built="$ACCTL_BIN"
fi
ACCTL="$ACCTL_BIN"
export XDG_CONFIG_HOME="$dir/config" XDG_DATA_HOME="$dir/data"
unset ACCTL_STORE ACCTL_CONFIG ACCTL_TOKEN 2>/dev/null || true

# The store: N accounts as bench/run.sh makes them (one argon2id hash for all).
if [ ! -s "$dir/store.db" ] || [ "$(sqlite3 "$dir/store.db" 'SELECT count(*) FROM users')" != "$N" ]; then
	HASH='$argon2id$v=19$m=19456,t=2,p=1$JM7SeyN5UMVnA1nGgCtdMQ$f96sXINPO7fBJcNeOybM2hXgNT5hczd1us9NVqj5Aw8'
	log "generating and importing $N accounts"
	awk -v n="$N" -v h="$HASH" 'BEGIN {
		print "username,email,first_name,last_name,password_hash"
		for (i = 1; i <= n; i++)
			printf "user%07d,user%07d@example.com,First%d,Last%d,\"%s\"\n", i, i, i % 9973, i % 7919, h
	}' > "$dir/users.csv"
	rm -f "$dir/store.db" "$dir/store.db-wal" "$dir/store.db-shm"
	"$ACCTL" --store "$dir/store.db" user import --format csv "$dir/users.csv" -o json >/dev/null
	sqlite3 "$dir/store.db" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
fi

# K REFs spread over the store, in a shuffled order: emails, usernames and
# ids in turn, and one in a hundred that names nobody.
awk -v n="$N" -v k="$K" 'BEGIN {
	srand(42)
	for (j = 0; j < k; j++) {
		i = int(rand() * n) + 1
		if (j % 100 == 99) { printf "nobody%07d@example.com\n", j; continue }
		if (j % 3 == 0) printf "user%07d@example.com\n", i
		else if (j % 3 == 1) printf "user%07d\n", i
		else printf "%d\n", i
	}
}' > "$dir/refs.txt"
head -n "$SINGLES" "$dir/refs.txt" > "$dir/refs-singles.txt"

rate() { awk -v k="$1" -v s="$2" 'BEGIN { printf "%.0f", k / s }' | thousands; }

log "local: acctl user get - with $K REFs (3 runs), and $SINGLES single processes"
# Exit 3 is expected (one REF in a hundred names nobody): -i ignores it.
hyperfine --style basic -i --warmup 1 --runs 3 --export-json "$dir/many.json" \
	-n "user get - ($K REFs)" "$ACCTL --store $dir/store.db user get - < $dir/refs.txt > $dir/out.jsonl" >&2
hyperfine --style basic -i --runs 1 --export-json "$dir/singles.json" \
	-n "$SINGLES x user get REF" "while read -r r; do $ACCTL --store $dir/store.db user get \"\$r\" -o json; done < $dir/refs-singles.txt > /dev/null 2>&1" >&2
lines=$(wc -l < "$dir/out.jsonl")
[ "$lines" = "$K" ] || { echo "user get - wrote $lines lines, want $K" >&2; exit 1; }
many=$(mean "$dir/many.json")
singles=$(mean "$dir/singles.json")

log "remote: acctl serve on the same store, acctl user get - through it"
token=$("$ACCTL" --store "$dir/store.db" apikey create bench-$$ --role auditor)
start_serve "$dir/serve.log" "$ACCTL" --store "$dir/store.db"
export ACCTL_TOKEN="$token"
hyperfine --style basic -i --warmup 1 --runs 3 --export-json "$dir/remote.json" \
	-n "remote user get - ($K REFs)" "$ACCTL --store $url user get - < $dir/refs.txt > $dir/out-remote.jsonl" >&2
unset ACCTL_TOKEN
kill "$server"; wait "$server" 2>/dev/null || true; server=
cmp -s "$dir/out.jsonl" "$dir/out-remote.jsonl" || { echo "remote and local answers differ" >&2; exit 1; }
remote=$(mean "$dir/remote.json")

echo "Lookups in one process: $built, N = $(echo "$N" | thousands) accounts, K = $(echo "$K" | thousands) REFs, $(nproc) CPUs, $(date -u '+%Y-%m-%d %H:%M') UTC"
echo
echo "| Run | wall (mean) | lookups/s |"
echo "|---|---:|---:|"
echo "| \`user get -\`, local store, $K REFs (mean of 3) | $(secs "$many") s | $(rate "$K" "$many") |"
echo "| \`user get -\` through \`acctl serve\` on the same store (mean of 3) | $(secs "$remote") s | $(rate "$K" "$remote") |"
echo "| $SINGLES \`user get REF\` processes, one after another | $(secs "$singles") s | $(rate "$SINGLES" "$singles") |"
