/* Foreign records: a JSON value stream and CSV (see instream.h). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "instream.h"
#include "json.h"
#include "tx.h"

#define INBUF_MIN (64 * 1024)
/* While waiting for input, how often the caller hears TX_IN_IDLE again. */
#define IDLE_MS 1000

static void inbuf_init(struct tx_inbuf *in, int fd)
{
	memset(in, 0, sizeof(*in));
	in->fd = fd;
	in->cap = INBUF_MIN;
	in->p = tx_malloc(in->cap + 1);
}

static void inbuf_release(struct tx_inbuf *in)
{
	free(in->p);
	in->p = NULL;
	in->cap = in->start = in->end = 0;
}

/*
 * Read more after in->end, keeping p[start, end): 1 when bytes came, 0 at
 * end of input, TX_IN_INTR, TX_IN_IDLE, or -1 (in->err set). Moves the
 * bytes to the front first, and doubles the buffer when they fill it.
 * Before a read that would wait, TX_IN_IDLE is returned, so that the
 * caller can flush what it has written (a live pipeline's records must not
 * wait in its buffers for more input); the next call waits, and returns
 * TX_IN_IDLE again each IDLE_MS without input, so that the caller sees
 * its reader go away (tx_out_idle()).
 */
static int inbuf_fill(struct tx_inbuf *in)
{
	ssize_t n;
	size_t want;
	struct pollfd pfd;
	int r;

	if (in->eof)
		return 0;
	if (in->start) {
		memmove(in->p, in->p + in->start, in->end - in->start);
		in->end -= in->start;
		in->start = 0;
	}
	if (in->cap - in->end < INBUF_MIN / 2) {
		in->cap = in->cap ? tx_st_mult(in->cap, 2) : INBUF_MIN;
		in->p = tx_realloc(in->p, in->cap + 1);
	}
	pfd.fd = in->fd;
	pfd.events = POLLIN;
	r = poll(&pfd, 1, in->idle ? IDLE_MS : 0);
	if (r == 0) {
		in->idle = 1;
		return TX_IN_IDLE;
	}
	if (r < 0 && errno == EINTR)
		return TX_IN_INTR;
	in->idle = 0;
	want = in->cap - in->end;
	if (in->chunk && want > in->chunk)
		want = in->chunk;
	n = read(in->fd, in->p + in->end, want);
	if (n < 0) {
		if (errno == EINTR)
			return TX_IN_INTR;
		in->err = errno;
		return -1;
	}
	if (n == 0) {
		in->eof = 1;
		return 0;
	}
	in->end += (size_t)n;
	return 1;
}

static uint64_t count_lines(const char *p, const char *end)
{
	uint64_t n = 0;

	while ((p = memchr(p, '\n', (size_t)(end - p)))) {
		n++;
		p++;
	}
	return n;
}

/*
 * Skip from in->start, on line *lineno, past the end of that line (phase
 * 0), then (phase 1) up to the first line whose first non-blank byte is one
 * of `starts` (none when starts is empty) or the end of input, copying the
 * bytes skipped into bad. 0, TX_IN_INTR (call again: it resumes where it
 * was, phase included) or -1.
 */
static int resync(struct tx_inbuf *in, uint64_t *lineno, struct tx_buf *bad, const char *starts,
		  int *phase)
{
	for (;;) {
		char *p = in->p + in->start, *e = in->p + in->end, *nl;
		int rc;
		if (*phase) {
			const char *q = p;
			if (!*starts)
				return 0;
			while (q < e && (*q == ' ' || *q == '\t' || *q == '\r'))
				q++;
			if (q == e && !in->eof) {
				if ((rc = inbuf_fill(in)) < 0 || rc == TX_IN_INTR ||
				    rc == TX_IN_IDLE)
					return rc;
				continue;
			}
			if (q == e || (*q && *q != '\n' && strchr(starts, *q)))
				break;
		}
		nl = memchr(p, '\n', (size_t)(e - p));
		if (!nl) {
			tx_buf_add(bad, p, (size_t)(e - p));
			in->start = in->end;
			*phase = 0; /* inside a line: the rest of it goes too */
			if (in->eof)
				break;
			if ((rc = inbuf_fill(in)) < 0 || rc == TX_IN_INTR || rc == TX_IN_IDLE)
				return rc;
			continue;
		}
		tx_buf_add(bad, p, (size_t)(nl + 1 - p));
		in->start += (size_t)(nl + 1 - p);
		(*lineno)++;
		*phase = 1;
	}
	if (bad->len && bad->p[bad->len - 1] == '\n')
		bad->p[--bad->len] = 0;
	return 0;
}

