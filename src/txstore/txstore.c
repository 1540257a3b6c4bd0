/*
 * txstore: store transaction records in SQLite or PostgreSQL, idempotently,
 * with the source offsets and balances in the same transaction; print the
 * offsets, the balances and reports back. See txstore(1).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lines.h"
#include "out.h"
#include "progress.h"
#include "record.h"
#include "store.h"
#include "store_state.h"
#include "timefmt.h"
#include "tx.h"

#define DEFAULT_DSN "tx.db"

/* A password in argv is in ps for every user: say where it belongs instead. */
static void warn_dsn_secret(const char *dsn)
{
	if (tx_store_dsn_has_secret(dsn))
		tx_warn("the connection string holds a password, which every user of the machine "
			"can read on the command line (ps): put it in ~/.pgpass (PGPASSFILE) or a "
			"service file (PGSERVICEFILE, service=NAME) instead");
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: txstore [-q] [--allow-gaps] [--async-commit] [--batch N] [--flush-ms T]\n"
		"               [--progress] [--reject FILE] [--retry-for S] [--strict] [DSN]\n"
		"       txstore offsets [DSN]\n"
		"       txstore balances [DSN]\n"
		"       txstore state [DSN]\n"
		"       txstore report [--table] [--account A] [--status S] [--type T]\n"
		"               [--since TIME] [--until TIME] [--limit N] [DSN]\n"
		"DSN: sqlite:PATH, PATH.db, postgresql://..., or a libpq conninfo\n"
		"     (default " DEFAULT_DSN ")\n");
}

struct run {
	struct tx_store *st;
	/*
	 * Two batches: one filled from the input while a writer thread stores
	 * the other, so parsing overlaps the database's work.
	 */
	struct tx_store_batch batches[2];
	struct tx_store_batch *cur, *inflight;
	struct tx_worker writer;
	int writing, threaded, write_rc;
	uint64_t unstored; /* records of batches that could not be stored */
	struct tx_rejects rej;
	int strict;
	struct tx_progress progress; /* --progress: records committed, and batches */
	uint64_t read, malformed;
	uint64_t start_ns;
	uint64_t writing_ns;	 /* time spent storing batches (the writer's) */
	uint64_t writing_cpu_ns; /* the CPU time the writer used for them */
	int failed;		 /* a batch could not be stored */
	int discontinuous;	 /* ... because it did not continue what is stored */
	struct tx_lines lr;	 /* stdin */
	struct tx_record rec;	 /* the line being parsed */
};

/* Returns 1 when txstore must stop: --strict, or the reject file failed. */
static int reject_line(struct run *run, uint64_t lineno, const char *line, size_t len,
		       const char *why)
{
	return tx_reject_at(&run->rej, "stdin", lineno, why, line, len, 0);
}

static uint64_t rejected(const struct run *run)
{
	return run->malformed + tx_store_counts(run->st)->refused;
}

static void summary(struct run *run)
{
	const struct tx_store_counts *c = tx_store_counts(run->st);
	double secs = (double)(tx_now_ns() - run->start_ns) / 1e9;
	double busy = (double)run->writing_ns / 1e9, cpu = (double)run->writing_cpu_ns / 1e9;

	if (tx_quiet)
		return;
	/*
	 * The rate is over the time spent storing: a follow-mode run that
	 * waits for its input all day is not slow, its input is.
	 */
	fprintf(stderr,
		"%s: %llu read, %llu stored, %llu duplicates, %llu updated, %llu deleted, "
		"%llu rejected, %llu already stored (offsets) in %.2f s, %.2f s of it storing "
		"with %.2f s of CPU (%.0f records/s)\n",
		tx_progname, (unsigned long long)run->read, (unsigned long long)c->stored,
		(unsigned long long)c->duplicates, (unsigned long long)c->updated,
		(unsigned long long)c->deleted, (unsigned long long)rejected(run),
		(unsigned long long)c->skipped, secs, busy, cpu,
		busy > 0 ? (double)run->read / busy : 0.0);
}

