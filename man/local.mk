# Man pages.
dist_man_MANS += man/txbroker.1
