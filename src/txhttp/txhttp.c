/*
 * txhttp: the HTTP front door of a txkit pipeline (txhttp(1)).
 *
 * libmicrohttpd serves the requests, one thread per connection (HACKING
 * says why this library). A POST body is validated with the record codec,
 * the rules and messages txpub uses; a missing transaction_id is generated
 * (a UUIDv7: time-ordered, unique) or taken from the Idempotency-Key
 * header, a missing ts is the time of arrival. The records then go to the
 * sink: NDJSON on stdout (the 202 follows the write and the flush), or,
 * with -t, a Kafka topic through the shared producer (the 202 follows the
 * broker's acknowledgement of every record of the request).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "http.h"
#include "httpbody.h"
#include "kafka.h"
#include "openapi.h"

#include "out.h"
#include "progress.h"
#include "record.h"
#include "store.h"
#include "timefmt.h"
#include "tx.h"

#define DEFAULT_PORT		8080
#define DEFAULT_MAX_BODY	(8 * 1024 * 1024)
#define DEFAULT_MAX_HEADER	(32 * 1024)
#define DEFAULT_TIMEOUT		30
#define DEFAULT_MAX_CONNECTIONS 256
/* The longest Idempotency-Key taken as an id. */
#define MAX_KEY_LEN 200

enum route {
	R_NONE,
	R_INGEST,      /* POST /api/transactions, POST /transaction */
	R_TX,	       /* /api/transactions/{id}: PATCH, DELETE */
	R_HEALTHZ,     /* GET /healthz */
	R_LIST,	       /* GET /api/transactions */
	R_GET,	       /* GET /api/transactions/{id} */
	R_ACCOUNT,     /* GET /api/accounts/{account} */
	R_REPORTS,     /* GET /reports */
	R_OPENAPI,     /* GET /openapi.json */
	R_PAGE,	       /* GET / */
	R_NOT_ALLOWED, /* a known path, another method */
};

/* One request, from its first call of the handler to its completion. */
struct req {
	enum route route;
	const char *allow; /* for 405 */
	struct tx_buf body;
	int too_big;	 /* the body passed --max-body: 413 at its end */
	int responded;	 /* a response was queued */
	unsigned status; /* the response's status, for the access log */
	size_t sent;	 /* the response body's size */
	char *method, *path, *version;
};

struct server {
	struct MHD_Daemon *d;
	int port;
	size_t max_body, max_header;
	unsigned timeout, max_connections;
	struct tx_http_tokens tokens; /* --token-file: the bearer tokens */
	int no_auth;
	int log; /* the access log (not -q) */
	int tls; /* --cert, --key */

	/* -t: the producer; the delivery reports come on the polling thread */
	rd_kafka_t *rk;
	rd_kafka_topic_t *rkt;
	const char *topic;
	pthread_mutex_t dr_lock;
	pthread_t poller;
	int poll_stop;
	struct tx_kafka_placer placer; /* keys placed by txhttp (kafka.h) */
	/* records in librdkafka's queue and their bytes (__atomic), and its limits */
	uint64_t queued, queued_bytes, max_queued, max_queued_bytes;

	/* --db: the txstore database the reads come from, opened on first use */
	const char *dsn;
	struct tx_store *st;
	pthread_mutex_t db_lock;

	pthread_mutex_t out_lock; /* stdout: one request's records at a time */
	struct tx_out out;
	int out_error;

	struct tx_http_ids ids; /* the UUIDv7s of records without an id */

	/* counters, __atomic */
	uint64_t requests, accepted, rejected, failed, inflight;
	int stopping;
};

static struct server S;

static void usage(FILE *fp)
{
	fprintf(fp, "usage: txhttp [-qv] [-b brokers] [-F file] [-l [addr:]port] [-t topic]\n"
		    "              [-X name=value] [--ack-timeout seconds]\n"
		    "              [--cert file --key file] [--connect-timeout seconds]\n"
		    "              [--db dsn] [--max-body bytes]\n"
		    "              [--max-connections n] [--max-header bytes] [--no-auth]\n"
		    "              [--timeout seconds] [--token-file file]\n"
		    "       txhttp -X list | -X dump\n");
}

/* ---- answers ---- */

/* The field a codec message names ("field 'amount' is negative"), or none. */
static void add_error(struct tx_buf *b, const char *err)
{
	const char *f = strstr(err, "field '"), *e;

	tx_buf_adds(b, "\"error\":");
	tx_buf_add_json_string(b, err, strlen(err));
	if (f && (e = strchr(f + 7, '\'')) != NULL) {
		tx_buf_adds(b, ",\"field\":");
		tx_buf_add_json_string(b, f + 7, (size_t)(e - f - 7));
	}
}

static char *stored_account(const char *id);

/* ---- the sink ---- */

/* stdout: the lines, then a flush; all of them are safe, or none is known to be. */
static int sink_stdout(struct tx_http_recs *R)
{
	int rc = 0;
	size_t i;

	pthread_mutex_lock(&S.out_lock);
	if (S.out_error) {
		rc = -1;
	} else {
		for (i = 0; i < R->n; i++)
			tx_buf_add(tx_out_buf(&S.out), R->data.p + R->v[i].off, R->v[i].len + 1);
		if (tx_out_flush(&S.out) < 0) {
			S.out_error = 1;
			rc = -1;
		}
	}
	pthread_mutex_unlock(&S.out_lock);
	for (i = 0; rc < 0 && i < R->n; i++)
		R->v[i].err = RD_KAFKA_RESP_ERR__FAIL;
	return rc;
}

/* A request's records on their way to Kafka: how many have no report yet. */
struct batch {
	size_t pending;
	pthread_cond_t done; /* pending reached 0 */
};

/* Count n records of bytes in librdkafka's queue, or no longer. */
static void queued_add(uint64_t n, uint64_t bytes)
{
	__atomic_add_fetch(&S.queued, n, __ATOMIC_RELAXED);
	__atomic_add_fetch(&S.queued_bytes, bytes, __ATOMIC_RELAXED);
}

static void queued_sub(uint64_t n, uint64_t bytes)
{
	__atomic_sub_fetch(&S.queued, n, __ATOMIC_RELAXED);
	__atomic_sub_fetch(&S.queued_bytes, bytes, __ATOMIC_RELAXED);
}

/* The delivery report of one record (the polling thread). */
static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	struct tx_http_rec *x = m->_private;
	struct batch *B = x->sink;

	x->err = m->err;
	x->partition = m->partition;
	x->offset = m->offset;
	queued_sub(1, m->len);
	pthread_mutex_lock(&S.dr_lock);
	if (--B->pending == 0)
		pthread_cond_broadcast(&B->done);
	pthread_mutex_unlock(&S.dr_lock);
}

/*
 * Room in librdkafka's queue for n records of bytes, counted as queued:
 * waits up to a second for it. 0, or -1 (nothing counted).
 */
static int queued_reserve(uint64_t n, uint64_t bytes)
{
	uint64_t give_up = tx_now_ns() + 1000000000u, q;

	for (;;) {
		q = __atomic_load_n(&S.queued, __ATOMIC_RELAXED);
		if (q + n <= S.max_queued &&
		    __atomic_load_n(&S.queued_bytes, __ATOMIC_RELAXED) + bytes <=
			S.max_queued_bytes &&
		    __atomic_compare_exchange_n(&S.queued, &q, q + n, 0, __ATOMIC_RELAXED,
						__ATOMIC_RELAXED)) {
			queued_add(0, bytes);
			return 0;
		}
		if (tx_now_ns() > give_up)
			return -1;
		struct timespec ts = {0, 1000000L};
		nanosleep(&ts, NULL);
	}
}

