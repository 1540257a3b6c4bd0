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
#define _GNU_SOURCE /* memrchr, gettid */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curses.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "buf.h"
#include "chart.h"
#include "lines.h"
#include "out.h"
#include "record.h"
#include "stats.h"
#include "svg.h"
#include "timefmt.h"
#include "tx.h"

#define NSLOTS	     8
#define SLOT_SIZE    (128 * 1024) /* also the longest line inspected */
#define MIN_COLS     80
#define MIN_LINES    24
#define FRAME_MS     250 /* redraw period */
#define MAX_DEFERRED 10
/* With --tee, the worker parses for at most this much of every window. */
#define WINDOW_NS     (50 * 1000000u)
#define TEE_BUDGET_NS (1000000u) /* 1 ms: 2% of a core */

/* ---- options and global state ---- */

static struct {
	int tee, once, exit_at_eof, strict;
	const char *svg, *reject;
	int64_t svg_interval; /* seconds, 0: only at exit */
} opt;

static volatile sig_atomic_t got_signal; /* SIGINT, SIGTERM, SIGHUP: stop */
static volatile sig_atomic_t quit_key;	 /* q pressed: stop */

enum { B_LONG_HEAD = 1 }; /* the block starts inside a line too long to inspect */

struct block {
	char *data;
	size_t len;
	int src;
	unsigned flags;
	uint64_t gap_bytes;  /* bytes passed through, not even counted, before this block */
	uint64_t arrival_ns; /* monotonic */
	int64_t arrival_us;  /* wall clock */
};

static struct {
	pthread_mutex_t mu;
	pthread_cond_t freed;
	struct block slot[NSLOTS];
	int free_idx[NSLOTS], nfree;
	int fifo[NSLOTS], head, count;
	int sleeping;		  /* the worker waits in poll() for wake[0] */
	int resting;		  /* ... but only for the end of the input (over its budget) */
	int wake[2];		  /* self-pipe: reader -> worker */
	int input_done;		  /* the reader has published its last block */
	uint64_t final_gap_bytes; /* passed through at the very end, never handed over */
	uint64_t sample_lines, sample_bytes; /* counted in blocks not handed over (atomics) */
	int reader_finished;		     /* the reader loop has returned */
} q = {.mu = PTHREAD_MUTEX_INITIALIZER, .freed = PTHREAD_COND_INITIALIZER};

static pthread_t reader_thread;

struct source {
	const char *name; /* for messages: "stdin" for "-" */
	const char *path;
	uint64_t lineno;
	int lineno_approx; /* input was skipped uncounted: line numbers are estimates */
};
static struct source *sources;
static int nsources;

/* The worker's state: it alone touches these while it runs. */
static struct {
	struct tx_stats st;
	struct tx_record rec;
	uint64_t start_ns;
	int64_t start_us;
	int eof;	 /* every source fully processed */
	int exit_status; /* from the worker: rejected lines, --strict, SVG errors */
	int screen;	 /* curses is active */
	int utf8;	 /* draw with block and braille characters */
	int colors;
	FILE *tty;
	int defer_warnings; /* stderr is the terminal we draw on: keep messages */
	char *deferred[MAX_DEFERRED];
	int ndeferred;
	char last_bad[200];
	struct tx_out reject;
	int have_reject;
	uint64_t next_svg_ns;
	int output_closed;		 /* downstream closed stdout (EPIPE) */
	uint64_t seen_bytes, seen_lines; /* in blocks counted: for estimating skipped ones */
	uint64_t window_ns, busy_ns;	 /* parsing time in the current window */
} w;

/* ---- signals ---- */

static void on_signal(int sig)
{
	if (sig != SIGUSR1 && !got_signal)
		got_signal = sig;
}

static void install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: a blocked read() must return EINTR */
	for (size_t i = 0; i < 3; i++) {
		static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
		struct sigaction old;

		/* an ignored signal stays ignored (nohup, background jobs of sh) */
		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			continue;
		sigaction(sigs[i], &sa, NULL);
	}
	sigaction(SIGUSR1, &sa, NULL); /* the worker's nudge to a blocked reader */
}

static int stopping(void)
{
	return got_signal || quit_key;
}

/* ---- the ring of blocks ---- */

static void wake_worker_locked(void)
{
	if (q.sleeping) {
		char c = 1;
		q.sleeping = 0;
		if (write(q.wake[1], &c, 1) < 0 && errno != EAGAIN) {
			/* the worker also wakes on its timer; nothing is lost */
		}
	}
}

/* A free slot, or -1: when none is free and drop_ok, or when stopping. */
static int slot_acquire(int drop_ok)
{
	int i = -1;

	pthread_mutex_lock(&q.mu);
	while (q.nfree == 0 && !drop_ok && !stopping()) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 200 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&q.freed, &q.mu, &ts);
	}
	if (q.nfree > 0)
		i = q.free_idx[--q.nfree];
	pthread_mutex_unlock(&q.mu);
	return i;
}

