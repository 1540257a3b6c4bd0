/*
 * libFuzzer target for Kafka config files (kafka.c: tx_kafka_conf_file(),
 * what txpub and txsub read with -F, $TXKIT_CONFIG or
 * ~/.config/txkit/kafka.conf): `make fuzz` or `make fuzz-smoke`.
 *
 * The input is the whole file. Invariants besides "no crash, no sanitizer
 * report, no leak": an accepted file leaves a configuration that
 * tx_kafka_dump() can print, and no value of a secret property ever
 * appears in that dump (each is "[redacted]").
 */
#define _GNU_SOURCE 1 /* memfd_create (memfile.h) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memfile.h"
#include "kafka.h"
#include "tx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	const char *path = fuzz_file(data, size);
	char *dump = NULL;
	size_t dumplen = 0;
	int brokers = 0;

	tx_progname = "fuzz-kafkaconf";
	if (tx_kafka_conf_file(conf, path, &brokers) == 0) {
		FILE *fp = open_memstream(&dump, &dumplen);
		if (!fp)
			abort();
		tx_kafka_dump(conf, fp);
		fclose(fp);
		/* every secret line of the dump is redacted */
		for (char *l = dump; l && *l;) {
			char *nl = strchr(l, '\n'), *eq = strchr(l, '=');
			if (nl)
				*nl = '\0';
			if (eq && *l != '#') {
				*eq = '\0';
				if (tx_kafka_is_secret(l) && strcmp(eq + 1, "[redacted]"))
					abort();
			}
			l = nl ? nl + 1 : l + strlen(l);
		}
		free(dump);
	}
	rd_kafka_conf_destroy(conf);
	return 0;
}
