#!/bin/sh
# txgen --paysim: replaying a CSV in the PaySim schema, and its malformed rows.
. "$TX_SRCDIR/tests/lib.sh"
ulimit -f 409600 2>/dev/null || true

SAMPLE="$TX_SRCDIR/examples/data/paysim-sample.csv"
BAD="$TX_SRCDIR/tests/data/t1001-paysim-bad.csv"

test_expect_success 'the sample replays to the expected records, exit 0' '
	txgen --paysim "$SAMPLE" >out 2>err &&
	test_cmp "$TX_SRCDIR/tests/data/t1001-sample.out" out &&
	test_line_count 47 out &&
	echo "txgen: $SAMPLE: 47 records written (26 rows, 21 opening balances), 0 rows rejected" >want &&
	test_cmp want err
'

test_expect_success 'rows map to canonical records (exact bytes)' '
	txgen -q --paysim "$SAMPLE" --no-openings >out &&
	cat >want <<-\EOT &&
	{"transaction_id":"ps-2","account":"C1000000001","type":"payment","amount":9839.64,"currency":"USD","ts":"2026-01-01T00:00:00.000000Z","status":"completed","merchant":"M2000000001"}
	{"transaction_id":"ps-4","account":"C1000000003","type":"transfer","amount":181.00,"currency":"USD","ts":"2026-01-01T00:01:10.588235Z","status":"completed","counterparty":"C1000000004","anomaly":"paysim_fraud"}
	{"transaction_id":"ps-5","account":"C1000000004","type":"withdrawal","amount":181.00,"currency":"USD","ts":"2026-01-01T00:01:44.854368Z","status":"completed","anomaly":"paysim_fraud"}
	{"transaction_id":"ps-6","account":"C1000000005","type":"deposit","amount":5000.00,"currency":"USD","ts":"2026-01-01T00:02:18.461538Z","status":"completed"}
	{"transaction_id":"ps-7","account":"C1000000006","type":"withdrawal","amount":250.75,"currency":"USD","ts":"2026-01-01T00:02:51.428571Z","status":"completed"}
	{"transaction_id":"ps-10","account":"C1000000010","type":"payment","amount":7817.71,"currency":"USD","ts":"2026-01-01T01:00:00.000000Z","status":"completed","merchant":"M2000000004"}
	EOT
	sed -n "1p;3p;4p;5p;6p;9p" out >got &&
	test_cmp want got
'

test_expect_success 'type mapping and fraud labels over the whole sample' '
	txgen -q --paysim "$SAMPLE" --no-openings >out &&
	for t in deposit withdrawal payment transfer; do
		printf "%s %s\n" $t $(grep -c "\"type\":\"$t\"" out)
	done >got &&
	c() { grep -c "^[0-9]*,$1," "$SAMPLE"; } &&
	printf "deposit %d\nwithdrawal %d\npayment %d\ntransfer %d\n" $(c CASH_IN) \
		$(($(c CASH_OUT) + $(c DEBIT))) $(c PAYMENT) $(c TRANSFER) >want &&
	printf "deposit 4\nwithdrawal 8\npayment 9\ntransfer 5\n" >want2 &&
	test_cmp want2 want &&
	test_cmp want got &&
	test "$(grep -c "\"anomaly\":\"paysim_fraud\"" out)" -eq "$(grep -c ",1,[01]\$" "$SAMPLE")" &&
	test "$(grep -c "\"anomaly\":\"paysim_fraud\"" out)" -eq 6 &&
	"$PYTHON3" -c "import json,sys; [json.loads(l) for l in open(sys.argv[1])]" out
'

test_expect_success '--start moves step 1; step n is n-1 hours later; --currency' '
	txgen -q --paysim "$SAMPLE" --start 2026-03-01T09:00:00Z --currency EUR >out &&
	head -n 1 out | grep "\"currency\":\"EUR\",\"ts\":\"2026-03-01T09:00:00.000000Z\"" &&
	tail -n 1 out | grep "\"ts\":\"2026-03-01T12:00:35.643564Z\"" &&
	! grep -q USD out
'

test_expect_success 'without a header every line is a row; -n stops early' '
	tail -n +2 "$SAMPLE" >nohdr.csv &&
	txgen -q --paysim nohdr.csv --no-openings >out &&
	test_line_count 26 out &&
	head -n 1 out | grep "^{\"transaction_id\":\"ps-1\"," &&
	txgen -q --paysim "$SAMPLE" -n 5 >five &&
	grep -v "\"opening_balance\":true" five >rows &&
	test_line_count 5 rows &&
	test_line_count 9 five
'

test_expect_success 'malformed rows: file:line messages, counted, the rest goes on, exit 1' '
	test_expect_code 1 txgen --paysim "$BAD" >out 2>err &&
	test_line_count 6 out &&
	grep "^{\"transaction_id\":\"ps-2\"," out &&
	grep "^{\"transaction_id\":\"ps-7\",.*\"anomaly\":\"paysim_fraud\"}" out &&
	grep "^{\"transaction_id\":\"ps-13\",.*\"amount\":7.25," out &&
	cat >want <<-EOT &&
	txgen: $BAD:3: expected 11 columns, found 9
	txgen: $BAD:4: unknown type '\''REFUND'\'' (expected CASH_IN, CASH_OUT, DEBIT, PAYMENT or TRANSFER)
	txgen: $BAD:5: amount '\''abc'\'' is not a plain decimal number
	txgen: $BAD:6: amount '\''1.005'\'' has more than 2 decimals for its currency
	txgen: $BAD:8: step '\''0'\'' is not a positive integer up to 100000000
	txgen: $BAD:9: isFraud '\''2'\'' is not 0 or 1
	txgen: $BAD:10: nameOrig '\''C 2'\'' is not an account name
	txgen: $BAD:11: oldbalanceOrg '\''-5.00'\'' is not a plain decimal number
	txgen: $BAD:12: empty row
	txgen: $BAD: 6 records written (3 rows, 3 opening balances), 9 rows rejected
	EOT
	test_cmp want err
