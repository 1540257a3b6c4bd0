/*
 * txsub: a Kafka topic to NDJSON records on stdout, each with its source
 * position (txsub(1)).
 *
 * Without -G it reads the partitions it is told to (all by default) with
 * librdkafka's queue consumer; with -G it joins a consumer group. In a
 * group, offsets are stored only for records already written to stdout
 * (the output flushed), and librdkafka's auto-commit commits only stored
 * offsets, so a commit never runs ahead of the output: at-least-once.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "kafka.h"
#include "out.h"
#include "progress.h"
#include "record.h"
#include "timefmt.h"
#include "tx.h"

/* Flush stdout when no message has come for this long (a pipe never holds records back). */
#define IDLE_MS 100
#define BATCH	1024
/* How long a rebalance waits for the committed offsets of partitions it has been reading. */
#define COMMITTED_TIMEOUT_MS 5000
/*
 * How long a commit waits for its answer, and the exit for its commit and
 * for leaving the group, in all: with the brokers gone, librdkafka's own
 * waits last until the group's session times out, and longer.
 */
#define GROUP_WAIT_MS 5000
/* --max-idle's default: how long a live merge waits for a partition with nothing buffered. */
#define MAX_IDLE_MS 1000
/*
 * Backpressure: a partition holding this many records not yet written (the
 * merge waits for another partition) is paused until it holds half as many;
 * the limit per partition is MERGE_TOTAL over the partitions read, at least
 * MERGE_MIN_PART.
 */
#define MERGE_TOTAL    500000
#define MERGE_MIN_PART 8000

/* librdkafka settings txsub starts from (then config file, -X, -b). */
static const char *const sub_defaults[] = {
    /* A consumer restarted in the group gets its partitions back within 10 s. */
    "session.timeout.ms", "6000", "heartbeat.interval.ms", "2000",
    /*
     * An offset out of range is a gap to report, never a silent jump to the
     * log's start or end (txsub picks the start itself where nothing says
     * where: -o, --offsets, the group's committed offset, else the beginning).
     */
    "auto.offset.reset", "error",
    /* A partition at its end does not hold the merge back (and -e sees the end). */
    "enable.partition.eof", "true",
    /* Offsets are stored by hand, only for what is written; auto-commit commits those. */
    "enable.auto.offset.store", "false",
    /*
     * A fetch that finds a partition at its end is answered after
     * fetch.wait.max.ms (librdkafka's 500 ms), and only then does the
     * partition count as at its end: until then the merge holds back every
     * record later than the partition's last one. The wait is for the end
     * of data, so a short one costs nothing while records flow; it ends a
     * -e run at once, and on a live topic it is the merge's delay (the last
     * records of a burst were held for half a second). The price: idle, the
     * consumer asks each broker 100 times a second, about 0.6% of a core for
     * txsub and as much for txbroker.
     */
    "fetch.wait.max.ms", "10", NULL};

enum start_kind { START_DEFAULT, START_OFFSET, START_TIME };

/*
 * A message consumed and checked, held until the merge writes it. The merge
 * keeps its own copy of the key and value (buf) and lets librdkafka's
 * message go at once: a message holds on to its whole fetch response.
 */
struct held {
	rd_kafka_message_t *m; /* owned, --unordered only (NULL: buf holds the copy) */
	int64_t key;	       /* event time in microseconds: the merge's order */
	int64_t offset, ts_ms; /* the message's offset and timestamp (-1: none) */
	const char *mkey;      /* the message key (into m or buf), NULL: none */
	size_t mkey_len;
	char *buf;	   /* the copy of the key and the value, or NULL: owned, or in a chunk */
	int chunked;	   /* buf is in its partition's chunks (struct hq), not its own */
	const char *value; /* the value, trimmed (into m's payload, flat or buf) */
	size_t len;
	char *flat;	  /* owned: a pretty-printed value made one line, or NULL */
	char *why;	  /* owned: why the value is rejected, or NULL (valid) */
	ssize_t sv, send; /* the "source" member's value in value, -1: none */
	int64_t gap_from; /* a gap skipped (--allow-gaps) just before it: its first offset, -1 */
};

/* A partition in the merge's heap, with the key of its first held message. */
struct hent {
	int64_t key;
	int p;
};

/*
 * The copies the merge holds (TX_FAST_HELD): a partition's records are
 * written, or dropped, in the order they came, so their copies are laid
 * end to end in a list of chunks, and a chunk goes when its last record
 * does. One allocation per chunk, not per record; emptied chunks are kept
 * for reuse (up to CHUNK_SPARE of them). A partition that holds anything
 * holds a chunk: their size is CHUNK_TOTAL over the topic's partitions,
 * between CHUNK_MIN and CHUNK_MAX (a record larger gets one of its own).
 */
#define CHUNK_MAX   (64 * 1024)
#define CHUNK_MIN   4096
#define CHUNK_TOTAL (2 * 1024 * 1024)
#define CHUNK_SPARE 16
struct chunk {
	struct chunk *next;
	size_t cap, used, live; /* live: records in it not yet released */
	char data[];
};

/* One partition's records waiting for the merge: a ring of held messages. */
struct hq {
	struct held *h;
	size_t cap, head, n;	    /* cap is a power of two (or 0) */
	struct chunk *first, *last; /* the copies of its held records, oldest first */
};

struct sub {
	rd_kafka_t *rk;
	rd_kafka_topic_t *rkt;
	rd_kafka_queue_t *queue; /* without -G: every partition's messages */
	const char *topic, *group;
	int nparts;
	int64_t *start;	  /* per partition: where to start, RD_KAFKA_OFFSET_INVALID: -o */
	int64_t *pending; /* per partition: next offset to store once the output is flushed */
	int64_t *next;	  /* per partition: the offset after the last one handled, -1: none */
	unsigned char *assigned; /* per partition */
	unsigned char *started;	 /* per partition: the start offset was applied (group mode) */
	unsigned char *at_eof;	 /* per partition: reached its end (and nothing came since) */
	unsigned char *gapped;	 /* per partition: a gap was found, nothing more is written */
	unsigned char *idle_out; /* per partition: empty past --max-idle (live merge) */
	unsigned char *paused;	 /* per partition: paused, too far ahead of the others */
	int64_t *expect;	 /* per partition: the offset the next message must have, -1: any */
	int64_t *dropped_from;	 /* per partition: the first offset not written since the last
				    record written (rejected, or skipped by --allow-gaps), -1: none */
	int64_t *gap_from;	 /* per partition: the first offset of a gap skipped (--allow-gaps)
				    before the next message taken, -1: none */
	int64_t *last_key;	 /* per partition: the key of its last message */
	uint64_t *empty_since;	 /* per partition: when its queue became empty (ns) */
	struct hq *q;		 /* per partition: held messages (ordered merge) */
	struct hent *heap;	 /* partitions with held messages, by their first one's key */
	int *heap_pos;		 /* per partition: its place in heap, -1: none */
	int heap_n;
	int nblocking; /* partitions the merge waits for: read, empty, not at the end */
	size_t held, part_cap;
	int unordered, allow_gaps, gaps;
	int64_t max_idle_ms;
	int64_t written_key; /* the greatest key written */
	uint64_t out_of_order;
	struct tx_buf cluster_json; /* ,"cluster":"id" or empty */
	const char *cluster;	    /* the cluster's id (owned), or NULL */
	int nassigned, neof, have_assignment;
	int exit_at_eof;
	uint64_t max_count;
	int no_source, strict;

	struct tx_out out;
	struct tx_rejects rej; /* --reject; strict is --strict */
	struct tx_record rec;
	struct tx_buf src;     /* the source member being built */
	struct tx_buf scratch; /* a record given a dropped_from member */
	size_t src_prefix;     /* src holds this much for src_partition: topic, partition */
	int32_t src_partition;
	struct tx_buf flat;    /* a multi-line value made one line */
	struct tx_buf ts_text; /* the last message timestamp formatted, and its value */
	int64_t ts_ms;
	struct tx_buf topic_json; /* the topic as a JSON string */
	struct tx_progress progress;
	struct chunk *spare; /* emptied chunks (of at most CHUNK_MAX), for reuse */
	int nspare;

	uint64_t taken; /* messages taken from librdkafka (consumed: handled) */
	uint64_t consumed, written;
	uint64_t exit_by; /* group mode, exiting: when to stop waiting for the brokers */
	int abandoned;	  /* the exit did not leave the group: the brokers did not answer */
	int stop;	  /* -c or -e reached, --strict hit, or a fatal error */
	int status;	  /* a fatal error's exit status, 0 if none */
	int epipe;	  /* downstream closed */
	int io_error;	  /* a write failed */
	int bad_key_warned;
	uint64_t bytes;			 /* payload bytes of the records consumed */
	uint64_t woke_at;		 /* S->taken at the last wake_fetcher() */
	uint64_t woke_bytes;		 /* S->bytes then */
	uint64_t wake_msgs, wake_kbytes; /* half the queue limits: see wake_fetcher() */
	int wake_next;			 /* the partition to ask next */
};

