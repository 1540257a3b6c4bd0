/* txtop's charts as SVG: see svg.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "money.h"
#include "svg.h"
#include "timefmt.h"
#include "tx.h"

void tx_svg_add_escaped(struct tx_buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': tx_buf_adds(b, "&lt;"); break;
		case '>': tx_buf_adds(b, "&gt;"); break;
		case '&': tx_buf_adds(b, "&amp;"); break;
		case '"': tx_buf_adds(b, "&quot;"); break;
		case '\'': tx_buf_adds(b, "&apos;"); break;
		default:
			/* XML 1.0 allows no control characters but tab, CR and LF */
			if ((unsigned char)*s >= 0x20 || *s == '\t')
				tx_buf_addch(b, *s);
		}
	}
}

static const enum tx_type order[] = {
    TX_TYPE_DEPOSIT, TX_TYPE_WITHDRAWAL, TX_TYPE_PAYMENT, TX_TYPE_TRANSFER,
    TX_TYPE_FEE,     TX_TYPE_REFUND,	 TX_TYPE_NONE,
};

/*
 * The layout engine. Text is monospace, so its width is known from its
 * length: every text is fitted to the room it is given (cut with an
 * ellipsis when longer), and rows are ROW apart, so no two texts can
 * meet. Sizes in pixels; a character of the 12 px font is at most CH wide
 * (DejaVu Sans Mono, Liberation Mono: 0.6 em).
 */
#define FONT   12
#define CH     7.3
#define CH_H   8.5 /* headings: 14 px bold */
#define CH_T   9.8 /* the title: 16 px bold */
#define ROW    18
#define MARGIN 16
#define GAP    28

/* UTF-8 characters in s. */
static size_t chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/*
 * A text at (x, y) (the baseline) in at most room pixels, with chars of cw
 * pixels: cut to fit, with an ellipsis. anchor: "start" or "end" (x is
 * then the right edge).
 */
static void text_fit(struct tx_buf *b, double x, double y, const char *cls, const char *s,
		     double room, double cw, const char *anchor, const char *extra)
{
	size_t max = room > 0 ? (size_t)(room / cw) : 0, n = chars(s);
	struct tx_buf t = TX_BUF_INIT;

	if (n > max) {
		size_t keep = max ? max - 1 : 0, k = 0;
		const char *p = s;
		while (*p && k < keep) {
			p++;
			while (((unsigned char)*p & 0xc0) == 0x80)
				p++;
			k++;
		}
		tx_buf_add(&t, s, (size_t)(p - s));
		if (max)
			tx_buf_adds(&t, "\xe2\x80\xa6");
		s = t.p ? t.p : "";
	}
	if (!*s) {
		tx_buf_release(&t);
		return;
	}
	tx_buf_addf(b, "<text x=\"%.1f\" y=\"%.1f\" class=\"%s\"%s%s%s%s xml:space=\"preserve\">",
		    x, y, cls, strcmp(anchor, "start") ? " text-anchor=\"" : "",
		    strcmp(anchor, "start") ? anchor : "", strcmp(anchor, "start") ? "\"" : "",
		    extra ? extra : "");
	tx_svg_add_escaped(b, s);
	tx_buf_adds(b, "</text>\n");
	tx_buf_release(&t);
}

static void text(struct tx_buf *b, double x, double y, const char *cls, const char *s, double room)
{
	text_fit(b, x, y, cls, s, room, CH, "start", NULL);
}

static void heading(struct tx_buf *b, double x, double y, const char *s, double room)
{
	text_fit(b, x, y, "h", s, room, CH_H, "start", NULL);
}

/* The one currency of the amounts charted, or NULL when there are several. */
static const char *one_currency(const struct tx_stats *s)
{
	if (s->volume[0].currency && !s->volume[1].currency && !s->volume[TX_STATS_CURRENCIES].n)
		return s->volume[0].currency->code;
	return NULL;
}

/*
 * A line chart of n values in the box (x, y, w, h) from 0 to the largest,
 * with its value axis on the left (in LABEL_W pixels: the largest value,
 * half of it and 0, each followed by unit) and its time axis below (left
 * and right labels). The values go into data-values for scripts.
 */
