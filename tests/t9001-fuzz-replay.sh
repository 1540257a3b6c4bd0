#!/bin/sh
# t9001: every fuzz target's seed corpus, and every input that once made a
# target fail (tests/fuzz/regress-NAME/, kept as regression tests), replayed
# through the target built by the ordinary compiler (tests/fuzz/fuzz-replay-NAME:
# the same invariants, without libFuzzer; under the sanitizers in an
# --enable-asan --enable-ubsan build).
. "$TX_SRCDIR/tests/lib.sh"

F=$TX_BUILDDIR/tests/fuzz
total=0
for t in record paysim kafkaconf offsets balances jstream csv httpbody; do
	case $t in kafkaconf | offsets) need=kafka ;; *) need= ;; esac
	dirs=$TX_SRCDIR/tests/fuzz/corpus-$t
	[ -d "$TX_SRCDIR/tests/fuzz/regress-$t" ] && dirs="$dirs $TX_SRCDIR/tests/fuzz/regress-$t"
	# shellcheck disable=SC2086 # $dirs: paths without spaces (the source tree)
	n=$(find $dirs -type f | wc -l | tr -d " ")
	total=$((total + n))
	# shellcheck disable=SC2086 # $need: empty or one word
	test_expect_success $need "fuzz-$t: its $n seed and regression inputs pass" '
		"$F/fuzz-replay-$t" $dirs >out 2>err &&
		echo "replayed $n inputs" >expect &&
		test_cmp expect out
	'
done
test_expect_success kafka 'a replay target fails on an input it cannot read' '
	printf "{\"topic\":\"t\",\"partition\":0,\"offset\":1}\n" >ok.json &&
	"$F/fuzz-replay-offsets" ok.json >out 2>err &&
	test_expect_code 1 "$F/fuzz-replay-offsets" no-such-file 2>err &&
	test_grep "no-such-file" err
'
say "replayed $total fuzz inputs"
test_done
