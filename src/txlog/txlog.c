/*
 * txlog: transaction records in, lines people read out (txlog(1)).
 *
 * The loop reads NDJSON, parses each line with the record codec, formats it
 * with logfmt.c into a buffered output (stdout, --out FILE, stderr under
 * --tee) or hands it to syslog(3). Under --tee every input line also goes
 * to stdout byte for byte, the malformed ones included: a tee never loses
 * data. Output is flushed whenever input would block, so a live pipeline
 * sees each line at once while a bulk run writes 64 KiB blocks.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "lines.h"
#include "logfmt.h"
#include "out.h"
#include "progress.h"
#include "record.h"
#include "tx.h"

static volatile sig_atomic_t got_hup;

/* SIGHUP with -o: reopen the log file (logrotate); see tx_signals_install() */
static void on_hup(int sig)
{
	(void)sig;
	got_hup = 1;
}

static void usage(FILE *fp)
{
	fprintf(fp,
		"usage: %s [-aq] [--color[=WHEN]] [-f TEMPLATE] [--progress]\n"
		"             [-o FILE | -s [-t TAG] [--facility NAME]]\n"
		"             [--reject FILE] [--strict] [--tee] [FILE ...]\n",
		tx_progname);
}

static const struct {
	const char *name;
	int facility;
} facilities[] = {
    {"user", LOG_USER},	    {"daemon", LOG_DAEMON}, {"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1},
    {"local2", LOG_LOCAL2}, {"local3", LOG_LOCAL3}, {"local4", LOG_LOCAL4}, {"local5", LOG_LOCAL5},
    {"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7},
};

struct txlog {
	/* options */
	int alerts_only, strict, tee, use_syslog;
	unsigned fmt_flags;
	const char *out_path;
	struct tx_logfmt *tmpl; /* NULL: the default layout */

	/* outputs */
	struct tx_out data; /* stdout under --tee */
	struct tx_out log;  /* the log lines, unless syslog */
	struct tx_rejects rej;
	struct tx_buf line; /* one syslog message */

	/* counts and state */
	struct tx_record rec;
	uint64_t nread, nlogged;
	struct tx_progress progress; /* --progress: records read */
	int stop;		     /* stop reading: --strict, downstream closed, write error */
	int status;		     /* worst exit status so far */
};

static void set_status(struct txlog *t, int status)
{
	/* I/O beats rejected beats ok; signals are decided at the end */
	if (status == TX_EXIT_IO || t->status == TX_EXIT_OK)
		t->status = status;
}

/* An output failed: EPIPE means downstream closed, stop quietly. */
static void out_failed(struct txlog *t, const struct tx_out *o)
{
	t->stop = 1;
	if (o->err != EPIPE)
		set_status(t, TX_EXIT_IO);
}

static void flush_all(struct txlog *t)
{
	if (t->tee && tx_out_idle(&t->data) < 0)
		out_failed(t, &t->data);
	if (!t->use_syslog && tx_out_idle(&t->log) < 0)
		out_failed(t, &t->log);
	if (tx_rejects_flush(&t->rej) < 0) {
		t->stop = 1;
		set_status(t, TX_EXIT_IO);
	}
}

static int open_append(const char *path)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);

	if (fd < 0)
		tx_error_errno("cannot open '%s' for appending", path);
	return fd;
}

/*
 * SIGHUP: write what is buffered to the old file, then continue in a file
 * opened afresh under the same name (logrotate has renamed the old one). If
 * the new one cannot be opened, keep writing to the old one: lose nothing.
 */
static void reopen_log(struct txlog *t)
{
	int fd;

	got_hup = 0;
	if (!t->out_path)
		return;
	if (tx_out_flush(&t->log) < 0) {
		out_failed(t, &t->log);
		return;
	}
	fd = open_append(t->out_path);
	if (fd < 0)
		return;
	if (close(t->log.fd) < 0) {
		tx_error_errno("write error on %s", t->out_path);
		set_status(t, TX_EXIT_IO);
	}
	t->log.fd = fd;
}

/* A record to log under --alerts-only: one that carries alerts, or an alert record. */
static int is_alert(struct tx_record *r)
{
	return tx_logfmt_has_alerts(r) || tx_logfmt_kind(r) == TX_LOGFMT_ALERT;
}

