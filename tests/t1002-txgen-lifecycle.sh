#!/bin/sh
# txgen --pending, --deletes, --duplicates: the lifecycle records' shapes and shares.
. "$TX_SRCDIR/tests/lib.sh"
ulimit -f 409600 2>/dev/null || true

CHECK="$TX_SRCDIR/tests/data/t1000-check.py"

# share FILE KEY LOW HIGH DEN: KEY=n in the checker's summary, with n/DEN in [LOW, HIGH]
share() {
	n=$(sed -n "s/.*$2=\([0-9]*\).*/\1/p" "$1")
	awk -v n="$n" -v d="$5" -v lo="$3" -v hi="$4" \
		"BEGIN { s = n / d; print \"$2\", n, s; exit !(s >= lo && s <= hi) }"
}

test_expect_success '--pending: creates pending, each updated later with the same fields' '
	txgen -n 20000 --pending 0.2 >m &&
	"$PYTHON3" "$CHECK" fields m &&
	"$PYTHON3" "$CHECK" lifecycle m >res &&
	cat res &&
	share res pending_creates_updated 0.12 0.22 20000 &&
	grep "\"op\":\"update\"" m | grep -c "\"status\":\"failed\"" >failed &&
	grep "\"op\":\"update\"" m | grep -c "\"status\":\"completed\"" >completed &&
	test "$(cat failed)" -gt 100 &&
	test "$(cat completed)" -gt "$((5 * $(cat failed)))" &&
	! grep "\"type\":\"fee\".*\"status\":\"pending\"" m
'

test_expect_success 'an update repeats its create but status and op (exact bytes)' '
	txgen -n 3000 --pending 0.2 >m &&
	id=$(grep -m1 "\"status\":\"pending\"" m | sed "s/^{\"transaction_id\":\"\([^\"]*\)\".*/\1/") &&
	grep "\"transaction_id\":\"$id\"" m >pair &&
	test_line_count 2 pair &&
	head -n 1 pair | sed "s/\"ts\":\"[^\"]*\"/TS/; s/\"status\":\"pending\"/STATUS/" >c &&
	tail -n 1 pair | sed "s/\"ts\":\"[^\"]*\"/TS/; s/\"status\":\"\(completed\|failed\)\"/STATUS/; s/,\"op\":\"update\"}/}/" >u &&
	test_cmp c u
'

test_expect_success 'with -n, the end pays what is owed: no pending create without update' '
	for n in 1 2 3 10 1001; do
		txgen -n $n --pending 1 --anomalies 0.5 >m &&
		test_line_count $n m &&
		"$PYTHON3" "$CHECK" lifecycle m || return 1
	done
'

test_expect_success '--deletes: later deletes of completed debits, four fields' '
	txgen -n 20000 --deletes 0.05 >m &&
	"$PYTHON3" "$CHECK" fields m &&
	"$PYTHON3" "$CHECK" lifecycle m >res &&
	cat res &&
	debits=$(grep -c "\"type\":\"\(payment\|withdrawal\|fee\)\"" m) &&
	share res deletes 0.035 0.065 "$debits" &&
	grep -m1 "\"op\":\"delete\"" m >d &&
	grep -q "^{\"transaction_id\":\"tx-1-[0-9]*\",\"account\":\"ACC[0-9]*\",\"op\":\"delete\",\"ts\":\"[-0-9T:.]*Z\"}\$" d
'

test_expect_success '--duplicates: byte-identical copies of a recent line, -n still exact' '
	txgen -n 20000 --duplicates 0.05 >m &&
	test_line_count 20000 m &&
	"$PYTHON3" "$CHECK" lifecycle m >res &&
	cat res &&
	share res duplicates 0.04 0.06 20000 &&
	test "$(sort m | uniq -d | wc -l)" -gt 500 &&
	txgen -n 20000 >plain &&
	test "$(sort plain | uniq -d | wc -l)" -eq 0
'

test_expect_success 'everything at once keeps every promise' '
	txgen -n 30000 --seed 5 --pending 0.1 --deletes 0.05 --duplicates 0.02 \
		--anomalies 0.02 --currency USD,KWD >m &&
	test_line_count 30000 m &&
	"$PYTHON3" "$CHECK" fields m &&
	"$PYTHON3" "$CHECK" lifecycle m &&
	"$PYTHON3" "$CHECK" anomalies m
'

test_done
