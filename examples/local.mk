# Examples: runnable scripts users copy, each run in a short mode by a test
# (tests/t70NN-example-*.sh), so none of them can rot (the examples helper).
EXTRA_DIST += examples/quickstart examples/cash-flow-simulation examples/finance-poc \
	examples/banking-alerts examples/paysim-to-postgres examples/cron-replay examples/crontab \
	examples/README examples/systemd/README examples/systemd/txkit-consumer.service \
	examples/systemd/txbroker.service examples/web-api
t7_tests = tests/t7000-example-quickstart.sh tests/t7001-example-cash-flow.sh \
	tests/t7002-example-finance-poc.sh tests/t7003-example-banking-alerts.sh \
	tests/t7004-example-paysim-postgres.sh tests/t7005-example-systemd.sh \
	tests/t7006-example-cron-replay.sh tests/t7007-example-web-api.sh
TESTS += $(t7_tests)
EXTRA_DIST += $(t7_tests)
