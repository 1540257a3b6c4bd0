#!/bin/sh
# t9000: hostile input through every program. A line of 100 MB, NUL bytes,
# invalid UTF-8, nesting 10,000 deep, numbers out of range, an empty stdin,
# a closed stdout (| true and >/dev/full), an unwritable --reject file; for
# txsub, hostile messages put on the topic by kcat. Each gives its exact
# message naming source and line, the documented exit status (tx(7)), no
# crash and no hang (every run is bounded by timeout), and the records
# around the bad one still come out. The number of hostile inputs tried per
# program is printed at the end. The probes of issue 14 that need more than
# one line (lifecycle records in other currencies, terminal escapes, sums
# past int64, state files) are in t9003.
. "$TX_SRCDIR/tests/lib.sh"
. "$TX_SRCDIR/tests/kafka.sh"

TXKIT_CONFIG=/dev/null
export TXKIT_CONFIG
T="timeout 120"

# The hostile lines, each between two good records (tx-1-1 and tx-1-3).
txgen -n 3 --seed 1 >good.ndjson
head -n 1 good.ndjson >first
tail -n 1 good.ndjson >last
mk() { # mk NAME: hostile line on stdin, the stream in NAME.ndjson
	{ cat first; cat; cat last; } >"$1.ndjson"
}
printf '{"transaction_id":"n1","account":"a\000b","type":"deposit","amount":1}\n' | mk nul-string
printf '{"transaction_id":"n2",\000"account":"a","type":"deposit","amount":1}\n' | mk nul-outside
printf '{"transaction_id":"u1","account":"\377\376","type":"deposit","amount":1}\n' | mk utf8
printf '{"transaction_id":"u2","account":"\355\240\200","type":"deposit","amount":1}\n' | mk surrogate
"$PYTHON3" -c 'print("{\"transaction_id\":\"d1\",\"account\":\"a\",\"type\":\"deposit\",\"amount\":1,\"x\":" + "[" * 10000 + "]" * 10000 + "}")' | mk deep
printf '{"transaction_id":"o1","account":"a","type":"deposit","amount":1e400}\n' | mk exp
printf '{"transaction_id":"o2","account":"a","type":"deposit","amount":99999999999999999999999}\n' | mk huge
printf '{"transaction_id":"o3","account":"a","type":"deposit","amount":0.000000000000000000001}\n' | mk tiny
printf '{"transaction_id":"o4","account":"a","type":"deposit","amount":1,"n":%s}\n' \
	123456789012345678901234567890123456789012345678901234567890 | mk unknown-int
# issue 14: what one backend stored and the other refused, now refused by all
printf '{"transaction_id":"y0","account":"a","type":"deposit","amount":1,"ts":"0000-01-01T00:00:00Z"}\n' | mk year0
printf '{"transaction_id":"e2","account":"a","type":"deposit","amount":1,"x":1e200000}\n' | mk bignum
# 100 MB of 'x' (not committed: made here, removed with the scratch dir)
{ head -c 100000000 /dev/zero | tr '\0' x && echo; } | mk long
: >empty
# blank lines of every kind between the good ones (issue 14): skipped by all
{ cat first; printf '\n\r\n \t \r\n'; cat last; } >blank.ndjson
# expected message and exit status of each case (the unknown huge integer is
# kept: txkit never interprets members it does not know)
msg_nul_string="stdin:2: invalid JSON at byte 36: control character in string"
msg_nul_outside="stdin:2: invalid JSON at byte 24: expected a string key"
msg_utf8="stdin:2: invalid JSON at byte 35: invalid UTF-8 in string"
msg_surrogate="stdin:2: invalid JSON at byte 35: invalid UTF-8 in string"
msg_deep="stdin:2: invalid JSON at byte 2117: nested too deep"
# (a number beyond a double is refused wherever it is: tx-record(5), issue 14)
msg_exp="stdin:2: invalid JSON at byte 64: number out of range (beyond 1e308 or below 1e-307)"
msg_huge="stdin:2: field 'amount' is out of range"
msg_tiny="stdin:2: field 'amount' has more than 2 decimals for its currency"
msg_long="stdin:2: invalid JSON at byte 1: expected '{' (a record is a JSON object)"
msg_year0="stdin:2: field 'ts' is not an RFC 3339 date-time: '0000-01-01T00:00:00Z'"
msg_bignum="stdin:2: invalid JSON at byte 70: number out of range (beyond 1e308 or below 1e-307)"
CASES="nul-string nul-outside utf8 surrogate deep exp huge tiny long year0 bignum"

