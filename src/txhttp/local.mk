# txhttp: the HTTP front door (txhttp(1)), on libmicrohttpd.
if BUILD_TXHTTP
bin_PROGRAMS += src/txhttp/txhttp
dist_man_MANS += man/txhttp.1
endif
src_txhttp_txhttp_SOURCES = src/txhttp/txhttp.c src/txhttp/openapi.h src/txhttp/openapi.c \
	src/txhttp/page.c
src_txhttp_txhttp_CPPFLAGS = $(AM_CPPFLAGS) $(MHD_CFLAGS) $(RDKAFKA_CFLAGS) $(SQLITE_CFLAGS) $(LIBPQ_CFLAGS)
src_txhttp_txhttp_LDADD = src/lib/libtxmain.a src/lib/libtxkafka.a src/lib/libtxstore.a $(LDADD) \
	$(MHD_LIBS) $(RDKAFKA_LIBS) $(SQLITE_LIBS) $(LIBPQ_LIBS)
EXTRA_DIST += tests/http.sh
EXTRA_DIST += tests/cdp_page.py
