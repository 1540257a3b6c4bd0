# txbroker: a local Kafka broker (librdkafka's mock cluster) for first tries and tests.
bin_PROGRAMS += src/txbroker/txbroker
src_txbroker_txbroker_SOURCES = src/txbroker/txbroker.c
src_txbroker_txbroker_CFLAGS = $(AM_CFLAGS) $(RDKAFKA_CFLAGS)
src_txbroker_txbroker_LDADD = src/lib/libtxmain.a src/lib/libtxkafka.a $(LDADD) $(RDKAFKA_LIBS)
# --kafka: the script that runs Apache Kafka (also for tests/kafka.sh) and
# the pom its jars are resolved from; where txbroker finds them, installed
# or in the build tree.
src_txbroker_txbroker_CPPFLAGS = $(AM_CPPFLAGS) \
	-DTX_PKGLIBEXECDIR='"$(pkglibexecdir)"' -DTX_PKGDATADIR='"$(pkgdatadir)"' \
	-DTX_ABS_SRCDIR='"$(abs_top_srcdir)"' -DTX_ABS_BUILDDIR='"$(abs_top_builddir)"'
dist_pkglibexec_SCRIPTS = src/txbroker/txkit-kafka
txkitkafkadir = $(pkgdatadir)/kafka
dist_txkitkafka_DATA = tests/kafka/pom.xml

TESTS += tests/t2000-txbroker.sh tests/t2004-txbroker-kafka.sh
EXTRA_DIST += tests/t2000-txbroker.sh tests/t2004-txbroker-kafka.sh

# The broker harness: txbroker and Apache Kafka (tests/kafka.sh, tests/kafka/pom.xml).
EXTRA_DIST += tests/kafka.sh
TESTS += tests/t2001-brokers-kcat.sh
EXTRA_DIST += tests/t2001-brokers-kcat.sh
EXTRA_DIST += tests/kafka-peer.py
TESTS += tests/t2002-brokers-confluent.sh
EXTRA_DIST += tests/t2002-brokers-confluent.sh
EXTRA_DIST += doc/kafka-versions.txt

# txpub and txsub against kcat and confluent-kafka, and through broker failures.
TESTS += tests/t2100-interop.sh
EXTRA_DIST += tests/t2100-interop.sh
TESTS += tests/t2101-outage.sh
EXTRA_DIST += tests/t2101-outage.sh