/* ---- the JSON value stream ---- */

enum { JS_TOP, JS_ELEM, JS_AFTER, JS_RESYNCED };

void tx_jstream_init(struct tx_jstream *js, int fd)
{
	inbuf_init(&js->in, fd);
	js->lineno = 1;
	js->state = JS_TOP;
	js->started = 0;
	tx_buf_init(&js->bad);
	js->err[0] = 0;
}

void tx_jstream_release(struct tx_jstream *js)
{
	inbuf_release(&js->in);
	tx_buf_release(&js->bad);
}

/* Skip whitespace, reading as needed: 1 with a byte at in.start, 0 at the end, or rc. */
static int js_skip_ws(struct tx_jstream *js)
{
	struct tx_inbuf *in = &js->in;

	for (;;) {
		char *p = in->p + in->start, *e = in->p + in->end;
		const char *q = tx_json_skip_ws(p, e);
		js->lineno += count_lines(p, q);
		in->start = (size_t)(q - in->p);
		if (q < e)
			return 1;
		int rc = inbuf_fill(in);
		if (rc <= 0 || rc == TX_IN_INTR || rc == TX_IN_IDLE)
			return rc;
	}
}

static int js_bad(struct tx_jstream *js, struct tx_initem *item, uint64_t lineno, int skip_line,
		  const char *fmt, const char *what)
{
	int phase = !skip_line;
	int rc;

	snprintf(js->err, sizeof(js->err), fmt, what);
	tx_buf_reset(&js->bad);
	do
		rc = resync(&js->in, &js->lineno, &js->bad, "{[", &phase);
	while (rc == TX_IN_INTR || rc == TX_IN_IDLE);
	if (rc < 0)
		return rc;
	if (js->state != JS_TOP)
		js->state = JS_RESYNCED;
	item->p = js->bad.p ? js->bad.p : "";
	item->len = js->bad.len;
	item->lineno = lineno;
	item->multiline = memchr(item->p, '\n', item->len) != NULL;
	return TX_IN_BAD;
}

/*
 * Whether a scan failed only because the bytes read so far end too soon:
 * the scanner reached their end (an unterminated string is reported at its
 * start, a number or a literal at its start), or failed close to it (a
 * UTF-8 sequence or an escape cut in two).
 */
static int cut_short(const struct tx_json_err *e, const char *end)
{
	const char *q = e->at;

	if (end - e->at <= 12 || !strcmp(e->what, "unterminated string"))
		return 1;
	if (!strncmp(e->what, "invalid number", 14)) {
		while (q < end && strchr("0123456789.eE+-", *q))
			q++;
		return q == end;
	}
	if (!strcmp(e->what, "invalid literal")) {
		while (q < end && *q >= 'a' && *q <= 'z')
			q++;
		return q == end;
	}
	return 0;
}

static int jstream_next(struct tx_jstream *js, struct tx_initem *item);

int tx_jstream_next(struct tx_jstream *js, struct tx_initem *item)
{
	int rc = jstream_next(js, item);

	item->raw = item->p;
	item->raw_len = item->len;
	return rc;
}

