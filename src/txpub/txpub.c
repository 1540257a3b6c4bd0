/*
 * txpub: NDJSON transaction records to a Kafka topic, keyed by account,
 * every accepted record acknowledged by the broker or listed as undelivered
 * (txpub(1)).
 *
 * Each line is validated with the record codec and produced at once (never
 * held back for more input). Delivery reports are counted; the exit status
 * is 0 only when every accepted record was acknowledged.
 *
 * Two threads share the work: a reading thread reads, validates and keys
 * the lines (rejects are its business) and hands them over in batches, in
 * order; the main thread produces each batch with rd_kafka_produce_batch()
 * and serves the delivery reports (--report, --undelivered, the counts).
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json.h"
#include "kafka.h"
#include "lines.h"
#include "out.h"
#include "progress.h"
#include "record.h"
#include "timefmt.h"
#include "tx.h"

/* How long the input may stay idle before delivery reports are served. */
#define IDLE_MS 100
/*
 * Validated lines are handed to librdkafka in batches of up to this many
 * records (or BATCH_BYTES of payload): one clock reading and one topic lock
 * per batch instead of per record. A batch never waits for more input: it
 * goes out as soon as the input has nothing more to read at once.
 */
#define BATCH_RECORDS 1024
#define BATCH_BYTES   (1024 * 1024)
/*
 * Batches in flight between the reading thread (it reads, validates and
 * keys lines) and the producing thread: the two run side by side, and the
 * reader is at most this many batches ahead.
 */
#define NBATCH 4

struct header {
	char *name;
	const char *value; /* points into name's allocation */
};

/* A line kept for --undelivered when what was produced is not the line itself. */
struct kept_line {
	uint64_t lineno;
	size_t len;
	char line[];
};

/* A validated record in a batch (offsets into the batch's data). */
struct item {
	size_t off, key_off;
	uint32_t len, key_len;
	int has_key;
	int32_t part; /* its partition, or RD_KAFKA_PARTITION_UA: librdkafka's partitioner */
	void *opaque; /* the line number, or a kept_line (see opaque_line()) */
};

/* Validated records on their way from the reading thread to the producing one. */
struct batch {
	struct tx_buf data; /* the payloads and keys */
	struct item *items; /* BATCH_RECORDS of them */
	size_t n;
	const char *source; /* the input the lines come from */
	int32_t nparts;	    /* the partition count the parts were computed with, 0: none */
};

struct pub {
	rd_kafka_t *rk;
	rd_kafka_topic_t *rkt;
	const char *topic;
	const char *key_field;
	size_t key_field_len;
	int keep_source, produce_time;
	int objects; /* --objects: any JSON object, not only transaction records */
	struct header *headers;
	size_t nheaders;

	struct tx_out undelivered, report;
	int have_undelivered, have_report;

	/*
	 * The reading thread owns read, accepted, the rejects and the fields
	 * below them up to "Shared"; the producing (main) thread owns the
	 * rest. Each reads the other's only after pthread_join().
	 */
	uint64_t read, accepted;
	struct tx_rejects rej; /* --reject, --strict */
	int stop;	       /* --strict hit an invalid line, or the reject file failed */
	int read_error;	       /* an input could not be read */
	int nin;	       /* the inputs: names[0..nin), or stdin when nin is 0 */
	char **names;
	struct tx_record rec; /* the line being read */
	struct tx_buf value;  /* the payload when it differs from the line */

	uint64_t published, failed, produced;
	int64_t *first_off; /* per partition: the first offset delivered, -1: none */
	int nfirst;
	size_t first_cap;
	int dropped;	 /* the broker dropped delivered records (tx_kafka_check_kept) */
	uint64_t queued; /* handed to librdkafka and not yet reported */
	rd_kafka_resp_err_t first_err; /* the first delivery error, for the summary */
	int io_error;		       /* an output file could not be written */
	rd_kafka_message_t *msgs;      /* BATCH_RECORDS, for rd_kafka_produce_batch() */
	struct item *sorted;	       /* BATCH_RECORDS: a batch in partition order */
	/* What librdkafka holds, to keep a batch within its queue limits. */
	uint64_t queued_bytes, max_queued, max_queued_bytes;
	int batching;		 /* rd_kafka_produce_batch() (it takes no headers) */
	struct tx_record dr_rec; /* the payload of a delivery report (--report) */
	struct tx_buf stamp;	 /* the produce-time header's value */
	struct tx_progress progress;

	/*
	 * Shared, under lock: a ring of NBATCH batches. The reader fills
	 * ring[(head + nfull) % NBATCH] and hands it over (nfull++); the
	 * producer empties ring[head] and gives it back (head++, nfull--).
	 */
	pthread_mutex_t lock;
	pthread_cond_t filled, emptied;
	struct batch ring[NBATCH];
	int head, nfull;
	int done; /* the reader has read its last line */
	/*
	 * Keys placed by txpub itself (the partitioner is murmur2_random): the
	 * producing thread asks for the partition count, the reader places.
	 */
	struct tx_kafka_placer placer;
};

