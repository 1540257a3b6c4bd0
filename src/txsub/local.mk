# txsub: a Kafka topic to NDJSON records (txsub(1)).
if HAVE_RDKAFKA
bin_PROGRAMS += src/txsub/txsub
endif
src_txsub_txsub_SOURCES = src/txsub/txsub.c
src_txsub_txsub_CPPFLAGS = $(AM_CPPFLAGS) $(RDKAFKA_CFLAGS)
src_txsub_txsub_LDADD = src/lib/libtxmain.a src/lib/libtxkafka.a $(LDADD) $(RDKAFKA_LIBS)
