# Man pages.
dist_man_MANS += man/txlog.1
dist_man_MANS += man/txbroker.1

# tx-record(5): the record format (the codec helper).
dist_man_MANS += man/tx-record.5
# (end of tx-record(5))
dist_man_MANS += man/txtop.1
dist_man_MANS += man/txbal.1
# txgen(1) (the txgen helper).
dist_man_MANS += man/txgen.1
dist_man_MANS += man/tx.7
dist_man_MANS += man/txstore.1
# txpub(1), txsub(1) (the txpub/txsub helper).
dist_man_MANS += man/txpub.1 man/txsub.1
# txmap(1) (the txmap helper).
dist_man_MANS += man/txmap.1
