#!/bin/sh
# examples/systemd: what is checked without installing the units:
# - systemd-analyze verify accepts both units with no warning at all (when
#   systemd-analyze is installed; --man=no, since the man pages are not
#   installed here);
# - each unit file parses: sections and Key=Value lines only, the keys a
#   service needs present (ExecStart, Restart=always for the consumer);
# - the ExecStart command lines, with systemd's $$ unescaped and the
#   continuation lines joined, pass sh -n;
# - the consumer's command line, run for real by sh in a scratch
#   directory with TXSUB_OPTS=-e (so it ends once the topic is drained),
#   stores a stream exactly, and run again after more records stores only
#   the new ones, and the balances are those of one uninterrupted txbal run
#   over both: the resume protocol of tx(7).
. "$TX_SRCDIR/tests/lib.sh"
. "$TX_SRCDIR/tests/kafka.sh"

command -v sqlite3 >/dev/null 2>&1 || test_skip_all "the sqlite3 shell is not installed (apt-get install sqlite3)"
units="txkit-consumer.service txbroker.service"
dir=$TX_SRCDIR/examples/systemd

# The ExecStart value of unit $1, continuation lines joined, $$ unescaped.
execstart() {
	awk '
		/^ExecStart=/ { on = 1; sub(/^ExecStart=/, "") }
		on { line = $0; more = sub(/\\$/, "", line); cmd = cmd line; if (!more) { on = 0 } }
		END { print cmd }
	' "$1" | sed 's/\$\$/$/g; s/^\/bin\/sh -c //'
}
# The quoted script of "sh -c '...'" (no single quotes inside).
script_of() {
	sed "s/^'//; s/'\$//"
}

if command -v systemd-analyze >/dev/null 2>&1; then
	test_expect_success 'systemd-analyze verify: both units, no warning' '
		for u in $units; do cp "$dir/$u" .; done &&
		systemd-analyze verify --man=no $units >verify.out 2>&1 &&
		test_line_count 0 verify.out
	'
else
	test_skip 'systemd-analyze verify' 'systemd-analyze is not installed'
fi

test_expect_success 'the unit files parse: sections and keys only' '
	for u in $units; do
		awk "
			/^[ \t]*(#|\$)/ { next }
			/^\[(Unit|Service|Install)\]\$/ { next }
			/^[A-Za-z]+=/ { if (prev !~ /\\\\\$/) { prev = \$0; next } }
			prev ~ /\\\\\$/ { prev = \$0; next }
			{ print FILENAME \": bad line: \" \$0; bad = 1 }
			{ prev = \$0 }
			END { exit bad }
		" "$dir/$u" || return 1
		grep -q "^ExecStart=/bin/sh -c " "$dir/$u" &&
		grep -q "^\[Install\]" "$dir/$u" || return 1
	done &&
	grep -q "^Restart=always\$" "$dir/txkit-consumer.service"
'

test_expect_success 'the ExecStart command lines pass sh -n' '
	for u in $units; do
		execstart "$dir/$u" | script_of >$u.sh &&
		test -s $u.sh &&
		sh -n $u.sh || return 1
	done &&
	test_grep "txstore offsets" txkit-consumer.service.sh &&
	test_grep "txbal --init state.ndjson" txkit-consumer.service.sh
'

# One partition: the stored balances can then be compared with txbal's over
# the same records in the same order, overdraft refusals included.
broker_start txbroker -t transactions:1

test_expect_success 'the consumer command line stores a stream, then resumes' '
	mkdir -p state &&
	txgen -n 3000 --seed 9 --accounts 200 >first.ndjson &&
	txgen -n 2000 --seed 10 --accounts 200 >second.ndjson &&
	txpub -q -t transactions first.ndjson &&
	(cd state && TXKIT_DB=sqlite:tx.db TXKIT_TOPIC=transactions TXSUB_OPTS=-e \
		sh ../txkit-consumer.service.sh) 2>run1.err &&
	test "$(sqlite3 state/tx.db "SELECT count(*) FROM transactions")" = 3000 &&
	txpub -q -t transactions second.ndjson &&
	(cd state && TXKIT_DB=sqlite:tx.db TXKIT_TOPIC=transactions TXSUB_OPTS=-e \
		sh ../txkit-consumer.service.sh) 2>run2.err &&
	test_grep "2000 read, 2000 stored" run2.err &&
	test "$(sqlite3 state/tx.db "SELECT count(*) FROM transactions")" = 5000 &&
	cat first.ndjson second.ndjson | txbal -q --state expect.bal >/dev/null &&
	txstore balances sqlite:state/tx.db >actual.bal &&
	test_cmp expect.bal actual.bal
'

test_done
