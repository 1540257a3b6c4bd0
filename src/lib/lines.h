/*
 * lines.h: read newline-delimited records from a file descriptor.
 *
 * Lines may be of any length (the buffer grows to fit). Each line comes
 * without its '\n' (a "\r\n" ending is kept as is: JSON allows no bare CR
 * inside a record, so the record parser reports it). A last line without a
 * final '\n' is still returned. Line numbers start at 1 and count every
 * line, blank ones included, so messages match what an editor shows.
 */
#ifndef TX_LINES_H
#define TX_LINES_H

#include <stddef.h>
#include <stdint.h>

struct tx_lines {
	int fd;
	const char *source; /* borrowed: the name used in messages, "-" shown as "stdin" */
	uint64_t lineno;    /* number of the line last returned */
	char *buf;
	size_t cap, start, end;
	int eof, err;	 /* err: the errno of a failed read, 0 if none */
	int idle_signal; /* see tx_lines_next_timeout() */
	int avx2;	 /* tx_lines_next_batch() may use AVX2 (the CPU has it; tests clear it) */
	int owns_fd;	 /* fd was opened by tx_lines_open(): tx_lines_release() closes it */
};

/*
 * x86-64 with GCC or clang: an AVX2 line scanner, used when the CPU has AVX2
 * and "simd" is on (fastpath.h); not built with configure --disable-simd
 */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(TX_NO_SIMD)
#define TX_LINES_AVX2 1
#endif

/*
 * Whether a line is blank: empty, or nothing but JSON whitespace (space,
 * tab, CR, LF), such as the "\r" of an empty line in a CRLF file. Every
 * program skips blank lines (tx-record(5)): they count for line numbers
 * only. One comparison for a record, which starts with '{'.
 */
static inline int tx_line_blank(const char *p, size_t n)
{
	if (n && p[0] == '{')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
			return 0;
	return 1;
}

/*
 * Read from fd, which stays the caller's: tx_lines_release() does not close
 * it. source names it in messages.
 */
void tx_lines_init(struct tx_lines *lr, int fd, const char *source);
/*
 * Open path ("-" means stdin). Returns 0, or -1 after reporting the error
 * (then there is nothing to release). The reader owns the descriptor it
 * opened: tx_lines_release() closes it; stdin is never closed.
 */
int tx_lines_open(struct tx_lines *lr, const char *path);
/* Free the buffer and close the descriptor if the reader opened it. */
void tx_lines_release(struct tx_lines *lr);

/*
 * Next line: returns 1 with *line and *len set (the bytes stay valid until
 * the next call; line[len] is a writable '\0'), 0 at end of input, -1 on a
 * read error (lr->err holds errno; already reported).
 */
int tx_lines_next(struct tx_lines *lr, char **line, size_t *len);

/*
 * As tx_lines_next(), but when no complete line is buffered and none arrives
 * within timeout_ms, returns 2 ("idle") so the caller can flush its output or
 * do periodic work. timeout_ms < 0 waits forever. Interrupted by a signal,
 * returns 3 so the caller can check its flags.
 */
int tx_lines_next_timeout(struct tx_lines *lr, char **line, size_t *len, int timeout_ms);

/* A line of a batch: p[len] is a writable '\0'. */
struct tx_line {
	char *p;
	size_t len;
};

/*
 * Up to max lines at once, without copying them: all those buffered, or,
 * when none is, those of the next read (waiting as tx_lines_next_timeout()
 * does). Returns 1 with lines[0..*n) set (*n >= 1; the last one is line
 * number lr->lineno), which all stay valid until the next call; else 0, -1,
 * 2 or 3 as tx_lines_next_timeout().
 */
int tx_lines_next_batch(struct tx_lines *lr, struct tx_line *lines, size_t max, size_t *n,
			int timeout_ms);

#endif
