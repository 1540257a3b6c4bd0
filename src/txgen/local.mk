# txgen: the generator (model in src/lib/gen.c, PaySim rows in src/lib/paysim.c).
bin_PROGRAMS += src/txgen/txgen
src_txgen_txgen_SOURCES = src/txgen/txgen.c
src_txgen_txgen_LDADD = src/lib/libtxmain.a $(LDADD)
EXTRA_DIST += tests/data/t1000-check.py tests/data/t1001-paysim-bad.csv tests/data/t1001-sample.out
check_PROGRAMS += tests/unit-gen
tests_unit_gen_SOURCES = tests/unit-gen.c
tests_unit_gen_LDADD = src/lib/libtxmain.a $(LDADD)
TESTS += tests/unit-gen
