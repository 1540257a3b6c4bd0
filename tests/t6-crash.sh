# tests/t6-crash.sh: the crash driver of the t6xxx end-to-end tests, sourced
# after tests/lib.sh (and tests/kafka.sh, tests/pg.sh as needed).
#
#   crash_resume DSN [TXSUB-OPTIONS...]
#       the documented restart command of tx(7), once, in the background
#       (stages txsub | txbal | txstore joined by FIFOs so that each has a
#       process id): $crash_sub, $crash_bal, $crash_store; with
#       crash_pace=N, txsub's output held to N records/s
#   crash_run DSN KILLS [TXSUB-OPTIONS...]
#       run crash_resume, kill -9 one random stage at a random moment (up
#       to $CRASH_MAX_MS, default 700 ms, after the start), wait
#       for the rest of the pipeline to stop, restart, until KILLS kills
#       have hit a live stage; then run it once more to the end. With
#       CRASH_PACE=N, txsub's output is held to N records/s in the killed
#       runs (not in the last one): the stream must outlast KILLS runs
#       however fast the programs are, or the kills land after its end.
#   crash_dump DSN PREFIX (DSN: sqlite:PATH, or dbname=NAME on tests/pg.sh's server)
#       PREFIX.rows: the transactions table ordered by id, without the
#       columns that hold the time of storing; PREFIX.bal: the balances
#   crash_rand N: a pseudo-random number below N from $TX_CRASH_SEED and
#       $crash_counter (the caller counts) (replay a failure with TX_CRASH_SEED=the printed seed)
#
# The topic is "transactions" unless CRASH_TOPIC says otherwise; txbal runs
# with $CRASH_TXBAL_OPTS (default --no-alert velocity: the velocity rule's
# windows are not part of the stored state, see txbal(1)).

: "${TX_CRASH_SEED:=$(awk 'BEGIN { srand(); print int(rand() * 1000000) }')}"
: "${CRASH_TOPIC:=transactions}"
: "${CRASH_TXBAL_OPTS:=--no-alert velocity}"
# txstore's own options (TX_CRASH_TXSTORE_OPTS=--async-commit runs the
# PostgreSQL suite with asynchronous commit)
: "${TX_CRASH_TXSTORE_OPTS:=}"
crash_counter=0
say "TX_CRASH_SEED=$TX_CRASH_SEED (set it to replay this run)"

crash_rand() {
	awk -v s="$TX_CRASH_SEED" -v c="$crash_counter" -v n="$1" \
		'BEGIN { srand(s); for (i = 0; i <= c; i++) r = rand(); print int(r * n) }'
}

# The restart command of tx(7), with the stages' process ids kept.
crash_resume() {
	_dsn=$1
	shift
	rm -f crash.f1 crash.f2 && mkfifo crash.f1 crash.f2 || return 1
	txstore state "$_dsn" >state.ndjson &&
		txstore offsets "$_dsn" >offsets.ndjson || return 1
	_to=crash.f1
	if [ -n "${crash_pace:-}" ]; then
		rm -f crash.f0 && mkfifo crash.f0 || return 1
		crash_pacer "$crash_pace" <crash.f0 >crash.f1 &
		crash_pacer_pid=$!
		_to=crash.f0
	fi
	# shellcheck disable=SC2086
	txsub -q -t "$CRASH_TOPIC" -o beginning -e --offsets offsets.ndjson "$@" >"$_to" \
		2>>crash.err &
	crash_sub=$!
	# shellcheck disable=SC2086
	txbal -q $CRASH_TXBAL_OPTS --init state.ndjson <crash.f1 >crash.f2 2>>crash.err &
	crash_bal=$!
	# shellcheck disable=SC2086
	txstore -q $TX_CRASH_TXSTORE_OPTS "$_dsn" <crash.f2 2>>crash.err &
	crash_store=$!
}

# crash_pacer RATE: copy lines from stdin to stdout at most RATE a second
# (a pipe reader gone is the end, as for the stages)
crash_pacer() {
	"${PYTHON3:-python3}" -c '
import sys, time
rate = float(sys.argv[1])
out = sys.stdout.buffer
start, n = time.monotonic(), 0
try:
    for line in sys.stdin.buffer:
        out.write(line)
        n += 1
        if n % 20 == 0:
            out.flush()
            late = start + n / rate - time.monotonic()
            if late > 0:
                time.sleep(late)
    out.flush()
except BrokenPipeError:
    sys.stderr.close()
' "$1"
}

# crash_wait: wait for the three stages; $crash_rcs their exit statuses
crash_wait() {
	wait "$crash_sub"
	_a=$?
	wait "$crash_bal"
	_b=$?
	wait "$crash_store"
	crash_rcs="$_a $_b $?"
	if [ -n "${crash_pacer_pid:-}" ]; then
		wait "$crash_pacer_pid" || :
		crash_pacer_pid=
	fi
}