/* One record, waiting up to a second for room in the local queue. */
static rd_kafka_resp_err_t produce_one(struct tx_http_recs *R, struct tx_http_rec *x)
{
	uint64_t give_up = tx_now_ns() + 1000000000u;
	rd_kafka_resp_err_t err;

	queued_add(1, x->len); /* before: its report may come at once */
	for (;;) {
		err = rd_kafka_producev(S.rk, RD_KAFKA_V_RKT(S.rkt),
					RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
					RD_KAFKA_V_VALUE(R->data.p + x->off, x->len),
					RD_KAFKA_V_KEY(R->data.p + x->key_off, x->key_len),
					RD_KAFKA_V_OPAQUE(x), RD_KAFKA_V_END);
		if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL || tx_now_ns() > give_up)
			break;
		struct timespec ts = {0, 1000000L};
		nanosleep(&ts, NULL);
	}
	if (err)
		queued_sub(1, x->len);
	return err;
}

/*
 * The records placed by txhttp among nparts partitions, sorted, in one
 * rd_kafka_produce_batch(), once the queue has room for them all: none
 * meets a full queue half-way, to be retried after later records of its
 * account. Returns how many were not produced (their err set).
 */
static size_t produce_placed(struct tx_http_recs *R, int32_t nparts)
{
	rd_kafka_message_t *m = tx_calloc(2 * R->n, sizeof(*m)), *sorted = m + R->n, *v = m;
	uint64_t bytes = 0;
	size_t i, failed = 0;

	for (i = 0; i < R->n; i++) {
		struct tx_http_rec *x = &R->v[i];
		m[i].payload = R->data.p + x->off;
		m[i].len = x->len;
		m[i].key = R->data.p + x->key_off;
		m[i].key_len = x->key_len;
		m[i].partition = tx_kafka_key_partition(m[i].key, x->key_len, nparts);
		m[i]._private = x;
		bytes += x->len;
	}
	if (queued_reserve(R->n, bytes) < 0) {
		for (i = 0; i < R->n; i++)
			R->v[i].err = RD_KAFKA_RESP_ERR__QUEUE_FULL;
		free(m);
		return R->n;
	}
	if (tx_kafka_sort_by_partition(m, sorted, R->n, sizeof(*m),
				       offsetof(rd_kafka_message_t, partition), nparts) == 0)
		v = sorted;
	rd_kafka_produce_batch(S.rkt, RD_KAFKA_PARTITION_UA,
			       RD_KAFKA_MSG_F_COPY | RD_KAFKA_MSG_F_PARTITION, v, (int)R->n);
	for (i = 0; i < R->n; i++) {
		if (!v[i].err)
			continue;
		((struct tx_http_rec *)v[i]._private)->err = v[i].err;
		queued_sub(1, v[i].len);
		failed++;
	}
	free(m);
	return failed;
}

/*
 * Kafka: produce every record, keyed by its account, and wait for each
 * one's delivery report. librdkafka reports every record within
 * message.timeout.ms (--ack-timeout), delivered or not; a record the local
 * queue cannot take within a second is not produced at all. With the
 * partition count known, txhttp places the keys itself (produce_placed()),
 * unless the request would fill half the queue.
 */
static void sink_kafka(struct tx_http_recs *R)
{
	struct batch B;
	int32_t nparts;
	size_t i, failed = 0;

	pthread_cond_init(&B.done, NULL);
	for (i = 0; i < R->n; i++)
		R->v[i].sink = &B;
	pthread_mutex_lock(&S.dr_lock);
	B.pending = R->n;
	pthread_mutex_unlock(&S.dr_lock);
	tx_kafka_placer_refresh(&S.placer);
	nparts = tx_kafka_placer_count(&S.placer);
	if (nparts > 0 && R->n <= S.max_queued / 2 && R->data.len <= S.max_queued_bytes / 2) {
		failed = produce_placed(R, nparts);
	} else {
		for (i = 0; i < R->n; i++)
			if ((R->v[i].err = produce_one(R, &R->v[i])))
				failed++;
	}
	pthread_mutex_lock(&S.dr_lock);
	B.pending -= failed;
	while (B.pending)
		pthread_cond_wait(&B.done, &S.dr_lock);
	pthread_mutex_unlock(&S.dr_lock);
	pthread_cond_destroy(&B.done);
}

/* Hand the records to the sink; each one's err says whether it is safe. */
static void sink_write(struct tx_http_recs *R)
{
	if (!R->n)
		return;
	if (S.rk)
		sink_kafka(R);
	else
		sink_stdout(R);
}

/* Where a safe record went, for the answer: ,"partition":P,"offset":O with Kafka. */
static void add_position(struct tx_buf *b, const struct tx_http_rec *x)
{
	if (S.rk)
		tx_buf_addf(b, ",\"partition\":%d,\"offset\":%lld", (int)x->partition,
			    (long long)x->offset);
}

static const char *rec_error(const struct tx_http_rec *x)
{
	return S.rk ? rd_kafka_err2str((rd_kafka_resp_err_t)x->err)
		    : "the record could not be written";
}

/* ---- responses ---- */

static enum MHD_Result respond(struct MHD_Connection *c, struct req *q, unsigned status,
			       const struct tx_buf *body, const char *location,
			       const char *retry_after)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	size_t len = body ? body->len : 0;

	resp = MHD_create_response_from_buffer(len, body ? body->p : (void *)"",
					       MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return MHD_NO;
	if (q->route == R_PAGE && status == MHD_HTTP_OK) {
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
					"text/html; charset=utf-8");
		MHD_add_response_header(resp, "Content-Security-Policy",
					"default-src 'self'; style-src 'unsafe-inline'; "
					"script-src 'unsafe-inline'");
	} else {
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	}
	if (location)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, location);
	if (retry_after)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, retry_after);
	if (status == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED && q->allow)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, q->allow);
	if (__atomic_load_n(&S.stopping, __ATOMIC_RELAXED))
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	ret = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	q->responded = 1;
	q->status = status;
	q->sent = len;
	return ret;
}

/* A JSON error body {"error":msg} with status. */
static enum MHD_Result fail(struct MHD_Connection *c, struct req *q, unsigned status,
			    const char *msg)
{
	struct tx_buf b = TX_BUF_INIT;
	enum MHD_Result ret;

	tx_buf_addch(&b, '{');
	add_error(&b, msg);
	tx_buf_addch(&b, '}');
	ret = respond(c, q, status, &b, NULL, status == MHD_HTTP_SERVICE_UNAVAILABLE ? "1" : NULL);
	tx_buf_release(&b);
	return ret;
}

/* "/api/transactions/" + the id, percent-encoded but for unreserved characters. */
static void add_location(struct tx_buf *b, const char *id, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;

	tx_buf_adds(b, "/api/transactions/");
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)id[i];
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_' || ch == '~') {
			tx_buf_addch(b, (char)ch);
		} else {
			tx_buf_addch(b, '%');
			tx_buf_addch(b, hex[ch >> 4]);
			tx_buf_addch(b, hex[ch & 15]);
		}
	}
}

