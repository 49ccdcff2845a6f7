#!/usr/bin/env bash
# bench/peer.sh: acctl serve side by side with a peer, PocketBase, on the
# same machine in the same run with the same load generator (issue 20,
# point 5):
#
#   - password logins: acctl's POST /auth/login against PocketBase's
#     POST /api/collections/users/auth-with-password, K accounts logged in
#     round robin with their right password, each side hashing at its
#     default cost (acctl argon2id m=19456,t=2,p=1; PocketBase bcrypt 10);
#   - session checks: acctl's GET /auth/session (the session's cookies)
#     against PocketBase's POST /api/collections/users/auth-refresh (the
#     token in Authorization), K sessions logged in first;
#   - creating N users: `acctl user import` of a CSV with a ready argon2id
#     hash and SCRAM verifier a row (bench/lib.sh), against PocketBase's batch API (POST /api/batch, 500
#     creations a request) with the users collection's bcrypt cost at its
#     least, 4 (a PocketBase user is created with a plain password, which
#     it hashes; 4 makes that as cheap as it allows);
#   - creating M users with a plain password hashed at each side's
#     default cost: `acctl user import` with a password column (argon2id
#     and a SCRAM verifier at 600,000 iterations each, on every core), against PocketBase at
#     bcrypt cost 10, through the batch API (one transaction a batch: its
#     hashes one after the other) and one record a request (4 a core at
#     once: hashes on every core).
#
#   bench/peer.sh                        # 16 clients, 15 s, K = 128, N = 100,000, M = 100
#   bench/peer.sh -c 16 -d 5s -k 32 -n 5000 -m 20    # smaller
#   PB_BIN=/path/to/base bench/peer.sh   # a PocketBase already built
#   ACCTL_BIN=/path/to/acctl bench/peer.sh
#
# PocketBase is installed by this script into its temp dir (`go install
# github.com/pocketbase/pocketbase/examples/base@$PB_VERSION`, GOBIN set;
# v0.36.8 is the newest that builds with Go 1.26), with a fresh data dir,
# its superuser made by `base superuser upsert`, the batch API enabled and
# the password cost set through its settings and collections API
# (bench/loadgen -mode setup). Its rate limits are off by default; acctl's
# auth API limits are turned off (ACCTL_AUTH_RATE_*=off), so that every
# request does its work on both sides. Both use SQLite (acctl's default
# store; PocketBase's only one).
#
# Needs: go, Linux (/proc). Not run by CI. A Markdown table on stdout,
# progress on stderr. See docs/benchmarks.md.
set -euo pipefail

CLIENTS=16
DURATION=15s
K=128
N=100000
M=100
PB_VERSION=${PB_VERSION:-v0.36.8}
while [ $# -gt 0 ]; do
	case "$1" in
	-c) CLIENTS="$2"; shift ;;
	-d) DURATION="$2"; shift ;;
	-k) K="$2"; shift ;;
	-n) N="$2"; shift ;;
	-m) M="$2"; shift ;;
	*) echo "usage: $0 [-c 16] [-d 15s] [-k 128] [-n 100000] [-m 100]" >&2; exit 2 ;;
	esac
	shift
done

root=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mktemp -d "${TMPDIR:-/tmp}/acctl-peer.XXXXXX")
server= pb=
cleanup() {
	stop_pid "$server"
	stop_pid "$pb"
	rm -rf "$dir"
}
trap cleanup EXIT
. "$root/bench/lib.sh"

build_acctl "$dir"
build_tool "$dir" loadgen
build_tool "$dir" hashrate
if [ -z "${PB_BIN:-}" ]; then
	log "installing PocketBase $PB_VERSION (go install, into $dir/gobin)"
	GOBIN="$dir/gobin" go install "github.com/pocketbase/pocketbase/examples/base@$PB_VERSION"
	PB_BIN="$dir/gobin/base"
	pb_version=$PB_VERSION
else
	pb_version="$PB_BIN (PB_BIN)"
fi
LOADGEN="$dir/loadgen"
SU_EMAIL=bench@example.com SU_PW=bench-superuser-pw

export XDG_CONFIG_HOME="$dir/config" XDG_DATA_HOME="$dir/data"
unset ACCTL_STORE ACCTL_CONFIG 2>/dev/null || true
export ACCTL_AUTH_RATE_ADDRESS=off ACCTL_AUTH_RATE_ACCOUNT=off

# ------------------------------------------------------------ the hashes
log "the hashes, in-process, one core"
hashes=$("$dir/hashrate" -duration 3s)
echo "$hashes" >&2
argon=$(echo "$hashes" | sed -n 1p) bcrypt10=$(echo "$hashes" | sed -n 2p) bcrypt4=$(echo "$hashes" | sed -n 3p)

