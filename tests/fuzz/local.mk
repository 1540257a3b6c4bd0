# libFuzzer targets, one per parser (included from src/lib/local.mk). Each
# is built by clang straight from the library sources it needs, on demand
# only: never by `make all` or `make check`.
#   fuzz-record     NDJSON records (record.c, json.c), also against jansson
#   fuzz-paysim     PaySim CSV rows (paysim.c, txgen --paysim)
#   fuzz-kafkaconf  Kafka config files (kafka.c, txpub/txsub -F)
#   fuzz-offsets    the offsets file (kafka.c, txsub --offsets)
#   fuzz-balances   the balances file (ledger.c, txbal --init and --state)
#   fuzz-jstream    txmap's JSON value stream (instream.c, map.c)
#   fuzz-csv        txmap's CSV reader (instream.c, map.c)
#   fuzz-httpbody   txhttp's request bodies, JSON and NDJSON (httpbody.c)
# Each has a committed seed corpus, tests/fuzz/corpus-NAME; make check
# replays every seed and regression input (tests/t9001-fuzz-replay.sh).
#   make fuzz          FUZZ_SECONDS (default 600) of fuzzing per target; new
#                      inputs are kept in tests/fuzz/corpus-NAME.work in the
#                      build tree, crashes in tests/fuzz/crash-*
#   make fuzz-smoke    about a minute in all (CI): the seeds, then
#                      FUZZ_SMOKE_SECONDS (record) or FUZZ_SMOKE_SECONDS_SMALL
#                      (the others) of fuzzing each
#   make fuzz FUZZ_TARGETS=paysim   one target only
FUZZ_SECONDS = 600
FUZZ_SMOKE_SECONDS = 20
FUZZ_SMOKE_SECONDS_SMALL = 8
FUZZ_TARGETS = record paysim balances jstream csv httpbody
if HAVE_RDKAFKA
FUZZ_TARGETS += kafkaconf offsets
endif
FUZZ_CFLAGS = -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined -std=gnu11 -Wall -Wextra -Wno-unused-parameter
# util.c's messages erase a progress line first (progress.h)
fuzz_base_sources = src/lib/json.c src/lib/money.c src/lib/timefmt.c src/lib/buf.c src/lib/util.c \
	src/lib/fastpath.c src/lib/progress.c
fuzz_base_headers = src/lib/json.h src/lib/money.h src/lib/timefmt.h src/lib/buf.h src/lib/tx.h \
	src/lib/fastpath.h src/lib/progress.h
# the record codec: its parser and its writer
fuzz_codec_sources = src/lib/record.c src/lib/record_write.c
fuzz_codec_headers = src/lib/record.h src/lib/record_impl.h
fuzz_record_sources = tests/fuzz/fuzz-record.c $(fuzz_codec_sources) $(fuzz_base_sources)
fuzz_record_deps = $(fuzz_record_sources) $(fuzz_codec_headers) $(fuzz_base_headers)
fuzz_paysim_sources = tests/fuzz/fuzz-paysim.c src/lib/paysim.c $(fuzz_codec_sources) \
	$(fuzz_base_sources)
fuzz_paysim_deps = $(fuzz_paysim_sources) src/lib/paysim.h $(fuzz_codec_headers) \
	$(fuzz_base_headers)
fuzz_kafkaconf_sources = tests/fuzz/fuzz-kafkaconf.c src/lib/kafka.c src/lib/lines.c \
	$(fuzz_base_sources)
fuzz_kafkaconf_deps = $(fuzz_kafkaconf_sources) tests/fuzz/memfile.h src/lib/kafka.h \
	src/lib/lines.h $(fuzz_base_headers)
fuzz_offsets_sources = tests/fuzz/fuzz-offsets.c src/lib/kafka.c src/lib/lines.c \
	$(fuzz_base_sources)
fuzz_offsets_deps = $(fuzz_offsets_sources) tests/fuzz/memfile.h src/lib/kafka.h \
	src/lib/lines.h $(fuzz_base_headers)
fuzz_balances_sources = tests/fuzz/fuzz-balances.c src/lib/ledger.c src/lib/hashmap.c \
	src/lib/lines.c $(fuzz_codec_sources) $(fuzz_base_sources)
fuzz_balances_deps = $(fuzz_balances_sources) tests/fuzz/memfile.h src/lib/ledger.h \
	src/lib/hashmap.h src/lib/lines.h $(fuzz_codec_headers) $(fuzz_base_headers)
# txmap's readers, each object through its mapper (tests/fuzz/instream-fuzz.h)
fuzz_instream_sources = src/lib/instream.c src/lib/map.c $(fuzz_codec_sources) \
	$(fuzz_base_sources)
fuzz_instream_deps = $(fuzz_instream_sources) tests/fuzz/instream-fuzz.h tests/fuzz/memfile.h \
	src/lib/instream.h src/lib/map.h $(fuzz_codec_headers) $(fuzz_base_headers)
