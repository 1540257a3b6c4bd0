#!/bin/sh
# The disk filling up under txstore: SQLite on a 6 MB tmpfs (the whole run
# needs about 12 MB). txstore says
# "database or disk is full", stores nothing of the batch it could not
# commit, and stops with exit status 5; the stages before it stop quietly.
# Once space is freed, the restart command of tx(7) ends with exactly the
# database of a run that never ran out of space.
. "$TX_SRCDIR/tests/lib.sh"
. "$TX_SRCDIR/tests/kafka.sh"
. "$TX_SRCDIR/tests/t6-crash.sh"

TXKIT_CONFIG=/dev/null
export TXKIT_CONFIG
command -v sqlite3 >/dev/null || test_skip_all 'sqlite3 (the shell) is not installed'
small=$(mktemp -d "${TMPDIR:-/tmp}/t6200.XXXXXX") || exit 1
if ! mount -t tmpfs -o size=6m tmpfs "$small" 2>mount.err; then
	rmdir "$small"
	test_skip_all "cannot mount a small tmpfs to fill ($(cat mount.err)): needs root"
fi
test_atexit "umount '$small' 2>/dev/null; rmdir '$small'"

broker_start txbroker || exit 1
broker_create_topic full 1
CRASH_TOPIC=full

test_expect_success 'publish 20000 records; the reference run, with room' '
	txgen -q -n 20000 --seed 41 --accounts 300 --pending 0.1 --deletes 0.02 \
		--duplicates 0.02 | txpub -q -t full &&
	crash_resume sqlite:clean.db && crash_wait &&
	case $crash_rcs in "0 0 0" | "0 1 0") ;; *) false ;; esac &&
	crash_dump sqlite:clean.db clean &&
	test "$(wc -l <clean.rows)" -gt 15000
'

test_expect_success 'the disk fills up: a clear error, exit 5, nothing half stored' '
	crash_resume "sqlite:$small/tx.db" && crash_wait &&
	echo "$crash_rcs" >full.rcs &&
	test "${crash_rcs##* }" = 5 &&
	test_grep "database or disk is full" crash.err &&
	test_grep "records read were not stored" crash.err &&
	n=$(sqlite3 "$small/tx.db" "SELECT count(*) FROM transactions") &&
	test "$n" -gt 0 && test "$n" -lt "$(wc -l <clean.rows)" &&
	echo "stopped with $n rows stored, exit statuses $crash_rcs" >full.log
'
[ -f full.log ] && sed "s/^/# /" full.log

test_expect_success 'space freed: the restart command loses nothing and doubles nothing' '
	mount -o remount,size=64m "$small" &&
	crash_resume "sqlite:$small/tx.db" && crash_wait &&
	case $crash_rcs in "0 0 0" | "0 1 0") ;; *) false ;; esac &&
	crash_dump "sqlite:$small/tx.db" resumed &&
	test_cmp clean.rows resumed.rows &&
	test_cmp clean.bal resumed.bal
'

test_done
