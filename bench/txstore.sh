#!/bin/sh
# bench/txstore.sh: txstore against the tools users already have, same rows,
# same table, same run:
#   SQLite:     txstore FILE.db         vs  sqlite3 .import --csv (into the txstore table)
#   PostgreSQL: txstore dbname=...      vs  psql \copy ... from csv (into the txstore table)
# The CSV holds exactly the values txstore stores (the whole record as JSON
# included), made from the same txgen output before the clock starts.
# A second anchor loads the same rows into the table a user would make by
# hand, eight columns (transaction_id text primary key, account, type,
# amount numeric, currency, ts, status, the raw record): the floor a sink
# must beat whatever its schema (issue #19). A third PostgreSQL pair
# takes the records as txsub | txbal hand them over (a source position
# and the balances: txstore then also keeps balances and offsets) against
# \copy of the same rows, source columns included. Each
# side gets a fresh database whose schema txstore created, so both write into
# the same empty table. PostgreSQL is a private server started here the way
# the tests start theirs (tests/pg.sh), with fsync on. Each timed load starts
# on a quiet machine: the file system synced, and the server checkpointed,
# with no autovacuum running. Else a load pays for writing out the one
# before it (in one run, txstore's time into PostgreSQL went from 3.7 s to
# 4.8-5.4 s behind the two \copy loads).
# Environment: TX_BENCH_RECORDS (default 1000000), TX_BENCH_RUNS (default 3:
# the best run of each side counts).
set -eu
: "${TX_SRCDIR:?}" "${TX_BUILDDIR:?}"
N=${TX_BENCH_RECORDS:-1000000}
RUNS=${TX_BENCH_RUNS:-3}
PYTHON3=${PYTHON3:-python3}
PATH="$TX_BUILDDIR/src/txstore:$TX_BUILDDIR/src/txgen:$TX_BUILDDIR/src/txbal:$PATH"
export PATH

WORK=$(mktemp -d /tmp/txstore-bench.XXXXXX)
chmod 755 "$WORK"
cleanups="rm -rf '$WORK'"
trap 'eval "$cleanups"' EXIT INT TERM

if [ ! -x /usr/bin/time ]; then
	echo "bench: txstore: /usr/bin/time is missing (Debian package time): no peak memory" >&2
	TIMECMD=
else
	TIMECMD=/usr/bin/time
fi

# measure NAME CMD...: run, print "seconds peakKiB" of the run (stdin as given).
measure() {
	_name=$1
	shift
	_t0=$(date +%s.%N)
	if [ -n "$TIMECMD" ]; then
		$TIMECMD -f %M -o "$WORK/$_name.mem" "$@"
	else
		"$@"
		echo 0 >"$WORK/$_name.mem"
	fi
	_t1=$(date +%s.%N)
	echo "$_t0 $_t1 $(tail -n 1 "$WORK/$_name.mem")" | awk '{ printf "%.3f %d\n", $2 - $1, $3 }'
}

best() { sort -n "$1" | head -n 1; }
rate() { awk -v n="$N" -v t="$1" 'BEGIN { printf "%.0f", n / t }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b / a }'; }
# show LABEL FILE: the rate of FILE's best run.
show() {
	set -- "$1" $(best "$2")
	printf '%-28s %10s rows/s\n' "$1" "$(rate "$2")"
}
# result NAME TXFILE ANCHOR ANCHORFILE: the RESULT line of the best run of
# each side, with txstore's peak memory.
result() {
	set -- "$1" $(best "$2") "$3" $(best "$4")
	echo "RESULT $1 $(rate "$2") $4 $(rate "$5") $(ratio "$2" "$5") $3"
}

