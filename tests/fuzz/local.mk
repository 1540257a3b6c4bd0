# libFuzzer target for the record codec (included from src/lib/local.mk).
# Built by clang straight from the library sources (and linked with jansson,
# the reference it is checked against), on demand only: never by
# `make all` or `make check`.
#   make fuzz          FUZZ_SECONDS (default 600) of fuzzing; new inputs are
#                      kept in tests/fuzz/corpus-record.work in the build tree
#   make fuzz-smoke    about 30 s: the seed corpus, then 25 s of fuzzing (CI)
FUZZ_SECONDS = 600
FUZZ_SMOKE_SECONDS = 25
FUZZ_CFLAGS = -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined -std=gnu11 -Wall -Wextra -Wno-unused-parameter
fuzz_record_sources = tests/fuzz/fuzz-record.c src/lib/record.c src/lib/json.c \
	src/lib/money.c src/lib/timefmt.c src/lib/buf.c src/lib/util.c
fuzz_record_deps = $(fuzz_record_sources) src/lib/record.h src/lib/json.h \
	src/lib/money.h src/lib/timefmt.h src/lib/buf.h src/lib/tx.h
EXTRA_DIST += tests/fuzz/local.mk tests/fuzz/fuzz-record.c tests/fuzz/record.dict \
	tests/fuzz/corpus-record
CLEANFILES += tests/fuzz/fuzz-record

tests/fuzz/fuzz-record: $(fuzz_record_deps:%=$(top_srcdir)/%)
	@if test -z "$(CLANG)"; then \
	  echo "fuzz: clang not found: install the Debian packages clang and libclang-rt-14-dev" >&2; \
	  exit 1; fi
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CCLD)$(CLANG) $(FUZZ_CFLAGS) -I$(top_srcdir)/src/lib -I$(top_builddir) \
	  $(JANSSON_CFLAGS) -o $@ $(fuzz_record_sources:%=$(top_srcdir)/%) $(JANSSON_LIBS)

fuzz: tests/fuzz/fuzz-record
	@$(MKDIR_P) tests/fuzz/corpus-record.work
	./tests/fuzz/fuzz-record -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -rss_limit_mb=1024 \
	  -dict=$(top_srcdir)/tests/fuzz/record.dict -artifact_prefix=tests/fuzz/ \
	  -print_final_stats=1 \
	  tests/fuzz/corpus-record.work $(top_srcdir)/tests/fuzz/corpus-record

fuzz-smoke: tests/fuzz/fuzz-record
	@work=`mktemp -d` && \
	./tests/fuzz/fuzz-record -max_total_time=$(FUZZ_SMOKE_SECONDS) -max_len=4096 -rss_limit_mb=1024 \
	  -dict=$(top_srcdir)/tests/fuzz/record.dict -artifact_prefix=tests/fuzz/ \
	  -print_final_stats=1 \
	  "$$work" $(top_srcdir)/tests/fuzz/corpus-record; \
	status=$$?; rm -rf "$$work"; exit $$status

.PHONY: fuzz fuzz-smoke