static void usage(FILE *fp)
{
	fprintf(fp, "usage: txsub [-eqv] [-b brokers] [-c count] [-F file] [-G group] [-o offset]\n"
		    "             [-p partitions] [-t topic] [-X name=value] [--allow-gaps]\n"
		    "             [--connect-timeout seconds] [--max-idle ms] [--no-source]\n"
		    "             [--offsets file] [--progress] [--reject file] [--strict]\n"
		    "             [--unordered]\n"
		    "       txsub -X list | -X dump\n");
}

/* Make the per-partition arrays hold partition p (a topic can grow while we read). */
static void ensure_partition(struct sub *S, int p)
{
	int n = S->nparts, i;

	if (p < n)
		return;
	S->nparts = p + 1;
	S->start = tx_reallocarray(S->start, (size_t)S->nparts, sizeof(*S->start));
	S->pending = tx_reallocarray(S->pending, (size_t)S->nparts, sizeof(*S->pending));
	S->next = tx_reallocarray(S->next, (size_t)S->nparts, sizeof(*S->next));
	S->assigned = tx_realloc(S->assigned, (size_t)S->nparts);
	S->started = tx_realloc(S->started, (size_t)S->nparts);
	S->at_eof = tx_realloc(S->at_eof, (size_t)S->nparts);
	S->gapped = tx_realloc(S->gapped, (size_t)S->nparts);
	S->idle_out = tx_realloc(S->idle_out, (size_t)S->nparts);
	S->paused = tx_realloc(S->paused, (size_t)S->nparts);
	S->expect = tx_reallocarray(S->expect, (size_t)S->nparts, sizeof(*S->expect));
	S->dropped_from =
	    tx_reallocarray(S->dropped_from, (size_t)S->nparts, sizeof(*S->dropped_from));
	S->gap_from = tx_reallocarray(S->gap_from, (size_t)S->nparts, sizeof(*S->gap_from));
	S->last_key = tx_reallocarray(S->last_key, (size_t)S->nparts, sizeof(*S->last_key));
	S->empty_since =
	    tx_reallocarray(S->empty_since, (size_t)S->nparts, sizeof(*S->empty_since));
	S->q = tx_reallocarray(S->q, (size_t)S->nparts, sizeof(*S->q));
	S->heap = tx_reallocarray(S->heap, (size_t)S->nparts, sizeof(*S->heap));
	S->heap_pos = tx_reallocarray(S->heap_pos, (size_t)S->nparts, sizeof(*S->heap_pos));
	for (i = n; i < S->nparts; i++) {
		S->start[i] = RD_KAFKA_OFFSET_INVALID;
		S->pending[i] = S->next[i] = S->expect[i] = S->dropped_from[i] = S->gap_from[i] =
		    -1;
		S->assigned[i] = S->started[i] = S->at_eof[i] = 0;
		S->gapped[i] = S->idle_out[i] = S->paused[i] = 0;
		S->last_key[i] = INT64_MIN;
		S->empty_since[i] = 0;
		memset(&S->q[i], 0, sizeof(S->q[i]));
		S->heap_pos[i] = -1;
	}
}

/*
 * The ordered merge (txsub(1), ORDER). Each partition's messages wait in its
 * queue; a heap orders the partitions that hold some by the key of their
 * first (event time, then partition: offsets rise within a partition). The
 * first of the heap is written only while no partition read is "blocking":
 * empty, not at its end, not past --max-idle and without a gap. Those
 * partitions are counted (nblocking) as their state changes, so the test
 * costs nothing per record.
 */
static int blocking(const struct sub *S, int p)
{
	return S->assigned[p] && !S->q[p].n && !S->at_eof[p] && !S->gapped[p] && !S->idle_out[p];
}

static int heap_less(struct hent a, struct hent b)
{
	return a.key < b.key || (a.key == b.key && a.p < b.p);
}

static void heap_set(struct sub *S, int i, struct hent e)
{
	S->heap[i] = e;
	S->heap_pos[e.p] = i;
}

