# Man pages.
dist_man_MANS += man/txlog.1
dist_man_MANS += man/txbroker.1
