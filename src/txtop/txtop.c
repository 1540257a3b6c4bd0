/*
 * txtop: a live terminal dashboard of a transaction stream (txtop(1)).
 *
 * Two threads. The main thread is the pass-through: it reads large blocks,
 * writes the complete lines of each block to stdout unchanged (--tee), and
 * hands the block to the worker through a small ring of buffers, without
 * copying. With --tee the display samples and never slows the pipeline:
 * the worker parses within a CPU budget (2% of a core) and passes over the
 * rest, and when the ring is full the reader passes blocks through without
 * handing them over; the lines of both are estimated from their size.
 * Without --tee nothing is dropped (the reader waits), so the summary is
 * exact.
 *
 * The worker parses the records, keeps the statistics (stats.h), draws the
 * dashboard a few times per second (it is the only thread that calls
 * curses), reads the keyboard from the terminal, and writes the SVG.
 */
#define _GNU_SOURCE /* gettid */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "svg.h"
#include "timefmt.h"
#include "txtop.h"
#include "tx.h"

/* ---- options and global state (txtop.h) ---- */

struct txtop_opts opt;
volatile sig_atomic_t quit_key;
struct txtop_queue q = {.mu = PTHREAD_MUTEX_INITIALIZER, .freed = PTHREAD_COND_INITIALIZER};
pthread_t reader_thread;
struct source *sources;
int nsources;
int nopened;
struct txtop_worker w;

/* ---- signals ---- */

static void on_nudge(int sig)
{
	(void)sig;
}

/* SIGINT, SIGTERM, SIGHUP as every program (tx_signals_install()); SIGUSR1 */
static void install_signals(void)
{
	struct sigaction sa;

	tx_signals_install();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_nudge;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	       /* no SA_RESTART: a blocked read() must return EINTR */
	sigaction(SIGUSR1, &sa, NULL); /* the worker's nudge to a blocked reader */
}

static int write_svg(uint64_t now_ns)
{
	struct tx_svg_view v = {.title = nsources == 1 ? sources[0].name : "(files)",
				.now_sec = (int64_t)((now_ns - w.start_ns) / 1000000000u),
				.event_time = w.files,
				.width = TX_SVG_WIDTH};

	if (tx_svg_write(&w.st, opt.svg, &v) < 0) {
		w.exit_status = TX_EXIT_IO;
		return -1;
	}
	return 0;
}

/*
 * The worker's CPU time: its parsing budget is counted in it, not in wall
 * time, so that being preempted on a busy machine is not taken for work
 * (a stream of 300 records/s was "sampled" on a loaded machine).
 */
static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) < 0)
		return tx_now_ns();
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A frame for the page, when someone watches (and the first one anyway). */
static void web_tick(uint64_t now_ns)
{
	static int published;
	struct tx_svg_view v = {.title = nsources == 1 ? sources[0].name : "(files)",
				.now_sec = (int64_t)((now_ns - w.start_ns) / 1000000000u),
				.event_time = w.files};

	if (!published || web_viewers() > 0) {
		web_publish(&v);
		published = 1;
	}
}

/* Milliseconds until the deadline (monotonic ns), or timeout if sooner. */
static int ms_until(uint64_t deadline, int timeout)
{
	uint64_t t = tx_now_ns();
	int ms = deadline > t ? (int)((deadline - t) / 1000000u) + 1 : 0;

	return ms < timeout ? ms : timeout;
}