static int syslog_priority(struct tx_record *r)
{
	if (tx_logfmt_kind(r) == TX_LOGFMT_ALERT)
		return tx_logfmt_alert_is_notice(r) ? LOG_NOTICE : LOG_WARNING;
	if (tx_logfmt_has_alerts(r))
		return LOG_WARNING;
	if (r->status == TX_STATUS_FAILED)
		return LOG_NOTICE;
	return LOG_INFO;
}

static void format(struct txlog *t, struct tx_buf *b)
{
	if (t->tmpl)
		tx_logfmt_apply(t->tmpl, b, &t->rec, t->fmt_flags);
	else
		tx_logfmt_default(b, &t->rec, t->fmt_flags);
}

static void handle_line(struct txlog *t, struct tx_lines *lr, char *line, size_t len, int newline)
{
	if (t->tee) {
		tx_buf_add(tx_out_buf(&t->data), line, len);
		if (newline)
			tx_buf_addch(tx_out_buf(&t->data), '\n');
		if (tx_out_end_line(&t->data) < 0) {
			out_failed(t, &t->data);
			return;
		}
	}
	if (tx_line_blank(line, len))
		return; /* passed on under --tee, counted nowhere */
	t->nread++;
	if (tx_record_parse(&t->rec, line, len, TX_PARSE_ANY_TYPE) < 0) {
		set_status(t, TX_EXIT_REJECTED);
		if (tx_reject_at(&t->rej, lr->source, lr->lineno, t->rec.err, line, len, 0))
			t->stop = 1;
		if (t->rej.failed)
			set_status(t, TX_EXIT_IO);
		return;
	}
	if (t->alerts_only && !is_alert(&t->rec))
		return;
	t->nlogged++;
	if (t->use_syslog) {
		tx_buf_reset(&t->line);
		format(t, &t->line);
		syslog(syslog_priority(&t->rec), "%s", t->line.p ? t->line.p : "");
		return;
	}
	format(t, tx_out_buf(&t->log));
	if (tx_out_line(&t->log, "", 0) < 0)
		out_failed(t, &t->log);
}

static void run_input(struct txlog *t, const char *path)
{
	struct tx_lines lr;
	char *line;
	size_t len;
	int idle = 0, r;

	if (tx_lines_open(&lr, path) < 0) {
		set_status(t, TX_EXIT_IO);
		return;
	}
	while (!t->stop) {
		/* Poll without waiting first; flush before waiting for more input. */
		r = tx_lines_next_timeout(&lr, &line, &len, idle ? 1000 : 0);
		if (got_hup)
			reopen_log(t);
		if (r == 1) {
			/* a last line without '\n' ends exactly at the data read */
			int newline = !(lr.eof && line + len == lr.buf + lr.end);
			idle = 0;
			handle_line(t, &lr, line, len, newline); /* a line read is a line handled */
			tx_progress_update(&t->progress, t->nread, 0);
		}
		if (tx_signal)
			break;
		if (r == 2) {
			flush_all(t);
			tx_progress_update(&t->progress, t->nread, 1);
			idle = 1;
		} else if (r == 0) {
			break;
		} else if (r < 0) {
			set_status(t, TX_EXIT_IO);
			break;
		}
	}
	/*
	 * Stopped by a signal: the complete lines already read are handled too
	 * (under --tee they were taken from upstream, so they must go on); a
	 * partial line is left, so the output ends on a line boundary.
	 */
	while (tx_signal && !t->stop && lr.start < lr.end &&
	       (lr.eof || memchr(lr.buf + lr.start, '\n', lr.end - lr.start)) &&
	       tx_lines_next(&lr, &line, &len) == 1)
		handle_line(t, &lr, line, len, !(lr.eof && line + len == lr.buf + lr.end));
	tx_lines_release(&lr);
}

static int parse_color(const char *s)
{
	if (!s || !strcmp(s, "always"))
		return 1;
	if (!strcmp(s, "never"))
		return 0;
	if (!strcmp(s, "auto"))
		return -1;
	return -2;
}

enum { OPT_COLOR = 256, OPT_FACILITY, OPT_REJECT, OPT_STRICT, OPT_TEE };