fuzz_jstream_sources = tests/fuzz/fuzz-jstream.c $(fuzz_instream_sources)
fuzz_jstream_deps = tests/fuzz/fuzz-jstream.c $(fuzz_instream_deps)
fuzz_csv_sources = tests/fuzz/fuzz-csv.c $(fuzz_instream_sources)
fuzz_csv_deps = tests/fuzz/fuzz-csv.c $(fuzz_instream_deps)
# txhttp's request bodies: no server, the decoder alone
fuzz_httpbody_sources = tests/fuzz/fuzz-httpbody.c src/lib/httpbody.c $(fuzz_codec_sources) \
	$(fuzz_base_sources)
fuzz_httpbody_deps = $(fuzz_httpbody_sources) src/lib/httpbody.h $(fuzz_codec_headers) \
	$(fuzz_base_headers)
EXTRA_DIST += tests/fuzz/fuzz-httpbody.c tests/fuzz/httpbody.dict tests/fuzz/corpus-httpbody
EXTRA_DIST += tests/fuzz/instream-fuzz.h tests/fuzz/fuzz-jstream.c tests/fuzz/jstream.dict \
	tests/fuzz/corpus-jstream tests/fuzz/regress-jstream tests/fuzz/fuzz-csv.c tests/fuzz/csv.dict \
	tests/fuzz/corpus-csv
EXTRA_DIST += tests/fuzz/local.mk tests/fuzz/run.sh tests/fuzz/memfile.h \
	tests/fuzz/fuzz-record.c tests/fuzz/record.dict tests/fuzz/corpus-record \
	tests/fuzz/fuzz-paysim.c tests/fuzz/paysim.dict tests/fuzz/corpus-paysim \
	tests/fuzz/fuzz-kafkaconf.c tests/fuzz/kafkaconf.dict tests/fuzz/corpus-kafkaconf \
	tests/fuzz/fuzz-offsets.c tests/fuzz/offsets.dict tests/fuzz/corpus-offsets \
	tests/fuzz/fuzz-balances.c tests/fuzz/balances.dict tests/fuzz/corpus-balances
CLEANFILES += $(FUZZ_TARGETS:%=tests/fuzz/fuzz-%)

FUZZ_LINK = \
	if test -z "$(CLANG)"; then \
	  echo "fuzz: clang not found: install the Debian packages clang and libclang-rt-14-dev" >&2; \
	  exit 1; fi; \
	$(MKDIR_P) tests/fuzz && \
	$(CLANG) $(FUZZ_CFLAGS) -I$(top_srcdir)/src/lib -I$(top_builddir) $(JANSSON_CFLAGS)
tests/fuzz/fuzz-record: $(fuzz_record_deps:%=$(top_srcdir)/%)
	$(AM_V_CCLD)$(FUZZ_LINK) -o $@ $(fuzz_record_sources:%=$(top_srcdir)/%) $(JANSSON_LIBS)
tests/fuzz/fuzz-paysim: $(fuzz_paysim_deps:%=$(top_srcdir)/%)
	$(AM_V_CCLD)$(FUZZ_LINK) -o $@ $(fuzz_paysim_sources:%=$(top_srcdir)/%)
tests/fuzz/fuzz-kafkaconf: $(fuzz_kafkaconf_deps:%=$(top_srcdir)/%)
	$(AM_V_CCLD)$(FUZZ_LINK) $(RDKAFKA_CFLAGS) -o $@ \
	  $(fuzz_kafkaconf_sources:%=$(top_srcdir)/%) $(RDKAFKA_LIBS) $(JANSSON_LIBS)
tests/fuzz/fuzz-offsets: $(fuzz_offsets_deps:%=$(top_srcdir)/%)
	$(AM_V_CCLD)$(FUZZ_LINK) $(RDKAFKA_CFLAGS) -o $@ \
	  $(fuzz_offsets_sources:%=$(top_srcdir)/%) $(RDKAFKA_LIBS) $(JANSSON_LIBS)
tests/fuzz/fuzz-balances: $(fuzz_balances_deps:%=$(top_srcdir)/%)
	$(AM_V_CCLD)$(FUZZ_LINK) -o $@ $(fuzz_balances_sources:%=$(top_srcdir)/%)

tests/fuzz/fuzz-jstream: $(fuzz_jstream_deps:%=$(top_srcdir)/%)
	$(AM_V_CCLD)$(FUZZ_LINK) -o $@ $(fuzz_jstream_sources:%=$(top_srcdir)/%)
tests/fuzz/fuzz-csv: $(fuzz_csv_deps:%=$(top_srcdir)/%)
	$(AM_V_CCLD)$(FUZZ_LINK) -o $@ $(fuzz_csv_sources:%=$(top_srcdir)/%)