# ids PROG-OUTPUT: the transaction ids of a stream, one per line
ids() { sed -n 's/^{"transaction_id":"\([^"]*\)".*/\1/p' "$1"; }
printf 'tx-1-1\ntx-1-3\n' >ids.expect
printf 'tx-1-1\no4\ntx-1-3\n' >ids-unknown.expect

# summary lines are checked by each program's own tests; here only what
# concerns the hostile input: everything on stderr but the summary
nosum() {
	grep -v -e ' read, ' -e ' lines read, ' -e '^[a-z]*: read [0-9]' -e '^txsub: consumed ' \
		"$1" || :
}

count_txbal=0 count_txlog=0 count_txstore=0 count_txtop=0 count_txpub=0 count_txsub=0
count_txgen=0
bump() { eval "count_$1=\$((count_$1 + 1))"; }

# Stream programs: txbal, txlog, txstore, txtop --once (and txpub below).
for prog in txbal txlog txstore txtop; do
	case $prog in
	txstore) run="txstore sqlite:db.sqlite" ;;
	txtop) run="txtop --once" ;;
	txlog) run="txlog -f {transaction_id}" ;; # its output: the ids, one a line
	*) run=$prog ;;
	esac
	# shellcheck disable=SC2034 # used inside the eval'd cases
	P=$prog R=$run
	for c in $CASES; do
		bump $prog
		v=$(echo "$c" | tr - _)
		eval "m=\$msg_$v"
		sum="bad 1)"
		if [ $prog = txtop ] && [ $c = long ]; then
			# txtop(1): a line over 128 KiB is passed through uninspected, reported
			m="stdin:2: line longer than 128 KiB: not inspected" st=0
			sum="bad 0, not inspected 1)"
		else
			st=1
		fi
		echo "$prog: $m" >"exp.$prog.$c"
		test_expect_success "$prog: $c: exit $st, '$m', the records around it kept" '
			rm -f db.sqlite &&
			test_expect_code '"$st"' $T $R <'"$c"'.ndjson >out 2>err &&
			nosum err >err.real &&
			test_cmp exp.$P.'"$c"' err.real &&
			case $P in
			txbal) ids out >got && test_cmp ids.expect got ;;
			txlog) test_cmp ids.expect out ;;
			txstore) sqlite3 db.sqlite "select transaction_id from transactions
					order by transaction_id" >got && test_cmp ids.expect got ;;
			txtop) test_grep "^records: 2 (lines 3, '"$sum"'" out ;;
			esac
		'
	done
	bump $prog
	test_expect_success "$prog: a huge integer in an unknown field is kept" '
		rm -f db.sqlite &&
		$T $R <unknown-int.ndjson >out 2>err &&
		nosum err >err.real && test_cmp /dev/null err.real &&
		case $P in
		txbal) ids out >got && test_cmp ids-unknown.expect got &&
			test_grep "\"n\":123456789012345678901234567890123456789012345678901234567890[,}]" out ;;
		txlog) test_cmp ids-unknown.expect out ;;
		txstore) sqlite3 db.sqlite "select count(*) from transactions" >got &&
			echo 3 >want && test_cmp want got ;;
		txtop) test_grep "^records: 3 (lines 3, bad 0)" out ;;
		esac
	'
	bump $prog
	test_expect_success "$prog: blank lines (empty, CR, blanks) are skipped: exit 0" '
		rm -f db.sqlite &&
		$T $R <blank.ndjson >out 2>err &&
		nosum err >err.real && test_cmp /dev/null err.real &&
		case $P in
		txbal) ids out >got && test_cmp ids.expect got ;;
		txlog) test_cmp ids.expect out ;;
		txstore) sqlite3 db.sqlite "select transaction_id from transactions
				order by transaction_id" >got && test_cmp ids.expect got ;;
		txtop) test_grep "^records: 2 (lines 5, bad 0)" out ;;
		esac
	'
	bump $prog
	test_expect_success "$prog: an empty stdin: exit 0, nothing out but a summary" '
		rm -f db.sqlite &&
		$T $R <empty >out 2>err &&
		nosum err >err.real && test_cmp /dev/null err.real &&
		case $P in
		txtop) test_grep "^records: 0 (lines 0, bad 0)" out ;;
		*) test_cmp /dev/null out ;;
		esac
	'
	bump $prog
	test_expect_success "$prog: stdout closed by the next stage: exit 0, quietly" '
		rm -f db.sqlite &&
		txgen -n 50000 --seed 3 >many.ndjson &&
		{ $T $R <many.ndjson 2>err; echo $? >st; } | true &&
		echo 0 >st.want && test_cmp st.want st &&
		nosum err >err.real && test_cmp /dev/null err.real
	'
	bump $prog
	test_expect_success "$prog: stdout on a full disk (/dev/full)" '
		rm -f db.sqlite &&
		case $P in
		txstore) # writes nothing on stdout: unaffected
			$T $R <many.ndjson >/dev/full 2>err &&
			nosum err >err.real && test_cmp /dev/null err.real ;;
		txtop) test_expect_code 3 $T $R <many.ndjson >/dev/full 2>err &&
			echo "txtop: write error on standard output: No space left on device" >want &&
			test_cmp want err ;;
		*) test_expect_code 3 $T $R <many.ndjson >/dev/full 2>err &&
			echo "$P: write error on stdout: No space left on device" >want &&
			nosum err >err.real && test_cmp want err.real ;;
		esac
	'
	bump $prog
	test_expect_success "$prog: --reject in a directory that does not exist: exit 3 before reading" '
		rm -f db.sqlite &&
		test_expect_code 3 $T $R --reject /nonexistent/dir/rej <exp.ndjson >out 2>err &&
		echo "$P: cannot open '\''/nonexistent/dir/rej'\'' for writing: No such file or directory" >want &&
		test_cmp want err
	'
	bump $prog
	test_expect_success "$prog: --reject on a full disk: exit 3, the good records still out" '
		rm -f db.sqlite &&
		test_expect_code 3 $T $R --reject /dev/full <exp.ndjson >out 2>err &&
		{ echo "$P: $msg_exp" &&
		  echo "$P: write error on /dev/full: No space left on device"; } >want &&
		nosum err >err.real && test_cmp want err.real &&
		case $P in
		txbal) ids out >got && test_cmp ids.expect got ;;
		txlog) test_cmp ids.expect out ;;
		txstore) sqlite3 db.sqlite "select count(*) from transactions" >got &&
			echo 2 >want && test_cmp want got ;;
		txtop) test_grep "^records: 2 (lines 3, bad 1)" out ;;
		esac
	'
