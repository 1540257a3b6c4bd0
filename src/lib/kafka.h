/*
 * kafka.h: what txpub and txsub share about Kafka (the kcat conventions).
 *
 * Options: -b brokers, -t topic, -X name=value (also -X list, -X dump),
 * -F file, -q, -v, --progress, --connect-timeout. tx_kafka_getopt() handles
 * them inside each program's getopt_long() loop; tx_kafka_conf() (through
 * tx_kafka_opts_conf(), which also serves -X dump) then builds the
 * librdkafka configuration, lowest precedence first:
 *
 *   1. txkit's defaults for every client (a reconnect backoff of at most
 *      1 s, as the Java clients'), then the program's own (txpub:
 *      idempotence, acks=all, ...);
 *   2. the config file: -F FILE, else $TXKIT_CONFIG, else
 *      ~/.config/txkit/kafka.conf when it exists. librdkafka-style
 *      "name=value" lines; '#' starts a comment line; blank lines are
 *      skipped; errors are reported as "FILE:LINE: ...";
 *   3. -X name=value, in command-line order;
 *   4. the brokers: -b, else bootstrap.servers given with -X, else
 *      $TX_BROKERS, else bootstrap.servers from the config file, else
 *      localhost:9092.
 *
 * Secrets (any property whose name contains "password" or "secret", and
 * the private key properties) are never printed: -X dump shows them as
 * "[redacted]", and a config file holding one that group or others can
 * read draws a warning.
 *
 * librdkafka's log lines go through tx_warn() ("txpub: kafka: ...") and only
 * with -v: connection retries are its business, the programs report what
 * the user must know. Fatal client errors are always reported.
 */
#ifndef TX_KAFKA_H
#define TX_KAFKA_H

#include <stdint.h>
#include <stdio.h>

#include <librdkafka/rdkafka.h>

#include "progress.h"

/* The brokers used when nothing else names them. */
#define TX_KAFKA_DEFAULT_BROKERS "localhost:9092"
/* How long to wait for the first answer from the cluster (--connect-timeout). */
#define TX_KAFKA_DEFAULT_CONNECT_TIMEOUT_MS 10000
/* How long the brokers still have to answer once every one has refused a connection. */
#define TX_KAFKA_REFUSED_GRACE_MS 1000

struct tx_kafka_prop {
	char *name, *value; /* owned */
};

struct tx_kafka_opts {
	const char *brokers;	     /* -b, borrowed from argv; NULL if not given */
	const char *topic;	     /* -t, borrowed; the program's default until given */
	const char *config_file;     /* -F, borrowed; NULL if not given */
	struct tx_kafka_prop *props; /* -X name=value, in order, owned */
	size_t nprops, props_cap;
	int list, dump;		/* -X list, -X dump */
	int verbose;		/* -v given this many times */
	int progress;		/* --progress */
	int connect_timeout_ms; /* --connect-timeout, in ms */
	/* Filled in by tx_kafka_conf(): where the brokers came from and what they are. */
	char *bootstrap;	 /* owned */
	const char *config_used; /* the config file read, or NULL (points into env or a static) */
};

void tx_kafka_opts_init(struct tx_kafka_opts *o);
void tx_kafka_opts_release(struct tx_kafka_opts *o);
/*
 * A Kafka program's cmd_main(): run main with fresh options, released on
 * every way out, early usage errors too (git frees, where it once used
 * UNLEAK). Returns main's status.
 */
int tx_kafka_run(int (*main)(int argc, char **argv, struct tx_kafka_opts *ko), int argc,
		 char **argv);

/*
 * rd_kafka_destroy_flags(rk, flags), waited for until deadline (tx_now_ns()
 * time). 0 when it returned; -1 when it did not (librdkafka's destroy waits
 * as long as the group's session timeout for a coordinator that does not
 * answer). rk is then left running: tx_kafka_run() ends the process with
 * _exit(), so that no exit handler runs under librdkafka's threads.
 */
int tx_kafka_destroy_by(rd_kafka_t *rk, int flags, uint64_t deadline);

/*
 * The short options tx_kafka_getopt() handles, for the getopt string, and
 * the long ones (their val fields are TX_KAFKA_OPT_* and progress.h's
 * TX_PROGRESS_OPT), for the option table.
 */
#define TX_KAFKA_SHORTOPTS "b:F:qt:vX:"
enum { TX_KAFKA_OPT_CONNECT_TIMEOUT = 0x1001 };
#define TX_KAFKA_LONGOPTS                                                                          \
	TX_PROGRESS_LONGOPT,                                                                       \
	{                                                                                          \
		"connect-timeout", required_argument, NULL, TX_KAFKA_OPT_CONNECT_TIMEOUT           \
	}

/*
 * Handle one option returned by getopt_long(). Returns 1 when it was one of
 * ours, 0 when it was not (the program handles it), -1 after reporting a bad
 * argument (the program exits with TX_EXIT_USAGE): an empty -b or -t, a bad
 * -X or --connect-timeout. -q sets tx_quiet.
 */
