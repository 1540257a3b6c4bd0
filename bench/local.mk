# Benchmarks: each script appends itself to bench_scripts.
# bench/with-kafka.sh: an Apache Kafka for bench/txpub.sh and bench/txsub.sh (run-all.sh)
EXTRA_DIST += bench/with-kafka.sh
bench_scripts += bench/txlog.sh
EXTRA_DIST += bench/txlog.sh

# bench/codec.sh: the record codec.
bench_scripts += bench/codec.sh
EXTRA_DIST += bench/codec.sh
noinst_PROGRAMS += bench/codec-bench
bench_codec_bench_SOURCES = bench/codec-bench.c
bench_codec_bench_CPPFLAGS = $(AM_CPPFLAGS) $(JANSSON_CFLAGS)
bench_codec_bench_LDADD = src/lib/libtxmain.a $(LDADD)
# (end of bench/codec.sh)

# bench/txtop.sh: txtop --tee against cat.
bench_scripts += bench/txtop.sh
EXTRA_DIST += bench/txtop.sh

# bench/txgen.sh: txgen against seedgen.py.
bench_scripts += bench/txgen.sh
EXTRA_DIST += bench/txgen.sh

# bench/txbal.sh: txbal against seedbal.py and jq, and bytes per account.
bench_scripts += bench/txbal.sh
EXTRA_DIST += bench/txbal.sh

# bench/pipeline.sh, bench/latency.sh, bench/scaling.sh: the whole pipeline
# against the seeds' Python way, end-to-end latency, scaling; bench/report.sh
# regenerates BENCHMARKS from a full make bench.
bench_scripts += bench/pipeline.sh bench/latency.sh bench/scaling.sh
EXTRA_DIST += bench/pipeline.sh bench/latency.sh bench/scaling.sh bench/report.sh \
	bench/anchors/seed-pipeline.py

# bench/txpub.sh, bench/txsub.sh: against kcat -P / kcat -C, sharing bench/kafka-lib.sh.
bench_scripts += bench/txpub.sh bench/txsub.sh
EXTRA_DIST += bench/txpub.sh bench/txsub.sh bench/kafka-lib.sh
bench_scripts += bench/txstore.sh
EXTRA_DIST += bench/txstore.sh

# bench/txmap.sh: txmap against jq doing the same mapping (bench/txmap.jq).
bench_scripts += bench/txmap.sh
EXTRA_DIST += bench/txmap.sh bench/txmap.jq
# bench/txhttp.sh: txhttp -t against seed 004's FastAPI service and seed
# 000's Flask API, rebuilt in bench/anchors.
bench_scripts += bench/txhttp.sh
EXTRA_DIST += bench/txhttp.sh bench/anchors/seed004_fastapi.py bench/anchors/seed000_flask.py
