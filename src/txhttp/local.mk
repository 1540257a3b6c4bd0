# txhttp: the HTTP front door (txhttp(1)), on libmicrohttpd.
bin_PROGRAMS += src/txhttp/txhttp
src_txhttp_txhttp_SOURCES = src/txhttp/txhttp.c
src_txhttp_txhttp_CPPFLAGS = $(AM_CPPFLAGS) $(MHD_CFLAGS)
src_txhttp_txhttp_LDADD = src/lib/libtxmain.a $(LDADD) $(MHD_LIBS)
TESTS += tests/t1050-txhttp.sh
EXTRA_DIST += tests/t1050-txhttp.sh
dist_man_MANS += man/txhttp.1
