#!/bin/sh
# txstore against a PostgreSQL that goes away: a fast and an immediate
# (crash-like) restart while a slow writer feeds txstore, and txstore killed
# -9 mid-stream then run again. The final tables are exact: nothing lost,
# nothing doubled.
. "$TX_SRCDIR/tests/lib.sh"
. "$TX_SRCDIR/tests/pg.sh"

pg_start || exit 1

q="'"  # a single quote, for SQL literals inside the single-quoted cases
gen() { "$PYTHON3" "$TX_SRCDIR/tests/t5-records.py" "$@"; }
# Write stdin to stdout slowly: $1 lines, then $2 seconds of pause, and so on.
slow() {
	"$PYTHON3" -c '
import sys, time
n, pause = int(sys.argv[1]), float(sys.argv[2])
for i, line in enumerate(sys.stdin):
    sys.stdout.write(line)
    if i % n == n - 1:
        sys.stdout.flush()
        time.sleep(pause)
' "$@"
}

# -m fast closes the connections cleanly; -m immediate is a crash (the
# server then recovers): "server closed the connection unexpectedly", which
# must be retried the same way (issue 14)
for mode in fast immediate; do
	test_expect_success "a server restart (-m $mode) mid-stream: reconnect, retry, exact tables" '
		pg_psql -c "CREATE DATABASE r_$mode" &&
		gen 2000 --seed 3 --balances exp.bal --sum exp.sum >in.ndjson &&
		{ slow 50 0.05 <in.ndjson |
			txstore --batch 40 --flush-ms 20 dbname=r_$mode 2>err.$mode & } &&
		store=$! &&
		sleep 0.8 &&
		pg_restart $mode &&
		sleep 0.5 &&
		pg_restart $mode &&
		wait $store &&
		cat err.$mode &&
		test_grep "retrying the batch" err.$mode &&
		test_grep "2000 read, 2000 stored, 0 duplicates, 0 updated, 0 deleted, 0 rejected" err.$mode &&
		test "$(pg_psql -d r_$mode -c "SELECT count(*) FROM transactions")" = 2000 &&
		pg_check_sums r_$mode exp.sum exp.bal &&
		txstore offsets dbname=r_$mode >got.off &&
		test "$(awk -F"\"offset\":" "{ sub(/}/, \"\", \$2); s += \$2 } END { print s }" got.off)" = 2000
	'
done

test_expect_success 'txstore killed -9 mid-stream, run again on the same input: exact' '
	pg_psql -c "CREATE DATABASE crash" &&
	gen 3000 --seed 4 --balances exp4.bal --sum exp4.sum >in4.ndjson &&
	{ slow 100 0.05 <in4.ndjson | txstore --batch 50 dbname=crash 2>/dev/null & } &&
	store=$! &&
	i=0 && until [ "$(pg_psql -d crash -c "SELECT count(*) FROM transactions" 2>/dev/null || echo 0)" -gt 0 ]; do
		i=$((i + 1)) && [ $i -lt 100 ] && sleep 0.1
	done &&
	kill -9 $store &&
	{ wait $store || :; } &&
	# The server may still be committing what the killed txstore sent last.
	i=0 && while [ "$(pg_psql -c "SELECT count(*) FROM pg_stat_activity WHERE datname = ${q}crash${q}")" != 0 ]; do
		i=$((i + 1)) && [ $i -lt 100 ] && sleep 0.1
	done &&
	n=$(pg_psql -d crash -c "SELECT count(*) FROM transactions") &&
	echo "stored before the kill: $n" &&
	test "$n" -gt 0 && test "$n" -lt 3000 &&
	txstore dbname=crash <in4.ndjson 2>err &&
	test_grep "3000 read, $((3000 - n)) stored, 0 duplicates, 0 updated, 0 deleted, 0 rejected, $n already stored" err &&
	pg_check_sums crash exp4.sum exp4.bal
'

test_expect_success 'a server that stays away: exit 5 after --retry-for, nothing half-stored' '
	pg_psql -c "CREATE DATABASE away" &&
	gen 100 --seed 5 >in5.ndjson &&
	{ { head -n 60 in5.ndjson; sleep 4; tail -n 40 in5.ndjson; } |
		txstore --batch 1000 --flush-ms 100 --retry-for 2 dbname=away 2>err & } &&
	store=$! &&
	i=0 && until [ "$(pg_psql -d away -c "SELECT count(*) FROM transactions" 2>/dev/null || echo 0)" = 60 ]; do
		i=$((i + 1)) && [ $i -lt 100 ] && sleep 0.1
	done &&
	pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -w -m fast stop >/dev/null &&
	test_expect_code 5 wait $store &&
	cat err &&
	test_grep "gave up after 2 s" err &&
	test_grep "40 records read were not stored" err &&
	pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_DIR/server.log" -w \
		-o "$(pg_ctl_opts)" start >/dev/null &&
	pg_wait_ready &&
	test "$(pg_psql -d away -c "SELECT count(*) FROM transactions")" = 60 &&
	txstore dbname=away <in5.ndjson 2>err2 &&
	test_grep "100 read, 40 stored, 0 duplicates, 0 updated, 0 deleted, 0 rejected, 60 already stored" err2
'

test_done
