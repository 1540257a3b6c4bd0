# tests/pg.sh: a private PostgreSQL server for one test script (or benchmark).
#
#   . "$TX_SRCDIR/tests/lib.sh"
#   . "$TX_SRCDIR/tests/pg.sh"
#   pg_start            # initdb + pg_ctl start on a private socket and port
#   txstore "postgresql://" <in.ndjson   # libpq finds it through PG* variables
#   pg_restart [MODE]   # pg_ctl restart -m MODE (fast by default; immediate is a crash)
#
# The server is the Debian one, found under /usr/lib/postgresql/*/bin (the
# newest). The cluster lives in a fresh directory under /tmp (short enough
# for the Unix socket path, outside $TRASH so that test_done cleaning $TRASH
# never pulls it from under a running server); $TRASH/pg links to it. It
# listens on no TCP address, only on a socket in that directory, with a free
# port number, and trusts local connections. As root (CI), initdb and
# postgres run as the postgres user via runuser, since both refuse root.
# Stopped when the script exits (test_atexit). PGHOST, PGPORT, PGUSER and
# PGDATABASE are exported; PG_BIN, PG_DATA and PG_DIR name the rest.
# The script is skipped only when the server package is not installed.

# a build without postgresql skips the scripts that need it (in the test suite:
# a benchmark has no test_need, and needs every part built)
! command -v test_need >/dev/null 2>&1 || test_need postgresql

pg_find_bin() {
	PG_BIN=
	for _d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4,4 -n -r); do
		if [ -x "$_d/initdb" ] && [ -x "$_d/postgres" ] && [ -x "$_d/pg_ctl" ]; then
			PG_BIN=$_d
			return 0
		fi
	done
	return 1
}

# Run a server command as the cluster's owner.
pg_as_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

pg_ctl_opts() {
	printf "%s" "-k $PG_DIR -p $PGPORT -c listen_addresses='' -c fsync=${PG_FSYNC:-off} ${PG_EXTRA_OPTS:-}"
}

pg_start() {
	pg_find_bin || test_skip_all "the PostgreSQL server is not installed (Debian package postgresql)"
	if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
		test_skip_all "running as root and there is no postgres user to run the server as"
	fi
	PG_DIR=$(mktemp -d /tmp/txpg.XXXXXX) || return 1
	PG_DATA=$PG_DIR/data
	[ "$(id -u)" -eq 0 ] && chown postgres: "$PG_DIR"
	chmod 700 "$PG_DIR"
	ln -sfn "$PG_DIR" "$TRASH/pg"
	PGPORT=$(test_free_port)
	PGHOST=$PG_DIR
	PGUSER=postgres
	PGDATABASE=postgres
	export PGHOST PGPORT PGUSER PGDATABASE
	unset PGPASSWORD PGSERVICE PGSERVICEFILE PGHOSTADDR PGSSLMODE
	test_atexit pg_stop
	# Killed (a timeout, ^C): still run the exit cleanups, so no server is left.
	trap 'exit 143' TERM
	trap 'exit 130' INT
	pg_as_owner "$PG_BIN/initdb" -D "$PG_DATA" -U postgres -A trust -E UTF8 \
		--locale=C --no-sync >"$PG_DIR/initdb.log" 2>&1 || {
		cat "$PG_DIR/initdb.log" >&2
		echo "pg_start: initdb failed" >&2
		return 1
	}
	pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_DIR/server.log" -w -t 60 \
		-o "$(pg_ctl_opts)" start >/dev/null || {
		cat "$PG_DIR/server.log" >&2
		echo "pg_start: the server did not start" >&2
		return 1
	}
	pg_wait_ready
}

# Wait until the server accepts connections (pg_ctl -w mostly did).
pg_wait_ready() {
	_i=0
	while ! "$PG_BIN/pg_isready" -q -h "$PGHOST" -p "$PGPORT" 2>/dev/null; do
		_i=$((_i + 1))
		[ $_i -lt 300 ] || {
			echo "pg_wait_ready: the server is not ready after 30 s" >&2
			return 1
		}
		sleep 0.1
	done
}

# Fast restart: every session is cut, the server comes back on the same socket.
pg_restart() {
	pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_DIR/server.log" -w -t 60 -m "${1:-fast}" \
		-o "$(pg_ctl_opts)" restart >/dev/null && pg_wait_ready
}

pg_stop() {
	[ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR" ] || return 0
	if [ -f "$PG_DATA/postmaster.pid" ]; then
		pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -w -t 30 -m immediate stop \
			>/dev/null 2>&1 ||
			kill -9 "$(head -n 1 "$PG_DATA/postmaster.pid")" 2>/dev/null
	fi
	rm -rf "$PG_DIR"
	PG_DIR=
}

# psql on the private server, quiet, unaligned, stopping at the first error.
pg_psql() {
	"$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 "$@"
}

# pg_check_sums DB SUMS BALANCES: database DB on the private server holds
# the per-currency counts and sums of file SUMS and the balances of file
# BALANCES (what t5-records.py --sum and --balances wrote).
pg_check_sums() {
	pg_psql -d "$1" -F " " -c "SELECT currency, count(*), sum(amount) FROM transactions
		GROUP BY currency ORDER BY currency" >"$1.got.sum" &&
	test_cmp "$2" "$1.got.sum" &&
	txstore balances "dbname=$1" >"$1.got.bal" &&
	test_cmp "$3" "$1.got.bal"
}
