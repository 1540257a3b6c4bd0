/* Unit tests for kafka.c: partition lists, secrets, config files, offsets files. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka.h"
#include "tx.h"
#include "unit.h"

static int write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	if (!fp)
		return -1;
	fputs(text, fp);
	return fclose(fp);
}

/* An element to sort by partition: its place in the input, and its partition. */
struct elem {
	int id;
	int32_t part;
};

/* The ids of v sorted by partition among nparts, "1 5 2 ", or "-1" when refused. */
static void sorted_ids(const struct elem *v, size_t n, int32_t nparts, char *got, size_t size)
{
	struct elem out[16];
	size_t i, at = 0;

	if (tx_kafka_sort_by_partition(v, out, n, sizeof(*v), offsetof(struct elem, part), nparts) <
	    0) {
		snprintf(got, size, "-1");
		return;
	}
	got[0] = '\0';
	for (i = 0; i < n && at + 4 < size; i++)
		at += (size_t)snprintf(got + at, size - at, "%d ", out[i].id);
}

static int parts(const char *s, int n, char *got, size_t gotsize)
{
	unsigned char want[64] = {0};
	size_t at = 0;
	int i;

	if (tx_kafka_parse_partitions(s, want, n) < 0)
		return -1;
	got[0] = '\0';
	for (i = 0; i < n && at + 4 < gotsize; i++)
		if (want[i])
			at += (size_t)snprintf(got + at, gotsize - at, "%d ", i);
	return 0;
}

