# Benchmarks: each script appends itself to bench_scripts.
bench_scripts += bench/txlog.sh
EXTRA_DIST += bench/txlog.sh