static int jstream_next(struct tx_jstream *js, struct tx_initem *item)
{
	struct tx_inbuf *in = &js->in;

	/* a UTF-8 byte order mark (Windows exports) before the first value */
	while (!js->started) {
		if (in->end - in->start >= 3 || in->eof) {
			if (in->end - in->start >= 3 &&
			    !memcmp(in->p + in->start, "\xef\xbb\xbf", 3))
				in->start += 3;
			js->started = 1;
		} else {
			int rc = inbuf_fill(in);
			if (rc < 0 || rc == TX_IN_INTR || rc == TX_IN_IDLE)
				return rc;
		}
	}
	for (;;) {
		int rc = js_skip_ws(js);
		char c;
		if (rc == 0) {
			if (js->state == JS_TOP)
				return TX_IN_END;
			js->state = JS_TOP;
			snprintf(js->err, sizeof(js->err), "the input ends inside an array");
			item->p = "";
			item->len = 0;
			item->lineno = js->lineno;
			item->multiline = 0;
			return TX_IN_BAD;
		}
		if (rc != 1)
			return rc;
		c = in->p[in->start];
		switch (js->state) {
		case JS_TOP:
			if (c == '[') {
				in->start++;
				js->state = JS_ELEM;
				continue;
			}
			break;
		case JS_RESYNCED:
		case JS_AFTER:
			if (c == ',') {
				in->start++;
				js->state = JS_ELEM;
				continue;
			}
			if (c == ']') {
				in->start++;
				js->state = JS_TOP;
				continue;
			}
			if (js->state == JS_AFTER)
				return js_bad(js, item, js->lineno, 1, "%s",
					      "expected ',' or ']' after an array element");
			break;
		case JS_ELEM:
			if (c == ']') {
				in->start++;
				js->state = JS_TOP;
				continue;
			}
			break;
		}
		/* a value at in->start: scan it whole, reading more while it is cut short */
		for (;;) {
			struct tx_json_err e = {NULL, NULL};
			const char *p = in->p + in->start, *end = in->p + in->end;
			const char *q = tx_json_scan_value(p, end, js->state == JS_TOP ? 1 : 2, &e);
			/*
			 * Cut short by the end of what was read: an error near it (a
			 * UTF-8 sequence or an escape may be split), or a number or a
			 * literal that may go on.
			 */
			if (!in->eof &&
			    ((!q && cut_short(&e, end)) ||
			     (q == end && end[-1] != '}' && end[-1] != ']' && end[-1] != '"'))) {
				rc = inbuf_fill(in);
				if (rc < 0 || rc == TX_IN_INTR || rc == TX_IN_IDLE)
					return rc;
				continue;
			}
			if (!q) {
				char what[120];
				uint64_t at = js->lineno + count_lines(p, e.at < end ? e.at : end);
				snprintf(what, sizeof(what), "invalid JSON on line %llu: %s",
					 (unsigned long long)at,
					 e.at >= end ? "unexpected end of input" : e.what);
				return js_bad(js, item, js->lineno, 1, "%s", what);
			}
			item->p = p;
			item->len = (size_t)(q - p);
			item->lineno = js->lineno;
			{
				uint64_t n = count_lines(p, q);
				item->multiline = n != 0;
				js->lineno += n;
			}
			in->start += item->len;
			if (js->state != JS_TOP)
				js->state = JS_AFTER;
			if (*p != '{') {
				snprintf(js->err, sizeof(js->err), "%s",
					 js->state == JS_TOP
					     ? "not a JSON object"
					     : "array element is not a JSON object");
				return TX_IN_BAD;
			}
			return TX_IN_ITEM;
		}
	}
}

/* ---- CSV ---- */

void tx_csv_init(struct tx_csv *c, int fd)
{
	memset(c, 0, sizeof(*c));
	inbuf_init(&c->in, fd);
	c->lineno = 1;
	tx_buf_init(&c->field);
	tx_buf_init(&c->header);
	tx_buf_init(&c->json);
	tx_buf_init(&c->bad);
}