#define LABEL_W 80
static void line_chart(struct tx_buf *b, const char *cls, const double *v, size_t n, double x,
		       double y, double w, double h, const char *unit, const char *left,
		       const char *right)
{
	double max = 0;
	struct tx_buf t = TX_BUF_INIT;

	for (size_t i = 0; i < n; i++)
		if (v[i] > max)
			max = v[i];
	tx_buf_addf(
	    b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" class=\"frame\"/>\n", x,
	    y, w, h);
	for (int k = 0; k < 3; k++) {
		double val = max * (2 - k) / 2.0, ly = y + h * k / 2.0;
		tx_buf_reset(&t);
		tx_stats_add_short(&t, val);
		tx_buf_adds(&t, unit);
		if (k < 2)
			tx_buf_addf(b,
				    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
				    "class=\"grid\"/>\n",
				    x, ly, x + w, ly);
		/* the top label below its line, the bottom one above: inside the box's height */
		text_fit(b, x - 4,
			 k == 0	  ? ly + 10
			 : k == 2 ? ly - 1
				  : ly + 4,
			 "axis", t.p, LABEL_W - 6, CH, "end", NULL);
	}
	text_fit(b, x, y + h + 14, "axis", left, w / 2 - 8, CH, "start", NULL);
	text_fit(b, x + w, y + h + 14, "axis", right, w / 2 - 8, CH, "end", NULL);
	tx_buf_addf(b, "<polyline class=\"%s\" data-max=\"%.2f\" data-values=\"", cls, max);
	for (size_t i = 0; i < n; i++)
		tx_buf_addf(b, "%s%.2f", i ? " " : "", v[i]);
	tx_buf_adds(b, "\" points=\"");
	for (size_t i = 0; i < n; i++) {
		double px = x + (n > 1 ? w * (double)i / (double)(n - 1) : w / 2.0);
		double py = y + h - (max > 0 ? h * v[i] / max : 0);
		tx_buf_addf(b, "%s%.1f,%.1f", i ? " " : "", px, py);
	}
	tx_buf_adds(b, "\"/>\n");
	tx_buf_release(&t);
}

/* Rows of labelled bars: the label, the bar, then "count (share)" after it. */
static double bar_rows(struct tx_buf *b, const struct tx_stats *s, double x, double y, double w,
		       size_t n, const char *const *names, const uint64_t *counts,
		       const char *const *classes, const char *attr)
{
	uint64_t max = 0;
	double lw = 11 * CH, room = 19 * CH, bmax = w - lw - room - 6;
	struct tx_buf t = TX_BUF_INIT;

	for (size_t i = 0; i < n; i++)
		if (counts[i] > max)
			max = counts[i];
	for (size_t i = 0; i < n; i++, y += ROW + 2) {
		double bw = max ? bmax * (double)counts[i] / (double)max : 0;

		text(b, x, y + 12, "l", names[i], lw - 4);
		tx_buf_addf(
		    b,
		    "<rect class=\"%s\" data-%s=\"%s\" data-count=\"%llu\" x=\"%.1f\" "
		    "y=\"%.1f\" width=\"%.1f\" height=\"14\"><title>%s: %llu</title></rect>\n",
		    classes[i], attr, names[i], (unsigned long long)counts[i], x + lw, y, bw,
		    names[i], (unsigned long long)counts[i]);
		tx_buf_reset(&t);
		tx_stats_add_count(&t, counts[i]);
		tx_buf_adds(&t, " (");
		tx_stats_add_share(&t, counts[i], s->records);
		tx_buf_addch(&t, ')');
		text(b, x + lw + bw + 6, y + 12, "l count", t.p, room);
	}
	tx_buf_release(&t);
	return y;
}

/*
 * The dashboard's panels. Each draws into d->body from the top y it is
 * given and returns the y below it; t and u are scratch texts. With two
 * columns (W >= 700) the left column is at xl, the right one at xr, each
 * cw wide; with one, both are the same column and the panels follow each
 * other.
 */
struct dash {
	struct tx_buf body, t, u;
	const struct tx_stats *s;
	const struct tx_svg_view *v;
	int W, two;
	double cw, full, xl, xr;
};

