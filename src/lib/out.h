/*
 * out.h: buffered output to a file descriptor, with the failure modes a
 * pipeline cares about made explicit.
 *
 * Writes are collected and sent in large blocks (or per line when the fd is
 * a terminal and line_buffered is set). A write error is remembered: every
 * later call is a no-op and tx_out_flush() returns -1, so the caller checks
 * once. err == EPIPE means downstream closed: programs treat that as "stop
 * quietly", not as a failure (txgen | head).
 */
#ifndef TX_OUT_H
#define TX_OUT_H

#include <stddef.h>

#include "buf.h"

struct tx_out {
	int fd;
	const char *name; /* borrowed, for messages */
	struct tx_buf b;
	size_t limit;	   /* flush when the buffer holds this much */
	int line_buffered; /* flush after every tx_out_end_line() */
	int err;	   /* errno of the first failed write, 0 if none */
};

/* Line-buffered when fd is a terminal, block-buffered (64 KiB) otherwise. */
void tx_out_init(struct tx_out *o, int fd, const char *name);
/* Open path for writing (truncating; "-" is stdout). -1 after reporting. */
int tx_out_open(struct tx_out *o, const char *path);
/* Flush and, unless it is fd 0-2, close. Returns 0 or -1 (reported unless EPIPE). */
int tx_out_close(struct tx_out *o);

static inline struct tx_buf *tx_out_buf(struct tx_out *o)
{
	return &o->b;
}
/* Writes what is buffered. 0, or -1 (o->err set; reported unless EPIPE). */
int tx_out_flush(struct tx_out *o);
/* Call after each complete line: flushes when due. 0 or -1 as tx_out_flush. */
static inline int tx_out_end_line(struct tx_out *o)
{
	if (o->line_buffered || o->b.len >= o->limit)
		return tx_out_flush(o);
	return o->err ? -1 : 0;
}
/* Append one whole line (adds the '\n'). */
static inline int tx_out_line(struct tx_out *o, const char *s, size_t n)
{
	tx_buf_add(&o->b, s, n);
	tx_buf_addch(&o->b, '\n');
	return tx_out_end_line(o);
}

#endif