# flood NAME TARGET MODE URL PID: one timed run of loadgen; its report in
# the variable NAME.
flood() {
	local r
	log "$1: $CLIENTS clients for $DURATION against $4"
	r=$("$LOADGEN" -target "$2" -mode "$3" -url "$4" -accounts "$K" -sessions "$K" \
		-clients "$CLIENTS" -duration "$DURATION" -server-pid "$5")
	echo "$r" >&2
	[ "$(jget "$r" other)" = 0 ] || { echo "$1: unexpected answers: $(jget "$r" first_error)" >&2; exit 1; }
	printf -v "$1" '%s' "$r"
}

# timed NAME CMD...: runs CMD, its output discarded; sets NAME to its
# wall time in seconds and NAME_cpu to its CPU time (user + system, from
# GNU time when there is one, else empty).
timed() {
	local name=$1 t0 cpu=
	shift
	t0=$(date +%s.%N)
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -f '%U %S' -o "$dir/time.txt" "$@" >/dev/null
		cpu=$(awk '{ print $1 + $2 }' "$dir/time.txt")
	else
		"$@" >/dev/null
	fi
	printf -v "$name" '%s' "$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }')"
	printf -v "${name}_cpu" '%s' "$cpu"
}

# ------------------------------------------------------------ acctl
users_csv 1 "$K" "$dir/login.csv"
"$ACCTL_BIN" --store "$dir/acctl.db" user import --format csv "$dir/login.csv" -o json >/dev/null
start_serve "$dir/serve.log" "$ACCTL_BIN" --store "$dir/acctl.db"
flood a_login acctl login "$url" "$server"
flood a_session acctl session "$url" "$server"
stop_pid "$server"
server=

log "acctl: user import of $N accounts with ready hashes"
users_csv 1 "$N" "$dir/users.csv"
timed a_create "$ACCTL_BIN" --store "$dir/import.db" user import --format csv "$dir/users.csv" -o json
log "acctl: user import of $M accounts with plain passwords"
users_csv 1 "$M" "$dir/plain.csv" plain
timed a_hashed "$ACCTL_BIN" --store "$dir/plain.db" user import --format csv "$dir/plain.csv" -o json
log "acctl: the same with scram.iterations at its least, 4096"
ACCTL_SCRAM_ITERATIONS=4096 timed a_hashed4096 "$ACCTL_BIN" --store "$dir/plain4096.db" user import --format csv "$dir/plain.csv" -o json

# ------------------------------------------------------------ PocketBase
log "PocketBase $pb_version: superuser, serve"
"$PB_BIN" superuser upsert "$SU_EMAIL" "$SU_PW" --dir "$dir/pb_data" >"$dir/pb-superuser.log" 2>&1 ||
	{ cat "$dir/pb-superuser.log" >&2; exit 1; }
port=$("$LOADGEN" -mode freeport)
"$PB_BIN" serve --http "127.0.0.1:$port" --dir "$dir/pb_data" >"$dir/pb.log" 2>&1 &
pb=$!
for _ in $(seq 100); do
	grep -q 'Server started' "$dir/pb.log" && break
	sleep 0.1
done
grep -q 'Server started' "$dir/pb.log" || { cat "$dir/pb.log" >&2; echo "PocketBase did not start" >&2; exit 1; }
pburl="http://127.0.0.1:$port"
pbgen() { "$LOADGEN" -target pocketbase -url "$pburl" -superuser-email "$SU_EMAIL" -superuser-password "$SU_PW" "$@"; }
pbgen -mode setup -batch 500
log "PocketBase: $K login accounts (bcrypt cost 10, its default)"
pbgen -mode create -n "$K" -first 1 -batch 1 -clients $((4 * $(nproc))) >&2
flood p_login pocketbase login "$pburl" "$pb"
flood p_session pocketbase session "$pburl" "$pb"
log "PocketBase: $M users at bcrypt cost 10 through the batch API"
p_hashed_r=$(pbgen -mode create -n "$M" -first $((K + 1)) -clients "$(nproc)" -server-pid "$pb")
echo "$p_hashed_r" >&2
p_hashed=$(jget "$p_hashed_r" seconds)
log "PocketBase: $M users at bcrypt cost 10, one record a request"
p_hashed1_r=$(pbgen -mode create -n "$M" -first $((K + M + 1)) -batch 1 -clients $((4 * $(nproc))) -server-pid "$pb")
echo "$p_hashed1_r" >&2
p_hashed1=$(jget "$p_hashed1_r" seconds)
log "PocketBase: $N users at bcrypt cost 4 through the batch API"
pbgen -mode setup -batch 500 -cost 4
p_create_r=$(pbgen -mode create -n "$N" -first $((K + 2 * M + 1)) -clients "$(nproc)" -server-pid "$pb")
echo "$p_create_r" >&2
p_create=$(jget "$p_create_r" seconds)
stop_pid "$pb"
pb=