/* The title and the totals line, with the totals as data for scripts. */
static void dash_title(struct dash *d)
{
	const struct tx_stats *s = d->s;

	tx_buf_reset(&d->t);
	tx_buf_adds(&d->t, "txtop: ");
	tx_buf_adds(&d->t, d->v->title ? d->v->title : "");
	text_fit(&d->body, MARGIN, 26, "t", d->t.p, d->full, CH_T, "start", NULL);
	tx_buf_reset(&d->t);
	tx_stats_add_count(&d->t, s->records);
	tx_buf_adds(&d->t, " records, ");
	tx_stats_add_count(&d->t, s->bad);
	tx_buf_adds(&d->t, " bad");
	if (s->skipped) {
		tx_buf_adds(&d->t, ", parsed ");
		tx_stats_add_share(&d->t, s->lines - s->skipped, s->lines);
	}
	if (s->have_ts) {
		tx_buf_adds(&d->t, ", event time ");
		tx_time_format(&d->t, s->first_ts);
		tx_buf_adds(&d->t, " .. ");
		tx_time_format(&d->t, s->last_ts);
	}
	text(&d->body, MARGIN, 46, "l sub", d->t.p, d->full);
	tx_buf_addf(&d->body,
		    "<g id=\"totals\" data-records=\"%llu\" data-lines=\"%llu\" data-bad=\"%llu\" "
		    "data-skipped=\"%llu\" data-estimated=\"%llu\" data-alerts=\"%llu\" "
		    "data-notices=\"%llu\"/>\n",
		    (unsigned long long)s->records, (unsigned long long)s->lines,
		    (unsigned long long)s->bad, (unsigned long long)s->skipped,
		    (unsigned long long)s->estimated, (unsigned long long)s->alerts,
		    (unsigned long long)s->notices);
}

/* Throughput, full width: over the event time (files), or the last 2 minutes. */
static double dash_throughput(struct dash *d)
{
	double series[TX_SPAN_BUCKETS];
	uint64_t rate[120];
	size_t n;

	tx_buf_adds(&d->body, "<g id=\"throughput\">\n");
	tx_buf_reset(&d->t);
	tx_buf_reset(&d->u);
	if (d->v->event_time) {
		int64_t slice;
		n = tx_span_series(&d->s->span, series, 120, &slice);
		tx_buf_adds(&d->t, "throughput, records/s of event time");
		if (n) {
			tx_buf_adds(&d->t, " (");
			tx_stats_add_duration(&d->t, slice);
			tx_buf_adds(&d->t, " a point)");
			tx_stats_add_clock(&d->u, d->s->span.origin, slice * (int64_t)n);
			tx_buf_addch(&d->u, '\0');
			tx_stats_add_clock(&d->u, d->s->span.origin + slice * (int64_t)n,
					   slice * (int64_t)n);
		}
	} else {
		tx_rate_series(&d->s->rate, d->v->now_sec, rate, 120);
		for (size_t i = 0; i < 120; i++)
			series[i] = (double)rate[i];
		n = 120;
		tx_buf_adds(&d->t, "throughput, records/s, last 2 minutes (a point a second)");
		tx_buf_adds(&d->u, "-2 min");
		tx_buf_addch(&d->u, '\0');
		tx_buf_adds(&d->u, "now");
	}
	heading(&d->body, MARGIN, 74, d->t.p, d->full);
	line_chart(&d->body, "rate", series, n, MARGIN + LABEL_W, 84, d->full - LABEL_W, 70, "/s",
		   d->u.len ? d->u.p : "", d->u.len ? d->u.p + strlen(d->u.p) + 1 : "");
	tx_buf_adds(&d->body, "</g>\n");
	return 84 + 70 + 34;
}