static void *worker(void *arg)
{
	uint64_t next_draw = 0;

	(void)arg;
	if (opt.svg && opt.svg_interval)
		w.next_svg_ns = w.start_ns + (uint64_t)opt.svg_interval * 1000000000u;
	for (;;) {
		int idx = -1, done, finished, resting;
		uint64_t now = tx_now_ns();

		if (now - w.window_ns >= WINDOW_NS) {
			w.window_ns = now;
			w.busy_ns = 0;
		}
		pthread_mutex_lock(&q.mu);
		/*
		 * With --tee the worker parses within a CPU budget, so that on a
		 * busy machine it takes little from the pipeline, the reader
		 * included. Over it, the worker rests until the next window and
		 * leaves the blocks to the reader, which passes them on without
		 * handing them over (their lines are estimated). At the end of
		 * the input it parses what is still queued (eight blocks at
		 * most: milliseconds, and the pass-through is over), so the
		 * last lines of a slow stream are not estimated. A stream slower
		 * than the budget allows is parsed whole.
		 */
		resting = opt.tee && w.busy_ns >= TEE_BUDGET_NS && !q.input_done && !stopping();
		if (q.count && !resting) {
			idx = q.fifo[q.head];
			q.head = (q.head + 1) % NSLOTS;
			q.count--;
		}
		done = q.input_done && !q.count && idx < 0;
		finished = q.reader_finished;
		pthread_mutex_unlock(&q.mu);

		if (idx >= 0) {
			if (!stopping()) {
				uint64_t cpu = thread_cpu_ns();
				process_block(&q.slot[idx]);
				w.busy_ns += thread_cpu_ns() - cpu;
			}
			slot_release(idx);
		}
		if (done && !w.eof) {
			uint64_t gap;

			pthread_mutex_lock(&q.mu);
			gap = q.final_gap_bytes;
			pthread_mutex_unlock(&q.mu);
			if (gap)
				add_estimated(&sources[nsources - 1], gap, tx_now_ns());
			w.eof = 1;
			w.end_ns =
			    tx_now_ns(); /* the rate is over the input, not the time served after */
		}

		now = tx_now_ns();
		if (w.screen) {
			handle_keys();
			if (now >= next_draw && !stopping()) {
				draw(now);
				next_draw = now + FRAME_MS * 1000000u;
			}
		}
		if (opt.http && (now >= w.next_web_ns || (done && w.eof && !w.web_final))) {
			web_tick(now);
			w.web_final = done && w.eof;
			w.next_web_ns = now + WEB_MS * 1000000u;
		}
		if (w.next_svg_ns && now >= w.next_svg_ns) {
			write_svg(now);
			w.next_svg_ns = now + (uint64_t)opt.svg_interval * 1000000000u;
		}
		if (stopping()) {
			/* the reader may sit in read(): nudge it until it has returned */
			if (finished)
				break;
			nudge_reader();
			if (idx < 0)
				poll(NULL, 0, 20);
			continue;
		}
		/* the dashboard (terminal or page) stays up after the end, until q or a signal */
		if (done && ((!w.screen && !opt.http) || opt.exit_at_eof))
			break;
		if (idx < 0) {
			/* nothing to do: wait for a block, a key, the next frame or the SVG */
			struct pollfd pf[2];
			int timeout = w.screen ? FRAME_MS : 1000, npf = 1;
			char drain[64];

			if (resting)
				timeout = ms_until(w.window_ns + WINDOW_NS, timeout);
			if (opt.http)
				timeout = ms_until(w.next_web_ns, timeout);
			if (w.next_svg_ns)
				timeout = ms_until(w.next_svg_ns, timeout);
			pthread_mutex_lock(&q.mu);
			if ((q.count && !resting) || (q.input_done && !done)) {
				pthread_mutex_unlock(&q.mu);
				continue;
			}
			/* resting, only the end of the input wakes it early */
			if (resting)
				q.resting = 1;
			else
				q.sleeping = 1;
			pthread_mutex_unlock(&q.mu);
			pf[0].fd = q.wake[0];
			pf[0].events = POLLIN;
			if (w.screen) {
				pf[1].fd = fileno(w.tty);
				pf[1].events = POLLIN;
				npf = 2;
			}
			poll(pf, (nfds_t)npf, timeout);
			while (read(q.wake[0], drain, sizeof(drain)) > 0)
				;
			pthread_mutex_lock(&q.mu);
			q.sleeping = q.resting = 0;
			pthread_mutex_unlock(&q.mu);
		}
	}
	return NULL;
}

/* ---- main ---- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s [-1eht] [-r file] [-s file] [--strict] [--svg-interval seconds]\n"
		"             [--http [addr:]port [--token-file file]] [file ...]\n",
		tx_progname);
}

static void help(void)
{
	usage(stdout);
	fputs("\n"
	      "A live dashboard of a transaction stream: throughput, types, amounts,\n"
	      "statuses, latency, top accounts by spend, alerts, latest transactions.\n"
	      "Keys: q quits.\n",
	      stdout);
	tx_help(stdout, "txtop");
}

/*
 * Parse options: into opt (txtop.h), the global the threads read. Returns
 * -1 to go on, or the exit status (usage errors reported).
 */
