/*
 * instream-fuzz.h: what fuzz-jstream and fuzz-csv share. The input goes to
 * a memory file (memfile.h) and is read by the real reader from its fd,
 * twice: in one read, and in reads of 1 to 16 bytes (the first input byte
 * says how many), so every cut between reads is tried. Invariants:
 *   - both readings give the same items: the same bytes, lines and
 *     messages, whatever the cuts (a value cut in two is read whole)
 *   - an item is an object ('{' ... '}'), its line within the input's
 *     lines, lines never going back; a bad item has a message
 *   - the reader ends (at most one item per input byte, plus the end)
 *   - each object through the mapper (map.c, with --tz, --id hash and
 *     --round) gives a record of one line the codec accepts, or a message
 */
#ifndef TX_FUZZ_INSTREAM_H
#define TX_FUZZ_INSTREAM_H

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "instream.h"
#include "map.h"
#include "memfile.h"
#include "record.h"

/* One reading: every item, as "lineno kind len:bytes|message\n" in log. */
typedef int (*fuzz_next_fn)(void *reader, struct tx_initem *it, const char **err);
typedef void *(*fuzz_open_fn)(int fd, size_t chunk);
typedef void (*fuzz_close_fn)(void *reader);

static struct tx_mapper fuzz_map;
static struct tx_record fuzz_rec;

static void fuzz_read(const char *path, size_t size, size_t nlines, size_t chunk, fuzz_open_fn op,
		      fuzz_next_fn next, fuzz_close_fn cl, struct tx_buf *log, int map)
{
	int fd = open(path, O_RDONLY);
	void *r;
	struct tx_initem it;
	const char *err;
	uint64_t last = 1;
	size_t items = 0;
	int rc;

	if (fd < 0)
		abort();
	r = op(fd, chunk);
	tx_buf_reset(log);
	while ((rc = next(r, &it, &err)) == TX_IN_ITEM || rc == TX_IN_BAD || rc == TX_IN_IDLE ||
	       rc == TX_IN_INTR) {
		if (rc == TX_IN_IDLE || rc == TX_IN_INTR)
			continue;
		if (++items > size + 2 || it.lineno < last || it.lineno > nlines + 1)
			abort();
		last = it.lineno;
		tx_buf_addf(log, "%llu %d %zu:", (unsigned long long)it.lineno, rc, it.len);
		tx_buf_add(log, it.p, it.len);
		if (rc == TX_IN_BAD) {
			if (!err[0])
				abort();
			tx_buf_addch(log, '|');
			tx_buf_adds(log, err);
		} else {
			if (!it.len || it.p[0] != '{' || it.p[it.len - 1] != '}')
				abort();
			if (map) {
				enum tx_mapper_result res =
				    tx_mapper_record(&fuzz_map, it.p, it.len);
				if (res == TX_MAP_OK) {
					const struct tx_buf *o = &fuzz_map.out;
					if (memchr(o->p, '\n', o->len) ||
					    tx_record_parse(&fuzz_rec, o->p, o->len,
							    TX_PARSE_REQUIRE) < 0)
						abort();
				} else if (res == TX_MAP_REJECT && !fuzz_map.err[0]) {
					abort();
				}
			}
		}
		tx_buf_addch(log, '\n');
	}
	if (rc != TX_IN_END)
		abort();
	cl(r);
	close(fd);
}

static int fuzz_instream(const uint8_t *data, size_t size, fuzz_open_fn op, fuzz_next_fn next,
			 fuzz_close_fn cl)
{
	static struct tx_buf a, b;
	static int inited;
	const char *path;
	size_t chunk, nlines = 1;

	if (!inited) {
		tx_mapper_init(&fuzz_map);
		tx_record_init(&fuzz_rec);
		if (tx_mapper_set_tz(&fuzz_map, "+01:00") < 0 ||
		    tx_mapper_set_id(&fuzz_map, "hash") < 0)
			abort();
		fuzz_map.round = TX_ROUND_HALF_EVEN;
		inited = 1;
	}
	if (!size)
		return 0;
	chunk = 1 + data[0] % 16;
	data++;
	size--;
	for (size_t i = 0; i < size; i++)
		nlines += data[i] == '\n';
	path = fuzz_file(data, size);
	fuzz_read(path, size, nlines, 0, op, next, cl, &a, 1);
	fuzz_read(path, size, nlines, chunk, op, next, cl, &b, 0);
	if (a.len != b.len || (a.len && memcmp(a.p, b.p, a.len))) {
		fprintf(stderr, "read at once:\n");
		fwrite(a.p, 1, a.len, stderr);
		fprintf(stderr, "\nin reads of %zu bytes:\n", chunk);
		fwrite(b.p, 1, b.len, stderr);
		abort();
	}
	return 0;
}

#endif