static void usage(FILE *fp)
{
	fprintf(fp, "usage: txpub [-qv] [-b brokers] [-F file] [-t topic] [-X name=value]\n"
		    "             [--connect-timeout seconds] [--flush-timeout seconds]\n"
		    "             [--header name=value] [--keep-source] [--key field] [--objects]\n"
		    "             [--partitions n] [--produce-time] [--progress] [--reject file]\n"
		    "             [--report file] [--strict] [--undelivered file] [file ...]\n"
		    "       txpub -X list | -X dump\n");
}

static void out_line(struct pub *P, struct tx_out *o, const char *s, size_t n)
{
	if (tx_out_line(o, s, n) < 0)
		P->io_error = 1;
}

/* The line number and, when kept, the original line of a message. */
static uint64_t opaque_line(void *opaque, const struct kept_line **kept)
{
	uintptr_t tag = (uintptr_t)opaque;

	if (tag & 1) {
		*kept = NULL;
		return tag >> 1;
	}
	*kept = opaque;
	return (*kept)->lineno;
}

static void report(struct pub *P, uint64_t lineno, const rd_kafka_message_t *m)
{
	struct tx_buf *b = tx_out_buf(&P->report);
	int id;

	tx_buf_add(b, "{\"line\":", 8);
	tx_buf_add_uint(b, lineno);
	if (tx_record_parse(&P->dr_rec, m->payload, m->len, TX_PARSE_JSON_ONLY) == 0 &&
	    (id = P->dr_rec.idx[TX_F_TRANSACTION_ID]) >= 0) {
		struct tx_str raw = tx_record_raw(&P->dr_rec, id);
		tx_buf_add(b, ",\"transaction_id\":", 18);
		tx_buf_add(b, raw.p, raw.len);
	}
	if (m->err) {
		const char *e = rd_kafka_err2str(m->err);
		tx_buf_add(b, ",\"error\":", 9);
		tx_buf_add_json_string(b, e, strlen(e));
	} else {
		tx_buf_add(b, ",\"partition\":", 13);
		tx_buf_add_int(b, m->partition);
		tx_buf_add(b, ",\"offset\":", 10);
		tx_buf_add_int(b, m->offset);
	}
	tx_buf_add(b, "}\n", 2);
	if (tx_out_end_line(&P->report) < 0)
		P->io_error = 1;
}

/* A record that will never be acknowledged: count it and list it. */
static void undelivered(struct pub *P, const char *payload, size_t len,
			const struct kept_line *kept, rd_kafka_resp_err_t err)
{
	P->failed++;
	if (!P->first_err)
		P->first_err = err;
	if (P->have_undelivered) {
		if (kept)
			out_line(P, &P->undelivered, kept->line, kept->len);
		else
			out_line(P, &P->undelivered, payload, len);
	}
}

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	struct pub *P = opaque;
	const struct kept_line *kept;
	uint64_t lineno = opaque_line(m->_private, &kept);

	P->queued--;
	P->queued_bytes -= m->len;
	if (m->err)
		undelivered(P, m->payload, m->len, kept, m->err);
	else {
		P->published++;
		if (m->partition >= 0 && m->offset >= 0) {
			TX_ALLOC_GROW(P->first_off, (size_t)m->partition + 1, P->first_cap, 16);
			while (P->nfirst <= m->partition)
				P->first_off[P->nfirst++] = -1;
			if (P->first_off[m->partition] < 0 ||
			    m->offset < P->first_off[m->partition])
				P->first_off[m->partition] = m->offset;
		}
	}
	if (P->have_report)
		report(P, lineno, m);
	free((void *)kept);
}

static void reject(struct pub *P, const struct tx_lines *lr, const char *line, size_t len,
		   const char *why)
{
	if (tx_reject_at(&P->rej, lr->source, lr->lineno, why, line, len, 0))
		P->stop = 1;
}

static rd_kafka_headers_t *make_headers(struct pub *P)
{
	rd_kafka_headers_t *h;
	size_t i;

	if (!P->nheaders && !P->produce_time)
		return NULL;
	h = rd_kafka_headers_new(P->nheaders + 1);
	for (i = 0; i < P->nheaders; i++)
		rd_kafka_header_add(h, P->headers[i].name, -1, P->headers[i].value, -1);
	if (P->produce_time) {
		tx_buf_reset(&P->stamp);
		tx_time_format(&P->stamp, tx_wall_us());
		rd_kafka_header_add(h, "produce-time", -1, P->stamp.p, (ssize_t)P->stamp.len);
	}
	return h;
}

/* A record librdkafka did not take: say why, count it, list and report it. */
static void not_produced(struct pub *P, const char *source, const char *value, size_t len,
			 void *opaque, rd_kafka_resp_err_t err)
{
	const struct kept_line *kept;
	uint64_t lineno = opaque_line(opaque, &kept);

	flockfile(stderr);
	tx_warn_at(source, lineno, "not produced: %s", rd_kafka_err2str(err));
	funlockfile(stderr);
	undelivered(P, value, len, kept, err);
	if (P->have_report) {
		rd_kafka_message_t m;
		memset(&m, 0, sizeof(m));
		m.err = err;
		m.payload = (void *)value;
		m.len = len;
		report(P, lineno, &m);
	}
	free((void *)kept);
}

