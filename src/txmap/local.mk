# txmap: foreign JSON and CSV records -> tx-record(5) (txmap(1); the engine
# is src/lib/map.c, the readers src/lib/instream.c).
bin_PROGRAMS += src/txmap/txmap
src_txmap_txmap_SOURCES = src/txmap/txmap.c
src_txmap_txmap_LDADD = src/lib/libtxmain.a $(LDADD)
check_PROGRAMS += tests/unit-map
tests_unit_map_SOURCES = tests/unit-map.c
tests_unit_map_LDADD = src/lib/libtxmain.a $(LDADD)
TESTS += tests/unit-map
EXTRA_DIST += tests/oracle/murmur3.py tests/oracle/txmap_round.py

# examples/txmap-seeds: one mapping per seed, into txbal and txstore (t7007).
EXTRA_DIST += examples/txmap-seeds examples/data/seed1-producer.ndjson \
	examples/data/seed2-purchases.ndjson examples/data/seed3-bank-alerts.ndjson \
	examples/data/seed4-api-bodies.json
