#!/bin/sh
# txgen: counts, determinism, the record fields, exact sums, the model's shape.
. "$TX_SRCDIR/tests/lib.sh"

CHECK="$TX_SRCDIR/tests/data/t1000-check.py"
# A runaway txgen must not fill the disk: no file here grows past 200 MB.
ulimit -f 409600 2>/dev/null || true

test_expect_success '-n writes exactly that many lines, -n 0 none' '
	txgen -n 1000 >out &&
	test_line_count 1000 out &&
	txgen -n 1 >one &&
	test_line_count 1 one &&
	txgen -n 0 >none &&
	test_line_count 0 none &&
	! test -s none
'

test_expect_success 'the same seed gives byte-identical output, timestamps included' '
	txgen -n 100000 --seed 7 >a &&
	txgen -n 100000 --seed 7 >b &&
	cmp a b &&
	test_line_count 100000 a &&
	txgen -n 5000 --seed 7 --pending 0.1 --deletes 0.05 --duplicates 0.05 \
		--anomalies 0.05 --currency USD,JPY >c &&
	txgen -n 5000 --seed 7 --pending 0.1 --deletes 0.05 --duplicates 0.05 \
		--anomalies 0.05 --currency USD,JPY >d &&
	cmp c d
'

# The generator uses integer arithmetic only, so its output is the same on
# every machine, compiler and C library: these digests were taken with gcc
# and clang (-O2, -O3 -march=native, ASan/UBSan builds). A deliberate change
# to the model changes them; update them in the same commit and say so.
test_expect_success 'the output is the same on every machine (known digests)' '
	txgen -n 10000 | sha256sum >got &&
	txgen -n 10000 --seed 7 --pending 0.1 --deletes 0.05 --duplicates 0.05 \
		--anomalies 0.05 --currency USD,JPY,KWD | sha256sum >>got &&
	cat >want <<-\EOT &&
	5aafa29103c4ade8ea31b1be43a8abad7eae2b8cfa40dc387e054c9cf46aa4eb  -
	564855e65780fb510b3098829460c64b58980b41a79d5c8bb85cc10f2ed892c1  -
	EOT
	test_cmp want got
'

test_expect_success 'without anomalies a shorter run is a prefix of a longer one' '
	txgen -n 100000 --seed 7 --anomalies 0 >a &&
	txgen -n 3000 --seed 7 --anomalies 0 >p &&
	head -n 3000 a >want &&
	cmp want p
'

test_expect_success 'different seeds differ; the default seed is 1' '
	txgen -n 1000 --seed 7 >s7 &&
	txgen -n 1000 --seed 8 >s8 &&
	! cmp -s s7 s8 &&
	test "$(head -n 1 s7 | cut -d, -f2-)" != "$(head -n 1 s8 | cut -d, -f2-)" &&
	txgen -n 1000 >dflt &&
	txgen -n 1000 --seed 1 >s1 &&
	cmp dflt s1 &&
	head -n 1 s7 | grep "^{\"transaction_id\":\"tx-7-1\"," &&
	sed -n 1000p s8 | grep "^{\"transaction_id\":\"tx-8-1000\","
'

test_expect_success 'every line is JSON with the promised fields, in order' '
	txgen -n 20000 --pending 0.1 --deletes 0.05 --duplicates 0.02 --anomalies 0.02 >all &&
	"$PYTHON3" "$CHECK" fields all >summary &&
	cat summary &&
	grep "create=.* delete=.* update=" summary
'

test_expect_success 'amounts have exactly the currency decimals (USD, JPY, KWD)' '
	txgen -n 6000 --currency USD,JPY,KWD >m &&
	"$PYTHON3" "$CHECK" fields m &&
	grep -c "\"currency\":\"JPY\"" m >n && test "$(cat n)" -gt 1000 &&
	{ grep "\"currency\":\"JPY\"" m | grep -v "\"amount\":[1-9][0-9]*,\"currency\"" >bad || true; } &&
	! test -s bad &&
	{ grep "\"currency\":\"KWD\"" m | grep -v "\"amount\":[0-9]*\.[0-9][0-9][0-9]," >bad || true; } &&
	! test -s bad &&
	{ grep "\"currency\":\"USD\"" m | grep -v "\"amount\":[0-9]*\.[0-9][0-9]," >bad || true; } &&
	! test -s bad &&
	txgen -n 100 --currency EUR | grep -c "\"currency\":\"EUR\"" >n &&
	echo 100 >want && test_cmp want n
'

test_expect_success 'with several currencies, an account keeps one and transfers stay in it' '
	txgen -n 20000 --currency USD,JPY,KWD >m &&
	sed "s/.*\"account\":\"\([^\"]*\)\".*\"currency\":\"\([A-Z]*\)\".*/\1 \2/" m |
		sort -u >pairs &&
	cut -d" " -f1 pairs | sort | uniq -d >multi &&
	! test -s multi &&
	grep "\"type\":\"transfer\"" m |
		sed "s/.*\"currency\":\"\([A-Z]*\)\".*\"counterparty\":\"\([^\"]*\)\".*/\2 \1/" |
		sort -u >cps &&
	test -s cps &&
	comm -23 cps pairs >strays &&
	! test -s strays