/* One record, with its headers when there are any (rd_kafka_produce_batch() takes none). */
static void produce_one(struct pub *P, const char *source, const char *value, size_t value_len,
			const char *key, size_t key_len, void *opaque)
{
	rd_kafka_resp_err_t err;
	rd_kafka_headers_t *hdrs;

	for (;;) {
		hdrs = make_headers(P);
		err = rd_kafka_producev(
		    P->rk, RD_KAFKA_V_RKT(P->rkt), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
		    RD_KAFKA_V_VALUE((void *)value, value_len), RD_KAFKA_V_KEY(key, key_len),
		    RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END);
		if (err && hdrs)
			rd_kafka_headers_destroy(hdrs);
		if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
			break;
		/* The local queue is full: let deliveries drain it (never drop the line). */
		rd_kafka_poll(P->rk, 10);
	}
	if (err) {
		not_produced(P, source, value, value_len, opaque, err);
	} else {
		P->queued++;
		P->queued_bytes += value_len;
	}
}

/*
 * Hand a batch to librdkafka, in order. It is cut to what the local queue
 * has room for (queue.buffering.max.messages and .kbytes, counted as what
 * was queued and not yet reported): a batch then never meets a full queue
 * half-way, which would leave a gap in the order.
 */
static void produce_batch(struct pub *P, struct batch *B)
{
	size_t i = 0, k, j, cnt;
	uint64_t bytes;
	int got, ok, flags;
	const struct item *items;

	if (!P->batching) {
		for (i = 0; i < B->n; i++) {
			struct item *it = &B->items[i];
			produce_one(P, B->source, B->data.p + it->off, it->len,
				    it->has_key ? B->data.p + it->key_off : NULL, it->key_len,
				    it->opaque);
			if ((i & 255) == 255)
				rd_kafka_poll(P->rk, 0);
		}
		goto out;
	}
	items =
	    B->nparts > 0 && tx_kafka_sort_by_partition(B->items, P->sorted, B->n, sizeof(*items),
							offsetof(struct item, part), B->nparts) == 0
		? P->sorted
		: B->items;
	flags = RD_KAFKA_MSG_F_COPY | (B->nparts > 0 ? RD_KAFKA_MSG_F_PARTITION : 0);
	while (i < B->n) {
		while (P->queued > 0 && (P->queued >= P->max_queued ||
					 P->queued_bytes + items[i].len > P->max_queued_bytes))
			rd_kafka_poll(P->rk, 10);
		bytes = P->queued_bytes;
		for (k = i; k < B->n && P->queued + (k - i) < P->max_queued; k++) {
			const struct item *it = &items[k];
			rd_kafka_message_t *m = &P->msgs[k - i];
			if (k > i && bytes + it->len > P->max_queued_bytes)
				break;
			bytes += it->len;
			memset(m, 0, sizeof(*m));
			m->payload = B->data.p + it->off;
			m->len = it->len;
			if (it->has_key) {
				m->key = B->data.p + it->key_off;
				m->key_len = it->key_len;
			}
			m->_private = it->opaque;
			m->partition = it->part;
		}
		cnt = k - i;
		got =
		    rd_kafka_produce_batch(P->rkt, RD_KAFKA_PARTITION_UA, flags, P->msgs, (int)cnt);
		for (j = 0, ok = 0; j < cnt; j++) {
			rd_kafka_message_t *m = &P->msgs[j];
			if (!m->err) {
				ok++;
				P->queued++;
				P->queued_bytes += m->len;
			} else if (m->err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
				not_produced(P, B->source, m->payload, m->len, m->_private, m->err);
			} else if (got == ok) {
				/* full from here on (it should not be, see above): retry from here
				 */
				break;
			} else {
				/* full for this one only: it goes now, alone */
				produce_one(P, B->source, m->payload, m->len, m->key, m->key_len,
					    m->_private);
			}
		}
		i += j;
		if (j < cnt)
			rd_kafka_poll(P->rk, 10);
	}
out:
	P->produced += B->n;
	B->n = 0;
	tx_buf_reset(&B->data);
	/* serve the delivery reports (and free what they held) */
	rd_kafka_poll(P->rk, 0);
	tx_progress_update(&P->progress, P->produced, 0);
}

/*
 * The reading thread: hand the batch being filled over to the producer,
 * and wait for an empty one to fill next. Returns that one.
 */
static struct batch *hand_over(struct pub *P)
{
	struct batch *B;

	pthread_mutex_lock(&P->lock);
	P->nfull++;
	pthread_cond_signal(&P->filled);
	while (P->nfull == NBATCH)
		pthread_cond_wait(&P->emptied, &P->lock);
	B = &P->ring[(P->head + P->nfull) % NBATCH];
	pthread_mutex_unlock(&P->lock);
	return B;
}