/* Left column: bars by type and by status, the latency percentiles. */
static double dash_left(struct dash *d, double yl)
{
	const struct tx_stats *s = d->s;
	double xl = d->xl, cw = d->cw;

	tx_buf_adds(&d->body, "<g id=\"types\">\n");
	heading(&d->body, xl, yl, "types", cw);
	{
		const char *names[sizeof(order) / sizeof(order[0])];
		const char *classes[sizeof(order) / sizeof(order[0])];
		uint64_t counts[sizeof(order) / sizeof(order[0])];
		for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
			names[i] = tx_stats_type_label(order[i]);
			classes[i] = "type";
			counts[i] = s->by_type[order[i]];
		}
		yl = bar_rows(&d->body, s, xl, yl + 8, cw, sizeof(order) / sizeof(order[0]), names,
			      counts, classes, "type");
	}
	tx_buf_adds(&d->body, "</g>\n<g id=\"statuses\">\n");
	yl += 16;
	heading(&d->body, xl, yl, "statuses", cw);
	{
		static const enum tx_status sts[] = {TX_STATUS_COMPLETED, TX_STATUS_PENDING,
						     TX_STATUS_FAILED};
		static const char *const classes[] = {"status completed", "status pending",
						      "status failed"};
		const char *names[3];
		uint64_t counts[3];
		for (int i = 0; i < 3; i++) {
			names[i] = tx_status_name(sts[i]);
			counts[i] = s->by_status[sts[i]];
		}
		yl = bar_rows(&d->body, s, xl, yl + 8, cw, 3, names, counts, classes, "status");
	}
	tx_buf_adds(&d->body, "</g>\n<g id=\"latency\">\n");
	yl += 16;
	heading(&d->body, xl, yl, "latency (arrival - produce time)", cw);
	if (s->latency.n) {
		static const double pq[] = {0.5, 0.9, 0.99, 0.999};
		static const char *const pn[] = {"p50", "p90", "p99", "p99.9"};
		tx_buf_reset(&d->t);
		tx_buf_reset(&d->u);
		for (int i = 0; i < 4; i++) {
			int64_t q = tx_hist_quantile(&s->latency, pq[i]);
			tx_buf_addf(&d->body,
				    "<g class=\"percentile\" data-q=\"%s\" data-us=\"%lld\"/>\n",
				    pn[i], (long long)q);
			tx_buf_addf(i < 2 ? &d->t : &d->u, "%s%s ", i % 2 ? "  " : "", pn[i]);
			tx_stats_add_duration(i < 2 ? &d->t : &d->u, q);
		}
		tx_buf_adds(&d->u, "  max ");
		tx_stats_add_duration(&d->u, s->latency.max);
		text(&d->body, xl, yl + ROW, "l", d->t.p, cw);
		text(&d->body, xl, yl + 2 * ROW, "l", d->u.p, cw);
	} else {
		text(&d->body, xl, yl + ROW, "l", "no produce time in the input", cw);
	}
	yl += 2 * ROW + 10;
	tx_buf_adds(&d->body, "</g>\n");
	return yl;
}

/* Right column: the amounts of the latest transactions, the top spenders. */
static double dash_right(struct dash *d, double yr)
{
	const struct tx_stats *s = d->s;
	const char *cur = one_currency(s);
	double xr = d->xr, cw = d->cw;

	tx_buf_adds(&d->body, "<g id=\"amounts\">\n");
	{
		double vals[240];
		size_t n = tx_stats_amounts(s, vals, 240);
		tx_buf_reset(&d->t);
		tx_buf_addf(&d->t, "amounts in %s, latest %zu transactions",
			    cur ? cur : "several currencies", n);
		heading(&d->body, xr, yr, d->t.p, cw);
		tx_buf_reset(&d->u);
		if (cur) {
			tx_buf_addch(&d->u, ' ');
			tx_buf_adds(&d->u, cur);
		}
		line_chart(&d->body, "amounts", vals, n, xr + LABEL_W, yr + 10, cw - LABEL_W,
			   7 * (ROW + 2) - 12, d->u.len ? d->u.p : "", "oldest", "latest");
		yr += 10 + 7 * (ROW + 2) - 12 + 34;
	}
	tx_buf_adds(&d->body, "</g>\n<g id=\"top\">\n");
	heading(&d->body, xr, yr, "top accounts by spend (debits)", cw);
	{
		const struct tx_topk_ent *top[TX_STATS_TOP];
		size_t ntop = tx_topk_top(&s->spend, top, TX_STATS_TOP);
		double kw = cw - 4 * CH - 26 * CH; /* "10. " key "  1234567.89 USD  12,345" */

		if (kw > 24 * CH)
			kw = 24 * CH;
		for (size_t i = 0; i < ntop; i++) {
			double ry = yr + ROW * (double)(i + 1);
			char key[TX_TOPK_KEY + 1]; /* shown without bidi overrides (term.h) */
			tx_topk_key_shown(top[i], key);
			tx_buf_reset(&d->t);
			tx_buf_addf(&d->t, "%zu.", i + 1);
			text(&d->body, xr, ry, "l", d->t.p, 4 * CH);
			tx_buf_reset(&d->u);
			tx_buf_adds(&d->u, " data-account=\"");
			tx_svg_add_escaped(&d->u, key);
			tx_buf_addch(&d->u, '"');
			text_fit(&d->body, xr + 4 * CH, ry, "account", key, kw, CH, "start",
				 d->u.p);
			tx_buf_reset(&d->t);
			tx_topk_format_amount(&d->t, top[i]);
			tx_buf_addch(&d->t, ' ');
			tx_buf_adds(&d->t, top[i]->currency->code);
			text_fit(&d->body, xr + 4 * CH + kw + 17 * CH, ry, "l", d->t.p, 17 * CH - 4,
				 CH, "end", NULL);
			tx_buf_reset(&d->t);
			tx_stats_add_count(&d->t, top[i]->n);
			text_fit(&d->body, xr + 4 * CH + kw + 26 * CH, ry, "l", d->t.p, 9 * CH - 4,
				 CH, "end", NULL);
		}
		if (!ntop)
			text(&d->body, xr, yr + ROW, "l", "no debits yet", cw);
		yr += ROW * (double)(ntop ? ntop : 1) + 26;
	}
	tx_buf_adds(&d->body, "</g>\n");
	return yr;
}

