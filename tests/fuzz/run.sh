#!/bin/sh
# run.sh NAME SECONDS WORKDIR SRCDIR: run the libFuzzer target
# tests/fuzz/fuzz-NAME (built in the current directory) for SECONDS on
# WORKDIR (where new inputs go) and the seed corpus SRCDIR/tests/fuzz/corpus-NAME,
# with the target's dictionary. A crash or sanitizer report leaves
# tests/fuzz/crash-* and exits non-zero. Used by `make fuzz` and `make fuzz-smoke`.
set -u
name=$1 seconds=$2 work=$3 srcdir=$4
case $name in
record) quiet=0 ;; # the codec reports nothing itself
*) quiet=2 ;;      # the others print their parse errors: hidden (libFuzzer and
                   # the sanitizers still report on a copy of stderr)
esac
start=$(date +%s)
./tests/fuzz/fuzz-"$name" -max_total_time="$seconds" -max_len=4096 -rss_limit_mb=1024 \
	-close_fd_mask=$quiet -dict="$srcdir/tests/fuzz/$name.dict" \
	-artifact_prefix=tests/fuzz/ -print_final_stats=1 \
	"$work" "$srcdir/tests/fuzz/corpus-$name"
status=$?
echo "fuzz: $name: $(($(date +%s) - start)) s, exit $status" >&2
exit $status
