#!/bin/sh
# txtop's live display, driven under tmux on a private server: what it
# draws (counts, the bars' relative lengths, the latest alert), resizing,
# a terminal too small, end of input, q, signals, and the terminal restored
# on every way out.
. "$TX_SRCDIR/tests/lib.sh"
test_need curses

command -v tmux >/dev/null 2>&1 || test_skip_all 'tmux is not installed (Debian package tmux)'
command -v "$PYTHON3" >/dev/null 2>&1 || test_skip_all 'python3 is needed to read the screen'

# A private tmux server per session, on a socket in the scratch directory.
# (A socket path must fit in 108 bytes: a deep build tree gets one in /tmp.)
SOCKDIR=$TRASH
[ ${#SOCKDIR} -lt 80 ] || SOCKDIR=$(mktemp -d /tmp/txtop-test.XXXXXX)
export SOCKDIR
tm() { tmux -S "$SOCKDIR/tmux.$(cat "$TRASH/server")" -f /dev/null "$@"; }
echo 0 >"$TRASH/server"
test_atexit 'for s in "$SOCKDIR"/tmux.*; do [ -S "$s" ] && tmux -S "$s" kill-server; done >/dev/null 2>&1; [ -f holder.pid ] && kill $(cat holder.pid) 2>/dev/null; [ "$SOCKDIR" = "$TRASH" ] || rm -rf "$SOCKDIR"; true'

# Run a command line in a new 120x40 session; after it, the pane shows its
# exit status and waits, so the tests can see what is left on the screen.
start() {
	tm kill-server >/dev/null 2>&1 || true
	echo $(($(cat "$TRASH/server") + 1)) >"$TRASH/server"
	tm new-session -d -x 120 -y 40 \
		"trap : INT; LC_ALL=C.UTF-8; export LC_ALL; $1; echo txtop-exit=\$?; sleep 600"
}

# hold FIFO: keep FIFO open for writing in the background (holder.pid)
# until the case kills it, and return only once it is open, so that a
# writer after it can never close the last writer before it opened and
# give txtop an early end of input. The open blocks until txtop, the
# reader, has opened FIFO too.
hold() {
	sleep 300 >"$1" &
	echo $! >holder.pid
	_i=0
	while [ $_i -lt 150 ]; do
		case $(readlink "/proc/$!/fd/1" 2>/dev/null) in
		*/"$1") return 0 ;;
		esac
		sleep 0.1
		_i=$((_i + 1))
	done
	echo "the holder of $1 never opened it"
	return 1
}

# wait_for PATTERN: poll the pane (up to 15 s) until PATTERN shows on it.
wait_for() {
	_i=0
	while [ $_i -lt 150 ]; do
		tm capture-pane -p >screen
		grep -q -e "$1" screen && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	# the screen first, the reason last: a failing case shows only the
	# tail of its output
	echo "the screen:"
	cat screen
	echo "timed out waiting for '$1'"
	return 1
}

# bar LABEL: the length in eighths of a cell of the bar on LABEL's row.
bar() {
	"$PYTHON3" - "$1" <<'EOF'
import sys
label = sys.argv[1]
eighths = {"\u2588": 8, "\u2589": 7, "\u258a": 6, "\u258b": 5, "\u258c": 4, "\u258d": 3, "\u258e": 2, "\u258f": 1}
for line in open("screen", encoding="utf-8"):
    if line.startswith(" " + label + " "):
        print(sum(eighths.get(c, 0) for c in line[: len(line) // 2 + 1]))
        break
else:
    sys.exit("no row for " + label)
EOF
}

# width: the widest line on the screen, in characters.
width() {
	"$PYTHON3" -c 'print(max(len(l.rstrip("\n")) for l in open("screen", encoding="utf-8")))'
}

rec() { # rec ID TYPE AMOUNT [extra JSON members]
	printf '{"transaction_id":"%s","account":"AC%s","type":"%s","amount":%s,"ts":"2026-01-01T00:00:00.000000Z"%s}\n' \
		"$1" "$(($(echo "$1" | tr -dc 0-9) % 7))" "$2" "$3" "${4:-}"
}

: >batch1
for i in $(seq 1 30); do rec "d$i" deposit 100.00 >>batch1; done
for i in $(seq 1 10); do rec "p$i" payment 20.00 >>batch1; done
for i in $(seq 1 5); do rec "f$i" fee 1.50 >>batch1; done
rec a1 withdrawal 900.00 ',"status":"completed","alerts":["large_withdrawal"]' >>batch1
rec a2 withdrawal 950.00 ',"status":"failed","available_balance":74.17,"alerts":["low_balance"]' >>batch1
: >batch2
for i in $(seq 11 50); do rec "p$i" payment 20.00 >>batch2; done
echo 'not a record' >>batch2
cat batch1 batch2 >all

test_expect_success 'records flowing: the dashboard draws the counts' '
	mkfifo fifo &&
	mkfifo downstream &&
	start "{ cat <downstream >passed; echo done >eof-seen; } & txtop --tee <fifo >downstream" &&
	hold fifo &&
	cat batch1 >fifo &&
	wait_for "47 records" &&
	# lines are counted as they pass, the parser may draw a frame later
	# (it has a CPU budget): wait for its last figure too
	wait_for "^ withdrawal  *2 " &&
	grep -q "^ deposit  *30 " screen &&
	grep -q "^ payment  *10 " screen &&
	grep -q "^ fee  *5 " screen &&
	grep -q "^ withdrawal  *2 " screen &&
	grep -q "^ failed  *1 " screen
'

test_expect_success 'the bars are in proportion to the counts' '
	d=$(bar deposit) && p=$(bar payment) && f=$(bar fee) && t=$(bar transfer) &&
	echo "deposit $d payment $p fee $f transfer $t" &&
	test "$t" -eq 0 &&
	test "$f" -gt 0 && test "$f" -lt "$p" && test "$p" -lt "$d" &&
	# 30 : 10 : 5, within rounding to an eighth of a cell
	test $((d - 3 * p)) -le 3 && test $((3 * p - d)) -le 3 &&
	test $((d - 6 * f)) -le 6 && test $((6 * f - d)) -le 6
'

test_expect_success 'the latest alert is on top of the feed' '
	wait_for "^ alerts 1, notices 1 " &&
	grep -A1 "^ alerts 1, notices 1 " screen >feed &&
	# what fired the rule: the balance, not the amount (issue 16)
	grep -q "low_balance AC2 74.17 USD" feed
'

test_expect_success 'the records went through unchanged meanwhile' '
	cmp batch1 passed
'

test_expect_success 'more records: the counts and the longest bar follow' '
	cat batch2 >fifo &&
	wait_for "^ payment  *50 " &&
	grep -q "87 records, 1 bad" screen &&
	grep -q "last bad line: stdin:88: " screen &&
	test "$(bar payment)" -gt "$(bar deposit)"
'

test_expect_success 'resizing redraws to the new size, counts still there' '
	tm resize-window -x 100 -y 30 &&
	wait_for "[0-9]Z *$" &&
	echo "width $(width), lines $(wc -l <screen), payment bar $(bar payment)" &&
	test "$(width)" -le 100 && test "$(width)" -gt 90 &&
	test "$(wc -l <screen)" -le 30 &&
	test "$(bar payment)" -le $((20 * 8)) &&
	grep -q "^ deposit  *30 " screen
'

test_expect_success 'a terminal too small gets a message, not garbage' '
	tm resize-window -x 50 -y 12 &&
	wait_for "terminal too small" &&
	! grep -q "deposit" screen &&
	tm resize-window -x 120 -y 40 &&
	wait_for "^ deposit  *30 "
'

test_expect_success 'end of input: downstream sees it, the display stays up' '
	kill $(cat holder.pid) && rm holder.pid &&
	wait_for "end of input, q to quit" &&
	_i=0; while [ ! -f eof-seen ] && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done &&
	test -f eof-seen &&
	cmp all passed &&
	grep -q "^ payment  *50 " screen
'

test_expect_success 'q quits and restores the terminal' '
	tm send-keys q &&
	wait_for "txtop-exit=1" &&
	! grep -q "throughput" screen &&
	grep -q "^txtop: stdin:88: invalid JSON" screen &&
	test "$(tm display-message -p "#{alternate_on}")" = 0 &&
	test "$(tm display-message -p "#{cursor_flag}")" = 1
'

test_expect_success 'SIGTERM restores the terminal, exit 143' '
	start "sh -c '\''echo \$\$ >pid; exec txtop <fifo'\''" &&
	hold fifo &&
	cat batch1 >fifo &&
	wait_for "47 records" &&
	kill -TERM $(cat pid) &&
	wait_for "txtop-exit=143" &&
	! grep -q "throughput" screen &&
	test "$(tm display-message -p "#{alternate_on}")" = 0 &&
	kill $(cat holder.pid) && rm holder.pid
'

test_expect_success 'Ctrl-C restores the terminal, exit 130' '
	start "txtop <fifo" &&
	hold fifo &&
	wait_for "0 records" &&
	tm send-keys C-c &&
	wait_for "txtop-exit=130" &&
	! grep -q "throughput" screen &&
	test "$(tm display-message -p "#{alternate_on}")" = 0 &&
	kill $(cat holder.pid) && rm holder.pid
'

test_expect_success 'SIGHUP (the terminal went away) stops cleanly, exit 129' '
	start "sh -c '\''echo \$\$ >pid; exec txtop --tee <all >passed2'\''" &&
	wait_for "end of input" &&
	kill -HUP $(cat pid) &&
	wait_for "txtop-exit=129" &&
	test "$(tm display-message -p "#{alternate_on}")" = 0 &&
	cmp all passed2
'

test_expect_success '--exit-at-eof: the display closes by itself at the end' '
	start "txtop --exit-at-eof batch1" &&
	wait_for "txtop-exit=0" &&
	test "$(tm display-message -p "#{alternate_on}")" = 0
'

test_expect_success 'without a UTF-8 locale the charts are drawn in ASCII' '
	start "LC_ALL=C txtop all" &&
	wait_for "end of input" &&
	grep -q "^ deposit  *30  #####" screen &&
	! grep -q "$(printf "\342\226\210")" screen &&
	tm send-keys q &&
	wait_for "txtop-exit=1"
'

# issue 16: from 80x24 to 200x60 every panel is there, its heading whole,
# nothing wider than the terminal, and the last row is left empty.
test_expect_success 'every panel at 80x24, 120x40, 160x50 and 200x60' '
	start "cat all | txtop" &&
	for size in 80x24 120x40 160x50 200x60; do
		tm resize-window -x ${size%x*} -y ${size#*x} &&
		sleep 0.6 &&
		wait_for "end of input" &&
		tm capture-pane -p >screen &&
		echo "$size: width $(width), lines $(wc -l <screen)" &&
		test "$(width)" -le ${size%x*} &&
		test "$(wc -l <screen)" -eq ${size#*x} &&
		test -z "$(tail -n 1 screen | tr -d " ")" &&
		grep -q "^ txtop  stdin  87 records, 1 bad  \[end of input, q quits\]  *[0-9:]*Z$" screen &&
		grep -q "^ throughput records/s: " screen &&
		grep -q "^ -[0-9]*s  *one cell per second  *now$" screen &&
		grep -q "^ types  *amounts in USD, latest [0-9]* transactions$" screen &&
		grep -q "^ payment  *50 " screen &&
		grep -q "^ statuses  *top accounts by spend (debits)$" screen &&
		grep -q "^ latency  *[0-9]\. " screen &&
		grep -q "^ alerts 1, notices 1  *latest transactions$" screen &&
		grep -q "^ last bad line: stdin:88: " screen || return 1
	done &&
	tm send-keys q &&
	wait_for "txtop-exit=1"
'

# issue 16: the page and the terminal dashboard at once, the same figures
test_expect_success microhttpd 'the terminal dashboard and --http together' '
	port=$(test_free_port) &&
	start "txtop --http 127.0.0.1:$port all" &&
	wait_for "end of input" &&
	"$PYTHON3" -c "import urllib.request, sys; sys.stdout.write(urllib.request.urlopen(sys.argv[1]).read().decode())" "http://127.0.0.1:$port/dash.svg" >dash.svg &&
	grep -q "id=\"totals\" data-records=\"87\" data-lines=\"88\" data-bad=\"1\"" dash.svg &&
	grep -q "data-type=\"payment\" data-count=\"50\"" dash.svg &&
	grep -q "^ payment  *50 " screen &&
	tm send-keys q &&
	wait_for "txtop-exit=1"
'

# issue 16: "sampled ~97.9%" at 300 records/s. A slow stream gives a line
# per read; while the worker waits on a terminal slow to take a frame, those
# tiny blocks filled the ring and the rest were passed over. The terminal
# (the tmux server) is stopped for 1.5 s here while 300 records/s flow.
test_expect_success 'a slow stream is parsed whole, even while the terminal lags' '
	start "txgen --rate 300 -n 1500 --seed 4 | txtop --tee -e --svg slow.svg >/dev/null" &&
	sleep 1.5 &&
	server_pid=$(tm display-message -p "#{pid}") &&
	kill -STOP $server_pid && sleep 1.5 && kill -CONT $server_pid &&
	wait_for "txtop-exit=0" &&
	grep -o "<g id=\"totals\"[^>]*>" slow.svg >totals &&
	cat totals &&
	grep -q "data-records=\"1500\" data-lines=\"1500\" data-bad=\"0\" data-skipped=\"0\"" totals
'

# A stage upstream that writes a progress line on the terminal, as txsub
# does by default when its stderr is one.
cat >progress.sh <<'EOF'
cat all
sleep 1
printf '\rPROGRESS 12,345 records' >&2
sleep 1
printf '\rPROGRESS 23,456 records\n' >&2
sleep 600
EOF

# issue 16: the other line lands on the dashboard's last row, which txtop
# keeps empty, and each frame is drawn whole: nothing stays overwritten.
test_expect_success 'a progress line of another program never draws over the dashboard' '
	start "sh progress.sh | txtop" &&
	wait_for "^ deposit  *30 " &&
	sleep 2.5 &&
	tm capture-pane -p >screen &&
	cat screen &&
	grep -q "^ txtop  stdin  87 records" screen &&
	grep -q "^ deposit  *30 " screen &&
	grep -q "^ statuses " screen &&
	grep -q "^ alerts 1, notices 1 " screen &&
	{ ! grep -n PROGRESS screen || test "$(grep -n PROGRESS screen | cut -d: -f1)" = 40; } &&
	tm send-keys q &&
	wait_for "^txtop: stdin:88: "
'

# issue 14: record text on the live screen is cleaned as in txtop --once
# (term.h): the OSC that would set the title, C1 CSI, bidi overrides
test_expect_success 'hostile text in ids and accounts cannot drive the screen' '
	start "txtop \"$TX_SRCDIR/tests/data/term-hostile.ndjson\"" &&
	wait_for "end of input" &&
	"$PYTHON3" "$TX_SRCDIR/tests/data/term-check.py" screen &&
	grep -q "G?gnp.exe" screen &&
	! tm display-message -p "#{pane_title}" | grep -q PWNED &&
	tm send-keys q &&
	wait_for "txtop-exit=0"
'

# The title once lost "[end of input, q quits]" to a long path (a deep
# build tree's $TX_SRCDIR): the name gives way from the left instead.
test_expect_success 'a long file name gives way from the left; the state stays' '
	d=$TRASH/a-directory-name-long-enough/to-fill-the-title-of-a-120-column-terminal/and-more &&
	mkdir -p "$d" && cp "$TX_SRCDIR/tests/data/term-hostile.ndjson" "$d/long.ndjson" &&
	start "txtop \"$d/long.ndjson\"" &&
	wait_for "end of input" &&
	head -n 1 screen | grep -q "^ txtop  …[^ ]*/and-more/long.ndjson  10 records  \[end of input, q quits\]  *[0-9:]*Z$" &&
	tm send-keys q &&
	wait_for "txtop-exit=0"
'

test_expect_success 'records from the terminal itself are refused, exit 2' '
	start "txtop" &&
	wait_for "txtop-exit=2" &&
	grep -q "^txtop: standard input is a terminal" screen &&
	start "txtop --tee <all" &&
	wait_for "txtop-exit=2" &&
	grep -q "^txtop: --tee: standard output is a terminal" screen
'

# test_done removes the scratch directory, sockets included, before the
# exit trap runs: stop the last server now.
tm kill-server >/dev/null 2>&1 || true
test_done
