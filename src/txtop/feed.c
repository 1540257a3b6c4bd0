/*
 * txtop's input side (see txtop.h): the reader on the main thread, the ring
 * of blocks it hands to the worker without copying, and the worker's
 * sampling: with --tee it parses within a CPU budget and estimates the lines
 * of what it passes over from their size.
 */
#define _GNU_SOURCE /* memrchr */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fastpath.h"
#ifdef TX_SSE2
#include <emmintrin.h>
#endif
#include "lines.h"
#include "txtop.h"
#include "tx.h"

/* ---- the ring of blocks ---- */

static void wake_worker_locked(void)
{
	if (q.sleeping) {
		char c = 1;
		q.sleeping = 0;
		if (write(q.wake[1], &c, 1) < 0 && errno != EAGAIN) {
			/* the worker also wakes on its timer; nothing is lost */
		}
	}
}

/* A free slot, or -1: when none is free and drop_ok, or when stopping. */
static int slot_acquire(int drop_ok)
{
	int i = -1;

	pthread_mutex_lock(&q.mu);
	while (q.nfree == 0 && !drop_ok && !stopping()) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 200 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&q.freed, &q.mu, &ts);
	}
	if (q.nfree > 0)
		i = q.free_idx[--q.nfree];
	pthread_mutex_unlock(&q.mu);
	return i;
}

static void slot_publish(int i)
{
	pthread_mutex_lock(&q.mu);
	q.fifo[(q.head + q.count) % NSLOTS] = i;
	q.count++;
	wake_worker_locked();
	pthread_mutex_unlock(&q.mu);
}

void slot_release(int i)
{
	pthread_mutex_lock(&q.mu);
	q.free_idx[q.nfree++] = i;
	pthread_cond_signal(&q.freed);
	pthread_mutex_unlock(&q.mu);
}

/* ---- the reader (main thread) ---- */

/*
 * Count '\n' bytes, 16 at a time with SSE2 (every x86-64 has it): each
 * compare gives -1 per newline byte, subtracted into byte counters that are
 * summed (psadbw) before they can overflow.
 */
static uint64_t count_lines(const char *p, size_t n)
{
	uint64_t c = 0;
	size_t i = 0;

#ifdef TX_SSE2
	const __m128i nl = _mm_set1_epi8('\n'), zero = _mm_setzero_si128();

	while ((tx_fast & TX_FAST_SIMD) && i + 16 <= n) {
		__m128i acc = zero, sum;
		size_t stop = i + 255 * 16 < n ? i + 255 * 16 : n;

		for (; i + 16 <= stop; i += 16) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
			acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(v, nl));
		}
		sum = _mm_sad_epu8(acc, zero);
		c += (uint64_t)_mm_cvtsi128_si32(sum) + (uint64_t)_mm_extract_epi16(sum, 4);
	}
#endif
	for (; i < n; i++)
		c += p[i] == '\n';
	return c;
}