/* What the command line asks for beyond the options in struct txlog. */
struct log_opts {
	const char *format_text, *reject_path, *tag, *facility_name;
	int color;	       /* --color: 1 always, 0 never, -1 auto */
	int facility;	       /* --facility looked up */
	int log_fd;	       /* where the log lines go: -1 for syslog */
	struct tx_logfmt tmpl; /* --format compiled */
};

/*
 * Parse options: txlog's into t and o. Returns -1 to go on, or the exit
 * status (usage errors reported).
 */
static int parse_options(struct txlog *t, struct log_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"alerts-only", no_argument, NULL, 'a'},
	    {"color", optional_argument, NULL, OPT_COLOR},
	    {"facility", required_argument, NULL, OPT_FACILITY},
	    {"format", required_argument, NULL, 'f'},
	    {"help", no_argument, NULL, 'h'},
	    {"out", required_argument, NULL, 'o'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"reject", required_argument, NULL, OPT_REJECT},
	    {"strict", no_argument, NULL, OPT_STRICT},
	    {"syslog", no_argument, NULL, 's'},
	    {"tag", required_argument, NULL, 't'},
	    {"tee", no_argument, NULL, OPT_TEE},
	    TX_PROGRESS_LONGOPT,
	    {NULL, 0, NULL, 0},
	};
	int c;

	o->color = -1;
	o->facility = LOG_USER;
	while ((c = getopt_long(argc, argv, "af:ho:qst:", longopts, NULL)) != -1) {
		if (tx_progress_getopt(&t->progress, c))
			continue;
		switch (c) {
		case 'a': t->alerts_only = 1; break;
		case 'f': o->format_text = optarg; break;
		case 'h': return tx_help_exit(usage, "txlog");
		case 'o': t->out_path = optarg; break;
		case 'q': tx_quiet = 1; break;
		case 's': t->use_syslog = 1; break;
		case 't': o->tag = optarg; break;
		case OPT_COLOR:
			o->color = parse_color(optarg);
			if (o->color == -2) {
				tx_error("--color: '%s' is not auto, always or never", optarg);
				return TX_EXIT_USAGE;
			}
			break;
		case OPT_FACILITY: o->facility_name = optarg; break;
		case OPT_REJECT: o->reject_path = optarg; break;
		case OPT_STRICT: t->strict = 1; break;
		case OPT_TEE: t->tee = 1; break;
		default: tx_usage_error(); return TX_EXIT_USAGE;
		}
	}
	return -1;
}

/*
 * Check the options together, look up --facility and compile --format.
 * Returns -1 to go on, or the exit status (usage errors reported).
 */
static int check_options(struct txlog *t, struct log_opts *o)
{
	if (t->use_syslog && t->out_path) {
		tx_error("--out and --syslog are two destinations for the log: choose one");
		return TX_EXIT_USAGE;
	}
	if ((o->tag || o->facility_name) && !t->use_syslog) {
		tx_error("%s is for --syslog", o->tag ? "--tag" : "--facility");
		return TX_EXIT_USAGE;
	}
	if (o->facility_name) {
		size_t k, n = sizeof(facilities) / sizeof(facilities[0]);
		for (k = 0; k < n && strcmp(facilities[k].name, o->facility_name); k++)
			;
		if (k == n) {
			tx_error("--facility: '%s' is not user, daemon or local0 to local7",
				 o->facility_name);
			return TX_EXIT_USAGE;
		}
		o->facility = facilities[k].facility;
	}
	if (o->format_text) {
		char err[160];
		if (tx_logfmt_compile(&o->tmpl, o->format_text, err, sizeof(err)) < 0) {
			tx_error("--format: %s", err);
			return TX_EXIT_USAGE;
		}
		t->tmpl = &o->tmpl;
	}
	return -1;
}

/*
 * Open the outputs: the log (syslog, --out FILE, stderr beside a tee, or
 * stdout; its descriptor in o->log_fd), stdout under --tee, the rejects.
 * Returns -1 to go on, or the exit status (I/O errors reported).
 */
