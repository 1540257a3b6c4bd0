# libtx.a: everything shared and testable (parsers, codecs, the ledger).
noinst_LIBRARIES += src/lib/libtx.a
EXTRA_DIST += src/lib/README
src_lib_libtx_a_SOURCES = \
	src/lib/tx.h src/lib/util.c \
	src/lib/buf.h src/lib/buf.c \
	src/lib/lines.h src/lib/lines.c \
	src/lib/term.h src/lib/term.c \
	src/lib/out.h src/lib/out.c \
	src/lib/money.h src/lib/money.c \
	src/lib/timefmt.h src/lib/timefmt.c \
	src/lib/record.h src/lib/record_impl.h src/lib/record.c src/lib/record_write.c \
	src/lib/json.h src/lib/json.c \
	src/lib/fastpath.h src/lib/fastpath.c
# main() lives in its own object so unit tests can link libtx without it.
noinst_LIBRARIES += src/lib/libtxmain.a
src_lib_libtxmain_a_SOURCES = src/lib/common-main.c
# --help's option lists, from the man pages' OPTIONS (tx_help() in tx.h),
# included by common-main.c: generated, so neither shipped nor formatted.
BUILT_SOURCES = src/lib/help.inc
CLEANFILES += src/lib/help.inc
EXTRA_DIST += man/help.py
src/lib/help.inc: $(dist_man_MANS) man/help.py
	$(AM_V_GEN)$(MKDIR_P) src/lib && \
	(cd $(srcdir) && $(PYTHON3) man/help.py $(dist_man_MANS)) >$@.tmp && mv $@.tmp $@

# C unit tests print TAP (tests/unit.h).
EXTRA_DIST += tests/unit.h
check_PROGRAMS += tests/unit-money tests/unit-lines tests/unit-term
tests_unit_money_SOURCES = tests/unit-money.c
tests_unit_lines_SOURCES = tests/unit-lines.c
tests_unit_term_SOURCES = tests/unit-term.c
TESTS += tests/unit-money tests/unit-lines tests/unit-term
tests_unit_money_LDADD = src/lib/libtxmain.a $(LDADD)
tests_unit_lines_LDADD = src/lib/libtxmain.a $(LDADD)
tests_unit_term_LDADD = src/lib/libtxmain.a $(LDADD)

# util.c: growth, diagnostics, rejects (the policy every program shares).
check_PROGRAMS += tests/unit-util
tests_unit_util_SOURCES = tests/unit-util.c
tests_unit_util_LDADD = src/lib/libtxmain.a $(LDADD)
TESTS += tests/unit-util

# The record codec (record.c, json.c): unit tests.
check_PROGRAMS += tests/unit-record
tests_unit_record_SOURCES = tests/unit-record.c
tests_unit_record_LDADD = src/lib/libtxmain.a $(LDADD)
TESTS += tests/unit-record
# Differential test against jansson, the reference parser.
check_PROGRAMS += tests/unit-json-diff
tests_unit_json_diff_SOURCES = tests/unit-json-diff.c
tests_unit_json_diff_CPPFLAGS = $(AM_CPPFLAGS) $(JANSSON_CFLAGS)
tests_unit_json_diff_LDADD = src/lib/libtxmain.a $(LDADD)
TESTS += tests/unit-json-diff
# The timestamp fast path against the reference parser (fastpath.h).
check_PROGRAMS += tests/unit-time
tests_unit_time_SOURCES = tests/unit-time.c
tests_unit_time_LDADD = src/lib/libtxmain.a $(LDADD)
TESTS += tests/unit-time
include $(srcdir)/tests/fuzz/local.mk
# txlog's formatter and template engine (logfmt.h), with its unit test.
src_lib_libtx_a_SOURCES += src/lib/logfmt.h src/lib/logfmt.c
check_PROGRAMS += tests/unit-logfmt
tests_unit_logfmt_SOURCES = tests/unit-logfmt.c
tests_unit_logfmt_LDADD = src/lib/libtxmain.a $(LDADD)
TESTS += tests/unit-logfmt
# txgen's model and PaySim rows.
src_lib_libtx_a_SOURCES += src/lib/rng.h src/lib/rng.c src/lib/gen.h src/lib/gen.c \
	src/lib/paysim.h src/lib/paysim.c

