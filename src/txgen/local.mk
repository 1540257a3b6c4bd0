# txgen: the generator (model in src/lib/gen.c, PaySim rows in src/lib/paysim.c).
bin_PROGRAMS += src/txgen/txgen
src_txgen_txgen_SOURCES = src/txgen/txgen.c
src_txgen_txgen_LDADD = src/lib/libtxmain.a $(LDADD)
