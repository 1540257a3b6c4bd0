# tests/lib.sh: a small TAP test library in the style of git's t/test-lib.sh.
#
# A test script sources this file, then runs cases:
#
#   . "$TX_SRCDIR/tests/lib.sh"
#   test_expect_success 'txgen writes N lines' '
#       txgen -n 10 >out &&
#       test_line_count 10 out
#   '
#   test_done
#
# Each case runs in a subshell with `set -e` inside the script's own scratch
# directory ($TRASH, cwd), so any failing command fails the case. The built
# programs come first on PATH. Run one script by hand from the build tree:
#   TX_BUILDDIR=$PWD TX_SRCDIR=/path/to/src sh /path/to/src/tests/t1000-txgen.sh
# With -v (or TX_TEST_VERBOSE=1), a failing case prints its commands' output.

: "${TX_BUILDDIR:?TX_BUILDDIR is not set: run tests through make check}"
: "${TX_SRCDIR:?TX_SRCDIR is not set: run tests through make check}"
test_name=$(basename "$0" .sh)
TRASH="$TX_BUILDDIR/tests/trash.$test_name"
rm -rf "$TRASH" && mkdir -p "$TRASH" && cd "$TRASH" || exit 1
for _p in txgen txpub txsub txbal txlog txstore txbroker txtop txmap txhttp; do
	PATH="$TX_BUILDDIR/src/$_p:$PATH"
done
PATH="$TX_BUILDDIR/tests:$PATH"
export PATH TRASH
case "${1:-}" in -v | --verbose) TX_TEST_VERBOSE=1 ;; esac

test_count=0
test_failed=0
test_cleanups=

# A watchdog: a script that hangs (a server that never answers, a pipe that
# never closes) must fail loudly instead of stalling make check and CI. It
# stops every process the script started (a shell only acts on a signal once
# its foreground child has ended), then the script itself, whose EXIT trap
# stops the servers. sleep's output is /dev/null so it cannot hold the TAP
# pipe open.
: "${TX_TEST_TIMEOUT:=600}"
test_kill_tree() {
	for _c in $(pgrep -P "$1"); do
		[ "$_c" = "$2" ] || test_kill_tree "$_c" "$2"
	done
	[ "$1" = "$$" ] || kill -TERM "$1" 2>/dev/null
}
(
	trap 'kill $_sleep 2>/dev/null; exit 0' TERM
	sleep "$TX_TEST_TIMEOUT" </dev/null >/dev/null 2>&1 &
	_sleep=$!
	wait $_sleep || exit 0
	read -r _self _ </proc/self/stat
	echo "Bail out! $test_name timed out after ${TX_TEST_TIMEOUT}s (TX_TEST_TIMEOUT)"
	kill -TERM $$
	test_kill_tree $$ "$_self"
) &
test_watchdog=$!
trap 'exit 143' TERM
trap 'exit 130' INT

say() { printf '# %s\n' "$*"; }

# Run "$@" when the script exits, however it exits (servers started by a test).
test_atexit() {
	test_cleanups="$*; $test_cleanups"
	case "$test_cleanups" in *test_watchdog*) ;; *) test_cleanups="$test_cleanups kill \$test_watchdog 2>/dev/null" ;; esac
	trap 'eval "$test_cleanups"' EXIT
}
trap 'kill $test_watchdog 2>/dev/null' EXIT

# A build may leave out Kafka, PostgreSQL, curses or libmicrohttpd
# (./configure --without-kafka, ...; configure says what it left out).
# test_have FEATURE: true when this build has it (kafka, postgresql, curses,
# microhttpd); tests run by hand outside make are taken to have them all.
test_have() {
	case " ${TX_FEATURES-kafka postgresql curses microhttpd} " in
	*" $1 "*) return 0 ;;
	esac
	return 1
}

# test_need FEATURE...: skip the whole script when the build lacks one.
test_need() {
	for _f in "$@"; do
		test_have "$_f" || test_skip_all "this build has no $_f (configure --without-$_f, or its library missing)"
	done
}