/* ---- ingest ---- */

static int content_type_is(const char *ct, const char *want)
{
	size_t n = strlen(want);

	while (ct && (*ct == ' ' || *ct == '\t'))
		ct++;
	return ct && !strncasecmp(ct, want, n) &&
	       (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ' || ct[n] == '\t');
}

/* A usable Idempotency-Key: 1 to MAX_KEY_LEN visible ASCII characters. */
static int key_ok(const char *k)
{
	size_t i;

	for (i = 0; k[i]; i++)
		if (k[i] < 0x21 || k[i] > 0x7e || i >= MAX_KEY_LEN)
			return 0;
	return i > 0;
}

static enum MHD_Result ingest_one(struct MHD_Connection *c, struct req *q, struct tx_http_body *m)
{
	struct tx_buf b = TX_BUF_INIT, loc = TX_BUF_INIT;
	struct tx_http_recs R;
	struct tx_http_rec *x;
	enum MHD_Result ret;

	memset(&R, 0, sizeof(R));
	if (tx_http_body_one(m, q->body.p, q->body.len, &R) < 0) {
		__atomic_add_fetch(&S.rejected, 1, __ATOMIC_RELAXED);
		tx_buf_adds(&b, "{\"status\":\"rejected\",");
		add_error(&b, tx_http_body_error(m));
		tx_buf_addch(&b, '}');
		ret = respond(c, q, MHD_HTTP_BAD_REQUEST, &b, NULL, NULL);
		goto out;
	}
	sink_write(&R);
	x = &R.v[0];
	tx_buf_adds(&b, "{\"transaction_id\":");
	tx_buf_add_json_string(&b, R.data.p + x->id_off, x->id_len);
	if (x->err) {
		const char *e = rec_error(x);
		__atomic_add_fetch(&S.failed, 1, __ATOMIC_RELAXED);
		tx_buf_adds(&b, ",\"status\":\"failed\",\"error\":");
		tx_buf_add_json_string(&b, e, strlen(e));
		tx_buf_addch(&b, '}');
		ret = respond(c, q, MHD_HTTP_SERVICE_UNAVAILABLE, &b, NULL, "1");
		goto out;
	}
	__atomic_add_fetch(&S.accepted, 1, __ATOMIC_RELAXED);
	tx_buf_adds(&b, ",\"status\":\"accepted\"");
	if (m->op == TX_OP_UPDATE || m->op == TX_OP_DELETE)
		tx_buf_addf(&b, ",\"op\":\"%s\"", tx_op_name(m->op));
	add_position(&b, x);
	tx_buf_addch(&b, '}');
	add_location(&loc, R.data.p + x->id_off, x->id_len);
	ret = respond(c, q, MHD_HTTP_ACCEPTED, &b, loc.p, NULL);
out:
	tx_http_recs_release(&R);
	tx_buf_release(&b);
	tx_buf_release(&loc);
	return ret;
}

/*
 * NDJSON: every line on its own. The answer lists each non-blank line:
 * accepted with its id (and its Kafka position), rejected with the codec's
 * message, or failed (not safe: the sink did not take it). 202 when every
 * valid line is safe and there was one, 503 when some valid line is not,
 * 400 when no line was valid.
 */
static enum MHD_Result ingest_many(struct MHD_Connection *c, struct req *q, struct tx_http_body *m)
{
	struct tx_buf b = TX_BUF_INIT;
	struct tx_http_recs R;
	uint64_t nacc = 0, nrej = 0, nfail = 0;
	const struct tx_http_reject *rej;
	size_t nrejv, ri = 0, ai = 0;
	enum MHD_Result ret;
	unsigned status;

	memset(&R, 0, sizeof(R));
	tx_http_body_ndjson(m, q->body.p, q->body.len, &R);
	rej = m->rej;
	nrejv = m->nrej;
	nrej = nrejv;
	__atomic_add_fetch(&S.rejected, nrej, __ATOMIC_RELAXED);
	if (!R.n && !nrej) {
		ret = fail(c, q, MHD_HTTP_BAD_REQUEST, "empty body");
		goto out;
	}
	sink_write(&R);
	for (ai = 0; ai < R.n; ai++) {
		if (R.v[ai].err)
			nfail++;
		else
			nacc++;
	}
	__atomic_add_fetch(&S.accepted, nacc, __ATOMIC_RELAXED);
	__atomic_add_fetch(&S.failed, nfail, __ATOMIC_RELAXED);
	status = nfail	? MHD_HTTP_SERVICE_UNAVAILABLE
		 : nacc ? MHD_HTTP_ACCEPTED
			: MHD_HTTP_BAD_REQUEST;
	tx_buf_addf(&b, "{\"accepted\":%llu,\"rejected\":%llu,", (unsigned long long)nacc,
		    (unsigned long long)nrej);
	if (nfail)
		tx_buf_addf(&b, "\"failed\":%llu,", (unsigned long long)nfail);
	tx_buf_adds(&b, "\"results\":[");
	/* both lists are in line order: merge them */
	for (ai = 0, ri = 0; ai < R.n || ri < nrejv;) {
		if (ai + ri)
			tx_buf_addch(&b, ',');
		if (ri < nrejv && (ai == R.n || rej[ri].line < R.v[ai].line)) {
			tx_buf_addf(&b, "{\"line\":%llu,\"status\":\"rejected\",",
				    (unsigned long long)rej[ri].line);
			add_error(&b, rej[ri].err);
			ri++;
		} else {
			struct tx_http_rec *x = &R.v[ai++];
			tx_buf_addf(
			    &b, "{\"line\":%llu,\"transaction_id\":", (unsigned long long)x->line);
			tx_buf_add_json_string(&b, R.data.p + x->id_off, x->id_len);
			if (x->err) {
				const char *e = rec_error(x);
				tx_buf_adds(&b, ",\"status\":\"failed\",\"error\":");
				tx_buf_add_json_string(&b, e, strlen(e));
			} else {
				tx_buf_adds(&b, ",\"status\":\"accepted\"");
				add_position(&b, x);
			}
		}
		tx_buf_addch(&b, '}');
	}
	tx_buf_adds(&b, "]}");
	ret = respond(c, q, status, &b, NULL, nfail ? "1" : NULL);
out:
	tx_http_recs_release(&R);
	tx_buf_release(&b);
	return ret;
}

static enum MHD_Result ingest(struct MHD_Connection *c, struct req *q, const char *id,
			      enum tx_op op)
{
	const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
	const char *key = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Idempotency-Key");
	struct tx_http_body m;
	enum MHD_Result ret;
	char *looked_up = NULL;
	int ndjson = 0;

	if (key && !key_ok(key))
		return fail(c, q, MHD_HTTP_BAD_REQUEST,
			    "header 'Idempotency-Key' must be 1 to 200 visible ASCII characters");
	if (op == TX_OP_NONE && ct &&
	    (content_type_is(ct, "application/x-ndjson") ||
	     content_type_is(ct, "application/jsonl") ||
	     content_type_is(ct, "application/jsonlines")))
		ndjson = 1;
	else if (ct && !content_type_is(ct, "application/json"))
		return fail(c, q, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
			    "Content-Type must be application/json or application/x-ndjson");
	if (op == TX_OP_DELETE && !q->body.len)
		tx_buf_adds(&q->body, "{}");
	if (!q->body.len)
		return fail(c, q, MHD_HTTP_BAD_REQUEST, "empty body");
	tx_http_body_init(&m, &S.ids);
	m.op = op;
	m.id = id;
	m.key = id ? NULL : key;
	m.account = id ? MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "account") : NULL;
	if (id && !m.account && S.dsn)
		m.account = looked_up = stored_account(id);
	ret = ndjson ? ingest_many(c, q, &m) : ingest_one(c, q, &m);
	free(looked_up);
	tx_http_body_release(&m);
	return ret;
}

