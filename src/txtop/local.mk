# txtop: a live terminal dashboard of the stream (and its plain-text / SVG reports).
bin_PROGRAMS += src/txtop/txtop
src_txtop_txtop_SOURCES = src/txtop/txtop.c src/txtop/txtop.h src/txtop/feed.c src/txtop/term.c
src_txtop_txtop_CFLAGS = $(AM_CFLAGS) $(NCURSES_CFLAGS)
src_txtop_txtop_LDADD = src/lib/libtxmain.a $(LDADD) $(NCURSES_LIBS)
TESTS += tests/t8000-txtop-summary.sh tests/t8001-txtop-tmux.sh tests/t8002-txtop-svg.sh
EXTRA_DIST += tests/t8000-txtop-summary.sh tests/t8001-txtop-tmux.sh tests/t8002-txtop-svg.sh