# test_expect_success [FEATURE,...] TITLE BODY: run BODY as one case (git's
# test_expect_success, with its prerequisites: features of the build here);
# without a feature it names, the case is skipped, saying which.
test_expect_success() {
	if [ $# -eq 3 ]; then
		_need=$1
		shift
		for _f in $(echo "$_need" | tr , " "); do
			if ! test_have "$_f"; then
				test_skip "$1" "this build has no $_f"
				return 0
			fi
		done
	fi
	test_count=$((test_count + 1))
	if (
		set -e
		eval "$2"
	) >"$TRASH/.case.out" 2>&1; then
		echo "ok $test_count - $1"
	else
		test_failed=$((test_failed + 1))
		echo "not ok $test_count - $1"
		sed 's/^/#   /' "$TRASH/.case.out" | tail -n "${TX_TEST_TAIL:-40}"
		[ -n "${TX_TEST_VERBOSE:-}" ] && printf '#   case: %s\n' "$2"
	fi
	return 0
}

# Is SIGHUP ignored here (make check run under nohup)? A shell cannot undo
# that, and every program it starts keeps ignoring it, as it should: the
# cases that send SIGHUP to stop a program skip then (SigIgn's lowest bit
# is signal 1).
hup_ignored() {
	_ign=$(sed -n "s/^SigIgn:[[:space:]]*//p" /proc/$$/status 2>/dev/null)
	[ -n "$_ign" ] && [ $((0x${_ign#"${_ign%?}"} & 1)) = 1 ]
}

# Skip one case, saying why.
test_skip() {
	test_count=$((test_count + 1))
	echo "ok $test_count - $1 # SKIP $2"
}

# Skip the whole script, saying why (only before any case has run).
test_skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}

test_done() {
	echo "1..$test_count"
	if [ "$test_failed" -eq 0 ]; then
		cd "$TX_BUILDDIR" && [ -z "${TX_TEST_KEEP:-}" ] && rm -rf "$TRASH"
		exit 0
	fi
	exit 1
}

# Helpers for case bodies. Each fails loudly with a message saying why.
test_cmp() { diff -u "$1" "$2"; }

test_line_count() {
	_n=$(wc -l <"$2" | tr -d ' ')
	[ "$_n" -eq "$1" ] || {
		echo "expected $1 lines in $2, found $_n"
		return 1
	}
}

# test_expect_code N cmd...: run cmd, require exit status N.
test_expect_code() {
	_want=$1
	shift
	set +e
	"$@"
	_got=$?
	set -e
	[ "$_got" -eq "$_want" ] || {
		echo "expected exit status $_want from '$*', got $_got"
		return 1
	}
}

# test_grep PATTERN FILE: like grep -q, but shows the file when it fails.
test_grep() {
	grep -q -e "$1" "$2" || {
		echo "pattern '$1' not found in $2:"
		head -n 20 "$2"
		return 1
	}
}

# test_kafka_no_thread PROG ARGS...: PROG ARGS (a Kafka client meant to
# reach no broker) under a 1 TB stack limit, which makes every new thread's
# stack unmappable under the kernel's default overcommit heuristic: it must
# exit 70, the system refused a resource (libtx's tx_kafka_new_failed()),
# not 2, a bad configuration. Where such a thread can be started after all
# (vm.overcommit_memory), the program goes on to find no broker (4): SKIP.
test_kafka_no_thread() {
	set +e
	(ulimit -s 1000000000 && exec "$@" </dev/null) 2>err
	_st=$?
	set -e
	if [ $_st = 4 ]; then
		say "SKIP: threads with a 1 TB stack could be started here (vm.overcommit_memory)"
	else
		test $_st = 70 &&
			test_grep "^$1: cannot start the Kafka client: Failed to create thread" err
	fi
}

# test_http_no_thread PROG ARGS...: PROG ARGS (serving HTTP on a loopback
# port) under the same 1 TB stack limit: libmicrohttpd cannot start its
# thread, and PROG must exit 70 saying so (libtx's tx_http_start_failed()),
# not 4 as for an address it cannot listen on, and with no blank line after
# libmicrohttpd's own message. Where such a thread can be started after all,
# PROG serves until timeout stops it (143): SKIP.
test_http_no_thread() {
	set +e
	(ulimit -s 1000000000 && exec timeout -s TERM 10 "$@" </dev/null) >out 2>err
	_st=$?
	set -e
	if [ $_st = 143 ] || [ $_st = 124 ]; then
		say "SKIP: threads with a 1 TB stack could be started here (vm.overcommit_memory)"
	else
		test $_st = 70 &&
			test_grep "^$1: cannot start the HTTP server on .*: .* (out of a system resource: see ulimit -u and ulimit -v)\$" err &&
			! grep -q "cannot listen" err &&
			! grep -q "^\$" err
	fi
}

# wait_lines FILE N [SECONDS]: until FILE has at least N lines (default
# 30 s; says how many it has when the time is up).
wait_lines() {
	_end=$(($(date +%s) + ${3:-30}))
	while [ "$(cat "$1" 2>/dev/null | wc -l)" -lt "$2" ]; do
		if [ "$(date +%s)" -ge "$_end" ]; then
			echo "wait_lines: $1 has $(cat "$1" 2>/dev/null | wc -l) lines, not $2, after ${3:-30} s"
			return 1
		fi
		sleep 0.1
	done
}

# wait_until SECONDS CMD...: until CMD succeeds, tried every 0.1 s; fails
# when it has not after SECONDS.
wait_until() {
	_tries=$(($1 * 10))
	shift
	until "$@"; do
		_tries=$((_tries - 1))
		[ "$_tries" -gt 0 ] || return 1
		sleep 0.1
	done
}

# reader_gone IN CMD...: CMD gets IN's lines on its standard input, which
# then stays open (no end of input, as from a quiet topic), and its output
# goes to head -n 1, which exits after a line. Prints CMD's exit status
# (its stderr is reader_gone's): 124 when, 10 s later, CMD still waited
# for input instead of seeing that its reader went away.
reader_gone() {
	_in=$1
	shift
	rm -f rg.in rg.out rg.st rg.got && mkfifo rg.in rg.out || return 1
	(timeout 10 "$@" <rg.in >rg.out; echo $? >rg.st) &
	_rg=$!
	exec 7>rg.in
	head -n 1 <rg.out >rg.got &
	cat "$_in" >&7
	wait $_rg
	exec 7>&-
	test_line_count 1 rg.got >&2 && cat rg.st
}

# test_slow_feed IN N: the first N lines of IN, a pause past the 2 s
# between the progress lines of a program whose stderr is a file, the rest.
test_slow_feed() {
	head -n "$2" "$1" && sleep 2.6 && tail -n +"$(($2 + 1))" "$1"
}

# test_progress IN N PATTERN CMD...: --progress (progress.h) on a live
# stream, stderr a file. CMD reads IN three ways: at once; then from
# test_slow_feed IN N with --progress, and with -q --progress (those two
# side by side). The outputs are plain.out's bytes; progress.err is
# plain.err's lines and one more, the progress line, matching the ERE
# PATTERN whole; quiet.err is empty.
test_progress() {
	_in=$1 _n=$2 _pat=$3
	shift 3
	"$@" <"$_in" >plain.out 2>plain.err &&
		{ test_slow_feed "$_in" "$_n" | "$@" --progress >progress.out 2>progress.err & } &&
		_p1=$! &&
		{ test_slow_feed "$_in" "$_n" | "$@" -q --progress >quiet.out 2>quiet.err & } &&
		_p2=$! &&
		wait $_p1 && wait $_p2 &&
		test_cmp plain.out progress.out &&
		test_cmp plain.out quiet.out &&
		test_cmp /dev/null quiet.err &&
		{ grep -v -x -F -f plain.err progress.err >progress.lines || true; } &&
		test_line_count 1 progress.lines &&
		grep -x -E "$_pat" progress.lines >/dev/null &&
		grep -v -x -E "$_pat" progress.err >progress.rest &&
		test_cmp plain.err progress.rest || {
		echo "test_progress: $* --progress: stderr was:"
		cat progress.err
		return 1
	}
}

# A free TCP port on loopback (for brokers and servers a test starts).
test_free_port() {
	"$PYTHON3" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
