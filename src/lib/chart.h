/*
 * chart.h: text charts for terminals, one cell per character: sparklines,
 * horizontal bars and line charts, in Unicode block and braille characters,
 * or in plain ASCII when the terminal cannot show those.
 *
 * Each function appends to a struct tx_buf (UTF-8 or ASCII) exactly `width`
 * cells, so a caller can place the text at a fixed column.
 */
#ifndef TX_CHART_H
#define TX_CHART_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/*
 * One cell per value (the last `width` of n values; padded on the left with
 * blanks when there are fewer), height in eighths of the largest value:
 * " ▁▂▃▄▅▆▇█", or " .:-=+*#@" in ASCII. A nonzero value never shows blank.
 */
void tx_chart_spark(struct tx_buf *b, const uint64_t *v, size_t n, size_t width, int utf8);

/*
 * A bar for v on a scale where max fills `width` cells, in eighths of a cell
 * ("█████▍"), or '#' per whole cell in ASCII; padded with blanks to width.
 * A nonzero v shows at least a sliver. Returns the bar's length in eighths.
 */
size_t tx_chart_bar(struct tx_buf *b, uint64_t v, uint64_t max, size_t width, int utf8);

/*
 * A line chart of n values (>= 0) in a box of width x height cells, scaled
 * from 0 to hi (the largest value when hi <= 0). Braille gives each cell
 * 2 x 4 dots, so the last 2*width values are drawn, joined by vertical
 * strokes; ASCII draws the last `width` values as '*'. Fewer values than that are
 * stretched across the width (a step line). rows[0] is the top
 * row; each row is appended to its own buffer. Returns the scale used (hi).
 */
double tx_chart_lines(struct tx_buf *rows, size_t height, const double *v, size_t n, size_t width,
		      double hi, int utf8);

/* Append one Unicode code point as UTF-8. */
void tx_chart_add_utf8(struct tx_buf *b, uint32_t cp);

#endif