static void slot_publish(int i)
{
	pthread_mutex_lock(&q.mu);
	q.fifo[(q.head + q.count) % NSLOTS] = i;
	q.count++;
	wake_worker_locked();
	pthread_mutex_unlock(&q.mu);
}

static void slot_release(int i)
{
	pthread_mutex_lock(&q.mu);
	q.free_idx[q.nfree++] = i;
	pthread_cond_signal(&q.freed);
	pthread_mutex_unlock(&q.mu);
}

/* ---- the reader (main thread) ---- */

/*
 * Count '\n' bytes, 16 at a time with SSE2 (every x86-64 has it): each
 * compare gives -1 per newline byte, subtracted into byte counters that are
 * summed (psadbw) before they can overflow.
 */
static uint64_t count_lines(const char *p, size_t n)
{
	uint64_t c = 0;
	size_t i = 0;

#ifdef __SSE2__
	const __m128i nl = _mm_set1_epi8('\n'), zero = _mm_setzero_si128();

	while (i + 16 <= n) {
		__m128i acc = zero, sum;
		size_t stop = i + 255 * 16 < n ? i + 255 * 16 : n;

		for (; i + 16 <= stop; i += 16) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
			acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(v, nl));
		}
		sum = _mm_sad_epu8(acc, zero);
		c += (uint64_t)_mm_cvtsi128_si32(sum) + (uint64_t)_mm_extract_epi16(sum, 4);
	}
#endif
	for (; i < n; i++)
		c += p[i] == '\n';
	return c;
}