echo "# txstore: $N records (txgen --seed 42), best of $RUNS runs"
txgen -q -n "$N" --seed 42 >"$WORK/in.ndjson"
# The rows as CSV, column for column what txstore stores. "src" mode: the
# PostgreSQL rows of records with a source position (source_* columns).
cat >"$WORK/rows.py" <<'PY'
import csv, json, sys
from decimal import Decimal
work, mode = sys.argv[1], sys.argv[2]
EXP = {"JPY": 0, "KRW": 0, "BHD": 3, "KWD": 3, "JOD": 3, "OMR": 3, "TND": 3}
stored_at = "2026-01-01T00:00:00.000000Z"
def rows(path):
    for line in open(path):
        line = line.rstrip("\n")
        d = json.loads(line, parse_float=Decimal)
        cur = d.get("currency", "USD")
        e = EXP.get(cur, 2)
        amt = Decimal(str(d["amount"])).quantize(Decimal(1).scaleb(-e))
        alerts = json.dumps(d["alerts"], separators=(",", ":")) if "alerts" in d else ""
        head = [d["transaction_id"], str(d["account"]), d["type"], str(amt)]
        tail = [d["ts"], d.get("status", "completed"), d.get("reason", ""), alerts,
                d.get("counterparty", ""), line, stored_at]
        yield line, d, cur, e, amt, head, tail
if mode == "src":
    with open(work + "/pgsrc.csv", "w") as fp:
        wp = csv.writer(fp, lineterminator="\n")
        for line, d, cur, e, amt, head, tail in rows(work + "/src.ndjson"):
            s = d["source"]
            wp.writerow(head + [cur] + tail + [s["topic"], s["partition"], s["offset"], s["ts"]])
    sys.exit(0)
# Each record also with the source position txsub would add: 64 partitions
# by account, offsets counted per partition (txbal then adds the balances).
part_of, next_off = {}, [0] * 64
with open(work + "/sqlite.csv", "w") as fs, open(work + "/pg.csv", "w") as fp, \
        open(work + "/plain.csv", "w") as fl, open(work + "/srcin.ndjson", "w") as fsrc:
    ws = csv.writer(fs, lineterminator="\n")
    wp = csv.writer(fp, lineterminator="\n")
    wl = csv.writer(fl, lineterminator="\n")
    for line, d, cur, e, amt, head, tail in rows(work + "/in.ndjson"):
        ws.writerow(head + [int(amt.scaleb(e)), cur] + tail + [""] * 6)
        wp.writerow(head + [cur] + tail + [""] * 4)
        wl.writerow(head + [cur, d["ts"], d.get("status", "completed"), line])
        acct = str(d["account"])
        p = part_of.setdefault(acct, len(part_of) % 64)
        src = ',"source":{"topic":"transactions","partition":%d,"offset":%d,' \
            '"ts":"2026-12-01T00:00:00.000000Z","key":"%s","cluster":"bench"}}' % (
                p, next_off[p], acct)
        next_off[p] += 1
        fsrc.write(line[:-1] + src + "\n")
PY
"$PYTHON3" "$WORK/rows.py" "$WORK" main
txbal -q <"$WORK/srcin.ndjson" >"$WORK/src.ndjson"
"$PYTHON3" "$WORK/rows.py" "$WORK" src
ls -l "$WORK/in.ndjson" "$WORK/sqlite.csv" "$WORK/pg.csv" "$WORK/plain.csv" "$WORK/src.ndjson" \
	"$WORK/pgsrc.csv" |
	awk '{ print "# " $5 " bytes " $NF }'
PLAIN="CREATE TABLE plain (transaction_id text PRIMARY KEY, account text, type text,
	amount numeric, currency text, ts text, status text, record text)"