static int open_outputs(struct txlog *t, struct log_opts *o)
{
	if (t->use_syslog) {
		openlog(o->tag ? o->tag : "txlog", LOG_PID, o->facility);
		o->log_fd = -1;
	} else if (t->out_path) {
		o->log_fd = open_append(t->out_path);
		if (o->log_fd < 0)
			return TX_EXIT_IO;
		tx_out_init(&t->log, o->log_fd, t->out_path);
	} else {
		o->log_fd = t->tee ? 2 : 1;
		tx_out_init(&t->log, o->log_fd, t->tee ? "stderr" : "stdout");
	}
	if (t->tee)
		tx_out_init(&t->data, 1, "stdout");
	tx_rejects_init(&t->rej, t->strict);
	if (o->reject_path) {
		if (tx_rejects_open(&t->rej, o->reject_path) < 0) {
			/* nothing written yet: release what is set up, for leak checkers */
			if (t->tee)
				tx_buf_release(&t->data.b);
			if (!t->use_syslog)
				tx_out_close(&t->log);
			if (t->tmpl)
				tx_logfmt_release(t->tmpl);
			return TX_EXIT_IO;
		}
	}
	return -1;
}

/* Set up: colour (--color, NO_COLOR, a terminal), the signals, SIGHUP with -o, progress. */
static void setup(struct txlog *t, struct log_opts *o)
{
	struct sigaction sa;
	const char *no_color;

	/* https://no-color.org: a non-empty NO_COLOR turns colour off; --color=always wins */
	no_color = getenv("NO_COLOR");
	if (o->color == -1)
		o->color = o->log_fd >= 0 && isatty(o->log_fd) && !(no_color && *no_color);
	if (o->color && o->log_fd >= 0)
		t->fmt_flags |= TX_LOGFMT_COLOR;

	tx_signals_install();
	if (t->out_path) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_hup; /* no SA_RESTART: a signal must wake the wait for input */
		sigemptyset(&sa.sa_mask);
		sigaction(SIGHUP, &sa, NULL);
	}

	tx_record_init(&t->rec);
	tx_progress_start(&t->progress, TX_PROGRESS_ASKED, "records read");
}

/* Run: log the inputs (stdin without any) until the end, a stop or a signal. */
static void run(struct txlog *t, int argc, char **argv)
{
	if (optind == argc) {
		run_input(t, "-");
	} else {
		for (int i = optind; i < argc && !t->stop && !tx_signal; i++)
			run_input(t, argv[i]);
	}
}

/*
 * Finish: a SIGHUP not yet seen to, what is buffered written, every
 * output closed, progress ended; failures set t's status.
 */
static void finish(struct txlog *t)
{
	if (got_hup)
		reopen_log(t);
	flush_all(t);

	if (t->tee && tx_out_close(&t->data) < 0 && t->data.err != EPIPE)
		set_status(t, TX_EXIT_IO);
	if (t->use_syslog)
		closelog();
	else if (tx_out_close(&t->log) < 0 && t->log.err != EPIPE)
		set_status(t, TX_EXIT_IO);
	if (tx_rejects_close(&t->rej) < 0)
		set_status(t, TX_EXIT_IO);
	tx_progress_end(&t->progress);
}

/* Report: the summary line, and the exit status. */
static int report(const struct txlog *t)
{
	if (!tx_quiet)
		fprintf(stderr, "%s: %llu lines read, %llu logged, %llu rejected\n", tx_progname,
			(unsigned long long)t->nread, (unsigned long long)t->nlogged,
			(unsigned long long)t->rej.count);
	if (tx_signal)
		return TX_EXIT_SIGNAL + tx_signal;
	return t->status;
}

/* Free what t holds: the record, the syslog line, the template. */
static void log_release(struct txlog *t)
{
	tx_record_release(&t->rec);
	tx_buf_release(&t->line);
	if (t->tmpl)
		tx_logfmt_release(t->tmpl);
}

int cmd_main(int argc, char **argv)
{
	struct txlog t;
	struct log_opts o = {0};
	int status;

	memset(&t, 0, sizeof(t));
	status = parse_options(&t, &o, argc, argv);
	if (status < 0)
		status = check_options(&t, &o);
	if (status < 0)
		status = open_outputs(&t, &o);
	if (status >= 0)
		return status; /* as before: little is released on these ways out */
	setup(&t, &o);
	run(&t, argc, argv);
	finish(&t);
	status = report(&t);
	log_release(&t);
	return status;
}
