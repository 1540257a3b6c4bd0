#!/bin/sh
# bootstrap reads its argument before it installs or builds anything.
. "$TX_SRCDIR/tests/lib.sh"

# A copy of the script alone: were it to go past its argument, it would run
# autoreconf here (no configure.ac: it fails) or apt-get (TX_NO_APT refuses).
cp "$TX_SRCDIR/bootstrap" ./bootstrap
TX_NO_APT=1
export TX_NO_APT

test_expect_success '--help: the usage on stdout, exit 0, nothing else run' '
	sh ./bootstrap --help >out 2>err &&
	test_grep "^usage: ./bootstrap \[run | check\]" out &&
	test_grep "check .*whole suite" out &&
	! test -s err &&
	! test -e autom4te.cache
'

test_expect_success 'an unknown command: named, the usage on stderr, exit 2' '
	test_expect_code 2 sh ./bootstrap chek >out 2>err &&
	! test -s out &&
	test_grep "^bootstrap: unknown command .chek." err &&
	test_grep "^usage: ./bootstrap" err &&
	! test -e autom4te.cache
'

test_done
