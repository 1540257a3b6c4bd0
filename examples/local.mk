# Examples: runnable scripts users copy, each run in a short mode by a test
# (tests/t70NN-example-*.sh), so none of them can rot. `make install` puts
# them in $(pkgdatadir)/examples, where examples/crontab and the systemd
# units look for them.
examplesdir = $(pkgdatadir)/examples
dist_examples_SCRIPTS = examples/quickstart examples/cash-flow-simulation examples/finance-poc \
	examples/banking-alerts examples/paysim-to-postgres examples/cron-replay examples/resume \
	examples/txmap-seeds examples/web-api
dist_examples_DATA = examples/crontab examples/README
examplessystemddir = $(examplesdir)/systemd
dist_examplessystemd_DATA = examples/systemd/README examples/systemd/txkit-consumer.service \
	examples/systemd/txbroker.service
examplesdatadir = $(examplesdir)/data
dist_examplesdata_DATA = examples/data/paysim-sample.csv

# make installcheck (distcheck runs it): the installed examples are where
# examples/crontab says, and the main job runs from the installed tree alone.
installcheck-local: installcheck-examples
# Without Kafka the quickstart cannot run: it must say so, exit 127.
if HAVE_RDKAFKA
quickstart_status = 0
else
quickstart_status = 127
endif
installcheck-examples:
	@for f in $(dist_examples_SCRIPTS); do \
		test -x "$(DESTDIR)$(examplesdir)/$${f#examples/}" || \
			{ echo "installcheck: $(examplesdir)/$${f#examples/} is not installed" >&2; exit 1; }; \
	done
	@grep -q ' /usr/local/share/txkit/examples/cron-replay ' $(srcdir)/examples/crontab || \
		{ echo "installcheck: examples/crontab names another path" >&2; exit 1; }
	@d=$$(mktemp -d) && st=0 && \
	PATH="$(DESTDIR)$(bindir):/usr/bin:/bin" TX_QUICKSTART_DIR=$$d \
		"$(DESTDIR)$(examplesdir)/quickstart" 2000 >$$d/out 2>&1 || st=$$?; \
	if [ $$st != $(quickstart_status) ] || \
		{ [ $$st = 127 ] && ! grep -q '^quickstart: not found: txpub txsub txbroker (' $$d/out; }; then \
		cat $$d/out >&2; rm -rf $$d; \
		echo "installcheck: the installed quickstart exited $$st, not $(quickstart_status)" >&2; exit 1; \
	fi; \
	rm -rf $$d
.PHONY: installcheck-examples