# ------------------------------------------------------------ report
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f×", a / b }'; }
ms() { echo "$(fmt1 "$(jget "$1" "$2")") ms"; }
rate() { awk -v r="$(jget "$1" checked_s)" 'BEGIN { printf (r < 100 ? "%.1f" : "%.0f"), r }' | thousands; }
cpums() { awk -v m="$(jget "$1" server_cpu_ms)" 'BEGIN { printf "%.3f ms", m }'; }
cpu_per() { [ -n "$1" ] && awk -v c="$1" -v n="$2" 'BEGIN { printf "%.3f ms", 1000 * c / n }' || echo "—"; }
ups() { awk -v n="$1" -v s="$2" 'BEGIN { printf (n / s < 100 ? "%.1f" : "%.0f"), n / s }'; }
cat <<EOF
acctl ($built) and PocketBase $pb_version on the same machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), $(go version | awk '{ print $3 }'), $(date -u '+%Y-%m-%d %H:%M') UTC; $CLIENTS clients, $DURATION per run, K = $K accounts

| Measure | acctl | PocketBase | acctl ÷ PocketBase |
|---|--:|--:|--:|
| password hash of a login (each side's default), CPU, in-process | $(fmt1 "$(jget "$argon" cpu_ms)") ms (argon2id $(jget "$argon" cost)) | $(fmt1 "$(jget "$bcrypt10" cpu_ms)") ms (bcrypt $(jget "$bcrypt10" cost)) | |
| password logins/s | $(rate "$a_login") | $(rate "$p_login") | $(ratio "$(jget "$a_login" checked_s)" "$(jget "$p_login" checked_s)") |
| login p50 / p99 | $(ms "$a_login" p50_ms) / $(ms "$a_login" p99_ms) | $(ms "$p_login" p50_ms) / $(ms "$p_login" p99_ms) | |
| server CPU per login | $(cpums "$a_login") | $(cpums "$p_login") | |
| session checks/s (acctl GET /auth/session, PocketBase auth-refresh) | $(rate "$a_session") | $(rate "$p_session") | $(ratio "$(jget "$a_session" checked_s)" "$(jget "$p_session" checked_s)") |
| session check p50 / p99 | $(ms "$a_session" p50_ms) / $(ms "$a_session" p99_ms) | $(ms "$p_session" p50_ms) / $(ms "$p_session" p99_ms) | |
| server CPU per session check | $(cpums "$a_session") | $(cpums "$p_session") | |
| creating $(echo "$N" | thousands) users (acctl: user import, ready hashes; PocketBase: batch API, bcrypt cost 4 at $(fmt1 "$(jget "$bcrypt4" cpu_ms)") ms a hash) | $a_create s, $(ups "$N" "$a_create" | thousands) users/s | $(secs "$p_create") s, $(ups "$N" "$p_create" | thousands) users/s | $(ratio "$p_create" "$a_create") |
| CPU per user created (acctl: the import process; PocketBase: the server) | $(cpu_per "$a_create_cpu" "$N") | $(cpums "$p_create_r") | |
| creating $(echo "$M" | thousands) users with a plain password at each side's default cost (PocketBase: batch API) | $a_hashed s, $(ups "$M" "$a_hashed" | thousands) users/s | $(secs "$p_hashed") s, $(ups "$M" "$p_hashed" | thousands) users/s | $(ratio "$p_hashed" "$a_hashed") |
| CPU per user created | $(cpu_per "$a_hashed_cpu" "$M") | $(cpums "$p_hashed_r") | |
| the same, PocketBase one record a request ($((4 * $(nproc))) at once) | | $(secs "$p_hashed1") s, $(ups "$M" "$p_hashed1" | thousands) users/s, $(cpums "$p_hashed1_r") CPU a user | $(ratio "$p_hashed1" "$a_hashed") |
| the same, acctl with scram.iterations 4096 (its least; default 600,000), PocketBase one record a request | $a_hashed4096 s, $(ups "$M" "$a_hashed4096" | thousands) users/s, $(cpu_per "$a_hashed4096_cpu" "$M") CPU a user | | $(ratio "$p_hashed1" "$a_hashed4096") |

Ratios: acctl's rate over PocketBase's (above 1: acctl does more per second). Server CPU: user + system time of the server process over the timed run, per answer (PocketBase and acctl alike run SQLite in-process).
EOF
