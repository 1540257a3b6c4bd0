# txstore: the SQLite / PostgreSQL sink and its reports (src/lib/store*.c).
bin_PROGRAMS += src/txstore/txstore
src_txstore_txstore_SOURCES = src/txstore/txstore.c \
	src/lib/store_state.h src/lib/store_state.c
src_txstore_txstore_CPPFLAGS = $(AM_CPPFLAGS) $(SQLITE_CFLAGS) $(LIBPQ_CFLAGS)
src_txstore_txstore_LDADD = src/lib/libtxmain.a src/lib/libtxstore.a $(LDADD) \
	$(SQLITE_LIBS) $(LIBPQ_LIBS)

# Tests: SQLite with a concurrent sqlite3 shell; PostgreSQL on a private
# server each script starts itself (tests/pg.sh).
EXTRA_DIST += tests/pg.sh tests/t5-records.py
TESTS += tests/t5000-txstore-sqlite.sh tests/t5001-txstore-cli.sh tests/t5002-txstore-continuity.sh
EXTRA_DIST += tests/t5000-txstore-sqlite.sh tests/t5001-txstore-cli.sh \
	tests/t5002-txstore-continuity.sh
TESTS += tests/t5100-txstore-pg.sh tests/t5101-txstore-pg-restart.sh tests/t5102-txstore-pg-fast.sh
EXTRA_DIST += tests/t5100-txstore-pg.sh tests/t5101-txstore-pg-restart.sh tests/t5102-txstore-pg-fast.sh
