#!/usr/bin/env bash
# bench/import.sh: `acctl user import` against sqlite3's `.import` of the
# same rows into the same schema, with a phone number per account (and
# without), runs alternating so that a loaded machine slows both alike.
#
#   bench/import.sh                   # N = 1,000,000 accounts, 3 rounds
#   bench/import.sh --quick           # N = 20,000
#   bench/import.sh -n 200000 -r 5    # any N, any number of rounds
#   bench/import.sh --before main     # acctl of another git revision too,
#                                     # in the same rounds (before/after)
#   bench/import.sh --only phones     # one variant: phones or plain
#   BENCH_DIR=/some/disk bench/import.sh
#
# Both sides get acctl's schema (an empty acctl store: every table, index
# and trigger). sqlite3 writes what acctl's import writes for a row: the
# users row and its addresses rows (the email, and the phone number), via
# a view whose INSTEAD OF trigger does the inserts; it stores the values
# as they are, where acctl checks and normalises each (E.164 for phones,
# PRECIS and skeletons for usernames and emails).
#
# A round runs sqlite3, then acctl (then the --before acctl), each on a
# fresh copy of the empty store; the wall time and peak RSS of each run
# come from GNU time. Needs: go, sqlite3, GNU time (/usr/bin/time -v).
# Prints a Markdown report on stdout (progress on stderr); see
# docs/benchmarks.md, "Import with phone numbers".
set -euo pipefail

N=1000000
ROUNDS=3
BEFORE=
ONLY=
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) N=20000 ;;
	-n) N="$2"; shift ;;
	-r | --rounds) ROUNDS="$2"; shift ;;
	--before) BEFORE="$2"; shift ;;
	--only) ONLY="$2"; shift ;;
	*) echo "usage: $0 [--quick | -n N] [-r ROUNDS] [--before REV] [--only phones|plain]" >&2; exit 2 ;;
	esac
	shift
done
case "$ONLY" in "" | phones | plain) ;; *) echo "--only: phones or plain" >&2; exit 2 ;; esac