int cmd_main(int argc, char **argv)
{
	char got[256], path[] = "/tmp/unit-kafka.XXXXXX";
	int64_t off[8];
	int i, set, brokers = 0;
	rd_kafka_conf_t *conf;
	char val[256];
	size_t vlen = sizeof(val);

	CHECK(parts("3", 8, got, sizeof(got)) == 0 && !strcmp(got, "3 "), "-p 3");
	CHECK(parts("0-2,5", 8, got, sizeof(got)) == 0 && !strcmp(got, "0 1 2 5 "), "-p 0-2,5");
	CHECK(parts("0,2,5", 8, got, sizeof(got)) == 0 && !strcmp(got, "0 2 5 "), "-p 0,2,5");
	CHECK(parts("0-7", 8, got, sizeof(got)) == 0 && !strcmp(got, "0 1 2 3 4 5 6 7 "), "-p 0-7");
	CHECK(parts("8", 8, got, sizeof(got)) < 0, "-p 8 of 8 partitions is refused");
	CHECK(parts("3-1", 8, got, sizeof(got)) < 0, "-p 3-1 is refused");
	CHECK(parts("1,", 8, got, sizeof(got)) < 0, "-p 1, is refused");
	CHECK(parts("", 8, got, sizeof(got)) < 0, "-p '' is refused");
	CHECK(parts("a", 8, got, sizeof(got)) < 0, "-p a is refused");
	CHECK(parts("-1", 8, got, sizeof(got)) < 0, "-p -1 is refused");

	CHECK(tx_kafka_is_secret("sasl.password"), "sasl.password is a secret");
	CHECK(tx_kafka_is_secret("ssl.key.password"), "ssl.key.password is a secret");
	CHECK(tx_kafka_is_secret("ssl.keystore.password"), "ssl.keystore.password is a secret");
	CHECK(tx_kafka_is_secret("sasl.oauthbearer.client.secret"), "client.secret is a secret");
	CHECK(tx_kafka_is_secret("ssl.key.pem"), "ssl.key.pem is a secret");
	CHECK(!tx_kafka_is_secret("sasl.username"), "sasl.username is not a secret");
	CHECK(!tx_kafka_is_secret("bootstrap.servers"), "bootstrap.servers is not a secret");

	/* a config file: comments, blank lines, spaces around '=' */
	if (mkstemp(path) < 0)
		return 1;
	write_file(path, "# comment\n\n  client.id = abc  \nbootstrap.servers=h:1\nlinger.ms=7\n");
	conf = rd_kafka_conf_new();
	CHECK_EQ_INT(tx_kafka_conf_file(conf, path, &brokers), 0, "config file is read");
	CHECK_EQ_INT(brokers, 1, "config file names the brokers");
	CHECK(rd_kafka_conf_get(conf, "client.id", val, &vlen) == RD_KAFKA_CONF_OK &&
		  !strcmp(val, "abc"),
	      "spaces around name and value are trimmed");
	rd_kafka_conf_destroy(conf);
	write_file(path, "linger.ms=7\nno equals sign\n");
	conf = rd_kafka_conf_new();
	CHECK_EQ_INT(tx_kafka_conf_file(conf, path, &brokers), -1, "a line without '=' fails");
	write_file(path, "linger.ms=7\n\nno.such.property=1\n");
	CHECK_EQ_INT(tx_kafka_conf_file(conf, path, &brokers), -1, "an unknown property fails");
	rd_kafka_conf_destroy(conf);

	/* offsets files */
	for (i = 0; i < 8; i++)
		off[i] = -1;
	write_file(path, "{\"topic\":\"t\",\"partition\":3,\"offset\":12}\n\n"
			 "{\"topic\":\"other\",\"partition\":1,\"offset\":5}\n"
			 "{\"topic\":\"t\",\"partition\":0,\"offset\":0}\n");
	set = tx_kafka_load_offsets(path, "t", NULL, off, 8);
	CHECK_EQ_INT(set, 2, "two partitions of t set");
	CHECK_EQ_INT(off[3], 12, "partition 3 at 12");
	CHECK_EQ_INT(off[0], 0, "partition 0 at 0");
	CHECK_EQ_INT(off[1], -1, "partition 1 of another topic ignored");
	write_file(path, "");
	CHECK_EQ_INT(tx_kafka_load_offsets(path, "t", NULL, off, 8), 0, "empty file sets nothing");
	write_file(path, "{\"topic\":\"t\",\"partition\":9,\"offset\":1}\n");
	CHECK_EQ_INT(tx_kafka_load_offsets(path, "t", NULL, off, 8), -1, "partition out of range");
	write_file(path, "{\"topic\":\"t\",\"partition\":1,\"offset\":-1}\n");
	CHECK_EQ_INT(tx_kafka_load_offsets(path, "t", NULL, off, 8), -1, "negative offset");
	write_file(path, "{\"topic\":\"t\",\"partition\":1}\n");
	CHECK_EQ_INT(tx_kafka_load_offsets(path, "t", NULL, off, 8), -1, "missing offset");
	write_file(path, "{\"topic\":\"t\",\"partition\":1,\"offset\":2\n");
	CHECK_EQ_INT(tx_kafka_load_offsets(path, "t", NULL, off, 8), -1, "invalid JSON");
	/* the cluster the offsets belong to */
	write_file(path, "{\"topic\":\"t\",\"partition\":1,\"offset\":7,\"cluster\":\"c1\"}\n");
	CHECK_EQ_INT(tx_kafka_load_offsets(path, "t", "c1", off, 8), 1, "the same cluster");
	CHECK_EQ_INT(off[1], 7, "partition 1 at 7");
	CHECK_EQ_INT(tx_kafka_load_offsets(path, "t", "c2", off, 8), -1, "another cluster refused");
	CHECK_EQ_INT(tx_kafka_load_offsets(path, "other", "c2", off, 8), 0,
		     "another topic's cluster is not checked");
	write_file(path, "{\"topic\":\"t\",\"partition\":1,\"offset\":7,\"cluster\":5}\n");
	CHECK_EQ_INT(tx_kafka_load_offsets(path, "t", NULL, off, 8), -1, "a cluster not a string");
	remove(path);

	/* sorted by partition: the unplaced first, each partition's in order */
	{
		static const struct elem v[] = {{0, 2}, {1, -1}, {2, 0}, {3, 2},
						{4, 1}, {5, -1}, {6, 0}};
		static const struct elem bad[] = {{0, 1}, {1, 3}};
		sorted_ids(v, 7, 3, got, sizeof(got));
		CHECK(!strcmp(got, "1 5 2 6 4 0 3 "), "sorted by partition, stable");
		sorted_ids(v, 7, 4, got, sizeof(got));
		CHECK(!strcmp(got, "1 5 2 6 4 0 3 "), "an empty partition changes nothing");
		sorted_ids(bad, 2, 3, got, sizeof(got));
		CHECK(!strcmp(got, "-1"), "a partition past the count is refused");
		sorted_ids(v, 7, 0, got, sizeof(got));
		CHECK(!strcmp(got, "-1"), "no partitions: refused");
		sorted_ids(v, 7, TX_KAFKA_SORT_MAX + 1, got, sizeof(got));
		CHECK(!strcmp(got, "-1"), "over TX_KAFKA_SORT_MAX: refused");
	}
	return unit_done();
}