/* Validate and key one line (the reading thread); add it to B. */
static void validate(struct pub *P, struct batch *B, const struct tx_lines *lr, char *line,
		     size_t len)
{
	struct tx_record *r = &P->rec;
	const char *value = line, *key = NULL;
	size_t value_len = len, key_len = 0;
	struct kept_line *kept = NULL;
	struct item *it;

	if (tx_line_blank(line, len))
		return; /* blank lines separate nothing and carry nothing */
	P->read++;
	if (tx_record_parse(r, line, len, P->objects ? TX_PARSE_JSON_ONLY : TX_PARSE_REQUIRE) < 0) {
		reject(P, lr, line, len, r->err);
		return;
	}
	if (P->key_field) {
		int m = tx_record_find(r, P->key_field, P->key_field_len);
		struct tx_str s;
		if (m < 0) {
			char why[300];
			snprintf(why, sizeof(why), "key field '%s' is missing", P->key_field);
			reject(P, lr, line, len, why);
			return;
		}
		s = tx_record_text(r, m);
		key = s.p;
		key_len = s.len;
	} else if (P->objects) {
		/* alerts and aggregates name an account: keep them with its records */
		if (r->idx[TX_F_ACCOUNT] >= 0) {
			struct tx_str s = tx_record_text(r, r->idx[TX_F_ACCOUNT]);
			key = s.p;
			key_len = s.len;
		}
	} else if (r->has_source) {
		/* txsub's output: republish under the key it was read with (none if none) */
		key = r->source.key.p;
		key_len = r->source.key.len;
	} else {
		key = r->account.p;
		key_len = r->account.len;
	}
	if (r->has_source && !P->keep_source) {
		struct tx_edit drop = {TX_F_SOURCE, NULL, 0};
		tx_buf_reset(&P->value);
		tx_record_write(&P->value, r, &drop, 1, 0);
		value = P->value.p;
		value_len = P->value.len;
		if (P->have_undelivered) {
			kept = tx_malloc(sizeof(*kept) + len);
			kept->lineno = lr->lineno;
			kept->len = len;
			memcpy(kept->line, line, len);
		}
	}
	P->accepted++;
	if (!B->n) /* a batch is placed with one partition count, the latest */
		B->nparts = tx_kafka_placer_count(&P->placer);
	it = &B->items[B->n++];
	it->opaque = kept ? (void *)kept : (void *)(uintptr_t)((lr->lineno << 1) | 1);
	it->off = B->data.len;
	it->len = (uint32_t)value_len;
	tx_buf_add(&B->data, value, value_len);
	it->has_key = key != NULL;
	it->part = key && B->nparts > 0 ? tx_kafka_key_partition(key, key_len, B->nparts)
					: RD_KAFKA_PARTITION_UA;
	it->key_off = B->data.len;
	it->key_len = (uint32_t)key_len;
	if (key)
		tx_buf_add(&B->data, key, key_len);
}

/*
 * Read one input to its end (or until told to stop), filling batches. A
 * batch goes to the producer when it is full, and whenever the input has
 * nothing more to read at once: a line is never held back for more input.
 */
static struct batch *read_input(struct pub *P, struct batch *B, struct tx_lines *lr)
{
	char *line;
	size_t len;
	int r;

	B->source = lr->source;
	while (!P->stop && !tx_signal && !tx_kafka_fatal) {
		/* with a batch waiting, only look whether more input is there already */
		r = tx_lines_next_timeout(lr, &line, &len, B->n ? 0 : IDLE_MS);
		if (r == 1) {
			validate(P, B, lr, line, len);
			if (B->n == BATCH_RECORDS || B->data.len >= BATCH_BYTES) {
				B = hand_over(P);
				B->source = lr->source;
			}
		} else if (r == 2 && B->n) {
			B = hand_over(P);
			B->source = lr->source;
		} else if (r != 2 && r != 3) {
			if (r < 0)
				P->read_error = 1;
			break;
		}
	}
	/* what was accepted goes out, also on a signal or with --strict */
	if (B->n)
		B = hand_over(P);
	return B;
}

static void *reader(void *arg)
{
	struct pub *P = arg;
	struct batch *B = &P->ring[0];
	int i;

	for (i = 0; i < (P->nin ? P->nin : 1) && !P->stop && !tx_signal && !tx_kafka_fatal; i++) {
		struct tx_lines lr;
		if (tx_lines_open(&lr, P->nin ? P->names[i] : "-") < 0) {
			P->read_error = 1;
			continue;
		}
		B = read_input(P, B, &lr);
		tx_lines_release(&lr);
	}
	pthread_mutex_lock(&P->lock);
	P->done = 1;
	pthread_cond_signal(&P->filled);
	pthread_mutex_unlock(&P->lock);
	return NULL;
}

/*
 * The producing (main) thread: produce each batch the reader hands over,
 * and serve delivery reports, until the reader is done and every batch
 * has been produced.
 */