/* Pass bytes through to stdout. 0, or -1: stop reading (EPIPE, error, signal). */
static int tee_write(const char *p, size_t n, int *status)
{
	while (n > 0) {
		ssize_t k = write(STDOUT_FILENO, p, n);
		if (k < 0) {
			if (errno == EINTR) {
				if (stopping())
					return -1;
				continue;
			}
			if (errno == EPIPE) {
				w.output_closed = 1; /* read by the worker only after input_done */
				return -1;
			}
			tx_error("write error on standard output: %s", strerror(errno));
			*status = TX_EXIT_IO;
			return -1;
		}
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/*
 * Read one source to its end. Only complete lines are passed on (a partial
 * last line waits for its '\n', or for the end of the input), so the worker
 * always sees whole lines and a stop never cuts a record in two.
 * Returns 0 to go on with the next source, -1 to stop.
 */
static int read_source(int src, int fd, int drop_ok, char *spare, int *status)
{
	int cur = slot_acquire(drop_ok);
	char *buf = cur >= 0 ? q.slot[cur].data : spare;
	size_t carry = 0;
	int long_line = 0, stop = 0;
	static unsigned ndropped;
	uint64_t gap = 0;

	for (;;) {
		ssize_t n = read(fd, buf + carry, SLOT_SIZE - carry);
		size_t total, upto;
		char *nl;

		if (n < 0) {
			if (errno == EINTR) {
				if (stopping()) {
					stop = 1;
					break;
				}
				continue;
			}
			tx_error("read error on %s: %s", sources[src].name, strerror(errno));
			*status = TX_EXIT_IO;
			stop = 1;
			break;
		}
		if (n == 0)
			break;
		total = carry + (size_t)n;
		nl = memrchr(buf, '\n', total);
		if (!nl) {
			if (total < SLOT_SIZE) {
				carry = total;
				continue;
			}
			/* a line longer than a block: pass it on, the worker skips it */
			if (opt.tee && tee_write(buf, total, status)) {
				stop = 1;
				break;
			}
			long_line = 1;
			carry = 0;
			continue;
		}
		upto = (size_t)(nl - buf) + 1;
		if (opt.tee && tee_write(buf, upto, status)) {
			stop = 1;
			break;
		}
		if (cur >= 0) {
			struct block *b = &q.slot[cur];
			b->len = upto;
			b->src = src;
			b->flags = long_line ? B_LONG_HEAD : 0;
			b->gap_bytes = gap;
			b->arrival_ns = tx_now_ns();
			b->arrival_us = tx_wall_us();
			gap = 0;
			slot_publish(cur);
		} else {
			/*
			 * The ring is full: pass the block on without handing it
			 * over. Its lines are estimated from its size; to keep the
			 * estimate true, one such block in 16 is counted.
			 */
			gap += upto;
			if ((ndropped++ & 15) == 0) {
				__atomic_add_fetch(&q.sample_lines, count_lines(buf, upto),
						   __ATOMIC_RELAXED);
				__atomic_add_fetch(&q.sample_bytes, upto, __ATOMIC_RELAXED);
			}
		}
		long_line = 0;
		/* the partial last line moves to the front of the next buffer */
		{
			int next = slot_acquire(drop_ok);
			char *nbuf = next >= 0 ? q.slot[next].data : spare;
			memmove(nbuf, buf + upto, total - upto);
			carry = total - upto;
			cur = next;
			buf = nbuf;
		}
		if (stopping()) {
			stop = 1;
			break;
		}
	}
	/* the end of this source: its unterminated last line, and what was skipped before it */
	if (!stop && carry && opt.tee && tee_write(buf, carry, status))
		stop = 1;
	if (stop)
		carry = 0; /* a cut line is not inspected */
	if (!carry && !gap && !long_line) {
		if (cur >= 0)
			slot_release(cur);
		return stop ? -1 : 0;
	}
	if (cur < 0) {
		/* without --tee wait for a slot (nothing is dropped); with it, never */
		cur = stop ? -1 : slot_acquire(opt.tee);
		if (cur < 0) {
			pthread_mutex_lock(&q.mu);
			q.final_gap_bytes += gap + carry;
			pthread_mutex_unlock(&q.mu);
			return stop ? -1 : 0;
		}
		memcpy(q.slot[cur].data, buf, carry);
	}
	{
		struct block *b = &q.slot[cur];
		b->len = carry;
		b->src = src;
		b->flags = long_line ? B_LONG_HEAD : 0;
		b->gap_bytes = gap;
		b->arrival_ns = tx_now_ns();
		b->arrival_us = tx_wall_us();
		slot_publish(cur);
	}
	return stop ? -1 : 0;
}

static int read_all(void)
{
	char *spare = tx_malloc(SLOT_SIZE);
	int status = TX_EXIT_OK;

	for (int i = 0; i < nsources && !stopping(); i++) {
		int fd = STDIN_FILENO;

		if (sources[i].path) {
			fd = open(sources[i].path, O_RDONLY | O_CLOEXEC);
			if (fd < 0) {
				tx_error("cannot open '%s': %s", sources[i].path, strerror(errno));
				status = TX_EXIT_IO;
				continue;
			}
		}
		/* without --tee nothing may be dropped: the summary must be exact */
		if (read_source(i, fd, opt.tee, spare, &status) < 0)
			i = nsources;
		if (fd != STDIN_FILENO)
			close(fd);
	}
	/* Downstream sees the end of the stream now, even if the display stays up. */
	if (opt.tee && !w.output_closed) {
		if (close(STDOUT_FILENO) < 0 && errno != EPIPE && status == TX_EXIT_OK) {
			tx_error("write error on standard output: %s", strerror(errno));
			status = TX_EXIT_IO;
		}
		/* keep fd 1 valid for the exit checks in common-main.c */
		open("/dev/null", O_WRONLY);
	}
	pthread_mutex_lock(&q.mu);
	q.input_done = 1;
	if (q.resting) {
		q.resting = 0;
		q.sleeping = 1;
	}
	wake_worker_locked();
	pthread_mutex_unlock(&q.mu);
	free(spare);
	return status;
}

/* ---- the worker: records ---- */

static void warn_bad(const struct source *src, const char *msg)
{
	char text[sizeof(w.last_bad)];

	/* "stdin:~1234": after input skipped uncounted, the line number is an estimate */
	snprintf(text, sizeof(text), "%s:%s%llu: %s", src->name, src->lineno_approx ? "~" : "",
		 (unsigned long long)src->lineno, msg);
	memcpy(w.last_bad, text, sizeof(text));
	if (!w.defer_warnings) {
		tx_warn("%s", text);
		return;
	}
	if (w.ndeferred < MAX_DEFERRED)
		w.deferred[w.ndeferred++] = tx_strdup(text);
}

static void handle_line(struct source *src, const char *p, size_t n, const struct block *b)
{
	w.st.lines++;
	src->lineno++;
	if (tx_line_blank(p, n))
		return;
	if (tx_record_parse(&w.rec, p, n, TX_PARSE_REQUIRE | TX_PARSE_ANY_TYPE) < 0) {
		w.st.bad++;
		warn_bad(src, w.rec.err);
		if (w.have_reject)
			tx_out_line(&w.reject, p, n);
		if (opt.strict) {
			w.exit_status = TX_EXIT_REJECTED;
			quit_key = 1; /* stop everything, as q does */
		}
		return;
	}
	tx_stats_add(&w.st, &w.rec, b->arrival_us,
		     (int64_t)((b->arrival_ns - w.start_ns) / 1000000000u));
}

/* Lines in bytes that were not looked at, from the lines per byte counted so far. */
static uint64_t estimate_lines(uint64_t bytes)
{
	uint64_t lines = w.seen_lines + __atomic_load_n(&q.sample_lines, __ATOMIC_RELAXED);
	uint64_t total = w.seen_bytes + __atomic_load_n(&q.sample_bytes, __ATOMIC_RELAXED);
	uint64_t est =
	    total ? (uint64_t)((double)bytes * (double)lines / (double)total + 0.5) : bytes / 150;
	return est ? est : 1;
}

static void add_estimated(struct source *src, uint64_t bytes, uint64_t arrival_ns)
{
	uint64_t est = estimate_lines(bytes);

	src->lineno += est;
	src->lineno_approx = 1;
	w.st.lines += est;
	w.st.skipped += est;
	w.st.estimated += est;
	tx_rate_add(&w.st.rate, (int64_t)((arrival_ns - w.start_ns) / 1000000000u), est);
}

/*
 * Pass over a block without looking at it (the worker has spent its
 * budget): its lines are estimated from its size.
 */
static void estimate_block(const struct block *b)
{
	struct source *src = &sources[b->src];

	if (b->gap_bytes || b->len)
		add_estimated(src, b->gap_bytes + b->len, b->arrival_ns);
}

/* Inspect a block's records (after accounting for what the reader skipped before it). */
static void process_block(const struct block *b)
{
	struct source *src = &sources[b->src];
	const char *p = b->data, *end = b->data + b->len;
	uint64_t lines0;

	if (b->gap_bytes) /* the reader skipped blocks without handing them over */
		add_estimated(src, b->gap_bytes, b->arrival_ns);
	lines0 = w.st.lines;
	if (b->flags & B_LONG_HEAD) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		w.st.lines++;
		w.st.skipped++;
		src->lineno++;
		warn_bad(src, "line longer than 128 KiB: not inspected");
		p = nl ? nl + 1 : end;
	}
	while (p < end && !(opt.strict && w.exit_status)) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *lend = nl ? nl : end;

		handle_line(src, p, (size_t)(lend - p), b);
		p = lend + 1;
	}
	w.seen_bytes += b->len;
	w.seen_lines += w.st.lines - lines0;
}