static void write_batch(void *arg)
{
	struct run *run = arg;

	uint64_t t0 = tx_now_ns(), c0 = tx_thread_cpu_ns();

	run->write_rc = tx_store_write(run->st, run->inflight);
	/* read by the main thread once finish() has waited for this batch */
	run->writing_ns += tx_now_ns() - t0;
	run->writing_cpu_ns += tx_thread_cpu_ns() - c0;
}

/* Wait for the batch being written; report the records the database refused. */
static int finish(struct run *run)
{
	struct tx_store_batch *b = run->inflight;
	const struct tx_store_counts *c;
	size_t i;

	if (!run->writing)
		return 0;
	if (run->threaded)
		tx_worker_wait(&run->writer);
	run->writing = 0;
	if (run->write_rc < 0) {
		run->failed = 1;
		run->discontinuous = run->write_rc == -2;
		run->unstored += b->n;
		tx_store_batch_reset(b);
		return -1;
	}
	for (i = 0; i < b->n; i++) {
		const struct tx_store_row *row = &b->rows[i];
		if (row->outcome == TX_STORE_REFUSED)
			reject_line(run, row->lineno, tx_sref_str(b, row->record), row->record.len,
				    tx_sref_str(b, row->reason_refused));
	}
	tx_store_batch_reset(b);
	c = tx_store_counts(run->st);
	tx_progress_update(&run->progress,
			   c->stored + c->duplicates + c->updated + c->deleted + c->skipped, 1);
	return 0;
}

/* Start writing the current batch (after the one before it is done). */
static int flush(struct run *run)
{
	/* Its creates sorted here, while the writer may still store the one before. */
	if (run->cur->n)
		tx_store_batch_seal(run->cur);
	if (finish(run) < 0)
		return -1;
	if (!run->cur->n)
		return 0;
	run->inflight = run->cur;
	run->cur = run->cur == &run->batches[0] ? &run->batches[1] : &run->batches[0];
	/* The writer blocks the signals: they interrupt the main thread's read. */
	run->threaded = tx_worker_run(&run->writer, write_batch, run) == 0;
	if (!run->threaded)
		write_batch(run); /* no thread to be had: write it here */
	run->writing = 1;
	return run->strict ? finish(run) : 0;
}

/*
 * A word with none of ':', '/', '.', '=' cannot be a DSN (sqlite:, a path
 * ending in .db, postgresql://, a conninfo): a mistyped command, then.
 */
static int looks_like_dsn(const char *s)
{
	return strpbrk(s, ":/.=") != NULL;
}

/* What the command line asks for beyond the fields of struct run it sets. */
struct store_opts {
	const char *dsn, *reject_path;
	int64_t batch_max, flush_ms, retry_for;
	int allow_gaps, async_commit;
};

/*
 * Parse options: txstore's into run and o, the DSN too. Returns -1 to go
 * on, or the exit status (usage errors reported).
 */
