# txstore: the SQLite / PostgreSQL sink and its reports (src/lib/store*.c).
bin_PROGRAMS += src/txstore/txstore
src_txstore_txstore_SOURCES = src/txstore/txstore.c
src_txstore_txstore_CPPFLAGS = $(AM_CPPFLAGS) $(SQLITE_CFLAGS) $(LIBPQ_CFLAGS)
src_txstore_txstore_LDADD = src/lib/libtxmain.a src/lib/libtxstore.a $(LDADD) \
	$(SQLITE_LIBS) $(LIBPQ_LIBS)

# Tests: SQLite with a concurrent sqlite3 shell; PostgreSQL on a private
# server each script starts itself (tests/pg.sh).
EXTRA_DIST += tests/pg.sh tests/t5-records.py
