/*
 * txpub: NDJSON transaction records to a Kafka topic, keyed by account,
 * every accepted record acknowledged by the broker or listed as undelivered
 * (txpub(1)).
 *
 * Each line is validated with the record codec and produced at once (never
 * held back for more input). Delivery reports are counted; the exit status
 * is 0 only when every accepted record was acknowledged.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
/* Serve delivery reports every this many records while input streams in. */
#define POLL_EVERY 1024

/* librdkafka settings txpub starts from (then config file, -X, -b). */
static const char *const pub_defaults[] = {
    /* Exactly once per partition, in order, acknowledged by every in-sync replica. */
    "enable.idempotence", "true", "acks", "all",
    /* Java's placement of keys, so every client puts an account in the same partition. */
    "partitioner", "murmur2_random",
    /*
     * A typed line goes out within 20 ms (imperceptible), while keyed records
     * spread over many partitions still fill batches: against 5 ms, measured
     * a fifth less CPU per record, in fewer and larger produce requests.
     */
    "linger.ms", "20", "batch.num.messages", "10000", "queue.buffering.max.messages", "250000",
    NULL};

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

struct pub {
	rd_kafka_t *rk;
	rd_kafka_topic_t *rkt;
	const char *topic;
	const char *key_field;
	size_t key_field_len;
	int keep_source, strict, produce_time;
	int objects; /* --objects: any JSON object, not only transaction records */
	struct header *headers;
	size_t nheaders;

	struct tx_out reject, undelivered, report;
	int have_reject, have_undelivered, have_report;

	uint64_t read, accepted, published, rejected, failed;
	rd_kafka_resp_err_t first_err; /* the first delivery error, for the summary */
	int io_error;		       /* an output file could not be written */
	int stop;		       /* --strict hit an invalid line */

	struct tx_record rec;	 /* the line being read */
	struct tx_record dr_rec; /* the payload of a delivery report (--report) */
	struct tx_buf value;	 /* the payload when it differs from the line */
	struct tx_buf stamp;	 /* the produce-time header's value */
	struct tx_progress progress;
};

