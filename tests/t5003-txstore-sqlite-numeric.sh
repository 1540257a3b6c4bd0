#!/bin/sh
# The obvious SQLite queries give the right answers (issue #15): amount,
# balance and available_balance compare and order as numbers, exact sums
# come from the *_minor columns, and a database of the old schema (amounts
# as TEXT, version 2) is upgraded when txstore opens it, with the indexes
# and views its user made, and the same report and balances bytes.
. "$TX_SRCDIR/tests/lib.sh"

command -v sqlite3 >/dev/null || test_skip_all "the sqlite3 shell is not installed (Debian package sqlite3)"

# The right answers, from the records themselves (exact decimals): the
# number of amounts above 1000, the 20 largest amounts in order, the exact sum.
expect() {
	"$PYTHON3" -c '
import json, sys
from decimal import Decimal
a = [Decimal(str(json.loads(l, parse_float=Decimal)["amount"])) for l in open(sys.argv[1])]
a.sort(reverse=True)
print(sum(1 for x in a if x > 1000))
for x in a[:20]:
    print(x)
print(sum(a))
' "$1"
}

# The same three answers from the database, as a user would ask them.
ask() {
	{
		sqlite3 "$1" "SELECT count(*) FROM transactions WHERE amount > 1000" &&
			sqlite3 "$1" "SELECT amount FROM transactions ORDER BY amount DESC LIMIT 20" &&
			sqlite3 "$1" "SELECT sum(amount_minor) FROM transactions"
	} | "$PYTHON3" -c '
import sys
from decimal import Decimal
l = sys.stdin.read().split()
print(l[0])
for x in l[1:21]:
    print(Decimal(x).quantize(Decimal("0.01")))
print(Decimal(l[21]).scaleb(-2))
'
}

test_expect_success 'amount > 1000 and ORDER BY amount DESC are right; sum exact' '
	txgen -q -n 3000 --seed 15 | txbal -q >in.ndjson &&
	expect in.ndjson >exp &&
	test "$(head -n 1 exp)" -gt 10 &&
	txstore -q new.db <in.ndjson &&
	ask new.db >got &&
	test_cmp exp got
'

test_expect_success 'balances compare and order as numbers too' '
	right=$(sqlite3 new.db "SELECT count(*) FROM balances WHERE balance_minor > 100000") &&
	test "$right" -gt 0 &&
	test "$(sqlite3 new.db "SELECT count(*) FROM balances WHERE balance > 1000")" = "$right" &&
	test "$(sqlite3 new.db "SELECT count(*) FROM balances WHERE available_balance > 1000")" = \
		"$(sqlite3 new.db "SELECT count(*) FROM balances WHERE available_minor > 100000")" &&
	sqlite3 new.db "SELECT balance_minor FROM balances ORDER BY balance DESC" >by_real &&
	sort -rn by_real >by_minor &&
	test_cmp by_minor by_real
'

test_expect_success 'the report prints balances exactly, as txstore balances does' '
	gen() { "$PYTHON3" "$TX_SRCDIR/tests/t5-records.py" "$@"; } &&
	gen 500 --seed 5 >cur.ndjson &&
	txstore -q cur.db <cur.ndjson &&
	txstore report --limit 1000 cur.db >cur.report &&
	txstore balances cur.db >cur.bal &&
	"$PYTHON3" -c "