/* ---- the worker: drawing ---- */

/* Put s at (y, x), at most width cells (one per UTF-8 character). */
static void put(int y, int x, int width, const char *s)
{
	const char *p = s;
	int cells = 0;

	if (y < 0 || y >= LINES || x >= COLS || width <= 0)
		return;
	if (x + width > COLS)
		width = COLS - x;
	while (*p && cells < width) {
		p++;
		while ((*p & 0xc0) == 0x80)
			p++;
		cells++;
	}
	mvaddnstr(y, x, s, (int)(p - s));
}

static void putf(int y, int x, int width, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void putf(int y, int x, int width, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap); /* a display line: truncation is fine */
	va_end(ap);
	put(y, x, width, line);
}

static void header(int y, int x, int width, const char *title)
{
	attron(A_BOLD);
	put(y, x, width, title);
	attroff(A_BOLD);
}

static const char *count_str(struct tx_buf *b, uint64_t n)
{
	tx_buf_reset(b);
	tx_stats_add_count(b, n);
	return b->p;
}

static void hhmmss(char out[9], int64_t us)
{
	int64_t s = us / 1000000;
	int64_t d = s % 86400;

	if (d < 0)
		d += 86400;
	snprintf(out, 9, "%02d:%02d:%02d", (int)(d / 3600), (int)(d / 60 % 60), (int)(d % 60));
}

enum { C_BAR = 1, C_OK, C_FAIL, C_PEND, C_ALERT, C_TITLE };

static void color_on(int c)
{
	if (w.colors)
		attron(COLOR_PAIR(c));
}

static void color_off(int c)
{
	if (w.colors)
		attroff(COLOR_PAIR(c));
}

static const enum tx_type type_order[] = {
    TX_TYPE_DEPOSIT, TX_TYPE_WITHDRAWAL, TX_TYPE_PAYMENT, TX_TYPE_TRANSFER,
    TX_TYPE_FEE,     TX_TYPE_REFUND,	 TX_TYPE_NONE,
};

static void draw_too_small(void)
{
	char msg[128];
	int len;

	erase();
	len = snprintf(msg, sizeof(msg), "terminal too small (%dx%d): txtop needs %dx%d", COLS,
		       LINES, MIN_COLS, MIN_LINES);
	if (len > COLS) {
		put(LINES / 2 - 1 < 0 ? 0 : LINES / 2 - 1, 0, COLS, "terminal too small");
		putf(LINES / 2, 0, COLS, "need %dx%d", MIN_COLS, MIN_LINES);
	} else {
		put(LINES / 2, (COLS - len) / 2, COLS, msg);
	}
	refresh();
}