done

# txgen --paysim: hostile CSV rows between two good ones.
cp "$TX_SRCDIR/tests/fuzz/corpus-paysim/header.csv" ps-head.csv && echo >>ps-head.csv
echo '1,PAYMENT,9839.64,C1231006815,170136.0,160296.36,M1979787155,0.0,0.0,0,0' >ps-first
echo '2,TRANSFER,5.00,C2,0,0,C3,0,0,1,0' >ps-last
mkps() { { cat ps-head.csv ps-first; cat; cat ps-last; } >"$1.csv"; }
printf '1,PAYMENT,1.0,C1\000x,0,0,M1,0,0,0,0\n' | mkps ps-nul
printf '1,PAYMENT,1.0,C\377\033[31m,0,0,M1,0,0,0,0\n' | mkps ps-utf8
printf '1,PAYMENT,1e400,C1,0,0,M1,0,0,0,0\n' | mkps ps-exp
printf '1,PAYMENT,99999999999999999999999,C1,0,0,M1,0,0,0,0\n' | mkps ps-huge
printf '99999999999999999999,PAYMENT,1,C1,0,0,M1,0,0,0,0\n' | mkps ps-step
"$PYTHON3" -c 'print("1,PAYMENT,1," + "[" * 10000 + ",0,0,M1,0,0,0,0")' | mkps ps-deep
{ head -c 100000000 /dev/zero | tr '\0' x && echo; } | mkps ps-long
msg_ps_nul="ps-nul.csv:3: nameOrig 'C1?x' is not an account name"
msg_ps_utf8="ps-utf8.csv:3: nameOrig 'C??[31m' is not an account name"
msg_ps_exp="ps-exp.csv:3: amount '1e400' is not a plain decimal number"
msg_ps_huge="ps-huge.csv:3: amount '99999999999999999999999' is out of range"
msg_ps_step="ps-step.csv:3: step '99999999999999999999' is not a positive integer up to 100000000"
msg_ps_deep="ps-deep.csv:3: nameOrig '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[' is not an account name"
msg_ps_long="ps-long.csv:3: expected 11 columns, found 1"
printf 'ps-open-C1231006815\nps-2\nps-4\n' >ps-ids.expect
for c in ps-nul ps-utf8 ps-exp ps-huge ps-step ps-deep ps-long; do
	bump txgen
	v=$(echo "$c" | tr - _)
	eval "m=\$msg_$v"
	echo "txgen: $m" >"exp.$c"
	test_expect_success "txgen --paysim: $c: exit 1, '$m', the rows around it kept" '
		test_expect_code 1 $T txgen --paysim '"$c"'.csv >out 2>err &&
		{ cat exp.'"$c"' && echo "txgen: '"$c"'.csv: 3 records written (2 rows, 1 opening balances), 1 rows rejected"; } >want &&
		test_cmp want err &&
		ids out >got && test_cmp ps-ids.expect got
	'