/* ---- routing, authentication, the handler ---- */

static int is_get(const char *method)
{
	return !strcmp(method, "GET") || !strcmp(method, "HEAD");
}

static enum route route_of(const char *url, const char *method, const char **id, const char **allow)
{
	static const char tx_prefix[] = "/api/transactions/", acc_prefix[] = "/api/accounts/";

	*id = NULL;
	*allow = NULL;
	if (!strcmp(url, "/api/transactions")) {
		*allow = "GET, HEAD, POST";
		return !strcmp(method, "POST") ? R_INGEST : is_get(method) ? R_LIST : R_NOT_ALLOWED;
	}
	if (!strcmp(url, "/transaction")) {
		*allow = "POST";
		return !strcmp(method, "POST") ? R_INGEST : R_NOT_ALLOWED;
	}
	if (!strncmp(url, tx_prefix, sizeof(tx_prefix) - 1) && url[sizeof(tx_prefix) - 1]) {
		*id = url + sizeof(tx_prefix) - 1;
		*allow = "GET, HEAD, PATCH, DELETE";
		return !strcmp(method, "PATCH") || !strcmp(method, "DELETE") ? R_TX
		       : is_get(method)					     ? R_GET
									     : R_NOT_ALLOWED;
	}
	if (!strncmp(url, acc_prefix, sizeof(acc_prefix) - 1) && url[sizeof(acc_prefix) - 1]) {
		*id = url + sizeof(acc_prefix) - 1;
		*allow = "GET, HEAD";
		return is_get(method) ? R_ACCOUNT : R_NOT_ALLOWED;
	}
	if (!strcmp(url, "/reports")) {
		*allow = "GET, HEAD";
		return is_get(method) ? R_REPORTS : R_NOT_ALLOWED;
	}
	if (!strcmp(url, "/healthz")) {
		*allow = "GET, HEAD";
		return is_get(method) ? R_HEALTHZ : R_NOT_ALLOWED;
	}
	if (!strcmp(url, "/")) {
		*allow = "GET, HEAD";
		return is_get(method) ? R_PAGE : R_NOT_ALLOWED;
	}
	if (!strcmp(url, "/openapi.json")) {
		*allow = "GET, HEAD";
		return is_get(method) ? R_OPENAPI : R_NOT_ALLOWED;
	}
	return R_NONE;
}

/* ---- reads (--db) ---- */

/*
 * The report sections asked for, as JSON, into out. The store is opened on
 * first use and again after any error, so txhttp may start before the
 * database exists and outlive its restarts. Returns 0, 1 when there is no
 * txstore database there yet (out then holds the sections, empty), or -1
 * when the database cannot be read now.
 */
static int db_read(const struct tx_store_report *rep, unsigned sections, struct tx_buf *out)
{
	static const char *const names[] = {"transactions", "balances", "by_type", "by_status",
					    "latency"};
	int status, rc;

	pthread_mutex_lock(&S.db_lock);
	if (!S.st) {
		S.st = tx_store_open_read(S.dsn, &status);
		if (!S.st) {
			pthread_mutex_unlock(&S.db_lock);
			if (status != TX_EXIT_OK)
				return -1;
			tx_buf_addch(out, '{');
			for (int i = 0, first = 1; i < 5; i++)
				if (sections & (1u << i)) {
					tx_buf_addf(out, "%s\"%s\":[]", first ? "" : ",", names[i]);
					first = 0;
				}
			tx_buf_addch(out, '}');
			return 1;
		}
	}
	rc = tx_store_report_json(S.st, rep, sections, out);
	if (rc < 0) {
		tx_store_close(S.st);
		S.st = NULL;
	}
	pthread_mutex_unlock(&S.db_lock);
	return rc < 0 ? -1 : 0;
}

/* The array of {"name":[...]} without its brackets, or NULL when it is empty. */
static const char *first_array(const struct tx_buf *b, size_t *len)
{
	const char *p = memchr(b->p, '[', b->len);

	if (!p || p[1] == ']' || b->len < 3)
		return NULL;
	*len = (size_t)(b->p + b->len - 2 - (p + 1));
	return p + 1;
}

struct params {
	struct MHD_Connection *c;
	const char *const *allowed;
	const char *bad;
};

static enum MHD_Result check_param(void *cls, enum MHD_ValueKind kind, const char *key,
				   const char *value)
{
	struct params *P = cls;

	for (size_t i = 0; P->allowed[i]; i++)
		if (!strcmp(key, P->allowed[i]))
			return MHD_YES;
	P->bad = key;
	return MHD_NO;
}

/*
 * The query parameters of a read into rep: account, status, type, since,
 * until, limit, after (those in allowed). Returns NULL, or why they are bad.
 */
static const char *read_params(struct MHD_Connection *c, const char *const *allowed,
			       struct tx_store_report *rep, char *why, size_t whylen)
{
	struct params P = {c, allowed, NULL};
	const char *v;
	int64_t n;

	memset(rep, 0, sizeof(*rep));
	rep->since_us = rep->until_us = -1;
	rep->limit = 50;
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, check_param, &P);
	if (P.bad) {
		snprintf(why, whylen, "unknown query parameter '%.100s'", P.bad);
		return why;
	}
	rep->account = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "account");
	if ((v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "status")) != NULL) {
		if (strcmp(v, "pending") && strcmp(v, "completed") && strcmp(v, "failed"))
			return "query parameter 'status' is not pending, completed or failed";
		rep->status = v;
	}
	if ((v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "type")) != NULL) {
		int t;
		for (t = 1; t < TX_TYPE__COUNT && strcmp(v, tx_type_name((enum tx_type)t)); t++)
			;
		if (t == TX_TYPE__COUNT)
			return "query parameter 'type' is not a known type";
		rep->type = v;
	}
	if ((v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "since")) != NULL &&
	    tx_time_parse(v, strlen(v), &rep->since_us))
		return "query parameter 'since' is not an RFC 3339 date-time";
	if ((v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "until")) != NULL &&
	    tx_time_parse(v, strlen(v), &rep->until_us))
		return "query parameter 'until' is not an RFC 3339 date-time";
	if ((v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "limit")) != NULL) {
		if (tx_parse_int64(v, 1, 1000, &n) < 0)
			return "query parameter 'limit' is not a whole number from 1 to 1000";
		rep->limit = n;
	}
	if ((v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "after")) != NULL) {
		if (!*v)
			return "query parameter 'after' is empty";
		rep->after = v;
	}
	return NULL;
}

