# Man pages: the overview, the record format, one page per program built
# (a program left out by configure leaves its page out of the install; every
# page is in the tarball); and the rendering check `make lint` runs on them.
dist_man_MANS += man/tx.7 man/tx-record.5
dist_man_MANS += man/txbal.1 man/txgen.1 man/txlog.1 man/txmap.1 man/txstore.1 man/txtop.1
if HAVE_RDKAFKA
dist_man_MANS += man/txbroker.1 man/txpub.1 man/txsub.1
endif
EXTRA_DIST += man/check-render.py
