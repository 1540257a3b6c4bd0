/*
 * txgen: write synthetic transaction records (tx-record(5)) as NDJSON, from
 * the model in gen.h or replayed from a PaySim CSV (paysim.h).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "gen.h"
#include "hashmap.h"
#include "lines.h"
#include "money.h"
#include "out.h"
#include "paysim.h"
#include "progress.h"
#include "timefmt.h"
#include "tx.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: txgen [-q] [--progress] [-n count] [--seed N] [--accounts N]\n"
		"             [--currency CODE[,CODE...]] [--start TIME] [--rate N [--no-wait]]\n"
		"             [--anomalies F] [--pending F] [--deletes F] [--duplicates F]\n"
		"       txgen --paysim FILE [-q] [--progress] [--strict] [--reject FILE]\n"
		"             [-n count]\n"
		"             [--currency CODE] [--start TIME] [--rate N [--no-wait]]\n"
		"             [--no-openings]\n"
		"       txgen -h | --help | --version\n");
}

enum {
	OPT_SEED = 256,
	OPT_ACCOUNTS,
	OPT_RATE,
	OPT_START,
	OPT_CURRENCY,
	OPT_ANOMALIES,
	OPT_PENDING,
	OPT_DELETES,
	OPT_DUPLICATES,
	OPT_PAYSIM,
	OPT_STRICT,
	OPT_REJECT,
	OPT_VERSION,
	OPT_NO_WAIT,
	OPT_NO_OPENINGS,
};

static const struct option longopts[] = {
    {"count", required_argument, NULL, 'n'},
    {"seed", required_argument, NULL, OPT_SEED},
    {"accounts", required_argument, NULL, OPT_ACCOUNTS},
    {"rate", required_argument, NULL, OPT_RATE},
    {"start", required_argument, NULL, OPT_START},
    {"currency", required_argument, NULL, OPT_CURRENCY},
    {"anomalies", required_argument, NULL, OPT_ANOMALIES},
    {"pending", required_argument, NULL, OPT_PENDING},
    {"deletes", required_argument, NULL, OPT_DELETES},
    {"duplicates", required_argument, NULL, OPT_DUPLICATES},
    {"paysim", required_argument, NULL, OPT_PAYSIM},
    {"strict", no_argument, NULL, OPT_STRICT},
    {"reject", required_argument, NULL, OPT_REJECT},
    {"no-openings", no_argument, NULL, OPT_NO_OPENINGS},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, OPT_VERSION},
    {"no-wait", no_argument, NULL, OPT_NO_WAIT},
    TX_PROGRESS_LONGOPT,
    {NULL, 0, NULL, 0},
};

static void bad_value(const char *opt, const char *val, const char *want)
{
	tx_error("invalid %s '%s': expected %s", opt, val, want);
	tx_usage_error();
}

/* A share from 0 to 1 with up to 6 decimals, as parts per million. */
static int parse_fraction(const char *opt, const char *s, uint32_t *ppm)
{
	int64_t v;

	if (tx_money_parse(s, strlen(s), 6, &v) != TX_MONEY_OK || v < 0 || v > 1000000) {
		bad_value(opt, s, "a fraction from 0 to 1 with at most 6 decimals");
		return -1;
	}
	*ppm = (uint32_t)v;
	return 0;
}

static int parse_currencies(const char *s, struct tx_gen_config *c)
{
	const char *p = s;

	c->ncurrencies = 0;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		const struct tx_currency *cur = tx_currency_find(p, n);

		if (!cur) {
			tx_error("unknown currency '%.*s' in --currency: expected ISO 4217 codes "
				 "such as USD, EUR, JPY, KWD",
				 (int)n, p);
			return -1;
		}
		if (c->ncurrencies == TX_GEN_MAX_CURRENCIES) {
			tx_error("too many currencies in --currency (at most %d)",
				 TX_GEN_MAX_CURRENCIES);
			return -1;
		}
		c->currencies[c->ncurrencies++] = cur;
		if (!comma)
			return 0;
		p = comma + 1;
	}
}

