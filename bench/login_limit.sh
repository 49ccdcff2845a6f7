#!/usr/bin/env bash
# bench/login_limit.sh: password logins at the hashing limit (issue 20,
# point 6). How many logins per second one core can check at the default
# argon2id cost (m=19456 KiB, t=2, p=1), and whether `acctl serve`, with
# its hashing pool, reaches that limit under a login flood without its
# memory growing with the clients.
#
#   bench/login_limit.sh                   # 16 then 96 clients, 15 s each, K = 256 accounts
#   bench/login_limit.sh -c "16 96 16 96" -d 10s -k 64
#   ACCTL_BIN=/path/to/acctl bench/login_limit.sh
#   ACCTL_HASH_MAX_CONCURRENT=1 bench/login_limit.sh   # any ACCTL_* setting
#
# 1. bench/hashrate checks the argon2id hash of a login in one goroutine
#    for 5 s: its CPU time per check gives the logins one core can check
#    per second (1 / that time); the limit of the machine is that times the
#    pool's slots (GOMAXPROCS by default, one a core).
# 2. For each client count, a fresh server (fresh SQLite store holding K
#    accounts imported with a ready hash, default settings but the auth
#    API's rate limits off) takes a flood of good logins from bench/loadgen
#    (the K accounts round robin, each client sending its next login when
#    it has read the answer to the last; a 503 of a full pool makes it wait
#    for Retry-After). The accounts are imported with their SCRAM
#    verifier (bench/lib.sh), so that a first login does not make one: every
#    login costs what it does in the steady state. The table gives the
#    logins per second against the limit, the server's CPU time per login
#    (user + system, over the flood; its inverse is the logins one core
#    checks end to end, HTTP and store included) against the hash's, the
#    cores the server kept busy (logins/s × CPU per login: at the limit,
#    every slot's core), and the server's peak RSS (VmHWM, read SETTLE s
#    after the flood) and RSS then.
#
# Needs: go, Linux (/proc). Not run by CI. A Markdown table on stdout,
# progress on stderr. See docs/benchmarks.md.
set -euo pipefail

CLIENTS="16 96"
DURATION=15s
K=256
SETTLE=5
while [ $# -gt 0 ]; do
	case "$1" in
	-c) CLIENTS="$2"; shift ;;
	-d) DURATION="$2"; shift ;;
	-k) K="$2"; shift ;;
	*) echo "usage: $0 [-c \"16 96\"] [-d 15s] [-k 256]" >&2; exit 2 ;;
	esac
	shift
done

root=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mktemp -d "${TMPDIR:-/tmp}/acctl-login-limit.XXXXXX")
server=
cleanup() {
	stop_pid "$server"
	rm -rf "$dir"
}
trap cleanup EXIT
. "$root/bench/lib.sh"

build_acctl "$dir"
build_tool "$dir" loadgen
build_tool "$dir" hashrate
export XDG_CONFIG_HOME="$dir/config" XDG_DATA_HOME="$dir/data"
unset ACCTL_STORE ACCTL_CONFIG 2>/dev/null || true
export ACCTL_AUTH_RATE_ADDRESS=off ACCTL_AUTH_RATE_ACCOUNT=off
users_csv 1 "$K" "$dir/users.csv"

log "the argon2id check of a login, in-process, one goroutine, 5 s"
argon=$("$dir/hashrate" -duration 5s)
argon=$(echo "$argon" | sed -n 1p)
echo "$argon" >&2
hash_ms=$(jget "$argon" cpu_ms)
per_core=$(jget "$argon" per_core_s)
procs=${GOMAXPROCS:-$(nproc)}
slots=${ACCTL_HASH_MAX_CONCURRENT:-$procs}
limit=$(awk -v p="$per_core" -v s="$slots" -v c="$procs" 'BEGIN { printf "%.1f", p * (s < c ? s : c) }')

kib() { awk -v k="$1" '$1 == k":" { print $2 }' "/proc/$2/status"; }
mib() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }
rows=()
for n in $CLIENTS; do
	rm -rf "$dir/data" "$dir/config"
	"$ACCTL_BIN" --store "$dir/data/acctl.db" user import --format csv "$dir/users.csv" -o json >/dev/null
	start_serve "$dir/serve-$n.log" "$ACCTL_BIN" --store "$dir/data/acctl.db"
	log "$n clients for $DURATION against $url (pid $server)"
	report=$("$dir/loadgen" -mode login -url "$url" -accounts "$K" -clients "$n" -duration "$DURATION" -server-pid "$server")
	echo "$report" >&2
	[ "$(jget "$report" other)" = 0 ] || { echo "unexpected answers: $(jget "$report" first_error)" >&2; exit 1; }
	sleep "$SETTLE"
	hwm=$(kib VmHWM "$server")
	rss=$(kib VmRSS "$server")
	stop_pid "$server"
	server=
	rate=$(jget "$report" checked_s)
	cpums=$(jget "$report" server_cpu_ms)
	rows+=("| $n | $(fmt1 "$rate") | $(awk -v r="$rate" -v l="$limit" 'BEGIN { printf "%.0f %%", 100 * r / l }') | $(fmt1 "$cpums") ms | $(awk -v c="$cpums" 'BEGIN { printf "%.1f", c ? 1000 / c : 0 }') | $(awk -v r="$rate" -v c="$cpums" 'BEGIN { printf "%.2f", r * c / 1000 }') | $(awk -v h="$hash_ms" -v c="$cpums" 'BEGIN { printf "%.0f %%", c ? 100 * h / c : 0 }') | $(jget "$report" busy) | $(fmt0 "$(jget "$report" p50_ms)") ms | $(fmt0 "$(jget "$report" p99_ms)") ms | $(mib "$hwm") MiB | $(mib "$rss") MiB |")
done

cat <<EOF
Logins at the hashing limit: acctl $built, $(nproc) CPUs, GOMAXPROCS $procs, pool of $slots slots, load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u '+%Y-%m-%d %H:%M') UTC, $DURATION per run, K = $K accounts

The argon2id check of a login ($(jget "$argon" cost)), in-process: $(fmt1 "$hash_ms") ms of CPU ($(fmt1 "$(jget "$argon" wall_ms)") ms wall), so **$(fmt1 "$per_core") logins/s per core**; limit with $slots slots: **$limit logins/s**.

| clients | logins/s | of the limit | server CPU per login | logins per server CPU-second | cores the server used | hash's share of its CPU | 503s | p50 | p99 | peak RSS (VmHWM) | RSS ${SETTLE} s after |
|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|
EOF
printf '%s\n' "${rows[@]}"
