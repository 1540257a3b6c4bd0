#!/bin/sh
# txlog --syslog: option handling, and the messages themselves, caught on a
# private /dev/log inside a user and mount namespace (unshare -rm) so the
# test needs no syslog daemon and touches nothing outside itself.
. "$TX_SRCDIR/tests/lib.sh"

IN="$TX_SRCDIR/tests/data/t4000-in.ndjson"
EXPECT="$TX_SRCDIR/tests/data/t4000-default.out"

test_expect_success 'syslog options need --syslog, and exclude --out' '
	test_expect_code 2 txlog -t x </dev/null 2>err &&
	test_grep "txlog: --tag is for --syslog" err &&
	test_expect_code 2 txlog --facility local0 </dev/null 2>err &&
	test_grep "txlog: --facility is for --syslog" err &&
	test_expect_code 2 txlog -s --facility kern </dev/null 2>err &&
	test_grep "txlog: --facility: .kern. is not user, daemon or local0 to local7" err &&
	test_expect_code 2 txlog --syslog --out x.log </dev/null 2>err &&
	test_grep "choose one" err &&
	! test -e x.log
'

cat >ns.sh <<'EOF'
# Runs inside unshare -rm: a fresh /dev holding only our log socket (no
# /dev/null either, so no shell background jobs: python runs txlog).
set -e
mount -t tmpfs tmpfs /dev
exec "$PYTHON3" -c '
import socket, subprocess, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
with open(sys.argv[1], "rb") as i, open("stdout", "wb") as o, open("stderr", "wb") as e:
    rc = subprocess.call(sys.argv[2:], stdin=i, stdout=o, stderr=e)
open("rc", "w").write("%d\n" % rc)
s.settimeout(1)
with open("got", "wb") as f:
    try:
        while True:
            f.write(s.recv(65536) + b"\n")
    except socket.timeout:
        pass
' "$IN" "$@"
EOF

# run_syslog CMD...: run CMD with stdin $IN, into stdout, stderr, rc, and
# (on a private /dev/log, when namespaces are allowed) got.
if unshare -rm sh -c 'mount -t tmpfs tmpfs /mnt' 2>/dev/null; then
	have_ns=1
else
	have_ns=
fi
run_syslog() {
	if [ -n "$have_ns" ]; then
		IN="$IN" unshare -rm sh ns.sh "$@"
	else
		: >got
		_rc=0
		"$@" <"$IN" >stdout 2>stderr || _rc=$?
		echo $_rc >rc
	fi
}

test_expect_success '--syslog: nothing on stdout, every record counted as logged' '
	run_syslog txlog -s -t txlog-test --facility local7 &&
	echo 0 >want && test_cmp want rc &&
	test_line_count 0 stdout &&
	test_grep "9 lines read, 9 logged, 0 rejected" stderr &&
	run_syslog txlog --tee -s -a &&
	echo 0 >want && test_cmp want rc &&
	cmp "$IN" stdout &&
	test_grep "9 lines read, 3 logged, 0 rejected" stderr &&
	if [ -n "$have_ns" ]; then
		test_line_count 3 got
	fi
'

if [ -z "$have_ns" ]; then
	test_skip 'messages on a private /dev/log' 'unshare -rm (user and mount namespaces) is not permitted here'
else
	test_expect_success 'messages on a private /dev/log: tag, pid, facility, priorities' '
		run_syslog txlog -s -t txtest --facility local0 &&
		echo 0 >want && test_cmp want rc &&
		test_line_count 0 stdout &&
		test_line_count 9 got &&
		# <PRI>Mmm dd hh:mm:ss tag[pid]: line; local0 is 16, so 132 warning,
		# 133 notice, 134 info.
		sed "s/^<\([0-9]*\)>[A-Z][a-z][a-z] [ 0-9][0-9] [0-9:]\{8\} txtest\[[0-9]*\]: /\1 /" got >msgs &&
		cut -d" " -f1 msgs | tr "\n" " " >pri &&
		printf "134 132 134 132 132 134 134 134 134 " >want && test_cmp want pri &&
		cut -d" " -f2- msgs >lines &&
		test_cmp "$EXPECT" lines
	'

	test_expect_success 'a failed record without alerts is a notice; default tag and facility' '
		printf "%s\n" "{\"transaction_id\":\"a\",\"account\":\"A\",\"type\":\"payment\",\"amount\":5,\"status\":\"failed\",\"reason\":\"unknown_account\"}" >failed.ndjson &&
		IN=failed.ndjson run_syslog txlog -s --color=always &&
		grep -q "^<13>[A-Z].* txlog\[[0-9]*\]: -  *a  *A  *payment  *-5.00 USD  failed     reason=unknown_account$" got
	'

	test_expect_success 'alert records: a fraud alert is a warning, a notice a notice' '
		printf "%s\n" "{\"alert\":\"drain\",\"kind\":\"fraud\",\"transaction_id\":\"d\",\"account\":\"A\",\"detail\":\"x\"}" \
			"{\"alert\":\"low_balance\",\"kind\":\"notice\",\"transaction_id\":\"l\",\"account\":\"A\",\"detail\":\"y\"}" >al.ndjson &&
		IN=al.ndjson run_syslog txlog -s -a &&
		test_line_count 2 got &&
		grep -q "^<12>[A-Z].* txlog\[[0-9]*\]: -  *d  *A  *alert  *drain (fraud): x$" got &&
		grep -q "^<13>[A-Z].* txlog\[[0-9]*\]: -  *l  *A  *alert  *low_balance (notice): y$" got
	'
fi

test_done