static void produce_all(struct pub *P)
{
	struct batch *B;
	struct timespec until;

	pthread_mutex_lock(&P->lock);
	for (;;) {
		if (P->nfull) {
			B = &P->ring[P->head];
			pthread_mutex_unlock(&P->lock);
			produce_batch(P, B);
			tx_kafka_placer_refresh(&P->placer);
			pthread_mutex_lock(&P->lock);
			P->head = (P->head + 1) % NBATCH;
			P->nfull--;
			pthread_cond_signal(&P->emptied);
			continue;
		}
		if (P->done)
			break;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += IDLE_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		if (pthread_cond_timedwait(&P->filled, &P->lock, &until) == ETIMEDOUT) {
			/* idle: serve delivery reports, keep the progress line alive */
			pthread_mutex_unlock(&P->lock);
			rd_kafka_poll(P->rk, 0);
			tx_progress_update(&P->progress, P->produced, 1);
			tx_kafka_placer_refresh(&P->placer);
			pthread_mutex_lock(&P->lock);
		}
	}
	pthread_mutex_unlock(&P->lock);
}

/*
 * Read, validate and produce every input: the reading thread and this one
 * side by side. Returns 0, or -1 when the thread could not be started.
 */
static int run(struct pub *P)
{
	pthread_t th;
	int err, i;

	pthread_mutex_init(&P->lock, NULL);
	pthread_cond_init(&P->filled, NULL);
	pthread_cond_init(&P->emptied, NULL);
	for (i = 0; i < NBATCH; i++)
		P->ring[i].items = tx_malloc(BATCH_RECORDS * sizeof(*P->ring[i].items));
	P->msgs = tx_malloc(BATCH_RECORDS * sizeof(*P->msgs));
	P->sorted = tx_malloc(BATCH_RECORDS * sizeof(*P->sorted));
	err = pthread_create(&th, NULL, reader, P);
	if (err)
		return tx_error("cannot start the reading thread: %s", strerror(err));
	produce_all(P);
	pthread_join(th, NULL);
	return 0;
}

/*
 * The brokers cannot be reached: nothing can be accepted. With
 * --undelivered, the input still goes there, so a pipeline loses nothing;
 * without it, a file is only counted (it keeps every record). Other input
 * (a pipe, a terminal) is not read: it may never end. Returns 0, or -1
 * when it was not read.
 */
static int drain_to_undelivered(struct pub *P, struct tx_lines *lr)
{
	struct stat st;
	char *line;
	size_t len;

	if (isatty(lr->fd))
		return -1;
	if (!P->have_undelivered && (fstat(lr->fd, &st) < 0 || !S_ISREG(st.st_mode)))
		return -1;
	while (!tx_signal && tx_lines_next(lr, &line, &len) == 1)
		if (!tx_line_blank(line, len)) {
			if (P->have_undelivered)
				out_line(P, &P->undelivered, line, len);
			P->failed++;
		}
	return 0;
}