static void usage(FILE *fp)
{
	fprintf(fp, "usage: txpub [-qv] [-b brokers] [-F file] [-t topic] [-X name=value]\n"
		    "             [--connect-timeout seconds] [--flush-timeout seconds]\n"
		    "             [--header name=value] [--keep-source] [--key field] [--objects]\n"
		    "             [--produce-time] [--progress] [--reject file] [--report file]\n"
		    "             [--strict] [--undelivered file] [file ...]\n"
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

	if (m->err)
		undelivered(P, m->payload, m->len, kept, m->err);
	else
		P->published++;
	if (P->have_report)
		report(P, lineno, m);
	free((void *)kept);
}

static void reject(struct pub *P, const struct tx_lines *lr, const char *line, size_t len,
		   const char *why)
{
	tx_warn_at(lr->source, lr->lineno, "%s", why);
	P->rejected++;
	if (P->have_reject)
		out_line(P, &P->reject, line, len);
	if (P->strict)
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

/* Validate, key and produce one line. */
static void publish(struct pub *P, const struct tx_lines *lr, char *line, size_t len)
{
	struct tx_record *r = &P->rec;
	const char *value = line, *key = NULL;
	size_t value_len = len, key_len = 0;
	struct kept_line *kept = NULL;
	void *opaque;
	rd_kafka_resp_err_t err;
	rd_kafka_headers_t *hdrs;
	size_t i;

	for (i = 0; i < len && tx_json_is_ws(line[i]); i++)
		;
	if (i == len)
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
	P->value.len = 0;
	if (r->has_source && !P->keep_source) {
		struct tx_edit drop = {TX_F_SOURCE, NULL, 0};
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
	opaque = kept ? (void *)kept : (void *)(uintptr_t)((lr->lineno << 1) | 1);
	P->accepted++;
	for (;;) {
		hdrs = make_headers(P);
		if (hdrs) {
			err = rd_kafka_producev(
			    P->rk, RD_KAFKA_V_RKT(P->rkt), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
			    RD_KAFKA_V_VALUE((void *)value, value_len),
			    RD_KAFKA_V_KEY(key, key_len), RD_KAFKA_V_OPAQUE(opaque),
			    RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END);
			if (err)
				rd_kafka_headers_destroy(hdrs);
		} else {
			err = rd_kafka_produce(P->rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY,
					       (void *)value, value_len, key, key_len, opaque) < 0
				  ? rd_kafka_last_error()
				  : RD_KAFKA_RESP_ERR_NO_ERROR;
		}
		if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
			break;
		/* The local queue is full: let deliveries drain it (never drop the line). */
		rd_kafka_poll(P->rk, 10);
	}
	if (err) {
		tx_warn_at(lr->source, lr->lineno, "not produced: %s", rd_kafka_err2str(err));
		undelivered(P, value, value_len, kept, err);
		if (P->have_report) {
			rd_kafka_message_t m;
			memset(&m, 0, sizeof(m));
			m.err = err;
			m.payload = (void *)value;
			m.len = value_len;
			report(P, lr->lineno, &m);
		}
		free(kept);
	}
	if ((P->accepted % POLL_EVERY) == 0)
		rd_kafka_poll(P->rk, 0);
	tx_progress_update(&P->progress, P->accepted, 0);
}

/* Read one input to its end (or until told to stop). Returns 0, or -1 on a read error. */
static int read_input(struct pub *P, struct tx_lines *lr)
{
	char *line;
	size_t len;
	int r;

	while (!P->stop && !tx_signal && !tx_kafka_fatal) {
		r = tx_lines_next_timeout(lr, &line, &len, IDLE_MS);
		if (r == 1) {
			publish(P, lr, line, len);
		} else if (r == 2 || r == 3) {
			/* idle or interrupted: serve delivery reports, keep the progress line alive
			 */
			rd_kafka_poll(P->rk, 0);
			tx_progress_update(&P->progress, P->accepted, 1);
		} else {
			return r;
		}
	}
	return 0;
}

/*
 * The brokers cannot be reached: nothing can be accepted. With
 * --undelivered, the input still goes there, so a pipeline loses nothing.
 */
static void drain_to_undelivered(struct pub *P, struct tx_lines *lr)
{
	char *line;
	size_t len;

	if (isatty(lr->fd))
		return;
	while (!tx_signal && tx_lines_next(lr, &line, &len) == 1)
		if (len) {
			out_line(P, &P->undelivered, line, len);
			P->failed++;
		}
}

/* Wait for every accepted record to be acknowledged, up to timeout_ms; purge the rest. */
static void flush_all(struct pub *P, int timeout_ms)
{
	uint64_t deadline = tx_now_ns() + (uint64_t)timeout_ms * 1000000u;

	while (rd_kafka_outq_len(P->rk) > 0 && tx_now_ns() < deadline && !tx_kafka_fatal) {
		rd_kafka_poll(P->rk, IDLE_MS);
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

static int add_header(struct pub *P, const char *arg)
{
	const char *eq = strchr(arg, '=');
	struct header *h;

	if (!eq || eq == arg)
		return tx_error("--header '%s': expected name=value", arg);
	P->headers = tx_realloc(P->headers, (P->nheaders + 1) * sizeof(*P->headers));
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
	OPT_HELP
};

int cmd_main(int argc, char **argv)
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
	    {"help", no_argument, NULL, OPT_HELP},
	    TX_KAFKA_LONGOPTS,
	    {NULL, 0, NULL, 0}};
	/* static: what an early usage error leaves is still reachable, not a leak */
	static struct tx_kafka_opts ko;
	struct pub P;
	const char *reject_path = NULL, *undelivered_path = NULL, *report_path = NULL;
	rd_kafka_conf_t *conf;
	rd_kafka_resp_err_t topic_err;
	char errstr[512];
	int c, r, status = TX_EXIT_OK, flush_timeout_ms = 30000, read_error = 0, i, nin;
	int64_t v;

	memset(&P, 0, sizeof(P));
	P.topic = "transactions";
	tx_kafka_opts_init(&ko);
	while ((c = getopt_long(argc, argv, TX_KAFKA_SHORTOPTS "ht:", longopts, NULL)) != -1) {
		r = tx_kafka_getopt(&ko, c, optarg);
		if (r < 0)
			return TX_EXIT_USAGE;
		if (r > 0)
			continue;
		switch (c) {
		case 't':
			if (!*optarg) {
				tx_error("-t: empty topic name");
				return TX_EXIT_USAGE;
			}
			P.topic = optarg;
			break;
		case OPT_KEY:
			if (!*optarg) {
				tx_error("--key: empty field name");
				return TX_EXIT_USAGE;
			}
			P.key_field = optarg;
			P.key_field_len = strlen(optarg);
			break;
		case OPT_KEEP_SOURCE: P.keep_source = 1; break;
		case OPT_OBJECTS: P.objects = 1; break;
		case OPT_REJECT: reject_path = optarg; break;
		case OPT_STRICT: P.strict = 1; break;
		case OPT_UNDELIVERED: undelivered_path = optarg; break;
		case OPT_REPORT: report_path = optarg; break;
		case OPT_HEADER:
			if (add_header(&P, optarg) < 0)
				return TX_EXIT_USAGE;
			break;
		case OPT_PRODUCE_TIME: P.produce_time = 1; break;
		case OPT_FLUSH_TIMEOUT:
			if (tx_parse_int64(optarg, 0, 86400, &v) < 0) {
				tx_error("--flush-timeout '%s': expected whole seconds, 0 to 86400",
					 optarg);
				return TX_EXIT_USAGE;
			}
			flush_timeout_ms = (int)v * 1000;
			break;
		case 'h':
		case OPT_HELP: usage(stdout); return TX_EXIT_OK;
		default: usage(stderr); return TX_EXIT_USAGE;
		}
	}
	if (ko.list) {
		tx_kafka_list(stdout);
		return TX_EXIT_OK;
	}
	conf = tx_kafka_conf(&ko, pub_defaults);
	if (!conf) {
		tx_kafka_opts_release(&ko);
		return TX_EXIT_USAGE;
	}
	if (ko.dump) {
		tx_kafka_dump(conf, stdout);
		rd_kafka_conf_destroy(conf);
		tx_kafka_opts_release(&ko);
		return TX_EXIT_OK;
	}
	rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
	rd_kafka_conf_set_opaque(conf, &P);
	if (open_out(&P.reject, reject_path, &P.have_reject) < 0 ||
	    open_out(&P.undelivered, undelivered_path, &P.have_undelivered) < 0 ||
	    open_out(&P.report, report_path, &P.have_report) < 0) {
		rd_kafka_conf_destroy(conf);
		close_out(&P, &P.reject, P.have_reject);
		close_out(&P, &P.undelivered, P.have_undelivered);
		tx_kafka_opts_release(&ko);
		return TX_EXIT_IO;
	}
	P.rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
	if (!P.rk) {
		tx_error("%s", errstr);
		rd_kafka_conf_destroy(conf); /* still ours when rd_kafka_new() fails */
		close_out(&P, &P.reject, P.have_reject);
		close_out(&P, &P.undelivered, P.have_undelivered);
		close_out(&P, &P.report, P.have_report);
		return TX_EXIT_USAGE;
	}
	P.rkt = rd_kafka_topic_new(P.rk, P.topic, NULL);
	if (!P.rkt) {
		tx_error("topic '%s': %s", P.topic, rd_kafka_err2str(rd_kafka_last_error()));
		rd_kafka_destroy(P.rk);
		return TX_EXIT_USAGE;
	}
	tx_record_init(&P.rec);
	tx_record_init(&P.dr_rec);
	tx_signals_install();

	/* Fail fast, before taking any input, when no broker answers. */
	r = tx_kafka_wait_metadata(P.rk, P.topic, ko.bootstrap, ko.connect_timeout_ms, &topic_err);
	if (r == -2) {
		status = TX_EXIT_SIGNAL + tx_signal;
		goto out;
	}
	if (r < 0) {
		status = TX_EXIT_UNAVAILABLE;
		nin = argc - optind;
		for (i = 0; P.have_undelivered && i < (nin ? nin : 1); i++) {
			struct tx_lines lr;
			if (tx_lines_open(&lr, nin ? argv[optind + i] : "-") < 0)
				continue;
			drain_to_undelivered(&P, &lr);
			if (lr.fd > 0)
				close(lr.fd);
			tx_lines_release(&lr);
		}
		if (P.have_undelivered)
			tx_warn("%llu input lines written to '%s'", (unsigned long long)P.failed,
				undelivered_path);
		goto out;
	}
	if (topic_err && ko.verbose)
		tx_warn("topic '%s': %s (it may be created on first use)", P.topic,
			rd_kafka_err2str(topic_err));

	tx_progress_init(&P.progress, ko.progress, "records");
	nin = argc - optind;
	for (i = 0; i < (nin ? nin : 1) && !P.stop && !tx_signal && !tx_kafka_fatal; i++) {
		struct tx_lines lr;
		if (tx_lines_open(&lr, nin ? argv[optind + i] : "-") < 0) {
			read_error = 1;
			continue;
		}
		if (read_input(&P, &lr) < 0)
			read_error = 1;
		if (lr.fd > 0)
			close(lr.fd);
		tx_lines_release(&lr);
	}
	flush_all(&P, flush_timeout_ms);
	tx_progress_end(&P.progress);
	if (P.accepted > P.published + P.failed) {
		/* cannot happen after a purge, but never report a record as safe when unknown */
		tx_error("%llu records in an unknown state",
			 (unsigned long long)(P.accepted - P.published - P.failed));
		P.failed = P.accepted - P.published;
	}
out:
	close_out(&P, &P.reject, P.have_reject);
	close_out(&P, &P.undelivered, P.have_undelivered);
	close_out(&P, &P.report, P.have_report);
	if (status == TX_EXIT_OK) {
		if (P.failed && P.first_err)
			tx_error("%llu records not delivered: %s", (unsigned long long)P.failed,
				 rd_kafka_err2str(P.first_err));
		if (!tx_quiet)
			fprintf(stderr,
				"%s: read %llu, published %llu, rejected %llu, failed %llu\n",
				tx_progname, (unsigned long long)P.read,
				(unsigned long long)P.published, (unsigned long long)P.rejected,
				(unsigned long long)P.failed);
		if (P.failed || tx_kafka_fatal)
			status = TX_EXIT_UNDELIVERED;
		else if (read_error || P.io_error)
			status = TX_EXIT_IO;
		else if (tx_signal)
			status = TX_EXIT_SIGNAL + tx_signal;
		else if (P.rejected)
			status = TX_EXIT_REJECTED;
	}
	rd_kafka_topic_destroy(P.rkt);
	rd_kafka_destroy(P.rk);
	tx_record_release(&P.rec);
	tx_record_release(&P.dr_rec);
	tx_buf_release(&P.value);
	tx_buf_release(&P.stamp);
	for (i = 0; i < (int)P.nheaders; i++)
		free(P.headers[i].name);
	free(P.headers);
	tx_kafka_opts_release(&ko);
	return status;
}