/* Pass bytes through to stdout. 0, or -1: stop reading (EPIPE, error, signal). */
static int tee_write(const char *p, size_t n, int *status)
{
	while (n > 0) {
		ssize_t k = write(STDOUT_FILENO, p, n);
		if (k < 0) {
			if (errno == EINTR) {
				if (stopping())
					return -1;
				continue;
			}
			if (errno == EPIPE) {
				w.output_closed = 1; /* read by the worker only after input_done */
				return -1;
			}
			tx_error_errno("write error on standard output");
			*status = TX_EXIT_IO;
			return -1;
		}
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/*
 * With the ring full, add complete lines to the last block that waits for
 * the worker, if it is of the same source and has room. A slow stream gives
 * one line per read, so its blocks are tiny: eight of them fill the ring
 * while the worker draws one frame on a terminal that is slow to take it
 * (a 300 records/s stream was "sampled ~97.9%"), though their bytes would
 * fit in one. 1, or 0 when the lines must be passed over.
 */
static int append_to_tail(int src, const char *p, size_t n)
{
	int ok = 0;

	pthread_mutex_lock(&q.mu);
	if (q.count) {
		/* not yet taken: the worker touches a block only once it has popped it */
		struct block *b = &q.slot[q.fifo[(q.head + q.count - 1) % NSLOTS]];
		if (b->src == src && b->len + n <= SLOT_SIZE) {
			memcpy(b->data + b->len, p, n);
			b->len += n;
			ok = 1;
		}
	}
	pthread_mutex_unlock(&q.mu);
	return ok;
}

/*
 * Read one source to its end. Only complete lines are passed on (a partial
 * last line waits for its '\n', or for the end of the input), so the worker
 * always sees whole lines and a stop never cuts a record in two.
 * Returns 0 to go on with the next source, -1 to stop.
 */
static int read_source(int src, int fd, int drop_ok, char *spare, int *status)
{
	int cur = slot_acquire(drop_ok);
	char *buf = cur >= 0 ? q.slot[cur].data : spare;
	size_t carry = 0;
	int long_line = 0, stop = 0;
	static unsigned ndropped;
	uint64_t gap = 0;

	for (;;) {
		ssize_t n = read(fd, buf + carry, SLOT_SIZE - carry);
		size_t total, upto;
		char *nl;

		if (n < 0) {
			if (errno == EINTR) {
				if (stopping()) {
					stop = 1;
					break;
				}
				continue;
			}
			tx_error_errno("read error on %s", sources[src].name);
			*status = TX_EXIT_IO;
			stop = 1;
			break;
		}
		if (n == 0)
			break;
		total = carry + (size_t)n;
		nl = memrchr(buf, '\n', total);
		if (!nl) {
			if (total < SLOT_SIZE) {
				carry = total;
				continue;
			}
			/* a line longer than a block: pass it on, the worker skips it */
			if (opt.tee && tee_write(buf, total, status)) {
				stop = 1;
				break;
			}
			long_line = 1;
			carry = 0;
			continue;
		}
		upto = (size_t)(nl - buf) + 1;
		if (opt.tee && tee_write(buf, upto, status)) {
			stop = 1;
			break;
		}
		if (cur < 0 && (cur = slot_acquire(drop_ok)) >= 0) {
			/* a slot came free while this was read: no need to pass it over */
			memcpy(q.slot[cur].data, buf, total);
			buf = q.slot[cur].data;
		}
		if (cur >= 0) {
			struct block *b = &q.slot[cur];
			b->len = upto;
			b->src = src;
			b->flags = long_line ? B_LONG_HEAD : 0;
			b->gap_bytes = gap;
			b->arrival_ns = tx_now_ns();
			b->arrival_us = tx_wall_us();
			gap = 0;
			slot_publish(cur);
		} else if (!gap && !long_line && append_to_tail(src, buf, upto)) {
			/* the ring is full, but the last block waiting had room for these lines */
		} else {
			/*
			 * The ring is full: pass the block on without handing it
			 * over. Its lines are estimated from its size; to keep the
			 * estimate true, one such block in 16 is counted.
			 */
			gap += upto;
			if ((ndropped++ & 15) == 0) {
				__atomic_add_fetch(&q.sample_lines, count_lines(buf, upto),
						   __ATOMIC_RELAXED);
				__atomic_add_fetch(&q.sample_bytes, upto, __ATOMIC_RELAXED);
			}
		}
		long_line = 0;
		/* the partial last line moves to the front of the next buffer */
		{
			int next = slot_acquire(drop_ok);
			char *nbuf = next >= 0 ? q.slot[next].data : spare;
			memmove(nbuf, buf + upto, total - upto);
			carry = total - upto;
			cur = next;
			buf = nbuf;
		}
		if (stopping()) {
			stop = 1;
			break;
		}
	}
	/* the end of this source: its unterminated last line, and what was skipped before it */
	if (!stop && carry && opt.tee && tee_write(buf, carry, status))
		stop = 1;
	if (stop)
		carry = 0; /* a cut line is not inspected */
	if (!carry && !gap && !long_line) {
		if (cur >= 0)
			slot_release(cur);
		return stop ? -1 : 0;
	}
	if (cur < 0) {
		/* without --tee wait for a slot (nothing is dropped); with it, never */
		cur = stop ? -1 : slot_acquire(opt.tee);
		if (cur < 0) {
			pthread_mutex_lock(&q.mu);
			q.final_gap_bytes += gap + carry;
			pthread_mutex_unlock(&q.mu);
			return stop ? -1 : 0;
		}
		memcpy(q.slot[cur].data, buf, carry);
	}
	{
		struct block *b = &q.slot[cur];
		b->len = carry;
		b->src = src;
		b->flags = long_line ? B_LONG_HEAD : 0;
		b->gap_bytes = gap;
		b->arrival_ns = tx_now_ns();
		b->arrival_us = tx_wall_us();
		slot_publish(cur);
	}
	return stop ? -1 : 0;
}

int read_all(void)
{
	char *spare = tx_malloc(SLOT_SIZE);
	int status = TX_EXIT_OK;

	for (int i = 0; i < nsources && !stopping(); i++) {
		int fd = STDIN_FILENO;

		if (sources[i].path) {
			fd = open(sources[i].path, O_RDONLY | O_CLOEXEC);
			if (fd < 0) {
				tx_error_errno("cannot open '%s'", sources[i].path);
				status = TX_EXIT_IO;
				continue;
			}
		}
		nopened++;
		/* without --tee nothing may be dropped: the summary must be exact */
		if (read_source(i, fd, opt.tee, spare, &status) < 0)
			i = nsources;
		if (fd != STDIN_FILENO)
			close(fd);
	}
	/* Downstream sees the end of the stream now, even if the display stays up. */
	if (opt.tee && !w.output_closed) {
		if (close(STDOUT_FILENO) < 0 && errno != EPIPE && status == TX_EXIT_OK) {
			tx_error_errno("write error on standard output");
			status = TX_EXIT_IO;
		}
		/* keep fd 1 valid for the exit checks in common-main.c */
		open("/dev/null", O_WRONLY);
	}
	pthread_mutex_lock(&q.mu);
	q.input_done = 1;
	if (q.resting) {
		q.resting = 0;
		q.sleeping = 1;
	}
	wake_worker_locked();
	pthread_mutex_unlock(&q.mu);
	free(spare);
	return status;
}

/* ---- the worker: records ---- */

static void warn_bad(const struct source *src, const char *msg)
{
	char text[sizeof(w.last_bad)];

	/* "stdin:~1234": after input skipped uncounted, the line number is an estimate */
	snprintf(text, sizeof(text), "%s:%s%llu: %s", src->name, src->lineno_approx ? "~" : "",
		 (unsigned long long)src->lineno, msg);
	memcpy(w.last_bad, text, sizeof(text));
	if (!w.defer_warnings) {
		tx_warn("%s", text);
		return;
	}
	if (w.ndeferred < MAX_DEFERRED)
		w.deferred[w.ndeferred++] = tx_strdup(text);
}

static void handle_line(struct source *src, const char *p, size_t n, const struct block *b)
{
	w.st.lines++;
	src->lineno++;
	if (tx_line_blank(p, n))
		return;
	if (tx_record_parse(&w.rec, p, n, TX_PARSE_REQUIRE | TX_PARSE_ANY_TYPE) < 0) {
		w.st.bad++;
		warn_bad(src, w.rec.err);
		if (tx_reject(&w.rej, p, n, 0)) {
			w.exit_status = w.rej.failed ? TX_EXIT_IO : TX_EXIT_REJECTED;
			quit_key = 1; /* stop everything, as q does */
		}
		return;
	}
	tx_stats_add(&w.st, &w.rec, b->arrival_us,
		     (int64_t)((b->arrival_ns - w.start_ns) / 1000000000u));
}

/* Lines in bytes that were not looked at, from the lines per byte counted so far. */
static uint64_t estimate_lines(uint64_t bytes)
{
	uint64_t lines = w.seen_lines + __atomic_load_n(&q.sample_lines, __ATOMIC_RELAXED);
	uint64_t total = w.seen_bytes + __atomic_load_n(&q.sample_bytes, __ATOMIC_RELAXED);
	uint64_t est =
	    total ? (uint64_t)((double)bytes * (double)lines / (double)total + 0.5) : bytes / 150;
	return est ? est : 1;
}

void add_estimated(struct source *src, uint64_t bytes, uint64_t arrival_ns)
{
	uint64_t est = estimate_lines(bytes);

	src->lineno += est;
	src->lineno_approx = 1;
	w.st.lines += est;
	w.st.skipped += est;
	w.st.estimated += est;
	tx_rate_add(&w.st.rate, (int64_t)((arrival_ns - w.start_ns) / 1000000000u), est);
}

/* Inspect a block's records (after accounting for what the reader skipped before it). */
void process_block(const struct block *b)
{
	struct source *src = &sources[b->src];
	const char *p = b->data, *end = b->data + b->len;
	uint64_t lines0;

	if (b->gap_bytes) /* the reader skipped blocks without handing them over */
		add_estimated(src, b->gap_bytes, b->arrival_ns);
	lines0 = w.st.lines;
	if (b->flags & B_LONG_HEAD) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		w.st.lines++;
		w.st.skipped++;
		src->lineno++;
		warn_bad(src, "line longer than 128 KiB: not inspected");
		p = nl ? nl + 1 : end;
	}
	while (p < end && !((opt.strict || w.rej.failed) && w.exit_status)) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *lend = nl ? nl : end;

		handle_line(src, p, (size_t)(lend - p), b);
		p = lend + 1;
	}
	w.seen_bytes += b->len;
	w.seen_lines += w.st.lines - lines0;
}

void nudge_reader(void)
{
	int finished;

	pthread_mutex_lock(&q.mu);
	finished = q.reader_finished;
	pthread_mutex_unlock(&q.mu);
	if (!finished)
		pthread_kill(reader_thread, SIGUSR1);
}
