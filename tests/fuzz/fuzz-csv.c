/*
 * libFuzzer target for the CSV reader of txmap --csv (instream.c's tx_csv,
 * and map.c on each row's object): `make fuzz` or `make fuzz-smoke`
 * (tests/fuzz/local.mk). The invariants are in instream-fuzz.h.
 */
#define _GNU_SOURCE 1 /* memfd_create (memfile.h) */
#include "instream-fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void *csv_open(int fd, size_t chunk)
{
	struct tx_csv *c = malloc(sizeof(*c));

	if (!c)
		abort();
	tx_csv_init(c, fd);
	c->in.chunk = chunk;
	return c;
}

static int csv_next(void *r, struct tx_initem *it, const char **err)
{
	struct tx_csv *c = r;
	int rc = tx_csv_next(c, it);

	*err = c->err;
	return rc;
}

static void csv_close(void *r)
{
	tx_csv_release(r);
	free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_instream(data, size, csv_open, csv_next, csv_close);
}
