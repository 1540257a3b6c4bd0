# txmap: foreign JSON and CSV records -> tx-record(5) (txmap(1); the engine
# is src/lib/map.c, the readers src/lib/instream.c).
bin_PROGRAMS += src/txmap/txmap
src_txmap_txmap_SOURCES = src/txmap/txmap.c
src_txmap_txmap_LDADD = src/lib/libtxmain.a $(LDADD)
check_PROGRAMS += tests/unit-map
tests_unit_map_SOURCES = tests/unit-map.c
tests_unit_map_LDADD = src/lib/libtxmain.a $(LDADD)
TXMAP_TESTS = tests/t1100-txmap.sh tests/t1101-txmap-oracle.sh
TESTS += tests/unit-map $(TXMAP_TESTS)
EXTRA_DIST += $(TXMAP_TESTS) tests/oracle/murmur3.py tests/oracle/txmap_round.py
