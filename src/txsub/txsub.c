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

/* librdkafka settings txsub starts from (then config file, -X, -b). */
static const char *const sub_defaults[] = {
    /* A consumer restarted in the group gets its partitions back within 10 s. */
    "session.timeout.ms", "6000", "heartbeat.interval.ms", "2000",
    /* Where to start without a committed offset, and when an offset is out of range. */
    "auto.offset.reset", "earliest",
    /* Offsets are stored by hand, only for what is written; auto-commit commits those. */
    "enable.auto.offset.store", "false", NULL};

/*
 * With -e, also: a fetch that finds a partition at its end is answered
 * after fetch.wait.max.ms (500 ms by default), and only then does the
 * partition count as read to its end. The wait is for the end of data, so
 * a short one costs nothing while records flow and ends the run at once.
 */
static const char *const eof_defaults[] = {"fetch.wait.max.ms", "10", NULL};

enum start_kind { START_DEFAULT, START_OFFSET, START_TIME };

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
	int nassigned, neof, have_assignment;
	int exit_at_eof;
	uint64_t max_count;
	int no_source, strict;

	struct tx_out out, reject;
	int have_reject;
	struct tx_record rec;
	struct tx_buf src; /* the source member being built */
	size_t src_prefix; /* src holds this much for src_partition: topic, partition */
	int32_t src_partition;
	struct tx_buf flat;    /* a multi-line value made one line */
	struct tx_buf ts_text; /* the last message timestamp formatted, and its value */
	int64_t ts_ms;
	struct tx_buf topic_json; /* the topic as a JSON string */
	struct tx_progress progress;

	uint64_t consumed, written, rejected;
	int stop;     /* -c or -e reached, --strict hit, or a fatal error */
	int status;   /* a fatal error's exit status, 0 if none */
	int epipe;    /* downstream closed */
	int io_error; /* a write failed */
	int bad_key_warned;
	uint64_t bytes;			 /* payload bytes of the records consumed */
	uint64_t woke_at;		 /* S->consumed at the last wake_fetcher() */
	uint64_t woke_bytes;		 /* S->bytes then */
	uint64_t wake_msgs, wake_kbytes; /* half the queue limits: see wake_fetcher() */
	int wake_next;			 /* the partition to ask next */
};

static void usage(FILE *fp)
{
	fprintf(fp, "usage: txsub [-eqv] [-b brokers] [-c count] [-F file] [-G group] [-o offset]\n"
		    "             [-p partitions] [-t topic] [-X name=value]\n"
		    "             [--connect-timeout seconds] [--no-source] [--offsets file]\n"
		    "             [--progress] [--reject file] [--strict]\n"
		    "       txsub -X list | -X dump\n");
}

/* Make the per-partition arrays hold partition p (a topic can grow while we read). */
static void ensure_partition(struct sub *S, int p)
{
	int n = S->nparts, i;

	if (p < n)
		return;
	S->nparts = p + 1;
	S->start = tx_realloc(S->start, (size_t)S->nparts * sizeof(*S->start));
	S->pending = tx_realloc(S->pending, (size_t)S->nparts * sizeof(*S->pending));
	S->next = tx_realloc(S->next, (size_t)S->nparts * sizeof(*S->next));
	S->assigned = tx_realloc(S->assigned, (size_t)S->nparts);
	S->started = tx_realloc(S->started, (size_t)S->nparts);
	S->at_eof = tx_realloc(S->at_eof, (size_t)S->nparts);
	for (i = n; i < S->nparts; i++) {
		S->start[i] = RD_KAFKA_OFFSET_INVALID;
		S->pending[i] = S->next[i] = -1;
		S->assigned[i] = S->started[i] = S->at_eof[i] = 0;
	}
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
	if (S->have_reject && tx_out_flush(&S->reject) < 0) {
		note_write_error(S, &S->reject);
		return -1;
	}
	if (tx_out_flush(&S->out) < 0) {
		note_write_error(S, &S->out);
		return -1;
	}
	store_pending(S);
	return 0;
}

