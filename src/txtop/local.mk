# txtop: a live terminal dashboard of the stream (and its plain-text / SVG reports, and a web page).
bin_PROGRAMS += src/txtop/txtop
src_txtop_txtop_SOURCES = src/txtop/txtop.c src/txtop/txtop.h src/txtop/feed.c src/txtop/term.c \
	src/txtop/web.c
src_txtop_txtop_CFLAGS = $(AM_CFLAGS) $(NCURSES_CFLAGS) $(MHD_CFLAGS)
src_txtop_txtop_LDADD = src/lib/libtxmain.a $(LDADD) $(NCURSES_LIBS) $(MHD_LIBS)
EXTRA_DIST += tests/cdp.py
