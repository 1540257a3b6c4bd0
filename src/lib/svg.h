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

/* Append the document. title names the input; now_sec is the run's current second. */
void tx_stats_svg_doc(struct tx_buf *b, const struct tx_stats *s, const char *title,
		      int64_t now_sec);

/*
 * Write the document to path atomically: into a temporary file in the same
 * directory, then rename(2), so a reader never sees half a chart.
 * Returns 0, or -1 after reporting the error.
 */
int tx_stats_svg(const struct tx_stats *s, const char *path, const char *title, int64_t now_sec);

/* Append s with the XML special characters escaped (and control bytes dropped). */
void tx_svg_add_escaped(struct tx_buf *b, const char *s);

#endif
