# Benchmarks: each script appends itself to bench_scripts.
