#!/bin/sh
# bench/run-all.sh: run every benchmark script given (make bench passes
# BENCH_SCRIPTS), then print one summary table of their result lines.
#
# Each benchmark prints human-readable rows and, for the summary, lines of
# the form
#   RESULT <name> <records/s> <anchor name> <anchor records/s> <ratio> <peak KiB>
# Environment: TX_BENCH_RECORDS (default 1000000), TX_BENCH_RUNS (default 3).
set -eu
: "${TX_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${TX_BUILDDIR:=$PWD}"
export TX_SRCDIR TX_BUILDDIR
results=$(mktemp)
trap 'rm -f "$results"' EXIT
status=0
for script in "$@"; do
	echo "== $script"
	# the Kafka clients' benchmarks also run against an Apache Kafka they
	# are given or that bench/with-kafka.sh starts for them alone
	wrap=
	case $script in bench/txpub.sh | bench/txsub.sh) wrap="sh $TX_SRCDIR/bench/with-kafka.sh" ;; esac
	if ! $wrap sh "$TX_SRCDIR/$script" | tee -a "$results"; then
		echo "bench: $script failed" >&2
		status=1
	fi
done
echo
echo "== summary (ratio = txkit / anchor, same input, same run)"
printf '%-28s %12s  %-24s %12s %8s %10s\n' benchmark "records/s" anchor "anchor r/s" ratio "peak KiB"
grep '^RESULT ' "$results" | while read -r _ name rate anchor arate ratio peak; do
	printf '%-28s %12s  %-24s %12s %7sx %10s\n' "$name" "$rate" "$anchor" "$arate" "$ratio" "$peak"
done
exit $status
