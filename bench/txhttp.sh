#!/bin/sh
# bench/txhttp.sh: txhttp -t against the seeds' Python web services, the
# same requests into the same broker (txbroker) in the same run:
#   - seed 004's API rebuilt (bench/anchors/seed004_fastapi.py): FastAPI,
#     pydantic, uvicorn with 2 workers, a confluent-kafka producer, 202
#     after the send is queued (not acknowledged);
#   - seed 000's Flask API rebuilt (bench/anchors/seed000_flask.py), its
#     threaded server, 201 after the send is queued;
#   - txhttp -t: 202 only after the broker acknowledged the record
#     (idempotent, acks=all).
# wrk -t2 -c64 for TX_BENCH_SECONDS (default 10) each, POSTing one JSON
# transaction per request; requests/s, p50 and p99 latency. Then NDJSON
# batches of 1,000 records (wrk -t2 -c8): records/s into Kafka.
# Prints rows and RESULT lines (bench/run-all.sh).
set -eu
: "${TX_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${TX_BUILDDIR:=$PWD}"
SECS=${TX_BENCH_SECONDS:-10}
TXHTTP=$TX_BUILDDIR/src/txhttp/txhttp
TXGEN=$TX_BUILDDIR/src/txgen/txgen
TXBROKER=$TX_BUILDDIR/src/txbroker/txbroker
PY=/usr/bin/python3 # Debian's: python3-fastapi, python3-uvicorn, python3-flask, confluent-kafka
for p in "$TXHTTP" "$TXGEN" "$TXBROKER"; do
	[ -x "$p" ] || {
		echo "bench/txhttp.sh: $p not built" >&2
		exit 1
	}
done
command -v wrk >/dev/null || {
	echo "bench/txhttp.sh: wrk missing (Debian package wrk)" >&2
	exit 1
}
"$PY" -c 'import fastapi, uvicorn, flask, confluent_kafka' 2>/dev/null || {
	echo "bench/txhttp.sh: python3-fastapi, python3-uvicorn, python3-flask or python3-confluent-kafka missing" >&2
	exit 1
}

dir=$(mktemp -d)
pids=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	"$TXBROKER" -q -k >/dev/null 2>&1 || true
	rm -rf "$dir"
}
trap cleanup EXIT
"$TXBROKER" -q -d --control "$dir/control" -t warmup:1 >"$dir/env"
. "$dir/env"
export TX_BROKERS

free_port() {
	"$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_up() {
	i=0
	until curl -s -o /dev/null "$1"; do
		i=$((i + 1))
		[ $i -lt 400 ] || {
			echo "bench/txhttp.sh: $1 does not answer" >&2
			exit 1
		}
		sleep 0.05
	done
}

# one transaction a request, over 1,000 accounts: keyed by account, every
# record of one account goes to one partition, and txbroker keeps at most
# 5 MiB a partition (then refuses every produce request: txbroker(1))
cat >"$dir/one.lua" <<'LUA'
local n = 0
request = function()
  n = n + 1
  local body = string.format('{"account":"ACC%06d","type":"payment","amount":"12.34","currency":"USD"}', n % 1000)
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end
LUA
# 1,000 accounts out of 100,000: the same batch sent again and again still
# spreads over the partitions (txbroker keeps at most 5 MiB a partition)
"$TXGEN" -q -n 1000 --seed 42 --accounts 100000 >"$dir/batch.ndjson"
cat >"$dir/batch.lua" <<LUA
wrk.method = "POST"
local f = io.open("$dir/batch.ndjson", "rb")
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/x-ndjson"
LUA