import json, sys
f = lambda r: (r[\"account\"], r[\"currency\"], repr(r[\"balance\"]), repr(r[\"available_balance\"]))
want = sorted(f(json.loads(l, parse_float=str)) for l in open(\"cur.bal\"))
got = sorted(f(r) for r in (json.loads(l, parse_float=str) for l in open(\"cur.report\"))
             if r[\"report\"] == \"balances\")
assert len(want) > 5, want
sys.exit(0 if got == want else \"report %s != balances %s\" % (got[:2], want[:2]))
"
'

# The old schema (version 2), as txstore made it before, filled with the
# same rows, their amounts as exact decimal text.
old_schema() {
	cat <<-'EOF'
	CREATE TABLE txstore_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
	INSERT INTO txstore_meta VALUES ('schema_version', '2');
	CREATE TABLE transactions (
	  transaction_id TEXT NOT NULL PRIMARY KEY, account TEXT NOT NULL, type TEXT,
	  amount TEXT, amount_minor INTEGER, currency TEXT NOT NULL, ts TEXT,
	  status TEXT NOT NULL, reason TEXT, alerts TEXT, counterparty TEXT,
	  record TEXT NOT NULL, stored_at TEXT NOT NULL, updated_at TEXT, deleted_at TEXT,
	  source_topic TEXT, source_partition INTEGER, source_offset INTEGER, source_ts TEXT,
	  CONSTRAINT transaction_id_length CHECK (length(transaction_id) BETWEEN 1 AND 256),
	  CONSTRAINT account_length CHECK (length(account) BETWEEN 1 AND 256),
	  CONSTRAINT counterparty_length CHECK (length(counterparty) <= 256),
	  CONSTRAINT amount_not_negative CHECK (amount_minor >= 0),
	  CONSTRAINT type_known CHECK (type = 'deposit' OR type = 'withdrawal' OR
	    type = 'payment' OR type = 'transfer' OR type = 'fee' OR type = 'refund'),
	  CONSTRAINT status_known CHECK (status = 'pending' OR status = 'completed' OR
	    status = 'failed'));
	CREATE TABLE balances (
	  account TEXT NOT NULL, currency TEXT NOT NULL, balance TEXT NOT NULL,
	  available_balance TEXT NOT NULL, tx_count INTEGER NOT NULL,
	  balance_minor INTEGER NOT NULL, available_minor INTEGER NOT NULL,
	  updated_at TEXT NOT NULL, PRIMARY KEY (account, currency)) WITHOUT ROWID;
	CREATE TABLE offsets (
	  topic TEXT NOT NULL, "partition" INTEGER NOT NULL, next_offset INTEGER NOT NULL,
	  updated_at TEXT NOT NULL, cluster TEXT,
	  PRIMARY KEY (topic, "partition")) WITHOUT ROWID;
	ATTACH 'new.db' AS n;
	INSERT INTO transactions (rowid, transaction_id, account, type, amount, amount_minor,
	  currency, ts, status, reason, alerts, counterparty, record, stored_at, updated_at,
	  deleted_at, source_topic, source_partition, source_offset, source_ts)
	  SELECT rowid, transaction_id, account, type,
	    printf('%d.%02d', amount_minor / 100, amount_minor % 100), amount_minor,
	    currency, ts, status, reason, alerts, counterparty, record, stored_at, updated_at,
	    deleted_at, source_topic, source_partition, source_offset, source_ts
	  FROM n.transactions;
	INSERT INTO balances SELECT account, currency,
	    printf('%s%d.%02d', CASE WHEN balance_minor < 0 THEN '-' ELSE '' END,
	      abs(balance_minor) / 100, abs(balance_minor) % 100),
	    printf('%s%d.%02d', CASE WHEN available_minor < 0 THEN '-' ELSE '' END,
	      abs(available_minor) / 100, abs(available_minor) % 100),
	    tx_count, balance_minor, available_minor, updated_at FROM n.balances;
	INSERT INTO offsets SELECT * FROM n.offsets;
	CREATE INDEX by_account ON transactions (account, amount);
	CREATE VIEW big AS SELECT transaction_id FROM transactions WHERE amount > 1000;
	EOF
}

test_expect_success 'an old database gives the wrong answers (amounts as TEXT)' '
	old_schema | sqlite3 old.db &&
	test "$(sqlite3 old.db "SELECT typeof(amount) FROM transactions LIMIT 1")" = text &&
	ask old.db >old.got &&
	! test_cmp exp old.got >/dev/null &&
	txstore report old.db >report.before &&
	txstore balances old.db >balances.before &&
	txstore report new.db >report.new &&
	test_cmp report.new report.before
'

test_expect_success 'opening it upgrades it: right answers, same report and balances' '
	txstore -q old.db </dev/null &&
	test "$(sqlite3 old.db "SELECT value FROM txstore_meta WHERE key = \"schema_version\"")" = 3 &&
	test "$(sqlite3 old.db "SELECT DISTINCT typeof(amount) FROM transactions")" = real &&
	ask old.db >old.got &&
	test_cmp exp old.got &&
	test "$(sqlite3 old.db "SELECT count(*) FROM balances WHERE balance > 1000")" = \
		"$(sqlite3 new.db "SELECT count(*) FROM balances WHERE balance > 1000")" &&
	txstore report old.db >report.after &&
	test_cmp report.before report.after &&
	txstore balances old.db >balances.after &&
	test_cmp balances.before balances.after &&
	txstore balances new.db >balances.new &&
	test_cmp balances.before balances.new
'

test_expect_success 'the upgrade keeps the user index and view, and every row' '
	test "$(sqlite3 old.db "SELECT name FROM sqlite_master WHERE type = \"index\" AND sql IS NOT NULL")" = by_account &&
	test "$(sqlite3 old.db "SELECT count(*) FROM big")" = "$(head -n 1 exp)" &&
	test "$(sqlite3 old.db "PRAGMA integrity_check")" = ok &&
	sqlite3 new.db "SELECT rowid, transaction_id, amount, amount_minor, stored_at FROM transactions ORDER BY rowid" >rows.new &&
	sqlite3 old.db "SELECT rowid, transaction_id, amount, amount_minor, stored_at FROM transactions ORDER BY rowid" >rows.old &&
	test_cmp rows.new rows.old &&
	txgen -q -n 3100 --seed 15 | txbal -q | tail -n 100 >more.ndjson &&
	txstore old.db <more.ndjson 2>err &&
	test_grep "100 read, 100 stored" err
'

test_done
