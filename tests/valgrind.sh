#!/bin/sh
# tests/valgrind.sh: `make check-valgrind`. Runs the C unit tests and a few
# programs over a small stream under valgrind's memcheck; any memory error
# or definite leak fails the run (exit 1), with valgrind's report. About
# 20 s on one core.
#   txgen | txbal | txlog, txgen --paysim, txstore sqlite:, txtop --once,
#   txbal --init/--state, txmap (JSON and CSV), and a malformed stream
#   through each.
# Usage (from the build tree): sh tests/valgrind.sh BUILDDIR SRCDIR
set -u
B=$1 S=$2
command -v valgrind >/dev/null || {
	echo "check-valgrind: valgrind not found: install the Debian package valgrind" >&2
	exit 1
}
work=$(mktemp -d "${TMPDIR:-/tmp}/txkit-valgrind.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
VG="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
	--show-leak-kinds=definite --track-fds=no --num-callers=30"
fail=0 runs=0
exec 3>&1 # the report, whatever each run's stdout is
# vg NAME CMD...: run CMD under valgrind (stdin/stdout as given); a status of
# 99 (valgrind's) fails the run; other statuses are the program's business.
vg() {
	_name=$1
	shift
	runs=$((runs + 1))
	_t0=$(date +%s)
	# shellcheck disable=SC2086
	$VG --log-file="$work/vg.$runs.log" "$@"
	_st=$?
	if [ "$_st" -eq 99 ] || [ -s "$work/vg.$runs.log" ]; then
		echo "FAIL: $_name (status $_st)" >&3
		cat "$work/vg.$runs.log" >&3
		fail=1
	else
		echo "ok: $_name ($(($(date +%s) - _t0)) s)" >&3
	fi
	return 0
}
for t in "$B"/tests/unit-*; do
	case $t in
	*.o | *.log | *.trs) continue ;;
	# thousands of random documents against jansson: 150 s under valgrind,
	# and run under ASan and UBSan by the sanitizer build anyway
	*/unit-json-diff) continue ;;
	esac
	[ -x "$t" ] || continue
	vg "$(basename "$t")" "$t" >"$work/unit.out" 2>&1 </dev/null
done
P=$B/src
"$P/txgen/txgen" -n 2000 --seed 7 --anomalies 0.05 --pending 0.1 --deletes 0.05 \
	--duplicates 0.05 >"$work/in.ndjson"
{
	head -n 5 "$work/in.ndjson"
	printf '{"transaction_id":"x1","account":"a\\u0000","type":"deposit","amount":1}\n'
	printf 'not json\n{"transaction_id":"x2","account":"\377","type":"deposit","amount":1}\n'
	printf '{"transaction_id":"x3","account":"a","type":"deposit","amount":1e400}\n'
	printf '{"transaction_id":"x4","account":"a","type":"deposit","amount":99999999999999999999}\n'
	tail -n 5 "$work/in.ndjson"
} >"$work/bad.ndjson"
vg txgen "$P/txgen/txgen" -n 2000 --seed 7 >/dev/null
vg 'txgen | txbal' "$P/txbal/txbal" -q --state "$work/state.json" <"$work/in.ndjson" >"$work/bal.ndjson"
vg 'txbal | txlog' "$P/txlog/txlog" -q <"$work/bal.ndjson" >/dev/null
vg 'txbal --init' "$P/txbal/txbal" -q --init "$work/state.json" <"$work/in.ndjson" >/dev/null
vg 'txbal, bad input' "$P/txbal/txbal" -q --reject "$work/rej" <"$work/bad.ndjson" >/dev/null
vg 'txlog, bad input' "$P/txlog/txlog" -q --reject "$work/rej" <"$work/bad.ndjson" >/dev/null
vg 'txstore sqlite:' "$P/txstore/txstore" -q "sqlite:$work/db.sqlite" <"$work/bal.ndjson"
vg 'txstore sqlite:, bad input' "$P/txstore/txstore" -q "sqlite:$work/db.sqlite" \
	<"$work/bad.ndjson" 2>/dev/null
vg 'txtop --once' "$P/txtop/txtop" --once <"$work/bal.ndjson" >/dev/null
vg 'txgen --paysim' "$P/txgen/txgen" -q --paysim "$S/tests/fuzz/corpus-paysim/payment.csv" >/dev/null
vg 'txmap' "$P/txmap/txmap" -q --tz Europe/Paris --id hash --other "$work/other" \
	--reject "$work/rej" "$S/examples/data/seed3-bank-alerts.ndjson" \
	"$S/examples/data/seed4-api-bodies.json" "$S/tests/fuzz/corpus-jstream/bad.json" >/dev/null
vg 'txmap --csv' "$P/txmap/txmap" -q --csv --id uuid "$S/examples/data/paysim-sample.csv" \
	"$S/tests/fuzz/corpus-csv/quoted.csv" >/dev/null
vg 'txgen | true' "$P/txgen/txgen" -n 100000 </dev/null | true
echo "check-valgrind: $runs runs, $([ $fail = 0 ] && echo 'no errors, no definite leaks' || echo FAILED)"
exit $fail