static int parse_options(struct run *run, struct store_opts *o, int argc, char **argv)
{
	static const struct option opts[] = {{"allow-gaps", no_argument, NULL, 'G'},
					     {"async-commit", no_argument, NULL, 'A'},
					     {"batch", required_argument, NULL, 'b'},
					     {"flush-ms", required_argument, NULL, 'f'},
					     {"help", no_argument, NULL, 'h'},
					     {"quiet", no_argument, NULL, 'q'},
					     {"reject", required_argument, NULL, 'r'},
					     {"retry-for", required_argument, NULL, 'R'},
					     {"strict", no_argument, NULL, 'S'},
					     TX_PROGRESS_LONGOPT,
					     {NULL, 0, NULL, 0}};
	int c;

	o->dsn = DEFAULT_DSN;
	o->batch_max = 5000;
	o->flush_ms = 200;
	o->retry_for = 60;
	while ((c = getopt_long(argc, argv, "b:f:hqr:", opts, NULL)) != -1) {
		if (tx_progress_getopt(&run->progress, c))
			continue;
		switch (c) {
		case 'b':
			if (tx_parse_int64(optarg, 1, 10000000, &o->batch_max))
				tx_die(TX_EXIT_USAGE,
				       "--batch: '%s' is not a count from 1 to 10000000", optarg);
			break;
		case 'f':
			if (tx_parse_int64(optarg, 0, 3600000, &o->flush_ms))
				tx_die(TX_EXIT_USAGE,
				       "--flush-ms: '%s' is not a number of milliseconds", optarg);
			break;
		case 'A': o->async_commit = 1; break;
		case 'G': o->allow_gaps = 1; break;
		case 'h': return tx_help_exit(usage, "txstore");
		case 'q': tx_quiet = 1; break;
		case 'r': o->reject_path = optarg; break;
		case 'R':
			if (tx_parse_int64(optarg, 0, 86400, &o->retry_for))
				tx_die(TX_EXIT_USAGE,
				       "--retry-for: '%s' is not a number of seconds", optarg);
			break;
		case 'S': run->strict = 1; break;
		default: tx_usage_error(); return TX_EXIT_USAGE;
		}
	}
	if (optind < argc && !looks_like_dsn(argv[optind])) {
		tx_error("unknown command '%s' (commands: offsets, balances, state, report; or a "
			 "DSN to store into)",
			 argv[optind]);
		tx_usage_error();
		return TX_EXIT_USAGE;
	}
	if (tx_no_more_args(argc, argv, optind + 1))
		return TX_EXIT_USAGE;
	if (optind < argc)
		o->dsn = argv[optind];
	return -1;
}

/*
 * Check the options: warn of a password in the DSN, refuse --async-commit
 * for SQLite. Returns -1 to go on, or the exit status (reported).
 */
static int check_options(const struct store_opts *o)
{
	warn_dsn_secret(o->dsn);
	/* refused before anything is opened: opening creates a SQLite file */
	if (o->async_commit && !tx_store_dsn_is_postgresql(o->dsn)) {
		char *shown = tx_store_dsn_shown(o->dsn);
		tx_error("--async-commit: %s is not a PostgreSQL database: SQLite commits "
			 "synchronously",
			 shown);
		free(shown);
		return TX_EXIT_USAGE;
	}
	return -1;
}

/*
 * Set up: the rejects, the store (opened and configured), the signals,
 * the record, the batches, stdin and progress. Returns -1 to go on, or
 * the exit status (reported).
 */
static int setup(struct run *run, const struct store_opts *o)
{
	int status = TX_EXIT_OK;

	tx_rejects_init(&run->rej, run->strict);
	if (o->reject_path && tx_rejects_open(&run->rej, o->reject_path) < 0)
		return TX_EXIT_IO;
	run->start_ns = tx_now_ns(); /* opening may wait for the database: it counts */
	run->st = tx_store_open(o->dsn, &status);
	if (!run->st)
		return status;
	tx_store_set_retry(run->st, (unsigned)o->retry_for);
	tx_store_set_allow_gaps(run->st, o->allow_gaps);
	tx_store_set_async_commit(run->st, o->async_commit);
	tx_store_set_input(run->st, "stdin");

	tx_signals_install(); /* no SA_RESTART: a signal interrupts the wait for input */

	tx_record_init(&run->rec);
	tx_store_batch_init(&run->batches[0]);
	tx_store_batch_init(&run->batches[1]);
	run->cur = &run->batches[0];
	tx_lines_init(&run->lr, STDIN_FILENO, "stdin");
	tx_progress_start(&run->progress, TX_PROGRESS_ASKED, "records committed");
	tx_progress_also(&run->progress, &tx_store_counts(run->st)->batches, "batch", "batches");
	return -1;
}

/*
 * Run: read stdin into batches, each stored when full, after --flush-ms
 * or before a record it conflicts with, until the end of the input, a
 * signal, a batch not stored, or --strict's stop. Returns TX_EXIT_IO if
 * stdin could not be read, else TX_EXIT_OK.
 */
