#!/bin/sh
# Every program's command line the same way: --version, --help with the
# whole option list (its man page's OPTIONS), and a bad option that says
# "Try 'PROG --help'". Each option --help lists is one the program knows.
. "$TX_SRCDIR/tests/lib.sh"

# the programs this build has (configure may leave out txpub, txsub,
# txbroker and txhttp)
PROGS=
for p in txgen txpub txsub txbal txlog txstore txtop txbroker txmap txhttp; do
	[ -x "$TX_BUILDDIR/src/$p/$p" ] && PROGS="$PROGS $p"
done
version=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' "$TX_BUILDDIR/config.h")

test_expect_success '--version: "PROG (txkit) VERSION" on stdout, exit 0' '
	test -n "$version" &&
	for p in $PROGS; do
		$p --version >out 2>err &&
		echo "$p (txkit) $version" >want &&
		test_cmp want out &&
		test_cmp /dev/null err || return 1
	done
'

test_expect_success '--help: the usage, then every option of the man page, exit 0' '
	for p in $PROGS; do
		$p --help >out 2>err &&
		test_cmp /dev/null err &&
		head -n 1 out | grep -q "^usage: $p " &&
		test_grep "^Options:\$" out &&
		test_grep "The details are in $p(1)\\.\$" out &&
		# as many entries as the page has options
		n=$(sed -n "/^\\.Sh OPTIONS/,/^\\.Sh /p" "$TX_SRCDIR/man/$p.1" |
			awk "/^\\.Bl/ { d++ } /^\\.El/ { d-- } /^\\.It/ && d == 1 { n++ } END { print n }") &&
		test "$n" -gt 3 &&
		test "$(sed -n "/^Options:/,/^\$/p" out | grep -c "^  -")" -eq "$n" ||
			{ echo "$p: --help lists not the $n options of $p(1)"; return 1; }
		# no line wider than a terminal
		! awk "length > 79 { print; bad = 1 } END { exit !bad }" out || return 1
	done
'

test_expect_success 'a bad option: the reason, then "Try ..." on stderr, exit 2' '
	for p in $PROGS; do
		test_expect_code 2 $p --no-such-option </dev/null >out 2>err &&
		test_cmp /dev/null out &&
		test_grep "unrecognized option .--no-such-option." err &&
		test "$(tail -n 1 err)" = "Try '\''$p --help'\'' for more information." || return 1
	done
'

# The tags of the Options list, one option spelling per line, as
# "PROG [SUBCOMMAND] OPTION" (txstore's report options need "report").
"$PYTHON3" - $PROGS >probes <<-\EOP
import re, subprocess, sys
for p in sys.argv[1:]:
    out = subprocess.run([p, "--help"], capture_output=True, text=True).stdout
    opts = out.split("\nOptions:\n", 1)[1].split("\n\n", 1)[0]
    for entry in re.split(r"\n(?=  -)", opts):
        tag, _, desc = entry.strip().partition("  ")
        sub = "report" if desc.strip().startswith("(report)") else ""
        for part in tag.split(", "):
            o = re.match(r"(--?[A-Za-z0-9][A-Za-z0-9-]*)", part.strip()).group(1)
            if o not in ("-h", "--help", "--version"):  # these act at once
                print(p, sub or "-", o)
EOP

test_expect_success 'every option --help lists is one the program knows' '
	test "$(wc -l <probes)" -gt 100 &&
	while read -r p sub o; do
		[ "$sub" = - ] && sub=
		case $o in
		--*) set -- "$o=1" ;;
		*) set -- "$o" 1 ;;
		esac
		# the option, then a bad one: parsing stops there, nothing runs
		test_expect_code 2 $p $sub "$@" --zz-invalid </dev/null >out 2>err || {
			echo "$p $sub $*: not refused with exit 2"
			cat err
			return 1
		}
		if grep -q -e "unrecognized option .$o=" -e "invalid option -- .${o#-}." err; then
			echo "$p does not know $o, which its --help lists"
			cat err
			return 1
		fi
	done <probes
'

test_expect_success 'an argument a program does not take: named, "Try ...", exit 2' '
	for p in txgen txbroker txsub txhttp; do
		case " $PROGS " in *" $p "*) ;; *) continue ;; esac
		test_expect_code 2 $p extra >out 2>err &&
		printf "%s: unexpected argument '"'"'extra'"'"'\nTry '"'"'%s --help'"'"' for more information.\n" $p $p >want &&
		test_cmp want err && test_cmp /dev/null out || return 1
	done &&
	test_expect_code 2 txstore a.db extra 2>err &&
	test_grep "^txstore: unexpected argument .extra.\$" err
'

test_expect_success 'txstore: a mistyped command is named; *.sqlite is a database' '
	test_expect_code 2 txstore reprot >out 2>err &&
	test_grep "^txstore: unknown command .reprot. (commands: offsets, balances, state, report" err &&
	test_grep "^Try .txstore --help." err &&
	txgen -n 50 | txbal -q | txstore -q ledger.sqlite &&
	txstore balances ledger.sqlite >bal &&
	test "$(grep -c "\"account\"" bal)" -gt 10
'

test_expect_success kafka 'the command line is checked before connecting: txsub -p 5-2' '
	test_expect_code 2 txsub -b 127.0.0.1:1 --connect-timeout 30 -p 5-2 >out 2>err &&
	test_grep "^txsub: -p .5-2.: expected partitions like 3, 0-7 or 0,2,5\$" err &&
	! grep -q "cannot reach" err &&
	test_cmp /dev/null out
'

test_expect_success 'an input that cannot be opened: the error, no all-zero summary' '
	test_expect_code 3 txbal nosuch >out 2>err &&
	echo "txbal: cannot open '"'"'nosuch'"'"': No such file or directory" >want &&
	test_cmp want err && test_cmp /dev/null out &&
	test_expect_code 3 txtop -1 nosuch >out 2>err &&
	echo "txtop: cannot open '"'"'nosuch'"'"': No such file or directory" >want &&
	test_cmp want err && test_cmp /dev/null out &&
	# one of two opened: its summary is worth having
	echo "{\"transaction_id\":\"a\",\"account\":\"A\",\"type\":\"deposit\",\"amount\":1}" >one &&
	test_expect_code 3 txbal nosuch one >out 2>err &&
	test_grep "^txbal: 1 read, 1 applied" err
'

test_done