static void heap_up(struct sub *S, int i)
{
	struct hent e = S->heap[i];

	while (i > 0 && heap_less(e, S->heap[(i - 1) / 2])) {
		heap_set(S, i, S->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	heap_set(S, i, e);
}

static void heap_down(struct sub *S, int i)
{
	struct hent e = S->heap[i];
	int c;

	while ((c = 2 * i + 1) < S->heap_n) {
		if (c + 1 < S->heap_n && heap_less(S->heap[c + 1], S->heap[c]))
			c++;
		if (!heap_less(S->heap[c], e))
			break;
		heap_set(S, i, S->heap[c]);
		i = c;
	}
	heap_set(S, i, e);
}

static void heap_remove(struct sub *S, int p)
{
	int i = S->heap_pos[p];
	struct hent last;

	if (i < 0)
		return;
	S->heap_pos[p] = -1;
	last = S->heap[--S->heap_n];
	if (last.p == p)
		return;
	heap_set(S, i, last);
	heap_down(S, i);
	heap_up(S, S->heap_pos[last.p]);
}

/* Room for size bytes after the last record held for partition p. */
static char *chunk_alloc(struct sub *S, struct hq *q, size_t size)
{
	struct chunk *c = q->last;

	if (!c || c->cap - c->used < size) {
		size_t cap = CHUNK_TOTAL / (size_t)(S->nparts > 0 ? S->nparts : 1);

		cap = cap < CHUNK_MIN ? CHUNK_MIN : cap > CHUNK_MAX ? CHUNK_MAX : cap;
		if (S->spare && size <= S->spare->cap) {
			c = S->spare;
			S->spare = c->next;
			S->nspare--;
		} else {
			cap = size > cap ? size : cap;
			c = tx_malloc(sizeof(*c) + cap);
			c->cap = cap;
		}
		c->next = NULL;
		c->used = c->live = 0;
		if (q->last)
			q->last->next = c;
		else
			q->first = c;
		q->last = c;
	}
	c->live++;
	c->used += size;
	return c->data + c->used - size;
}

/* Free a list of chunks. */
static void chunks_free(struct chunk *c)
{
	while (c) {
		struct chunk *next = c->next;
		free(c);
		c = next;
	}
}

/* The oldest record held for the partition is gone: so is its chunk when it was the last there. */
static void chunk_release(struct sub *S, struct hq *q)
{
	struct chunk *c = q->first;

	if (--c->live)
		return;
	if (c == q->last) {
		c->used = 0; /* the only one: filled again from the start */
		return;
	}
	q->first = c->next;
	if (c->cap <= CHUNK_MAX && S->nspare < CHUNK_SPARE) {
		c->next = S->spare;
		S->spare = c;
		S->nspare++;
	} else {
		free(c);
	}
}

/* Release what h holds (a record of partition p, the oldest held there if in a chunk). */
static void held_release(struct sub *S, int p, struct held *h)
{
	if (h->m)
		rd_kafka_message_destroy(h->m);
	if (h->chunked)
		chunk_release(S, &S->q[p]);
	else
		free(h->buf);
	free(h->flat);
	free(h->why);
}

/* Pause or resume partition p (backpressure, or a gap: nothing more is needed). */
static void set_paused(struct sub *S, int p, int on)
{
	rd_kafka_topic_partition_list_t *l;

	if (S->paused[p] == on)
		return;
	S->paused[p] = (unsigned char)on;
	l = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(l, S->topic, p);
	if (on)
		rd_kafka_pause_partitions(S->rk, l);
	else
		rd_kafka_resume_partitions(S->rk, l);
	rd_kafka_topic_partition_list_destroy(l);
}

/* Drop what partition p holds unwritten (revoked, or a gap stops it). */
static void discard_held(struct sub *S, int p)
{
	struct hq *q = &S->q[p];
	int b = blocking(S, p);

	while (q->n) {
		held_release(S, p, &q->h[q->head]);
		q->head = (q->head + 1) & (q->cap - 1);
		q->n--;
		S->held--;
	}
	heap_remove(S, p);
	S->empty_since[p] = tx_now_ns();
	S->nblocking += blocking(S, p) - b;
}

/* Records written and flushed: their offsets may now be committed (group mode). */
static void store_pending(struct sub *S)
{
	int p;

	if (!S->group)
		return;
	for (p = 0; p < S->nparts; p++) {
		if (S->pending[p] < 0)
			continue;
		if (S->assigned[p])
			rd_kafka_offset_store(S->rkt, p, S->pending[p] - 1);
		S->pending[p] = -1;
	}
}

static void note_write_error(struct sub *S, struct tx_out *o)
{
	if (o->err == EPIPE && o == &S->out)
		S->epipe = 1;
	else
		S->io_error = 1;
	S->stop = 1;
}

/* Flush the output and the rejects; then what they hold may be committed. */
static int flush_out(struct sub *S)
{
	if (S->epipe || S->io_error)
		return -1;
	if (tx_rejects_flush(&S->rej) < 0) {
		note_write_error(S, &S->rej.out);
		return -1;
	}
	if (tx_out_flush(&S->out) < 0) {
		note_write_error(S, &S->out);
		return -1;
	}
	store_pending(S);
	return 0;
}

/*
 * Commit the offsets stored and wait for the answer, until S->exit_by or
 * for at most GROUP_WAIT_MS. 0, or -1 when no answer came in time.
 */
static int commit_sync(struct sub *S)
{
	rd_kafka_queue_t *q = rd_kafka_queue_new(S->rk);
	uint64_t now = tx_now_ns();
	uint64_t by = S->exit_by ? S->exit_by : now + GROUP_WAIT_MS * 1000000ULL;
	rd_kafka_event_t *ev = NULL;
	rd_kafka_resp_err_t err;

	err = rd_kafka_commit_queue(S->rk, NULL, q, NULL, NULL);
	while (!err && !ev && now < by) {
		ev = rd_kafka_queue_poll(q, (int)((by - now) / 1000000) + 1);
		if (ev && rd_kafka_event_type(ev) != RD_KAFKA_EVENT_OFFSET_COMMIT) {
			rd_kafka_event_destroy(ev);
			ev = NULL;
		}
		now = tx_now_ns();
	}
	if (ev) {
		err = rd_kafka_event_error(ev);
		rd_kafka_event_destroy(ev);
	}
	rd_kafka_queue_destroy(q);
	if (!err && !ev) {
		if (!S->exit_by)
			tx_warn("could not commit offsets: no answer within %d s",
				GROUP_WAIT_MS / 1000);
		return -1;
	}
	if (err && err != RD_KAFKA_RESP_ERR__NO_OFFSET)
		tx_warn("could not commit offsets: %s", rd_kafka_err2str(err));
	return 0;
}

static void set_assigned(struct sub *S, int p, int on)
{
	int b;

	ensure_partition(S, p);
	if (S->assigned[p] == on)
		return;
	discard_held(S, p);
	b = blocking(S, p);
	S->assigned[p] = (unsigned char)on;
	S->nassigned += on ? 1 : -1;
	if (S->at_eof[p]) {
		S->at_eof[p] = 0;
		S->neof--;
	}
	S->gapped[p] = S->idle_out[p] = S->paused[p] = 0;
	S->expect[p] = S->dropped_from[p] = S->gap_from[p] = -1;
	S->nblocking += blocking(S, p) - b;
	S->pending[p] = -1;
}

/*
 * Partitions this process has already been reading come back (a rebalance,
 * or a rejoin after the coordinator lost the group, as when a broker restarts
 * and the commit on revoke failed): resume each at the offset after the last
 * record it wrote when that is past the committed offset, so nothing is
 * written twice, and store that offset so the next commit catches up. Where
 * the committed offset cannot be read, the own position is used: it is never
 * behind what was written, so nothing is skipped.
 */
static rd_kafka_topic_partition_list_t *resume_written(struct sub *S,
						       rd_kafka_topic_partition_list_t *parts)
{
	rd_kafka_topic_partition_list_t *mine = rd_kafka_topic_partition_list_new(parts->cnt);
	rd_kafka_topic_partition_list_t *store = rd_kafka_topic_partition_list_new(parts->cnt);
	rd_kafka_topic_partition_t *tp;
	rd_kafka_resp_err_t err;
	int i;

	for (i = 0; i < parts->cnt; i++) {
		tp = &parts->elems[i];
		if (!strcmp(tp->topic, S->topic) && tp->partition < S->nparts &&
		    S->next[tp->partition] >= 0 && tp->offset == RD_KAFKA_OFFSET_INVALID)
			rd_kafka_topic_partition_list_add(mine, tp->topic, tp->partition);
	}
	if (mine->cnt) {
		err = rd_kafka_committed(S->rk, mine, COMMITTED_TIMEOUT_MS);
		if (err)
			tx_warn("rebalance: cannot read the committed offsets (%s): resuming after "
				"the last record written",
				rd_kafka_err2str(err));
		for (i = 0; i < mine->cnt; i++) {
			rd_kafka_topic_partition_t *c = &mine->elems[i];
			int64_t own = S->next[c->partition];
			if (!err && !c->err && c->offset >= own)
				continue; /* the group is at or past what was written here */
			tp = rd_kafka_topic_partition_list_find(parts, c->topic, c->partition);
			if (!tp)
				continue;
			tp->offset = own;
			rd_kafka_topic_partition_list_add(store, c->topic, c->partition)->offset =
			    own;
		}
		if (store->cnt && !err)
			tx_warn(
			    "rebalance: %d partition(s) resume after the last record written, past "
			    "the group's committed offset",
			    store->cnt);
	}
	rd_kafka_topic_partition_list_destroy(mine);
	return store; /* the offsets to store once the partitions are assigned */
}

/*
 * auto.offset.reset is "error" (a gap is never skipped silently), so a
 * partition the group has no committed offset for gets its start here: the
 * beginning (-o and --offsets were applied already). Those with one start
 * at it, explicitly, so that the offset expected is known.
 */
static void start_uncommitted(struct sub *S, rd_kafka_topic_partition_list_t *parts)
{
	rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(parts->cnt);
	rd_kafka_resp_err_t err;
	int i;

	for (i = 0; i < parts->cnt; i++) {
		rd_kafka_topic_partition_t *tp = &parts->elems[i];
		if (!strcmp(tp->topic, S->topic) && tp->offset == RD_KAFKA_OFFSET_INVALID)
			rd_kafka_topic_partition_list_add(l, tp->topic, tp->partition);
	}
	if (l->cnt && (err = rd_kafka_committed(S->rk, l, COMMITTED_TIMEOUT_MS)))
		tx_warn("rebalance: cannot read the committed offsets (%s): the group's "
			"position is used",
			rd_kafka_err2str(err));
	else
		for (i = 0; i < l->cnt; i++) {
			rd_kafka_topic_partition_t *c = &l->elems[i];
			rd_kafka_topic_partition_t *tp =
			    rd_kafka_topic_partition_list_find(parts, c->topic, c->partition);
			if (tp && !c->err)
				tp->offset = c->offset >= 0 ? c->offset : RD_KAFKA_OFFSET_BEGINNING;
		}
	rd_kafka_topic_partition_list_destroy(l);
}

static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
			 rd_kafka_topic_partition_list_t *parts, void *opaque)
{
	struct sub *S = opaque;
	int cooperative = !strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE");
	rd_kafka_error_t *error = NULL;
	rd_kafka_topic_partition_list_t *resume;
	int i;

	if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
		for (i = 0; i < parts->cnt; i++) {
			rd_kafka_topic_partition_t *tp = &parts->elems[i];
			if (strcmp(tp->topic, S->topic))
				continue;
			set_assigned(S, tp->partition, 1);
			/* -o and --offsets say where to start the first time, then the group knows
			 */
			if (!S->started[tp->partition]) {
				S->started[tp->partition] = 1;
				if (S->start[tp->partition] != RD_KAFKA_OFFSET_INVALID)
					tp->offset = S->start[tp->partition];
			}
		}
		S->have_assignment = 1;
		resume = resume_written(S, parts);
		start_uncommitted(S, parts);
		for (i = 0; i < parts->cnt; i++) {
			rd_kafka_topic_partition_t *tp = &parts->elems[i];
			if (!strcmp(tp->topic, S->topic) && tp->offset >= 0)
				S->expect[tp->partition] = tp->offset;
			else if (!strcmp(tp->topic, S->topic) &&
				 tp->offset == RD_KAFKA_OFFSET_BEGINNING)
				S->expect[tp->partition] = 0;
		}
		if (cooperative)
			error = rd_kafka_incremental_assign(rk, parts);
		else
			rd_kafka_assign(rk, parts);
		/* what was written but never committed is committed now */
		if (resume->cnt) {
			rd_kafka_resp_err_t serr = rd_kafka_offsets_store(rk, resume);
			if (serr)
				tx_warn("rebalance: cannot store the written offsets: %s",
					rd_kafka_err2str(serr));
		}
		rd_kafka_topic_partition_list_destroy(resume);
	} else {
		/* Commit what was written before the partitions go to another member. */
		if (flush_out(S) == 0)
			commit_sync(S);
		for (i = 0; i < parts->cnt; i++)
			if (!strcmp(parts->elems[i].topic, S->topic))
				set_assigned(S, parts->elems[i].partition, 0);
		if (cooperative) {
			error = rd_kafka_incremental_unassign(rk, parts);
		} else {
			rd_kafka_assign(rk, NULL);
			S->have_assignment = 0;
		}
		if (err != RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS)
			tx_warn("rebalance: %s", rd_kafka_err2str(err));
	}
	if (error) {
		tx_warn("rebalance: %s", rd_kafka_error_string(error));
		rd_kafka_error_destroy(error);
	}
}

