# txbal: exact balances, statuses, alerts and aggregates (txbal(1)).
bin_PROGRAMS += src/txbal/txbal
src_txbal_txbal_SOURCES = src/txbal/txbal.c
src_txbal_txbal_LDADD = src/lib/libtxmain.a $(LDADD)

# Tests: the flags and every rejection (t3000), the oracle (t3100), the
# alert rules against txgen's labels (t3200).
TESTS += tests/t3000-txbal.sh tests/t3100-txbal-oracle.sh tests/t3200-txbal-alerts.sh
EXTRA_DIST += tests/t3000-txbal.sh tests/t3100-txbal-oracle.sh tests/t3200-txbal-alerts.sh \
	tests/oracle/txbal_oracle.py tests/oracle/gen.py tests/oracle/conservation.py \
	tests/oracle/anomalies.py

# End to end, exactly once (the resume protocol of tx(7)): the crash suites
# (t6000 SQLite, t6001 PostgreSQL), the producer faults (t6100), a full disk
# (t6200), scale-out with split transfers (t6300), examples/resume (the
# restart command as a script, t6400), every documented recipe killed and
# run again (t6500), and their driver, tests/t6-crash.sh.
t6_tests = tests/t6000-crash-sqlite.sh tests/t6001-crash-pg.sh tests/t6100-producer-faults.sh \
	tests/t6200-disk-full.sh tests/t6300-scale-out.sh tests/t6400-resume-script.sh \
	tests/t6500-recipes.sh
TESTS += $(t6_tests)
EXTRA_DIST += $(t6_tests) tests/t6-crash.sh
