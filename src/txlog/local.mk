# txlog: records in, lines people read out.
bin_PROGRAMS += src/txlog/txlog
src_txlog_txlog_SOURCES = src/txlog/txlog.c
src_txlog_txlog_LDADD = src/lib/libtxmain.a $(LDADD)
txlog_tests = tests/t4000-txlog.sh tests/t4001-txlog-format.sh tests/t4002-txlog-tee.sh \
	tests/t4003-txlog-out.sh tests/t4004-txlog-syslog.sh tests/t4005-txlog-pipeline.sh \
	tests/t4006-txlog-kafka.sh
TESTS += $(txlog_tests)
EXTRA_DIST += $(txlog_tests) tests/data/t4000-in.ndjson tests/data/t4000-default.out
