#!/bin/sh
# Every documented recipe that consumes into a database (README, tx(7),
# txsub(1), txstore(1), txbal(1), txlog(1), txtop(1)) uses the full resume
# protocol, and works: each is found in the documents as written, run
# (bash, for its <(...)) once to the end into one database, and twice into
# another with the whole pipeline killed -9 in between; the two databases
# are equal row for row and balance for balance. On txbroker and SQLite,
# one partition (so that a clean run's running balances are one order).
# Replay with TX_CRASH_SEED=N.
. "$TX_SRCDIR/tests/lib.sh"
. "$TX_SRCDIR/tests/kafka.sh"
. "$TX_SRCDIR/tests/t6-crash.sh"

TXKIT_CONFIG=/dev/null
export TXKIT_CONFIG
command -v sqlite3 >/dev/null || test_skip_all 'sqlite3 (the shell) is not installed'
command -v bash >/dev/null || test_skip_all 'bash is not installed'
command -v setsid >/dev/null || test_skip_all 'setsid (util-linux) is not installed'

# The recipes: each command starting with txsub and holding "--offsets
# <(txstore offsets", with the lines it continues onto (a trailing | or \),
# man escapes undone, one recipe per output line, prefixed by its file.
recipes() {
	for f in README man/tx.7 man/txsub.1 man/txstore.1 man/txbal.1 man/txlog.1 man/txtop.1; do
		sed 's/\\-/-/g; s/\\e/\\/g' "$TX_SRCDIR/$f" | awk -v f="$f" '
			on { cmd = cmd " " $0 }
			!on && index($0, "txsub -") && ($0 ~ /(\||\\)[ \t]*$/ || index($0, "--offsets <(txstore offsets")) { on = 1; cmd = $0 }
			on && $0 !~ /(\||\\)[ \t]*$/ {
				on = 0; gsub(/\\[ \t]/, " ", cmd); gsub(/[ \t]+/, " ", cmd)
				if (index(cmd, "--offsets <(txstore offsets")) print f ":" cmd
			}
		'
	done
}

test_expect_success 'the documents hold the recipes, each with the whole protocol' '
	recipes >recipes &&
	test "$(wc -l <recipes)" -ge 10 &&
	for f in README man/tx.7 man/txsub.1 man/txstore.1 man/txbal.1 man/txlog.1 man/txtop.1; do
		test_grep "^$f:" recipes || return 1
	done &&
	! grep -v "txbal [^|]*--init <(txstore state [^)]*) .*| *txstore " recipes
'

broker_start txbroker -t transactions:1 -t bank_alerts:1 || exit 1

test_expect_success 'publish 20000 records with every ledger case' '
	txgen -q -n 20000 --seed 65 --accounts 300 --pending 0.1 --deletes 0.02 \
		--duplicates 0.03 | txpub -q -t transactions
'

# run_recipe N DB: recipe N of the list, into DB, to the end of the topic
# (txsub -e), in its own session (its process group id in rN.pgid). txbal
# without the velocity rule: its windows are not part of the stored state
# (txbal(1), STATE), so a restart may fire it differently.
run_recipe() {
	sed -n "$1p" recipes | sed 's/^[^:]*://' |
		sed "s/\$db/$2/g; s/ DSN\\([ )]\\|\$\\)/ $2\\1/g; s/tx\\.db/$2/g; s/TOPIC/transactions/g;
			s/txsub /txsub -e /; s/txbal /txbal --no-alert velocity /" >r$1.cmd &&
	setsid bash -c 'echo $$ >"$0.pgid"; . "./$0.cmd"' "r$1" 2>>r$1.err
}

n=$(wc -l <recipes 2>/dev/null || echo 0)
i=0
while [ "$i" -lt "$n" ]; do
	i=$((i + 1))
	test_expect_success "recipe $i ($(sed -n "${i}p" recipes | cut -d: -f1)): a clean run equals one killed -9 and run again" '
		run_recipe $i clean$i.db &&
		crash_dump sqlite:clean$i.db clean$i &&
		total=$(wc -l <clean$i.rows) &&
		test "$total" -gt 15000 &&
		# killed -9 while it stores: once the first rows are there, after
		# a random 0-40 ms more; again (at most 6 tries) until a kill has
		# left part of the stream stored
		k=0 && stored=0 &&
		while [ $k -lt 6 ] && { [ "$stored" -eq 0 ] || [ "$stored" -ge "$total" ]; }; do
			k=$((k + 1)) &&
			crash_counter=$((i * 20 + k)) &&
			ms=$(crash_rand 40) &&
			rm -f crash$i.db* r$i.pgid &&
			{ run_recipe $i crash$i.db & } &&
			n=0 && until [ -s r$i.pgid ] || [ $n -ge 100 ]; do sleep 0.01; n=$((n + 1)); done &&
			pgid=$(cat r$i.pgid) &&
			n=0 && while kill -0 -"$pgid" 2>/dev/null && [ $n -lt 1000 ] &&
				[ "$(sqlite3 crash$i.db "SELECT count(*) FROM transactions" 2>/dev/null || echo 0)" -eq 0 ]; do
				sleep 0.01; n=$((n + 1))
			done &&
			sleep "$(awk -v m=$ms "BEGIN { printf \"%.3f\", m / 1000 }")" &&
			{ kill -KILL -"$pgid" 2>/dev/null || true; } &&
			while kill -0 -"$pgid" 2>/dev/null; do sleep 0.05; done &&
			{ wait || true; } &&
			stored=$(sqlite3 crash$i.db "SELECT count(*) FROM transactions" 2>/dev/null || echo 0) &&
			echo "recipe $i: run $k killed $ms ms after its first rows, $stored of $total rows stored" >>kills.log
		done &&
		test "$stored" -gt 0 && test "$stored" -lt "$total" &&
		run_recipe $i crash$i.db &&
		crash_dump sqlite:crash$i.db crash$i &&
		test_cmp clean$i.rows crash$i.rows &&
		test_cmp clean$i.bal crash$i.bal
	'
done
[ -f kills.log ] && sed "s/^/# /" kills.log

test_done