static enum MHD_Result read_route(struct MHD_Connection *c, struct req *q, const char *id)
{
	static const char *const list_params[] = {"account", "status", "type",	"since",
						  "until",   "limit",  "after", NULL};
	static const char *const report_params[] = {"account", "status", "type", "since",
						    "until",   "limit",	 NULL};
	static const char *const none[] = {NULL};
	struct tx_store_report rep;
	struct tx_buf out = TX_BUF_INIT, b = TX_BUF_INIT;
	const char *why, *arr;
	char whybuf[160];
	size_t len;
	enum MHD_Result ret;
	unsigned status = MHD_HTTP_OK;
	int rc;

	if (!S.dsn)
		return fail(c, q, MHD_HTTP_NOT_FOUND, "no database: txhttp serves reads with --db");
	why = read_params(c,
			  q->route == R_LIST	  ? list_params
			  : q->route == R_REPORTS ? report_params
						  : none,
			  &rep, whybuf, sizeof(whybuf));
	if (why)
		return fail(c, q, MHD_HTTP_BAD_REQUEST, why);
	switch (q->route) {
	case R_GET:
		rep.id = id;
		rep.limit = 1;
		rc = db_read(&rep, TX_REPORT_TRANSACTIONS, &out);
		if (rc >= 0 && (arr = first_array(&out, &len)) != NULL)
			tx_buf_add(&b, arr, len);
		else if (rc >= 0)
			status = MHD_HTTP_NOT_FOUND;
		break;
	case R_LIST:
		rep.keyset = 1;
		rc = db_read(&rep, TX_REPORT_TRANSACTIONS, &out);
		if (rc >= 0) {
			/* the cursor: the last id of a full page */
			size_t n = 0;
			const char *last = NULL, *p;
			tx_buf_add(&b, out.p, out.len - 1);
			for (p = out.p; (p = strstr(p, "{\"transaction_id\":")) != NULL; p++, n++)
				last = p;
			tx_buf_adds(&b, ",\"next\":");
			if (last && (int64_t)n == rep.limit) {
				struct tx_record r;
				const char *e = strchr(last, '}');
				tx_record_init(&r);
				if (e &&
				    tx_record_parse(&r, last, (size_t)(e - last + 1),
						    TX_PARSE_JSON_ONLY) == 0 &&
				    r.idx[TX_F_TRANSACTION_ID] >= 0) {
					struct tx_str raw =
					    tx_record_raw(&r, r.idx[TX_F_TRANSACTION_ID]);
					tx_buf_add(&b, raw.p, raw.len);
				} else {
					tx_buf_adds(&b, "null");
				}
				tx_record_release(&r);
			} else {
				tx_buf_adds(&b, "null");
			}
			tx_buf_addch(&b, '}');
		}
		break;
	case R_ACCOUNT:
		rep.account = id;
		rc = db_read(&rep, TX_REPORT_BALANCES, &out);
		if (rc >= 0 && first_array(&out, &len)) {
			tx_buf_adds(&b, "{\"account\":");
			tx_buf_add_json_string(&b, id, strlen(id));
			tx_buf_addch(&b, ',');
			tx_buf_add(&b, out.p + 1, out.len - 1);
		} else if (rc >= 0) {
			status = MHD_HTTP_NOT_FOUND;
		}
		break;
	default: /* R_REPORTS */
		rc = db_read(&rep, TX_REPORT_ALL, &out);
		if (rc >= 0)
			tx_buf_add(&b, out.p, out.len);
		break;
	}
	if (rc < 0)
		ret = fail(c, q, MHD_HTTP_SERVICE_UNAVAILABLE, "the database cannot be read now");
	else if (status == MHD_HTTP_NOT_FOUND)
		ret = fail(c, q, status,
			   q->route == R_ACCOUNT ? "no such account" : "no such transaction");
	else
		ret = respond(c, q, status, &b, NULL, NULL);
	tx_buf_release(&out);
	tx_buf_release(&b);
	return ret;
}

/* The account of a stored transaction (for PATCH and DELETE), or NULL: a new string. */
static char *stored_account(const char *id)
{
	struct tx_store_report rep;
	struct tx_buf out = TX_BUF_INIT;
	struct tx_record r;
	const char *arr;
	char *acc = NULL;
	size_t len;

	memset(&rep, 0, sizeof(rep));
	rep.since_us = rep.until_us = -1;
	rep.limit = 1;
	rep.id = id;
	tx_record_init(&r);
	if (db_read(&rep, TX_REPORT_TRANSACTIONS, &out) == 0 &&
	    (arr = first_array(&out, &len)) != NULL &&
	    tx_record_parse(&r, arr, len, TX_PARSE_JSON_ONLY) == 0 && r.idx[TX_F_ACCOUNT] >= 0) {
		struct tx_str a = tx_record_text(&r, r.idx[TX_F_ACCOUNT]);
		acc = tx_strndup(a.p, a.len);
	}
	tx_record_release(&r);
	tx_buf_release(&out);
	return acc;
}

/*
 * Whether the broker answers a metadata request about the topic within a
 * second. The answer is shared for a second, so probes cost the cluster
 * little.
 */
static int broker_up(void)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	static uint64_t checked;
	static int up;
	const struct rd_kafka_metadata *md;
	uint64_t now = tx_now_ns();
	int r;

	pthread_mutex_lock(&lock);
	if (!checked || now - checked > 1000000000u) {
		up = rd_kafka_metadata(S.rk, 0, S.rkt, &md, 1000) == RD_KAFKA_RESP_ERR_NO_ERROR;
		if (up)
			rd_kafka_metadata_destroy(md);
		checked = tx_now_ns();
	}
	r = up;
	pthread_mutex_unlock(&lock);
	return r;
}

static enum MHD_Result healthz(struct MHD_Connection *c, struct req *q)
{
	struct tx_buf b = TX_BUF_INIT;
	enum MHD_Result ret;
	int ok = 1, up;

