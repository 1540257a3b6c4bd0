# txbal: exact balances, statuses, alerts and aggregates (txbal(1)).
bin_PROGRAMS += src/txbal/txbal
src_txbal_txbal_SOURCES = src/txbal/txbal.c
src_txbal_txbal_LDADD = src/lib/libtxmain.a $(LDADD)
