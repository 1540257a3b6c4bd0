# txbroker: a local Kafka broker (librdkafka's mock cluster) for first tries and tests.
if HAVE_RDKAFKA
bin_PROGRAMS += src/txbroker/txbroker
endif
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

# The broker harness: txbroker and Apache Kafka (tests/kafka.sh, tests/kafka/pom.xml).
EXTRA_DIST += tests/kafka.sh
EXTRA_DIST += tests/kafka-peer.py
EXTRA_DIST += doc/kafka-versions.txt

# txpub and txsub against kcat and confluent-kafka, and through broker failures.
