# txsub: a Kafka topic to NDJSON records (txsub(1)).
bin_PROGRAMS += src/txsub/txsub
src_txsub_txsub_SOURCES = src/txsub/txsub.c
src_txsub_txsub_CPPFLAGS = $(AM_CPPFLAGS) $(RDKAFKA_CFLAGS)
src_txsub_txsub_LDADD = src/lib/libtxmain.a src/lib/libtxkafka.a $(LDADD) $(RDKAFKA_LIBS)
TESTS += tests/t2300-txsub.sh
EXTRA_DIST += tests/t2300-txsub.sh
TESTS += tests/t2301-txsub-group.sh
EXTRA_DIST += tests/t2301-txsub-group.sh
TESTS += tests/t2302-txsub-crash.sh
EXTRA_DIST += tests/t2302-txsub-crash.sh
TESTS += tests/t2303-txsub-order.sh
EXTRA_DIST += tests/t2303-txsub-order.sh
# A test helper for the Apache Kafka cases of t2303: DeleteRecords and a
# transactional producer, through librdkafka's C API (tests/kafka-records.c).
check_PROGRAMS += tests/kafka-records
tests_kafka_records_SOURCES = tests/kafka-records.c
tests_kafka_records_CPPFLAGS = $(AM_CPPFLAGS) $(RDKAFKA_CFLAGS)
tests_kafka_records_LDADD = $(RDKAFKA_LIBS)
