#!/bin/sh
# txmap's amounts against Python's decimal module (tests/oracle/txmap_round.py):
# random decimal strings (Python floats, ties, long digit strings, exponents,
# strings with leading zeros; currencies with 0 to 4 decimals), in every
# mode: refused past the currency (the default), --round half-even,
# --round half-up. 200,000 amounts in CI (about 2 s); the million,
# by hand: TX_TXMAP_ORACLE_N=1000000 make check TESTS=tests/t1101-txmap-oracle.sh
. "$TX_SRCDIR/tests/lib.sh"

n=${TX_TXMAP_ORACLE_N:-200000}
seed=${TX_TXMAP_ORACLE_SEED:-17}

test_expect_success "the oracle writes $n amounts (seed $seed)" '
	"$PYTHON3" "$TX_SRCDIR/tests/oracle/txmap_round.py" $n $seed . &&
	test_line_count $n in
'

for mode in none half-even half-up; do
	test_expect_success "every amount as the decimal module rounds it: $mode" '
		if [ $mode = none ]; then round=; else round="--round $mode"; fi &&
		test_expect_code 1 txmap -q $round --reject rej <in >out &&
		test_cmp out.$mode out &&
		test_cmp rej.$mode rej &&
		say "$mode: $(wc -l <out) written, $(wc -l <rej) refused"
	'
done

test_done
