# txpub: NDJSON records to a Kafka topic (txpub(1)).
if HAVE_RDKAFKA
bin_PROGRAMS += src/txpub/txpub
endif
src_txpub_txpub_SOURCES = src/txpub/txpub.c
src_txpub_txpub_CPPFLAGS = $(AM_CPPFLAGS) $(RDKAFKA_CFLAGS)
src_txpub_txpub_LDADD = src/lib/libtxmain.a src/lib/libtxkafka.a $(LDADD) $(RDKAFKA_LIBS)
EXTRA_DIST += tests/java_partition.py
