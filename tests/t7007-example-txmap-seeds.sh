#!/bin/sh
# examples/txmap-seeds: each seed producer's records, mapped by txmap, go
# through txbal into SQLite whole, and the numbers are the producers' own:
# seed 1's balances are those its producer wrote in new_balance, seed 2's
# spend is the decimal module's sum of the amounts rounded half-even, seed
# 3's notices are split off, seed 4's PaySim CSV gives the ledger of
# txgen --paysim.
. "$TX_SRCDIR/tests/lib.sh"

D=$TX_SRCDIR/examples/data

test_expect_success 'the example runs' '
	TX_EXAMPLE_DIR=$TRASH/ex sh "$TX_SRCDIR/examples/txmap-seeds" >out 2>err &&
	test_line_count 0 err &&
	for s in seed1-producer seed2-purchases seed3-bank-alerts seed4-api-bodies seed4-paysim; do
		test_grep "^== $s" out || return 1
	done
'

test_expect_success 'every record reaches SQLite: txstore holds txbal'"'"'s balances' '
	for s in seed1-producer seed2-purchases seed3-bank-alerts seed4-api-bodies seed4-paysim; do
		txstore balances "sqlite:ex/$s.db" >got.$s &&
		test_cmp ex/$s.balances got.$s || return 1
	done &&
	test_line_count 40 ex/seed1-producer.ndjson &&
	test_line_count 40 ex/seed2-purchases.ndjson &&
	test_line_count 14 ex/seed3-bank-alerts.ndjson &&
	test_line_count 26 ex/notices.ndjson &&
	test_line_count 30 ex/seed4-api-bodies.ndjson &&
	test_line_count 26 ex/seed4-paysim.ndjson
'

test_expect_success 'seed 1: the balances its producer computed' '
	"$PYTHON3" -c "
import json
last = {}
for l in open(\"$D/seed1-producer.ndjson\"):
    r = json.loads(l)
    last[str(r[\"account\"])] = r[\"new_balance\"]
for a in sorted(last):
    print(a, \"%.2f\" % last[a])
" >expect &&
	sed "s/.*\"account\":\"\([^\"]*\)\".*\"balance\":\([^,]*\),.*/\1 \2/" ex/seed1-producer.balances >got &&
	test_cmp expect got
'

test_expect_success 'seed 2: spend per user, rounded half-even by the decimal module' '
	"$PYTHON3" -c "
import json, decimal
spend = {}
for l in open(\"$D/seed2-purchases.ndjson\"):
    r = json.loads(l, parse_float=decimal.Decimal)
    q = r[\"amount\"].quantize(decimal.Decimal(\"0.01\"), rounding=decimal.ROUND_HALF_EVEN)
    spend[r[\"user_id\"]] = spend.get(r[\"user_id\"], 0) - q
for a in sorted(spend):
    print(a, spend[a])
" >expect &&
	sed "s/.*\"account\":\"\([^\"]*\)\".*\"balance\":\([^,]*\),.*/\1 \2/" ex/seed2-purchases.balances >got &&
	test_cmp expect got
'

test_expect_success 'seed 3: the notices split off, times from Chicago, ids stable' '
	sed "s/.*\"transaction_type\": \"\([a-z_]*\)\".*/\1/" ex/notices.ndjson | sort -u >kinds &&
	printf "%s\n" checking_account current_balance low_balance savings_account >expect &&
	test_cmp expect kinds &&
	test_grep "^{\"ts\":\"2025-02-17T20:35:50.000000Z\",\"account\":\"ACC1004\",\"type\":\"deposit\",\"amount\":524.47," ex/seed3-bank-alerts.ndjson &&
	txmap -q --tz America/Chicago --id hash --drop-other "$D/seed3-bank-alerts.ndjson" >again &&
	test_cmp ex/seed3-bank-alerts.ndjson again &&
	sed "s/.*\"transaction_id\":\"\([^\"]*\)\".*/\1/" again | sort -u >ids &&
	test_line_count 14 ids
'

test_expect_success 'seed 4: API bodies with their statuses; its PaySim CSV as txgen replays it' '
	test "$(grep -c "\"status\":\"completed\"" ex/seed4-api-bodies.ndjson)" -eq \
		"$(grep -c "\"status\": \"Completed\"" "$D/seed4-api-bodies.json")" &&
	test_grep "\"type\":\"transfer\",.*\"counterparty\":\"C10" ex/seed4-api-bodies.ndjson &&
	txgen --paysim "$D/paysim-sample.csv" --no-openings | txbal -q --overdraft-unlimited --state expect >/dev/null &&
	test_cmp expect ex/seed4-paysim.balances
'

test_done
