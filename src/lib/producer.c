/*
 * producer.c: what every txkit producer (txpub, txhttp -t) starts from:
 * its librdkafka defaults and reading back the configuration it built.
 * See kafka.h.
 */
#include <stdint.h>
#include <string.h>

#include "kafka.h"
#include "tx.h"

const char *const tx_kafka_producer_defaults[] = {
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

uint64_t tx_kafka_conf_uint(rd_kafka_conf_t *conf, const char *name, uint64_t dflt)
{
	char buf[64];
	size_t size = sizeof(buf);
	int64_t v;

	if (rd_kafka_conf_get(conf, name, buf, &size) != RD_KAFKA_CONF_OK ||
	    tx_parse_int64(buf, 1, INT64_MAX / 1024, &v) < 0)
		return dflt;
	return (uint64_t)v;
}

int tx_kafka_conf_is(rd_kafka_conf_t *conf, const char *name, const char *value)
{
	rd_kafka_topic_conf_t *tconf = rd_kafka_conf_get_default_topic_conf(conf);
	char buf[128];
	size_t size = sizeof(buf);

	if (tconf && rd_kafka_topic_conf_get(tconf, name, buf, &size) == RD_KAFKA_CONF_OK)
		return !strcmp(buf, value);
	size = sizeof(buf);
	return rd_kafka_conf_get(conf, name, buf, &size) == RD_KAFKA_CONF_OK && !strcmp(buf, value);
}