tests/fuzz/fuzz-httpbody: $(fuzz_httpbody_deps:%=$(top_srcdir)/%)
	$(AM_V_CCLD)$(FUZZ_LINK) -o $@ $(fuzz_httpbody_sources:%=$(top_srcdir)/%) -pthread

# tests/fuzz/run.sh holds the libFuzzer options of each target.
fuzz: $(FUZZ_TARGETS:%=tests/fuzz/fuzz-%)
	@for t in $(FUZZ_TARGETS); do \
	  $(MKDIR_P) tests/fuzz/corpus-$$t.work && \
	  $(SHELL) $(top_srcdir)/tests/fuzz/run.sh $$t $(FUZZ_SECONDS) \
	    tests/fuzz/corpus-$$t.work $(top_srcdir) || exit 1; \
	done

fuzz-smoke: $(FUZZ_TARGETS:%=tests/fuzz/fuzz-%)
	@work=`mktemp -d` && status=0 && \
	for t in $(FUZZ_TARGETS); do \
	  if test $$t = record; then s=$(FUZZ_SMOKE_SECONDS); else s=$(FUZZ_SMOKE_SECONDS_SMALL); fi; \
	  mkdir "$$work/$$t" && \
	  $(SHELL) $(top_srcdir)/tests/fuzz/run.sh $$t $$s "$$work/$$t" $(top_srcdir) || \
	    { status=1; break; }; \
	done; rm -rf "$$work"; exit $$status

.PHONY: fuzz fuzz-smoke

# The same targets built by the ordinary compiler with replay.c's main(),
# for make check (tests/t9001-fuzz-replay.sh): every seed, and every input
# that once crashed a target (tests/fuzz/regress-NAME/), is replayed, under
# the sanitizers too in an --enable-asan --enable-ubsan build.
check_PROGRAMS += tests/fuzz/fuzz-replay-record tests/fuzz/fuzz-replay-paysim \
	tests/fuzz/fuzz-replay-balances
if HAVE_RDKAFKA
check_PROGRAMS += tests/fuzz/fuzz-replay-kafkaconf tests/fuzz/fuzz-replay-offsets
endif
tests_fuzz_fuzz_replay_record_SOURCES = tests/fuzz/fuzz-record.c tests/fuzz/replay.c
tests_fuzz_fuzz_replay_record_CPPFLAGS = $(AM_CPPFLAGS) $(JANSSON_CFLAGS)
tests_fuzz_fuzz_replay_record_LDADD = $(LDADD)
tests_fuzz_fuzz_replay_paysim_SOURCES = tests/fuzz/fuzz-paysim.c tests/fuzz/replay.c
tests_fuzz_fuzz_replay_paysim_LDADD = $(LDADD)
tests_fuzz_fuzz_replay_kafkaconf_SOURCES = tests/fuzz/fuzz-kafkaconf.c tests/fuzz/replay.c \
	tests/fuzz/memfile.h
tests_fuzz_fuzz_replay_kafkaconf_CPPFLAGS = $(AM_CPPFLAGS) $(RDKAFKA_CFLAGS)
tests_fuzz_fuzz_replay_kafkaconf_LDADD = src/lib/libtxkafka.a $(LDADD) $(RDKAFKA_LIBS)
tests_fuzz_fuzz_replay_offsets_SOURCES = tests/fuzz/fuzz-offsets.c tests/fuzz/replay.c
tests_fuzz_fuzz_replay_offsets_CPPFLAGS = $(AM_CPPFLAGS) $(RDKAFKA_CFLAGS)
tests_fuzz_fuzz_replay_offsets_LDADD = src/lib/libtxkafka.a $(LDADD) $(RDKAFKA_LIBS)
tests_fuzz_fuzz_replay_balances_SOURCES = tests/fuzz/fuzz-balances.c tests/fuzz/replay.c
tests_fuzz_fuzz_replay_balances_LDADD = $(LDADD)
check_PROGRAMS += tests/fuzz/fuzz-replay-jstream tests/fuzz/fuzz-replay-csv
tests_fuzz_fuzz_replay_jstream_SOURCES = tests/fuzz/fuzz-jstream.c tests/fuzz/replay.c
tests_fuzz_fuzz_replay_jstream_LDADD = $(LDADD)
tests_fuzz_fuzz_replay_csv_SOURCES = tests/fuzz/fuzz-csv.c tests/fuzz/replay.c
tests_fuzz_fuzz_replay_csv_LDADD = $(LDADD)
check_PROGRAMS += tests/fuzz/fuzz-replay-httpbody
tests_fuzz_fuzz_replay_httpbody_SOURCES = tests/fuzz/fuzz-httpbody.c tests/fuzz/replay.c
tests_fuzz_fuzz_replay_httpbody_LDADD = $(LDADD)
EXTRA_DIST += tests/fuzz/replay.c
include $(srcdir)/tests/hardening.mk
