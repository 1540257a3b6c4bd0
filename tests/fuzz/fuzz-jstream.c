/*
 * libFuzzer target for the JSON value stream of txmap (instream.c's
 * tx_jstream, and map.c on each object): `make fuzz` or `make fuzz-smoke`
 * (tests/fuzz/local.mk). The invariants are in instream-fuzz.h.
 */
#define _GNU_SOURCE 1 /* memfd_create (memfile.h) */
#include "instream-fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void *js_open(int fd, size_t chunk)
{
	struct tx_jstream *js = malloc(sizeof(*js));

	if (!js)
		abort();
	tx_jstream_init(js, fd);
	js->in.chunk = chunk;
	return js;
}

static int js_next(void *r, struct tx_initem *it, const char **err)
{
	struct tx_jstream *js = r;
	int rc = tx_jstream_next(js, it);

	*err = js->err;
	return rc;
}

static void js_close(void *r)
{
	tx_jstream_release(r);
	free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_instream(data, size, js_open, js_next, js_close);
}