/* Well-formed UTF-8, so the key can go into a JSON string as is. */
static int utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i], need, min;
		uint32_t cp;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			need = 1, min = 0x80, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			need = 2, min = 0x800, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			need = 3, min = 0x10000, cp = c & 0x07;
		else
			return 0;
		if (n - i <= need)
			return 0;
		while (need--) {
			c = s[++i];
			if ((c & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (c & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i++;
	}
	return 1;
}

/* The source member: {"topic":..,"partition":..,"offset":..,"ts":..,"key":..,"cluster":..}. */
static void build_source(struct sub *S, int p, const struct held *h)
{
	struct tx_buf *b = &S->src;
	int64_t ts = h->ts_ms;

	/* messages come in runs of one partition: its prefix is made once per run */
	if (p != S->src_partition || !S->src_prefix) {
		tx_buf_reset(b);
		tx_buf_add(b, "{\"topic\":", 9);
		tx_buf_add(b, S->topic_json.p, S->topic_json.len);
		tx_buf_add(b, ",\"partition\":", 13);
		tx_buf_add_int(b, p);
		tx_buf_add(b, ",\"offset\":", 10);
		S->src_partition = p;
		S->src_prefix = b->len;
	}
	b->len = S->src_prefix;
	tx_buf_add_int(b, h->offset);
	if (ts >= 0) {
		/* the messages of a batch share their millisecond: format it once */
		if (ts != S->ts_ms || !S->ts_text.len) {
			tx_buf_reset(&S->ts_text);
			tx_time_format(&S->ts_text, ts * 1000);
			S->ts_ms = ts;
		}
		tx_buf_add(b, ",\"ts\":\"", 7);
		tx_buf_add(b, S->ts_text.p, S->ts_text.len);
		tx_buf_addch(b, '"');
	}
	if (h->mkey) {
		const unsigned char *k = (const unsigned char *)h->mkey;
		size_t i;
		tx_buf_add(b, ",\"key\":", 7);
		for (i = 0; i < h->mkey_len; i++)
			if (k[i] < 0x20 || k[i] >= 0x80 || k[i] == '"' || k[i] == '\\')
				break;
		if (i == h->mkey_len) {
			/* printable ASCII, nothing to escape: the usual account key */
			tx_buf_addch(b, '"');
			tx_buf_add(b, h->mkey, h->mkey_len);
			tx_buf_addch(b, '"');
		} else if (utf8_valid(k, h->mkey_len)) {
			tx_buf_add_json_string(b, h->mkey, h->mkey_len);
		} else {
			/* JSON text must be UTF-8: such a key cannot be carried exactly */
			if (!S->bad_key_warned++)
				tx_warn("topic %s partition %d offset %lld: the message key is not "
					"UTF-8; its bytes above 0x7f are written as U+FFFD",
					S->topic, p, (long long)h->offset);
			tx_buf_addch(b, '"');
			for (i = 0; i < h->mkey_len; i++) {
				if (k[i] >= 0x80)
					tx_buf_add(b, "\\ufffd", 6);
				else if (k[i] < 0x20 || k[i] == '"' || k[i] == '\\')
					tx_buf_addf(b, "\\u%04x", k[i]);
				else
					tx_buf_addch(b, (char)k[i]);
			}
			tx_buf_addch(b, '"');
		}
	}
	tx_buf_add(b, S->cluster_json.p, S->cluster_json.len);
	tx_buf_addch(b, '}');
}

static void reject(struct sub *S, int p, int64_t offset, const char *value, size_t len,
		   const char *why)
{
	tx_warn("topic %s partition %d offset %lld: %s", S->topic, p, (long long)offset, why);
	if (tx_reject(&S->rej, value, len, 0))
		S->stop = 1;
	if (S->rej.failed)
		S->io_error = 1;
}

/*
 * A value spread over several lines (pretty-printed JSON): valid JSON holds
 * a raw newline only as whitespace between tokens (one inside a string is
 * refused by the scan, as any raw control character is), so as a space the
 * text means the same and fits on one line. Also for the reject file, so
 * that it keeps one record per line. Returns a new string of len bytes.
 */
static char *one_line(const char *value, size_t len)
{
	char *flat = tx_malloc(len + 1);
	size_t i;

	memcpy(flat, value, len);
	flat[len] = 0;
	for (i = 0; i < len; i++)
		if (flat[i] == '\n' || flat[i] == '\r')
			flat[i] = ' ';
	return flat;
}

/* Whether v holds a '\n' or '\r' (one pass, where two memchr() calls took two). */
static int has_newline(const char *v, size_t len)
{
	size_t i = 0;

#ifdef TX_SSE2
	const __m128i nl = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r');
	for (; (tx_fast & TX_FAST_SIMD) && i + 16 <= len; i += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(v + i));
		if (_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(x, nl), _mm_cmpeq_epi8(x, cr))))
			return 1;
	}
#endif
	for (; i < len; i++)
		if (v[i] == '\n' || v[i] == '\r')
			return 1;
	return 0;
}

/*
 * One JSON object (strict RFC 8259, as the record codec reads it), scanned
 * once: strings with the codec's fast scanner, other member values with
 * tx_json_scan_value(). txsub is a transport: what the fields mean is for
 * txbal and txstore to judge, so it checks the JSON, not the record, and
 * decodes no field, but one: *ts gets the first top-level "ts" member as
 * microseconds, when it is a string holding an RFC 3339 time (the merge's
 * key), else it is left alone. *src and *src_end get the value of the first
 * top-level "source" member (written without escapes), or NULL. The value
 * has no trailing whitespace (take() trimmed it).
 *
 * *nl is set when the value holds a '\n' or '\r' (valid only when it returns
 * 0): in valid JSON a raw newline is whitespace between tokens, as a string
 * refuses one, so the scan finds it in the whitespace it skips, and in the
 * nested objects and arrays it passes over whole. has_newline() is the
 * reference (TX_REFERENCE=newline).
 */
static int scan_object(const char *v, size_t len, const char **src, const char **src_end,
		       int64_t *ts, int *nl)
{
	const char *end = v + len, *p, *k, *val, *w;
	struct tx_json_err err;
	int esc, is_source, is_ts, have_ts = 0, ws = 0;

/* skip whitespace from q, noting whether there was any (the usual compact record has none) */
#define SKIP_WS(q) (w = (q), p = tx_json_skip_ws(w, end), ws |= p != w)
	*src = *src_end = NULL;
	*nl = 0;
	SKIP_WS(v);
	if (p >= end || *p != '{')
		return -1;
	SKIP_WS(p + 1);
	if (p < end && *p == '}')
		goto done;
	for (;;) {
		if (p >= end || *p != '"')
			return -1;
		k = p;
		if (!(p = tx_json_scan_string_fast(p, end, &esc, &err)))
			return -1;
		is_source = !esc && p - k == 8 && !memcmp(k, "\"source\"", 8) && !*src;
		is_ts = !esc && p - k == 4 && !memcmp(k, "\"ts\"", 4) && !have_ts;
		SKIP_WS(p);
		if (p >= end || *p != ':')
			return -1;
		SKIP_WS(p + 1);
		val = p;
		if (p < end && *p == '"') {
			p = tx_json_scan_string_fast(p, end, &esc, &err);
			if (is_ts && p) {
				have_ts = 1;
				if (!esc)
					tx_time_parse_fast(val + 1, (size_t)(p - val - 2), ts);
			}
		} else {
			/* depth 2, as tx_json_validate() counts a member of the top object */
			p = tx_json_scan_value(p, end, 2, &err);
			/* an object or an array may hold whitespace: look through it */
			if (p && (*val == '{' || *val == '[') &&
			    has_newline(val, (size_t)(p - val)))
				*nl = 1;
		}
		if (!p)
			return -1;
		if (is_source) {
			*src = val;
			*src_end = p;
		}
		SKIP_WS(p);
		if (p < end && *p == '}')
			goto done;
		if (p >= end || *p != ',')
			return -1;
		SKIP_WS(p + 1);
	}
#undef SKIP_WS
done:
	if (p + 1 != end)
		return -1;
	/* whitespace between the top level's tokens (rare): look through it all */
	if (ws && !*nl)
		*nl = has_newline(v, len);
	return 0;
}

/* "topic T partition P: ..." about a gap: an error, or with --allow-gaps a warning. */
static void __attribute__((format(printf, 3, 4)))
gap_report(struct sub *S, int p, const char *fmt, ...)
{
	char b[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b, sizeof(b), fmt, ap);
	va_end(ap);
	if (S->allow_gaps)
		tx_warn("topic %s partition %d: %s: skipped (--allow-gaps)", S->topic, p, b);
	else
		tx_error("topic %s partition %d: %s: nothing after them is written from this "
			 "partition (--allow-gaps skips them)",
			 S->topic, p, b);
}

/* With -e: every partition read is at its end (or stopped at a gap), all written. */
static void check_eof(struct sub *S)
{
	if (S->exit_at_eof && S->have_assignment && S->neof == S->nassigned && !S->held)
		S->stop = 1;
}

static void set_eof(struct sub *S, int p, int on)
{
	int b = blocking(S, p);

	if (S->at_eof[p] != on) {
		S->at_eof[p] = (unsigned char)on;
		S->neof += on ? 1 : -1;
	}
	S->nblocking += blocking(S, p) - b;
}

/*
 * A gap in partition p: offsets from..to are not in the log. Reported; then,
 * unless --allow-gaps, nothing more of p is written (what came before the
 * gap is), p is paused, and the exit status is TX_EXIT_UNDELIVERED.
 */
static void gap_stop(struct sub *S, int p);

static void gap(struct sub *S, int p, int64_t from, int64_t to, const char *why)
{
	S->gaps++;
	if (from == to)
		gap_report(S, p, "offset %lld is missing (%s)", (long long)from, why);
	else
		gap_report(S, p, "offsets %lld-%lld are missing (%s)", (long long)from,
			   (long long)to, why);
	if (!S->allow_gaps)
		gap_stop(S, p);
	else if (S->gap_from[p] < 0)
		/* for the next message taken: those before it may still be held */
		S->gap_from[p] = from;
}

/* Nothing more of partition p is read or written: exit 5. */
static void gap_stop(struct sub *S, int p)
{
	int b;

	S->status = TX_EXIT_UNDELIVERED;
	set_paused(S, p, 1);
	b = blocking(S, p);
	S->gapped[p] = 1;
	if (!S->at_eof[p]) {
		/* for -e, as good as its end */
		S->at_eof[p] = 1;
		S->neof++;
	}
	S->nblocking += blocking(S, p) - b;
	if (S->strict)
		S->stop = 1;
}

