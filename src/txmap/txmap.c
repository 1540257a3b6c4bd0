/*
 * txmap: foreign JSON or CSV records in, tx-record(5) NDJSON out (txmap(1)).
 * The mapping is libtx's (src/lib/map.c), the readers too (instream.c):
 * this file holds the options, the loop and the exit status.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "instream.h"
#include "map.h"
#include "out.h"
#include "progress.h"
#include "tx.h"

static void usage(FILE *fp)
{
	fprintf(fp,
		"usage: %s [-qv] [--csv] [--field FROM=TO]... [--value FIELD:FROM=TO]...\n"
		"       [--round half-even|half-up] [--tz ZONE] [--epoch s|ms]\n"
		"       [--id hash[:FIELD,...]|uuid] [--other FILE | --drop-other]\n"
		"       [--progress] [--reject FILE] [--strict] [FILE...]\n",
		tx_progname);
}

struct txmap {
	struct tx_mapper map;
	struct tx_out out, other;
	struct tx_rejects rej;
	int have_other, drop_other, strict, csv;
	uint64_t nread, nwritten, nother, ndropped;
	struct tx_progress progress; /* --progress: records read */
	int stop, status;
	const char *source;
};

static void set_status(struct txmap *t, int status)
{
	if (status == TX_EXIT_IO || t->status == TX_EXIT_OK)
		t->status = status;
}

static void out_failed(struct txmap *t, struct tx_out *o)
{
	t->stop = 1;
	if (!(o == &t->out && o->err == EPIPE))
		set_status(t, TX_EXIT_IO);
}

/*
 * The bytes of a record as one line: a pretty-printed object's line breaks
 * become spaces (whitespace to JSON). A CSV record is written as it came
 * (its quoted fields may hold line breaks: multiline is not set for it).
 */
static int put_line(struct tx_out *o, const char *p, size_t len, int multiline)
{
	struct tx_buf *b = tx_out_buf(o);
	size_t start = b->len;

	if (!multiline)
		return tx_out_line(o, p, len);
	tx_buf_add(b, p, len);
	for (size_t i = start; i < b->len; i++)
		if (b->p[i] == '\n' || b->p[i] == '\r')
			b->p[i] = ' ';
	tx_buf_addch(b, '\n');
	return tx_out_end_line(o);
}

static void flush_all(struct txmap *t)
{
	if (tx_out_idle(&t->out) < 0)
		out_failed(t, &t->out);
	if (tx_rejects_flush(&t->rej) < 0)
		out_failed(t, &t->rej.out);
	if (t->have_other && tx_out_flush(&t->other) < 0)
		out_failed(t, &t->other);
}

static void reject(struct txmap *t, const struct tx_initem *it, const char *why)
{
	set_status(t, TX_EXIT_REJECTED);
	/* as it came: a CSV row as a row */
	if (tx_reject_at(&t->rej, t->source, it->lineno, why, it->raw, it->raw_len, it->multiline))
		t->stop = 1;
	if (t->rej.failed)
		set_status(t, TX_EXIT_IO);
}

static void handle(struct txmap *t, const struct tx_initem *it)
{
	t->nread++;
	switch (tx_mapper_record(&t->map, it->p, it->len)) {
	case TX_MAP_OK:
		if (tx_out_line(&t->out, t->map.out.p, t->map.out.len) < 0)
			out_failed(t, &t->out);
		t->nwritten++;
		break;
	case TX_MAP_OTHER:
		if (t->have_other) {
			t->nother++;
			if (put_line(&t->other, it->p, it->len, it->multiline) < 0)
				out_failed(t, &t->other);
		} else if (t->drop_other) {
			t->ndropped++;
		} else {
			char why[160];
			snprintf(why, sizeof(why),
				 "type '%.*s' is not a transaction type (send such records to "
				 "--other FILE, or --drop-other)",
				 (int)(t->map.other_type.len > 40 ? 40 : t->map.other_type.len),
				 t->map.other_type.p);
			reject(t, it, why);
		}
		break;
	case TX_MAP_REJECT: reject(t, it, t->map.err); break;
	}
}