/* Wait for every accepted record to be acknowledged, up to timeout_ms; purge the rest. */
static void flush_all(struct pub *P, int timeout_ms)
{
	uint64_t deadline = tx_now_ns() + (uint64_t)timeout_ms * 1000000u;

	while (rd_kafka_outq_len(P->rk) > 0 && tx_now_ns() < deadline && !tx_kafka_fatal) {
		/* serves delivery reports as rd_kafka_poll() does, and sends without linger.ms */
		rd_kafka_flush(P->rk, IDLE_MS);
		tx_progress_update(&P->progress, P->accepted, 1);
	}
	if (rd_kafka_outq_len(P->rk) > 0) {
		if (!tx_kafka_fatal)
			tx_error("%d records not acknowledged within %d s",
				 rd_kafka_outq_len(P->rk), timeout_ms / 1000);
		rd_kafka_purge(P->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
		deadline = tx_now_ns() + 5000000000u;
		while (rd_kafka_outq_len(P->rk) > 0 && tx_now_ns() < deadline)
			rd_kafka_poll(P->rk, IDLE_MS);
		rd_kafka_poll(P->rk, 0);
	}
}

/*
 * --partitions N, after the topic was created (created 1) or found to
 * exist (0), have its partition count from the metadata (0: not known to
 * the broker asked yet). A topic that exists with another count is an
 * error: growing it would move keys to other partitions (an account's
 * records out of order), and a topic is never shrunk. Returns the
 * partition count, or an exit status as a negative number.
 */
static int check_topic(struct pub *P, struct tx_kafka_opts *ko, int have, int want, int created)
{
	uint64_t deadline = tx_now_ns() + (uint64_t)ko->connect_timeout_ms * 1000000u;
	rd_kafka_resp_err_t topic_err = RD_KAFKA_RESP_ERR_NO_ERROR;
	int r = have;

	/* the controller has created it: wait until the broker asked knows it too */
	while (r == 0) {
		if (tx_now_ns() >= deadline) {
			tx_error("topic '%s': %s", P->topic,
				 rd_kafka_err2str(topic_err
						      ? topic_err
						      : RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART));
			return -TX_EXIT_UNAVAILABLE;
		}
		usleep(100000);
		r = tx_kafka_wait_metadata(P->rk, P->topic, ko->bootstrap, ko->connect_timeout_ms,
					   &topic_err);
		if (r == -2 || tx_signal)
			return -(TX_EXIT_SIGNAL + tx_signal);
		if (r < 0)
			return -TX_EXIT_UNAVAILABLE;
	}
	if (r != want) {
		tx_error("topic '%s' exists with %d partitions, not %d (--partitions): txpub "
			 "leaves it as it is (more partitions would move keys to others)",
			 P->topic, r, want);
		return -TX_EXIT_USAGE;
	}
	if (created)
		tx_warn("created topic '%s' with %d partitions", P->topic, want);
	return r;
}

static int open_out(struct tx_out *o, const char *path, int *have)
{
	if (!path)
		return 0;
	if (tx_out_open(o, path) < 0)
		return -1;
	*have = 1;
	return 0;
}

static int close_out(struct pub *P, struct tx_out *o, int have)
{
	if (have && tx_out_close(o) < 0)
		P->io_error = 1;
	return 0;
}

/* Close --reject, --undelivered and --report (those open), noting a failure. */
static void close_outs(struct pub *P)
{
	close_out(P, &P->rej.out, P->rej.have_file);
	close_out(P, &P->undelivered, P->have_undelivered);
	close_out(P, &P->report, P->have_report);
	P->rej.have_file = P->have_undelivered = P->have_report = 0;
}

static int add_header(struct pub *P, const char *arg)
{
	const char *eq = strchr(arg, '=');
	struct header *h;

	if (!eq || eq == arg)
		return tx_error("--header '%s': expected name=value", arg);
	P->headers = tx_reallocarray(P->headers, P->nheaders + 1, sizeof(*P->headers));
	h = &P->headers[P->nheaders++];
	h->name = tx_strdup(arg);
	h->name[eq - arg] = '\0';
	h->value = h->name + (eq - arg) + 1;
	return 0;
}

enum {
	OPT_KEY = 0x2000,
	OPT_KEEP_SOURCE,
	OPT_OBJECTS,
	OPT_REJECT,
	OPT_STRICT,
	OPT_UNDELIVERED,
	OPT_REPORT,
	OPT_HEADER,
	OPT_PRODUCE_TIME,
	OPT_FLUSH_TIMEOUT,
	OPT_PARTITIONS,
	OPT_HELP
};

/* What the command line asks for beyond the fields of struct pub it sets. */
struct pub_opts {
	const char *reject_path, *undelivered_path, *report_path;
	int flush_timeout_ms;
	int want_parts; /* --partitions, 0: not given */
};

/*
 * Parse options: the Kafka ones into ko, txpub's into P and o, then -X
 * list. Returns -1 to go on, or the exit status (usage errors reported).
 */
static int parse_options(struct pub *P, struct pub_opts *o, struct tx_kafka_opts *ko, int argc,
			 char **argv)
{
	static const struct option longopts[] = {
	    {"key", required_argument, NULL, OPT_KEY},
	    {"keep-source", no_argument, NULL, OPT_KEEP_SOURCE},
	    {"objects", no_argument, NULL, OPT_OBJECTS},
	    {"reject", required_argument, NULL, OPT_REJECT},
	    {"strict", no_argument, NULL, OPT_STRICT},
	    {"undelivered", required_argument, NULL, OPT_UNDELIVERED},
	    {"report", required_argument, NULL, OPT_REPORT},
	    {"header", required_argument, NULL, OPT_HEADER},
	    {"produce-time", no_argument, NULL, OPT_PRODUCE_TIME},
	    {"flush-timeout", required_argument, NULL, OPT_FLUSH_TIMEOUT},
	    {"partitions", required_argument, NULL, OPT_PARTITIONS},
	    {"help", no_argument, NULL, OPT_HELP},
	    TX_KAFKA_LONGOPTS,
	    {NULL, 0, NULL, 0}};
	int c, r;
	int64_t v;

	o->flush_timeout_ms = 30000;
	ko->topic = "transactions";
	while ((c = getopt_long(argc, argv, TX_KAFKA_SHORTOPTS "h", longopts, NULL)) != -1) {
		r = tx_kafka_getopt(ko, c, optarg);
		if (r < 0)
			return TX_EXIT_USAGE;
		if (r > 0)
			continue;
		switch (c) {
		case OPT_KEY:
			if (!*optarg) {
				tx_error("--key: empty field name");
				return TX_EXIT_USAGE;
			}
			P->key_field = optarg;
			P->key_field_len = strlen(optarg);
			break;
		case OPT_KEEP_SOURCE: P->keep_source = 1; break;
		case OPT_OBJECTS: P->objects = 1; break;
		case OPT_REJECT: o->reject_path = optarg; break;
		case OPT_STRICT: P->rej.strict = 1; break;
		case OPT_UNDELIVERED: o->undelivered_path = optarg; break;
		case OPT_REPORT: o->report_path = optarg; break;
		case OPT_HEADER:
			if (add_header(P, optarg) < 0)
				return TX_EXIT_USAGE;
			break;
		case OPT_PRODUCE_TIME: P->produce_time = 1; break;
		case OPT_FLUSH_TIMEOUT:
			if (tx_parse_int64(optarg, 0, 86400, &v) < 0) {
				tx_error("--flush-timeout '%s': expected whole seconds, 0 to 86400",
					 optarg);
				return TX_EXIT_USAGE;
			}
			o->flush_timeout_ms = (int)v * 1000;
			break;
		case OPT_PARTITIONS:
			/* Kafka's own limit is far above; this one keeps a typo from making 10^9 */
			if (tx_parse_int64(optarg, 1, 100000, &v) < 0) {
				tx_error("--partitions '%s': expected a whole number, 1 to 100000",
					 optarg);
				return TX_EXIT_USAGE;
			}
			o->want_parts = (int)v;
			break;
		case 'h':
		case OPT_HELP: return tx_help_exit(usage, "txpub");
		default: tx_usage_error(); return TX_EXIT_USAGE;
		}
	}
	P->topic = ko->topic;
	P->nin = argc - optind;
	P->names = argv + optind;
	if (ko->list) {
		tx_kafka_list(stdout);
		return TX_EXIT_OK;
	}
	return -1;
}

/*
 * Set up: the producer's configuration (what txpub derives from it), the
 * output files and the client. Returns -1 to go on, or the exit status
 * after reporting (what it opened is closed again).
 */
static int setup(struct pub *P, const struct pub_opts *o, struct tx_kafka_opts *ko)
{
	rd_kafka_conf_t *conf;
	char errstr[512];
	int r;

	r = tx_kafka_opts_conf(ko, tx_kafka_producer_defaults, NULL, NULL, &conf);
	if (r >= 0)
		return r;
	P->max_queued = tx_kafka_conf_uint(conf, "queue.buffering.max.messages", 100000);
	P->max_queued_bytes =
	    tx_kafka_conf_uint(conf, "queue.buffering.max.kbytes", 1048576) * 1024;
	P->batching = !P->nheaders && !P->produce_time;
	tx_kafka_placer_init(&P->placer, conf, P->batching);
	/* with --partitions, the topic is created by us, never by a metadata request */
	if (o->want_parts && rd_kafka_conf_set(conf, "allow.auto.create.topics", "false", errstr,
					       sizeof(errstr)) != RD_KAFKA_CONF_OK) {
		tx_error("%s", errstr);
		rd_kafka_conf_destroy(conf);
		return TX_EXIT_USAGE;
	}
	rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
	rd_kafka_conf_set_opaque(conf, P);
	r = -1;
	if (open_out(&P->rej.out, o->reject_path, &P->rej.have_file) < 0 ||
	    open_out(&P->undelivered, o->undelivered_path, &P->have_undelivered) < 0 ||
	    open_out(&P->report, o->report_path, &P->have_report) < 0)
		r = TX_EXIT_IO;
	else if (!(P->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr))))
		/* a thread the system refused is exit 70, a bad configuration 2 */
		r = tx_kafka_new_failed(errstr);
	if (r >= 0) {
		rd_kafka_conf_destroy(conf); /* still ours when rd_kafka_new() fails */
		close_outs(P);
		return r;
	}
	tx_record_init(&P->rec);
	tx_record_init(&P->dr_rec);
	tx_signals_install();
	return -1;
}