/* An error event of a partition, or of the topic (p < 0). */
static void take_error(struct sub *S, const rd_kafka_message_t *m)
{
	int p = m->partition;
	char why[320];

	if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
		ensure_partition(S, p);
		if (S->assigned[p] && !S->gapped[p]) {
			/* the end: nothing was missing before it either */
			if (S->expect[p] >= 0 && m->offset > S->expect[p]) {
				gap(S, p, S->expect[p], m->offset - 1, "the partition ends there");
				/* --allow-gaps: skipped, not found again at the next message */
				S->expect[p] = m->offset;
			}
			set_eof(S, p, 1);
		}
		return;
	}
	if (m->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
	    m->err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC ||
	    m->err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION ||
	    m->err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED ||
	    m->err == RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED) {
		if (p >= 0 && m->err != RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED &&
		    m->err != RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED)
			tx_error("topic %s: partition %d does not exist: %s", S->topic, p,
				 rd_kafka_message_errstr(m));
		else
			tx_error("topic %s: %s", S->topic, rd_kafka_message_errstr(m));
		S->status = TX_EXIT_UNAVAILABLE;
		S->stop = 1;
		return;
	}
	if (p >= 0 && (m->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET ||
		       m->err == RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE)) {
		int64_t lo = -1, hi = -1, at, to = RD_KAFKA_OFFSET_BEGINNING;
		ensure_partition(S, p);
		if (!S->assigned[p] || S->gapped[p])
			return;
		at = S->expect[p] >= 0 ? S->expect[p] : m->offset;
		if (rd_kafka_query_watermark_offsets(S->rk, S->topic, p, &lo, &hi,
						     COMMITTED_TIMEOUT_MS) ||
		    at < 0) {
			snprintf(why, sizeof(why), "offset out of range: %s",
				 rd_kafka_message_errstr(m));
			gap(S, p, at < 0 ? 0 : at, at < 0 ? 0 : at, why);
		} else if (at < lo) {
			snprintf(why, sizeof(why), "the log starts at %lld", (long long)lo);
			gap(S, p, at, lo - 1, why);
			to = lo;
		} else {
			/* past the end: offsets of another cluster, or of the topic before a reset
			 */
			snprintf(why, sizeof(why),
				 "offset %lld is past the end of the log, %lld: offsets of another "
				 "cluster or of a deleted topic?",
				 (long long)at, (long long)hi);
			gap(S, p, hi, at > hi ? at - 1 : at, why);
			to = hi;
		}
		/*
		 * --allow-gaps: go on from where the log is. librdkafka stopped the
		 * partition (a seek is refused in that state): restart it there. In a
		 * group that would mean a new assignment: the partition stops instead.
		 */
		if (S->allow_gaps) {
			S->expect[p] = to >= 0 ? to : -1;
			if (!S->group) {
				rd_kafka_consume_stop(S->rkt, p);
				if (rd_kafka_consume_start_queue(S->rkt, p, to, S->queue) == 0)
					return;
			}
			tx_error("topic %s partition %d: cannot go on at offset %lld: %s", S->topic,
				 p, (long long)to, rd_kafka_err2str(rd_kafka_last_error()));
			gap_stop(S, p);
		}
		return;
	}
	tx_warn("topic %s partition %d: %s", S->topic, (int)p, rd_kafka_message_errstr(m));
}

/* Write the record h of partition p (or reject it); h's memory is released. */
static void emit(struct sub *S, int p, struct held *h)
{
	S->consumed++;
	if (h->key < S->written_key)
		S->out_of_order++;
	else
		S->written_key = h->key;
	if (h->gap_from >= 0 && S->dropped_from[p] < 0)
		S->dropped_from[p] = h->gap_from;
	if (h->why) {
		reject(S, p, h->offset, h->value, h->len, h->why);
		if (S->dropped_from[p] < 0)
			S->dropped_from[p] = h->offset;
	} else {
		struct tx_buf *o = tx_out_buf(&S->out);
		size_t start = o->len;

		if (S->no_source) {
			tx_buf_add(o, h->value, h->len);
		} else {
			build_source(S, p, h);
			/* placed as tx_record_write() places it: txpub's removal gives back the
			 * bytes */
			tx_record_splice_member(o, h->value, h->len,
						h->sv < 0 ? NULL : h->value + h->sv,
						h->sv < 0 ? NULL : h->value + h->send, TX_F_SOURCE,
						S->src.p, S->src.len);
		}
		if (S->dropped_from[p] >= 0) {
			/*
			 * Offsets of this partition were consumed but not written
			 * (doc/interfaces.txt): say so in the next record, so that a
			 * continuity check downstream (txstore) sees no gap.
			 */
			char num[24];
			int n = snprintf(num, sizeof(num), "%lld", (long long)S->dropped_from[p]);

			/* placed by the codec, as "source" is: the record is rewritten once */
			tx_buf_reset(&S->scratch);
			tx_buf_add(&S->scratch, o->p + start, o->len - start);
			o->len = start;
			tx_record_splice_member(o, S->scratch.p, S->scratch.len, NULL, NULL,
						TX_F_DROPPED_FROM, num, (size_t)n);
			S->dropped_from[p] = -1;
		}
		tx_buf_addch(o, '\n');
		S->written++;
	}
	S->pending[p] = S->next[p] = h->offset + 1;
	held_release(S, p, h);
	if (tx_out_end_line(&S->out) < 0)
		note_write_error(S, &S->out);
	else if (S->out.b.len == 0)
		/* it was just flushed: what it held may be committed */
		flush_out(S);
	if (S->max_count && S->consumed >= S->max_count)
		S->stop = 1;
	tx_progress_update(&S->progress, S->consumed, 0);
}

/* Write held records in order while no partition read holds the merge back. */
static void drain(struct sub *S)
{
	while (S->heap_n && !S->nblocking && !S->stop && !tx_signal) {
		int p = S->heap[0].p;
		struct hq *q = &S->q[p];
		struct held h = q->h[q->head];

		q->head = (q->head + 1) & (q->cap - 1);
		q->n--;
		S->held--;
		if (q->n) {
			S->heap[0].key = q->h[q->head].key;
			heap_down(S, 0);
		} else {
			/* it held a record, so it was not blocking: it may be now */
			heap_remove(S, p);
			S->empty_since[p] = tx_now_ns();
			S->nblocking += blocking(S, p);
		}
		if (S->paused[p] && !S->gapped[p] && q->n <= S->part_cap / 2)
			set_paused(S, p, 0);
		emit(S, p, &h);
	}
}

/*
 * Live merge (no -e): a partition empty for longer than --max-idle no
 * longer holds the merge back, until its next message.
 */
static void expire_idle(struct sub *S)
{
	uint64_t now;
	int p;

	if (S->exit_at_eof || !S->nblocking)
		return;
	now = tx_now_ns();
	for (p = 0; p < S->nparts; p++)
		if (blocking(S, p) &&
		    now - S->empty_since[p] >= (uint64_t)S->max_idle_ms * 1000000) {
			S->idle_out[p] = 1;
			S->nblocking--;
		}
}