	tx_buf_adds(&b, S.rk ? ",\"sink\":\"kafka\"" : ",\"sink\":\"stdout\"");
	if (S.rk) {
		up = broker_up();
		ok &= up;
		tx_buf_addf(&b, ",\"broker\":\"%s\"", up ? "up" : "down");
	}
	if (S.dsn) {
		struct tx_store_report rep;
		struct tx_buf out = TX_BUF_INIT;
		memset(&rep, 0, sizeof(rep));
		rep.since_us = rep.until_us = -1;
		rep.limit = 1;
		rep.id = "";
		up = db_read(&rep, TX_REPORT_TRANSACTIONS, &out) >= 0;
		tx_buf_release(&out);
		ok &= up;
		tx_buf_addf(&b, ",\"database\":\"%s\"", up ? "up" : "down");
	}
	tx_buf_addch(&b, '}');
	{
		struct tx_buf all = TX_BUF_INIT;
		tx_buf_addf(&all, "{\"status\":\"%s\"", ok ? "ok" : "unavailable");
		tx_buf_add(&all, b.p, b.len);
		ret = respond(c, q, ok ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE, &all, NULL,
			      ok ? NULL : "1");
		tx_buf_release(&all);
	}
	tx_buf_release(&b);
	return ret;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
			       const char *method, const char *version, const char *upload,
			       size_t *upload_size, void **con_cls)
{
	struct req *q = *con_cls;
	const char *id, *cl;

	if (!q) {
		q = tx_calloc(1, sizeof(*q));
		*con_cls = q;
		q->method = tx_strdup(method);
		q->path = tx_strdup(url);
		q->version = tx_strdup(version);
		__atomic_add_fetch(&S.requests, 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&S.inflight, 1, __ATOMIC_RELAXED);
		q->route = route_of(url, method, &id, &q->allow);
		if (q->route == R_NONE)
			return fail(c, q, MHD_HTTP_NOT_FOUND, "no such resource");
		if (q->route == R_NOT_ALLOWED)
			return fail(c, q, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed here");
		if (q->route != R_HEALTHZ && q->route != R_OPENAPI && q->route != R_PAGE &&
		    !S.no_auth &&
		    !tx_http_token_ok(&S.tokens, tx_http_bearer(MHD_lookup_connection_value(
						     c, MHD_HEADER_KIND, "Authorization"))))
			return fail(c, q, MHD_HTTP_UNAUTHORIZED,
				    "a valid bearer token is required");
		cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
		if (cl && strtoull(cl, NULL, 10) > S.max_body)
			return fail(c, q, MHD_HTTP_CONTENT_TOO_LARGE, "the body is too large");
		return MHD_YES;
	}
	if (*upload_size) {
		if (!q->responded && !q->too_big) {
			if (q->body.len + *upload_size > S.max_body)
				q->too_big = 1;
			else
				tx_buf_add(&q->body, upload, *upload_size);
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (q->responded)
		return MHD_YES;
	if (q->too_big)
		return fail(c, q, MHD_HTTP_CONTENT_TOO_LARGE, "the body is too large");
	route_of(url, method, &id, &q->allow);
	switch (q->route) {
	case R_INGEST: return ingest(c, q, NULL, TX_OP_NONE);
	case R_TX: return ingest(c, q, id, !strcmp(method, "DELETE") ? TX_OP_DELETE : TX_OP_UPDATE);
	case R_HEALTHZ: return healthz(c, q);
	case R_PAGE: {
		struct tx_buf b = {(char *)txhttp_page, strlen(txhttp_page), 0};
		return respond(c, q, MHD_HTTP_OK, &b, NULL, NULL);
	}
	case R_OPENAPI: {
		struct tx_buf b = {(char *)txhttp_openapi, strlen(txhttp_openapi), 0};
		return respond(c, q, MHD_HTTP_OK, &b, NULL, NULL);
	}
	case R_LIST:
	case R_GET:
	case R_ACCOUNT:
	case R_REPORTS: return read_route(c, q, id);
	default: return fail(c, q, MHD_HTTP_INTERNAL_SERVER_ERROR, "unexpected route");
	}
}

/* The access log: Common Log Format, one line per request, on stderr. */
static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	struct req *q = *con_cls;
	const union MHD_ConnectionInfo *ci;
	char host[INET6_ADDRSTRLEN] = "-", when[64];
	struct tm tm;
	time_t now;

	if (!q)
		return;
	*con_cls = NULL;
	if (S.log) {
		ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		if (ci && ci->client_addr) {
			const struct sockaddr *sa = ci->client_addr;
			if (sa->sa_family == AF_INET)
				inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
					  host, sizeof(host));
			else if (sa->sa_family == AF_INET6)
				inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr,
					  host, sizeof(host));
		}
		now = time(NULL);
		gmtime_r(&now, &tm);
		strftime(when, sizeof(when), "%d/%b/%Y:%H:%M:%S +0000", &tm);
		/* one write per line: lines of concurrent requests never mix */
		flockfile(stderr);
		fprintf(stderr, "%s - - [%s] \"%s %s %s\" %u %zu\n", host, when, q->method, q->path,
			q->version, q->responded ? q->status : 0, q->sent);
		funlockfile(stderr);
	}
	__atomic_sub_fetch(&S.inflight, 1, __ATOMIC_RELAXED);
	tx_buf_release(&q->body);
	free(q->method);
	free(q->path);
	free(q->version);
	free(q);
}

/* ---- setup ---- */

/* A PEM file, whole (the key: warn when group or others can read it). NULL after reporting. */
static char *read_pem(const char *path, int secret)
{
	FILE *fp = fopen(path, "r");
	struct tx_buf b = TX_BUF_INIT;
	struct stat st;
	char chunk[4096];
	size_t n;

	if (!fp) {
		tx_error_errno("'%s'", path);
		return NULL;
	}
	if (secret && fstat(fileno(fp), &st) == 0 && (st.st_mode & 077))
		tx_warn("--key '%s': readable by group or others", path);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		tx_buf_add(&b, chunk, n);
	fclose(fp);
	if (!b.len || !strstr(b.p, "-----BEGIN ")) {
		tx_error("'%s': not a PEM file", path);
		tx_buf_release(&b);
		return NULL;
	}
	return b.p;
}

static int opt_uint(const char *name, const char *arg, int64_t min, int64_t max, int64_t *v)
{
	if (tx_parse_int64(arg, min, max, v) < 0)
		return tx_error("%s '%s': expected a whole number from %lld to %lld", name, arg,
				(long long)min, (long long)max);
	return 0;
}

static void show_listening(const struct sockaddr_storage *ss)
{
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(S.d, MHD_DAEMON_INFO_LISTEN_FD);
	struct sockaddr_storage bound;
	socklen_t len = sizeof(bound);
	char host[INET6_ADDRSTRLEN];
	int port = 0;

	memcpy(&bound, ss, sizeof(bound));
	if (di && getsockname(di->listen_fd, (struct sockaddr *)&bound, &len) < 0)
		memcpy(&bound, ss, sizeof(bound));
	if (bound.ss_family == AF_INET) {
		inet_ntop(AF_INET, &((struct sockaddr_in *)&bound)->sin_addr, host, sizeof(host));
		port = ntohs(((struct sockaddr_in *)&bound)->sin_port);
		tx_warn("listening on %s://%s:%d", S.tls ? "https" : "http", host, port);
	} else {
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&bound)->sin6_addr, host,
			  sizeof(host));
		port = ntohs(((struct sockaddr_in6 *)&bound)->sin6_port);
		tx_warn("listening on %s://[%s]:%d", S.tls ? "https" : "http", host, port);
	}
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	/* libmicrohttpd's own complaints (malformed requests, limits), one line each */
	if (tx_quiet)
		return;
	tx_http_vwarn(fmt, ap);
}

/* The polling thread: serves delivery reports until told to stop. */
static void *poller(void *arg)
{
	while (!__atomic_load_n(&S.poll_stop, __ATOMIC_RELAXED))
		rd_kafka_poll(S.rk, 50);
	return NULL;
}

/*
 * The producer, with txpub's defaults (kafka.h) and txhttp's own on top:
 * linger.ms 1, since a client waits for each answer, and the bound on
 * acknowledgement (kept within --ack-timeout by libtx's reconnect backoff
 * of at most 1 s: librdkafka times messages out on the broker's thread,
 * between its attempts to reconnect), then the config file, -X and -b.
 * Returns TX_EXIT_OK or the exit status after reporting.
 */
