# bench/lib.sh: what the bench scripts share. Sourced, not run:
#   . "$(dirname "$0")/lib.sh"

log() { echo "== $*" >&2; }

# thousands: 1234567 → 1,234,567 (a filter).
thousands() { sed ':a;s/\B[0-9]\{3\}\>/,&/;ta'; }

# mean FILE.json: hyperfine's first mean, in seconds.
mean() { sed -n 's/.*"mean": *\([0-9.e+-]*\).*/\1/p' "$1" | head -1; }

# secs S: seconds with three decimals.
secs() { awk -v s="$1" 'BEGIN { printf "%.3f", s }'; }

# start_serve LOG ACCTL ARG...: starts `ACCTL serve ARG... --listen
# 127.0.0.1:0` in the background, its log in LOG, and sets server (its
# pid) and url (where it listens, read from its "listening" line). A
# server that has not said where it listens within 10 s ends the script.
start_serve() {
	local errlog=$1 bin=$2
	shift 2
	"$bin" serve "$@" --listen 127.0.0.1:0 2>"$errlog" &
	server=$!
	url=
	for _ in $(seq 100); do
		url=$(grep -o 'url=http://[0-9.:]*' "$errlog" | head -1 | cut -d= -f2 || true)
		[ -n "$url" ] && return
		sleep 0.1
	done
	cat "$errlog" >&2
	echo "the server did not start" >&2
	exit 1
}

# build_acctl DIR: builds acctl as released (static, without symbols) into
# DIR/acctl, unless ACCTL_BIN names a build to measure, and sets ACCTL_BIN
# and built (what was built: the commit, or the path given).
build_acctl() {
	if [ -n "${ACCTL_BIN:-}" ]; then
		built="$ACCTL_BIN"
		return
	fi
	log "building acctl"
	(cd "$root" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$1/acctl" ./cmd/acctl)
	ACCTL_BIN="$1/acctl"
	built=$(cd "$root" && git describe --always --dirty 2>/dev/null || echo unknown)
}

# build_tool DIR NAME: builds bench/NAME (loadgen, hashrate) into DIR/NAME.
build_tool() {
	log "building bench/$2"
	(cd "$root" && go build -o "$1/$2" "./bench/$2")
}

# jget JSON KEY: the value of KEY in a one-line JSON object of numbers and
# plain strings (what loadgen and hashrate print).
jget() {
	echo "$1" | tr -d '{}' | tr ',' '\n' |
		awk -v k="\"$2\"" 'index($0, k ":") == 1 { v = substr($0, length(k) + 2); gsub(/"/, "", v); print v; exit }'
}

# fmt1 X: X with one decimal; fmt0 X: rounded, with thousands separators.
fmt1() { awk -v x="$1" 'BEGIN { printf "%.1f", x }'; }
fmt0() { awk -v x="$1" 'BEGIN { printf "%.0f", x }' | thousands; }

# PASSWORD, HASH and SCRAM: the bench accounts' password, its argon2id
# hash at acctl's default parameters (bench/run.sh's) and its SCRAM-SHA-256
# verifier at the default scram.iterations (`go run ./bench/hashrate
# -scram-verifier`); an import stores them, it does not compute them. With
# the verifier, an account's first good login does not make one (0.3 s of
# a core at 600,000 iterations): every login costs what it does in the
# steady state.
PASSWORD='Correct-horse-42!x'
HASH='$argon2id$v=19$m=19456,t=2,p=1$JM7SeyN5UMVnA1nGgCtdMQ$f96sXINPO7fBJcNeOybM2hXgNT5hczd1us9NVqj5Aw8'
SCRAM='SCRAM-SHA-256$600000:YWNjdGwgYmVuY2ggc2FsdA==$5btEqnLPfQiz9FadEwW/LrLYqHp9QS+uOQOEHzEe1Kw=:oAPmUM8Yjfj44j8Zn4ago87ZF52aIDa04vm5S5EwXgQ='

# users_csv FIRST N FILE [plain]: a CSV for `acctl user import` of the
# accounts FIRST…FIRST+N-1, named user0000001@example.com… as loadgen's
# -identity default names them, with HASH and SCRAM; with "plain", with
# the password to hash (password column) in their place.
users_csv() {
	awk -v first="$1" -v n="$2" -v h="$HASH" -v v="$SCRAM" -v p="$PASSWORD" -v plain="${4:-}" 'BEGIN {
		print "username,email,first_name,last_name," (plain ? "password" : "password_hash,scram_verifier")
		for (i = first; i < first + n; i++)
			printf "user%07d,user%07d@example.com,First%d,Last%d,%s\n", i, i, i % 9973, i % 7919,
				plain ? "\"" p "\"" : "\"" h "\",\"" v "\""
	}' >"$3"
}

# stop_pid PID: ends a process this script started, and waits for it.
stop_pid() {
	[ -n "$1" ] || return 0
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

# start_pg DIR PORT: a throw-away PostgreSQL 15 server (initdb into DIR,
# listening on 127.0.0.1:PORT only, default settings but 200 connections), as internal/pgtest
# starts one for the tests; as root it runs as the postgres user (initdb
# refuses root). Sets pg_pid and pg_url. PG_BIN is where initdb and
# postgres are (default: on PATH, else /usr/lib/postgresql/15/bin).
start_pg() {
	local data=$1/pgdata port=$2 as=()
	local bin=${PG_BIN:-}
	if [ -z "$bin" ]; then
		if command -v initdb >/dev/null; then bin=$(dirname "$(command -v initdb)"); else bin=/usr/lib/postgresql/15/bin; fi
	fi
	[ -x "$bin/initdb" ] || { echo "no initdb in $bin: set PG_BIN" >&2; exit 2; }
	mkdir -p "$data"
	if [ "$(id -u)" = 0 ]; then
		chown postgres "$data"
		chmod a+x "$1" "$(dirname "$1")" # the postgres user must reach DIR
		# setpriv execs: $! is postgres itself.
		as=(setpriv --reuid=postgres --regid=postgres --init-groups)
	fi
	"${as[@]}" "$bin/initdb" -D "$data" -U postgres -A trust -E UTF8 --no-locale >"$1/initdb.log" 2>&1 ||
		{ cat "$1/initdb.log" >&2; exit 1; }
	"${as[@]}" "$bin/postgres" -D "$data" -k "$data" -p "$port" -c listen_addresses=127.0.0.1 \
		-c max_connections=200 >"$1/postgres.log" 2>&1 &
	pg_pid=$!
	pg_url="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
	for _ in $(seq 100); do
		grep -q 'ready to accept connections' "$1/postgres.log" && return
		sleep 0.1
	done
	cat "$1/postgres.log" >&2
	echo "PostgreSQL did not start" >&2
	exit 1
}
