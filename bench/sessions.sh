#!/usr/bin/env bash
# bench/sessions.sh: how many session checks per second `acctl serve`
# answers (GET /auth/session with a session's cookies, as a browser sends
# them back), and how fast, for concurrent clients on the same machine:
# issue 20's point 1 (at least 20,000 req/s with p99 under 5 ms), on a
# SQLite store and on a throw-away PostgreSQL server.
#
#   bench/sessions.sh                  # 16 clients, 256 sessions, 20 s, SQLite then PostgreSQL
#   bench/sessions.sh -c 16 -s 64 -d 5s
#   bench/sessions.sh --no-pg          # SQLite only
#   ACCTL_BIN=/path/to/acctl bench/sessions.sh   # measure another build
#
# For each store: a fresh store holding one account a session (imported
# with a ready argon2id hash), a fresh server with the default settings
# but the auth API's rate limits off, then bench/loadgen logs the
# sessions in (not timed) and its clients check them one after the other
# for the duration, each sending its next request when it has read the
# answer to the last. The server's CPU time per check (user + system over
# the timed run) is reported too, and PostgreSQL's (its postmaster and
# backends): the figures that other work on the machine disturbs least.
#
# Needs: go, Linux (/proc), and for PostgreSQL its initdb and postgres
# (PATH, PG_BIN, or /usr/lib/postgresql/15/bin; as root it runs them as
# the postgres user). Not run by CI. A Markdown table on stdout, progress
# on stderr. See docs/benchmarks.md.
set -euo pipefail

CLIENTS=16
SESSIONS=256
DURATION=20s
PG=yes
while [ $# -gt 0 ]; do
	case "$1" in
	-c) CLIENTS="$2"; shift ;;
	-s) SESSIONS="$2"; shift ;;
	-d) DURATION="$2"; shift ;;
	--no-pg) PG= ;;
	*) echo "usage: $0 [-c 16] [-s 256] [-d 20s] [--no-pg]" >&2; exit 2 ;;
	esac
	shift
done

root=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mktemp -d "${TMPDIR:-/tmp}/acctl-sessions.XXXXXX")
server= pg_pid=
cleanup() {
	stop_pid "$server"
	stop_pid "$pg_pid"
	rm -rf "$dir"
}
trap cleanup EXIT
. "$root/bench/lib.sh"

build_acctl "$dir"
build_tool "$dir" loadgen
export XDG_CONFIG_HOME="$dir/config" XDG_DATA_HOME="$dir/data"
unset ACCTL_STORE ACCTL_CONFIG 2>/dev/null || true
export ACCTL_AUTH_RATE_ADDRESS=off ACCTL_AUTH_RATE_ACCOUNT=off
users_csv 1 "$SESSIONS" "$dir/users.csv"

rows=()
# measure NAME STORE: import the accounts into STORE, serve it, log the
# sessions in and check them; appends a row of the table.
measure() {
	local name=$1 store=$2 dbpid=${3:-0}
	log "$name: importing $SESSIONS accounts"
	"$ACCTL_BIN" --store "$store" user import --format csv "$dir/users.csv" -o json >/dev/null
	start_serve "$dir/serve-$name.log" "$ACCTL_BIN" --store "$store"
	log "$name: $SESSIONS sessions, $CLIENTS clients for $DURATION against $url (pid $server)"
	# loadgen logs the sessions in before it starts the clock, and reads
	# the server's CPU time over the timed run only (-server-pid).
	local report
	report=$("$dir/loadgen" -mode session -url "$url" -accounts "$SESSIONS" -sessions "$SESSIONS" \
		-clients "$CLIENTS" -duration "$DURATION" -server-pid "$server" -db-pid "$dbpid")
	echo "$report" >&2
	stop_pid "$server"
	server=
	[ "$(jget "$report" other)" = 0 ] || { echo "$name: unexpected answers: $(jget "$report" first_error)" >&2; exit 1; }
	rows+=("| $name | $CLIENTS | $SESSIONS | $(fmt0 "$(jget "$report" checked_s)") | $(fmt1 "$(jget "$report" p50_ms)") ms | $(fmt1 "$(jget "$report" p99_ms)") ms | $(us "$(jget "$report" server_cpu_ms)") | $( [ "$dbpid" = 0 ] && echo "(in-process)" || us "$(jget "$report" db_cpu_ms)") | $(verdict "$(jget "$report" checked_s)" "$(jget "$report" p99_ms)") |")
}
us() { awk -v m="$1" 'BEGIN { printf "%.0f µs", m * 1000 }'; }
verdict() { awk -v r="$1" -v p="$2" 'BEGIN { print (r >= 20000 && p < 5) ? "met" : "**not met**" }'; }

measure SQLite "$dir/data/acctl.db"
if [ -n "$PG" ]; then
	log "starting a throw-away PostgreSQL"
	start_pg "$dir/pg" "$("$dir/loadgen" -mode freeport)"
	measure PostgreSQL "$pg_url" "$pg_pid"
	stop_pid "$pg_pid"
	pg_pid=
fi

echo "GET /auth/session through acctl serve: $built, $(nproc) CPUs, GOMAXPROCS ${GOMAXPROCS:-default}, load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u '+%Y-%m-%d %H:%M') UTC, $DURATION per store"
echo
echo "| store | clients | sessions | checks/s | p50 | p99 | acctl serve's CPU per check | the database's CPU per check | goal: ≥ 20,000/s, p99 < 5 ms |"
echo "|---|--:|--:|--:|--:|--:|--:|--:|---|"
printf '%s\n' "${rows[@]}"
