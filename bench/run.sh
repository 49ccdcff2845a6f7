#!/usr/bin/env bash
# bench/run.sh: acctl side by side with the sqlite3 command-line tool, on
# data this script generates (deterministic), in one run on one machine.
#
#   bench/run.sh              # N = 1,000,000 accounts
#   bench/run.sh --quick      # N = 10,000
#   bench/run.sh -n 200000    # any N
#   BENCH_DIR=/some/disk bench/run.sh   # where the data goes (default: a mktemp dir)
#
# Needs: go, sqlite3, hyperfine, GNU time (/usr/bin/time -v). On Debian/Ubuntu:
#   sudo apt-get install sqlite3 hyperfine time
# It is not run by CI. It prints a Markdown report on stdout (progress on
# stderr); paste it into docs/benchmarks.md. See docs/benchmarks.md for what
# each figure means.
set -euo pipefail

N=1000000
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) N=10000 ;;
	-n) N="$2"; shift ;;
	*) echo "usage: $0 [--quick | -n N]" >&2; exit 2 ;;
	esac
	shift
done

missing=()
for t in go sqlite3 hyperfine; do command -v "$t" >/dev/null || missing+=("$t"); done
[ -x /usr/bin/time ] && /usr/bin/time -v true >/dev/null 2>&1 || missing+=("time (GNU, /usr/bin/time -v)")
if [ ${#missing[@]} -gt 0 ]; then
	echo "missing: ${missing[*]}" >&2
	echo "install them, e.g. on Debian/Ubuntu: sudo apt-get install sqlite3 hyperfine time (and Go from go.dev)" >&2
	exit 2
fi

root=$(cd "$(dirname "$0")/.." && pwd)
dir=${BENCH_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/acctl-bench.XXXXXX")}
mkdir -p "$dir"
echo "data in $dir" >&2
log() { echo "== $*" >&2; }

# Runs per measurement: few for the slow bulk operations at 1,000,000.
if [ "$N" -ge 200000 ]; then BULK_RUNS=3; else BULK_RUNS=10; fi

log "building acctl"
# Built as the releases are (.goreleaser.yaml): static, without symbols.
(cd "$root" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$dir/acctl" ./cmd/acctl)
built=$(cd "$root" && git describe --always --dirty 2>/dev/null || echo unknown)
ACCTL="$dir/acctl"
# No config file, no user environment: only the store given by --store.
export XDG_CONFIG_HOME="$dir/config" XDG_DATA_HOME="$dir/data"
unset ACCTL_STORE ACCTL_CONFIG 2>/dev/null || true

# ---------------------------------------------------------------- the data
# One argon2id hash (of "Correct-horse-42!x", acctl's own parameters),
# reused for every account: the import stores hashes, it does not compute them.
HASH='$argon2id$v=19$m=19456,t=2,p=1$JM7SeyN5UMVnA1nGgCtdMQ$f96sXINPO7fBJcNeOybM2hXgNT5hczd1us9NVqj5Aw8'
log "generating $N accounts"
awk -v n="$N" -v h="$HASH" 'BEGIN {
	print "username,email,first_name,last_name,password_hash"
	for (i = 1; i <= n; i++)
		printf "user%07d,user%07d@example.com,First%d,Last%d,\"%s\"\n", i, i, i % 9973, i % 7919, h
}' > "$dir/users.csv"
# The same rows for sqlite3 .import, without the header (.import --skip 1
# would do too; this keeps the two files byte for byte alike below the header).
tail -n +2 "$dir/users.csv" > "$dir/users-noheader.csv"

# An empty acctl store: every table, index and trigger of the schema.
"$ACCTL" --store "$dir/empty.db" user list >/dev/null
sqlite3 "$dir/empty.db" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null

# The sqlite3 side: a copy of that empty store (same tables, same unique
# indexes), plus a view whose INSTEAD OF trigger writes what acctl's import
# writes for such a row: the users row and its primary email address.
# (.import cannot write NULL, so the view maps the CSV's columns; the
# trigger is one more statement per row, a cost on sqlite3's side.)
cp "$dir/empty.db" "$dir/sqlite-empty.db"
NOW_MS=$(($(date +%s) * 1000))
sqlite3 "$dir/sqlite-empty.db" >/dev/null <<SQL
CREATE VIEW import_users (username, email, first_name, last_name, password_hash) AS
	SELECT username, email, first_name, last_name, password_hash FROM users;
CREATE TRIGGER import_users_insert INSTEAD OF INSERT ON import_users BEGIN
	INSERT INTO users (username, email, first_name, last_name, status, password_hash, created_at, updated_at)
		VALUES (new.username, new.email, new.first_name, new.last_name, 'active', new.password_hash, $NOW_MS, $NOW_MS);
	INSERT INTO addresses (user_id, kind, value, is_primary, verified, created_at)
		VALUES (last_insert_rowid(), 'email', new.email, 1, 0, $NOW_MS);
END;
PRAGMA wal_checkpoint(TRUNCATE);
SQL

thousands() { # 1234567 → 1,234,567
	sed ':a;s/\B[0-9]\{3\}\>/,&/;ta'
}

fresh() { # fresh SRC DST: a copy of a store without its WAL
	rm -f "$2" "$2-wal" "$2-shm"
	cp "$1" "$2"
}

mean() { # mean FILE.json: hyperfine's first mean, in seconds
	sed -n 's/.*"mean": *\([0-9.e+-]*\).*/\1/p' "$1" | head -1
}
stddev() { sed -n 's/.*"stddev": *\([0-9.e+-]*\).*/\1/p' "$1" | head -1; }
median() { sed -n 's/.*"median": *\([0-9.e+-]*\).*/\1/p' "$1" | head -1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
ms() { awk -v s="$1" 'BEGIN { printf "%.2f", s * 1000 }'; }
secs() { awk -v s="$1" 'BEGIN { printf "%.3f", s }'; }
maxrss() { # maxrss CMD...: the peak RSS in MiB of one run
	/usr/bin/time -v "$@" 2>"$dir/time.txt" >/dev/null
	awk '/Maximum resident set size/ { printf "%.1f", $NF / 1024 }' "$dir/time.txt"
}

# ---------------------------------------------------------------- import
log "import: acctl user import vs sqlite3 .import ($BULK_RUNS runs each)"
hyperfine -N --style basic --runs "$BULK_RUNS" --export-json "$dir/import.json" \
	--prepare "cp $dir/empty.db $dir/imp-acctl.db" \
	-n "acctl user import" "$ACCTL --store $dir/imp-acctl.db user import --format csv $dir/users.csv -o json" \
	>&2
hyperfine -N --style basic --runs "$BULK_RUNS" --export-json "$dir/import-sqlite.json" \
	--prepare "cp $dir/sqlite-empty.db $dir/imp-sqlite.db" \
	-n "sqlite3 .import" "sqlite3 $dir/imp-sqlite.db \".import --csv $dir/users-noheader.csv import_users\"" \
	>&2
imp_acctl=$(mean "$dir/import.json")
imp_sqlite=$(mean "$dir/import-sqlite.json")
# Peak memory, one more run each (and the store used by what follows).
fresh "$dir/empty.db" "$dir/store.db"
rss_import=$(maxrss "$ACCTL" --store "$dir/store.db" user import --format csv "$dir/users.csv" -o json)
fresh "$dir/sqlite-empty.db" "$dir/sqlite-store.db"
rss_sqlite_import=$(maxrss sqlite3 "$dir/sqlite-store.db" ".import --csv $dir/users-noheader.csv import_users")
sqlite3 "$dir/store.db" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
got=$(sqlite3 "$dir/store.db" "SELECT count(*) FROM users")
[ "$got" = "$N" ] || { echo "acctl imported $got accounts, want $N" >&2; exit 1; }
got=$(sqlite3 "$dir/sqlite-store.db" "SELECT count(*) FROM users")
[ "$got" = "$N" ] || { echo "sqlite3 imported $got accounts, want $N" >&2; exit 1; }

# ---------------------------------------------------------------- get
EMAIL=$(printf 'user%07d@example.com' $(((N + 1) / 2)))
log "get: acctl user get $EMAIL vs sqlite3 SELECT"
"$ACCTL" --store "$dir/store.db" user get "$EMAIL" >/dev/null
hyperfine -N --style basic --warmup 20 --runs 300 --export-json "$dir/get.json" \
	-n "acctl user get" "$ACCTL --store $dir/store.db user get $EMAIL -o json" \
	-n "sqlite3 SELECT" "sqlite3 $dir/store.db \"SELECT * FROM users WHERE email = '$EMAIL'\"" \
	>&2
get_acctl=$(mean "$dir/get.json")
get_sqlite=$(sed -n 's/.*"mean": *\([0-9.e+-]*\).*/\1/p' "$dir/get.json" | sed -n 2p)
get_acctl_med=$(median "$dir/get.json")
get_sqlite_med=$(sed -n 's/.*"median": *\([0-9.e+-]*\).*/\1/p' "$dir/get.json" | sed -n 2p)

# ---------------------------------------------------------------- purge
# N sessions of random accounts, the older half expired (and a tenth of
# those ended too), made by SQL as internal/sqlite's BenchmarkPurgeSessions does.
log "purge: $((N / 2)) expired sessions among $N"
fresh "$dir/store.db" "$dir/sessions.db"
sqlite3 "$dir/sessions.db" >/dev/null <<SQL
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $N)
INSERT INTO sessions (public_id, token_hash, user_id, created_at, last_seen_at,
	expires_at, absolute_expires_at, ended_at)
SELECT 'ses_' || lower(hex(randomblob(8))), randomblob(32), 1 + abs(random()) % $N,
	$NOW_MS - 864000000, $NOW_MS - 864000000,
	CASE WHEN i <= $N / 2 THEN $NOW_MS - 86400000 - i ELSE $NOW_MS + 86400000 + i END,
	$NOW_MS + 2592000000,
	CASE WHEN i <= $N / 2 AND i % 10 = 0 THEN $NOW_MS - 86400000 - i - 1 END
FROM n;
PRAGMA wal_checkpoint(TRUNCATE);
SQL
hyperfine -N --style basic --runs "$BULK_RUNS" --export-json "$dir/purge.json" \
	--prepare "cp $dir/sessions.db $dir/purge.db" \
	-n "acctl session purge" "$ACCTL --store $dir/purge.db session purge -o json" \
	-n "sqlite3 DELETE" "sqlite3 $dir/purge.db \"DELETE FROM sessions WHERE expires_at <= $NOW_MS OR ended_at <= $NOW_MS\"" \
	>&2
purge_acctl=$(mean "$dir/purge.json")
purge_sqlite=$(sed -n 's/.*"mean": *\([0-9.e+-]*\).*/\1/p' "$dir/purge.json" | sed -n 2p)
cp "$dir/sessions.db" "$dir/purge.db"
deleted=$("$ACCTL" --store "$dir/purge.db" session purge -o json)
echo "$deleted" | grep -q "\"deleted\": *$((N / 2))" || { echo "purge: $deleted, want $((N / 2))" >&2; exit 1; }
cp "$dir/sessions.db" "$dir/purge.db"
rss_purge=$(maxrss "$ACCTL" --store "$dir/purge.db" session purge -o json)

# ---------------------------------------------------------------- export
log "export: $N accounts"
hyperfine -N --style basic --warmup 1 --runs "$BULK_RUNS" --export-json "$dir/export.json" \
	--output=pipe \
	-n "acctl user export (jsonl)" "$ACCTL --store $dir/store.db user export --format jsonl" \
	-n "acctl user export (csv)" "$ACCTL --store $dir/store.db user export --format csv" \
	-n "acctl user export --with-hashes (jsonl)" "$ACCTL --store $dir/store.db user export --with-hashes --format jsonl" \
	>&2
exp_jsonl=$(mean "$dir/export.json")
exp_csv=$(sed -n 's/.*"mean": *\([0-9.e+-]*\).*/\1/p' "$dir/export.json" | sed -n 2p)
exp_hash=$(sed -n 's/.*"mean": *\([0-9.e+-]*\).*/\1/p' "$dir/export.json" | sed -n 3p)
rss_export=$(maxrss "$ACCTL" --store "$dir/store.db" user export --format jsonl)
lines=$("$ACCTL" --store "$dir/store.db" user export --format jsonl | wc -l)
[ "$lines" = "$N" ] || { echo "export wrote $lines lines, want $N" >&2; exit 1; }
rps() { awk -v n="$N" -v s="$1" 'BEGIN { printf "%d", n / s }' | thousands; }

# ---------------------------------------------------------------- report
cpu=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)
disk=$(df -T "$dir" | awk 'NR == 2 { print $2 " (" $1 ")" }')
verdict() { awk -v r="$1" -v t="$2" 'BEGIN { print (r <= t) ? "met" : "**not met**" }'; }
verdict_min() { awk -v r="$1" -v t="$2" 'BEGIN { print (r >= t) ? "met" : "**not met**" }'; }
exp_rps=$(awk -v n="$N" -v s="$exp_jsonl" 'BEGIN { printf "%d", n / s }')
cat <<EOF
### N = $(echo "$N" | thousands) accounts ($(date -u +%Y-%m-%d))

Machine: $cpu, $(nproc) CPUs, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) of memory, data on $disk;
Linux $(uname -r), $(go version | awk '{ print $3 }'), $(sqlite3 --version | awk '{ print "sqlite3 " $1 }'), $(hyperfine --version);
acctl built from $built.

| Measure | acctl | sqlite3 | ratio | target | |
|---|---:|---:|---:|---:|---|
| import, wall (mean of $BULK_RUNS) | $(secs "$imp_acctl") s | $(secs "$imp_sqlite") s | $(ratio "$imp_acctl" "$imp_sqlite")× | ≤ 1.8× | $(verdict "$(ratio "$imp_acctl" "$imp_sqlite")" 1.8) |
| import, peak RSS | $rss_import MiB | $rss_sqlite_import MiB | | < 100 MiB | $(verdict "$rss_import" 100) |
| user get EMAIL, wall (mean of 300) | $(ms "$get_acctl") ms | $(ms "$get_sqlite") ms | $(ratio "$get_acctl" "$get_sqlite")× | ≤ 2.2× | $(verdict "$(ratio "$get_acctl" "$get_sqlite")" 2.2) |
| user get EMAIL, wall (median of 300) | $(ms "$get_acctl_med") ms | $(ms "$get_sqlite_med") ms | $(ratio "$get_acctl_med" "$get_sqlite_med")× | ≤ 2.2× | $(verdict "$(ratio "$get_acctl_med" "$get_sqlite_med")" 2.2) |
| session purge of $(echo $((N / 2)) | thousands) among $(echo "$N" | thousands), wall (mean of $BULK_RUNS) | $(secs "$purge_acctl") s | $(secs "$purge_sqlite") s | $(ratio "$purge_acctl" "$purge_sqlite")× | ≤ 1.5× | $(verdict "$(ratio "$purge_acctl" "$purge_sqlite")" 1.5) |
| session purge, peak RSS | $rss_purge MiB | | | | |
| export, JSON lines | $(secs "$exp_jsonl") s, $(rps "$exp_jsonl") rows/s | | | ≥ 200,000 rows/s | $(verdict_min "$exp_rps" 200000) |
| export, CSV | $(secs "$exp_csv") s, $(rps "$exp_csv") rows/s | | | | |
| export --with-hashes, JSON lines | $(secs "$exp_hash") s, $(rps "$exp_hash") rows/s | | | | |
| export, peak RSS | $rss_export MiB | | | | |
EOF