done
bump txgen
test_expect_success 'txgen --paysim: an empty file and an empty stdin: exit 0, nothing out' '
	$T txgen --paysim empty >out 2>err && test_cmp /dev/null out &&
	$T txgen --paysim - <empty >out 2>err && test_cmp /dev/null out
'
bump txgen
test_expect_success 'txgen: stdout closed by the next stage: exit 0, quietly' '
	{ $T txgen -n 1000000 2>err; echo $? >st; } | head -n 1 >/dev/null &&
	echo 0 >want && test_cmp want st && test_cmp /dev/null err
'
bump txgen
test_expect_success 'txgen: stdout on a full disk: exit 3' '
	test_expect_code 3 $T txgen -n 1000 >/dev/full 2>err &&
	echo "txgen: write error on standard output: No space left on device" >want &&
	test_cmp want err
'
bump txgen
test_expect_success 'txgen --paysim: --reject in a missing directory: exit 3; on a full disk: exit 3, rows kept' '
	test_expect_code 3 $T txgen --paysim ps-exp.csv --reject /nonexistent/dir/rej >out 2>err &&
	echo "txgen: cannot open '\''/nonexistent/dir/rej'\'' for writing: No such file or directory" >want &&
	test_cmp want err &&
	test_expect_code 3 $T txgen --paysim ps-exp.csv --reject /dev/full >out 2>err &&
	test_grep "^txgen: write error on /dev/full: No space left on device$" err &&
	ids out >got && test_cmp ps-ids.expect got
'

