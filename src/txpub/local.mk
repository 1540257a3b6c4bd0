# txpub: NDJSON records to a Kafka topic (txpub(1)).
if HAVE_RDKAFKA
bin_PROGRAMS += src/txpub/txpub
endif
src_txpub_txpub_SOURCES = src/txpub/txpub.c
src_txpub_txpub_CPPFLAGS = $(AM_CPPFLAGS) $(RDKAFKA_CFLAGS)
src_txpub_txpub_LDADD = src/lib/libtxmain.a src/lib/libtxkafka.a $(LDADD) $(RDKAFKA_LIBS)
TESTS += tests/t2201-txpub-config.sh
EXTRA_DIST += tests/t2201-txpub-config.sh
TESTS += tests/t2200-txpub.sh
EXTRA_DIST += tests/t2200-txpub.sh tests/java_partition.py
TESTS += tests/t2202-txpub-failures.sh
EXTRA_DIST += tests/t2202-txpub-failures.sh
TESTS += tests/t2203-txpub-partitions.sh
EXTRA_DIST += tests/t2203-txpub-partitions.sh
