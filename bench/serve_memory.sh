#!/usr/bin/env bash
# bench/serve_memory.sh: the memory and throughput of `acctl serve` under
# a flood of /auth/login for unknown names (each one an argon2id check of
# 19 MiB), at 16 and then 96 concurrent clients, with the auth API's rate
# limits off. A fresh server (fresh SQLite store, default settings) per
# run; the load generator is bench/loadgen.
#
#   bench/serve_memory.sh                      # 16 and 96 clients, 10 s each
#   bench/serve_memory.sh -c "16 48 96" -d 20s # other client counts, duration
#   ACCTL_BIN=/path/to/acctl bench/serve_memory.sh   # measure another build
#   ACCTL_HASH_MAX_CONCURRENT=4 bench/serve_memory.sh # any ACCTL_* setting
#
# Needs: go, Linux (/proc/PID/status). Not run by CI. It prints a Markdown
# table on stdout (progress on stderr): for each run the server's peak RSS
# (VmHWM, read 10 s after the load ended, as a server may still be working
# through requests whose clients left), its RSS then (VmRSS), the password checks
# answered per second, the 503s (a full hashing pool) and the latency of
# a checked answer, and the server's CPU time per check (user + system,
# during the load: a figure that other work on the machine disturbs less
# than checks/s). See docs/benchmarks.md.
set -euo pipefail

CLIENTS="16 96"
DURATION=10s
SETTLE=10
while [ $# -gt 0 ]; do
	case "$1" in
	-c) CLIENTS="$2"; shift ;;
	-d) DURATION="$2"; shift ;;
	*) echo "usage: $0 [-c \"16 96\"] [-d 10s]" >&2; exit 2 ;;
	esac
	shift
done

root=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mktemp -d "${TMPDIR:-/tmp}/acctl-serve-bench.XXXXXX")
server=
cleanup() {
	if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
	rm -rf "$dir"
}
trap cleanup EXIT
. "$root/bench/lib.sh"

if [ -z "${ACCTL_BIN:-}" ]; then
	log "building acctl"
	(cd "$root" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$dir/acctl" ./cmd/acctl)
	ACCTL_BIN="$dir/acctl"
	built=$(cd "$root" && git describe --always --dirty 2>/dev/null || echo unknown)
else
	built="$ACCTL_BIN"
fi
log "building the load generator"
(cd "$root" && go build -o "$dir/loadgen" ./bench/loadgen)

# No config file, no user environment; the auth API's limits off, so that
# every request reaches a password check.
export XDG_CONFIG_HOME="$dir/config" XDG_DATA_HOME="$dir/data"
unset ACCTL_STORE ACCTL_CONFIG 2>/dev/null || true
export ACCTL_AUTH_RATE_ADDRESS=off ACCTL_AUTH_RATE_ACCOUNT=off

kib() { awk -v k="$1" '$1 == k":" { print $2 }' "/proc/$2/status"; }
# cpu PID: the CPU time the process used so far, in clock ticks.
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
mib() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }

echo "acctl serve under /auth/login floods: $built, $(nproc) CPUs, GOMAXPROCS ${GOMAXPROCS:-default}, $(date -u '+%Y-%m-%d %H:%M') UTC, $DURATION per run"
echo
echo "| clients | peak RSS (VmHWM) | RSS ${SETTLE} s after | checks/s | server CPU per check | 503s | p50 | p99 |"
echo "|--------:|-----------------:|------------------:|---------:|---------------------:|-----:|----:|----:|"
for n in $CLIENTS; do
	rm -rf "$dir/data" "$dir/config"
	start_serve "$dir/serve-$n.log" "$ACCTL_BIN" --store "$dir/data/acctl.db"
	log "$n clients for $DURATION against $url (pid $server)"
	cpu0=$(cpu "$server")
	report=$("$dir/loadgen" -url "$url" -clients "$n" -duration "$DURATION")
	cpu1=$(cpu "$server")
	# The server may go on with work the clients no longer wait for: the
	# peak is read after the settling time too.
	sleep "$SETTLE"
	hwm=$(kib VmHWM "$server")
	rss=$(kib VmRSS "$server")
	kill "$server"
	wait "$server" || true
	server=
	echo "$report" >&2
	read -r checked busy p50 p99 cpums <<<"$(echo "$report" | tr -d '{}"' | tr ',' '\n' |
		awk -F: -v t="$((cpu1 - cpu0))" -v hz="$(getconf CLK_TCK)" '{ v[$1] = $2 }
		END { printf "%.1f %d %.0f %.0f %.0f\n", v["checked_s"], v["busy"], v["p50_ms"], v["p99_ms"], v["checked"] ? 1000 * t / hz / v["checked"] : 0 }')"
	echo "| $n | $(mib "$hwm") MiB | $(mib "$rss") MiB | $checked | $cpums ms | $busy | $p50 ms | $p99 ms |"
done
