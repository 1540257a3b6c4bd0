/*
 * libFuzzer target for the offsets file (kafka.c: tx_kafka_load_offsets(),
 * txsub --offsets FILE): `make fuzz` or `make fuzz-smoke`.
 *
 * The input is the whole file, loaded for the topic "t" with 8 partitions.
 * Invariants besides "no crash, no sanitizer report, no leak": the result
 * is -1 or the number of partitions set (0 to the number of lines); only
 * the slots of existing partitions are written (guards around the array
 * stay intact) and every offset set is >= 0.
 */
#define _GNU_SOURCE 1 /* memfd_create (memfile.h) */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "memfile.h"
#include "kafka.h"
#include "tx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NPART 8
#define GUARD INT64_C(-77)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int64_t slots[NPART + 2];
	const char *path = fuzz_file(data, size);
	size_t lines = 1;
	int n;

	tx_progname = "fuzz-offsets";
	for (int i = 0; i < NPART + 2; i++)
		slots[i] = GUARD;
	n = tx_kafka_load_offsets(path, "t", NULL, slots + 1, NPART);
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	if (n < -1 || (n >= 0 && (size_t)n > lines))
		abort();
	if (slots[0] != GUARD || slots[NPART + 1] != GUARD)
		abort();
	for (int i = 1; i <= NPART; i++)
		if (slots[i] != GUARD && slots[i] < 0)
			abort();
	return 0;
}