static void draw(uint64_t now_ns)
{
	const struct tx_stats *s = &w.st;
	struct tx_buf t = TX_BUF_INIT, u = TX_BUF_INIT;
	int W = COLS, H = LINES, LW, RX, RW, AW, TX, TW, extra, ce, y, mid, bot, nb;
	int64_t now_sec = (int64_t)((now_ns - w.start_ns) / 1000000000u);
	uint64_t series[TX_RATE_SECS], peak = 0, nowrate, maxc = 0;
	size_t nser;

	if (W < MIN_COLS || H < MIN_LINES) {
		draw_too_small();
		return;
	}
	erase();

	/* title bar */
	attron(A_REVERSE);
	mvhline(0, 0, ' ', W);
	tx_stats_add_count(&t, s->records);
	tx_buf_adds(&t, " records");
	if (s->bad) {
		tx_buf_adds(&t, ", ");
		tx_stats_add_count(&t, s->bad);
		tx_buf_adds(&t, " bad");
	}
	if (s->skipped) {
		tx_buf_adds(&t, s->estimated ? ", sampled ~" : ", sampled ");
		tx_stats_add_share(&t, s->lines - s->skipped, s->lines);
	}
	putf(0, 1, W - 2, "txtop  %s  %s  %s", nsources == 1 ? sources[0].name : "(files)", t.p,
	     w.eof ? (w.output_closed ? "[output closed, q to quit]" : "[end of input, q to quit]")
		   : "[q to quit]");
	{
		char clock[32];
		time_t now = time(NULL);
		struct tm tm;
		gmtime_r(&now, &tm);
		strftime(clock, sizeof(clock), "%H:%M:%SZ", &tm);
		put(0, W - 1 - (int)strlen(clock), 10, clock);
	}
	attroff(A_REVERSE);

	/* throughput sparkline: one cell per second */
	nser = (size_t)(W - 2);
	tx_rate_series(&s->rate, now_sec, series, nser);
	for (size_t i = 0; i < nser; i++)
		if (series[i] > peak)
			peak = series[i];
	/* the last five complete seconds: upstream stages flush in bursts */
	nowrate = 0;
	for (size_t i = 2; i <= 6 && i <= nser; i++)
		nowrate += series[nser - i];
	tx_buf_reset(&t);
	tx_stats_add_count(&t, (nowrate + 2) / 5);
	tx_buf_reset(&u);
	tx_stats_add_count(&u, peak);
	header(1, 1, W - 2, "throughput");
	putf(1, 12, W - 13, "%s/s over the last 5 s, peak %s/s, one cell per second", t.p, u.p);
	tx_buf_reset(&t);
	tx_chart_spark(&t, series, nser, nser, w.utf8);
	color_on(C_BAR);
	put(2, 1, W - 2, t.p);
	color_off(C_BAR);

	LW = (W - 1) / 2;
	RX = LW + 2;
	RW = W - RX - 1;
	extra = H - MIN_LINES;
	ce = extra / 3 > 8 ? 8 : extra / 3;

	/* types: bar chart */
	header(4, 1, LW - 1, "types");
	for (size_t i = 0; i < sizeof(type_order) / sizeof(type_order[0]); i++)
		if (s->by_type[type_order[i]] > maxc)
			maxc = s->by_type[type_order[i]];
	y = 5;
	for (size_t i = 0; i < sizeof(type_order) / sizeof(type_order[0]); i++, y++) {
		uint64_t c = s->by_type[type_order[i]];
		int barw = LW - 1 - 11 - 10 - 8;

		putf(y, 1, 11, "%-10s", tx_stats_type_label(type_order[i]));
		putf(y, 12, 10, "%9s", count_str(&u, c));
		tx_buf_reset(&t);
		tx_chart_bar(&t, c, maxc, (size_t)(barw > 1 ? barw : 1), w.utf8);
		color_on(C_BAR);
		put(y, 23, barw, t.p);
		color_off(C_BAR);
		tx_buf_reset(&t);
		tx_stats_add_share(&t, c, s->records);
		putf(y, 23 + barw + 1, 7, "%6s", t.p);
	}

	/* amounts: line chart */
	{
		int ch = 7 + ce;
		double *vals = tx_malloc(TX_STATS_AMOUNTS * sizeof(*vals));
		size_t nv = tx_stats_amounts(s, vals, TX_STATS_AMOUNTS);
		struct tx_buf rows[16];
		double hi;
		size_t cw = (size_t)(RW - 10);

		for (int i = 0; i < ch; i++)
			tx_buf_init(&rows[i]);
		hi = tx_chart_lines(rows, (size_t)ch, vals, nv, cw, 0, w.utf8);
		putf(4, RX, RW, "%s", "");
		header(4, RX, 8, "amounts");
		putf(4, RX + 8, RW - 8, "latest %zu transactions",
		     nv < cw * (w.utf8 ? 2 : 1) ? nv : cw * (w.utf8 ? 2 : 1));
		putf(5, RX, 9, "%9.2f", hi);
		putf(5 + ch - 1, RX, 9, "%9d", 0);
		color_on(C_BAR);
		for (int i = 0; i < ch; i++) {
			put(5 + i, RX + 10, (int)cw, rows[i].p ? rows[i].p : "");
			tx_buf_release(&rows[i]);
		}
		color_off(C_BAR);
		free(vals);
	}

	/* statuses, latency | top accounts */
	mid = 13 + ce;
	header(mid, 1, LW - 1, "statuses");
	{
		static const struct {
			enum tx_status st;
			const char *name;
			int color;
		} sts[] = {{TX_STATUS_COMPLETED, "completed", C_OK},
			   {TX_STATUS_PENDING, "pending", C_PEND},
			   {TX_STATUS_FAILED, "failed", C_FAIL}};
		uint64_t smax = 0;
		int barw = LW - 1 - 11 - 10 - 8;

		for (int i = 0; i < 3; i++)
			if (s->by_status[sts[i].st] > smax)
				smax = s->by_status[sts[i].st];
		for (int i = 0; i < 3; i++) {
			uint64_t c = s->by_status[sts[i].st];
			putf(mid + 1 + i, 1, 11, "%-10s", sts[i].name);
			putf(mid + 1 + i, 12, 10, "%9s", count_str(&u, c));
			tx_buf_reset(&t);
			tx_chart_bar(&t, c, smax, (size_t)(barw > 1 ? barw : 1), w.utf8);
			color_on(sts[i].color);
			put(mid + 1 + i, 23, barw, t.p);
			color_off(sts[i].color);
			tx_buf_reset(&t);
			tx_stats_add_share(&t, c, s->records);
			putf(mid + 1 + i, 23 + barw + 1, 7, "%6s", t.p);
		}
	}
	header(mid + 5, 1, LW - 1, "latency");
	if (s->latency.n) {
		static const double pq[] = {0.5, 0.9, 0.99, 0.999};
		static const char *const pn[] = {"p50", "p90", "p99", "p99.9"};
		putf(mid + 5, 9, LW - 9, "(%s records)", count_str(&u, s->latency.n));
		int cw = (LW - 1) / 3 < 14 ? 14 : (LW - 1) / 3; /* "p99.9 328d09h" */

		for (int i = 0; i < 5; i++) {
			tx_buf_reset(&t);
			if (i < 4) {
				tx_buf_addf(&t, "%s ", pn[i]);
				tx_stats_add_duration(&t, tx_hist_quantile(&s->latency, pq[i]));
			} else {
				tx_buf_adds(&t, "max ");
				tx_stats_add_duration(&t, s->latency.max);
			}
			put(mid + 6 + i / 3, 1 + (i % 3) * cw, cw - 1, t.p);
		}
	} else {
		put(mid + 6, 1, LW - 1, "(no timestamps yet)");
	}

	header(mid, RX, RW, "top accounts by spend (debits)");
	{
		const struct tx_topk_ent *top[TX_STATS_TOP];
		size_t ntop = tx_topk_top(&s->spend, top, 6);
		for (size_t i = 0; i < ntop; i++) {
			char key[TX_TOPK_KEY + 1];
			tx_buf_reset(&t);
			tx_topk_format_amount(&t, top[i]);
			putf(mid + 1 + (int)i, RX, RW, "%zu. %-*.*s %12s %s %5s", i + 1, RW - 27,
			     RW - 27, tx_topk_key_shown(top[i], key), t.p, top[i]->currency->code,
			     count_str(&u, top[i]->n));
		}
		if (!ntop)
			put(mid + 1, RX, RW, "(no debits yet)");
	}

	/* alerts | latest transactions */
	bot = mid + 8;
	/* the alerts take two fifths of the width, the transactions table the rest */
	AW = (W - 1) * 2 / 5;
	TX = AW + 2;
	TW = W - TX - 1;
	nb = H - bot - 1 - (s->bad ? 1 : 0);
	tx_buf_reset(&t);
	tx_buf_adds(&t, "alerts ");
	tx_stats_add_count(&t, s->alerts);
	tx_buf_adds(&t, ", notices ");
	tx_stats_add_count(&t, s->notices);
	header(bot, 1, AW - 1, t.p);
	for (int i = 0; i < nb; i++) {
		const struct tx_stats_alert *a = tx_stats_alert_at(s, (size_t)i);
		char hms[9];
		if (!a)
			break;
		hhmmss(hms, a->ts_us);
		color_on(C_ALERT);
		putf(bot + 1 + i, 1, AW - 1, "%s %s %s %s", hms, a->rules, a->account, a->amount);
		color_off(C_ALERT);
	}
	header(bot, TX, TW, "latest transactions");
	{
		/* time, id, account, type, amount, status: the time goes first when narrow */
		int fixed = 11 + 14 + 9, with_time = TW - fixed - 9 >= 2 * 8;
		int idw = (TW - fixed - (with_time ? 9 : 0)) / 2 - 1;

		if (idw < 3)
			idw = 3;
		for (int i = 0; i < nb; i++) {
			const struct tx_stats_row *r = tx_stats_row_at(s, (size_t)i);
			char hms[9];
			int st, c, x = TX;

			if (!r)
				break;
			st = r->status;
			if (with_time) {
				hhmmss(hms, r->ts_us);
				put(bot + 1 + i, x, 9, hms);
				x += 9;
			}
			putf(bot + 1 + i, x, TX + TW - x, "%-*.*s %-*.*s %-10s %13s", idw, idw,
			     r->id, idw, idw, r->account,
			     r->op == TX_OP_DELETE   ? "delete"
			     : r->op == TX_OP_UPDATE ? "update"
						     : tx_stats_type_label(r->type),
			     r->amount);
			x += 2 * (idw + 1) + 11 + 14;
			c = st == TX_STATUS_FAILED    ? C_FAIL
			    : st == TX_STATUS_PENDING ? C_PEND
						      : C_OK;
			color_on(c);
			put(bot + 1 + i, x, TX + TW - x,
			    st ? tx_status_name((enum tx_status)st) : "");
			color_off(c);
		}
	}
	if (s->bad)
		putf(H - 1, 1, W - 2, "last bad line: %s", w.last_bad);
	refresh();
	tx_buf_release(&t);
	tx_buf_release(&u);
}