'

test_expect_success 'the exact Decimal sum of 100k amounts equals the sum of minor units' '
	txgen -n 100000 --seed 11 --pending 0.05 >big &&
	"$PYTHON3" "$CHECK" sum big >py &&
	sed -n "s/.*\"amount\":\([0-9.]*\),.*/\1/p" big | tr -d . |
		awk "{ s += \$1 } END { printf \"USD %d.%02d\\n\", s / 100, s % 100 }" >aw &&
	cat py aw &&
	test_cmp py aw &&
	test_line_count 100000 big &&
	test "$(grep -c "\"amount\":" big)" -eq 100000
'

test_expect_success 'the record codec reads the same exact sum as Python Decimal' '
	txgen -n 100000 --seed 12 --currency USD,JPY,KWD --pending 0.05 --deletes 0.02 >big &&
	"$PYTHON3" "$CHECK" sum big >py &&
	unit-gen sum <big >codec &&
	cat py codec &&
	test_cmp py codec
'

test_expect_success 'accounts open with a deposit; time runs forward with a day and night rhythm' '
	txgen -n 30000 >m &&
	"$PYTHON3" "$CHECK" model m &&
	head -n 1 m | grep "\"ts\":\"2026-01-01T00:00:00.000000Z\"" &&
	tail -n 1 m | grep "\"ts\":\"2026-01-0[5-9]T"
'

test_expect_success 'the start is openings, then the mix txgen(1) gives (per mille)' '
	txgen -n 60000 --anomalies 0 >start &&
	"$PYTHON3" "$CHECK" start start
'

test_expect_success '--accounts sets how many accounts, ACC and six digits at least' '
	txgen -n 2000 --accounts 5 >m &&
	sed "s/.*\"account\":\"\([^\"]*\)\".*/\1/" m | sort -u >accts &&
	printf "ACC00000%d\n" 1 2 3 4 5 >want &&
	test_cmp want accts &&
	txgen -n 100 --accounts 1234567 | sed "s/.*\"account\":\"\([^\"]*\)\".*/\1/" >wide &&
	{ grep -v "^ACC[0-9]\{7\}$" wide >bad || true; } &&
	! test -s bad
'

test_expect_success '--start sets the first timestamp; the clock does not depend on now' '
	txgen -n 3 --start 2030-06-15T08:30:00+02:00 >m &&
	head -n 1 m | grep "\"ts\":\"2030-06-15T06:30:00.000000Z\"" &&
	txgen -n 3 --start 2030-06-15T06:30:00Z >m2 &&
	cmp m m2
'

test_expect_success '--anomalies: the asked share, takeovers and bursts well formed' '
	txgen -n 50000 --anomalies 0.02 >m &&
	"$PYTHON3" "$CHECK" anomalies m >res &&
	cat res &&
	share=$(sed "s/.*share=\([0-9.]*\).*/\1/" res) &&
	awk -v s="$share" "BEGIN { exit !(s >= 0.015 && s <= 0.025) }" &&
	grep "takeovers=[1-9]" res && grep "bursts=[1-9]" res &&
	txgen -n 50000 --anomalies 0 >none &&
	! grep -q "\"anomaly\"" none &&
	txgen -n 100000 >dflt &&
	n=$(grep -c "\"anomaly\"" dflt) &&
	test "$n" -gt 30 && test "$n" -lt 200
'

# --rate 12: the line comes with the 25th record (due 2 s after the start),
# give or take one for a busy machine; PaySim's count has the openings.
test_expect_success '--progress: records written every 2 s, output unchanged; not with -q' '
	a="-n 32 --rate 12 --seed 9 --start 2026-03-01T00:00:00Z" &&
	ps="--paysim $TX_SRCDIR/examples/data/paysim-sample.csv --rate 12" &&
	txgen $a --no-wait >plain 2>plain.err &&
	test_cmp /dev/null plain.err &&
	txgen $ps -q --no-wait >ps.plain &&
	{ txgen $a --progress >p 2>p.err & } && p1=$! &&
	{ txgen $a -q --progress >q 2>q.err & } && p2=$! &&
	{ txgen $ps --progress >ps.p 2>ps.err & } && p3=$! &&
	wait $p1 && wait $p2 && wait $p3 &&
	test_cmp plain p && test_cmp plain q && test_cmp /dev/null q.err &&
	test_line_count 1 p.err &&
	grep -x -E "txgen: 2[4-6] records written, 1[0-3]/s" p.err &&
	test_cmp ps.plain ps.p &&
	grep "records written, " ps.err >ps.line &&
	test_line_count 1 ps.line &&
	n=$(sed -n "s/^txgen: \([0-9]*\) records written, [0-9]*\/s\$/\1/p" ps.line) &&
	rows=$(head -n "$n" ps.p | grep -vc "\"ps-open-") &&
	test "$rows" -ge 24 && test "$rows" -le 26 &&
	sed -n "${n}p" ps.p | grep -v "\"ps-open-" &&
	test_grep "47 records written (26 rows, 21 opening balances)" ps.err
'

test_done
