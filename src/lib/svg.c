/* txtop's charts as SVG: see svg.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "money.h"
#include "svg.h"
#include "timefmt.h"
#include "tx.h"

#define SVG_W 960
#define SVG_H 760

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

static void text(struct tx_buf *b, int x, int y, const char *cls, const char *s)
{
	tx_buf_addf(b, "<text x=\"%d\" y=\"%d\" class=\"%s\">", x, y, cls);
	tx_svg_add_escaped(b, s);
	tx_buf_adds(b, "</text>\n");
}

static const enum tx_type order[] = {
    TX_TYPE_DEPOSIT, TX_TYPE_WITHDRAWAL, TX_TYPE_PAYMENT, TX_TYPE_TRANSFER,
    TX_TYPE_FEE,     TX_TYPE_REFUND,	 TX_TYPE_NONE,
};

/* A polyline of n values in the box (x, y, w, h), scaled 0..max. */
static void polyline(struct tx_buf *b, const char *cls, const double *v, size_t n, int x, int y,
		     int w, int h)
{
	double max = 0;

	for (size_t i = 0; i < n; i++)
		if (v[i] > max)
			max = v[i];
	tx_buf_addf(b, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" class=\"frame\"/>\n", x,
		    y, w, h);
	tx_buf_addf(b, "<polyline class=\"%s\" data-max=\"%.2f\" data-values=\"", cls, max);
	for (size_t i = 0; i < n; i++)
		tx_buf_addf(b, "%s%.2f", i ? " " : "", v[i]);
	tx_buf_adds(b, "\" points=\"");
	for (size_t i = 0; i < n; i++) {
		double px = x + (n > 1 ? (double)w * (double)i / (double)(n - 1) : w / 2.0);
		double py = y + h - (max > 0 ? (double)h * v[i] / max : 0);
		tx_buf_addf(b, "%s%.1f,%.1f", i ? " " : "", px, py);
	}
	tx_buf_adds(b, "\"/>\n");
}