static void commit_sync(struct sub *S)
{
	rd_kafka_resp_err_t err = rd_kafka_commit(S->rk, NULL, 0);

	if (err && err != RD_KAFKA_RESP_ERR__NO_OFFSET)
		tx_warn("could not commit offsets: %s", rd_kafka_err2str(err));
}

static void set_assigned(struct sub *S, int p, int on)
{
	ensure_partition(S, p);
	if (S->assigned[p] == on)
		return;
	S->assigned[p] = (unsigned char)on;
	S->nassigned += on ? 1 : -1;
	if (S->at_eof[p]) {
		S->at_eof[p] = 0;
		S->neof--;
	}
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

/* The source member: {"topic":..,"partition":..,"offset":..,"ts":..,"key":..}. */
static void build_source(struct sub *S, const rd_kafka_message_t *m)
{
	struct tx_buf *b = &S->src;
	rd_kafka_timestamp_type_t tstype;
	int64_t ts = rd_kafka_message_timestamp(m, &tstype);

	/* messages come in runs of one partition: its prefix is made once per run */
	if (m->partition != S->src_partition || !S->src_prefix) {
		tx_buf_reset(b);
		tx_buf_add(b, "{\"topic\":", 9);
		tx_buf_add(b, S->topic_json.p, S->topic_json.len);
		tx_buf_add(b, ",\"partition\":", 13);
		tx_buf_add_int(b, m->partition);
		tx_buf_add(b, ",\"offset\":", 10);
		S->src_partition = m->partition;
		S->src_prefix = b->len;
	}
	b->len = S->src_prefix;
	tx_buf_add_int(b, m->offset);
	if (tstype != RD_KAFKA_TIMESTAMP_NOT_AVAILABLE && ts >= 0) {
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
	if (m->key) {
		const unsigned char *k = m->key;
		size_t i;
		tx_buf_add(b, ",\"key\":", 7);
		for (i = 0; i < m->key_len; i++)
			if (k[i] < 0x20 || k[i] >= 0x80 || k[i] == '"' || k[i] == '\\')
				break;
		if (i == m->key_len) {
			/* printable ASCII, nothing to escape: the usual account key */
			tx_buf_addch(b, '"');
			tx_buf_add(b, m->key, m->key_len);
			tx_buf_addch(b, '"');
		} else if (utf8_valid(k, m->key_len)) {
			tx_buf_add_json_string(b, m->key, m->key_len);
		} else {
			/* JSON text must be UTF-8: such a key cannot be carried exactly */
			if (!S->bad_key_warned++)
				tx_warn("topic %s partition %d offset %lld: the message key is not "
					"UTF-8; its bytes above 0x7f are written as U+FFFD",
					S->topic, (int)m->partition, (long long)m->offset);
			tx_buf_addch(b, '"');
			for (i = 0; i < m->key_len; i++) {
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
	tx_buf_addch(b, '}');
}

static void reject(struct sub *S, const rd_kafka_message_t *m, const char *value, size_t len,
		   const char *why)
{
	tx_warn("topic %s partition %d offset %lld: %s", S->topic, (int)m->partition,
		(long long)m->offset, why);
	S->rejected++;
	if (S->have_reject && tx_out_line(&S->reject, value, len) < 0)
		note_write_error(S, &S->reject);
	if (S->strict)
		S->stop = 1;
}

/*
 * A value spread over several lines (pretty-printed JSON): a raw newline can
 * only be whitespace between tokens in valid JSON, so as a space the text
 * means the same and fits on one line. Invalid JSON is rejected afterwards,
 * and then the one-line form keeps the reject file one record per line.
 */
static const char *one_line(struct sub *S, const char *value, size_t len)
{
	size_t i;

	tx_buf_reset(&S->flat);
	tx_buf_add(&S->flat, value, len);
	for (i = 0; i < len; i++)
		if (S->flat.p[i] == '\n' || S->flat.p[i] == '\r')
			S->flat.p[i] = ' ';
	return S->flat.p;
}

/*
 * One JSON object (strict RFC 8259, as the record codec reads it), scanned
 * once: strings with the codec's fast scanner, other member values with
 * tx_json_scan_value(). txsub is a transport: what the fields mean is for
 * txbal and txstore to judge, so it checks the JSON, not the record, and
 * decodes no field. *src and *src_end get the value of the first top-level
 * "source" member (written without escapes), or NULL. The value has no
 * trailing whitespace (handle() trimmed it).
 */
static int scan_object(const char *v, size_t len, const char **src, const char **src_end)
{
	const char *end = v + len, *p = tx_json_skip_ws(v, end), *k, *val;
	struct tx_json_err err;
	int esc, is_source;

	*src = *src_end = NULL;
	if (p >= end || *p != '{')
		return -1;
	p = tx_json_skip_ws(p + 1, end);
	if (p < end && *p == '}')
		return p + 1 == end ? 0 : -1;
	for (;;) {
		if (p >= end || *p != '"')
			return -1;
		k = p;
		if (!(p = tx_json_scan_string_fast(p, end, &esc, &err)))
			return -1;
		is_source = !esc && p - k == 8 && !memcmp(k, "\"source\"", 8) && !*src;
		p = tx_json_skip_ws(p, end);
		if (p >= end || *p != ':')
			return -1;
		val = p = tx_json_skip_ws(p + 1, end);
		if (p < end && *p == '"') {
			p = tx_json_scan_string_fast(p, end, &esc, &err);
		} else {
			/* depth 2, as tx_json_validate() counts a member of the top object */
			p = tx_json_scan_value(p, end, 2, &err);
		}
		if (!p)
			return -1;
		if (is_source) {
			*src = val;
			*src_end = p;
		}
		p = tx_json_skip_ws(p, end);
		if (p < end && *p == '}')
			return p + 1 == end ? 0 : -1;
		if (p >= end || *p != ',')
			return -1;
		p = tx_json_skip_ws(p + 1, end);
	}
}

/*
 * Write the object v (valid, no trailing whitespace) with "source":src: in
 * place of the top-level "source" member's value [sv, send) when it has one,
 * else appended as the last member, before the whitespace ahead of the
 * closing brace, exactly as tx_record_write() places a new member (so
 * txpub's removal gives back the original bytes).
 */
static void splice_source(struct tx_buf *out, const char *v, size_t len, const char *sv,
			  const char *send, const char *src, size_t srclen)
{
	size_t j;

	if (sv) {
		tx_buf_add(out, v, (size_t)(sv - v));
		tx_buf_add(out, src, srclen);
		tx_buf_add(out, send, (size_t)(v + len - send));
		return;
	}
	j = len - 1; /* the closing brace */
	while (j > 0 && tx_json_is_ws(v[j - 1]))
		j--;
	tx_buf_add(out, v, j);
	if (v[j - 1] != '{')
		tx_buf_addch(out, ',');
	tx_buf_add(out, "\"source\":", 9);
	tx_buf_add(out, src, srclen);
	tx_buf_add(out, v + j, len - j);
}

/* Whether v holds a '\n' or '\r' (one pass, where two memchr() calls took two). */
static int has_newline(const char *v, size_t len)
{
	size_t i = 0;

#ifdef __SSE2__
	const __m128i nl = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r');
	for (; i + 16 <= len; i += 16) {
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

static void check_eof(struct sub *S)
{
	if (S->exit_at_eof && S->have_assignment && S->neof == S->nassigned)
		S->stop = 1;
}

static void handle(struct sub *S, const rd_kafka_message_t *m)
{
	const char *value = m->payload, *sv, *send;
	size_t len = m->len;
	int p = m->partition;

	if (m->err) {
		if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
			ensure_partition(S, p);
			if (S->assigned[p] && !S->at_eof[p]) {
				S->at_eof[p] = 1;
				S->neof++;
			}
			check_eof(S);
			return;
		}
		if (m->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
		    m->err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC ||
		    m->err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED ||
		    m->err == RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED) {
			tx_error("topic %s: %s", S->topic, rd_kafka_message_errstr(m));
			S->status = TX_EXIT_UNAVAILABLE;
			S->stop = 1;
			return;
		}
		tx_warn("topic %s partition %d: %s", S->topic, (int)p, rd_kafka_message_errstr(m));
		return;
	}
	ensure_partition(S, p);
	if (S->at_eof[p]) {
		S->at_eof[p] = 0;
		S->neof--;
	}
	S->consumed++;
	S->bytes += len;
	/* a producer may have sent the line with its '\n' (or "\r\n") */
	while (len > 0 && tx_json_is_ws(value[len - 1]))
		len--;
	if (has_newline(value, len))
		value = one_line(S, value, len);
	if (!len) {
		reject(S, m, "", 0, "empty message");
	} else if (scan_object(value, len, &sv, &send) < 0) {
		/* the codec says precisely what is wrong */
		reject(S, m, value, len,
		       tx_record_parse(&S->rec, value, len, 0) < 0 ? S->rec.err
								   : "not a JSON object");
	} else if (S->no_source) {
		tx_buf_add(tx_out_buf(&S->out), value, len);
		tx_buf_addch(tx_out_buf(&S->out), '\n');
		S->written++;
	} else {
		build_source(S, m);
		splice_source(tx_out_buf(&S->out), value, len, sv, send, S->src.p, S->src.len);
		tx_buf_addch(tx_out_buf(&S->out), '\n');
		S->written++;
	}
	S->pending[p] = S->next[p] = m->offset + 1;
	if (tx_out_end_line(&S->out) < 0)
		note_write_error(S, &S->out);
	else if (S->out.b.len == 0)
		/* it was just flushed: what it held may be committed */
		flush_out(S);
	if (S->max_count && S->consumed >= S->max_count)
		S->stop = 1;
	tx_progress_update(&S->progress, S->consumed, 0);
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

	if (!S->nassigned || (S->consumed - S->woke_at < S->wake_msgs &&
			      (S->bytes - S->woke_bytes) / 1024 < S->wake_kbytes))
		return;
	S->woke_at = S->consumed;
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
		if (S->out.b.len || (S->have_reject && S->reject.b.len))
			flush_out(S);
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
				handle(S, msgs[i]);
			rd_kafka_message_destroy(msgs[i]);
		}
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

enum { OPT_NO_SOURCE = 0x2000, OPT_OFFSETS, OPT_REJECT, OPT_STRICT, OPT_HELP };

int cmd_main(int argc, char **argv)
{
	static const struct option longopts[] = {{"no-source", no_argument, NULL, OPT_NO_SOURCE},
						 {"offsets", required_argument, NULL, OPT_OFFSETS},
						 {"reject", required_argument, NULL, OPT_REJECT},
						 {"strict", no_argument, NULL, OPT_STRICT},
						 {"help", no_argument, NULL, OPT_HELP},
						 TX_KAFKA_LONGOPTS,
						 {NULL, 0, NULL, 0}};
	/* static: what an early usage error leaves is still reachable, not a leak */
	static struct tx_kafka_opts ko;
	struct sub S;
	const char *offsets_path = NULL, *reject_path = NULL, *partitions = NULL;
	const char *offset_arg = NULL;
	unsigned char *want = NULL;
	rd_kafka_conf_t *conf;
	rd_kafka_resp_err_t topic_err;
	enum start_kind kind = START_DEFAULT;
	int64_t offset = RD_KAFKA_OFFSET_BEGINNING, v;
	char errstr[512];
	int c, r, p, status = TX_EXIT_OK;

	memset(&S, 0, sizeof(S));
	S.topic = "transactions";
	tx_kafka_opts_init(&ko);
	while ((c = getopt_long(argc, argv, TX_KAFKA_SHORTOPTS "c:eG:ho:p:t:", longopts, NULL)) !=
	       -1) {
		r = tx_kafka_getopt(&ko, c, optarg);
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
			S.max_count = (uint64_t)v;
			break;
		case 'e': S.exit_at_eof = 1; break;
		case 'G':
			if (!*optarg) {
				tx_error("-G: empty group name");
				return TX_EXIT_USAGE;
			}
			S.group = optarg;
			break;
		case 'o': offset_arg = optarg; break;
		case 'p': partitions = optarg; break;
		case 't':
			if (!*optarg) {
				tx_error("-t: empty topic name");
				return TX_EXIT_USAGE;
			}
			S.topic = optarg;
			break;
		case OPT_NO_SOURCE: S.no_source = 1; break;
		case OPT_OFFSETS: offsets_path = optarg; break;
		case OPT_REJECT: reject_path = optarg; break;
		case OPT_STRICT: S.strict = 1; break;
		case 'h':
		case OPT_HELP: return tx_help_exit(usage, "txsub");
		default: tx_usage_error(); return TX_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		tx_error("unexpected argument '%s'", argv[optind]);
		tx_usage_error();
		return TX_EXIT_USAGE;
	}
	if (ko.list) {
		tx_kafka_list(stdout);
		return TX_EXIT_OK;
	}
	if (offset_arg && parse_offset(offset_arg, &offset, &kind) < 0)
		return TX_EXIT_USAGE;
	if (S.group && partitions) {
		tx_error("-p and -G exclude each other: a group assigns the partitions");
		return TX_EXIT_USAGE;
	}
	if (!S.group && offset == RD_KAFKA_OFFSET_STORED) {
		tx_error("-o stored needs a group (-G): offsets are stored per group");
		return TX_EXIT_USAGE;
	}
	{
		const char *defaults[sizeof(sub_defaults) / sizeof(*sub_defaults) +
				     sizeof(eof_defaults) / sizeof(*eof_defaults)];
		size_t n = 0, i;
		for (i = 0; sub_defaults[i]; i++)
			defaults[n++] = sub_defaults[i];
		for (i = 0; S.exit_at_eof && eof_defaults[i]; i++)
			defaults[n++] = eof_defaults[i];
		defaults[n] = NULL;
		conf = tx_kafka_conf(&ko, defaults);
	}
	if (!conf) {
		tx_kafka_opts_release(&ko);
		return TX_EXIT_USAGE;
	}
	if (S.group && rd_kafka_conf_set(conf, "group.id", S.group, errstr, sizeof(errstr))) {
		tx_error("-G: %s", errstr);
		rd_kafka_conf_destroy(conf);
		return TX_EXIT_USAGE;
	}
	if (!S.group)
		rd_kafka_conf_set(conf, "enable.auto.commit", "false", errstr, sizeof(errstr));
	if (S.exit_at_eof)
		rd_kafka_conf_set(conf, "enable.partition.eof", "true", errstr, sizeof(errstr));
	if (ko.dump) {
		tx_kafka_dump(conf, stdout);
		rd_kafka_conf_destroy(conf);
		tx_kafka_opts_release(&ko);
		return TX_EXIT_OK;
	}
	if (S.group) {
		rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb);
		rd_kafka_conf_set_opaque(conf, &S);
	}
	tx_out_init(&S.out, 1, "stdout");
	if (reject_path) {
		if (tx_out_open(&S.reject, reject_path) < 0) {
			rd_kafka_conf_destroy(conf);
			tx_buf_release(&S.out.b);
			tx_kafka_opts_release(&ko);
			return TX_EXIT_IO;
		}
		S.have_reject = 1;
	}
	S.wake_msgs = conf_number(conf, "queued.min.messages") / 2;
	S.wake_kbytes = conf_number(conf, "queued.max.messages.kbytes") / 2;
	S.rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
	if (!S.rk) {
		tx_error("%s", errstr);
		rd_kafka_conf_destroy(conf); /* still ours when rd_kafka_new() fails */
		tx_buf_release(&S.out.b);
		if (S.have_reject)
			tx_out_close(&S.reject);
		return TX_EXIT_USAGE;
	}
	tx_record_init(&S.rec);
	tx_buf_add_json_string(&S.topic_json, S.topic, strlen(S.topic));
	tx_signals_install();

	r = tx_kafka_wait_metadata(S.rk, S.topic, ko.bootstrap, ko.connect_timeout_ms, &topic_err);
	if (r < 0) {
		status = r == -2 ? TX_EXIT_SIGNAL + tx_signal : TX_EXIT_UNAVAILABLE;
		goto out;
	}
	if (r == 0) {
		tx_error("topic '%s': %s", S.topic,
			 rd_kafka_err2str(topic_err ? topic_err
						    : RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART));
		status = TX_EXIT_UNAVAILABLE;
		goto out;
	}
	ensure_partition(&S, r - 1);
	want = tx_calloc((size_t)S.nparts, 1);
	if (partitions) {
		if (tx_kafka_parse_partitions(partitions, want, S.nparts) < 0) {
			status = TX_EXIT_USAGE;
			goto out;
		}
	} else {
		memset(want, 1, (size_t)S.nparts);
	}
	if (offsets_path && tx_kafka_load_offsets(offsets_path, S.topic, S.start, S.nparts) < 0) {
		status = TX_EXIT_USAGE;
		goto out;
	}
	if (kind == START_TIME) {
		if (resolve_time(&S, offset, want, ko.connect_timeout_ms) < 0) {
			status = TX_EXIT_UNAVAILABLE;
			goto out;
		}
	} else if (kind == START_OFFSET) {
		for (p = 0; p < S.nparts; p++)
			if (S.start[p] == RD_KAFKA_OFFSET_INVALID)
				S.start[p] = offset;
	}
	S.rkt = rd_kafka_topic_new(S.rk, S.topic, NULL);
	tx_progress_init(&S.progress, ko.progress, "records");
	if (S.group) {
		rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(1);
		rd_kafka_resp_err_t err;

		rd_kafka_poll_set_consumer(S.rk);
		rd_kafka_topic_partition_list_add(topics, S.topic, RD_KAFKA_PARTITION_UA);
		err = rd_kafka_subscribe(S.rk, topics);
		rd_kafka_topic_partition_list_destroy(topics);
		if (err) {
			tx_error("subscribe to '%s': %s", S.topic, rd_kafka_err2str(err));
			status = TX_EXIT_UNAVAILABLE;
			goto out;
		}
	} else {
		S.queue = rd_kafka_queue_new(S.rk);
		for (p = 0; p < S.nparts; p++) {
			int64_t at = S.start[p] == RD_KAFKA_OFFSET_INVALID
					 ? RD_KAFKA_OFFSET_BEGINNING
					 : S.start[p];
			if (!want[p])
				continue;
			if (rd_kafka_consume_start_queue(S.rkt, p, at, S.queue) < 0) {
				tx_error("partition %d: %s", p,
					 rd_kafka_err2str(rd_kafka_last_error()));
				status = TX_EXIT_UNAVAILABLE;
				goto out;
			}
			set_assigned(&S, p, 1);
		}
		S.have_assignment = 1;
	}

	run(&S);

	if (!S.epipe && !S.io_error)
		flush_out(&S);
	tx_progress_end(&S.progress);
	if (S.group) {
		commit_sync(&S);
		rd_kafka_consumer_close(S.rk);
	} else {
		for (p = 0; p < S.nparts; p++)
			if (S.assigned[p])
				rd_kafka_consume_stop(S.rkt, p);
	}
	if (S.status)
		status = S.status;
	else if (S.io_error)
		status = TX_EXIT_IO;
	else if (tx_signal)
		status = TX_EXIT_SIGNAL + tx_signal;
	else if (S.rejected)
		status = TX_EXIT_REJECTED;
	if (!tx_quiet)
		fprintf(stderr, "%s: consumed %llu, written %llu, rejected %llu\n", tx_progname,
			(unsigned long long)S.consumed, (unsigned long long)S.written,
			(unsigned long long)S.rejected);
out:
	if (S.have_reject && tx_out_close(&S.reject) < 0 && !status)
		status = TX_EXIT_IO;
	if (S.queue)
		rd_kafka_queue_destroy(S.queue);
	if (S.rkt)
		rd_kafka_topic_destroy(S.rkt);
	rd_kafka_destroy(S.rk);
	if (!S.epipe && tx_out_close(&S.out) < 0 && !status)
		status = S.out.err == EPIPE ? status : TX_EXIT_IO;
	tx_buf_release(&S.out.b); /* after EPIPE, not closed: what was left unwritten */
	tx_record_release(&S.rec);
	tx_buf_release(&S.src);
	tx_buf_release(&S.flat);
	tx_buf_release(&S.ts_text);
	tx_buf_release(&S.topic_json);
	free(S.start);
	free(S.pending);
	free(S.next);
	free(S.assigned);
	free(S.started);
	free(S.at_eof);
	free(want);
	tx_kafka_opts_release(&ko);
	return status;
}
