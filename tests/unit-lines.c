/* Unit tests for lines.c and out.c: lines of any length, numbering, EOF. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "lines.h"
#include "out.h"
#include "tx.h"
#include "unit.h"

/* Feed `data` through a pipe-less temp file and collect what the reader returns. */
static int read_all(const char *data, size_t n, struct tx_buf *got, uint64_t *lines)
{
	char path[] = "/tmp/unit-lines.XXXXXX";
	int fd = mkstemp(path), r;
	struct tx_lines lr;
	char *line;
	size_t len;

	if (fd < 0 || write(fd, data, n) != (ssize_t)n || lseek(fd, 0, SEEK_SET) < 0)
		return -1;
	unlink(path);
	tx_lines_init(&lr, fd, path);
	while ((r = tx_lines_next(&lr, &line, &len)) == 1) {
		tx_buf_add(got, line, len);
		tx_buf_addch(got, '|');
	}
	*lines = lr.lineno;
	tx_lines_release(&lr);
	close(fd);
	return r;
}

/*
 * The same through tx_lines_next_batch(), at most max lines a call: each
 * line is followed by '#' and its number, so the numbering is checked too.
 * simd 0 turns the CPU-specific scan off.
 */
static int read_batches(const char *data, size_t n, size_t max, struct tx_buf *got, size_t *calls,
			int simd)
{
	char path[] = "/tmp/unit-lines.XXXXXX";
	int fd = mkstemp(path), r;
	struct tx_lines lr;
	struct tx_line lines[8];
	size_t k;

	if (fd < 0 || write(fd, data, n) != (ssize_t)n || lseek(fd, 0, SEEK_SET) < 0)
		return -1;
	unlink(path);
	tx_lines_init(&lr, fd, path);
	if (!simd)
		lr.avx2 = 0; /* the portable scan */
	*calls = 0;
	while ((r = tx_lines_next_batch(&lr, lines, max, &k, -1)) == 1) {
		(*calls)++;
		if (k < 1 || k > max)
			return -2;
		for (size_t i = 0; i < k; i++) {
			tx_buf_add(got, lines[i].p, lines[i].len);
			tx_buf_addch(got, '#');
			tx_buf_add_uint(got, lr.lineno - k + 1 + i);
			tx_buf_addch(got, '|');
		}
	}
	tx_lines_release(&lr);
	close(fd);
	return r;
}

/*
 * Lines of random lengths (blank, shorter than a 64-byte block, across
 * blocks and read chunks) read in batches of 1, 3 and 8 lines: the same
 * lines, numbered, as written.
 */
static void batches_match(int simd)
{
	static const size_t lens[] = {0, 1, 2, 7, 31, 32, 33, 63, 64, 65, 127, 181, 300, 5000};
	struct tx_buf data = TX_BUF_INIT, want = TX_BUF_INIT, got = TX_BUF_INIT;
	uint32_t seed = 42;
	size_t calls, line = 0;
	char what[96];

	while (data.len < 700 * 1024) {
		size_t n;
		seed = seed * 1103515245 + 12345;
		n = lens[(seed >> 16) % (sizeof(lens) / sizeof(lens[0]))];
		for (size_t j = 0; j < n; j++)
			tx_buf_addch(&data, (char)('a' + (line + j) % 26));
		tx_buf_add(&want, data.p + data.len - n, n);
		tx_buf_addch(&data, '\n');
		tx_buf_addch(&want, '#');
		tx_buf_add_uint(&want, ++line);
		tx_buf_addch(&want, '|');
	}
	for (size_t max = 1; max <= 8; max += max < 3 ? 2 : 5) {
		tx_buf_reset(&got);
		snprintf(what, sizeof(what), "%zu lines of random lengths in batches of %zu%s",
			 line, max, simd ? "" : " (portable scan)");
		CHECK(read_batches(data.p, data.len, max, &got, &calls, simd) == 0 &&
			  got.len == want.len && !memcmp(got.p, want.p, want.len),
		      what);
	}
	tx_buf_release(&data);
	tx_buf_release(&want);
	tx_buf_release(&got);
}

