#!/bin/sh
# The one rule for a bad input record (tx(7), Bad input; libtx's
# tx_reject()), the same in every program that reads files: reported on
# stderr as "prog: source:line: why", counted, written as read and nothing
# else to --reject, stop after the first under --strict; a reject file that
# cannot be written is an I/O error (exit 3), reported once, and stops the
# program. txpub and txsub follow the same helper (t2200, t2300).
. "$TX_SRCDIR/tests/lib.sh"

rec() {
	printf '{"transaction_id":"%s","account":"A","type":"deposit","amount":1,"currency":"USD","ts":"2026-01-01T00:00:0%sZ"}\n' "$1" "$2"
}

test_expect_success 'setup: two good records around two bad lines; many bad lines' '
	{ rec g1 1 && echo "not json 1" && rec g2 2 && echo "{\"transaction_id\": 2" && rec g3 3; } >in &&
	printf "not json 1\n{\"transaction_id\": 2\n" >bad &&
	# more than the 64 KiB a reject file buffers, then a good record
	awk "BEGIN { for (i = 0; i < 1500; i++) printf \"not json %d padpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpad\\n\", i }" >many &&
	rec g9 9 >>many &&
	paysim_head="step,type,amount,nameOrig,oldbalanceOrg,newbalanceOrig,nameDest,oldbalanceDest,newbalanceDest,isFraud,isFlaggedFraud" &&
	{ echo "$paysim_head" &&
	  echo "1,PAYMENT,9.00,C1,100.00,91.00,M1,0,0,0,0" &&
	  echo "x,PAYMENT,1.00,C1,0,0,M1,0,0,0,0" &&
	  echo "2,PAYMENT,5.00,C2,100.00,95.00,M1,0,0,0,0" &&
	  echo "3,payment,1.00,C1,0,0,M1,0,0,0,0" &&
	  echo "4,PAYMENT,5.00,C3,100.00,95.00,M1,0,0,0,0"; } >ps.csv &&
	printf "x,PAYMENT,1.00,C1,0,0,M1,0,0,0,0\n3,payment,1.00,C1,0,0,M1,0,0,0,0\n" >psbad &&
	{ echo "$paysim_head" &&
	  awk "BEGIN { for (i = 0; i < 1500; i++) printf \"x%d,PAYMENT,1.00,C1,0,0,M1,0,0,0,0,padpadpadpadpadpadpadpadpadpad\\n\", i }" &&
	  echo "9,PAYMENT,5.00,C9,100.00,95.00,M1,0,0,0,0"; } >psmany
'

# run PROG: the program reading FILE with the reject file REJ, its output
# in out and its messages in err; the exit status is the program's.
run() {
	prog=$1 file=$2 rej=$3
	shift 3
	case $prog in
	txgen) txgen --paysim "$file" --reject "$rej" "$@" >out 2>err ;;
	txtop) txtop -1 -r "$rej" "$@" "$file" >out 2>err ;;
	txstore) rm -f db && txstore --reject "$rej" "$@" sqlite:db <"$file" >out 2>err ;;
	*) $prog --reject "$rej" "$@" "$file" >out 2>err ;;
	esac
}

src() {
	case $1 in
	txstore) echo stdin ;;
	*) echo "$2" ;;
	esac
}

for p in txbal txlog txmap txtop txstore txgen; do
	if test $p = txgen; then
		in=ps.csv bad=psbad many=psmany first=3 second=5 last=C9
	else
		in=in bad=bad many=many first=2 second=4 last=g9
	fi

	test_expect_success "$p: the bad lines, as read and nothing else, in --reject; exit 1" '
		test_expect_code 1 run $p $in rej &&
		test_cmp $bad rej &&
		test_grep "^$p: $(src $p $in):$first: " err &&
		test_grep "^$p: $(src $p $in):$second: " err
	'

	test_expect_success "$p: --strict stops at the first, which is in --reject" '
		test_expect_code 1 run $p $in rej --strict &&
		head -n 1 $bad >exp &&
		test_cmp exp rej &&
		test_grep "^$p: $(src $p $in):$first: " err &&
		! grep -q "^$p: $(src $p $in):$second: " err
	'

	test_expect_success "$p: a reject file that cannot be written: exit 3, said once, stopped" '
		test_expect_code 3 run $p $many /dev/full &&
		test "$(grep -c "write error on /dev/full: No space left on device" err)" = 1 &&
		if test $p = txstore; then
			test "$(sqlite3 db "SELECT count(*) FROM transactions")" = 0
		elif test $p != txtop; then
			! grep -q $last out
		fi
	'
done

test_done