/*
 * No broker answered: nothing can be published. The input goes to
 * --undelivered when given; say what became of it. Returns the exit status.
 */
static int unreachable(struct pub *P, const struct pub_opts *o)
{
	int i, unread = 0;

	for (i = 0; i < (P->nin ? P->nin : 1); i++) {
		struct tx_lines lr;
		if (tx_lines_open(&lr, P->nin ? P->names[i] : "-") < 0)
			continue;
		if (drain_to_undelivered(P, &lr) < 0)
			unread = 1;
		tx_lines_release(&lr);
	}
	/* nothing was acknowledged: say what became of the input */
	if (P->have_undelivered)
		tx_warn("nothing was published: %llu records not delivered, written to '%s'",
			(unsigned long long)P->failed, o->undelivered_path);
	else if (!unread)
		tx_warn("nothing was published: %llu records not delivered (the input is "
			"left as it was)",
			(unsigned long long)P->failed);
	else
		tx_warn("nothing was published: the input was not read (--undelivered FILE "
			"keeps a copy)");
	return TX_EXIT_UNAVAILABLE;
}

/*
 * Connect: the topic (created first with --partitions), a broker's answer
 * before any input is taken, and its partition count. Returns -1 to go on,
 * or the exit status after reporting.
 */
static int connect_topic(struct pub *P, const struct pub_opts *o, struct tx_kafka_opts *ko)
{
	rd_kafka_resp_err_t topic_err;
	int r = 0, created = 0;

	/*
	 * --partitions: create the topic before anything asks about it (a
	 * metadata request about it may create it with the cluster's default
	 * count), once a broker answers.
	 */
	if (o->want_parts) {
		r = tx_kafka_wait_metadata(P->rk, NULL, ko->bootstrap, ko->connect_timeout_ms,
					   &topic_err);
		if (r >= 0) {
			created = tx_kafka_create_topic(P->rk, P->topic, o->want_parts, -1,
							ko->connect_timeout_ms);
			if (created < 0)
				return TX_EXIT_UNAVAILABLE;
		}
	}
	P->rkt = rd_kafka_topic_new(P->rk, P->topic, NULL);
	if (!P->rkt) {
		tx_error("topic '%s': %s", P->topic, rd_kafka_err2str(rd_kafka_last_error()));
		return TX_EXIT_USAGE;
	}

	/* Fail fast, before taking any input, when no broker answers. */
	if (r >= 0)
		r = tx_kafka_wait_metadata(P->rk, P->topic, ko->bootstrap, ko->connect_timeout_ms,
					   &topic_err);
	if (r == -2)
		return TX_EXIT_SIGNAL + tx_signal;
	if (r < 0)
		return unreachable(P, o);
	if (o->want_parts) {
		r = check_topic(P, ko, r, o->want_parts, created);
		if (r < 0)
			return -r;
		topic_err = RD_KAFKA_RESP_ERR_NO_ERROR;
	}
	tx_kafka_placer_start(&P->placer, P->rk, P->rkt, r);
	if (topic_err && ko->verbose)
		tx_warn("topic '%s': %s (it may be created on first use)", P->topic,
			rd_kafka_err2str(topic_err));
	return -1;
}