int tx_kafka_getopt(struct tx_kafka_opts *o, int c, const char *arg);

/*
 * The tail of a Kafka program's option parsing, once its own options are
 * checked: the configuration from tx_kafka_conf(o, defaults), then set(conf,
 * arg) when set is not NULL (what the program's options decide, as txsub's
 * group; it returns -1 after reporting), then -X dump. Returns -1 with *conf
 * the configuration to use (the caller owns it), or the exit status with
 * *conf NULL: TX_EXIT_OK after -X dump printed it, TX_EXIT_USAGE after
 * reporting a bad configuration. (-X list is the program's to handle first,
 * with tx_kafka_list(): it needs no configuration.)
 */
int tx_kafka_opts_conf(struct tx_kafka_opts *o, const char *const *defaults,
		       int (*set)(rd_kafka_conf_t *conf, void *arg), void *arg,
		       rd_kafka_conf_t **conf);

/* -X ARG alone: "list", "dump" or "name=value". 0, or -1 after reporting. */
int tx_kafka_opt_X(struct tx_kafka_opts *o, const char *arg);

/*
 * Build the configuration in the order described above. defaults is a
 * NULL-terminated list of name, value pairs (may be NULL). Installs the log
 * and error callbacks. Returns a new conf (the caller passes it to
 * rd_kafka_new() or destroys it), or NULL after reporting the error.
 */
rd_kafka_conf_t *tx_kafka_conf(struct tx_kafka_opts *o, const char *const *defaults);

/*
 * -X list: print librdkafka's property table. -X dump: print conf as
 * "name=value" lines (the config file's format), global then topic
 * properties, secrets redacted, callbacks and opaques left out.
 */
void tx_kafka_list(FILE *fp);
void tx_kafka_dump(rd_kafka_conf_t *conf, FILE *fp);

/* Whether a property holds a secret that must never be printed. */
int tx_kafka_is_secret(const char *name);

/*
 * Read a config file into conf. Returns 0, or -1 after reporting
 * "FILE:LINE: ..." (or the open error). *brokers_set tells whether the file
 * named bootstrap.servers (or its alias metadata.broker.list).
 */
int tx_kafka_conf_file(rd_kafka_conf_t *conf, const char *path, int *brokers_set);

/*
 * Wait up to timeout_ms for the cluster to answer a metadata request about
 * topic. Returns its partition count (0 when the cluster does not know the
 * topic, with *topic_err set), -1 after reporting that the brokers could
 * not be reached (the caller exits with TX_EXIT_UNAVAILABLE), or -2 when a
 * signal (tx_signal, progress.h) interrupted the wait. With topic NULL,
 * no topic is asked about (none is created by the asking) and the count of
 * brokers is returned.
 *
 * When every broker refuses the connection (or its name does not resolve),
 * it gives up TX_KAFKA_REFUSED_GRACE_MS after librdkafka reported it, not at
 * the timeout; with brokers, the default, the message suggests txbroker -d.
 * It serves rk's main queue (rd_kafka_poll()): call it before
 * rd_kafka_poll_set_consumer() and before producing.
 */
int tx_kafka_wait_metadata(rd_kafka_t *rk, const char *topic, const char *brokers, int timeout_ms,
			   rd_kafka_resp_err_t *topic_err);

/*
 * Create topic with this many partitions, each with replication replicas
 * (-1: the brokers' default.replication.factor), waiting up to timeout_ms
 * for the controller's answer. Returns 1 when it was created, 0 when it
 * exists already (its partition count is not checked: read the metadata),
 * or -1 after reporting why it could not be created.
 */
/*
 * After delivery: whether the log of each partition p of topic still holds
 * first[p], the first offset delivered there (-1: none), for p < n. A log
 * that starts past it has dropped records that were acknowledged (a broker
 * that keeps little, as txbroker's in-memory partitions, or a retention
 * shorter than the run): each such partition is reported as an error, with
 * its offsets and what to do. Returns how many partitions lost records, or
 * -1 after reporting that the brokers did not answer.
 */
int tx_kafka_check_kept(rd_kafka_t *rk, const char *topic, const int64_t *first, int n,
			int timeout_ms);

int tx_kafka_create_topic(rd_kafka_t *rk, const char *topic, int partitions, int replication,
			  int timeout_ms);

/*
 * State the error callback keeps: set when librdkafka reports a fatal error
 * (the idempotent producer's sequence is broken, for instance). The message
 * has already been printed.
 */
extern volatile int tx_kafka_fatal;

/*
 * A partition list: "3", "0-7", "0,2,5", "0-3,6". Sets want[p] = 1 for each
 * partition named (want has n entries, all partitions of the topic).
 * Returns 0, or -1 after reporting a bad list or a partition >= n. With
 * want NULL (and n INT_MAX), only the list's form is checked: a command
 * line is checked before the brokers are asked how many partitions there are.
 */
int tx_kafka_parse_partitions(const char *s, unsigned char *want, int n);

