/*
 * kafka-records: what the tests need of a Kafka cluster that txpub and the
 * Python client (Debian's python3-confluent-kafka 1.9.2 has no
 * DeleteRecords) cannot do, through librdkafka's C API. A test helper, not
 * installed.
 *
 *   kafka-records delete BROKERS TOPIC PARTITION OFFSET
 *       DeleteRecords: the records of the partition before OFFSET are
 *       deleted, the log starts at OFFSET (retention's effect, on demand).
 *       Prints the partition's new first offset (low watermark).
 *   kafka-records txn BROKERS TOPIC PARTITION commit|abort <LINES
 *       Each line of stdin, without its newline, a record of the partition,
 *       all in one transaction, which is then committed or aborted. The
 *       records are written to the log either way; a read_committed
 *       consumer sees neither the aborted ones nor the transaction's marker,
 *       which holds an offset too: the offsets it reads jump. Prints the
 *       number of records.
 *
 * Exit 0 when it was done, 1 when Kafka said no, 2 on a usage error.
 */
#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#define TIMEOUT_MS 60000

static void usage(void)
{
	fprintf(stderr, "usage: kafka-records delete BROKERS TOPIC PARTITION OFFSET\n"
			"       kafka-records txn BROKERS TOPIC PARTITION commit|abort <lines\n");
	exit(2);
}

static int64_t number(const char *s, const char *what)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < 0)
		errx(2, "%s '%s': expected a number", what, s);
	return v;
}

static int failed_deliveries;

static void delivered(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	(void)rk;
	(void)opaque;
	if (m->err) {
		warnx("a record not delivered: %s", rd_kafka_err2str(m->err));
		failed_deliveries++;
	}
}

/* A producer handle; with a transactional id, one that counts failed deliveries. */
static rd_kafka_t *client(const char *brokers, const char *txn_id)
{
	char errstr[512];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_t *rk;

	if (rd_kafka_conf_set(conf, "bootstrap.servers", brokers, errstr, sizeof(errstr)) ||
	    (txn_id && rd_kafka_conf_set(conf, "transactional.id", txn_id, errstr, sizeof(errstr))))
		errx(2, "%s", errstr);
	if (txn_id)
		rd_kafka_conf_set_dr_msg_cb(conf, delivered);
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
	if (!rk)
		errx(1, "cannot start the Kafka client: %s", errstr);
	return rk;
}

static int delete_records(const char *brokers, const char *topic, int32_t part, int64_t offset)
{
	char errstr[512];
	rd_kafka_t *rk = client(brokers, NULL);
	rd_kafka_topic_partition_list_t *before = rd_kafka_topic_partition_list_new(1);
	rd_kafka_DeleteRecords_t *del;
	rd_kafka_AdminOptions_t *opts;
	rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
	const rd_kafka_DeleteRecords_result_t *res;
	const rd_kafka_topic_partition_list_t *got;
	rd_kafka_event_t *ev;
	int status = 0;

	rd_kafka_topic_partition_list_add(before, topic, part)->offset = offset;
	del = rd_kafka_DeleteRecords_new(before);
	rd_kafka_topic_partition_list_destroy(before);
	opts = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_DELETERECORDS);
	if (rd_kafka_AdminOptions_set_operation_timeout(opts, TIMEOUT_MS, errstr, sizeof(errstr)))
		errx(2, "%s", errstr);
	rd_kafka_DeleteRecords(rk, &del, 1, opts, q);
	ev = rd_kafka_queue_poll(q, TIMEOUT_MS + 5000);
	if (!ev) {
		warnx("topic %s partition %d: no answer to DeleteRecords", topic, (int)part);
		status = 1;
	} else if (rd_kafka_event_error(ev)) {
		warnx("topic %s partition %d: DeleteRecords: %s", topic, (int)part,
		      rd_kafka_event_error_string(ev));
		status = 1;
	} else {
		res = rd_kafka_event_DeleteRecords_result(ev);
		got = res ? rd_kafka_DeleteRecords_result_offsets(res) : NULL;
		if (!got || got->cnt != 1) {
			warnx("topic %s partition %d: DeleteRecords: no result", topic, (int)part);
			status = 1;
		} else if (got->elems[0].err) {
			warnx("topic %s partition %d: DeleteRecords before %" PRId64 ": %s", topic,
			      (int)part, offset, rd_kafka_err2str(got->elems[0].err));
			status = 1;
		} else {
			printf("%" PRId64 "\n", got->elems[0].offset);
		}
	}
	if (ev)
		rd_kafka_event_destroy(ev);
	rd_kafka_DeleteRecords_destroy(del);
	rd_kafka_AdminOptions_destroy(opts);
	rd_kafka_queue_destroy(q);
	rd_kafka_destroy(rk);
	return status;
}

/* Die with the message of a transactional call that failed. */
static void txn_check(rd_kafka_error_t *e, const char *what)
{
	if (e) {
		warnx("%s: %s", what, rd_kafka_error_string(e));
		rd_kafka_error_destroy(e);
		exit(1);
	}
}

static int txn(const char *brokers, const char *topic, int32_t part, int commit)
{
	char id[64], *line = NULL;
	size_t cap = 0;
	ssize_t len;
	long n = 0;
	rd_kafka_t *rk;
	rd_kafka_resp_err_t e;

	snprintf(id, sizeof(id), "kafka-records-%ld", (long)getpid());
	rk = client(brokers, id);
	txn_check(rd_kafka_init_transactions(rk, TIMEOUT_MS), "init_transactions");
	txn_check(rd_kafka_begin_transaction(rk), "begin_transaction");
	while ((len = getline(&line, &cap, stdin)) > 0) {
		if (line[len - 1] == '\n')
			len--;
		while (
		    (e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(part),
					   RD_KAFKA_V_VALUE(line, (size_t)len),
					   RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
					   RD_KAFKA_V_END)) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
			rd_kafka_poll(rk, 100);
		if (e)
			errx(1, "topic %s partition %d: %s", topic, (int)part, rd_kafka_err2str(e));
		n++;
	}
	free(line);
	if (ferror(stdin))
		err(1, "stdin");
	/* written to the log before the end of the transaction, either way */
	if (rd_kafka_flush(rk, TIMEOUT_MS) || failed_deliveries)
		errx(1, "topic %s partition %d: not every record was written", topic, (int)part);
	if (commit)
		txn_check(rd_kafka_commit_transaction(rk, TIMEOUT_MS), "commit_transaction");
	else
		txn_check(rd_kafka_abort_transaction(rk, TIMEOUT_MS), "abort_transaction");
	rd_kafka_destroy(rk);
	printf("%ld\n", n);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 6 && !strcmp(argv[1], "delete"))
		return delete_records(argv[2], argv[3], (int32_t)number(argv[4], "partition"),
				      number(argv[5], "offset"));
	if (argc == 6 && !strcmp(argv[1], "txn") &&
	    (!strcmp(argv[5], "commit") || !strcmp(argv[5], "abort")))
		return txn(argv[2], argv[3], (int32_t)number(argv[4], "partition"),
			   !strcmp(argv[5], "commit"));
	usage();
	return 2;
}