void tx_csv_release(struct tx_csv *c)
{
	inbuf_release(&c->in);
	tx_buf_release(&c->field);
	tx_buf_release(&c->header);
	tx_buf_release(&c->json);
	tx_buf_release(&c->bad);
	free(c->offs);
	free(c->hoffs);
	c->offs = c->hoffs = NULL;
}

static void csv_end_field(struct tx_csv *c)
{
	tx_buf_addch(&c->field, 0);
	TX_ALLOC_GROW(c->offs, c->nfields + 2, c->offs_cap, 32);
	c->offs[++c->nfields] = c->field.len;
}

/*
 * One record at in.start into field/offs: 1 parsed (in.start moved past
 * it), 0 it is cut short (read more), -1 bad (err set).
 */
static int csv_parse(struct tx_csv *c, uint64_t *lines)
{
	struct tx_inbuf *in = &c->in;
	const char *p = in->p + in->start, *e = in->p + in->end;

	tx_buf_reset(&c->field);
	TX_ALLOC_GROW(c->offs, 1, c->offs_cap, 32);
	c->nfields = 0;
	c->offs[0] = 0;
	*lines = 0;
	for (;;) {
		if (p < e && *p == '"') {
			for (p++;;) {
				const char *q = memchr(p, '"', (size_t)(e - p));
				if (!q)
					return 0;
				*lines += count_lines(p, q);
				tx_buf_add(&c->field, p, (size_t)(q - p));
				if (q + 1 == e && !in->eof)
					return 0; /* "" may be cut in two */
				if (q + 1 < e && q[1] == '"') {
					tx_buf_addch(&c->field, '"');
					p = q + 2;
					continue;
				}
				p = q + 1;
				break;
			}
			if (p < e && *p != ',' && *p != '\n' && *p != '\r') {
				snprintf(
				    c->err, sizeof(c->err),
				    "a quoted field is followed by '%c' instead of ',' or the end "
				    "of the line",
				    *p);
				return -1;
			}
		} else {
			const char *q = p;
			while (q < e && *q != ',' && *q != '\n' && *q != '\r' && *q != '"')
				q++;
			if (q < e && *q == '"') {
				snprintf(c->err, sizeof(c->err), "%s",
					 "a '\"' inside a field that is not quoted");
				return -1;
			}
			tx_buf_add(&c->field, p, (size_t)(q - p));
			p = q;
		}
		csv_end_field(c);
		if (p == e) {
			if (!in->eof)
				return 0;
			in->start = in->end;
			return 1;
		}
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p == '\r') {
			if (p + 1 == e && !in->eof)
				return 0;
			if (p + 1 == e) {
				in->start = in->end;
				return 1;
			}
			if (p[1] == '\n')
				p++;
			else {
				snprintf(c->err, sizeof(c->err), "%s",
					 "a carriage return that does not end the line");
				return -1;
			}
		}
		/* *p == '\n' */
		(*lines)++;
		in->start = (size_t)(p + 1 - in->p);
		return 1;
	}
}