static void run_input(struct txmap *t, const char *path)
{
	int fd = 0;
	struct tx_jstream js;
	struct tx_csv csv;
	struct tx_initem it;

	if (strcmp(path, "-")) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			tx_error_errno("cannot open '%s'", path);
			set_status(t, TX_EXIT_IO);
			return;
		}
		t->source = path;
	} else {
		t->source = "stdin";
	}
	if (t->csv)
		tx_csv_init(&csv, fd);
	else
		tx_jstream_init(&js, fd);
	while (!t->stop && !tx_signal) {
		int rc = t->csv ? tx_csv_next(&csv, &it) : tx_jstream_next(&js, &it);
		if (rc == TX_IN_ITEM) {
			handle(t, &it);
			tx_progress_update(&t->progress, t->nread, 0);
		} else if (rc == TX_IN_BAD) {
			t->nread++;
			reject(t, &it, t->csv ? csv.err : js.err);
		} else if (rc == TX_IN_INTR) {
			continue;
		} else if (rc == TX_IN_IDLE) {
			flush_all(t); /* no input for now: what was mapped goes on */
			tx_progress_update(&t->progress, t->nread, 1);
		} else {
			if (rc < 0) {
				tx_error("%s: read error: %s", t->source,
					 strerror(t->csv ? csv.in.err : js.in.err));
				set_status(t, TX_EXIT_IO);
			}
			break;
		}
	}
	if (t->csv)
		tx_csv_release(&csv);
	else
		tx_jstream_release(&js);
	if (fd > 0)
		close(fd);
}

static void show_key(void *ctx, const char *from, const char *to, enum tx_mapper_how how,
		     uint64_t uses)
{
	static const char *const hows[] = {"", "the alias table", "--field", "the record codec"};
	(void)ctx;
	if (how == TX_HOW_NAME && !strcmp(from, to))
		fprintf(stderr, "%s: field '%s' kept, in %llu records\n", tx_progname, from,
			(unsigned long long)uses);
	else
		fprintf(stderr, "%s: field '%s' -> '%s' (%s), in %llu records\n", tx_progname, from,
			to, hows[how], (unsigned long long)uses);
}

static void show_value(void *ctx, const char *field, const char *from, const char *to,
		       uint64_t uses)
{
	(void)ctx;
	fprintf(stderr, "%s: value %s '%s' -> '%s' (--value), %llu times\n", tx_progname, field,
		from, to, (unsigned long long)uses);
}

enum {
	OPT_CSV = 256,
	OPT_FIELD,
	OPT_VALUE,
	OPT_ROUND,
	OPT_TZ,
	OPT_EPOCH,
	OPT_ID,
	OPT_OTHER,
	OPT_DROP_OTHER,
	OPT_REJECT,
	OPT_STRICT,
};

static const struct option longopts[] = {
    {"csv", no_argument, NULL, OPT_CSV},
    {"field", required_argument, NULL, OPT_FIELD},
    {"value", required_argument, NULL, OPT_VALUE},
    {"round", required_argument, NULL, OPT_ROUND},
    {"tz", required_argument, NULL, OPT_TZ},
    {"epoch", required_argument, NULL, OPT_EPOCH},
    {"id", required_argument, NULL, OPT_ID},
    {"other", required_argument, NULL, OPT_OTHER},
    {"drop-other", no_argument, NULL, OPT_DROP_OTHER},
    {"reject", required_argument, NULL, OPT_REJECT},
    {"strict", no_argument, NULL, OPT_STRICT},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    TX_PROGRESS_LONGOPT,
    {NULL, 0, NULL, 0},
};