/* A message: checked, keyed and queued for the merge (written at once with --unordered). */
static void take(struct sub *S, rd_kafka_message_t *m)
{
	const char *value = m->payload, *sv, *send;
	size_t len = m->len;
	int p = m->partition, b, nl;
	rd_kafka_timestamp_type_t tstype;
	struct held h;
	int64_t ts = INT64_MIN;
	struct hq *q;

	if (m->err) {
		take_error(S, m);
		rd_kafka_message_destroy(m);
		return;
	}
	ensure_partition(S, p);
	if (!S->assigned[p] || S->gapped[p]) {
		/* revoked while in the batch, or stopped at a gap */
		rd_kafka_message_destroy(m);
		return;
	}
	if (S->expect[p] >= 0 && m->offset != S->expect[p] && m->offset > S->expect[p]) {
		char why[64];
		if (S->next[p] < 0 && !S->q[p].n)
			snprintf(why, sizeof(why), "the log starts at %lld", (long long)m->offset);
		else
			snprintf(why, sizeof(why), "the next message has offset %lld",
				 (long long)m->offset);
		gap(S, p, S->expect[p], m->offset - 1, why);
		if (S->gapped[p]) {
			rd_kafka_message_destroy(m);
			return;
		}
	}
	S->expect[p] = m->offset + 1;
	S->taken++;
	S->bytes += len;
	memset(&h, 0, sizeof(h));
	h.m = m;
	h.offset = m->offset;
	h.sv = h.send = -1;
	h.gap_from = S->gap_from[p];
	S->gap_from[p] = -1;
	if (m->key) {
		h.mkey = m->key;
		h.mkey_len = m->key_len;
	}
	/* a producer may have sent the line with its '\n' (or "\r\n") */
	while (len > 0 && tx_json_is_ws(value[len - 1]))
		len--;
	if (!len) {
		h.why = tx_strdup("empty message");
	} else if (scan_object(value, len, &sv, &send, &ts, &nl) < 0) {
		/* the codec says precisely what is wrong */
		h.why = tx_strdup(
		    tx_record_parse(&S->rec, value, len, 0) < 0 ? S->rec.err : "not a JSON object");
		if (has_newline(value, len))
			value = h.flat = one_line(value, len);
	} else {
		if ((tx_fast & TX_FAST_NEWLINE) ? nl : has_newline(value, len))
			value = h.flat = one_line(value, len);
		if (sv) {
			h.sv = sv - (const char *)m->payload;
			h.send = send - (const char *)m->payload;
		}
	}
	h.value = value;
	h.len = len;
	h.ts_ms = rd_kafka_message_timestamp(m, &tstype);
	if (tstype == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE || h.ts_ms < 0)
		h.ts_ms = -1;
	if (h.why || ts == INT64_MIN)
		/* no usable "ts": the message's timestamp, else the partition's last key */
		ts = !h.why && h.ts_ms >= 0 ? h.ts_ms * 1000 : S->last_key[p];
	/* keys never fall within a partition: a copy or a late record keeps its place */
	if (ts < S->last_key[p])
		ts = S->last_key[p];
	h.key = S->last_key[p] = ts;
	if (S->unordered) {
		emit(S, p, &h);
		return;
	}
	/* held: a copy of the key and value, and the message goes */
	q = &S->q[p];
	h.chunked = (tx_fast & TX_FAST_HELD) != 0;
	h.buf = h.chunked ? chunk_alloc(S, q, h.mkey_len + len) : tx_malloc(h.mkey_len + len + 1);
	if (h.mkey)
		memcpy(h.buf, h.mkey, h.mkey_len);
	memcpy(h.buf + h.mkey_len, h.value, len);
	h.value = h.buf + h.mkey_len;
	h.mkey = h.mkey ? h.buf : NULL;
	free(h.flat);
	h.flat = NULL;
	h.m = NULL;
	rd_kafka_message_destroy(m);
	b = blocking(S, p);
	if (q->n == q->cap) {
		/* grow the ring, unwrapping it */
		size_t cap = q->cap ? 2 * q->cap : 64, i;
		struct held *nh = tx_malloc(cap * sizeof(*nh));
		for (i = 0; i < q->n; i++)
			nh[i] = q->h[(q->head + i) & (q->cap - 1)];
		free(q->h);
		q->h = nh;
		q->cap = cap;
		q->head = 0;
	}
	q->h[(q->head + q->n) & (q->cap - 1)] = h;
	q->n++;
	S->held++;
	if (q->n == 1) {
		struct hent e = {h.key, p};
		heap_set(S, S->heap_n++, e);
		heap_up(S, S->heap_n - 1);
	}
	S->idle_out[p] = 0;
	if (S->at_eof[p]) {
		S->at_eof[p] = 0;
		S->neof--;
	}
	S->nblocking += blocking(S, p) - b;
	if (q->n >= S->part_cap)
		set_paused(S, p, 1);
}

/*
 * librdkafka 2.0 stops fetching while the queue holds queued.min.messages
 * (or queued.max.messages.kbytes), counted over the one queue every partition
 * feeds, and looks again only when its broker thread next wakes up: on a
 * fetch response, a request, or once a second. Having drained the queue, a
 * reader that is faster than that second would sit idle: a request for an
 * offset of a partition wakes the thread of that partition's leader, and the
 * fetching resumes at once. Only when at least half a queue limit's worth
 * of records came in since the last wake-up, so that the queue may have
 * filled: a stream slower than the reader never fills it, and there the
 * request (and its wait) would only delay the next records (p99 latency at
 * 10k records/s on txbroker went from 24 to 63 ms when every pause sent
 * one). rd_kafka_offsets_for_times()
 * waits for its answer no longer than it is told (1 ms; the answer does not
 * matter), where rd_kafka_query_watermark_offsets() would wait for it up to
 * socket.timeout.ms with a broker down.
 */
static void wake_fetcher(struct sub *S)
{
	rd_kafka_topic_partition_list_t *l;
	int p = 0, i;

	if (!S->nassigned || (S->taken - S->woke_at < S->wake_msgs &&
			      (S->bytes - S->woke_bytes) / 1024 < S->wake_kbytes))
		return;
	S->woke_at = S->taken;
	S->woke_bytes = S->bytes;
	for (i = 0; i < S->nparts; i++) {
		p = (S->wake_next + i) % S->nparts;
		if (S->assigned[p] && !S->at_eof[p])
			break;
	}
	if (i == S->nparts)
		return;
	S->wake_next = p + 1;
	l = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(l, S->topic, p)->offset = RD_KAFKA_OFFSET_END;
	rd_kafka_offsets_for_times(S->rk, l, 1);
	rd_kafka_topic_partition_list_destroy(l);
}

/* A numeric property of conf (librdkafka's default when not set), 0 if none. */
static uint64_t conf_number(rd_kafka_conf_t *conf, const char *name)
{
	char v[32];
	size_t n = sizeof(v);
	int64_t x;

	if (rd_kafka_conf_get(conf, name, v, &n) != RD_KAFKA_CONF_OK ||
	    tx_parse_int64(v, 0, INT64_MAX, &x) < 0)
		return 0;
	return (uint64_t)x;
}

/* Up to max messages, waiting up to IDLE_MS for the first. */
static ssize_t next_batch(struct sub *S, rd_kafka_message_t **msgs, size_t max)
{
	ssize_t n = 0;
	int wait = 0;

	for (;;) {
		if (S->queue) {
			n = rd_kafka_consume_batch_queue(S->queue, 0, msgs, max);
			if (n != 0 || wait)
				return n;
		} else {
			while ((size_t)n < max && (msgs[n] = rd_kafka_consumer_poll(S->rk, 0)))
				n++;
			if (n || wait)
				return n;
		}
		/* Nothing waiting: the output goes out now, then wait. */
		if (S->out.b.len || (S->rej.have_file && S->rej.out.b.len))
			flush_out(S);
		else if (!S->epipe && !S->io_error && tx_out_idle(&S->out) < 0)
			note_write_error(S, &S->out); /* the reader went away */
		if (S->stop || tx_signal)
			return 0;
		wake_fetcher(S);
		wait = 1;
		msgs[0] = S->queue ? rd_kafka_consume_queue(S->queue, IDLE_MS)
				   : rd_kafka_consumer_poll(S->rk, IDLE_MS);
		if (msgs[0])
			return 1;
		tx_progress_update(&S->progress, S->consumed, 1);
		return 0;
	}
}

static void run(struct sub *S)
{
	rd_kafka_message_t *msgs[BATCH];
	ssize_t n, i;

	while (!S->stop && !tx_signal) {
		n = next_batch(S, msgs, BATCH);
		for (i = 0; i < n; i++) {
			if (!S->stop)
				take(S, msgs[i]);
			else
				rd_kafka_message_destroy(msgs[i]);
		}
		expire_idle(S);
		drain(S);
		check_eof(S);
	}
}

/* -o: beginning | end | stored | N | -N | @timestamp_ms. */
static int parse_offset(const char *s, int64_t *off, enum start_kind *kind)
{
	int64_t v;

	*kind = START_OFFSET;
	if (!strcmp(s, "beginning"))
		*off = RD_KAFKA_OFFSET_BEGINNING;
	else if (!strcmp(s, "end"))
		*off = RD_KAFKA_OFFSET_END;
	else if (!strcmp(s, "stored"))
		*off = RD_KAFKA_OFFSET_STORED;
	else if (s[0] == '@' && tx_parse_int64(s + 1, 0, INT64_MAX, &v) == 0)
		*off = v, *kind = START_TIME;
	else if (s[0] == '-' && tx_parse_int64(s + 1, 1, INT64_MAX / 2, &v) == 0)
		*off = RD_KAFKA_OFFSET_TAIL(v);
	else if (tx_parse_int64(s, 0, INT64_MAX, &v) == 0)
		*off = v;
	else
		return tx_error("-o '%s': expected beginning, end, stored, N, -N or @timestamp_ms",
				s);
	return 0;
}

/* Turn a timestamp into each partition's first offset at or after it. */
static int resolve_time(struct sub *S, int64_t ts_ms, const unsigned char *want, int timeout_ms)
{
	rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(S->nparts);
	rd_kafka_resp_err_t err;
	int p, i, ret = 0;

	for (p = 0; p < S->nparts; p++)
		if (!want || want[p])
			rd_kafka_topic_partition_list_add(l, S->topic, p)->offset = ts_ms;
	err = rd_kafka_offsets_for_times(S->rk, l, timeout_ms);
	if (err) {
		ret = tx_error("-o @%lld: cannot look up offsets by time: %s", (long long)ts_ms,
			       rd_kafka_err2str(err));
	} else {
		for (i = 0; i < l->cnt; i++) {
			rd_kafka_topic_partition_t *tp = &l->elems[i];
			if (tp->err) {
				ret = tx_error("-o @%lld: partition %d: %s", (long long)ts_ms,
					       (int)tp->partition, rd_kafka_err2str(tp->err));
				break;
			}
			/* -1: no message at or after the time: start at the end */
			if (S->start[tp->partition] == RD_KAFKA_OFFSET_INVALID)
				S->start[tp->partition] =
				    tp->offset < 0 ? RD_KAFKA_OFFSET_END : tp->offset;
		}
	}
	rd_kafka_topic_partition_list_destroy(l);
	return ret;
}