void tx_stats_svg_doc(struct tx_buf *b, const struct tx_stats *s, const char *title,
		      int64_t now_sec)
{
	struct tx_buf t = TX_BUF_INIT;
	uint64_t maxc = 0, rate[120];
	double series[240];
	size_t n;
	int y;

	tx_buf_addf(b,
		    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		    "viewBox=\"0 0 %d %d\">\n",
		    SVG_W, SVG_H, SVG_W, SVG_H);
	tx_buf_adds(b, "<style>text{font-family:monospace;font-size:12px;fill:#222}"
		       ".h{font-weight:bold;font-size:14px}.t{font-weight:bold;font-size:16px}"
		       ".frame{fill:none;stroke:#ccc}.type{fill:#2a9d8f}"
		       ".completed{fill:#2a9d58}.pending{fill:#e9c46a}.failed{fill:#e63946}"
		       ".rate,.amounts{fill:none;stroke:#264653;stroke-width:1.5}"
		       ".alert{fill:#9d174d}</style>\n");
	tx_buf_addf(b, "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n", SVG_W, SVG_H);

	tx_buf_adds(&t, "txtop: ");
	tx_buf_adds(&t, title);
	tx_buf_adds(&t, ", ");
	tx_stats_add_count(&t, s->records);
	tx_buf_adds(&t, " records, ");
	tx_stats_add_count(&t, s->bad);
	tx_buf_adds(&t, " bad");
	if (s->have_ts) {
		tx_buf_adds(&t, ", event time ");
		tx_time_format(&t, s->first_ts);
		tx_buf_adds(&t, " .. ");
		tx_time_format(&t, s->last_ts);
	}
	text(b, 20, 28, "t", t.p);
	tx_buf_addf(b,
		    "<g id=\"totals\" data-records=\"%llu\" data-lines=\"%llu\" data-bad=\"%llu\" "
		    "data-skipped=\"%llu\" data-estimated=\"%llu\" data-alerts=\"%llu\"/>\n",
		    (unsigned long long)s->records, (unsigned long long)s->lines,
		    (unsigned long long)s->bad, (unsigned long long)s->skipped,
		    (unsigned long long)s->estimated, (unsigned long long)s->alerts);

	/* throughput: the last two minutes */
	tx_rate_series(&s->rate, now_sec, rate, 120);
	for (size_t i = 0; i < 120; i++)
		series[i] = (double)rate[i];
	tx_buf_adds(b, "<g id=\"throughput\">\n");
	text(b, 20, 60, "h", "throughput, records/s, last 2 minutes");
	polyline(b, "rate", series, 120, 20, 70, 920, 60);
	tx_buf_adds(b, "</g>\n");

	/* types */
	tx_buf_adds(b, "<g id=\"types\">\n");
	text(b, 20, 165, "h", "types");
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (s->by_type[order[i]] > maxc)
			maxc = s->by_type[order[i]];
	y = 175;
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++, y += 22) {
		uint64_t c = s->by_type[order[i]];
		const char *name = tx_stats_type_label(order[i]);
		double bw = maxc ? 300.0 * (double)c / (double)maxc : 0;

		tx_buf_reset(&t);
		tx_buf_adds(&t, name);
		text(b, 20, y + 14, "l", t.p);
		tx_buf_addf(
		    b,
		    "<rect class=\"type\" data-type=\"%s\" data-count=\"%llu\" x=\"110\" "
		    "y=\"%d\" width=\"%.1f\" height=\"16\"><title>%s: %llu</title></rect>\n",
		    name, (unsigned long long)c, y, bw, name, (unsigned long long)c);
		tx_buf_reset(&t);
		tx_stats_add_count(&t, c);
		tx_buf_adds(&t, " (");
		tx_stats_add_share(&t, c, s->records);
		tx_buf_addch(&t, ')');
		text(b, 110 + (int)bw + 6, y + 13, "l", t.p);
	}
	tx_buf_adds(b, "</g>\n");

	/* statuses: one stacked bar */
	tx_buf_adds(b, "<g id=\"statuses\">\n");
	text(b, 20, 345, "h", "statuses");
	{
		static const enum tx_status sts[] = {TX_STATUS_COMPLETED, TX_STATUS_PENDING,
						     TX_STATUS_FAILED};
		uint64_t tot = 0;
		double x = 20;

		for (int i = 0; i < 3; i++)
			tot += s->by_status[sts[i]];
		for (int i = 0; i < 3; i++) {
			uint64_t c = s->by_status[sts[i]];
			const char *name = tx_status_name(sts[i]);
			double bw = tot ? 420.0 * (double)c / (double)tot : 0;

			tx_buf_addf(
			    b,
			    "<rect class=\"status %s\" data-status=\"%s\" data-count=\"%llu\" "
			    "x=\"%.1f\" y=\"355\" width=\"%.1f\" height=\"20\"><title>%s: "
			    "%llu</title></rect>\n",
			    name, name, (unsigned long long)c, x, bw, name, (unsigned long long)c);
			x += bw;
			tx_buf_reset(&t);
			tx_buf_addf(&t, "%s ", name);
			tx_stats_add_count(&t, c);
			tx_buf_adds(&t, " (");
			tx_stats_add_share(&t, c, s->records);
			tx_buf_addch(&t, ')');
			text(b, 20 + 145 * i, 392, "l", t.p);
		}
	}
	tx_buf_adds(b, "</g>\n");

	/* latency */
	tx_buf_adds(b, "<g id=\"latency\">\n");
	text(b, 20, 425, "h", "latency (arrival - produce or event time)");
	if (s->latency.n) {
		static const double pq[] = {0.5, 0.9, 0.99, 0.999};
		static const char *const pn[] = {"p50", "p90", "p99", "p99.9"};
		tx_buf_reset(&t);
		for (int i = 0; i < 4; i++) {
			int64_t v = tx_hist_quantile(&s->latency, pq[i]);
			tx_buf_addf(b, "<g class=\"percentile\" data-q=\"%s\" data-us=\"%lld\"/>\n",
				    pn[i], (long long)v);
			tx_buf_addf(&t, "%s%s ", i ? "  " : "", pn[i]);
			tx_stats_add_duration(&t, v);
		}
		tx_buf_adds(&t, "  max ");
		tx_stats_add_duration(&t, s->latency.max);
		text(b, 20, 445, "l", t.p);
	} else {
		text(b, 20, 445, "l", "(no timestamps)");
	}
	tx_buf_adds(b, "</g>\n");

	/* amounts: the latest transactions */
	n = tx_stats_amounts(s, series, 240);
	tx_buf_adds(b, "<g id=\"amounts\">\n");
	tx_buf_reset(&t);
	tx_buf_addf(&t, "amounts, latest %zu transactions", n);
	text(b, 480, 165, "h", t.p);
	polyline(b, "amounts", series, n, 480, 175, 460, 200);
	tx_buf_adds(b, "</g>\n");

	/* top accounts */
	tx_buf_adds(b, "<g id=\"top\">\n");
	text(b, 480, 425, "h", "top accounts by spend");
	{
		const struct tx_topk_ent *top[TX_STATS_TOP];
		size_t ntop = tx_topk_top(&s->spend, top, TX_STATS_TOP);

		for (size_t i = 0; i < ntop; i++) {
			tx_buf_reset(&t);
			tx_buf_addf(&t, "%2zu. %-20s ", i + 1, top[i]->key);
			tx_money_format(&t, top[i]->amount, top[i]->currency->exponent);
			tx_buf_addch(&t, ' ');
			tx_buf_adds(&t, top[i]->currency->code);
			tx_buf_adds(b, "<text class=\"account\" data-account=\"");
			tx_svg_add_escaped(b, top[i]->key);
			tx_buf_addf(b, "\" x=\"480\" y=\"%d\" xml:space=\"preserve\">",
				    445 + 18 * (int)i);
			tx_svg_add_escaped(b, t.p);
			tx_buf_adds(b, "</text>\n");
		}
	}
	tx_buf_adds(b, "</g>\n");

	/* latest alerts */
	tx_buf_adds(b, "<g id=\"alerts\">\n");
	tx_buf_reset(&t);
	tx_buf_adds(&t, "latest alerts (");
	tx_stats_add_count(&t, s->alerts);
	tx_buf_adds(&t, " in all)");
	text(b, 20, 480, "h", t.p);
	for (size_t i = 0; i < 12; i++) {
		const struct tx_stats_alert *a = tx_stats_alert_at(s, i);
		if (!a)
			break;
		tx_buf_reset(&t);
		tx_time_format(&t, a->ts_us);
		tx_buf_addf(&t, " %s %s %s %s", a->account, a->id, a->rules, a->what);
		tx_buf_addf(b, "<text class=\"alert\" x=\"20\" y=\"%d\">", 500 + 18 * (int)i);
		tx_svg_add_escaped(b, t.p);
		tx_buf_adds(b, "</text>\n");
	}
	tx_buf_adds(b, "</g>\n</svg>\n");
	tx_buf_release(&t);
}