/* The latest alerts (left), from y; returns the y of the last row. */
static double dash_alerts(struct dash *d, double y)
{
	const struct tx_stats *s = d->s;
	double yl = y;

	tx_buf_adds(&d->body, "<g id=\"alerts\">\n");
	tx_buf_reset(&d->t);
	tx_buf_adds(&d->t, "latest alerts (");
	tx_stats_add_count(&d->t, s->alerts);
	tx_buf_adds(&d->t, " in all, and ");
	tx_stats_add_count(&d->t, s->notices);
	tx_buf_adds(&d->t, s->notices == 1 ? " notice)" : " notices)");
	heading(&d->body, d->xl, y, d->t.p, d->cw);
	for (size_t i = 0; i < 12; i++) {
		const struct tx_stats_alert *a = tx_stats_alert_at(s, i);
		if (!a)
			break;
		tx_buf_reset(&d->t);
		tx_time_format(&d->t, a->ts_us);
		tx_buf_addf(&d->t, " %s %s %s %s", a->account, a->id, a->rules, a->what);
		yl += ROW;
		/* the whole line in the data, the part that fits on show */
		tx_buf_reset(&d->u);
		tx_buf_adds(&d->u, " data-text=\"");
		tx_svg_add_escaped(&d->u, d->t.p);
		tx_buf_addch(&d->u, '"');
		tx_buf_reset(&d->t);
		tx_stats_add_clock(&d->t, a->ts_us, 0);
		tx_buf_addf(&d->t, " %s %s %s", a->rules, a->account, a->what);
		text_fit(&d->body, d->xl, yl, "alert", d->t.p, d->cw, CH, "start", d->u.p);
	}
	if (!s->alerts)
		text(&d->body, d->xl, yl += ROW, "l", "no alerts", d->cw);
	tx_buf_adds(&d->body, "</g>\n");
	return yl;
}

/* The latest transactions (right), from yr; returns the y of the last row. */
static double dash_latest(struct dash *d, double yr)
{
	tx_buf_adds(&d->body, "<g id=\"latest\">\n");
	heading(&d->body, d->xr, yr, "latest transactions", d->cw);
	for (size_t i = 0; i < 12; i++) {
		const struct tx_stats_row *r = tx_stats_row_at(d->s, i);
		if (!r)
			break;
		tx_buf_reset(&d->t);
		tx_stats_add_clock(&d->t, r->ts_us, 0);
		tx_buf_addf(&d->t, " %s %s %s %s %s", r->id, r->account,
			    r->op == TX_OP_DELETE   ? "delete"
			    : r->op == TX_OP_UPDATE ? "update"
						    : tx_stats_type_label(r->type),
			    r->amount, r->status ? tx_status_name(r->status) : "");
		yr += ROW;
		text_fit(&d->body, d->xr, yr, "row", d->t.p, d->cw, CH, "start", NULL);
	}
	tx_buf_adds(&d->body, "</g>\n");
	return yr;
}