static int producer_start(struct tx_kafka_opts *ko, int ack_timeout_ms)
{
	const char *defaults[64];
	char ackbuf[24], errstr[512];
	rd_kafka_conf_t *conf;
	rd_kafka_resp_err_t topic_err;
	size_t n = 0;
	int r;

	while (tx_kafka_producer_defaults[n] && n + 6 < sizeof(defaults) / sizeof(*defaults))
		defaults[n] = tx_kafka_producer_defaults[n], n++;
	snprintf(ackbuf, sizeof(ackbuf), "%d", ack_timeout_ms);
	defaults[n++] = "linger.ms";
	defaults[n++] = "1";
	defaults[n++] = "message.timeout.ms";
	defaults[n++] = ackbuf;
	defaults[n] = NULL;
	r = tx_kafka_opts_conf(ko, defaults, NULL, NULL, &conf);
	if (r >= 0)
		return r == TX_EXIT_OK ? -1 : r;
	rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
	tx_kafka_placer_init(&S.placer, conf, 1);
	S.max_queued = tx_kafka_conf_uint(conf, "queue.buffering.max.messages", 100000);
	S.max_queued_bytes = tx_kafka_conf_uint(conf, "queue.buffering.max.kbytes", 1048576) * 1024;
	S.rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
	if (!S.rk) {
		/* a thread the system refused is exit 70, a bad configuration 2 */
		r = tx_kafka_new_failed(errstr);
		rd_kafka_conf_destroy(conf); /* still ours when rd_kafka_new() fails */
		return r;
	}
	S.rkt = rd_kafka_topic_new(S.rk, S.topic, NULL);
	if (!S.rkt) {
		tx_error("topic '%s': %s", S.topic, rd_kafka_err2str(rd_kafka_last_error()));
		return TX_EXIT_USAGE;
	}
	/* fail fast, before taking any request, when no broker answers */
	r = tx_kafka_wait_metadata(S.rk, S.topic, ko->bootstrap, ko->connect_timeout_ms,
				   &topic_err);
	if (r == -2)
		return TX_EXIT_SIGNAL + tx_signal;
	if (r < 0)
		return TX_EXIT_UNAVAILABLE;
	if (topic_err && ko->verbose)
		tx_warn("topic '%s': %s (it may be created on first use)", S.topic,
			rd_kafka_err2str(topic_err));
	tx_kafka_placer_start(&S.placer, S.rk, S.rkt, r); /* r: the partition count, 0: unknown */
	pthread_mutex_init(&S.dr_lock, NULL);
	if (tx_thread_start(&S.poller, poller, NULL)) {
		tx_error("cannot start the polling thread");
		return TX_EXIT_SOFTWARE;
	}
	return TX_EXIT_OK;
}

/*
 * After the last request: stop polling, hand what is left to the broker
 * (nothing should be: each request waited for its reports).
 */
static void producer_stop(void)
{
	__atomic_store_n(&S.poll_stop, 1, __ATOMIC_RELAXED);
	pthread_join(S.poller, NULL);
	rd_kafka_flush(S.rk, 10000);
	rd_kafka_topic_destroy(S.rkt);
	rd_kafka_destroy(S.rk);
}

enum {
	OPT_MAX_BODY = 0x2000,
	OPT_MAX_HEADER,
	OPT_TIMEOUT,
	OPT_MAX_CONNECTIONS,
	OPT_TOKEN_FILE,
	OPT_NO_AUTH,
	OPT_ACK_TIMEOUT,
	OPT_DB,
	OPT_CERT,
	OPT_KEY,
	OPT_HELP
};

/* What the command line asks for beyond the fields of S it sets. */
struct http_opts {
	const char *listen_arg; /* -l, "127.0.0.1:" prepended to a bare port */
	char listen_buf[64];
	struct sockaddr_storage ss; /* -l parsed */
	socklen_t sslen;
	int loopback;
	const char *token_file, *cert_file, *key_file;
	char *cert, *key; /* --cert and --key read: PEM text, owned (the key wiped when freed) */
	int ack_timeout_ms;
};

/*
 * Parse options: the Kafka ones into ko, txhttp's into S and o. Returns -1
 * to go on, or the exit status (usage errors reported).
 */
static int parse_options(struct http_opts *o, struct tx_kafka_opts *ko, int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"max-body", required_argument, NULL, OPT_MAX_BODY},
	    {"max-header", required_argument, NULL, OPT_MAX_HEADER},
	    {"timeout", required_argument, NULL, OPT_TIMEOUT},
	    {"max-connections", required_argument, NULL, OPT_MAX_CONNECTIONS},
	    {"token-file", required_argument, NULL, OPT_TOKEN_FILE},
	    {"no-auth", no_argument, NULL, OPT_NO_AUTH},
	    {"ack-timeout", required_argument, NULL, OPT_ACK_TIMEOUT},
	    {"db", required_argument, NULL, OPT_DB},
	    {"cert", required_argument, NULL, OPT_CERT},
	    {"key", required_argument, NULL, OPT_KEY},
	    {"connect-timeout", required_argument, NULL, TX_KAFKA_OPT_CONNECT_TIMEOUT},
	    {"help", no_argument, NULL, OPT_HELP},
	    {NULL, 0, NULL, 0}};
	int c, r;
	int64_t v;

	o->listen_arg = "127.0.0.1:8080";
	o->loopback = 1;
	o->ack_timeout_ms = 5000;
	S.max_body = DEFAULT_MAX_BODY;
	S.max_header = DEFAULT_MAX_HEADER;
	S.timeout = DEFAULT_TIMEOUT;
	S.max_connections = DEFAULT_MAX_CONNECTIONS;
	while ((c = getopt_long(argc, argv, TX_KAFKA_SHORTOPTS "hl:", longopts, NULL)) != -1) {
		r = tx_kafka_getopt(ko, c, optarg);
		if (r < 0)
			return TX_EXIT_USAGE;
		if (r > 0)
			continue;
		switch (c) {
		case 'l': o->listen_arg = optarg; break;
		case OPT_DB: S.dsn = optarg; break;
		case OPT_CERT: o->cert_file = optarg; break;
		case OPT_KEY: o->key_file = optarg; break;
		case OPT_ACK_TIMEOUT:
			if (opt_uint("--ack-timeout", optarg, 1, 3600, &v) < 0)
				return TX_EXIT_USAGE;
			o->ack_timeout_ms = (int)v * 1000;
			break;
		case OPT_MAX_BODY:
			if (opt_uint("--max-body", optarg, 1, (int64_t)1 << 32, &v) < 0)
				return TX_EXIT_USAGE;
			S.max_body = (size_t)v;
			break;
		case OPT_MAX_HEADER:
			if (opt_uint("--max-header", optarg, 1024, 1 << 24, &v) < 0)
				return TX_EXIT_USAGE;
			S.max_header = (size_t)v;
			break;
		case OPT_TIMEOUT:
			if (opt_uint("--timeout", optarg, 1, 86400, &v) < 0)
				return TX_EXIT_USAGE;
			S.timeout = (unsigned)v;
			break;
		case OPT_MAX_CONNECTIONS:
			if (opt_uint("--max-connections", optarg, 1, 100000, &v) < 0)
				return TX_EXIT_USAGE;
			S.max_connections = (unsigned)v;
			break;
		case OPT_TOKEN_FILE: o->token_file = optarg; break;
		case OPT_NO_AUTH: S.no_auth = 1; break;
		case 'h':
		case OPT_HELP: return tx_help_exit(usage, "txhttp");
		default: tx_usage_error(); return TX_EXIT_USAGE;
		}
	}
	if (tx_no_more_args(argc, argv, optind))
		return TX_EXIT_USAGE;
	S.topic = ko->topic;
	S.log = !tx_quiet;
	return -1;
}