enum {
	OPT_NO_SOURCE = 0x2000,
	OPT_OFFSETS,
	OPT_REJECT,
	OPT_STRICT,
	OPT_HELP,
	OPT_UNORDERED,
	OPT_MAX_IDLE,
	OPT_ALLOW_GAPS
};

/*
 * The cluster's metadata, waiting for the topic to exist (it may be created
 * after the consumer starts) up to the connect timeout. Returns the
 * partition count, or an exit status as a negative number.
 */
static int wait_topic(struct sub *S, struct tx_kafka_opts *ko)
{
	uint64_t deadline = tx_now_ns() + (uint64_t)ko->connect_timeout_ms * 1000000u;
	rd_kafka_resp_err_t topic_err;
	int r, waited = 0;

	for (;;) {
		r = tx_kafka_wait_metadata(S->rk, S->topic, ko->bootstrap, ko->connect_timeout_ms,
					   &topic_err);
		if (r == -2)
			return -(TX_EXIT_SIGNAL + tx_signal);
		if (r < 0)
			return -TX_EXIT_UNAVAILABLE;
		if (r > 0)
			return r;
		if (topic_err != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART &&
		    topic_err != RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC && topic_err)
			break;
		if (tx_now_ns() >= deadline || tx_signal)
			break;
		if (!waited++)
			tx_warn("topic '%s' does not exist yet: waiting for it up to %d s "
				"(--connect-timeout)",
				S->topic, ko->connect_timeout_ms / 1000);
		usleep(200000);
	}
	if (tx_signal)
		return -(TX_EXIT_SIGNAL + tx_signal);
	tx_error("topic '%s': %s", S->topic,
		 rd_kafka_err2str(topic_err ? topic_err : RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART));
	return -TX_EXIT_UNAVAILABLE;
}

/* -G: the group, else no commits (tx_kafka_opts_conf()'s set). */
static int set_group(rd_kafka_conf_t *conf, void *arg)
{
	struct sub *S = arg;
	char errstr[512];

	if (S->group && rd_kafka_conf_set(conf, "group.id", S->group, errstr, sizeof(errstr)))
		return tx_error("-G: %s", errstr);
	if (!S->group)
		rd_kafka_conf_set(conf, "enable.auto.commit", "false", errstr, sizeof(errstr));
	return 0;
}

/* What the command line asks for beyond the fields of struct sub it sets. */
struct sub_opts {
	const char *offsets_path, *reject_path, *partitions, *offset_arg;
	enum start_kind kind; /* -o: what offset is */
	int64_t offset;
	unsigned char *want; /* per partition: read it (-p), once the count is known; owned */
};

/*
 * Parse options: the Kafka ones into ko, txsub's into S and o, then -X
 * list. Returns -1 to go on, or the exit status (usage errors reported).
 */
static int parse_options(struct sub *S, struct sub_opts *o, struct tx_kafka_opts *ko, int argc,
			 char **argv)
{
	static const struct option longopts[] = {
	    {"no-source", no_argument, NULL, OPT_NO_SOURCE},
	    {"offsets", required_argument, NULL, OPT_OFFSETS},
	    {"reject", required_argument, NULL, OPT_REJECT},
	    {"strict", no_argument, NULL, OPT_STRICT},
	    {"help", no_argument, NULL, OPT_HELP},
	    {"unordered", no_argument, NULL, OPT_UNORDERED},
	    {"max-idle", required_argument, NULL, OPT_MAX_IDLE},
	    {"allow-gaps", no_argument, NULL, OPT_ALLOW_GAPS},
	    TX_KAFKA_LONGOPTS,
	    {NULL, 0, NULL, 0}};
	int c, r;
	int64_t v;

	o->kind = START_DEFAULT;
	o->offset = RD_KAFKA_OFFSET_BEGINNING;
	ko->topic = "transactions";
	while ((c = getopt_long(argc, argv, TX_KAFKA_SHORTOPTS "c:eG:ho:p:", longopts, NULL)) !=
	       -1) {
		r = tx_kafka_getopt(ko, c, optarg);
		if (r < 0)
			return TX_EXIT_USAGE;
		if (r > 0)
			continue;
		switch (c) {
		case 'c':
			if (tx_parse_int64(optarg, 1, INT64_MAX, &v) < 0) {
				tx_error("-c '%s': expected a count >= 1", optarg);
				return TX_EXIT_USAGE;
			}
			S->max_count = (uint64_t)v;
			break;
		case 'e': S->exit_at_eof = 1; break;
		case 'G':
			if (!*optarg) {
				tx_error("-G: empty group name");
				return TX_EXIT_USAGE;
			}
			S->group = optarg;
			break;
		case 'o': o->offset_arg = optarg; break;
		case 'p': o->partitions = optarg; break;
		case OPT_NO_SOURCE: S->no_source = 1; break;
		case OPT_OFFSETS: o->offsets_path = optarg; break;
		case OPT_REJECT: o->reject_path = optarg; break;
		case OPT_STRICT: S->strict = 1; break;
		case OPT_UNORDERED: S->unordered = 1; break;
		case OPT_ALLOW_GAPS: S->allow_gaps = 1; break;
		case OPT_MAX_IDLE:
			if (tx_parse_int64(optarg, 0, 86400000, &v) < 0) {
				tx_error(
				    "--max-idle '%s': expected milliseconds from 0 to 86400000",
				    optarg);
				return TX_EXIT_USAGE;
			}
			S->max_idle_ms = v;
			break;
		case 'h':
		case OPT_HELP: return tx_help_exit(usage, "txsub");
		default: tx_usage_error(); return TX_EXIT_USAGE;
		}
	}
	if (tx_no_more_args(argc, argv, optind))
		return TX_EXIT_USAGE;
	S->topic = ko->topic;
	if (ko->list) {
		tx_kafka_list(stdout);
		return TX_EXIT_OK;
	}
	return -1;
}

/*
 * Check the options together: -o, -p against -G, -p's form (its range once
 * the topic is known), -o stored. Returns -1 to go on, or TX_EXIT_USAGE
 * after reporting.
 */
static int check_options(struct sub *S, struct sub_opts *o)
{
	if (o->offset_arg && parse_offset(o->offset_arg, &o->offset, &o->kind) < 0)
		return TX_EXIT_USAGE;
	if (S->group && o->partitions) {
		tx_error("-p and -G exclude each other: a group assigns the partitions");
		return TX_EXIT_USAGE;
	}
	/* the list's form now, before connecting; its range once the topic is known */
	if (o->partitions && tx_kafka_parse_partitions(o->partitions, NULL, INT_MAX) < 0)
		return TX_EXIT_USAGE;
	if (!S->group && o->offset == RD_KAFKA_OFFSET_STORED) {
		tx_error("-o stored needs a group (-G): offsets are stored per group");
		return TX_EXIT_USAGE;
	}
	return -1;
}

/*
 * Set up: the consumer's configuration (txsub's defaults, the group),
 * stdout, --reject and the client. Returns -1 to go on, or the exit status
 * after reporting (what it opened is released again).
 */
static int setup(struct sub *S, const struct sub_opts *o, struct tx_kafka_opts *ko)
{
	rd_kafka_conf_t *conf;
	char errstr[512];
	int r;

	r = tx_kafka_opts_conf(ko, sub_defaults, set_group, S, &conf);
	if (r >= 0)
		return r;
	if (S->group) {
		rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb);
		rd_kafka_conf_set_opaque(conf, S);
	}
	tx_out_init(&S->out, 1, "stdout");
	tx_rejects_init(&S->rej, S->strict);
	if (o->reject_path) {
		if (tx_rejects_open(&S->rej, o->reject_path) < 0) {
			rd_kafka_conf_destroy(conf);
			tx_buf_release(&S->out.b);
			return TX_EXIT_IO;
		}
	}
	S->wake_msgs = conf_number(conf, "queued.min.messages") / 2;
	S->wake_kbytes = conf_number(conf, "queued.max.messages.kbytes") / 2;
	S->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
	if (!S->rk) {
		r = tx_kafka_new_failed(errstr);
		rd_kafka_conf_destroy(conf); /* still ours when rd_kafka_new() fails */
		tx_buf_release(&S->out.b);
		tx_rejects_close(&S->rej);
		return r;
	}
	tx_record_init(&S->rec);
	tx_buf_add_json_string(&S->topic_json, S->topic, strlen(S->topic));
	tx_signals_install();
	return -1;
}

/*
 * Assign: wait for the topic, learn the cluster's id, decide each
 * partition's start (-p, --offsets, -o) and subscribe (-G) or start
 * reading the partitions. Returns -1 to go on, or the exit status after
 * reporting.
 */