/* Wait until line i of a rate_milli / 1000 per second schedule is due. */
static void pace(uint64_t t0, uint64_t i, uint64_t rate_milli)
{
	uint64_t due = t0 + (uint64_t)((unsigned __int128)i * 1000000000000ull / rate_milli);
	struct timespec ts = {(time_t)(due / 1000000000), (long)(due % 1000000000)};

	while (!tx_signal && tx_now_ns() < due &&
	       clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

struct run {
	struct tx_gen_config c;
	uint64_t count; /* when have_count */
	int have_count, have_start, have_accounts, strict, no_wait, no_openings;
	int model_opts; /* how many options for the model only were given */
	const char *paysim, *reject;
	uint64_t written, rejected, openings;
	struct tx_progress progress; /* --progress: records written */
};

/* A fraction for the model only (--anomalies etc.): as config_getopt() returns. */
static int model_fraction(struct run *r, const char *opt, const char *s, uint32_t *ppm)
{
	if (parse_fraction(opt, s, ppm) < 0)
		return -1;
	r->model_opts++;
	return 1;
}

/* Paced (--rate): the clock is read for each record anyway, the line moves at any rate. */
static int paced(const struct run *r)
{
	return r->c.rate_milli && !r->no_wait;
}

static int finish(struct tx_out *o, int status)
{
	if (tx_out_flush(o) < 0 && o->err != EPIPE)
		return TX_EXIT_IO;
	if (tx_signal)
		return TX_EXIT_SIGNAL + tx_signal;
	return status;
}

static int run_model(struct run *r, struct tx_out *o)
{
	struct tx_gen *g = tx_gen_new(&r->c);
	uint64_t t0 = tx_now_ns();
	int status;

	while (!tx_signal && (!r->have_count || r->written < r->count)) {
		if (paced(r)) {
			pace(t0, r->written, r->c.rate_milli);
			if (tx_signal)
				break;
		}
		tx_gen_next(g, tx_out_buf(o), r->have_count ? r->count - r->written : 0);
		r->written++;
		if (tx_out_end_line(o) < 0)
			break;
		tx_progress_update(&r->progress, r->written, paced(r));
	}
	status = finish(o, TX_EXIT_OK);
	tx_progress_end(&r->progress);
	if (tx_signal)
		tx_warn("stopped by signal %d after %llu records", (int)tx_signal,
			(unsigned long long)r->written);
	tx_gen_free(g);
	return status;
}

/*
 * Whether a balance that opens an account (its first row) does not fit the
 * currency: err says which, and why. Such a row is refused.
 */
static int balances_unfit(const struct tx_paysim_row *row, const struct tx_map *seen, int exponent,
			  char *err, size_t errsz)
{
	const struct tx_str *t = &row->old_orig_text;
	enum tx_money_err e = TX_MONEY_OK;
	const char *name = "oldbalanceOrg";

	if (row->old_orig_err && tx_map_find(seen, row->orig.p, row->orig.len) < 0)
		e = row->old_orig_err;
	else if (row->type == TX_TYPE_TRANSFER && row->old_dest_err &&
		 tx_map_find(seen, row->dest.p, row->dest.len) < 0) {
		t = &row->old_dest_text;
		e = row->old_dest_err;
		name = "oldbalanceDest";
	}
	if (!e)
		return 0;
	snprintf(err, errsz, "%s '%.*s' %s (it opens the account; --no-openings skips it)", name,
		 (int)(t->len > 40 ? 40 : t->len), t->p, tx_money_strerror(e, exponent));
	return 1;
}

/*
 * The first row that names an account opens it with the balance PaySim
 * gives it there, so the ledger starts where PaySim's did. -n counts rows,
 * not these.
 */
static void opening(struct run *r, struct tx_map *seen, struct tx_out *o, struct tx_str account,
		    int64_t balance, const struct tx_currency *cur, const int64_t *ts,
		    int64_t *last_ts)
{
	int created;
	int64_t at = *ts > *last_ts ? *ts : *last_ts + 1;

	tx_map_insert(seen, account.p, account.len, &created);
	if (!created || balance <= 0)
		return;
	*last_ts = at;
	tx_paysim_write_opening(tx_out_buf(o), account, balance, cur, at);
	r->openings++;
	tx_out_end_line(o);
}

static int run_paysim(struct run *r, struct tx_out *o)
{
	const struct tx_currency *cur = r->c.currencies[0];
	struct tx_rejects rej;
	struct tx_lines lr;
	struct tx_paysim_row row;
	struct tx_map seen; /* accounts named by a row already: their opening is out */
	uint64_t t0 = tx_now_ns(), k = 0;
	int64_t step = 0, ts, last_ts = INT64_MIN;
	char err[256], *line;
	size_t len;
	int rc = 1, status;

	if (tx_lines_open(&lr, r->paysim) < 0)
		return TX_EXIT_IO;
	tx_rejects_init(&rej, r->strict);
	if (r->reject && tx_rejects_open(&rej, r->reject) < 0) {
		tx_lines_release(&lr);
		return TX_EXIT_IO;
	}
	tx_map_init(&seen, 0);
	while (!tx_signal && (!r->have_count || r->written < r->count) &&
	       (rc = tx_lines_next(&lr, &line, &len)) == 1) {
		if (lr.lineno == 1 && tx_paysim_is_header(line, len))
			continue;
		if (tx_paysim_parse(line, len, cur->exponent, &row, err, sizeof(err)) < 0 ||
		    (!r->no_openings &&
		     balances_unfit(&row, &seen, cur->exponent, err, sizeof(err)))) {
			if (tx_reject_at(&rej, r->paysim, lr.lineno, err, line, len, 0))
				break;
			continue;
		}
		if (paced(r)) {
			pace(t0, r->written, r->c.rate_milli);
			if (tx_signal)
				break;
		}
		if (row.step != step) {
			step = row.step;
			k = 0;
		}
		/*
		 * strictly increasing times, as for the model's records (gen.c,
		 * put_ts()): the openings' too, each a microsecond before the next
		 */
		ts = tx_paysim_ts(r->c.start_us, row.step, k++);
		if (!r->no_openings) {
			opening(r, &seen, o, row.orig, row.old_orig, cur, &ts, &last_ts);
			if (row.type == TX_TYPE_TRANSFER)
				opening(r, &seen, o, row.dest, row.old_dest, cur, &ts, &last_ts);
		}
		if (ts <= last_ts)
			ts = last_ts + 1;
		last_ts = ts;
		tx_paysim_write(tx_out_buf(o), &row, lr.lineno, cur, ts);
		r->written++;
		if (tx_out_end_line(o) < 0)
			break;
		tx_progress_update(&r->progress, r->written + r->openings, paced(r));
	}
	tx_progress_end(&r->progress);
	r->rejected = rej.count;
	if (tx_rejects_close(&rej) < 0 || rc < 0)
		status = TX_EXIT_IO;
	else
		status = tx_rejects_status(&rej);
	status = finish(o, status);
	if (tx_signal)
		tx_warn("stopped by signal %d", (int)tx_signal);
	tx_warn("%s: %llu records written (%llu rows, %llu opening balances), %llu rows rejected",
		r->paysim, (unsigned long long)(r->written + r->openings),
		(unsigned long long)r->written, (unsigned long long)r->openings,
		(unsigned long long)r->rejected);
	tx_map_release(&seen);
	tx_lines_release(&lr);
	return status;
}

/*
 * The options that configure what is generated (into r->c): returns 1 if
 * opt is one of them, 0 if not, -1 after reporting a bad value.
 */
static int config_getopt(struct run *r, int opt, const char *arg)
{
	int64_t v;

	switch (opt) {
	case OPT_SEED:
		if (tx_parse_int64(arg, 0, INT64_MAX, &v) < 0) {
			bad_value("--seed", arg, "an integer from 0 to 9223372036854775807");
			return -1;
		}
		r->c.seed = (uint64_t)v;
		r->model_opts++;
		return 1;
	case OPT_ACCOUNTS:
		if (tx_parse_int64(arg, 1, TX_GEN_MAX_ACCOUNTS, &v) < 0) {
			bad_value("--accounts", arg, "a number from 1 to 10000000");
			return -1;
		}
		r->c.accounts = (uint32_t)v;
		r->have_accounts = 1;
		r->model_opts++;
		return 1;
	case OPT_RATE:
		if (tx_money_parse(arg, strlen(arg), 3, &v) != TX_MONEY_OK || v < 1 ||
		    v > 10000000000ll) {
			bad_value("--rate", arg, "records per second from 0.001 to 10000000");
			return -1;
		}
		r->c.rate_milli = (uint64_t)v;
		return 1;
	case OPT_START:
		/* up to 9000: centuries of simulated time stay in four digits */
		if (tx_time_parse(arg, strlen(arg), &v) < 0 || v < 0 ||
		    v >= 221845392000ll * 1000000) {
			bad_value("--start", arg,
				  "an RFC 3339 time from 1970 to 9000, like "
				  "2026-01-01T00:00:00Z");
			return -1;
		}
		r->c.start_us = v;
		r->have_start = 1;
		return 1;
	case OPT_CURRENCY:
		if (parse_currencies(arg, &r->c) < 0) {
			tx_usage_error();
			return -1;
		}
		return 1;
	case OPT_ANOMALIES: return model_fraction(r, "--anomalies", arg, &r->c.anomalies_ppm);
	case OPT_PENDING: return model_fraction(r, "--pending", arg, &r->c.pending_ppm);
	case OPT_DELETES: return model_fraction(r, "--deletes", arg, &r->c.deletes_ppm);
	case OPT_DUPLICATES: return model_fraction(r, "--duplicates", arg, &r->c.duplicates_ppm);
	}
	return 0;
}

/*
 * Parse options: into r (config_getopt() for what is generated). Returns
 * -1 to go on, or the exit status (usage errors reported).
 */
static int parse_options(struct run *r, int argc, char **argv)
{
	int opt, k;
	int64_t v;

	tx_gen_config_init(&r->c);
	argv[0] = (char *)tx_progname; /* getopt's messages say "txgen: ..." */
	while ((opt = getopt_long(argc, argv, "n:qh", longopts, NULL)) != -1) {
		if (tx_progress_getopt(&r->progress, opt))
			continue;
		if ((k = config_getopt(r, opt, optarg)) != 0) {
			if (k < 0)
				return TX_EXIT_USAGE;
			continue;
		}
		switch (opt) {
		case 'n':
			if (tx_parse_int64(optarg, 0, INT64_MAX, &v) < 0) {
				bad_value("-n", optarg, "a count from 0 up");
				return TX_EXIT_USAGE;
			}
			r->count = (uint64_t)v;
			r->have_count = 1;
			break;
		case OPT_PAYSIM: r->paysim = optarg; break;
		case OPT_STRICT: r->strict = 1; break;
		case OPT_REJECT: r->reject = optarg; break;
		case OPT_NO_WAIT: r->no_wait = 1; break;
		case OPT_NO_OPENINGS: r->no_openings = 1; break;
		case 'q': tx_quiet = 1; break;
		case 'h': return tx_help_exit(usage, "txgen");
		case OPT_VERSION: printf("txgen (txkit) %s\n", PACKAGE_VERSION); return TX_EXIT_OK;
		default: tx_usage_error(); return TX_EXIT_USAGE;
		}
	}
	if (tx_no_more_args(argc, argv, optind))
		return TX_EXIT_USAGE;
	return -1;
}

/*
 * Check the options together (the model's or --paysim's, --no-wait with
 * --rate); then derive the accounts from --rate and, with --rate, start
 * the clock at the real time. Returns -1 to go on, or the exit status
 * (usage errors reported).
 */
static int check_options(struct run *r)
{
	if (r->paysim && r->model_opts) {
		tx_error("--paysim replays a file: --seed, --accounts, --anomalies, --pending, "
			 "--deletes and --duplicates apply to the model only");
		return TX_EXIT_USAGE;
	}
	if (r->paysim && r->c.ncurrencies != 1) {
		tx_error("--paysim takes one --currency");
		return TX_EXIT_USAGE;
	}
	if (!r->paysim && (r->strict || r->reject || r->no_openings)) {
		tx_error("--strict, --reject and --no-openings apply to --paysim only");
		return TX_EXIT_USAGE;
	}
	if (r->no_wait && !r->c.rate_milli) {
		tx_error("--no-wait goes with --rate");
		fprintf(stderr, "Try 'txgen --help' for more information.\n");
		return TX_EXIT_USAGE;
	}
	if (r->c.rate_milli && !r->have_accounts)
		r->c.accounts = tx_gen_accounts_for_rate(r->c.rate_milli);
	/* With --rate the clock is real time, unless --start says otherwise. */
	if (r->c.rate_milli && !r->have_start && !r->paysim)
		r->c.start_us = tx_wall_us();
	return -1;
}

/*
 * Run: the signals, progress and standard output set up, then the model
 * or the --paysim replay; standard output closed. Returns the exit status.
 */
static int run(struct run *r)
{
	struct tx_out o;
	int status;

	tx_signals_install();
	tx_progress_start(&r->progress, TX_PROGRESS_ASKED, "records written");

	tx_out_init(&o, STDOUT_FILENO, "standard output");
	if (paced(r))
		o.line_buffered = 1;
	status = r->paysim ? run_paysim(r, &o) : run_model(r, &o);
	tx_out_close(&o);
	return status;
}

int cmd_main(int argc, char **argv)
{
	struct run r;
	int status;

	memset(&r, 0, sizeof(r));
	status = parse_options(&r, argc, argv);
	if (status < 0)
		status = check_options(&r);
	if (status < 0)
		status = run(&r);
	return status;
}
