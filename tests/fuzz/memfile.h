/*
 * memfile.h: for the libFuzzer targets whose parser reads a file by path
 * (the Kafka config file, the offsets file, the balances file): the input
 * is written to one anonymous memory file, reused for every run, and the
 * parser is given its /proc/self/fd path, so the real open/read path of the
 * library (tx_lines_open, tx_lines_next) is what gets fuzzed.
 */
#ifndef TX_FUZZ_MEMFILE_H
#define TX_FUZZ_MEMFILE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

/* The path of a file holding exactly data[0..size). Aborts on a system error. */
static const char *fuzz_file(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];

	if (fd < 0) {
		fd = memfd_create("fuzz-input", 0);
		if (fd < 0)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) < 0)
		abort();
	for (size_t off = 0; off < size;) {
		ssize_t w = pwrite(fd, data + off, size - off, (off_t)off);
		if (w <= 0)
			abort();
		off += (size_t)w;
	}
	return path;
}

#endif