/* ---- the worker: screen setup ---- */

/* Start curses on /dev/tty. 0, or -1 (no terminal: the caller falls back to the summary). */
static int screen_open(void)
{
	SCREEN *scr;
	const char *cs;

	w.tty = fopen("/dev/tty", "r+e");
	if (!w.tty)
		return -1;
	setlocale(LC_CTYPE, ""); /* the terminal's character set; numbers stay "C" */
	cs = nl_langinfo(CODESET);
	w.utf8 = cs && !strcmp(cs, "UTF-8");
	scr = newterm(NULL, w.tty, w.tty);
	if (!scr) {
		fclose(w.tty);
		w.tty = NULL;
		setlocale(LC_CTYPE, "C");
		return -1;
	}
	set_term(scr);
	cbreak();
	noecho();
	nodelay(stdscr, TRUE);
	keypad(stdscr, TRUE);
	curs_set(0);
	if (has_colors()) {
		start_color();
		use_default_colors();
		init_pair(C_BAR, COLOR_CYAN, -1);
		init_pair(C_OK, COLOR_GREEN, -1);
		init_pair(C_FAIL, COLOR_RED, -1);
		init_pair(C_PEND, COLOR_YELLOW, -1);
		init_pair(C_ALERT, COLOR_MAGENTA, -1);
		w.colors = 1;
	}
	w.screen = 1;
	w.defer_warnings = isatty(STDERR_FILENO);
	return 0;
}