# Kafka options and configuration shared by txpub and txsub (kafka.h), and
# the progress line and signal flag (progress.h). libtxkafka.a is separate
# so that only programs that talk to Kafka compile and link librdkafka.
src_lib_libtx_a_SOURCES += src/lib/progress.h src/lib/progress.c
if HAVE_RDKAFKA
noinst_LIBRARIES += src/lib/libtxkafka.a
check_PROGRAMS += tests/unit-kafka
TESTS += tests/unit-kafka
endif
src_lib_libtxkafka_a_SOURCES = src/lib/kafka.h src/lib/kafka.c src/lib/producer.c
src_lib_libtxkafka_a_CPPFLAGS = $(AM_CPPFLAGS) $(RDKAFKA_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_kafka_SOURCES = tests/unit-kafka.c
tests_unit_kafka_CPPFLAGS = $(AM_CPPFLAGS) $(RDKAFKA_CFLAGS)
tests_unit_kafka_LDADD = src/lib/libtxmain.a src/lib/libtxkafka.a $(LDADD) $(RDKAFKA_LIBS)
# txstore's sink (store.h): the SQLite and PostgreSQL backends, in a library
# of their own so only txstore compiles and links against sqlite3 and libpq.
noinst_LIBRARIES += src/lib/libtxstore.a
src_lib_libtxstore_a_SOURCES = src/lib/store.h src/lib/store_impl.h src/lib/store.c \
	src/lib/store_report.c src/lib/store_sqlite.c src/lib/store_state.h src/lib/store_state.c
if HAVE_LIBPQ
src_lib_libtxstore_a_SOURCES += src/lib/store_pg.c
endif
src_lib_libtxstore_a_CPPFLAGS = $(AM_CPPFLAGS) $(SQLITE_CFLAGS) $(LIBPQ_CFLAGS)

# txbal's ledger (accounts, reservations, dedup set), the string hash map,
# alert rules and windowed aggregates, with their unit test.
src_lib_libtx_a_SOURCES += src/lib/hashmap.h src/lib/hashmap.c \
	src/lib/ledger.h src/lib/ledger.c \
	src/lib/alerts.h src/lib/alerts.c \
	src/lib/aggregate.h src/lib/aggregate.c
check_PROGRAMS += tests/unit-ledger
tests_unit_ledger_SOURCES = tests/unit-ledger.c
tests_unit_ledger_LDADD = src/lib/libtxmain.a $(LDADD)
TESTS += tests/unit-ledger
# txtop: stream statistics and text charts (unit-tested in tests/unit-stats).
src_lib_libtx_a_SOURCES += src/lib/stats.h src/lib/stats.c src/lib/chart.h src/lib/chart.c \
	src/lib/svg.h src/lib/svg.c
check_PROGRAMS += tests/unit-stats
tests_unit_stats_SOURCES = tests/unit-stats.c
tests_unit_stats_LDADD = src/lib/libtxmain.a $(LDADD)
TESTS += tests/unit-stats

# txmap's engine: the foreign-record readers and the mapping (unit-map, txmap(1)).
src_lib_libtx_a_SOURCES += src/lib/instream.h src/lib/instream.c src/lib/map.h src/lib/map.c
# HTTP servers' shared rules (http.h): listen addresses, bearer tokens.
src_lib_libtx_a_SOURCES += src/lib/http.h src/lib/http.c
# txhttp's request bodies into records (httpbody.h), apart from the server
src_lib_libtx_a_SOURCES += src/lib/httpbody.h src/lib/httpbody.c
check_PROGRAMS += tests/unit-httpbody
tests_unit_httpbody_SOURCES = tests/unit-httpbody.c
tests_unit_httpbody_LDADD = src/lib/libtxmain.a $(LDADD)
TESTS += tests/unit-httpbody
check_PROGRAMS += tests/unit-http
tests_unit_http_SOURCES = tests/unit-http.c
tests_unit_http_LDADD = src/lib/libtxmain.a $(LDADD)
TESTS += tests/unit-http