# ---- SQLite ----
if command -v sqlite3 >/dev/null; then
	: >"$WORK/sq.anchor"
	: >"$WORK/sq.plain"
	: >"$WORK/sq.tx"
	i=0
	while [ $i -lt "$RUNS" ]; do
		i=$((i + 1))
		rm -f "$WORK"/a.db* "$WORK"/b.db* "$WORK"/c.db*
		txstore -q "$WORK/a.db" </dev/null
		txstore -q "$WORK/b.db" </dev/null
		sqlite3 "$WORK/c.db" "$PLAIN"
		sync
		measure sqa sqlite3 "$WORK/a.db" ".import --csv $WORK/sqlite.csv transactions" >>"$WORK/sq.anchor"
		sync
		measure sqp sqlite3 "$WORK/c.db" ".import --csv $WORK/plain.csv plain" >>"$WORK/sq.plain"
		[ "$(sqlite3 "$WORK/c.db" "SELECT count(*) FROM plain")" = "$N" ] || {
			echo "bench: txstore: the plain table did not get every row" >&2
			exit 1
		}
		sync
		measure sqt txstore -q "$WORK/b.db" <"$WORK/in.ndjson" >>"$WORK/sq.tx"
		a=$(sqlite3 "$WORK/a.db" "SELECT count(*), sum(amount_minor) FROM transactions")
		b=$(sqlite3 "$WORK/b.db" "SELECT count(*), sum(amount_minor) FROM transactions")
		[ "$a" = "$b" ] && [ "${a%%|*}" = "$N" ] || {
			echo "bench: txstore: the tables differ: import $a, txstore $b" >&2
			exit 1
		}
		echo "# sqlite run $i: import $(tail -n 1 "$WORK/sq.anchor"), into the plain table" \
			"$(tail -n 1 "$WORK/sq.plain"), txstore $(tail -n 1 "$WORK/sq.tx") (s KiB)"
	done
	show "sqlite3 .import --csv" "$WORK/sq.anchor"
	show "sqlite3 .import, plain table" "$WORK/sq.plain"
	show "txstore sqlite" "$WORK/sq.tx"
	result txstore-sqlite "$WORK/sq.tx" sqlite3-import "$WORK/sq.anchor"
	result txstore-sqlite-vs-plain "$WORK/sq.tx" sqlite3-import-plain "$WORK/sq.plain"
else
	echo "bench: txstore: sqlite3 is not installed (Debian package sqlite3): SQLite skipped" >&2
fi

