/*
 * instream.h: foreign records for txmap(1): a stream of JSON values, and
 * CSV with a header row.
 *
 * tx_jstream reads what producers and people write: NDJSON, JSON values
 * one after the other (pretty-printed or not, with any whitespace between),
 * and top-level arrays, whose elements are taken one by one (a UTF-8 byte
 * order mark before the first value is skipped). Each object
 * comes back as its exact bytes with the number of the line it starts on.
 * A value that is not valid JSON is reported (tx_jstream_next() returns 2)
 * and skipped up to the next line whose first non-blank byte is '{' or '['
 * (for NDJSON: the next line), so one bad value never takes the rest of the
 * stream with it.
 *
 * tx_csv reads RFC 4180 CSV: fields separated by ',', records ended by
 * CRLF or LF, fields optionally quoted with '"' ("" inside stands for one
 * '"'; quoted fields may hold commas and line breaks). The first record is
 * the header (a UTF-8 byte order mark before it is skipped); each later one
 * comes back as a JSON object text, {"header":"field",...}, every value a
 * string. Blank lines are skipped. A record with the wrong number of fields
 * or a misplaced quote is reported and skipped up to the line after the one
 * it started on.
 *
 * Ownership: both read from an fd they do not close; what they return
 * stays valid until the next call. Lifecycle: S_init, S_release.
 */
#ifndef TX_INSTREAM_H
#define TX_INSTREAM_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* A growing read buffer over an fd: the bytes not yet consumed are p[start, end). */
struct tx_inbuf {
	int fd;
	char *p;
	size_t cap, start, end;
	size_t chunk; /* most bytes one read() asks for (0: as many as fit); for the fuzzers */
	int eof, err; /* err: errno of a failed read */
	int idle;     /* TX_IN_IDLE was returned: the next read waits */
};

/* What a reader returned: an item, with the line it starts on. */
struct tx_initem {
	const char *p; /* an object's bytes; for an error, the bytes skipped (for --reject) */
	size_t len;
	uint64_t lineno;
	int multiline; /* the bytes hold a line break */
	/* the input's own bytes: for a CSV record its row (p is its JSON object), else p */
	const char *raw;
	size_t raw_len;
};

/* The readers' return codes. */
enum {
	TX_IN_END = 0,	/* end of input */
	TX_IN_ITEM = 1, /* *item set */
	TX_IN_BAD = 2,	/* bad input: err says why, item->lineno where, item->p what was skipped */
	TX_IN_INTR = 3, /* a read was interrupted by a signal: check flags, call again */
	TX_IN_IDLE =
	    4, /* nothing to read just now: flush the output, call again (it waits a while) */
	TX_IN_ERROR = -1 /* a read failed: in.err holds errno (not reported) */
};

struct tx_jstream {
	struct tx_inbuf in;
	uint64_t lineno; /* line of in.p[in.start] */
	int state;	 /* where in a top-level array (instream.c) */
	int started;	 /* a byte order mark was looked for */
	struct tx_buf bad;
	char err[160];
};

void tx_jstream_init(struct tx_jstream *js, int fd);
void tx_jstream_release(struct tx_jstream *js);
/* The next object: TX_IN_ITEM, TX_IN_BAD, TX_IN_END, TX_IN_INTR, TX_IN_IDLE or TX_IN_ERROR. */
int tx_jstream_next(struct tx_jstream *js, struct tx_initem *item);

struct tx_csv {
	struct tx_inbuf in;
	uint64_t lineno;
	struct tx_buf field; /* the fields of the record read last, unquoted, each NUL-ended */
	size_t *offs, nfields, offs_cap;
	struct tx_buf header;	/* the header's names, as JSON strings followed by ':' */
	size_t *hoffs, nheader; /* where each name starts in header, nheader + 1 entries */
	struct tx_buf json, bad;
	const char *raw; /* the bytes of the record read last, without its line break */
	size_t raw_len;
	char err[160];
};

void tx_csv_init(struct tx_csv *c, int fd);
void tx_csv_release(struct tx_csv *c);
/*
 * The next record as a JSON object (item->p, without a line break): as
 * tx_jstream_next(). A file without a header row (empty) ends at once; a
 * bad header is reported as TX_IN_BAD and every record after it too.
 */
int tx_csv_next(struct tx_csv *c, struct tx_initem *item);

#endif