missing=()
for t in go sqlite3 git; do command -v "$t" >/dev/null || missing+=("$t"); done
[ -x /usr/bin/time ] && /usr/bin/time -v true >/dev/null 2>&1 || missing+=("time (GNU, /usr/bin/time -v)")
if [ ${#missing[@]} -gt 0 ]; then
	echo "missing: ${missing[*]} (on Debian/Ubuntu: sudo apt-get install sqlite3 time git)" >&2
	exit 2
fi

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
root=$(cd "$here/.." && pwd)
dir=${BENCH_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/acctl-import.XXXXXX")}
mkdir -p "$dir"
echo "data in $dir" >&2

fresh() { # fresh SRC DST: a copy of a store without its WAL
	rm -f "$2" "$2-wal" "$2-shm"
	cp "$1" "$2"
}
build() { # build SRC OUT: acctl as the releases are built (static, no symbols)
	(cd "$1" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$2" ./cmd/acctl)
}
log "building acctl"
build "$root" "$dir/acctl"
built=$(cd "$root" && git describe --always --dirty 2>/dev/null || echo unknown)
if [ -n "$BEFORE" ]; then
	log "building acctl at $BEFORE"
	rm -rf "$dir/before-src"
	mkdir -p "$dir/before-src"
	(cd "$root" && git archive "$BEFORE") | tar -x -C "$dir/before-src"
	build "$dir/before-src" "$dir/acctl-before"
	before_rev=$(cd "$root" && git rev-parse --short "$BEFORE")
fi
export XDG_CONFIG_HOME="$dir/config" XDG_DATA_HOME="$dir/data"
unset ACCTL_STORE ACCTL_CONFIG 2>/dev/null || true

# ---------------------------------------------------------------- the data
# One argon2id hash for every account (the import stores hashes, it does
# not compute them); phone numbers German mobile ones, half of them in
# E.164, half as people write them.
HASH='$argon2id$v=19$m=19456,t=2,p=1$JM7SeyN5UMVnA1nGgCtdMQ$f96sXINPO7fBJcNeOybM2hXgNT5hczd1us9NVqj5Aw8'
log "generating $N accounts"
awk -v n="$N" -v h="$HASH" -v plain="$dir/plain.csv" -v phones="$dir/phones.csv" 'BEGIN {
	print "username,email,first_name,last_name,password_hash" > plain
	print "username,email,phone,first_name,last_name,password_hash" > phones
	for (i = 1; i <= n; i++) {
		if (i % 2 == 0) phone = sprintf("+49151%08d", i)
		else phone = sprintf("+49 151 %04d %04d", int(i / 10000), i % 10000)
		printf "user%07d,user%07d@example.com,First%d,Last%d,\"%s\"\n", i, i, i % 9973, i % 7919, h > plain
		printf "user%07d,user%07d@example.com,%s,First%d,Last%d,\"%s\"\n", i, i, phone, i % 9973, i % 7919, h > phones
	}
}'
tail -n +2 "$dir/plain.csv" > "$dir/plain-noheader.csv"
tail -n +2 "$dir/phones.csv" > "$dir/phones-noheader.csv"

"$dir/acctl" --store "$dir/empty.db" user list >/dev/null
sqlite3 "$dir/empty.db" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
NOW_MS=$(($(date +%s) * 1000))
cp "$dir/empty.db" "$dir/sqlite-empty.db"
sqlite3 "$dir/sqlite-empty.db" >/dev/null <<SQL
CREATE VIEW import_plain (username, email, first_name, last_name, password_hash) AS
	SELECT username, email, first_name, last_name, password_hash FROM users;
CREATE TRIGGER import_plain_insert INSTEAD OF INSERT ON import_plain BEGIN
	INSERT INTO users (username, email, first_name, last_name, status, password_hash, created_at, updated_at)
		VALUES (new.username, new.email, new.first_name, new.last_name, 'active', new.password_hash, $NOW_MS, $NOW_MS);
	INSERT INTO addresses (user_id, kind, value, is_primary, verified, created_at)
		VALUES (last_insert_rowid(), 'email', new.email, 1, 0, $NOW_MS);
END;
CREATE VIEW import_phones (username, email, phone, first_name, last_name, password_hash) AS
	SELECT username, email, phone, first_name, last_name, password_hash FROM users;
CREATE TRIGGER import_phones_insert INSTEAD OF INSERT ON import_phones BEGIN
	INSERT INTO users (username, email, phone, first_name, last_name, status, password_hash, created_at, updated_at)
		VALUES (new.username, new.email, new.phone, new.first_name, new.last_name, 'active', new.password_hash, $NOW_MS, $NOW_MS);
	INSERT INTO addresses (user_id, kind, value, is_primary, verified, created_at)
		VALUES (last_insert_rowid(), 'email', new.email, 1, 0, $NOW_MS);
	INSERT INTO addresses (user_id, kind, value, is_primary, verified, created_at)
		SELECT user_id, 'phone', new.phone, 1, 0, $NOW_MS FROM addresses WHERE rowid = last_insert_rowid();
END;
PRAGMA wal_checkpoint(TRUNCATE);
SQL

# measure NAME CMD...: runs CMD under GNU time; appends "NAME SECONDS MIB
# CPU" (wall seconds, peak RSS, user + system CPU seconds) to
# $dir/runs.txt.
measure() {
	local name=$1
	shift
	local t0 t1
	t0=$(date +%s%N)
	/usr/bin/time -v "$@" 2>"$dir/time.txt" >/dev/null || { cat "$dir/time.txt" >&2; echo "$name failed" >&2; exit 1; }
	t1=$(date +%s%N)
	awk -v n="$name" -v ns=$((t1 - t0)) -F': ' '/User time|System time/ { cpu += $2 } /Maximum resident set size/ { rss = $2 }
		END { printf "%s %.3f %.1f %.2f\n", n, ns / 1e9, rss / 1024, cpu }' "$dir/time.txt" >> "$dir/runs.txt"
}
count() { sqlite3 "$1" "SELECT count(*) FROM users"; }

: > "$dir/runs.txt"
variants="plain phones"
[ -n "$ONLY" ] && variants=$ONLY
for r in $(seq "$ROUNDS"); do
	for v in $variants; do
		log "round $r of $ROUNDS, $v"
		fresh "$dir/sqlite-empty.db" "$dir/s.db"
		measure "$v/sqlite3" sqlite3 "$dir/s.db" ".import --csv $dir/$v-noheader.csv import_$v"
		[ "$(count "$dir/s.db")" = "$N" ] || { echo "sqlite3 imported $(count "$dir/s.db"), want $N" >&2; exit 1; }
		fresh "$dir/empty.db" "$dir/a.db"
		measure "$v/acctl" "$dir/acctl" --store "$dir/a.db" user import --format csv "$dir/$v.csv" -o json
		[ "$(count "$dir/a.db")" = "$N" ] || { echo "acctl imported $(count "$dir/a.db"), want $N" >&2; exit 1; }
		if [ -n "$BEFORE" ]; then
			fresh "$dir/empty.db" "$dir/b.db"
			measure "$v/before" "$dir/acctl-before" --store "$dir/b.db" user import --format csv "$dir/$v.csv" -o json
			[ "$(count "$dir/b.db")" = "$N" ] || { echo "acctl $BEFORE imported $(count "$dir/b.db"), want $N" >&2; exit 1; }
		fi
	done
done
rm -f "$dir"/[sab].db "$dir"/[sab].db-wal "$dir"/[sab].db-shm

# ---------------------------------------------------------------- report
avg() { awk -v n="$1" '$1 == n { s += $2; c++ } END { printf "%.3f", s / c }' "$dir/runs.txt"; }
cpu() { awk -v n="$1" '$1 == n { s += $4; c++ } END { printf "%.1f", s / c }' "$dir/runs.txt"; }
peak() { awk -v n="$1" '$1 == n && $3 > m { m = $3 } END { printf "%.1f", m }' "$dir/runs.txt"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
# The median of the rounds' own ratios: each round's runs are side by
# side, so a busy moment slows both sides of a ratio alike.
rounds_ratio() {
	paste <(awk -v n="$1" '$1 == n { print $2 }' "$dir/runs.txt") <(awk -v n="$2" '$1 == n { print $2 }' "$dir/runs.txt") |
		awk '{ print $1 / $2 }' | sort -g |
		awk '{ r[NR] = $1 } END { printf "%.2f", (NR % 2) ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2 }'
}
verdict() { awk -v r="$1" -v t="$2" 'BEGIN { print (r <= t) ? "met" : "**not met**" }'; }
cpu=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)
load=$(cut -d' ' -f1-3 /proc/loadavg)
cat <<EOF
### Import of $(echo "$N" | thousands) accounts, sqlite3 vs acctl ($(date -u +%Y-%m-%d), $ROUNDS rounds)

Machine: $cpu, $(nproc) CPUs, load average $load at the end;
$(go version | awk '{ print $3 }'), $(sqlite3 --version | awk '{ print "sqlite3 " $1 }'); acctl built from $built${BEFORE:+, before: $BEFORE ($before_rev)}.

| Rows | sqlite3 .import | acctl user import | ratio (of means) | ratio (median of rounds) | acctl peak RSS | CPU s, sqlite3 / acctl | target |
|---|---:|---:|---:|---:|---:|---:|---|
EOF
for v in $variants; do
	target="≤ 1.8× with phones, < 100 MiB"
	[ "$v" = plain ] && target=""
	rr=$(rounds_ratio "$v/acctl" "$v/sqlite3")
	echo "| $v | $(avg "$v/sqlite3") s | $(avg "$v/acctl") s | $(ratio "$(avg "$v/acctl")" "$(avg "$v/sqlite3")")× | ${rr}× | $(peak "$v/acctl") MiB | $(cpu "$v/sqlite3") / $(cpu "$v/acctl") | $target${target:+ $([ "$v" = phones ] && verdict "$rr" 1.8)} |"
	if [ -n "$BEFORE" ]; then
		echo "| $v, before ($before_rev) | | $(avg "$v/before") s | $(ratio "$(avg "$v/before")" "$(avg "$v/sqlite3")")× | $(rounds_ratio "$v/before" "$v/sqlite3")× | $(peak "$v/before") MiB | $(cpu "$v/before") | |"
	fi
done
echo
echo "Every run (name, wall seconds, peak RSS MiB, user + system CPU seconds):"
echo
echo '```'
cat "$dir/runs.txt"
echo '```'