/* A record: TX_IN_ITEM (fields in field/offs), TX_IN_BAD, TX_IN_END, ... */
static int csv_record(struct tx_csv *c, struct tx_initem *item)
{
	struct tx_inbuf *in = &c->in;

	for (;;) {
		uint64_t lines;
		size_t rec_start;
		int rc;
		/* blank lines */
		while (in->start < in->end) {
			char ch = in->p[in->start];
			if (ch == '\n') {
				in->start++;
				c->lineno++;
			} else if (ch == '\r' && in->start + 1 < in->end &&
				   in->p[in->start + 1] == '\n') {
				in->start += 2;
				c->lineno++;
			} else if (ch == '\r' && in->start + 1 == in->end && in->eof) {
				in->start++;
			} else
				break;
		}
		if (in->start == in->end ||
		    (in->p[in->start] == '\r' && in->start + 1 == in->end)) {
			rc = inbuf_fill(in);
			if (rc < 0 || rc == TX_IN_INTR || rc == TX_IN_IDLE)
				return rc;
			if (rc == 0 && in->start == in->end)
				return TX_IN_END;
			continue;
		}
		rec_start = in->start;
		rc = csv_parse(c, &lines);
		if (rc == 0) {
			/* cut short: read more, or at the end, an unclosed quote */
			if (in->eof) {
				snprintf(c->err, sizeof(c->err), "%s",
					 "a quoted field is not closed before the end of input");
				rc = -1;
			} else {
				rc = inbuf_fill(in);
				if (rc < 0 || rc == TX_IN_INTR || rc == TX_IN_IDLE)
					return rc;
				continue;
			}
		}
		item->lineno = c->lineno;
		if (rc < 0) {
			int phase = 0;
			tx_buf_reset(&c->bad);
			do
				rc = resync(in, &c->lineno, &c->bad, "", &phase);
			while (rc == TX_IN_INTR || rc == TX_IN_IDLE);
			if (rc < 0)
				return rc;
			/* resync stops only at the end with starts "": the line after is next */
			item->p = item->raw = c->bad.p ? c->bad.p : "";
			item->len = item->raw_len = c->bad.len;
			item->multiline = 0;
			return TX_IN_BAD;
		}
		c->lineno += lines;
		/* its bytes, without the line break, for a reject */
		c->raw = in->p + rec_start;
		c->raw_len = in->start - rec_start;
		while (c->raw_len &&
		       (c->raw[c->raw_len - 1] == '\n' || c->raw[c->raw_len - 1] == '\r'))
			c->raw_len--;
		return TX_IN_ITEM;
	}
}

int tx_csv_next(struct tx_csv *c, struct tx_initem *item)
{
	int rc;

	for (;;) {
		rc = csv_record(c, item);
		if (rc != TX_IN_ITEM)
			return rc;
		if (c->hoffs)
			break;
		/* the header row */
		{
			const char *f = c->field.p;
			size_t n = c->offs[1] - 1;
			if (n >= 3 && !memcmp(f, "\xef\xbb\xbf", 3))
				c->offs[0] = 3;
			c->hoffs = tx_malloc((c->nfields + 1) * sizeof(*c->hoffs));
			c->nheader = c->nfields;
			for (size_t i = 0; i < c->nfields; i++) {
				c->hoffs[i] = c->header.len;
				tx_buf_add_json_string(&c->header, c->field.p + c->offs[i],
						       c->offs[i + 1] - 1 - c->offs[i]);
				tx_buf_addch(&c->header, ':');
			}
			c->hoffs[c->nfields] = c->header.len;
		}
	}
	if (c->nfields != c->nheader) {
		snprintf(c->err, sizeof(c->err), "the record has %zu fields, the header %zu",
			 c->nfields, c->nheader);
		/* the record is whole: its bytes as they came, for --reject */
		item->p = item->raw = c->raw;
		item->len = item->raw_len = c->raw_len;
		item->multiline = 0; /* a CSV record: its line breaks are its own */
		return TX_IN_BAD;
	}
	tx_buf_reset(&c->json);
	tx_buf_addch(&c->json, '{');
	for (size_t i = 0; i < c->nfields; i++) {
		if (i)
			tx_buf_addch(&c->json, ',');
		tx_buf_add(&c->json, c->header.p + c->hoffs[i], c->hoffs[i + 1] - c->hoffs[i]);
		tx_buf_add_json_string(&c->json, c->field.p + c->offs[i],
				       c->offs[i + 1] - 1 - c->offs[i]);
	}
	tx_buf_addch(&c->json, '}');
	item->p = c->json.p;
	item->len = c->json.len;
	item->multiline = 0;
	item->raw = c->raw;
	item->raw_len = c->raw_len;
	return TX_IN_ITEM;
}