# ---- PostgreSQL ----
TRASH=$WORK
test_atexit() { cleanups="$*; $cleanups"; }
test_skip_all() {
	echo "bench: txstore: PostgreSQL skipped: $*" >&2
	exit 0
}
test_free_port() {
	"$PYTHON3" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
PG_FSYNC=on
. "$TX_SRCDIR/tests/pg.sh"
pg_start
# pg_quiet: no autovacuum running (a table just loaded is vacuumed and
# analyzed; waited for at most 60 s), then the server's dirty buffers
# written out, and the file system synced.
pg_quiet() {
	_w=0
	while [ "$(pg_psql -c "SELECT count(*) FROM pg_stat_activity
		WHERE backend_type = 'autovacuum worker'")" != 0 ] && [ $_w -lt 600 ]; do
		sleep 0.1
		_w=$((_w + 1))
	done
	pg_psql -c CHECKPOINT
	sync
}
COLS="transaction_id, account, type, amount, currency, ts, status, reason, alerts, counterparty, record, stored_at, source_topic, source_partition, source_offset, source_ts"
# pg_load DB FILE CMD...: a new database DB whose schema txstore made, the
# server quiet, then CMD timed (its "s KiB" appended to FILE). CMD gets
# pg_load's standard input.
pg_load() {
	_db=$1 _file=$2
	shift 2
	pg_psql -c "CREATE DATABASE $_db"
	txstore -q "dbname=$_db" </dev/null
	pg_quiet
	measure pgload "$@" >>"$_file"
}
# pg_copy DB CSV FILE: pg_load of \copy CSV into DB's transactions.
pg_copy() {
	pg_load "$1" "$3" "$PG_BIN/psql" -X -q -d "$1" -c "\\copy transactions ($COLS) from '$2' csv"
}
# pg_same A B SUMS: databases A and B both hold N transactions, with the
# same SUMS (a select list).
pg_same() {
	_a=$(pg_psql -d "$1" -c "SELECT count(*), $3 FROM transactions")
	_b=$(pg_psql -d "$2" -c "SELECT count(*), $3 FROM transactions")
	[ "$_a" = "$_b" ] && [ "${_a%%|*}" = "$N" ] || {
		echo "bench: txstore: the tables differ: psql $_a, txstore $_b" >&2
		exit 1
	}
}
: >"$WORK/pg.anchor"
: >"$WORK/pg.plain"
: >"$WORK/pg.tx"
i=0
while [ $i -lt "$RUNS" ]; do
	i=$((i + 1))
	pg_copy "a$i" "$WORK/pg.csv" "$WORK/pg.anchor"
	pg_psql -c "CREATE DATABASE c$i"
	pg_psql -d "c$i" -c "$PLAIN" >/dev/null
	pg_quiet
	measure pgp "$PG_BIN/psql" -X -q -d "c$i" -c "\\copy plain from '$WORK/plain.csv' csv" >>"$WORK/pg.plain"
	[ "$(pg_psql -d "c$i" -c "SELECT count(*) FROM plain")" = "$N" ] || {
		echo "bench: txstore: the plain table did not get every row" >&2
		exit 1
	}
	pg_load "b$i" "$WORK/pg.tx" txstore -q "dbname=b$i" <"$WORK/in.ndjson"
	pg_same "a$i" "b$i" "sum(amount)"
	pg_psql -c "DROP DATABASE a$i" -c "DROP DATABASE b$i" -c "DROP DATABASE c$i"
	printf '# postgresql run %s: psql copy %s, into the plain table %s, txstore %s (s KiB)\n' "$i" \
		"$(tail -n 1 "$WORK/pg.anchor")" "$(tail -n 1 "$WORK/pg.plain")" "$(tail -n 1 "$WORK/pg.tx")"
done
show "psql copy csv" "$WORK/pg.anchor"
show "psql copy, plain table" "$WORK/pg.plain"
show "txstore postgresql" "$WORK/pg.tx"
result txstore-pg "$WORK/pg.tx" psql-copy "$WORK/pg.anchor"
result txstore-pg-vs-plain "$WORK/pg.tx" psql-copy-plain "$WORK/pg.plain"

# The records as the pipeline hands them over (txsub's source position,
# txbal's balances): txstore also keeps the balances and each partition's
# next offset, in every batch's transaction; \copy loads the same rows,
# source columns included, and nothing more.
: >"$WORK/pgs.anchor"
: >"$WORK/pgs.tx"
i=0
while [ $i -lt "$RUNS" ]; do
	i=$((i + 1))
	pg_copy "s$i" "$WORK/pgsrc.csv" "$WORK/pgs.anchor"
	pg_load "t$i" "$WORK/pgs.tx" txstore -q "dbname=t$i" <"$WORK/src.ndjson"
	pg_same "s$i" "t$i" "sum(amount), sum(source_offset)"
	[ "$(pg_psql -d "t$i" -c "SELECT count(*), sum(next_offset) FROM offsets")" = "64|$N" ] || {
		echo "bench: txstore: the offsets are not those of the input" >&2
		exit 1
	}
	pg_psql -c "DROP DATABASE s$i" -c "DROP DATABASE t$i"
	printf '# postgresql, records from txsub | txbal, run %s: psql copy %s, txstore %s (s KiB)\n' \
		"$i" "$(tail -n 1 "$WORK/pgs.anchor")" "$(tail -n 1 "$WORK/pgs.tx")"
done
show "psql copy csv, pipeline rows" "$WORK/pgs.anchor"
show "txstore, txsub | txbal rows" "$WORK/pgs.tx"
result txstore-pg-pipeline "$WORK/pgs.tx" psql-copy-pipeline "$WORK/pgs.anchor"
