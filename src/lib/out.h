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
#include <stdint.h>

#include "buf.h"

struct tx_out {
	int fd;
	const char *name; /* borrowed, for messages */
	struct tx_buf b;
	size_t limit;	   /* flush when the buffer holds this much */
	int line_buffered; /* flush after every tx_out_end_line() */
	int tty;	   /* fd is a terminal: a progress line there goes first (progress.h) */
	int fifo;	   /* fd is a pipe (or FIFO): see tx_out_idle() */
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
/*
 * For a program with no input for now: tx_out_flush(), and, when nothing
 * is buffered and fd is a pipe, whether its reader went away. A program
 * waiting for input finds out otherwise only at its next write, which may
 * not come for hours (txsub | head -n 1 on a quiet topic). 0, or -1
 * (o->err set: EPIPE for a reader gone, as a write would have found).
 */
int tx_out_idle(struct tx_out *o);
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

/*
 * Rejects: the one rule for a bad input record, the same in every program
 * (tx(7), Bad input). The record is reported on stderr as "prog: where:
 * what is wrong" (tx_reject_at(), or the caller's own report when the place
 * is no source:line), counted, and written as it was read, alone on its
 * line, to the --reject file: nothing else ever goes there, so the file can
 * be fixed and fed back as it is. With --strict the program stops after
 * the first. A reject that cannot be written is lost data: that is an I/O
 * error (reported once, exit 3) and the program stops as well.
 */
struct tx_rejects {
	struct tx_out out; /* the --reject file, when have_file */
	int have_file;
	int strict;	/* --strict */
	uint64_t count; /* records rejected */
	int failed;	/* the reject file could not be written (reported) */
};

/* No reject file (yet); strict is --strict. */
void tx_rejects_init(struct tx_rejects *rj, int strict);
/* Write rejects to path ("-" is stdout), truncated. -1 after reporting. */
int tx_rejects_open(struct tx_rejects *rj, const char *path);
/*
 * Count a rejected record already reported and write it to the reject file.
 * flat: a record spread over lines (pretty-printed JSON, a quoted CSV field)
 * has its line breaks written as spaces, so the file keeps one a line.
 * Returns 1 when the program should stop (--strict, or rj->failed), else 0.
 */
int tx_reject(struct tx_rejects *rj, const char *rec, size_t len, int flat);
/* Report "prog: source:lineno: why" (unless quiet), then tx_reject(). */
int tx_reject_at(struct tx_rejects *rj, const char *source, uint64_t lineno, const char *why,
		 const char *rec, size_t len, int flat);
/* Write what is buffered. 0, or -1 (rj->failed set, reported). */
int tx_rejects_flush(struct tx_rejects *rj);
/* Flush and close the reject file. 0, or -1 (rj->failed set, reported). */
int tx_rejects_close(struct tx_rejects *rj);
/* TX_EXIT_IO when the file failed, TX_EXIT_REJECTED when any, else TX_EXIT_OK. */
int tx_rejects_status(const struct tx_rejects *rj);

#endif