static int parse_options(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"tee", no_argument, NULL, 't'},
	    {"once", no_argument, NULL, '1'},
	    {"exit-at-eof", no_argument, NULL, 'e'},
	    {"svg", required_argument, NULL, 's'},
	    {"svg-interval", required_argument, NULL, 'I'},
	    {"reject", required_argument, NULL, 'r'},
	    {"strict", no_argument, NULL, 'S'},
	    {"http", required_argument, NULL, 'H'},
	    {"token-file", required_argument, NULL, 'T'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "1ehr:s:t", longopts, NULL)) != -1) {
		switch (c) {
		case 't': opt.tee = 1; break;
		case '1': opt.once = 1; break;
		case 'e': opt.exit_at_eof = 1; break;
		case 's': opt.svg = optarg; break;
		case 'I':
			if (tx_parse_int64(optarg, 1, 86400 * 365, &opt.svg_interval) < 0) {
				tx_error(
				    "--svg-interval: '%s' is not a number of seconds (1 or more)",
				    optarg);
				return TX_EXIT_USAGE;
			}
			break;
		case 'r': opt.reject = optarg; break;
		case 'S': opt.strict = 1; break;
		case 'H': opt.http = optarg; break;
		case 'T': opt.token_file = optarg; break;
		case 'h': help(); return TX_EXIT_OK;
		default: tx_usage_error(); return TX_EXIT_USAGE;
		}
	}
	if (opt.token_file && !opt.http) {
		tx_error("--token-file needs --http");
		return TX_EXIT_USAGE;
	}
	if (opt.svg_interval && !opt.svg) {
		tx_error("--svg-interval needs --svg FILE");
		return TX_EXIT_USAGE;
	}
	return -1;
}

/*
 * The sources: the nargs files named (stdin without any), into sources;
 * w.files if all are regular files. Then refuse a terminal for the
 * records, and for the --tee output (it is where the dashboard is
 * drawn). Returns -1 to go on, or the exit status (usage errors reported).
 */
static int check_sources(int nargs, char **args)
{
	nsources = nargs ? nargs : 1;
	sources = tx_calloc((size_t)nsources, sizeof(*sources));
	for (int i = 0; i < nsources; i++) {
		const char *a = nargs ? args[i] : "-";
		sources[i].name = strcmp(a, "-") ? a : "stdin";
		sources[i].path = strcmp(a, "-") ? a : NULL;
	}
	/* files (named, or on stdin) are read far faster than they happened */
	w.files = 1;
	for (int i = 0; i < nsources; i++) {
		struct stat sb;
		if ((sources[i].path ? stat(sources[i].path, &sb) : fstat(STDIN_FILENO, &sb)) < 0 ||
		    !S_ISREG(sb.st_mode))
			w.files = 0;
	}
	/* the terminal carries the keys and the dashboard: records must come from elsewhere */
	if (!nargs && isatty(STDIN_FILENO)) {
		tx_error("standard input is a terminal: pipe records in, or name files");
		tx_usage_error();
		return TX_EXIT_USAGE;
	}
	if (opt.tee && !opt.once && isatty(STDOUT_FILENO)) {
		tx_error("--tee: standard output is a terminal, where the dashboard is drawn: "
			 "redirect it (or use --once)");
		return TX_EXIT_USAGE;
	}
	return -1;
}

/*
 * Set up the outputs: the rejects, the HTTP server (--http), the signals
 * and the terminal's restoring at exit, the live display (*live) unless
 * there is none to be had. Returns -1 to go on, or the exit status
 * (reported).
 */
static int open_outputs(int *live)
{
	int status;

	tx_rejects_init(&w.rej, opt.strict);
	if (opt.reject && tx_rejects_open(&w.rej, opt.reject) < 0)
		return TX_EXIT_IO;

	if (opt.http && (status = web_start(opt.http, opt.token_file)) != TX_EXIT_OK)
		return status;
	install_signals();
	atexit(restore_terminal);
	/*
	 * The live display, unless --once, or (without --tee) stdout is not a
	 * terminal: then the summary. With --tee and no terminal to draw on, the
	 * records still flow, and the summary goes to stderr at the end.
	 */
	if (!opt.once && (opt.tee || isatty(STDOUT_FILENO)) && screen_open() == 0)
		*live = 1;
	else if (!opt.once && (opt.tee || isatty(STDOUT_FILENO))) {
		if (!opt.tee)
			tx_warn("%s: printing a summary", screen_why);
		else
			tx_warn("%s: summary on stderr at end", screen_why);
	}
	return -1;
}

