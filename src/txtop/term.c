/* txtop's terminal view (see txtop.h): curses, drawn by the worker thread only. */
#define _GNU_SOURCE
#include <langinfo.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curses.h>

#include "buf.h"
#include "chart.h"
#include "txtop.h"
#include "tx.h"

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

void draw(uint64_t now_ns)
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
			tx_buf_reset(&t);
			tx_money_format(&t, top[i]->amount, top[i]->currency->exponent);
			putf(mid + 1 + (int)i, RX, RW, "%zu. %-*.*s %12s %s %5s", i + 1, RW - 27,
			     RW - 27, top[i]->key, t.p, top[i]->currency->code,
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
