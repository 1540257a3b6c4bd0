# txlog: records in, lines people read out.
bin_PROGRAMS += src/txlog/txlog
src_txlog_txlog_SOURCES = src/txlog/txlog.c
src_txlog_txlog_LDADD = src/lib/libtxmain.a $(LDADD)
EXTRA_DIST += tests/data/t4000-in.ndjson tests/data/t4000-default.out