/* Set up the queue (its wake-up pipe and slots) and the worker's statistics and clocks. */
static void setup_queue(void)
{
	if (pipe(q.wake) < 0)
		tx_die_errno(TX_EXIT_SOFTWARE, "pipe");
	fcntl(q.wake[0], F_SETFL, O_NONBLOCK);
	fcntl(q.wake[1], F_SETFL, O_NONBLOCK);
	for (int i = 0; i < NSLOTS; i++) {
		q.slot[i].data = tx_malloc(SLOT_SIZE);
		q.free_idx[q.nfree++] = i;
	}
	tx_stats_init(&w.st);
	tx_record_init(&w.rec);
	w.start_ns = tx_now_ns();
	w.start_us = tx_wall_us();
	reader_thread = pthread_self();
}

/*
 * Run: start the worker, read the input on this thread (read_all()), then
 * wait for the worker and stop the HTTP server and the screen. Returns
 * read_all()'s exit status.
 */
static int run(void)
{
	sigset_t mask, old;
	pthread_t wt;
	int status;

	/* INT, TERM and HUP go to the reader (its read() returns); the rest to the worker. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &mask, &old);
	if (pthread_create(&wt, NULL, worker, NULL))
		tx_die(TX_EXIT_SOFTWARE, "cannot start a thread");
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	sigemptyset(&mask);
	sigaddset(&mask, SIGWINCH);
	sigaddset(&mask, SIGTSTP);
	pthread_sigmask(SIG_BLOCK, &mask, NULL);

	status = read_all();
	pthread_mutex_lock(&q.mu);
	q.reader_finished = 1;
	pthread_mutex_unlock(&q.mu);
	pthread_join(wt, NULL);
	web_stop();
	screen_close();
	return status;
}

/*
 * Report: the warnings held back while the screen was up, the last SVG,
 * the summary when nothing was live, the rejects closed. Returns the exit
 * status: a signal's, else status if not 0, else the worker's, else 1 if
 * any line was bad.
 */
static int report(int status, int live)
{
	for (int i = 0; i < w.ndeferred; i++) {
		tx_warn("%s", w.deferred[i]);
		free(w.deferred[i]);
	}
	if (w.st.bad > (uint64_t)w.ndeferred && w.defer_warnings)
		tx_warn("... %llu bad lines in all", (unsigned long long)w.st.bad);

	if (opt.svg && write_svg(tx_now_ns()) < 0 && status == TX_EXIT_OK)
		status = TX_EXIT_IO;
	if (!live && nopened) {
		/* cron mail: the summary, on stdout (on stderr with --tee: stdout is data) */
		struct tx_buf b = TX_BUF_INIT;
		FILE *f = opt.tee ? stderr : stdout;

		tx_stats_summary(
		    &b, &w.st,
		    w.files ? 0
			    : (int64_t)(((w.eof ? w.end_ns : tx_now_ns()) - w.start_ns) / 1000));
		fwrite(b.p, 1, b.len, f);
		tx_buf_release(&b);
	}
	if (tx_rejects_close(&w.rej) < 0 && status == TX_EXIT_OK)
		status = TX_EXIT_IO;
	if (tx_signal)
		status = TX_EXIT_SIGNAL + tx_signal;
	else if (status == TX_EXIT_OK && w.exit_status)
		status = w.exit_status;
	else if (status == TX_EXIT_OK && w.st.bad)
		status = TX_EXIT_REJECTED;
	return status;
}

int cmd_main(int argc, char **argv)
{
	int status, live = 0;

	status = parse_options(argc, argv);
	if (status < 0)
		status = check_sources(argc - optind, argv + optind);
	if (status < 0)
		status = open_outputs(&live);
	if (status >= 0)
		return status;
	setup_queue();
	status = report(run(), live);
	tx_record_release(&w.rec);
	tx_stats_release(&w.st);
	return status;
}
