/*
 * svg.h: txtop's charts as a standalone SVG document, for reports and for
 * people who would rather look than read.
 *
 * The document holds the same series as the dashboard, with the figures in
 * data- attributes and <title> tooltips so that scripts (and tests) can read
 * them back: <rect class="type" data-type="deposit" data-count="300">,
 * <rect class="status" data-status="failed" data-count="5">, the throughput
 * and amounts polylines with data-values, the latency percentiles, the top
 * accounts and the latest alerts as text.
 */
#ifndef TX_SVG_H
#define TX_SVG_H

#include <stdint.h>

#include "buf.h"
#include "stats.h"

/* What to draw and how wide. */
struct tx_svg_view {
	const char *title; /* names the input */
	int64_t now_sec;   /* the run's current second, for the live throughput */
	int event_time;	   /* files: the throughput over the records' event time */
	int width;	   /* pixels; two columns from 700 up, one below (phones) */
};
#define TX_SVG_WIDTH  960 /* the default */
#define TX_SVG_NARROW 420 /* one column, for phones */

/*
 * Append the dashboard as an SVG document: the same panels as the
 * terminal's, laid out for v->width (the height follows the content). Every
 * text is fitted to its place (cut with an ellipsis), so none overlaps
 * another. The web page shows these same documents (txtop --http).
 */
void tx_svg_dash(struct tx_buf *b, const struct tx_stats *s, const struct tx_svg_view *v);

/* The document at the default width, live throughput. */
void tx_stats_svg_doc(struct tx_buf *b, const struct tx_stats *s, const char *title,
		      int64_t now_sec);

/*
 * Write the document to path atomically: into a temporary file in the same
 * directory, then rename(2), so a reader never sees half a chart.
 * Returns 0, or -1 after reporting the error.
 */
int tx_svg_write(const struct tx_stats *s, const char *path, const struct tx_svg_view *v);

/* Append s with the XML special characters escaped (and control bytes dropped). */
void tx_svg_add_escaped(struct tx_buf *b, const char *s);

#endif