static void screen_close(void)
{
	if (!w.screen)
		return;
	w.screen = 0;
	endwin();
	fclose(w.tty);
	w.tty = NULL;
}

/* atexit: a fatal error anywhere (out of memory) must not leave the terminal raw. */
static void restore_terminal(void)
{
	if (w.screen) {
		w.screen = 0;
		endwin();
	}
}

static void handle_keys(void)
{
	int c;

	while ((c = getch()) != ERR) {
		if (c == 'q' || c == 'Q')
			quit_key = 1;
		/* KEY_RESIZE: curses has updated LINES and COLS; the next frame uses them */
	}
}

static int write_svg(uint64_t now_ns)
{
	if (tx_stats_svg(&w.st, opt.svg, nsources == 1 ? sources[0].name : "(files)",
			 (int64_t)((now_ns - w.start_ns) / 1000000000u)) < 0) {
		w.exit_status = TX_EXIT_IO;
		return -1;
	}
	return 0;
}

/* Nudge the reader out of a blocking read() once we are stopping. */
static void nudge_reader(void)
{
	int finished;

	pthread_mutex_lock(&q.mu);
	finished = q.reader_finished;
	pthread_mutex_unlock(&q.mu);
	if (!finished)
		pthread_kill(reader_thread, SIGUSR1);
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
		 * handing them over (their lines are estimated); at the end of
		 * the input it passes over what is still queued. A stream slower
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
				if (opt.tee && w.busy_ns >= TEE_BUDGET_NS) {
					estimate_block(&q.slot[idx]);
				} else {
					process_block(&q.slot[idx]);
					w.busy_ns += tx_now_ns() - now;
				}
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
		}

		now = tx_now_ns();
		if (w.screen) {
			handle_keys();
			if (now >= next_draw && !stopping()) {
				draw(now);
				next_draw = now + FRAME_MS * 1000000u;
			}
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
		if (done && (!w.screen || opt.exit_at_eof))
			break;
		if (idx < 0) {
			/* nothing to do: wait for a block, a key, the next frame or the SVG */
			struct pollfd pf[2];
			int timeout = w.screen ? FRAME_MS : 1000, npf = 1;
			char drain[64];

			if (resting) {
				uint64_t t = tx_now_ns(), end = w.window_ns + WINDOW_NS;
				int ms = end > t ? (int)((end - t) / 1000000u) + 1 : 0;
				if (ms < timeout)
					timeout = ms;
			}

			if (w.next_svg_ns) {
				uint64_t t = tx_now_ns();
				int ms = w.next_svg_ns > t
					     ? (int)((w.next_svg_ns - t) / 1000000u) + 1
					     : 0;
				if (ms < timeout)
					timeout = ms;
			}
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
		"             [file ...]\n",
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

int cmd_main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"tee", no_argument, NULL, 't'},
	    {"once", no_argument, NULL, '1'},
	    {"exit-at-eof", no_argument, NULL, 'e'},
	    {"svg", required_argument, NULL, 's'},
	    {"svg-interval", required_argument, NULL, 'I'},
	    {"reject", required_argument, NULL, 'r'},
	    {"strict", no_argument, NULL, 'S'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c, status, live = 0;
	pthread_t wt;
	sigset_t mask, old;

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
		case 'h': help(); return TX_EXIT_OK;
		default: tx_usage_error(); return TX_EXIT_USAGE;
		}
	}
	if (opt.svg_interval && !opt.svg) {
		tx_error("--svg-interval needs --svg FILE");
		return TX_EXIT_USAGE;
	}
	argc -= optind;
	argv += optind;
	nsources = argc ? argc : 1;
	sources = tx_calloc((size_t)nsources, sizeof(*sources));
	for (int i = 0; i < nsources; i++) {
		const char *a = argc ? argv[i] : "-";
		sources[i].name = strcmp(a, "-") ? a : "stdin";
		sources[i].path = strcmp(a, "-") ? a : NULL;
	}
	/* the terminal carries the keys and the dashboard: records must come from elsewhere */
	if (!argc && isatty(STDIN_FILENO)) {
		tx_error("standard input is a terminal: pipe records in, or name files");
		tx_usage_error();
		return TX_EXIT_USAGE;
	}
	if (opt.tee && !opt.once && isatty(STDOUT_FILENO)) {
		tx_error("--tee: standard output is a terminal, where the dashboard is drawn: "
			 "redirect it (or use --once)");
		return TX_EXIT_USAGE;
	}
	if (opt.reject) {
		if (tx_out_open(&w.reject, opt.reject) < 0)
			return TX_EXIT_IO;
		w.have_reject = 1;
	}

	install_signals();
	atexit(restore_terminal);
	/*
	 * The live display, unless --once, or (without --tee) stdout is not a
	 * terminal: then the summary. With --tee and no terminal to draw on, the
	 * records still flow, and the summary goes to stderr at the end.
	 */
	if (!opt.once && (opt.tee || isatty(STDOUT_FILENO)) && screen_open() == 0)
		live = 1;
	else if (!opt.once && (opt.tee || isatty(STDOUT_FILENO))) {
		if (!opt.tee)
			tx_warn("no terminal to draw on (/dev/tty or TERM): printing a summary");
		else
			tx_warn(
			    "no terminal to draw on (/dev/tty or TERM): summary on stderr at end");
	}

	if (pipe(q.wake) < 0)
		tx_die(TX_EXIT_SOFTWARE, "pipe: %s", strerror(errno));
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
	screen_close();

	for (int i = 0; i < w.ndeferred; i++) {
		tx_warn("%s", w.deferred[i]);
		free(w.deferred[i]);
	}
	if (w.st.bad > (uint64_t)w.ndeferred && w.defer_warnings)
		tx_warn("... %llu bad lines in all", (unsigned long long)w.st.bad);

	if (opt.svg && write_svg(tx_now_ns()) < 0 && status == TX_EXIT_OK)
		status = TX_EXIT_IO;
	if (!live) {
		/* cron mail: the summary, on stdout (on stderr with --tee: stdout is data) */
		struct tx_buf b = TX_BUF_INIT;
		FILE *f = opt.tee ? stderr : stdout;

		tx_stats_summary(&b, &w.st, (int64_t)((tx_now_ns() - w.start_ns) / 1000));
		fwrite(b.p, 1, b.len, f);
		tx_buf_release(&b);
	}
	if (w.have_reject && tx_out_close(&w.reject) < 0 && status == TX_EXIT_OK)
		status = TX_EXIT_IO;
	if (got_signal)
		status = TX_EXIT_SIGNAL + got_signal;
	else if (status == TX_EXIT_OK && w.exit_status)
		status = w.exit_status;
	else if (status == TX_EXIT_OK && w.st.bad)
		status = TX_EXIT_REJECTED;
	tx_record_release(&w.rec);
	tx_stats_release(&w.st);
	return status;
}