/*
 * Run: publish the inputs, wait for their delivery reports, then check the
 * broker kept what it acknowledged. Returns -1 (the counts say how it
 * went), or TX_EXIT_SOFTWARE when the reading thread could not start.
 */
static int publish(struct pub *P, const struct pub_opts *o, struct tx_kafka_opts *ko)
{
	tx_progress_init(&P->progress, ko->progress, "records");
	if (run(P) < 0)
		return TX_EXIT_SOFTWARE;
	flush_all(P, o->flush_timeout_ms);
	tx_progress_end(&P->progress);
	/*
	 * Delivered is not kept: a broker that keeps little may drop records
	 * at once. Asked only after a run that delivered everything (after a
	 * failure or a signal, the exit status says so already).
	 */
	if (P->published && !P->failed && !tx_kafka_fatal && !tx_signal &&
	    P->accepted == P->published &&
	    tx_kafka_check_kept(P->rk, P->topic, P->first_off, P->nfirst, 5000) != 0)
		P->dropped = 1;
	if (P->accepted > P->published + P->failed) {
		/* cannot happen after a purge, but never report a record as safe when unknown */
		tx_error("%llu records in an unknown state",
			 (unsigned long long)(P->accepted - P->published - P->failed));
		P->failed = P->accepted - P->published;
	}
	return -1;
}

/*
 * Report: close the output files, then, after a run (status -1), the
 * summary line and the exit status the counts give. Returns the status.
 */
static int finish(struct pub *P, int status)
{
	close_outs(P);
	if (status >= 0)
		return status;
	if (P->failed && P->first_err)
		tx_error("%llu records not delivered: %s", (unsigned long long)P->failed,
			 rd_kafka_err2str(P->first_err));
	if (!tx_quiet)
		fprintf(stderr, "%s: read %llu, published %llu, rejected %llu, failed %llu\n",
			tx_progname, (unsigned long long)P->read, (unsigned long long)P->published,
			(unsigned long long)P->rej.count, (unsigned long long)P->failed);
	if (P->failed || P->dropped || tx_kafka_fatal)
		return TX_EXIT_UNDELIVERED;
	if (P->read_error || P->io_error || P->rej.failed)
		return TX_EXIT_IO;
	if (tx_signal)
		return TX_EXIT_SIGNAL + tx_signal;
	if (P->rej.count)
		return TX_EXIT_REJECTED;
	return TX_EXIT_OK;
}

/* Free what P holds: the client, the buffers, the headers. */
static void pub_release(struct pub *P)
{
	size_t i;

	if (P->rkt)
		rd_kafka_topic_destroy(P->rkt);
	if (P->rk)
		rd_kafka_destroy(P->rk);
	tx_record_release(&P->rec);
	tx_record_release(&P->dr_rec);
	tx_buf_release(&P->value);
	for (i = 0; i < NBATCH; i++) {
		tx_buf_release(&P->ring[i].data);
		free(P->ring[i].items);
	}
	free(P->msgs);
	free(P->sorted);
	free(P->first_off);
	tx_buf_release(&P->stamp);
	for (i = 0; i < P->nheaders; i++)
		free(P->headers[i].name);
	free(P->headers);
}

static int pub_main(int argc, char **argv, struct tx_kafka_opts *ko)
{
	struct pub P;
	struct pub_opts o = {0};
	int status;

	memset(&P, 0, sizeof(P));
	/* librdkafka's copies of the queued messages come and go by the megabyte */
	tx_malloc_keep();
	status = parse_options(&P, &o, ko, argc, argv);
	if (status < 0)
		status = setup(&P, &o, ko);
	if (status >= 0) {
		pub_release(&P);
		return status;
	}
	status = connect_topic(&P, &o, ko);
	if (status < 0)
		status = publish(&P, &o, ko);
	status = finish(&P, status);
	pub_release(&P);
	return status;
}

int cmd_main(int argc, char **argv)
{
	return tx_kafka_run(pub_main, argc, argv);
}
