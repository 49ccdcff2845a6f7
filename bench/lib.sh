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
