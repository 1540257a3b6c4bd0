/* Text charts: see chart.h. */
#include <stdlib.h>
#include <string.h>

#include "chart.h"
#include "tx.h"

void tx_chart_add_utf8(struct tx_buf *b, uint32_t cp)
{
	if (cp < 0x80) {
		tx_buf_addch(b, (char)cp);
	} else if (cp < 0x800) {
		tx_buf_addch(b, (char)(0xc0 | cp >> 6));
		tx_buf_addch(b, (char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		tx_buf_addch(b, (char)(0xe0 | cp >> 12));
		tx_buf_addch(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
		tx_buf_addch(b, (char)(0x80 | (cp & 0x3f)));
	} else {
		tx_buf_addch(b, (char)(0xf0 | cp >> 18));
		tx_buf_addch(b, (char)(0x80 | ((cp >> 12) & 0x3f)));
		tx_buf_addch(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
		tx_buf_addch(b, (char)(0x80 | (cp & 0x3f)));
	}
}

void tx_chart_spark(struct tx_buf *b, const uint64_t *v, size_t n, size_t width, int utf8)
{
	static const char ascii[] = " .:-=+*#@";
	uint64_t max = 0;
	size_t first = n > width ? n - width : 0;

	for (size_t i = first; i < n; i++)
		if (v[i] > max)
			max = v[i];
	for (size_t i = n - first; i < width; i++)
		tx_buf_addch(b, ' ');
	for (size_t i = first; i < n; i++) {
		/* 0 .. 8 eighths, rounded up so that any traffic shows */
		unsigned e = max ? (unsigned)((v[i] * 8 + max - 1) / max) : 0;

		if (!utf8)
			tx_buf_addch(b, ascii[e]);
		else if (!e)
			tx_buf_addch(b, ' ');
		else
			tx_chart_add_utf8(b, 0x2580 + e); /* U+2581 lower one eighth .. U+2588 */
	}
}

size_t tx_chart_bar(struct tx_buf *b, uint64_t v, uint64_t max, size_t width, int utf8)
{
	size_t eighths, cells = 0;

	if (!max || !v)
		eighths = 0;
	else if (v >= max)
		eighths = width * 8;
	else
		eighths = (size_t)(((double)v * (double)(width * 8)) / (double)max + 0.5);
	if (v && !eighths)
		eighths = 1;
	if (!utf8) {
		size_t whole = (eighths + 4) / 8;

		if (v && !whole)
			whole = 1;
		for (; cells < whole; cells++)
			tx_buf_addch(b, '#');
	} else {
		for (; cells < eighths / 8; cells++)
			tx_chart_add_utf8(b, 0x2588); /* full block */
		if (eighths % 8) {
			/* U+258F left one eighth block .. U+2589 left seven eighths */
			tx_chart_add_utf8(b, 0x2590 - (uint32_t)(eighths % 8));
			cells++;
		}
	}
	for (; cells < width; cells++)
		tx_buf_addch(b, ' ');
	return eighths;
}

/* Braille dot bits by (column 0-1, row 0-3). */
static const uint8_t braille_bit[2][4] = {{0x01, 0x02, 0x04, 0x40}, {0x08, 0x10, 0x20, 0x80}};

double tx_chart_lines(struct tx_buf *rows, size_t height, const double *v, size_t n, size_t width,
		      double hi, int utf8)
{
	size_t per_cell = utf8 ? 2 : 1, dots_y = utf8 ? 4 * height : height;
	size_t npts = width * per_cell, first = n > npts ? n - npts : 0;
	uint8_t *cell;
	long prev = -1;

	if (!height || !width)
		return hi;
	if (hi <= 0) {
		for (size_t i = first; i < n; i++)
			if (v[i] > hi)
				hi = v[i];
	}
	cell = tx_calloc(width * height, 1);
	/* fewer values than points: each value spans several points (a step line) */
	for (size_t x = 0; x < npts && n > first; x++) {
		size_t i = first + x * (n - first) / npts;
		double f = hi > 0 ? v[i] / hi : 0;
		long y, y0, y1;

		if (f < 0)
			f = 0;
		if (f > 1)
			f = 1;
		/* y in dots from the top */
		y = (long)(dots_y - 1) - (long)(f * (double)(dots_y - 1) + 0.5);
		y0 = y1 = y;
		if (utf8 && prev >= 0) { /* join to the previous point with a vertical stroke */
			if (prev < y)
				y0 = prev + 1;
			else if (prev > y)
				y1 = prev - 1;
		}
		for (long yy = y0; yy <= y1; yy++) {
			size_t cy = utf8 ? (size_t)yy / 4 : (size_t)yy, cx = x / per_cell;
			if (utf8)
				cell[cy * width + cx] |= braille_bit[x % 2][yy % 4];
			else
				cell[cy * width + cx] = 1;
		}
		prev = y;
	}
	for (size_t r = 0; r < height; r++)
		for (size_t c = 0; c < width; c++) {
			uint8_t d = cell[r * width + c];
			if (!utf8)
				tx_buf_addch(&rows[r], d ? '*' : ' ');
			else if (!d)
				tx_buf_addch(&rows[r], ' ');
			else
				tx_chart_add_utf8(&rows[r], 0x2800 + d);
		}
	free(cell);
	return hi;
}