crash_run() {
	_dsn=$1
	_kills=$2
	shift 2
	crash_hits=0
	crash_misses=0
	# each database its own sequence of kill points
	crash_counter=$(printf %s "$_dsn" | cksum | cut -c1-3)
	crash_restarts=0
	crash_by_stage="txsub:0 txbal:0 txstore:0"
	_ks=0 _kb=0 _kt=0
	while [ "$crash_hits" -lt "$_kills" ]; do
		crash_pace=${CRASH_PACE:-}
		crash_resume "$_dsn" "$@" || return 1
		crash_pace=
		crash_restarts=$((crash_restarts + 1))
		# at a random moment 30 ms to CRASH_MAX_MS after the start
		crash_counter=$((crash_counter + 1))
		_ms=$((30 + $(crash_rand $((${CRASH_MAX_MS:-700} - 30)))))
		crash_counter=$((crash_counter + 1))
		_stage=$(crash_rand 3)
		sleep "$(awk -v m="$_ms" 'BEGIN { printf "%.3f", m / 1000 }')"
		case $_stage in
		0) _pid=$crash_sub ;;
		1) _pid=$crash_bal ;;
		*) _pid=$crash_store ;;
		esac
		if kill -KILL "$_pid" 2>/dev/null; then
			crash_hits=$((crash_hits + 1))
			case $_stage in 0) _ks=$((_ks + 1)) ;; 1) _kb=$((_kb + 1)) ;; *) _kt=$((_kt + 1)) ;; esac
		else
			crash_misses=$((crash_misses + 1))
		fi
		crash_wait
		echo "restart $crash_restarts: kill stage $_stage after $_ms ms: exit $crash_rcs" \
			>>crash.log
		# a run that reached the end with nothing left to do ends the loop
		if [ "$crash_misses" -gt 3 ] && [ "$crash_hits" -lt "$_kills" ]; then
			echo "the stream ended after $crash_hits kills" >>crash.log
			break
		fi
	done
	crash_by_stage="txsub:$_ks txbal:$_kb txstore:$_kt"
	# then to the end, undisturbed
	crash_resume "$_dsn" "$@" || return 1
	crash_restarts=$((crash_restarts + 1))
	crash_wait
	echo "final run: exit $crash_rcs" >>crash.log
	[ "$crash_rcs" = "0 0 0" ] || [ "$crash_rcs" = "0 1 0" ]
}

# crash_report: print (as TAP comments) and forget what the cases wrote to
# crash.stats, from the top level (a case's own output is only shown when
# it fails)
crash_report() {
	[ -f crash.stats ] && sed 's/^/# /' crash.stats | head -n 60 && rm -f crash.stats
	return 0
}

crash_dump() {
	# With CRASH_ANY_ORDER=1, leave out what txbal writes from its running
	# state into each record (new_balance, available_balance, tx_count,
	# counterparty_balance, alerts): across partitions they depend on how
	# txsub interleaves them (txbal(1), Ordering), in a clean run as well.
	# With CRASH_NO_SOURCE=1 the Kafka position is left out too (a topic
	# holding duplicates has other offsets than one without), and with it
	# dropped_from, the offset txbal notes of what it dropped (tx-record(5)).
	# record may be json (txstore(1), Schema): ::jsonb for its operators.
	if [ -n "${CRASH_NO_SOURCE:-}" ]; then
		_sq="json_remove(record, '$.source', '$.dropped_from'), alerts"
		_pq="record::jsonb - 'source' - 'dropped_from', alerts"
		_src=""
	elif [ -n "${CRASH_ANY_ORDER:-}" ]; then
		_sq="json_remove(record, '$.new_balance', '$.available_balance', '$.tx_count',
			'$.counterparty_balance', '$.alerts'), NULL"
		_pq="record::jsonb - 'new_balance' - 'available_balance' - 'tx_count'
			- 'counterparty_balance' - 'alerts', NULL"
	else
		_sq="record, alerts"
		_pq="record, alerts"
	fi
	[ -n "${CRASH_NO_SOURCE:-}" ] || _src=", source_topic, source_partition, source_offset, source_ts"
	case $1 in
	dbname=*)
		pg_psql -d "${1#dbname=}" -c "
			SELECT transaction_id, account, type, amount, currency, ts, status,
			       reason, counterparty, $_pq, deleted_at IS NULL $_src
			FROM transactions ORDER BY transaction_id COLLATE \"C\"" >"$2.rows" &&
			pg_psql -d "${1#dbname=}" -c "
			SELECT account, currency, balance, available_balance, tx_count
			FROM balances ORDER BY account COLLATE \"C\", currency" >"$2.bal"
		;;
	*)
		sqlite3 "${1#sqlite:}" "
			SELECT transaction_id, account, type, amount, amount_minor, currency, ts,
			       status, reason, counterparty, $_sq, deleted_at IS NULL $_src
			FROM transactions ORDER BY transaction_id" >"$2.rows" &&
			sqlite3 "${1#sqlite:}" "
			SELECT account, currency, balance, balance_minor, available_balance,
			       available_minor, tx_count
			FROM balances ORDER BY account, currency" >"$2.bal"
		;;
	esac
}

# crash_case NAME CLEAN-DSN CRASH-DSN: a clean run of $CRASH_TOPIC into
# CLEAN-DSN, then crash_run into CRASH-DSN, compared (files NAME-*); what
# it found goes to crash.stats
crash_case() {
	start=$(date +%s) &&
	crash_resume "$2" && crash_wait &&
	case $crash_rcs in "0 0 0" | "0 1 0") ;; *) echo "clean run: $crash_rcs"; false ;; esac &&
	crash_dump "$2" "$1-clean" &&
	test "$(wc -l <"$1-clean.rows")" -gt 1000 &&
	echo "$1: clean run: $(wc -l <"$1-clean.rows") rows, $(wc -l <"$1-clean.bal") balances in $(($(date +%s) - start)) s" &&
	start=$(date +%s) &&
	crash_run "$3" $TX_CRASH_KILLS &&
	echo "$1: $crash_hits kills ($crash_by_stage), $crash_misses missed, $crash_restarts runs in $(($(date +%s) - start)) s" &&
	test "$crash_hits" -ge $TX_CRASH_KILLS &&
	crash_dump "$3" "$1-crash" &&
	test_cmp "$1-clean.rows" "$1-crash.rows" &&
	test_cmp "$1-clean.bal" "$1-crash.bal" &&
	echo "$1: compared $(wc -l <"$1-crash.rows") rows and $(wc -l <"$1-crash.bal") balances: equal"
} >>crash.stats
