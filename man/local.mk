# Man pages: the overview, the record format, one page per program; and the
# rendering check `make lint` runs on them.
dist_man_MANS += man/tx.7 man/tx-record.5
dist_man_MANS += man/txbal.1 man/txbroker.1 man/txgen.1 man/txlog.1 man/txmap.1
dist_man_MANS += man/txpub.1 man/txstore.1 man/txsub.1 man/txtop.1
EXTRA_DIST += man/check-render.py
