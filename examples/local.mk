# Examples: runnable scripts users copy, each run in a short mode by a test
# (tests/t70NN-example-*.sh), so none of them can rot (the examples helper).
EXTRA_DIST += examples/quickstart examples/cash-flow-simulation examples/finance-poc \
	examples/banking-alerts examples/paysim-to-postgres examples/cron-replay examples/crontab \
	examples/systemd/README examples/systemd/txkit-consumer.service \
	examples/systemd/txbroker.service examples/data/paysim-sample.csv
TESTS += tests/t7000-example-quickstart.sh tests/t7001-example-cash-flow.sh \
	tests/t7002-example-finance-poc.sh
EXTRA_DIST += tests/t7000-example-quickstart.sh tests/t7001-example-cash-flow.sh \
	tests/t7002-example-finance-poc.sh