# txpub and txsub, on txbroker (librdkafka's mock cluster).
if broker_start txbroker; then
	for c in $CASES unknown-int; do
		broker_create_topic "p-$c" 1
	done
	for c in $CASES; do
		bump txpub
		v=$(echo "$c" | tr - _)
		eval "m=\$msg_$v"
		echo "txpub: $m" >"exp.txpub.$c"
		test_expect_success "txpub: $c: exit 1, '$m', the records around it published" '
			test_expect_code 1 $T txpub -t p-'"$c"' <'"$c"'.ndjson >out 2>err &&
			nosum err >err.real && test_cmp exp.txpub.'"$c"' err.real &&
			test_grep "^txpub: read 3, published 2, rejected 1, failed 0$" err &&
			$T txsub -t p-'"$c"' -e --no-source >got.ndjson &&
			ids got.ndjson >got && test_cmp ids.expect got
		'
	done
	bump txpub
	test_expect_success 'txpub: a huge integer in an unknown field is published as is' '
		$T txpub -t p-unknown-int <unknown-int.ndjson 2>err &&
		$T txsub -t p-unknown-int -e --no-source >got.ndjson &&
		ids got.ndjson >got && test_cmp ids-unknown.expect got &&
		sed -n 2p unknown-int.ndjson >want && sed -n 2p got.ndjson >got2 && test_cmp want got2
	'
	bump txpub
	test_expect_success 'txpub: an empty stdin: exit 0, nothing published' '
		$T txpub -t p-empty <empty >out 2>err &&
		test_grep "^txpub: read 0, published 0, rejected 0, failed 0$" err &&
		test_cmp /dev/null out
	'
	bump txpub
	test_expect_success 'txpub: --reject in a missing directory: exit 3 before reading' '
		test_expect_code 3 $T txpub -t p-x --reject /nonexistent/dir/rej <exp.ndjson >out 2>err &&
		echo "txpub: cannot open '\''/nonexistent/dir/rej'\'' for writing: No such file or directory" >want &&
		test_cmp want err
	'
	bump txpub
	test_expect_success 'txpub: --reject on a full disk: exit 3, the good records published' '
		broker_create_topic p-full 1 &&
		test_expect_code 3 $T txpub -t p-full --reject /dev/full <exp.ndjson >out 2>err &&
		test_grep "^txpub: write error on /dev/full: No space left on device$" err &&
		$T txsub -t p-full -e --no-source >got.ndjson &&
		ids got.ndjson >got && test_cmp ids.expect got
	'
	if command -v kcat >/dev/null; then
		# hostile messages put on the topic by an independent producer
		broker_create_topic s 1
		{
			cat first
			echo 'not json'
			printf 'a\000b\n'
			printf '{"transaction_id":"k1","account":"\\u0000","type":"deposit","amount":1}\n'
			printf '{"transaction_id":"k2","account":"\377","type":"deposit","amount":1}\n'
			sed -n 2p deep.ndjson
			sed -n 2p exp.ndjson
			sed -n 2p huge.ndjson
			head -c 900000 /dev/zero | tr '\0' x && echo
			cat last
		} | kcat -b "$TX_BROKERS" -t s -p 0 -P
		cat >exp.txsub <<-\EOT
		txsub: topic s partition 0 offset 1: invalid JSON at byte 1: expected '{' (a record is a JSON object)
		txsub: topic s partition 0 offset 2: invalid JSON at byte 1: expected '{' (a record is a JSON object)
		txsub: topic s partition 0 offset 3: invalid JSON at byte 35: \u0000 is not allowed
		txsub: topic s partition 0 offset 4: invalid JSON at byte 35: invalid UTF-8 in string
		txsub: topic s partition 0 offset 5: invalid JSON at byte 2117: nested too deep
		txsub: topic s partition 0 offset 6: invalid JSON at byte 64: number out of range (beyond 1e308 or below 1e-307)
		txsub: topic s partition 0 offset 8: invalid JSON at byte 1: expected '{' (a record is a JSON object)
		EOT
		# txsub(1) checks the JSON, not the fields: 1e400 is beyond a double
		# (offset 6), but the amount out of int64 (offset 7) passes on, for
		# txbal or txstore to judge
		printf 'tx-1-1\no2\ntx-1-3\n' >ids-s.expect
		count_txsub=$((count_txsub + 8))
		test_expect_success 'txsub: 8 hostile messages: exit 1, each bad one named by its offset, the rest kept' '
			test_expect_code 1 $T txsub -t s -e --no-source >out 2>err &&
			grep -v "^txsub: consumed" err >err.real && test_cmp exp.txsub err.real &&
			test_grep "^txsub: consumed 10, written 3, rejected 7$" err &&
			ids out >got && test_cmp ids-s.expect got
		'
		# the record after a rejected one says where the drop began
		# (dropped_from), placed as the codec places a member: before the
		# blanks ahead of the closing brace, after "source"
		broker_create_topic s-ws 1
		printf '%s\n' 'not json' '{"transaction_id":"w1","account":"A","type":"fee","amount":1.00 }' |
			kcat -b "$TX_BROKERS" -t s-ws -p 0 -P
		test_expect_success 'txsub: dropped_from goes where the codec puts a member' '
			test_expect_code 1 $T txsub -t s-ws -e --no-source >out 2>err &&
			echo "{\"transaction_id\":\"w1\",\"account\":\"A\",\"type\":\"fee\",\"amount\":1.00,\"dropped_from\":0 }" >want &&
			test_cmp want out &&
			test_expect_code 1 $T txsub -t s-ws -e >out 2>err &&
			grep -q "\"amount\":1.00,\"source\":{\"topic\":\"s-ws\",\"partition\":0,\"offset\":1,[^}]*},\"dropped_from\":0 }\$" out
		'
		bump txsub
		test_expect_success 'txsub: stdout on a full disk: exit 3' '
			test_expect_code 3 $T txsub -t s -e --no-source >/dev/full 2>err &&
			test_grep "^txsub: write error on stdout: No space left on device$" err
		'
		bump txsub
		test_expect_success 'txsub: stdout closed by the next stage: exit 0, quietly' '
			{ $T txsub -t p-exp -e --no-source 2>err; echo $? >st; } | true &&
			echo 0 >want && test_cmp want st &&
			nosum err >err.real && test_cmp /dev/null err.real
		'
		bump txsub
		test_expect_success 'txsub: --reject in a missing directory: exit 3 before consuming' '
			test_expect_code 3 $T txsub -t s -e --reject /nonexistent/dir/rej >out 2>err &&
			echo "txsub: cannot open '\''/nonexistent/dir/rej'\'' for writing: No such file or directory" >want &&
			test_cmp want err && test_cmp /dev/null out
		'
		bump txsub
		test_expect_success 'txsub: an empty topic: exit 0, nothing out' '
			broker_create_topic s-empty 1 &&
			$T txsub -t s-empty -e >out 2>err && test_cmp /dev/null out
		'
	else
		test_skip 'txsub: hostile messages' 'kcat is not installed (Debian package kcat)'
	fi
	broker_stop
else
	test_expect_success 'txbroker starts' false
fi

say "hostile inputs tried: txgen $count_txgen, txpub $count_txpub, txsub $count_txsub," \
	"txbal $count_txbal, txlog $count_txlog, txstore $count_txstore, txtop $count_txtop"
test_done