static int store_input(struct run *run, const struct store_opts *o)
{
	uint64_t deadline = 0;
	char *line;
	size_t len;
	int r;

	for (;;) {
		int timeout = -1;
		char err[256];

		if (tx_signal)
			break;
		if (run->cur->n) {
			uint64_t now = tx_now_ns();
			timeout = now >= deadline ? 0 : (int)((deadline - now + 999999) / 1000000);
		}
		r = tx_lines_next_timeout(&run->lr, &line, &len, timeout);
		if (r == 2) {
			if (flush(run) < 0)
				break;
			continue;
		}
		if (r == 3)
			continue;
		if (r <= 0)
			return r < 0 ? TX_EXIT_IO : TX_EXIT_OK;
		if (tx_line_blank(line, len))
			continue;
		run->read++;
		if (tx_record_parse(&run->rec, line, len, TX_PARSE_REQUIRE) < 0) {
			run->malformed++;
			if (reject_line(run, run->lr.lineno, line, len, run->rec.err))
				break;
			continue;
		}
		if (tx_store_batch_conflicts(run->cur, &run->rec) && flush(run) < 0)
			break;
		if (tx_store_batch_add(run->cur, &run->rec, line, len, run->lr.lineno, err,
				       sizeof(err)) < 0) {
			run->malformed++;
			if (reject_line(run, run->lr.lineno, line, len, err))
				break;
			continue;
		}
		if (run->cur->n == 1)
			deadline = tx_now_ns() + (uint64_t)o->flush_ms * 1000000ULL;
		if (run->cur->n >= (size_t)o->batch_max ||
		    (run->cur->n && tx_now_ns() >= deadline)) {
			if (flush(run) < 0)
				break;
			if ((run->strict && tx_store_counts(run->st)->refused) || run->rej.failed)
				break;
		}
	}
	return TX_EXIT_OK;
}

/*
 * Store what is left and make it durable. Returns status, or the exit
 * status of records not stored (reported) or not made durable.
 */
static int store_rest(struct run *run, int status)
{
	if (!run->failed)
		flush(run);
	finish(run);
	/* Exit 0 says stored: with asynchronous commit, make it durable first. */
	if (!run->failed && tx_store_sync(run->st) < 0)
		status = TX_EXIT_UNDELIVERED;
	if (run->failed) {
		tx_error("%llu records read were not stored",
			 (unsigned long long)(run->unstored + run->cur->n));
		status = run->discontinuous ? TX_EXIT_GAP : TX_EXIT_UNDELIVERED;
	}
	return status;
}

/*
 * Report: progress ended, the summary line, the rejects closed; the exit
 * status: status if not 0, else a signal's, else 1 if any were rejected.
 */
static int report(struct run *run, int status)
{
	tx_progress_end(&run->progress);
	summary(run);
	if (tx_rejects_close(&run->rej) < 0 && status == TX_EXIT_OK)
		status = TX_EXIT_IO;
	if (status == TX_EXIT_OK && tx_signal)
		status = TX_EXIT_SIGNAL + tx_signal;
	if (status == TX_EXIT_OK && rejected(run))
		status = TX_EXIT_REJECTED;
	return status;
}

/* Free what run holds: stdin's buffer, the record, the batches; close the store. */
static void run_release(struct run *run)
{
	tx_worker_stop(&run->writer);
	tx_lines_release(&run->lr);
	tx_record_release(&run->rec);
	tx_store_batch_release(&run->batches[0]);
	tx_store_batch_release(&run->batches[1]);
	tx_store_close(run->st);
}

static int store_main(int argc, char **argv)
{
	struct run run;
	struct store_opts o = {0};
	int status;

	memset(&run, 0, sizeof(run));
	status = parse_options(&run, &o, argc, argv);
	if (status < 0)
		status = check_options(&o);
	if (status < 0)
		status = setup(&run, &o);
	if (status >= 0)
		return status; /* as before: nothing is released on these ways out */
	status = store_input(&run, &o);
	status = store_rest(&run, status);
	status = report(&run, status);
	run_release(&run);
	return status;
}