# run NAME URL SCRIPT CONNECTIONS: wrk; sets rps, p50, p99 (ms), non2xx
run() {
	wrk -t2 -c"$4" -d"${SECS}s" --latency -s "$3" "$2" >"$dir/$1.wrk" 2>&1
	rps=$(awk '/^Requests\/sec:/ {print int($2)}' "$dir/$1.wrk")
	p50=$(awk '$1 == "50%" {print $2}' "$dir/$1.wrk")
	p99=$(awk '$1 == "99%" {print $2}' "$dir/$1.wrk")
	non2xx=$(awk '/Non-2xx/ {print $NF}' "$dir/$1.wrk")
	: "${non2xx:=0}"
	# an error answered fast is not a request served
	[ "$non2xx" = 0 ] || {
		echo "bench/txhttp.sh: $1: $non2xx answers were not 2xx: no rate to report" >&2
		exit 1
	}
}
row() {
	printf '%-52s %10s req/s  p50 %9s  p99 %9s  non-2xx %s\n' "$1" "$rps" "$p50" "$p99" "$non2xx"
}
peak_kib() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo -; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

echo "txhttp: wrk -t2 -c64, ${SECS} s each, one JSON transaction per POST, into txbroker"

"$TXBROKER" -c "topic fa 128" >/dev/null
port=$(free_port)
(cd "$TX_SRCDIR/bench/anchors" && TX_TOPIC=fa exec "$PY" -m uvicorn seed004_fastapi:app \
	--host 127.0.0.1 --port "$port" --workers 2 --log-level warning --no-access-log) &
pids="$pids $!"
wait_up "http://127.0.0.1:$port/healthz"
run fastapi "http://127.0.0.1:$port/transaction" "$dir/one.lua" 64
row "FastAPI + uvicorn (2 workers), 202 after send (anchor)"
fa_rps=$rps fa_p50=$p50 fa_p99=$p99
kill $pids 2>/dev/null || true
wait 2>/dev/null || true
pids=

"$TXBROKER" -c "topic fl 128" >/dev/null
port=$(free_port)
TX_TOPIC=fl "$PY" "$TX_SRCDIR/bench/anchors/seed000_flask.py" "$port" >/dev/null 2>&1 &
pids="$pids $!"
wait_up "http://127.0.0.1:$port/healthz"
run flask "http://127.0.0.1:$port/api/transactions" "$dir/one.lua" 64
row "Flask (threaded), 201 after send (anchor)"
fl_rps=$rps
kill $pids 2>/dev/null || true
wait 2>/dev/null || true
pids=

# start_txhttp TOPIC PARTITIONS: txhttp -t TOPIC, a new topic; sets port, hp
start_txhttp() {
	"$TXBROKER" -c "topic $1 $2" >/dev/null
	port=$(free_port)
	"$TXHTTP" -q -l "127.0.0.1:$port" -t "$1" &
	hp=$!
	pids="$pids $hp"
	wait_up "http://127.0.0.1:$port/healthz"
}

start_txhttp tx 128
run txhttp "http://127.0.0.1:$port/transaction" "$dir/one.lua" 64
row "txhttp -t, 202 after the broker's ack"
tx_rps=$rps
echo "latency p50/p99: txhttp $p50 / $p99, FastAPI $fa_p50 / $fa_p99"
echo "RESULT txhttp-fastapi $tx_rps fastapi-uvicorn $fa_rps $(ratio "$tx_rps" "$fa_rps") $(peak_kib "$hp")"
echo "RESULT txhttp-flask $tx_rps flask $fl_rps $(ratio "$tx_rps" "$fl_rps") $(peak_kib "$hp")"

# the batches on a topic of their own: 10 s of them is over 600 MB, more
# than 128 partitions of 5 MiB hold
kill "$hp" 2>/dev/null || true
wait "$hp" 2>/dev/null || true
pids=
start_txhttp txb 512
run batch "http://127.0.0.1:$port/api/transactions" "$dir/batch.lua" 8
recs=$((rps * 1000))
printf '%-52s %10s records/s (%s req/s of 1,000, p50 %s, p99 %s, non-2xx %s)\n' \
	"txhttp -t, NDJSON batches of 1,000" "$recs" "$rps" "$p50" "$p99" "$non2xx"
echo "RESULT txhttp-batch $recs goal 500000 $(ratio "$recs" 500000) $(peak_kib "$hp")"