void tx_svg_dash(struct tx_buf *b, const struct tx_stats *s, const struct tx_svg_view *v)
{
	struct dash d = {TX_BUF_INIT, TX_BUF_INIT, TX_BUF_INIT, s, v, 0, 0, 0, 0, 0, 0};
	double y, yl, yr;

	d.W = v->width > 0 ? v->width : TX_SVG_WIDTH;
	d.two = d.W >= 700;
	d.full = d.W - 2 * MARGIN;
	d.cw = d.two ? (d.W - 2 * MARGIN - GAP) / 2.0 : d.full;
	d.xl = MARGIN;
	d.xr = d.two ? MARGIN + d.cw + GAP : MARGIN;

	dash_title(&d);
	y = dash_throughput(&d);
	/* two columns side by side, or one after the other */
	yl = dash_left(&d, y);
	yr = dash_right(&d, d.two ? y : yl + 16);
	y = d.two ? (yl > yr ? yl : yr) : yr;
	yl = dash_alerts(&d, y);
	yr = dash_latest(&d, d.two ? y : yl + 30);
	y = (yl > yr ? yl : yr) + MARGIN;

	tx_buf_addf(b,
		    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		    "viewBox=\"0 0 %d %d\" id=\"dashboard\" data-width=\"%d\">\n",
		    d.W, (int)y, d.W, (int)y, d.W);
	tx_buf_adds(b, "<style>text{font-family:'DejaVu Sans Mono','Liberation Mono',monospace;"
		       "font-size:12px;fill:#222}"
		       ".h{font-weight:bold;font-size:14px}.t{font-weight:bold;font-size:16px}"
		       ".axis,.sub{fill:#555}.frame{fill:none;stroke:#bbb}.grid{stroke:#eee}"
		       ".type{fill:#2a9d8f}.completed{fill:#2a9d58}.pending{fill:#e9c46a}"
		       ".failed{fill:#e63946}"
		       ".rate,.amounts{fill:none;stroke:#264653;stroke-width:1.5}"
		       ".alert{fill:#9d174d}</style>\n");
	tx_buf_addf(b, "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n", d.W, (int)y);
	tx_buf_add(b, d.body.p, d.body.len);
	tx_buf_adds(b, "</svg>\n");
	tx_buf_release(&d.t);
	tx_buf_release(&d.u);
	tx_buf_release(&d.body);
}

void tx_stats_svg_doc(struct tx_buf *b, const struct tx_stats *s, const char *title,
		      int64_t now_sec)
{
	struct tx_svg_view v = {.title = title, .now_sec = now_sec, .width = TX_SVG_WIDTH};

	tx_svg_dash(b, s, &v);
}

int tx_svg_write(const struct tx_stats *s, const char *path, const struct tx_svg_view *v)
{
	struct tx_buf doc = TX_BUF_INIT, tmp = TX_BUF_INIT;
	int fd, rc = -1;
	size_t off = 0;

	tx_svg_dash(&doc, s, v);
	tx_buf_addf(&tmp, "%s.tmp.%ld", path, (long)getpid());
	fd = open(tmp.p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0) {
		tx_error_errno("cannot write '%s'", tmp.p);
		goto out;
	}
	while (off < doc.len) {
		ssize_t k = write(fd, doc.p + off, doc.len - off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			tx_error_errno("write error on '%s'", tmp.p);
			close(fd);
			unlink(tmp.p);
			goto out;
		}
		off += (size_t)k;
	}
	if (close(fd) < 0) {
		tx_error_errno("write error on '%s'", tmp.p);
		unlink(tmp.p);
		goto out;
	}
	if (rename(tmp.p, path) < 0) {
		tx_error_errno("cannot rename '%s' to '%s'", tmp.p, path);
		unlink(tmp.p);
		goto out;
	}
	rc = 0;
out:
	tx_buf_release(&doc);
	tx_buf_release(&tmp);
	return rc;
}