/*
 * Ownership: the reader closes what tx_lines_open() opened, and only that:
 * not stdin ("-"), not a descriptor handed to tx_lines_init().
 */
static void ownership(void)
{
	char path[] = "/tmp/unit-lines.XXXXXX";
	struct tx_lines lr;
	int fd = mkstemp(path), opened;

	CHECK(fd >= 0, "a temporary file");
	CHECK_EQ_INT(tx_lines_open(&lr, path), 0, "tx_lines_open opens a file");
	opened = lr.fd;
	tx_lines_release(&lr);
	errno = 0;
	CHECK(fcntl(opened, F_GETFD) < 0 && errno == EBADF,
	      "tx_lines_release closes the descriptor tx_lines_open opened");
	CHECK_EQ_INT(tx_lines_open(&lr, "-"), 0, "tx_lines_open takes '-' for stdin");
	CHECK_EQ_INT(lr.fd, 0, "stdin is descriptor 0");
	tx_lines_release(&lr);
	CHECK(fcntl(0, F_GETFD) >= 0, "tx_lines_release leaves stdin open");
	tx_lines_init(&lr, fd, path);
	tx_lines_release(&lr);
	CHECK(fcntl(fd, F_GETFD) >= 0, "tx_lines_release leaves a borrowed descriptor open");
	close(fd);
	unlink(path);
	CHECK(tx_lines_open(&lr, path) < 0, "a missing file is an error");
}

int cmd_main(int argc, char **argv);
int cmd_main(int argc, char **argv)
{
	struct tx_buf got = TX_BUF_INIT, big = TX_BUF_INIT;
	uint64_t n;
	size_t i;

	ownership();
	CHECK(read_all("a\nbb\n\nccc\n", 10, &got, &n) == 0, "reads to EOF");
	CHECK_EQ_STR(got.p, "a|bb||ccc|", "lines come without newlines, blank ones kept");
	CHECK_EQ_INT(n, 4, "four lines counted");

	tx_buf_reset(&got);
	read_all("x\nlast", 6, &got, &n);
	CHECK_EQ_STR(got.p, "x|last|", "a last line without newline is returned");
	CHECK_EQ_INT(n, 2, "and counted");

	tx_buf_reset(&got);
	read_all("", 0, &got, &n);
	CHECK_EQ_INT(got.len, 0, "empty input gives no lines");
	CHECK_EQ_INT(n, 0, "and counts none");

	/* 3 MiB line: bigger than any internal chunk. */
	for (i = 0; i < 3 * 1024 * 1024; i++)
		tx_buf_addch(&big, (char)('a' + i % 26));
	tx_buf_adds(&big, "\nend\n");
	tx_buf_reset(&got);
	read_all(big.p, big.len, &got, &n);
	CHECK_EQ_INT(got.len, 3 * 1024 * 1024 + 1 + 4, "a 3 MiB line is returned whole");
	CHECK_EQ_INT(n, 2, "followed by the next line");

	for (int simd = 0; simd <= 1; simd++) {
		tx_buf_reset(&got);
		CHECK(read_batches("a\nbb\n\nccc\nlast", 14, 3, &got, &i, simd) == 0,
		      "batches read to EOF");
		CHECK_EQ_STR(got.p, "a#1|bb#2|#3|ccc#4|last#5|",
			     "batches hand out every line, blank and unterminated ones, numbered");
		CHECK(i >= 2, "in batches of at most 3");

		tx_buf_reset(&got);
		CHECK(read_batches("", 0, 3, &got, &i, simd) == 0 && got.len == 0 && i == 0,
		      "empty input gives no batch");

		tx_buf_reset(&got);
		read_batches(big.p, big.len, 8, &got, &i, simd);
		CHECK_EQ_INT(got.len, 3 * 1024 * 1024 + 2 + 1 + 6,
			     "batches: a 3 MiB line is returned whole");
		CHECK(got.len > 8 && !memcmp(got.p + got.len - 7, "|end#2|", 7),
		      "batches: followed by the next line");
		batches_match(simd);
	}

	tx_buf_release(&got);
	tx_buf_release(&big);
	return unit_done();
}