static int assign(struct sub *S, struct sub_opts *o, struct tx_kafka_opts *ko)
{
	int r, p, nread = 0;

	r = wait_topic(S, ko);
	if (r < 0)
		return -r;
	/* the cluster's id, for the source member and to check --offsets */
	{
		char *id = rd_kafka_clusterid(S->rk, ko->connect_timeout_ms);
		if (id) {
			S->cluster = tx_strdup(id);
			tx_buf_add(&S->cluster_json, ",\"cluster\":", 11);
			tx_buf_add_json_string(&S->cluster_json, id, strlen(id));
			rd_kafka_mem_free(S->rk, id);
		}
	}
	ensure_partition(S, r - 1);
	o->want = tx_calloc((size_t)S->nparts, 1);
	if (o->partitions) {
		if (tx_kafka_parse_partitions(o->partitions, o->want, S->nparts) < 0)
			return TX_EXIT_USAGE;
	} else {
		memset(o->want, 1, (size_t)S->nparts);
	}
	if (o->offsets_path &&
	    tx_kafka_load_offsets(o->offsets_path, S->topic, S->cluster, S->start, S->nparts) < 0)
		return TX_EXIT_USAGE;
	if (o->kind == START_TIME) {
		if (resolve_time(S, o->offset, o->want, ko->connect_timeout_ms) < 0)
			return TX_EXIT_UNAVAILABLE;
	} else if (o->kind == START_OFFSET) {
		for (p = 0; p < S->nparts; p++)
			if (S->start[p] == RD_KAFKA_OFFSET_INVALID)
				S->start[p] = o->offset;
	}
	S->rkt = rd_kafka_topic_new(S->rk, S->topic, NULL);
	for (p = 0; p < S->nparts; p++)
		nread += o->want[p];
	S->part_cap = MERGE_TOTAL / (size_t)(nread ? nread : 1);
	if (S->part_cap < MERGE_MIN_PART)
		S->part_cap = MERGE_MIN_PART;
	tx_progress_init(&S->progress, ko->progress, "records");
	if (S->group) {
		rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(1);
		rd_kafka_resp_err_t err;

		rd_kafka_poll_set_consumer(S->rk);
		rd_kafka_topic_partition_list_add(topics, S->topic, RD_KAFKA_PARTITION_UA);
		err = rd_kafka_subscribe(S->rk, topics);
		rd_kafka_topic_partition_list_destroy(topics);
		if (err) {
			tx_error("subscribe to '%s': %s", S->topic, rd_kafka_err2str(err));
			return TX_EXIT_UNAVAILABLE;
		}
		return -1;
	}
	S->queue = rd_kafka_queue_new(S->rk);
	for (p = 0; p < S->nparts; p++) {
		int64_t at = S->start[p] == RD_KAFKA_OFFSET_INVALID ? RD_KAFKA_OFFSET_BEGINNING
								    : S->start[p];
		if (!o->want[p])
			continue;
		if (rd_kafka_consume_start_queue(S->rkt, p, at, S->queue) < 0) {
			tx_error("partition %d: %s", p, rd_kafka_err2str(rd_kafka_last_error()));
			return TX_EXIT_UNAVAILABLE;
		}
		set_assigned(S, p, 1);
		/* the beginning is offset 0: a log starting past it lost records too */
		S->expect[p] = at >= 0 ? at : at == RD_KAFKA_OFFSET_BEGINNING ? 0 : -1;
		S->empty_since[p] = tx_now_ns();
	}
	S->have_assignment = 1;
	return -1;
}

/*
 * At exit: commit, then leave the group (which revokes the partitions, and
 * commits again), until S->exit_by. Where the brokers do not answer in time,
 * the group is not left: its next member waits for the session to time out,
 * and reads again what was written since the last commit.
 */
static void group_exit(struct sub *S)
{
	rd_kafka_queue_t *q;
	rd_kafka_error_t *error;
	uint64_t now = tx_now_ns();

	S->exit_by = now + GROUP_WAIT_MS * 1000000ULL;
	if (commit_sync(S) < 0) {
		S->abandoned = 1;
		tx_warn("no answer from the brokers within %d s: offsets not committed, group "
			"'%s' not left (its next member reads again what was written since the "
			"last commit)",
			GROUP_WAIT_MS / 1000, S->group);
		return;
	}
	q = rd_kafka_queue_new(S->rk);
	if ((error = rd_kafka_consumer_close_queue(S->rk, q))) {
		tx_warn("leaving the group: %s", rd_kafka_error_string(error));
		rd_kafka_error_destroy(error);
		S->abandoned = 1;
	} else {
		/* the revocation comes as an event: the callback does what it does in a run */
		while (!rd_kafka_consumer_closed(S->rk) && (now = tx_now_ns()) < S->exit_by) {
			rd_kafka_event_t *ev =
			    rd_kafka_queue_poll(q, (int)((S->exit_by - now) / 1000000) + 1);
			if (ev && rd_kafka_event_type(ev) == RD_KAFKA_EVENT_REBALANCE)
				rebalance_cb(S->rk, rd_kafka_event_error(ev),
					     rd_kafka_event_topic_partition_list(ev), S);
			if (ev)
				rd_kafka_event_destroy(ev);
		}
	}
	rd_kafka_queue_destroy(q);
	if (!S->abandoned && !rd_kafka_consumer_closed(S->rk)) {
		S->abandoned = 1;
		tx_warn("no answer from the brokers within %d s: group '%s' not left (its "
			"next member waits for the session to time out)",
			GROUP_WAIT_MS / 1000, S->group);
	}
}

/*
 * Run: consume and write until the end (-e, -c, a signal, --strict), then
 * flush, drop what the merge still holds, commit (-G) and stop reading.
 */
static void consume(struct sub *S)
{
	int p;

	run(S);

	if (!S->epipe && !S->io_error)
		flush_out(S);
	tx_progress_end(&S->progress);
	/* what the merge still holds was not written (-c, --strict, a signal) */
	for (p = 0; p < S->nparts; p++)
		discard_held(S, p);
	if (S->group) {
		group_exit(S);
	} else {
		for (p = 0; p < S->nparts; p++)
			if (S->assigned[p])
				rd_kafka_consume_stop(S->rkt, p);
	}
}

/* Report: after a run, the exit status the counts give and the summary line. */
static int report(struct sub *S)
{
	int status = TX_EXIT_OK;

	if (S->status)
		status = S->status;
	else if (S->io_error)
		status = TX_EXIT_IO;
	else if (tx_signal)
		status = TX_EXIT_SIGNAL + tx_signal;
	else if (S->rej.count)
		status = TX_EXIT_REJECTED;
	if (!tx_quiet) {
		fprintf(stderr, "%s: consumed %llu, written %llu, rejected %llu", tx_progname,
			(unsigned long long)S->consumed, (unsigned long long)S->written,
			(unsigned long long)S->rej.count);
		if (S->out_of_order)
			fprintf(stderr, ", out of order %llu", (unsigned long long)S->out_of_order);
		if (S->gaps)
			fprintf(stderr, ", gaps %d", S->gaps);
		fputc('\n', stderr);
	}
	return status;
}

/*
 * Close --reject, the client and stdout (each failure is exit 3 unless the
 * status says something already), and free what S holds. Returns the status.
 */
static int finish(struct sub *S, int status)
{
	int p;

	if (tx_rejects_close(&S->rej) < 0 && !status)
		status = TX_EXIT_IO;
	if (S->queue)
		rd_kafka_queue_destroy(S->queue);
	if (S->rkt)
		rd_kafka_topic_destroy(S->rkt);
	if (S->abandoned) /* librdkafka waits for the coordinator again: not past a second more */
		tx_kafka_destroy_by(S->rk, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE,
				    S->exit_by + 1000000000ULL);
	else
		rd_kafka_destroy(S->rk);
	if (!S->epipe && tx_out_close(&S->out) < 0 && !status)
		status = S->out.err == EPIPE ? status : TX_EXIT_IO;
	tx_buf_release(&S->out.b); /* after EPIPE, not closed: what was left unwritten */
	tx_record_release(&S->rec);
	tx_buf_release(&S->src);
	tx_buf_release(&S->scratch);
	tx_buf_release(&S->flat);
	tx_buf_release(&S->ts_text);
	tx_buf_release(&S->topic_json);
	free(S->start);
	free(S->pending);
	free(S->next);
	free(S->assigned);
	free(S->started);
	free(S->at_eof);
	free(S->gapped);
	free(S->idle_out);
	free(S->paused);
	free(S->expect);
	free(S->dropped_from);
	free(S->gap_from);
	free(S->last_key);
	free(S->empty_since);
	for (p = 0; p < S->nparts; p++) {
		chunks_free(S->q[p].first);
		free(S->q[p].h);
	}
	chunks_free(S->spare);
	free(S->q);
	free(S->heap);
	free(S->heap_pos);
	tx_buf_release(&S->cluster_json);
	free((char *)S->cluster);
	return status;
}

static int sub_main(int argc, char **argv, struct tx_kafka_opts *ko)
{
	struct sub S;
	struct sub_opts o = {0};
	int status;

	memset(&S, 0, sizeof(S));
	/* fetched messages and the merge's chunks come and go by the megabyte */
	tx_malloc_keep();
	S.max_idle_ms = MAX_IDLE_MS;
	S.written_key = INT64_MIN;
	status = parse_options(&S, &o, ko, argc, argv);
	if (status < 0)
		status = check_options(&S, &o);
	if (status < 0)
		status = setup(&S, &o, ko);
	if (status >= 0)
		return status;
	status = assign(&S, &o, ko);
	if (status < 0) {
		consume(&S);
		status = report(&S);
	}
	status = finish(&S, status);
	free(o.want);
	return status;
}

int cmd_main(int argc, char **argv)
{
	return tx_kafka_run(sub_main, argc, argv);
}