'

test_expect_success '-q silences the messages, not the exit status' '
	test_expect_code 1 txgen -q --paysim "$BAD" >out 2>err &&
	test_line_count 6 out &&
	! test -s err
'

test_expect_success '--strict stops at the first malformed row' '
	test_expect_code 1 txgen --strict --paysim "$BAD" >out 2>err &&
	test_line_count 2 out &&
	test_grep ":3: expected 11 columns, found 9" err &&
	test_grep "2 records written (1 rows, 1 opening balances), 1 rows rejected" err &&
	test "$(grep -c ":[0-9]*: " err)" -eq 1
'

test_expect_success '--reject writes the rejected rows as they were' '
	test_expect_code 1 txgen -q --paysim "$BAD" --reject rej.csv >out &&
	sed -n "3,6p;8,12p" "$BAD" >want &&
	test_cmp want rej.csv
'

test_expect_success 'amounts with decimals are refused in JPY, the rest replays' '
	test_expect_code 1 txgen --paysim "$SAMPLE" --currency JPY --no-openings >out 2>err &&
	test_grep "amount .9839.64. has decimals, but its currency has none" err &&
	test_grep "9 records written (9 rows, 0 opening balances), 17 rows rejected" err &&
	{ grep -v "\"currency\":\"JPY\"" out >bad || true; } &&
	! test -s bad
'

test_expect_success 'the opening balances: each account once, at its first row, from PaySim' '
	txgen -q --paysim "$SAMPLE" >out &&
	"$PYTHON3" - "$SAMPLE" out <<-\EOP
	import csv, json, sys
	from decimal import Decimal
	rows = list(csv.DictReader(open(sys.argv[1])))
	recs = [json.loads(l) for l in open(sys.argv[2])]
	want, seen = [], set()
	for r in rows:
	    for name, bal in [(r["nameOrig"], r["oldbalanceOrg"])] + (
	            [(r["nameDest"], r["oldbalanceDest"])] if r["type"] == "TRANSFER" else []):
	        if name not in seen:
	            seen.add(name)
	            if Decimal(bal) > 0:
	                want.append((name, Decimal(bal)))
	got = [(x["account"], Decimal(str(x["amount"]))) for x in recs if x.get("opening_balance")]
	assert got == want, (got, want)
	for x in recs:
	    if x.get("opening_balance"):
	        assert x["transaction_id"] == "ps-open-" + x["account"] and x["type"] == "deposit"
	# each opening comes before the first row that names its account
	first = {}
	for i, x in enumerate(recs):
	    for a in [x["account"]] + ([x["counterparty"]] if "counterparty" in x else []):
	        first.setdefault(a, i)
	for i, x in enumerate(recs):
	    if x.get("opening_balance"):
	        assert first[x["account"]] == i, x
	print(len(got))
	EOP
'

test_expect_success 'through txbal: only rows that PaySim itself could not cover fail' '
	txgen -q --paysim "$SAMPLE" | txbal -q >bal &&
	grep "\"status\":\"failed\"" bal | sed "s/.*\"transaction_id\":\"ps-\([0-9]*\)\".*/\1/" >failed &&
	test_line_count 7 failed &&
	while read -r n; do
		sed -n "${n}p" "$SAMPLE" | awk -F, "{ exit !(\$3 + 0 > \$5 + 0) }" || return 1
	done <failed &&
	txgen -q --paysim "$SAMPLE" --no-openings | txbal -q >bal0 &&
	test "$(grep -c "\"status\":\"failed\"" bal0)" -eq 22
'

test_expect_success 'a transfer to its own account is refused; JPY openings need whole yen' '
	printf "1,TRANSFER,5.00,C7,9.00,4.00,C7,9.00,4.00,0,0\n1,CASH_IN,1.00,C8,2.00,3.00,C9,0,0,0,0\n" >self.csv &&
	test_expect_code 1 txgen --paysim self.csv >out 2>err &&
	test_grep "self.csv:1: a TRANSFER from .C7. to itself" err &&
	test_line_count 2 out &&
	printf "1,CASH_IN,100,C1,10.50,110.50,C2,0,0,0,0\n1,CASH_IN,100,C1,110,210,C2,0,0,0,0\n" >jpy.csv &&
	test_expect_code 1 txgen --paysim jpy.csv --currency JPY >out 2>err &&
	test_grep "jpy.csv:1: oldbalanceOrg .10.50. has decimals, but its currency has none (it opens the account; --no-openings skips it)" err &&
	test_line_count 2 out &&
	grep "^{\"transaction_id\":\"ps-open-C1\",.*\"amount\":110," out &&
	txgen -q --paysim jpy.csv --currency JPY --no-openings >out &&
	test_line_count 2 out
'

test_expect_success 'a missing file is an I/O error (3); model options are refused (2)' '
	test_expect_code 3 txgen --paysim no-such.csv >out 2>err &&
	test_grep "no-such.csv" err &&
	! test -s out &&
	for o in "--pending 0.1" "--deletes 0.1" "--duplicates 0.1" "--anomalies 0.1" \
		"--accounts 5" "--seed 3" "--currency USD,EUR"; do
		test_expect_code 2 txgen --paysim "$SAMPLE" $o >out 2>err &&
		test_grep "^txgen: " err &&
		! test -s out || return 1
	done
'

test_done