static int parse_time_opt(const char *opt, const char *s, int64_t *us)
{
	if (tx_time_parse(s, strlen(s), us) < 0)
		tx_die(TX_EXIT_USAGE, "%s: '%s' is not an RFC 3339 time", opt, s);
	return 0;
}

static int read_main(const char *cmd, int argc, char **argv)
{
	static const struct option opts[] = {{"account", required_argument, NULL, 'a'},
					     {"help", no_argument, NULL, 'h'},
					     {"limit", required_argument, NULL, 'n'},
					     {"since", required_argument, NULL, 's'},
					     {"status", required_argument, NULL, 'S'},
					     {"table", no_argument, NULL, 't'},
					     {"type", required_argument, NULL, 'T'},
					     {"until", required_argument, NULL, 'u'},
					     {NULL, 0, NULL, 0}};
	static const struct option help_only[] = {{"help", no_argument, NULL, 'h'},
						  {NULL, 0, NULL, 0}};
	struct tx_store_report rep = {NULL, NULL, NULL, -1, -1, 20, 0, NULL, 0, NULL};
	int report = !strcmp(cmd, "report");
	struct tx_store *st;
	struct tx_out out;
	const char *dsn;
	int c, status, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, report ? "a:hn:s:S:tT:u:" : "h",
				report ? opts : help_only, NULL)) != -1) {
		switch (c) {
		case 'a': rep.account = optarg; break;
		case 'h': return tx_help_exit(usage, "txstore");
		case 'n':
			if (tx_parse_int64(optarg, 0, INT64_MAX, &rep.limit))
				tx_die(TX_EXIT_USAGE, "--limit: '%s' is not a count", optarg);
			break;
		case 's': parse_time_opt("--since", optarg, &rep.since_us); break;
		case 'S': rep.status = optarg; break;
		case 't': rep.table = 1; break;
		case 'T': rep.type = optarg; break;
		case 'u': parse_time_opt("--until", optarg, &rep.until_us); break;
		default: tx_usage_error(); return TX_EXIT_USAGE;
		}
	}
	if (argc - optind > 1) {
		tx_usage_error();
		return TX_EXIT_USAGE;
	}
	dsn = optind < argc ? argv[optind] : DEFAULT_DSN;
	warn_dsn_secret(dsn);
	st = tx_store_open_read(dsn, &status);
	if (!st && status == TX_EXIT_OK) {
		/*
		 * Nothing was ever stored there. Empty offsets, balances and
		 * state files are the resume protocol's fresh start (tx(7),
		 * examples/resume, examples/paysim-to-postgres); a report of a
		 * database that is not there is an error (a mistyped path
		 * must not look like an empty ledger).
		 */
		if (strcmp(cmd, "report"))
			return TX_EXIT_OK;
		char *shown = tx_store_dsn_shown(dsn);
		tx_error("%s: no txstore database there (nothing was ever stored)", shown);
		free(shown);
		return TX_EXIT_UNAVAILABLE;
	}
	if (!st)
		return status;
	tx_out_init(&out, STDOUT_FILENO, "stdout");
	if (!strcmp(cmd, "offsets"))
		rc = tx_store_print_offsets(st, &out);
	else if (!strcmp(cmd, "balances"))
		rc = tx_store_print_balances(st, &out);
	else if (!strcmp(cmd, "state"))
		rc = tx_store_print_state(st, &out);
	else
		rc = tx_store_print_report(st, &rep, &out);
	if (tx_out_flush(&out) < 0 && out.err != EPIPE)
		rc = -1;
	tx_store_close(st);
	tx_buf_release(&out.b);
	if (rc < 0)
		return out.err == EPIPE ? TX_EXIT_OK : out.err ? TX_EXIT_IO : TX_EXIT_UNAVAILABLE;
	return TX_EXIT_OK;
}

int cmd_main(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "offsets") || !strcmp(argv[1], "balances") ||
			 !strcmp(argv[1], "state") || !strcmp(argv[1], "report")))
		return read_main(argv[1], argc - 1, argv + 1);
	return store_main(argc, argv);
}
