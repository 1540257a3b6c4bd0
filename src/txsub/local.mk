# txsub: a Kafka topic to NDJSON records (txsub(1)).
if HAVE_RDKAFKA
bin_PROGRAMS += src/txsub/txsub
# A test helper for the Apache Kafka cases of t2303: DeleteRecords and a
# transactional producer, through librdkafka's C API (tests/kafka-records.c).
check_PROGRAMS += tests/kafka-records
endif
src_txsub_txsub_SOURCES = src/txsub/txsub.c
src_txsub_txsub_CPPFLAGS = $(AM_CPPFLAGS) $(RDKAFKA_CFLAGS)
src_txsub_txsub_LDADD = src/lib/libtxmain.a src/lib/libtxkafka.a $(LDADD) $(RDKAFKA_LIBS)
tests_kafka_records_SOURCES = tests/kafka-records.c
tests_kafka_records_CPPFLAGS = $(AM_CPPFLAGS) $(RDKAFKA_CFLAGS)
tests_kafka_records_LDADD = $(RDKAFKA_LIBS)