/*
 * Check the options together: the address, tokens, TLS files (read now),
 * authentication, -X list, Kafka options without -t. Returns -1 to go on,
 * or the exit status (usage errors reported).
 */
static int check_options(struct http_opts *o, struct tx_kafka_opts *ko)
{
	if (strchr(o->listen_arg, ':') == NULL) {
		snprintf(o->listen_buf, sizeof(o->listen_buf), "127.0.0.1:%s", o->listen_arg);
		o->listen_arg = o->listen_buf;
	}
	if (tx_http_parse_listen(o->listen_arg, "-l", &o->ss, &o->sslen, &o->loopback) < 0)
		return TX_EXIT_USAGE;
	if (o->token_file && S.no_auth) {
		tx_error("--token-file and --no-auth exclude each other");
		return TX_EXIT_USAGE;
	}
	if (o->token_file && tx_http_tokens_load(&S.tokens, o->token_file) < 0)
		return TX_EXIT_USAGE;
	if (!o->cert_file != !o->key_file) {
		tx_error("--cert and --key go together");
		return TX_EXIT_USAGE;
	}
	if (o->cert_file) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			tx_error("--cert: this libmicrohttpd has no TLS");
			return TX_EXIT_USAGE;
		}
		if (!(o->cert = read_pem(o->cert_file, 0)) || !(o->key = read_pem(o->key_file, 1)))
			return TX_EXIT_USAGE;
	}
	if (!o->token_file && !S.no_auth) {
		if (!o->loopback) {
			tx_error("-l '%s' is not a loopback address: give --token-file, or "
				 "--no-auth to serve it without authentication",
				 o->listen_arg);
			return TX_EXIT_USAGE;
		}
		S.no_auth = 1; /* loopback: the machine's own users only */
	}

	if (ko->list) {
		tx_kafka_list(stdout);
		return TX_EXIT_OK;
	}
	if (!S.topic && (ko->brokers || ko->config_file || ko->nprops || ko->dump)) {
		tx_error("-b, -F and -X are for a topic: give -t");
		return TX_EXIT_USAGE;
	}
	return -1;
}

/*
 * Set up: the locks, stdout, the signals, the producer (-t) and the HTTP
 * daemon listening. Returns -1 to go on, or the exit status after
 * reporting (the producer stopped again).
 */
static int setup(struct http_opts *o, struct tx_kafka_opts *ko)
{
	unsigned flags;
	int status;

	pthread_mutex_init(&S.out_lock, NULL);
	tx_http_ids_init(&S.ids);
	pthread_mutex_init(&S.db_lock, NULL);
	tx_out_init(&S.out, 1, "stdout");
	tx_signals_install();
	if (S.topic) {
		status = producer_start(ko, o->ack_timeout_ms);
		if (status != TX_EXIT_OK) {
			if (S.rkt)
				rd_kafka_topic_destroy(S.rkt);
			if (S.rk)
				rd_kafka_destroy(S.rk);
			return status < 0 ? TX_EXIT_OK : status;
		}
	}

	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ITC |
		MHD_USE_ERROR_LOG | MHD_USE_POLL | (o->cert ? MHD_USE_TLS : 0);
	/* the certificate and key only with TLS (libmicrohttpd refuses them without) */
	struct MHD_OptionItem tls_opts[] = {{MHD_OPTION_HTTPS_MEM_CERT, 0, o->cert},
					    {MHD_OPTION_HTTPS_MEM_KEY, 0, o->key},
					    {MHD_OPTION_END, 0, NULL}};
	if (!o->cert)
		tls_opts[0].option = MHD_OPTION_END;
	if (o->ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	S.d = MHD_start_daemon(
	    flags, 0, NULL, NULL, handler, NULL, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&o->ss, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
	    (size_t)S.max_header, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)S.timeout,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)S.max_connections, MHD_OPTION_NOTIFY_COMPLETED,
	    completed, NULL, MHD_OPTION_STRICT_FOR_CLIENT, (int)1,
	    MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1, MHD_OPTION_ARRAY, tls_opts,
	    MHD_OPTION_END);
	if (!S.d) {
		/* a thread the system refused is exit 70, as for the Kafka client */
		status = tx_http_start_failed(o->listen_arg, errno);
		if (S.rk)
			producer_stop();
		return status;
	}
	S.tls = o->cert != NULL;
	if (!tx_quiet)
		show_listening(&o->ss);
	return -1;
}

/*
 * Run: serve until a signal; then stop accepting, answer what is in flight
 * (up to --timeout), stop the daemon, the producer and the store, and
 * flush stdout. Returns the signal.
 */
static int serve(void)
{
	uint64_t deadline;
	MHD_socket lfd;
	int sig;

	while (!tx_signal) {
		struct timespec ts = {0, 50 * 1000000L};
		nanosleep(&ts, NULL);
	}
	sig = tx_signal;
	/* Stop accepting, answer what is in flight, then stop. */
	__atomic_store_n(&S.stopping, 1, __ATOMIC_RELAXED);
	lfd = MHD_quiesce_daemon(S.d);
	if (lfd != MHD_INVALID_SOCKET)
		close(lfd);
	deadline = tx_now_ns() + (uint64_t)S.timeout * 1000000000u;
	while (__atomic_load_n(&S.inflight, __ATOMIC_RELAXED) && tx_now_ns() < deadline) {
		struct timespec ts = {0, 10 * 1000000L};
		nanosleep(&ts, NULL);
	}
	MHD_stop_daemon(S.d);
	if (S.rk)
		producer_stop();
	if (S.st)
		tx_store_close(S.st);
	if (tx_out_flush(&S.out) < 0)
		S.out_error = 1;
	return sig;
}

/* Report: the summary line, and the exit status after signal sig. */
static int report(int sig)
{
	if (!tx_quiet)
		fprintf(stderr, "%s: requests %llu, accepted %llu, rejected %llu, failed %llu\n",
			tx_progname, (unsigned long long)S.requests, (unsigned long long)S.accepted,
			(unsigned long long)S.rejected, (unsigned long long)S.failed);
	return S.out_error ? TX_EXIT_IO : TX_EXIT_SIGNAL + sig;
}

/* Free what o and S hold: the TLS files (the key wiped first), tokens, stdout's buffer. */
static void http_release(struct http_opts *o)
{
	free(o->cert);
	if (o->key) {
		memset(o->key, 0, strlen(o->key));
		free(o->key);
	}
	tx_http_tokens_release(&S.tokens);
	tx_buf_release(&S.out.b);
}

static int http_main(int argc, char **argv, struct tx_kafka_opts *ko)
{
	struct http_opts o = {0};
	int status;

	status = parse_options(&o, ko, argc, argv);
	if (status < 0)
		status = check_options(&o, ko);
	if (status < 0)
		status = setup(&o, ko);
	if (status < 0)
		status = report(serve());
	http_release(&o);
	return status;
}

int cmd_main(int argc, char **argv)
{
	return tx_kafka_run(http_main, argc, argv);
}