int cmd_main(int argc, char **argv)
{
	static struct txmap t;
	const char *reject_path = NULL, *other_path = NULL;
	int c, verbose = 0, r;

	tx_mapper_init(&t.map);
	while ((c = getopt_long(argc, argv, "qvh", longopts, NULL)) != -1) {
		if (tx_progress_getopt(&t.progress, c))
			continue;
		switch (c) {
		case 'q': tx_quiet = 1; break;
		case 'v': verbose = 1; break;
		case 'h': return tx_help_exit(usage, "txmap");
		case OPT_CSV: t.csv = 1; break;
		case OPT_FIELD:
			if (tx_mapper_add_field(&t.map, optarg) < 0)
				return TX_EXIT_USAGE;
			break;
		case OPT_VALUE:
			if (tx_mapper_add_value(&t.map, optarg) < 0)
				return TX_EXIT_USAGE;
			break;
		case OPT_ROUND:
			r = tx_round_parse(optarg);
			if (r != TX_ROUND_HALF_EVEN && r != TX_ROUND_HALF_UP) {
				tx_error("--round '%s': expected half-even or half-up", optarg);
				return TX_EXIT_USAGE;
			}
			t.map.round = (enum tx_round)r;
			break;
		case OPT_TZ:
			if (tx_mapper_set_tz(&t.map, optarg) < 0)
				return TX_EXIT_USAGE;
			break;
		case OPT_EPOCH:
			if (!strcmp(optarg, "s"))
				t.map.epoch = TX_EPOCH_S;
			else if (!strcmp(optarg, "ms"))
				t.map.epoch = TX_EPOCH_MS;
			else {
				tx_error("--epoch '%s': expected s or ms", optarg);
				return TX_EXIT_USAGE;
			}
			break;
		case OPT_ID:
			if (tx_mapper_set_id(&t.map, optarg) < 0)
				return TX_EXIT_USAGE;
			break;
		case OPT_OTHER: other_path = optarg; break;
		case OPT_DROP_OTHER: t.drop_other = 1; break;
		case OPT_REJECT: reject_path = optarg; break;
		case OPT_STRICT: t.strict = 1; break;
		default: tx_usage_error(); return TX_EXIT_USAGE;
		}
	}
	if (other_path && t.drop_other) {
		tx_error("--other FILE and --drop-other are exclusive");
		return TX_EXIT_USAGE;
	}
	tx_out_init(&t.out, 1, "stdout");
	tx_rejects_init(&t.rej, t.strict);
	if (reject_path && tx_rejects_open(&t.rej, reject_path) < 0)
		return TX_EXIT_IO;
	if (other_path) {
		if (tx_out_open(&t.other, other_path) < 0)
			return TX_EXIT_IO;
		t.have_other = 1;
	}
	tx_signals_install();
	tx_progress_start(&t.progress, TX_PROGRESS_ASKED, "records read");

	if (optind == argc)
		run_input(&t, "-");
	for (int i = optind; i < argc && !t.stop && !tx_signal; i++)
		run_input(&t, argv[i]);

	if (tx_out_close(&t.out) < 0 && t.out.err != EPIPE)
		set_status(&t, TX_EXIT_IO);
	if (tx_rejects_close(&t.rej) < 0)
		set_status(&t, TX_EXIT_IO);
	if (t.have_other && tx_out_close(&t.other) < 0)
		set_status(&t, TX_EXIT_IO);
	tx_progress_end(&t.progress);
	if (verbose)
		tx_mapper_report(&t.map, show_key, show_value, NULL);
	if (!tx_quiet)
		fprintf(stderr,
			"%s: %llu read, %llu written, %llu other, %llu dropped, %llu rejected\n",
			tx_progname, (unsigned long long)t.nread, (unsigned long long)t.nwritten,
			(unsigned long long)t.nother, (unsigned long long)t.ndropped,
			(unsigned long long)t.rej.count);
	tx_mapper_release(&t.map);
	if (tx_signal)
		return TX_EXIT_SIGNAL + tx_signal;
	return t.status;
}
