/* Newline-delimited reader: see lines.h. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fastpath.h"
#include "lines.h"
#ifdef TX_LINES_AVX2
#include <immintrin.h>
#endif
#include "tx.h"

#define TX_LINES_CHUNK (256 * 1024)

void tx_lines_init(struct tx_lines *lr, int fd, const char *source)
{
	memset(lr, 0, sizeof(*lr));
	lr->fd = fd;
	lr->source = (!source || !strcmp(source, "-")) ? "stdin" : source;
	lr->cap = TX_LINES_CHUNK;
#ifdef TX_LINES_AVX2
	lr->avx2 = (tx_fast & TX_FAST_SIMD) && __builtin_cpu_supports("avx2");
#endif
	lr->buf = tx_malloc(lr->cap + 1);
}

int tx_lines_open(struct tx_lines *lr, const char *path)
{
	int fd = 0;

	if (strcmp(path, "-")) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return tx_error_errno("cannot open '%s'", path);
	}
	tx_lines_init(lr, fd, path);
	lr->owns_fd = strcmp(path, "-") != 0;
	return 0;
}

void tx_lines_release(struct tx_lines *lr)
{
	free(lr->buf);
	lr->buf = NULL;
	if (lr->owns_fd)
		close(lr->fd); /* read only: a failed close loses nothing */
	lr->owns_fd = 0;
	lr->fd = -1;
}

/* Hand out the next complete line from the buffer, if there is one. */
static int take_line(struct tx_lines *lr, char **line, size_t *len)
{
	char *p = lr->buf + lr->start;
	char *nl = memchr(p, '\n', lr->end - lr->start);

	if (!nl) {
		if (!lr->eof || lr->start == lr->end)
			return 0;
		/* last line without its '\n' */
		nl = lr->buf + lr->end;
	}
	*nl = '\0';
	*line = p;
	*len = (size_t)(nl - p);
	lr->start = nl == lr->buf + lr->end ? lr->end : (size_t)(nl - lr->buf) + 1;
	lr->lineno++;
	return 1;
}

#ifdef TX_LINES_AVX2
/*
 * Lines from *pp on, up to max, their ends found 64 bytes at a time with
 * AVX2 (two compares and two masks per 64 bytes, against a memchr call per
 * line). Only whole 64-byte blocks before end are read: the caller finds
 * the lines in the rest. Returns how many, *pp moved past them.
 */
__attribute__((target("avx2"))) static size_t take_blocks_avx2(char **pp, const char *end,
							       struct tx_line *lines, size_t max)
{
	const __m256i nl = _mm256_set1_epi8('\n');
	char *line = *pp, *blk;
	size_t k = 0;

	for (blk = line; end - blk >= 64; blk += 64) {
		__m256i lo = _mm256_loadu_si256((const __m256i *)(const void *)blk);
		__m256i hi = _mm256_loadu_si256((const __m256i *)(const void *)(blk + 32));
		uint64_t m = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(lo, nl)) |
			     (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(hi, nl))
				 << 32;
		for (; m; m &= m - 1) {
			char *e = blk + (size_t)__builtin_ctzll(m);
			*e = '\0';
			lines[k].p = line;
			lines[k].len = (size_t)(e - line);
			line = e + 1;
			if (++k == max)
				goto out;
		}
	}
out:
	*pp = line;
	return k;
}
#endif

/*
 * Complete lines from the buffer, up to max, the buffer's state updated
 * once. The last line without its '\n' is left to take_line().
 */
static size_t take_lines(struct tx_lines *lr, struct tx_line *lines, size_t max)
{
	char *p = lr->buf + lr->start, *end = lr->buf + lr->end, *nl;
	size_t k = 0;

#ifdef TX_LINES_AVX2
	if (lr->avx2)
		k = max ? take_blocks_avx2(&p, end, lines, max) : 0;
#endif
	while (k < max && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		*nl = '\0';
		lines[k].p = p;
		lines[k++].len = (size_t)(nl - p);
		p = nl + 1;
	}
	lr->start = (size_t)(p - lr->buf);
	lr->lineno += k;
	return k;
}

/* Read more input, moving a partial line to the front or growing the buffer. */
static int fill(struct tx_lines *lr)
{
	ssize_t n;

	if (lr->start > 0) {
		memmove(lr->buf, lr->buf + lr->start, lr->end - lr->start);
		lr->end -= lr->start;
		lr->start = 0;
	}
	if (lr->cap - lr->end < TX_LINES_CHUNK / 2) {
		lr->cap = tx_st_mult(lr->cap, 2);
		lr->buf = tx_realloc(lr->buf, lr->cap + 1);
	}
	do
		n = read(lr->fd, lr->buf + lr->end, lr->cap - lr->end);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		lr->err = errno;
		return tx_error_errno("read error on %s", lr->source);
	}
	if (n == 0)
		lr->eof = 1;
	lr->end += (size_t)n;
	return 0;
}

int tx_lines_next(struct tx_lines *lr, char **line, size_t *len)
{
	for (;;) {
		if (take_line(lr, line, len))
			return 1;
		if (lr->eof || lr->err)
			return lr->err ? -1 : 0;
		if (fill(lr) < 0)
			return -1;
	}
}

/*
 * Wait up to timeout_ms for input, then read it: 0 when read (or at end of
 * input), else what tx_lines_next_timeout() returns for it (2, 3, -1).
 */
static int wait_fill(struct tx_lines *lr, int timeout_ms)
{
	struct pollfd pfd = {lr->fd, POLLIN, 0};
	int r = poll(&pfd, 1, timeout_ms);

	if (r == 0)
		return 2;
	if (r < 0) {
		if (errno == EINTR)
			return 3;
		lr->err = errno;
		return tx_error_errno("poll on %s", lr->source);
	}
	return fill(lr);
}

int tx_lines_next_timeout(struct tx_lines *lr, char **line, size_t *len, int timeout_ms)
{
	for (;;) {
		int r;

		if (take_line(lr, line, len))
			return 1;
		if (lr->eof || lr->err)
			return lr->err ? -1 : 0;
		if ((r = wait_fill(lr, timeout_ms)) != 0)
			return r;
	}
}

int tx_lines_next_batch(struct tx_lines *lr, struct tx_line *lines, size_t max, size_t *n,
			int timeout_ms)
{
	for (;;) {
		size_t k = take_lines(lr, lines, max);
		int r;

		while (k < max && take_line(lr, &lines[k].p, &lines[k].len))
			k++;
		if (k) {
			*n = k;
			return 1;
		}
		if (lr->eof || lr->err)
			return lr->err ? -1 : 0;
		if ((r = wait_fill(lr, timeout_ms)) != 0)
			return r;
	}
}
