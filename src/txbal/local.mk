# txbal: exact balances, statuses, alerts and aggregates (txbal(1)).
bin_PROGRAMS += src/txbal/txbal
src_txbal_txbal_SOURCES = src/txbal/txbal.c
src_txbal_txbal_LDADD = src/lib/libtxmain.a $(LDADD)

# Tests: the flags and every rejection (t3000), the oracle (t3100), the
# alert rules against txgen's labels (t3200).
EXTRA_DIST += tests/oracle/txbal_oracle.py tests/oracle/gen.py tests/oracle/conservation.py \
	tests/oracle/source.awk \
	tests/oracle/anomalies.py

# End to end, exactly once (the resume protocol of tx(7)): the crash suites
# (t6000 SQLite, t6001 PostgreSQL), the producer faults (t6100), a full disk
# (t6200), scale-out with split transfers (t6300), examples/resume (the
# restart command as a script, t6400), every documented recipe killed and
# run again (t6500), and their driver, tests/t6-crash.sh.
EXTRA_DIST += tests/t6-crash.sh
