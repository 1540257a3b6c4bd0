#!/bin/sh
# examples/resume, the documented restart command as a script: the whole
# pipeline (every stage at once, as when the machine dies) killed -9
# several times and the script run again each time ends with the database
# of a run that never stopped; a bad command line exits 2. On txbroker and
# SQLite; replay with TX_CRASH_SEED=N.
. "$TX_SRCDIR/tests/lib.sh"
. "$TX_SRCDIR/tests/kafka.sh"
. "$TX_SRCDIR/tests/t6-crash.sh"

TXKIT_CONFIG=/dev/null
export TXKIT_CONFIG
command -v sqlite3 >/dev/null || test_skip_all 'sqlite3 (the shell) is not installed'
command -v setsid >/dev/null || test_skip_all 'setsid (util-linux) is not installed'
resume="$TX_SRCDIR/examples/resume"

test_expect_success 'a bad command line: exit 2' '
	test_expect_code 2 sh "$resume" 2>err &&
	test_grep "usage: resume DSN" err
'

broker_start txbroker || exit 1
broker_create_topic r 1
TX_TOPIC=r TX_RESUME_EXIT=1
export TX_TOPIC TX_RESUME_EXIT

test_expect_success 'publish 20000 records; a run that never stops' '
	txgen -q -n 20000 --seed 61 --accounts 300 --pending 0.1 --deletes 0.02 \
		--duplicates 0.02 >stream.ndjson &&
	txpub -q -t r <stream.ndjson &&
	TX_RESUME_DIR=clean sh "$resume" sqlite:clean.db -- -q --no-alert velocity 2>clean.err &&
	crash_dump sqlite:clean.db clean &&
	test "$(wc -l <clean.rows)" -gt 15000
'

# rows DB: the rows stored so far (0 before the table exists)
rows() {
	sqlite3 "$1" "SELECT count(*) FROM transactions" 2>/dev/null || echo 0
}

# The same records go to topic r2 over about 2 s while the runs follow it,
# so every kill lands mid-stream: a run killed after a guessed time alone
# was still starting up (0 rows stored, every time, on this machine).
broker_create_topic r2 1
test_expect_success 'the whole pipeline killed -9 five times as the topic fills, resumed each time: the same database' '
	i=0 && : >resume.log &&
	{ "$PYTHON3" -c "import sys, time
lines = sys.stdin.readlines()
for i in range(0, len(lines), 500):
    sys.stdout.writelines(lines[i:i + 500])
    sys.stdout.flush()
    time.sleep(0.05)" <stream.ndjson | txpub -q -t r2 & } &&
	trickle=$! &&
	while [ $i -lt 5 ]; do
		i=$((i + 1))
		crash_counter=$i
		ms=$(crash_rand 300)
		rm -f resume.pid
		# its own session and process group, whose id it writes down;
		# following the topic (no -e), so it never ends by itself
		TX_TOPIC=r2 TX_RESUME_EXIT= setsid sh -c "echo \$\$ >resume.pid; exec sh \"\$0\" \"\$@\"" \
			"$resume" sqlite:crash.db -- -q --no-alert velocity 2>>crash.err &
		# once this run has stored something (or after 5 s), then up
		# to 300 ms more
		_w=0 && n0=$(rows crash.db) &&
		while [ "$(rows crash.db)" -eq "$n0" ] && [ $_w -lt 250 ]; do
			sleep 0.02
			_w=$((_w + 1))
		done
		sleep "$(awk -v m=$ms "BEGIN { printf \"%.3f\", m / 1000 }")" &&
		pgid=$(cat resume.pid) &&
		kill -KILL -$pgid &&
		while kill -0 -$pgid 2>/dev/null; do sleep 0.05; done &&
		{ wait $! || true; } &&
		echo "run $i: killed -9 $ms ms after its first rows, $(rows crash.db) rows" >>resume.log || return 1
	done &&
	wait $trickle &&
	TX_TOPIC=r2 sh "$resume" sqlite:crash.db -- -q --no-alert velocity 2>>crash.err &&
	# another topic: its records have other Kafka positions
	CRASH_NO_SOURCE=1 crash_dump sqlite:clean.db clean-ns &&
	CRASH_NO_SOURCE=1 crash_dump sqlite:crash.db crash &&
	test_cmp clean-ns.rows crash.rows && test_cmp clean-ns.bal crash.bal &&
	# at least one kill came with part of the stream stored, not all of it
	awk -v all="$(rows crash.db)" "\$NF == \"rows\" && \$(NF - 1) > 0 && \$(NF - 1) < all { n++ } END { exit !n }" resume.log &&
	echo "compared $(wc -l <crash.rows) rows and $(wc -l <crash.bal) balances: equal" >>resume.log
'
[ -f resume.log ] && sed "s/^/# /" resume.log

test_expect_success 'without PATH or TX_BROKERS: it finds the built programs and starts its own broker' '
	env -i HOME="$HOME" PATH=/usr/bin:/bin TX_BUILDDIR="$TX_BUILDDIR" TX_RESUME_EXIT=1 \
		TX_RESUME_DIR=own TXKIT_CONFIG=/dev/null sh "$resume" sqlite:own.db 2>own.err &&
	test -f own/state.ndjson && test -f own/offsets.ndjson &&
	test_grep "^txsub: consumed 0" own.err &&
	test_grep "^txstore: 0 read" own.err &&
	test_expect_code 2 env -i HOME="$HOME" PATH=/usr/bin:/bin TX_BUILDDIR="$TX_BUILDDIR" \
		TX_RESUME_EXIT=1 TX_RESUME_DIR=own TXKIT_CONFIG=/dev/null \
		sh "$resume" sqlite:crash.db 2>own2.err &&
	test_grep "^resume: sqlite:crash.db holds the offsets of an earlier broker" own2.err
'

test_done