int tx_stats_svg(const struct tx_stats *s, const char *path, const char *title, int64_t now_sec)
{
	struct tx_buf doc = TX_BUF_INIT, tmp = TX_BUF_INIT;
	int fd, rc = -1;
	size_t off = 0;

	tx_stats_svg_doc(&doc, s, title, now_sec);
	tx_buf_addf(&tmp, "%s.tmp.%ld", path, (long)getpid());
	fd = open(tmp.p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0) {
		tx_error("cannot write '%s': %s", tmp.p, strerror(errno));
		goto out;
	}
	while (off < doc.len) {
		ssize_t k = write(fd, doc.p + off, doc.len - off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			tx_error("write error on '%s': %s", tmp.p, strerror(errno));
			close(fd);
			unlink(tmp.p);
			goto out;
		}
		off += (size_t)k;
	}
	if (close(fd) < 0) {
		tx_error("write error on '%s': %s", tmp.p, strerror(errno));
		unlink(tmp.p);
		goto out;
	}
	if (rename(tmp.p, path) < 0) {
		tx_error("cannot rename '%s' to '%s': %s", tmp.p, path, strerror(errno));
		unlink(tmp.p);
		goto out;
	}
	rc = 0;
out:
	tx_buf_release(&doc);
	tx_buf_release(&tmp);
	return rc;
}