/*
 * The offsets file (doc/interfaces.txt): NDJSON lines
 * {"topic":"t","partition":3,"offset":12346,"cluster":"id"}, each the NEXT
 * offset to read; "cluster" is optional. Fills offsets[p] for the lines
 * about topic (partitions < n); the others are left as they were. Lines
 * about other topics are skipped. A line about topic whose "cluster" is not
 * cluster (the id of the cluster connected to; NULL: not known, not
 * checked) is refused: its offsets mean nothing there. Returns the number
 * of partitions set, or -1 after reporting "FILE:LINE: ...".
 */
int tx_kafka_load_offsets(const char *path, const char *topic, const char *cluster,
			  int64_t *offsets, int n);

/*
 * rd_kafka_new() returned NULL with errstr: report it and return the exit
 * status: TX_EXIT_SOFTWARE when the system refused a resource (librdkafka
 * could not start a thread: RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE), as for
 * memory, else TX_EXIT_USAGE (the configuration is wrong).
 */
int tx_kafka_new_failed(const char *errstr);

/*
 * The partition of a key among n (> 0) as the Java client places it, and
 * librdkafka's murmur2_random partitioner: murmur2 of the key bytes (Java's
 * Utils.murmur2, seed 0x9747b28c), made positive, modulo n. A producer that
 * knows the partition count can place keyed records itself and hand them to
 * librdkafka already partitioned.
 */
uint32_t tx_kafka_murmur2(const void *key, size_t len);
static inline int32_t tx_kafka_key_partition(const void *key, size_t len, int32_t n)
{
	return (int32_t)((tx_kafka_murmur2(key, len) & 0x7fffffff) % (uint32_t)n);
}

/*
 * The partition count of topic as the cluster reports it within timeout_ms,
 * or -1 (nothing is reported: the caller keeps what it knew).
 */
int tx_kafka_partition_count(rd_kafka_t *rk, rd_kafka_topic_t *rkt, int timeout_ms);

/*
 * What every txkit producer (txpub, txhttp -t) starts from, before the
 * config file, -X and -b: idempotence, acks=all, Java's key placement
 * (murmur2_random), and batching. name, value pairs, NULL-terminated.
 */
extern const char *const tx_kafka_producer_defaults[];
/*
 * Keys placed by the producer itself, as librdkafka's murmur2_random
 * partitioner and Java's client place them (tx_kafka_key_partition()): the
 * records then go to librdkafka already partitioned, and sorted
 * (tx_kafka_sort_by_partition()), and rd_kafka_produce_batch() takes each
 * partition's run at once, with neither the partitioner nor the clock per
 * record. Placing needs the partition count, and a topic can grow: it is
 * asked for again now and then (topic.metadata.refresh.interval.ms, at most
 * a minute, as librdkafka does for its own partitioner), and every second
 * while the topic is not known yet (the first record may create it).
 */
struct tx_kafka_placer {
	rd_kafka_t *rk;
	rd_kafka_topic_t *rkt;
	int on;		     /* the partitioner is murmur2_random, and the caller may place */
	int refresh_ms;	     /* how often to ask again, -1: never once known */
	uint64_t refresh_ns; /* when to ask next (atomic) */
	int32_t nparts; /* the count to place with, 0: none (atomic; tx_kafka_placer_count()) */
	int asking;	/* a thread is asking: the others go on (atomic) */
};
/* From the producer's configuration, before rd_kafka_new(); may: the caller can place. */
void tx_kafka_placer_init(struct tx_kafka_placer *pl, rd_kafka_conf_t *conf, int may);
/* The client and topic to ask; nparts, when known (> 0), is the count for now. */
void tx_kafka_placer_start(struct tx_kafka_placer *pl, rd_kafka_t *rk, rd_kafka_topic_t *rkt,
			   int32_t nparts);
/* Ask for the partition count when it is due (up to a second); from any thread. */
void tx_kafka_placer_refresh(struct tx_kafka_placer *pl);
/* The partition count to place keys with; 0: none (librdkafka places them). */
static inline int32_t tx_kafka_placer_count(struct tx_kafka_placer *pl)
{
	return __atomic_load_n(&pl->nparts, __ATOMIC_RELAXED);
}
/*
 * Copy n elements of size bytes from in to out, sorted by the int32_t
 * partition at offset part_off in each (a counting sort, so each
 * partition's elements keep their order): RD_KAFKA_PARTITION_UA first, then
 * 0 to nparts - 1. 0, or -1 when nparts is above TX_KAFKA_SORT_MAX (out is
 * then left alone).
 */
#define TX_KAFKA_SORT_MAX 4096
int tx_kafka_sort_by_partition(const void *in, void *out, size_t n, size_t size, size_t part_off,
			       int32_t nparts);
/* A numeric property of conf, or dflt when it cannot be read (producer.c). */
uint64_t tx_kafka_conf_uint(rd_kafka_conf_t *conf, const char *name, uint64_t dflt);
/* Whether the (default topic, else global) property name of conf is value. */
int tx_kafka_conf_is(rd_kafka_conf_t *conf, const char *name, const char *value);

#endif
