/* txtop's terminal view (see txtop.h): curses, drawn by the worker thread only. */
#define _GNU_SOURCE
#include "config.h"

#include <langinfo.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include <unistd.h>

#ifdef HAVE_NCURSES
#include <curses.h>
#endif

#include "buf.h"
#include "chart.h"
#include "money.h"
#include "txtop.h"
#include "tx.h"

/* Why screen_open() failed, for the message that falls back to the summary. */
const char *screen_why = "no terminal to draw on (/dev/tty or TERM)";

#ifdef HAVE_NCURSES

/* ---- the worker: drawing ---- */

/*
 * Put s at (y, x), at most width cells (one per UTF-8 character). Every text
 * on the screen goes through here. Text longer than its place ends in an
 * ellipsis rather than being cut silently (trailing blanks do not count).
 */
static void put(int y, int x, int width, const char *s)
{
	const char *p = s, *last = s;
	int cells = 0;

	if (y < 0 || y >= LINES || x >= COLS || width <= 0)
		return;
	if (x + width > COLS)
		width = COLS - x;
	while (*p && cells < width) {
		last = p;
		p++;
		while ((*p & 0xc0) == 0x80)
			p++;
		cells++;
	}
	if (*p && p[strspn(p, " ")]) {
		mvaddnstr(y, x, s, (int)(last - s));
		addstr(w.utf8 ? "\u2026" : "~");
		return;
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

/* tx_stats_add_clock() into a fixed array. */
static void clock_text(char *out, size_t size, int64_t us, int64_t span_us)
{
	struct tx_buf b = TX_BUF_INIT;

	tx_stats_add_clock(&b, us, span_us);
	snprintf(out, size, "%s", b.p);
	tx_buf_release(&b);
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

/* The currency of every amount charted, or "" when there are several. */
static const char *amounts_currency(const struct tx_stats *s)
{
	if (s->volume[0].currency && !s->volume[1].currency && !s->volume[TX_STATS_CURRENCIES].n)
		return s->volume[0].currency->code;
	return "";
}

/*
 * The dashboard, top to bottom: title; throughput with its time axis;
 * types | amounts with their axes; statuses, latency | top accounts;
 * alerts | latest transactions; the last row is left empty, and the cursor
 * parked there: another program's progress line (txsub on the same
 * terminal) lands on it instead of on a panel, and every frame is redrawn
 * in full, so what scrolled or was overwritten is restored within a frame.
 */
/*
 * The terminal's size as the kernel has it, applied when curses has
 * another: a resize that came before curses watched for SIGWINCH (as txtop
 * started), or whose signal was lost, would otherwise keep the old layout
 * until the next resize.
 */
static void follow_size(void)
{
	struct winsize ws;

	if (w.tty && ioctl(fileno(w.tty), TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0 &&
	    (ws.ws_row != LINES || ws.ws_col != COLS))
		resizeterm(ws.ws_row, ws.ws_col);
}

/*
 * One frame's layout, worked out once by draw() from the screen's size, and
 * two scratch buffers every area may reset and reuse.
 */
struct frame {
	const struct tx_stats *s;
	int W, H;     /* the screen */
	int LW;	      /* the left column's width */
	int RX, RW;   /* the right column's first cell and width */
	int ce;	      /* rows the charts gain on a taller screen */
	int mid, bot; /* the first rows of the statuses and of the alerts areas */
	int nb;	      /* rows of alerts and of latest transactions */
	struct tx_buf t, u;
};

/* The title bar (row 0): the counts and the input's state, the clock on the right. */
static void draw_title(struct frame *f)
{
	const struct tx_stats *s = f->s;
	struct tx_buf *t = &f->t;
	int W = f->W;
	char clock[32];

	{
		time_t now = time(NULL);
		struct tm tm;
		gmtime_r(&now, &tm);
		strftime(clock, sizeof(clock), "%H:%M:%SZ", &tm);
	}
	attron(A_REVERSE);
	mvhline(0, 0, ' ', W);
	tx_buf_reset(t);
	tx_stats_add_count(t, s->records);
	tx_buf_adds(t, " records");
	if (s->bad) {
		tx_buf_adds(t, ", ");
		tx_stats_add_count(t, s->bad);
		tx_buf_adds(t, " bad");
	}
	if (s->skipped) {
		/* what was parsed; the rest is counted (or estimated) from its size */
		tx_buf_adds(t, ", parsed ");
		tx_stats_add_share(t, s->lines - s->skipped, s->lines);
	}
	{
		/*
		 * A long file name gives way from the left, so that its own
		 * name and the state (end of input, how to quit) stay in view.
		 */
		const char *name = nsources == 1 ? sources[0].name : "(files)";
		const char *state = w.eof ? (w.output_closed ? "[output closed, q quits]"
							     : "[end of input, q quits]")
					  : "[q quits]";
		int room = W - 3 - (int)strlen(clock) - 11 - (int)t->len - (int)strlen(state);
		int cells = 0, skip;

		for (const char *p = name; *p; p++)
			cells += (*p & 0xc0) != 0x80;
		skip = cells > room && room > 1 ? cells - (room - 1) : 0;
		for (int i = 0; i < skip; i++)
			do
				name++;
			while ((*name & 0xc0) == 0x80);
		putf(0, 1, W - 3 - (int)strlen(clock), "txtop  %s%s  %s  %s",
		     skip ? (w.utf8 ? "\u2026" : "~") : "", name, t->p, state);
	}
	put(0, W - 1 - (int)strlen(clock), (int)strlen(clock), clock);
	attroff(A_REVERSE);
}

/*
 * Throughput of files (rows 1-3): read far faster than they happened, so
 * over the records' own event time, one cell per slice of it.
 */
static void draw_throughput_files(struct frame *f, size_t nser)
{
	const struct tx_stats *s = f->s;
	struct tx_buf *t = &f->t, *u = &f->u;
	int W = f->W;
	double *v = tx_malloc(nser * sizeof(*v)), mean = 0, top = 0;
	int64_t slice;
	size_t n = tx_span_series(&s->span, v, nser, &slice);
	uint64_t *cells = tx_calloc(nser, sizeof(*cells));

	for (size_t i = 0; i < n; i++) {
		/* the records in each cell's slice: whole numbers for the bars */
		cells[i] = (uint64_t)(v[i] * (double)slice / 1e6 + 0.5);
		mean += v[i];
		if (v[i] > top)
			top = v[i];
	}
	if (n) {
		char a[16], b[16];
		tx_buf_reset(t);
		tx_stats_add_rate(t, mean / (double)n);
		tx_buf_reset(u);
		tx_stats_add_rate(u, top);
		putf(1, 12, W - 13, "records/s of event time: mean %s, peak %s", t->p, u->p);
		tx_buf_reset(t);
		tx_chart_spark(t, cells, n, n, w.utf8); /* from the left: the span so far */
		color_on(C_BAR);
		put(2, 1, W - 2, t->p);
		color_off(C_BAR);
		clock_text(a, sizeof(a), s->span.origin, slice * (int64_t)n);
		clock_text(b, sizeof(b), s->span.origin + slice * (int64_t)n, slice * (int64_t)n);
		tx_buf_reset(t);
		tx_stats_add_duration(t, slice);
		/*
		 * the first time under the first cell, the last under the last
		 * (or right after the first), "one cell per" in between if it fits
		 */
		{
			int la = (int)strlen(a), lb = (int)strlen(b), xb = (int)n + 1 - lb;
			char ml[40];
			int lm = snprintf(ml, sizeof(ml), "one cell per %s", t->p);

			if (xb < 1 + la + 3)
				xb = 1 + la + 3;
			put(3, 1, la, a);
			put(3, xb, lb, b);
			if (xb - (1 + la) >= lm + 4)
				put(3, 1 + la + (xb - 1 - la - lm) / 2, lm, ml);
			else if (W - 1 - (xb + lb) >= lm + 2)
				put(3, W - 1 - lm, lm, ml);
		}
	} else {
		put(1, 12, W - 13, "(no event times in the input)");
	}
	free(v);
	free(cells);
}

/* Throughput of a live stream (rows 1-3): one cell per second of the run. */
static void draw_throughput_live(struct frame *f, size_t nser, int64_t now_sec)
{
	const struct tx_stats *s = f->s;
	struct tx_buf *t = &f->t, *u = &f->u;
	int W = f->W;
	uint64_t series[TX_RATE_SECS], peak = 0, nowrate = 0;

	tx_rate_series(&s->rate, now_sec, series, nser);
	for (size_t i = 0; i < nser; i++)
		if (series[i] > peak)
			peak = series[i];
	/* the last five complete seconds: upstream stages flush in bursts */
	for (size_t i = 2; i <= 6 && i <= nser; i++)
		nowrate += series[nser - i];
	tx_buf_reset(t);
	tx_stats_add_count(t, (nowrate + 2) / 5);
	tx_buf_reset(u);
	tx_stats_add_count(u, peak);
	putf(1, 12, W - 13, "records/s: %s over the last 5 s, peak %s", t->p, u->p);
	tx_buf_reset(t);
	tx_chart_spark(t, series, nser, nser, w.utf8);
	color_on(C_BAR);
	put(2, 1, W - 2, t->p);
	color_off(C_BAR);
	putf(3, 1, 12, "-%zus", nser);
	put(3, W / 2 - 10, 20, "one cell per second");
	put(3, W - 4, 3, "now");
}

/*
 * One bar chart row at y: label, count, a bar of barw cells against max in
 * color, and the count's share of all records.
 */
static void draw_bar_row(struct frame *f, int y, const char *label, uint64_t c, uint64_t max,
			 int barw, int color)
{
	putf(y, 1, 11, "%-10s", label);
	putf(y, 12, 12, "%11s", count_str(&f->u, c));
	tx_buf_reset(&f->t);
	tx_chart_bar(&f->t, c, max, (size_t)(barw > 1 ? barw : 1), w.utf8);
	color_on(color);
	put(y, 25, barw, f->t.p);
	color_off(color);
	tx_buf_reset(&f->t);
	tx_stats_add_share(&f->t, c, f->s->records);
	putf(y, 25 + barw + 1, 7, "%6s", f->t.p);
}

/* Types (left, from row 4): a bar chart. */
static void draw_types(struct frame *f)
{
	const struct tx_stats *s = f->s;
	uint64_t maxc = 0;
	int y = 5;

	header(4, 1, f->LW - 1, "types");
	for (size_t i = 0; i < sizeof(type_order) / sizeof(type_order[0]); i++)
		if (s->by_type[type_order[i]] > maxc)
			maxc = s->by_type[type_order[i]];
	for (size_t i = 0; i < sizeof(type_order) / sizeof(type_order[0]); i++, y++)
		draw_bar_row(f, y, tx_stats_type_label(type_order[i]), s->by_type[type_order[i]],
			     maxc, f->LW - 1 - 11 - 12 - 8, C_BAR);
}

/* Amounts (right, from row 4): a line chart, the value axis on the left, oldest to latest. */
static void draw_amounts(struct frame *f)
{
	const struct tx_stats *s = f->s;
	int RX = f->RX, RW = f->RW, ch = 7 + f->ce;
	double *vals = tx_malloc(TX_STATS_AMOUNTS * sizeof(*vals));
	size_t nv = tx_stats_amounts(s, vals, TX_STATS_AMOUNTS);
	struct tx_buf rows[16];
	double hi;
	size_t cw = (size_t)(RW - 8), shown;
	const char *cur = amounts_currency(s);

	for (int i = 0; i < ch; i++)
		tx_buf_init(&rows[i]);
	hi = tx_chart_lines(rows, (size_t)ch, vals, nv, cw, 0, w.utf8);
	shown = nv < cw * (w.utf8 ? 2 : 1) ? nv : cw * (w.utf8 ? 2 : 1);
	header(4, RX, 8, "amounts");
	putf(4, RX + 8, RW - 8, "%s%s, latest %zu transactions", *cur ? "in " : "",
	     *cur ? cur : "mixed currencies", shown);
	tx_buf_reset(&f->t);
	tx_stats_add_short(&f->t, hi);
	putf(5, RX, 7, "%6s", f->t.p);
	putf(5 + ch / 2, RX, 7, "%6s", "");
	put(5 + ch - 1, RX, 7, "     0");
	color_on(C_BAR);
	for (int i = 0; i < ch; i++) {
		put(5 + i, RX + 8, (int)cw, rows[i].p ? rows[i].p : "");
		tx_buf_release(&rows[i]);
	}
	color_off(C_BAR);
	put(5 + ch, RX + 8, 7, "oldest");
	put(5 + ch, RX + RW - 6, 6, "latest");
	free(vals);
}

/* Statuses (left, from row mid): a bar chart, each status in its color. */
static void draw_statuses(struct frame *f)
{
	static const struct {
		enum tx_status st;
		const char *name;
		int color;
	} sts[] = {{TX_STATUS_COMPLETED, "completed", C_OK},
		   {TX_STATUS_PENDING, "pending", C_PEND},
		   {TX_STATUS_FAILED, "failed", C_FAIL}};
	const struct tx_stats *s = f->s;
	uint64_t smax = 0;

	header(f->mid, 1, f->LW - 1, "statuses");
	for (int i = 0; i < 3; i++)
		if (s->by_status[sts[i].st] > smax)
			smax = s->by_status[sts[i].st];
	for (int i = 0; i < 3; i++)
		draw_bar_row(f, f->mid + 1 + i, sts[i].name, s->by_status[sts[i].st], smax,
			     f->LW - 1 - 11 - 12 - 8, sts[i].color);
}

/* Latency (left, below the statuses): quantiles of arrival - produce time. */
static void draw_latency(struct frame *f)
{
	static const double pq[] = {0.5, 0.9, 0.99, 0.999};
	static const char *const pn[] = {"p50", "p90", "p99", "p99.9"};
	const struct tx_stats *s = f->s;
	int mid = f->mid, LW = f->LW;
	int cw = (LW - 1) / 3; /* "p99.9 12.3ms": 12 */

	header(mid + 4, 1, 8, "latency");
	if (!s->latency.n) {
		put(mid + 5, 1, LW - 1, "no produce time in the input");
		return;
	}
	putf(mid + 4, 9, LW - 9, "arrival - produce time, %s records",
	     count_str(&f->u, s->latency.n));
	for (int i = 0; i < 5; i++) {
		tx_buf_reset(&f->t);
		if (i < 4) {
			tx_buf_addf(&f->t, "%s ", pn[i]);
			tx_stats_add_duration(&f->t, tx_hist_quantile(&s->latency, pq[i]));
		} else {
			tx_buf_adds(&f->t, "max ");
			tx_stats_add_duration(&f->t, s->latency.max);
		}
		put(mid + 5 + i / 3, 1 + (i % 3) * cw, cw - 1, f->t.p);
	}
}

/* Top accounts by spend (right, from row mid). */
static void draw_top(struct frame *f)
{
	const struct tx_topk_ent *top[TX_STATS_TOP];
	size_t ntop = tx_topk_top(&f->s->spend, top, 6);
	int mid = f->mid, RX = f->RX, RW = f->RW;
	int kw = RW - 29 > 24 ? 24 : RW - 29; /* the key; the rest as wide as needed */

	header(mid, RX, RW, "top accounts by spend (debits)");
	for (size_t i = 0; i < ntop; i++) {
		char key[TX_TOPK_KEY + 1]; /* shown without bidi overrides (term.h) */
		tx_buf_reset(&f->t);
		tx_topk_format_amount(&f->t, top[i]);
		putf(mid + 1 + (int)i, RX, RW, "%zu. %-*.*s %12s %s %7s", i + 1, kw, kw,
		     tx_topk_key_shown(top[i], key), f->t.p, top[i]->currency->code,
		     count_str(&f->u, top[i]->n));
	}
	if (!ntop)
		put(mid + 1, RX, RW, "(no debits yet)");
}

/* Alerts (left, from row bot), the latest first, down to the row above the last. */
static void draw_alerts(struct frame *f)
{
	const struct tx_stats *s = f->s;
	int bot = f->bot, AW = f->LW;

	tx_buf_reset(&f->t);
	tx_buf_adds(&f->t, "alerts ");
	tx_stats_add_count(&f->t, s->alerts);
	tx_buf_adds(&f->t, ", notices ");
	tx_stats_add_count(&f->t, s->notices);
	header(bot, 1, AW - 1, f->t.p);
	for (int i = 0; i < f->nb; i++) {
		const struct tx_stats_alert *a = tx_stats_alert_at(s, (size_t)i);
		char hms[9];
		int len;
		if (!a)
			break;
		clock_text(hms, sizeof(hms), a->ts_us, 0);
		/* the time goes first when the row is too narrow for all */
		len = snprintf(NULL, 0, "%s %s %s %s", hms, a->rules, a->account, a->what);
		color_on(C_ALERT);
		if (len <= AW - 1)
			putf(bot + 1 + i, 1, AW - 1, "%s %s %s %s", hms, a->rules, a->account,
			     a->what);
		else
			putf(bot + 1 + i, 1, AW - 1, "%s %s %s", a->rules, a->account, a->what);
		color_off(C_ALERT);
	}
}

/* Latest transactions (right, from row bot), down to the row above the last. */
static void draw_latest(struct frame *f)
{
	int bot = f->bot, TX = f->RX, TW = f->RW;
	/*
	 * id, account and amount always; then, as the width allows, the
	 * type, the status and the time; the id takes what is left
	 */
	int idw = 10, need = 10 + 1 + 10 + 1 + 13;
	int with_type = TW >= need + 11, with_status, with_time;

	header(bot, TX, TW, "latest transactions");
	need += with_type ? 11 : 0;
	with_status = TW >= need + 10;
	need += with_status ? 10 : 0;
	with_time = TW >= need + 9;
	need += with_time ? 9 : 0;
	idw += TW - need > 14 ? 14 : TW - need;
	for (int i = 0; i < f->nb; i++) {
		const struct tx_stats_row *r = tx_stats_row_at(f->s, (size_t)i);
		char hms[9];
		int st, c, x = TX;

		if (!r)
			break;
		st = r->status;
		if (with_time) {
			clock_text(hms, sizeof(hms), r->ts_us, 0);
			put(bot + 1 + i, x, 8, hms);
			x += 9;
		}
		putf(bot + 1 + i, x, idw, "%s", r->id);
		x += idw + 1;
		putf(bot + 1 + i, x, 10, "%s", r->account);
		x += 11;
		if (with_type) {
			put(bot + 1 + i, x, 10,
			    r->op == TX_OP_DELETE   ? "delete"
			    : r->op == TX_OP_UPDATE ? "update"
						    : tx_stats_type_label(r->type));
			x += 11;
		}
		putf(bot + 1 + i, x, 13, "%13s", r->amount);
		x += 14;
		c = st == TX_STATUS_FAILED ? C_FAIL : st == TX_STATUS_PENDING ? C_PEND : C_OK;
		if (with_status) {
			color_on(c);
			put(bot + 1 + i, x, 9, st ? tx_status_name((enum tx_status)st) : "");
			color_off(c);
		}
	}
}

/*
 * A whole frame: the layout from the screen's size, then each area in
 * turn; the footer (the last bad line) above the last row, which stays
 * empty with the cursor on it. Everything is redrawn each time.
 */
void draw(uint64_t now_ns)
{
	struct frame f = {.s = &w.st, .t = TX_BUF_INIT, .u = TX_BUF_INIT};
	int64_t now_sec = (int64_t)((now_ns - w.start_ns) / 1000000000u);
	int extra;

	follow_size();
	f.W = COLS;
	f.H = LINES;
	if (f.W < MIN_COLS || f.H < MIN_LINES) {
		draw_too_small();
		return;
	}
	erase();
	draw_title(&f);
	header(1, 1, 11, "throughput");
	if (w.files)
		draw_throughput_files(&f, (size_t)(f.W - 2));
	else
		draw_throughput_live(&f, (size_t)(f.W - 2), now_sec);

	f.LW = (f.W - 1) / 2;
	f.RX = f.LW + 2;
	f.RW = f.W - f.RX - 1;
	extra = f.H - MIN_LINES;
	f.ce = extra / 3 > 8 ? 8 : extra / 3;
	f.mid = 13 + f.ce;
	f.bot = f.mid + 7;
	f.nb = f.H - f.bot - 2 - (f.s->bad ? 1 : 0);
	draw_types(&f);
	draw_amounts(&f);
	draw_statuses(&f);
	draw_latency(&f);
	draw_top(&f);
	draw_alerts(&f);
	draw_latest(&f);
	if (f.s->bad)
		putf(f.H - 2, 1, f.W - 2, "last bad line: %s", w.last_bad);
	move(f.H - 1, 0);
	redrawwin(stdscr);
	refresh();
	tx_buf_release(&f.t);
	tx_buf_release(&f.u);
}

/* ---- the worker: screen setup ---- */

int screen_open(void)
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

void screen_close(void)
{
	if (!w.screen)
		return;
	w.screen = 0;
	endwin();
	fclose(w.tty);
	w.tty = NULL;
}

void restore_terminal(void)
{
	if (w.screen) {
		w.screen = 0;
		endwin();
	}
}

void handle_keys(void)
{
	int c;

	while ((c = getch()) != ERR) {
		if (c == 'q' || c == 'Q')
			quit_key = 1;
		/* KEY_RESIZE: curses has updated LINES and COLS; the next frame uses them */
	}
}

#else /* !HAVE_NCURSES: the summary, --svg and --http, no live terminal display */

int screen_open(void)
{
	screen_why = "this txtop was built without curses (libncurses-dev): no live display";
	return -1;
}

void screen_close(void)
{
}

void restore_terminal(void)
{
}

void handle_keys(void)
{
}

void draw(uint64_t now_ns)
{
	(void)now_ns;
}

#endif
