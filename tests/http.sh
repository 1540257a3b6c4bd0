# tests/http.sh: txhttp for the test scripts, sourced after tests/lib.sh.
#
#   start_http NAME [txhttp options]   txhttp on a free loopback port in the
#       background: stdout to NAME.out, stderr to NAME.err, its pid in
#       NAME.pid, its address in $url (and $port) once /healthz answers
#   stop_http NAME                     SIGTERM, wait; its exit status in NAME.rc
# Whatever is still running is stopped when the script exits.
#   $TX_VENV      the virtualenv of the Python test tools Debian does not
#       package (openapi-spec-validator), which ./bootstrap check installs
#       there (default ~/.cache/txkit-venv)

: "${TX_VENV:=${XDG_CACHE_HOME:-$HOME/.cache}/txkit-venv}"

# a build without kafka or microhttpd skips the scripts that need it
test_need kafka microhttpd

start_http() {
	_n=$1
	shift
	port=$(test_free_port)
	txhttp -l "127.0.0.1:$port" "$@" >"$_n.out" 2>"$_n.err" &
	echo $! >"$_n.pid"
	url="http://127.0.0.1:$port"
	wait_http "$url"
}

stop_http() {
	kill -TERM "$(cat "$1.pid")"
	set +e
	wait "$(cat "$1.pid")"
	echo $? >"$1.rc"
	set -e
	rm -f "$1.pid" # the exit hook must not kill whatever has its number now
}

# wait_http URL: until URL/healthz answers (a txhttp started otherwise)
wait_http() {
	_i=0
	until curl -s -o /dev/null "$1/healthz"; do
		_i=$((_i + 1))
		[ $_i -lt 200 ] || return 1
		sleep 0.05
	done
}

test_atexit 'for _f in "$TRASH"/*.pid; do [ -f "$_f" ] && kill "$(cat "$_f")" 2>/dev/null; done; true'
