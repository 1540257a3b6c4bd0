/*
 * txbroker: a local Kafka broker for a first try and for tests.
 *
 * It runs librdkafka's mock cluster (rdkafka_mock.h) on loopback: N brokers,
 * the topics asked for, nothing on disk. In the foreground it prints the
 * bootstrap address and runs until SIGINT or SIGTERM; with -d it detaches
 * and prints shell assignments, ssh-agent style, so `eval "$(txbroker -d)"`
 * sets TX_BROKERS; -k stops it again.
 *
 * Failure injection for tests goes through a control socket (a Unix stream
 * socket taking one command line per connection and answering "ok" or
 * "error: ..."): brokers down and up, injected request errors, added
 * latency, new topics. `txbroker -c COMMAND` is its client.
 *
 * Limits: the mock cluster keeps each partition in memory and, past
 * MOCK_PARTITION_BYTES or MOCK_PARTITION_BATCHES, silently drops its oldest
 * batches (librdkafka 2.0.2, rdkafka_mock.c: max_size 5 MiB, max_cnt 100000
 * message sets, not settable). txbroker says so when it starts, and a
 * watcher (its own client) looks at every partition's log start offset a
 * few times a second: once one has moved past 0, records were dropped.
 * From then on every produce request is refused (an injected non-retriable
 * error, so producers fail instead of losing more), `txbroker -c status`
 * and `txbroker -k` report the lost offsets and exit 5, and consumers that
 * read from the start find the gap (txsub(1)).
 *
 * With --kafka it runs a real single-node Apache Kafka (KRaft) instead,
 * its data in a directory that outlives it (--data), behind the same -d
 * and -k interface: the script txkit-kafka (installed in pkglibexecdir;
 * the test suite's tests/kafka.sh runs the same script) fetches the jars,
 * formats the storage, starts and stops the JVM; txbroker creates the
 * topics with librdkafka's admin API.
 */
#define _GNU_SOURCE /* accept4, pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "kafka.h"
#include "progress.h"
#include "tx.h"

#define DEFAULT_TOPIC	   "transactions"
#define DEFAULT_PARTITIONS 128
#define MAX_BROKERS	   32
#define MAX_PARTITIONS	   10000
#define MAX_ERRORS	   100000

/* The mock cluster's retention per partition (see the top of this file). */
#define MOCK_PARTITION_BYTES   (5 * 1024 * 1024)
#define MOCK_PARTITION_BATCHES 100000
/* How often the watcher looks at the partitions, and refreshes their list. */
#define WATCH_MS    100
#define METADATA_MS 1000
/* The error every produce request gets once records were dropped. */
#define FULL_ERROR RD_KAFKA_RESP_ERR_POLICY_VIOLATION

/* A partition the mock cluster dropped records of: offsets 0 to start - 1. */
struct lost {
	char *topic;
	int32_t partition;
	int64_t start;
};

/* The watcher: a client of the cluster itself (see the top of this file). */
struct watch {
	rd_kafka_t *rk;
	rd_kafka_topic_partition_list_t *parts; /* every partition, offset -2 (earliest) */
	uint64_t next_ns, next_md_ns;
	struct lost *lost;
	size_t nlost;
	int refusing;
	/*
	 * Brokers set down by the control socket: the watcher does not look
	 * while any is, since its look waits for an answer the loop that
	 * serves "up" cannot give meanwhile, and it must not change what a
	 * client sees of an outage.
	 */
	unsigned char down[MAX_BROKERS + 1];
	int ndown;
	int off; /* "watch off": look only when asked (status) */
};

struct topic_spec {
	char *name;
	int partitions; /* 0: the -p default */
};

struct opts {
	int brokers;
	int partitions;
	struct topic_spec *topics;
	size_t ntopics;
	int daemon;
	int verbose;
	const char *control;
	int kafka;	  /* --kafka: Apache Kafka through txkit-kafka */
	const char *data; /* its directory (--data) */
};

static int wake_pipe[2] = {-1, -1};
static int verbosity;

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s [-dqv] [-B brokers] [--control socket] [-p partitions]\n"
		"                [-t topic[:partitions]] ...\n"
		"       %s --kafka [-dqv] [--data dir] [-p partitions]\n"
		"                [-t topic[:partitions]] ...\n"
		"       %s -k\n"
		"       %s [--control socket] -c command\n",
		tx_progname, tx_progname, tx_progname, tx_progname);
}

static void log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	/* Errors always (unless -q), warnings and notices with -v, debug with -vv. */
	if (tx_quiet || (level > LOG_ERR && verbosity < 1) || (level >= LOG_DEBUG && verbosity < 2))
		return;
	fprintf(stderr, "%s: librdkafka: %s: %s\n", tx_progname, fac, buf);
}

/* --- names for the control commands ------------------------------------ */

static const struct {
	const char *name;
	int16_t key;
} api_names[] = {
    {"Produce", 0},
    {"Fetch", 1},
    {"ListOffsets", 2},
    {"Metadata", 3},
    {"OffsetCommit", 8},
    {"OffsetFetch", 9},
    {"FindCoordinator", 10},
    {"JoinGroup", 11},
    {"Heartbeat", 12},
    {"LeaveGroup", 13},
    {"SyncGroup", 14},
    {"ApiVersion", 18},
    {"ApiVersions", 18},
    {"InitProducerId", 22},
    {"OffsetForLeaderEpoch", 23},
    {"AddPartitionsToTxn", 24},
    {"AddOffsetsToTxn", 25},
    {"EndTxn", 26},
    {"TxnOffsetCommit", 28},
};

static int parse_api_key(const char *s, int16_t *key)
{
	int64_t n;
	size_t i;

	for (i = 0; i < sizeof(api_names) / sizeof(api_names[0]); i++)
		if (!strcasecmp(s, api_names[i].name)) {
			*key = api_names[i].key;
			return 0;
		}
	if (tx_parse_int64(s, 0, 100, &n) == 0) {
		*key = (int16_t)n;
		return 0;
	}
	return -1;
}

/* An error by librdkafka's name (NOT_LEADER_FOR_PARTITION, _TRANSPORT) or by number. */
static int parse_error(const char *s, rd_kafka_resp_err_t *err)
{
	const struct rd_kafka_err_desc *descs;
	size_t n, i;
	int64_t v;

	if (!strncasecmp(s, "RD_KAFKA_RESP_ERR_", 18))
		s += 18;
	rd_kafka_get_err_descs(&descs, &n);
	for (i = 0; i < n; i++)
		if (descs[i].name && !strcasecmp(s, descs[i].name)) {
			*err = descs[i].code;
			return 0;
		}
	if (tx_parse_int64(s, -200, 200, &v) == 0) {
		*err = (rd_kafka_resp_err_t)v;
		return 0;
	}
	return -1;
}

/* --- the control socket ------------------------------------------------ */

/*
 * Run one control command against the cluster; write the reply ("ok" or
 * "error: ...") into reply.
 */
static void lost_describe(const struct watch *w, char *out, size_t size);
static void watch_tick(struct watch *w, rd_kafka_mock_cluster_t *mc, int now);

static void control_run(rd_kafka_mock_cluster_t *mc, struct watch *w, int nbrokers, char *line,
			char *reply, size_t replysz)
{
	char *argv[8];
	int argc = 0;
	char *save = NULL, *tok;
	int64_t id = 0, n;
	int first, last, b;
	rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;

	for (tok = strtok_r(line, " \t\r\n", &save); tok && argc < 8;
	     tok = strtok_r(NULL, " \t\r\n", &save))
		argv[argc++] = tok;
	snprintf(reply, replysz, "ok");
	if (argc == 0) {
		snprintf(reply, replysz, "error: empty command");
		return;
	}
	if (!strcmp(argv[0], "ping") && argc == 1)
		return;
	if (!strcmp(argv[0], "status") && argc == 1) {
		watch_tick(w, mc, 1); /* as of now, not of the last look */
		if (w->nlost) {
			char what[400];
			lost_describe(w, what, sizeof(what));
			snprintf(reply, replysz, "error: %s", what);
		}
		return;
	}

	/* Commands naming a broker: "all" or an id from 1 to N. */
	if ((!strcmp(argv[0], "down") || !strcmp(argv[0], "up") || !strcmp(argv[0], "rtt")) &&
	    argc >= 2) {
		if (!strcmp(argv[1], "all")) {
			first = 1;
			last = nbrokers;
		} else if (tx_parse_int64(argv[1], 1, nbrokers, &id) == 0) {
			first = last = (int)id;
		} else {
			snprintf(reply, replysz, "error: no broker '%s' (1 to %d, or all)", argv[1],
				 nbrokers);
			return;
		}
		if (!strcmp(argv[0], "rtt")) {
			if (argc != 3 || tx_parse_int64(argv[2], 0, 600000, &n) != 0) {
				snprintf(reply, replysz, "error: usage: rtt BROKER|all MS");
				return;
			}
		} else if (argc != 2) {
			snprintf(reply, replysz, "error: usage: %s BROKER|all", argv[0]);
			return;
		}
		for (b = first; b <= last && !err; b++) {
			if (!strcmp(argv[0], "down"))
				err = rd_kafka_mock_broker_set_down(mc, b);
			else if (!strcmp(argv[0], "up"))
				err = rd_kafka_mock_broker_set_up(mc, b);
			else
				err = rd_kafka_mock_broker_set_rtt(mc, b, (int)n);
			if (!err && strcmp(argv[0], "rtt") && w) {
				int d = !strcmp(argv[0], "down");
				w->ndown += d - w->down[b];
				w->down[b] = (unsigned char)d;
			}
		}
	} else if (!strcmp(argv[0], "errors")) {
		int16_t key;
		rd_kafka_resp_err_t e, *errs;
		size_t i;

		if (argc != 4) {
			snprintf(reply, replysz, "error: usage: errors API COUNT ERROR");
			return;
		}
		if (parse_api_key(argv[1], &key) != 0) {
			snprintf(reply, replysz, "error: unknown request type '%s'", argv[1]);
			return;
		}
		if (tx_parse_int64(argv[2], 1, MAX_ERRORS, &n) != 0) {
			snprintf(reply, replysz, "error: bad count '%s' (1 to %d)", argv[2],
				 MAX_ERRORS);
			return;
		}
		if (parse_error(argv[3], &e) != 0) {
			snprintf(reply, replysz, "error: unknown error '%s'", argv[3]);
			return;
		}
		errs = tx_malloc((size_t)n * sizeof(*errs));
		for (i = 0; i < (size_t)n; i++)
			errs[i] = e;
		rd_kafka_mock_push_request_errors_array(mc, key, (size_t)n, errs);
		free(errs);
	} else if (!strcmp(argv[0], "clear")) {
		int16_t key;

		if (argc != 2 || parse_api_key(argv[1], &key) != 0) {
			snprintf(reply, replysz, "error: usage: clear API");
			return;
		}
		rd_kafka_mock_clear_request_errors(mc, key);
	} else if (!strcmp(argv[0], "watch")) {
		if (argc != 2 || (strcmp(argv[1], "off") && strcmp(argv[1], "on"))) {
			snprintf(reply, replysz, "error: usage: watch off|on");
			return;
		}
		if (w) {
			w->off = !strcmp(argv[1], "off");
			if (!w->off)
				watch_tick(w, mc, 1); /* what happened meanwhile, now */
		}
	} else if (!strcmp(argv[0], "topic")) {
		if (argc != 3 || tx_parse_int64(argv[2], 1, MAX_PARTITIONS, &n) != 0) {
			snprintf(reply, replysz, "error: usage: topic NAME PARTITIONS");
			return;
		}
		err = rd_kafka_mock_topic_create(mc, argv[1], (int)n, nbrokers < 3 ? nbrokers : 3);
	} else {
		snprintf(reply, replysz, "error: unknown command '%s'", argv[0]);
		return;
	}
	if (err)
		snprintf(reply, replysz, "error: %s", rd_kafka_err2str(err));
}

static int control_listen(const char *path)
{
	struct sockaddr_un sa;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path))
		return tx_error("control socket path too long: '%s'", path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return tx_error_errno("socket");
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 8) < 0) {
		tx_error_errno("control socket '%s'", path);
		close(fd);
		return -1;
	}
	return fd;
}

/* Serve one control connection: read a line (bounded wait), run it, answer. */
static void control_serve(int lfd, rd_kafka_mock_cluster_t *mc, struct watch *w, int nbrokers)
{
	char line[512], reply[512];
	size_t len = 0;
	int cfd;
	ssize_t r;
	struct pollfd p;

	cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (cfd < 0)
		return;
	p.fd = cfd;
	p.events = POLLIN;
	while (len < sizeof(line) - 1 && !memchr(line, '\n', len)) {
		if (poll(&p, 1, 2000) <= 0)
			break;
		r = read(cfd, line + len, sizeof(line) - 1 - len);
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	line[len] = '\0';
	if (verbosity >= 1)
		fprintf(stderr, "%s: control: %.*s\n", tx_progname, (int)strcspn(line, "\r\n"),
			line);
	control_run(mc, w, nbrokers, line, reply, sizeof(reply));
	len = strlen(reply);
	reply[len++] = '\n';
	if (write(cfd, reply, len) < 0 && verbosity >= 1)
		tx_error_errno("control reply");
	close(cfd);
}

/*
 * Send one command to the control socket at path; its reply (without the
 * newline) in reply. 0, or an exit status (after reporting, with report).
 */
static int control_ask(const char *path, const char *command, char *reply, size_t replysz,
		       int report)
{
	if (tx_control_ask(path, command, reply, replysz) == 0)
		return 0;
	if (errno == ENAMETOOLONG) {
		if (report)
			tx_error("control socket path too long: '%s'", path);
		return TX_EXIT_USAGE;
	}
	if (report)
		tx_error_errno("cannot reach txbroker at '%s'", path);
	return TX_EXIT_UNAVAILABLE;
}

/* txbroker -c COMMAND: send one command, print an error reply, set the status. */
static int control_client(const char *path, const char *command)
{
	char reply[512];
	int rc;

	if (!path || !*path) {
		tx_error("no control socket: give --control or set TXBROKER_CONTROL");
		return TX_EXIT_USAGE;
	}
	if ((rc = control_ask(path, command, reply, sizeof(reply), 1)) != 0)
		return rc;
	if (!strcmp(reply, "ok"))
		return TX_EXIT_OK;
	if (!strncmp(reply, "error: ", 7)) {
		tx_error("%s: %s", command, reply + 7);
		/* status: records were lost, the one thing it reports */
		return strcmp(command, "status") ? TX_EXIT_USAGE : TX_EXIT_UNDELIVERED;
	}
	tx_error("no answer from txbroker at '%s'", path);
	return TX_EXIT_UNAVAILABLE;
}

/* --- -k ----------------------------------------------------------------- */

/* Is pid still running? A zombie waiting for its reaper (init) counts as gone. */
static int process_running(pid_t pid)
{
	char path[64], buf[256], *p;
	FILE *f;
	size_t n;

	if (kill(pid, 0) < 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	f = fopen(path, "r");
	if (!f)
		return 1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* "pid (comm) S ...": the state follows the last ')'. */
	p = strrchr(buf, ')');
	return !(p && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X'));
}

/* Is pid a txbroker? True when /proc cannot say. */
static int is_txbroker(pid_t pid)
{
	char path[64], comm[64];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%ld/comm", (long)pid);
	f = fopen(path, "r");
	if (!f)
		return 1;
	n = fread(comm, 1, sizeof(comm) - 1, f);
	fclose(f);
	comm[n] = '\0';
	comm[strcspn(comm, "\n")] = '\0';
	return !strcmp(comm, "txbroker");
}

static int kafka_script_run(const char *cmd, const char *dir, char *out, size_t outsz);

static int kill_broker(void)
{
	const char *s = getenv("TXBROKER_PID"), *ctl, *kdir = getenv("TXBROKER_KAFKA");
	char lost[512];
	int64_t pid;
	int i, was_lost = 0;

	if (kdir && *kdir) {
		/* txbroker --kafka: the script stops the JVM; the data stays */
		if (kafka_script_run("stop", kdir, NULL, 0) != 0)
			return TX_EXIT_UNAVAILABLE;
		printf("unset TX_BROKERS;\nunset TXBROKER_KAFKA;\n");
		if (!tx_quiet)
			fprintf(stderr, "%s: stopped Apache Kafka on %s (its data stays there)\n",
				tx_progname, kdir);
		return TX_EXIT_OK;
	}

	if (!s || tx_parse_int64(s, 2, INT_MAX, &pid) != 0) {
		tx_error("TXBROKER_PID is not set to a process id");
		return TX_EXIT_USAGE;
	}
	/*
	 * A stale TXBROKER_PID may name some other process by now: stop only
	 * a txbroker (where /proc tells).
	 */
	if (!is_txbroker((pid_t)pid)) {
		tx_error("process %lld is not a txbroker: not stopping it", (long long)pid);
		return TX_EXIT_UNAVAILABLE;
	}
	/* Whether it dropped records, asked before it goes (see the top of this file). */
	ctl = getenv("TXBROKER_CONTROL");
	if (ctl && *ctl && control_ask(ctl, "status", lost, sizeof(lost), 0) == 0 &&
	    !strncmp(lost, "error: ", 7))
		was_lost = 1;
	if (kill((pid_t)pid, SIGTERM) < 0) {
		tx_error_errno("cannot stop txbroker %lld", (long long)pid);
		return TX_EXIT_UNAVAILABLE;
	}
	/* Wait (bounded) until it is gone, so the port is free when we return. */
	for (i = 0; i < 100 && process_running((pid_t)pid); i++)
		usleep(50000);
	printf("unset TX_BROKERS;\nunset TXBROKER_PID;\nunset TXBROKER_CONTROL;\n");
	if (!tx_quiet)
		fprintf(stderr, "%s: stopped txbroker %lld\n", tx_progname, (long long)pid);
	if (was_lost) {
		tx_error("%s", lost + 7);
		return TX_EXIT_UNDELIVERED;
	}
	return TX_EXIT_OK;
}

/* --- the broker ---------------------------------------------------------- */

static int parse_topic(const char *arg, struct topic_spec *t)
{
	const char *colon = strrchr(arg, ':');
	int64_t n;

	t->partitions = 0;
	t->name = NULL; /* the caller frees it, also when the spec is bad */
	if (colon) {
		if (tx_parse_int64(colon + 1, 1, MAX_PARTITIONS, &n) != 0)
			return tx_error("bad partition count in '%s' (1 to %d)", arg,
					MAX_PARTITIONS);
		t->partitions = (int)n;
		t->name = tx_strndup(arg, (size_t)(colon - arg));
	} else {
		t->name = tx_strdup(arg);
	}
	if (!*t->name || strlen(t->name) > 249 ||
	    strspn(t->name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") !=
		strlen(t->name))
		return tx_error("bad topic name '%s' (letters, digits, '.', '_', '-')", t->name);
	return 0;
}

/*
 * Start the cluster. On success *rkp and *mcp are set and the bootstrap
 * address is in addr; on failure an error is reported and -1 returned.
 */
static int cluster_start(const struct opts *o, rd_kafka_t **rkp, rd_kafka_mock_cluster_t **mcp,
			 char *addr, size_t addrsz)
{
	char errstr[512];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_mock_cluster_t *mc;
	rd_kafka_t *rk;
	size_t i;
	int rf = o->brokers < 3 ? o->brokers : 3;

	rd_kafka_conf_set_log_cb(conf, log_cb);
	if (rd_kafka_conf_set(conf, "client.id", "txbroker", errstr, sizeof(errstr)) ||
	    (verbosity >= 2 && rd_kafka_conf_set(conf, "debug", "mock", errstr, sizeof(errstr)))) {
		rd_kafka_conf_destroy(conf);
		return tx_error("librdkafka configuration: %s", errstr);
	}
	/* The handle only hosts the cluster: it never connects anywhere. */
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
	if (!rk) {
		rd_kafka_conf_destroy(conf);
		return tx_error("cannot create the librdkafka handle: %s", errstr);
	}
	mc = rd_kafka_mock_cluster_new(rk, o->brokers);
	if (!mc) {
		rd_kafka_destroy(rk);
		return tx_error("cannot start the mock cluster (no loopback socket?)");
	}
	for (i = 0; i < o->ntopics; i++) {
		int np = o->topics[i].partitions ? o->topics[i].partitions : o->partitions;
		rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(mc, o->topics[i].name, np, rf);

		if (err) {
			tx_error("cannot create topic '%s': %s", o->topics[i].name,
				 rd_kafka_err2str(err));
			rd_kafka_mock_cluster_destroy(mc);
			rd_kafka_destroy(rk);
			return -1;
		}
		if (verbosity >= 1)
			fprintf(stderr, "%s: topic %s: %d partitions\n", tx_progname,
				o->topics[i].name, np);
	}
	if ((size_t)snprintf(addr, addrsz, "%s", rd_kafka_mock_cluster_bootstraps(mc)) >= addrsz) {
		rd_kafka_mock_cluster_destroy(mc);
		rd_kafka_destroy(rk);
		return tx_error("bootstrap address too long");
	}
	*rkp = rk;
	*mcp = mc;
	return 0;
}

/* --- the watcher (see the top of this file) ------------------------------ */

static void watch_log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	/* Its own connection errors (a broker set down) are not news: -vv only. */
	if (verbosity >= 2)
		log_cb(rk, level, fac, buf);
}

static void watch_start(struct watch *w, const char *addr)
{
	char errstr[512];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();

	memset(w, 0, sizeof(*w));
	rd_kafka_conf_set_log_cb(conf, watch_log_cb);
	if (rd_kafka_conf_set(conf, "bootstrap.servers", addr, errstr, sizeof(errstr)) ||
	    rd_kafka_conf_set(conf, "client.id", "txbroker-watch", errstr, sizeof(errstr)) ||
	    !(w->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr)))) {
		rd_kafka_conf_destroy(conf);
		tx_warn("cannot watch the partitions for dropped records: %s", errstr);
	}
}

static void watch_stop(struct watch *w)
{
	size_t i;

	if (w->parts)
		rd_kafka_topic_partition_list_destroy(w->parts);
	if (w->rk)
		rd_kafka_destroy(w->rk);
	for (i = 0; i < w->nlost; i++)
		free(w->lost[i].topic);
	free(w->lost);
}

/* Every partition of every topic but Kafka's own ("__..."), to ask for the earliest offset. */
static void watch_refresh(struct watch *w)
{
	const struct rd_kafka_metadata *md;
	rd_kafka_topic_partition_list_t *l;
	int t, p;

	if (rd_kafka_metadata(w->rk, 1, NULL, &md, 500) != RD_KAFKA_RESP_ERR_NO_ERROR)
		return;
	l = rd_kafka_topic_partition_list_new(64);
	for (t = 0; t < md->topic_cnt; t++) {
		if (md->topics[t].err || !strncmp(md->topics[t].topic, "__", 2))
			continue;
		for (p = 0; p < md->topics[t].partition_cnt; p++)
			rd_kafka_topic_partition_list_add(l, md->topics[t].topic,
							  md->topics[t].partitions[p].id);
	}
	rd_kafka_metadata_destroy(md);
	if (w->parts)
		rd_kafka_topic_partition_list_destroy(w->parts);
	w->parts = l;
}

/* What was dropped, for messages: the first partition and how many more. */
static void lost_describe(const struct watch *w, char *out, size_t size)
{
	const struct lost *l = &w->lost[0];

	snprintf(out, size,
		 "records were dropped: topic '%.100s' partition %d offsets 0-%lld%s%.0zu%s (the "
		 "mock cluster keeps at most %d MiB or %d batches per partition, in memory)",
		 l->topic, (int)l->partition, (long long)l->start - 1,
		 w->nlost > 1 ? ", and in " : "", w->nlost > 1 ? w->nlost - 1 : 0,
		 w->nlost > 1 ? " more partitions" : "", MOCK_PARTITION_BYTES / (1024 * 1024),
		 MOCK_PARTITION_BATCHES);
}

/* Note a partition whose log starts at start > 0; 1 when that is news. */
static int lost_note(struct watch *w, const char *topic, int32_t partition, int64_t start)
{
	size_t i;

	for (i = 0; i < w->nlost; i++)
		if (w->lost[i].partition == partition && !strcmp(w->lost[i].topic, topic)) {
			if (start <= w->lost[i].start)
				return 0;
			w->lost[i].start = start;
			return 1;
		}
	w->lost = tx_reallocarray(w->lost, w->nlost + 1, sizeof(*w->lost));
	w->lost[w->nlost++] = (struct lost){tx_strdup(topic), partition, start};
	return 1;
}

/*
 * Look at the partitions' log start offsets (every WATCH_MS, or at once
 * with force); refuse produces after a drop.
 */
static void watch_tick(struct watch *w, rd_kafka_mock_cluster_t *mc, int force)
{
	uint64_t now = tx_now_ns();
	int i, news = 0;

	if (!w->rk || w->ndown || (!force && (w->off || now < w->next_ns)))
		return;
	w->next_ns = now + WATCH_MS * 1000000ULL;
	if (!w->parts || now >= w->next_md_ns || force) {
		w->next_md_ns = now + METADATA_MS * 1000000ULL;
		watch_refresh(w);
	}
	if (!w->parts || !w->parts->cnt)
		return;
	for (i = 0; i < w->parts->cnt; i++)
		w->parts->elems[i].offset =
		    RD_KAFKA_OFFSET_BEGINNING; /* "timestamp" -2: earliest */
	if (rd_kafka_offsets_for_times(w->rk, w->parts, 500) != RD_KAFKA_RESP_ERR_NO_ERROR)
		return;
	for (i = 0; i < w->parts->cnt; i++) {
		const rd_kafka_topic_partition_t *e = &w->parts->elems[i];
		if (e->err || e->offset <= 0 || !lost_note(w, e->topic, e->partition, e->offset))
			continue;
		news = 1;
		if (!tx_quiet)
			fprintf(stderr,
				"%s: topic '%s' partition %d: the mock cluster dropped offsets "
				"0-%lld (it keeps at most %d MiB or %d batches per partition): "
				"refusing every produce request from now on\n",
				tx_progname, e->topic, (int)e->partition, (long long)e->offset - 1,
				MOCK_PARTITION_BYTES / (1024 * 1024), MOCK_PARTITION_BATCHES);
	}
	if (news) {
		/* Producers fail from now on instead of losing more (FULL_ERROR is permanent). */
		rd_kafka_resp_err_t *errs = tx_malloc(MAX_ERRORS * sizeof(*errs));
		for (i = 0; i < MAX_ERRORS; i++)
			errs[i] = FULL_ERROR;
		rd_kafka_mock_push_request_errors_array(mc, 0 /* Produce */, MAX_ERRORS, errs);
		free(errs);
		w->refusing = 1;
	}
}

/* The limits, said when the broker starts (unless -q). */
static void say_limits(void)
{
	if (!tx_quiet)
		fprintf(stderr,
			"%s: in memory: each partition keeps at most %d MiB or %d batches; "
			"past that, records are dropped, every produce request is refused "
			"and txbroker -k exits 5\n",
			tx_progname, MOCK_PARTITION_BYTES / (1024 * 1024), MOCK_PARTITION_BATCHES);
}

/* Serve the control socket (if any) until a signal arrives. */
static void run_until_signal(rd_kafka_mock_cluster_t *mc, struct watch *w, int nbrokers, int lfd)
{
	struct pollfd p[2];
	char drain[64];

	p[0].fd = wake_pipe[0];
	p[0].events = POLLIN;
	p[1].fd = lfd;
	p[1].events = POLLIN;
	while (!tx_signal) {
		if (poll(p, lfd >= 0 ? 2 : 1, WATCH_MS) < 0 && errno != EINTR)
			break;
		if (p[0].revents & POLLIN)
			while (read(wake_pipe[0], drain, sizeof(drain)) > 0)
				;
		if (lfd >= 0 && (p[1].revents & POLLIN))
			control_serve(lfd, mc, w, nbrokers);
		if (w)
			watch_tick(w, mc, 0);
	}
}

static void install_signals(void)
{
	if (pipe2(wake_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		tx_die_errno(TX_EXIT_SOFTWARE, "pipe");
	tx_signals_wake(wake_pipe[1]); /* the poll of run_until_signal() */
	tx_signals_install();
}

/*
 * The broker's life: start, announce (stdout or the daemon's pipe), serve,
 * stop. report_fd < 0 means foreground.
 */
static int broker_main(const struct opts *o, int report_fd, const char *control, const char *tmpdir)
{
	rd_kafka_t *rk = NULL;
	rd_kafka_mock_cluster_t *mc = NULL;
	struct watch w;
	char addr[1024];
	int lfd = -1;

	install_signals();
	if (cluster_start(o, &rk, &mc, addr, sizeof(addr)) != 0)
		return TX_EXIT_UNAVAILABLE;
	if (control && (lfd = control_listen(control)) < 0) {
		rd_kafka_mock_cluster_destroy(mc);
		rd_kafka_destroy(rk);
		return TX_EXIT_UNAVAILABLE;
	}
	if (report_fd >= 0) {
		char msg[1100];
		int len = snprintf(msg, sizeof(msg), "%s\n", addr);

		if (write(report_fd, msg, (size_t)len) != len)
			tx_error_errno("cannot report to the parent");
		close(report_fd);
	} else {
		printf("%s\n", addr);
		fflush(stdout);
		say_limits();
	}
	if (verbosity >= 1)
		fprintf(stderr, "%s: %d broker(s) at %s\n", tx_progname, o->brokers, addr);

	watch_start(&w, addr);
	run_until_signal(mc, &w, o->brokers, lfd);
	watch_stop(&w);

	if (verbosity >= 1)
		fprintf(stderr, "%s: stopping (signal %d)\n", tx_progname, (int)tx_signal);
	if (lfd >= 0) {
		close(lfd);
		unlink(control);
	}
	if (tmpdir)
		rmdir(tmpdir);
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(rk);
	return TX_EXIT_OK;
}

/* A shell word for sh -c, single-quoted. */
static void print_quoted(const char *s)
{
	putchar('\'');
	for (; *s; s++) {
		if (*s == '\'')
			fputs("'\\''", stdout);
		else
			putchar(*s);
	}
	putchar('\'');
}

/* Close every descriptor above stderr but keep. */
static void close_inherited(int keep)
{
	long max = sysconf(_SC_OPEN_MAX);
	int fd;

	if (max < 0 || max > 65536)
		max = 65536;
	for (fd = STDERR_FILENO + 1; fd < max; fd++)
		if (fd != keep)
			close(fd);
}

static int daemon_start(const struct opts *o)
{
	char tmpl[PATH_MAX], control[PATH_MAX + 16], addr[1024];
	const char *tmpdir = NULL;
	const char *ctl = o->control;
	int fds[2], devnull;
	size_t len = 0;
	ssize_t r;
	pid_t pid;

	if (!ctl) {
		/* Like ssh-agent's socket: a private directory under $TMPDIR. */
		const char *t = getenv("TMPDIR");
		int n = snprintf(tmpl, sizeof(tmpl), "%s/txbroker-XXXXXX", t && *t ? t : "/tmp");

		if (n < 0 || (size_t)n >= sizeof(tmpl) || !mkdtemp(tmpl)) {
			tx_error_errno("cannot create a directory for the control socket");
			return TX_EXIT_IO;
		}
		tmpdir = tmpl;
		snprintf(control, sizeof(control), "%s/control", tmpl);
		ctl = control;
	} else if (ctl[0] != '/') {
		char cwd[PATH_MAX];

		/* The daemon leaves the working directory: keep the socket path valid. */
		if (!getcwd(cwd, sizeof(cwd)) || (size_t)snprintf(control, sizeof(control), "%s/%s",
								  cwd, ctl) >= sizeof(control)) {
			tx_error("cannot make '%s' an absolute path", ctl);
			return TX_EXIT_USAGE;
		}
		ctl = control;
	}
	if (pipe2(fds, O_CLOEXEC) < 0) {
		tx_error_errno("pipe");
		return TX_EXIT_SOFTWARE;
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		tx_error_errno("fork");
		return TX_EXIT_SOFTWARE;
	}
	if (pid == 0) {
		/* The broker: detach from the terminal and from the caller's pipes. */
		close(fds[0]);
		setsid();
		if (chdir("/") < 0) {
			/* Nothing here depends on the working directory any more. */
		}
		/*
		 * Nor may it hold the caller's other descriptors: a pipe or fifo
		 * it kept open would never see end of file.
		 */
		close_inherited(fds[1]);
		devnull = open("/dev/null", O_RDWR);
		if (devnull >= 0) {
			dup2(devnull, STDIN_FILENO);
			dup2(devnull, STDOUT_FILENO);
			if (verbosity < 1)
				dup2(devnull, STDERR_FILENO);
			if (devnull > STDERR_FILENO)
				close(devnull);
		}
		_exit(broker_main(o, fds[1], ctl, tmpdir));
	}
	close(fds[1]);
	while (len < sizeof(addr) - 1 && (r = read(fds[0], addr + len, sizeof(addr) - 1 - len)) > 0)
		len += (size_t)r;
	close(fds[0]);
	addr[len] = '\0';
	if (len == 0 || addr[len - 1] != '\n') {
		int status = 0;

		/* The child said nothing: it failed to start. Collect its status. */
		waitpid(pid, &status, 0);
		if (tmpdir)
			rmdir(tmpdir);
		tx_error("the broker failed to start%s",
			 verbosity < 1 ? " (run with -v to see why)" : "");
		return WIFEXITED(status) && WEXITSTATUS(status) ? WEXITSTATUS(status)
								: TX_EXIT_UNAVAILABLE;
	}
	addr[len - 1] = '\0';
	printf("TX_BROKERS=");
	print_quoted(addr);
	printf("; export TX_BROKERS;\nTXBROKER_PID=%ld; export TXBROKER_PID;\n"
	       "TXBROKER_CONTROL=",
	       (long)pid);
	print_quoted(ctl);
	printf("; export TXBROKER_CONTROL;\n");
	if (!tx_quiet)
		fprintf(stderr, "%s: broker pid %ld at %s\n", tx_progname, (long)pid, addr);
	say_limits();
	return TX_EXIT_OK;
}

/* --- --kafka -------------------------------------------------------------- */

/*
 * The txkit-kafka script: $TXKIT_KAFKA, else the source tree's when this
 * txbroker runs from its build tree, else the installed one.
 */
static const char *kafka_script(int *installed)
{
	static char self[PATH_MAX];
	const char *env = getenv("TXKIT_KAFKA");
	ssize_t n;

	*installed = 0;
	if (env && *env)
		return env;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		if (!strncmp(self, TX_ABS_BUILDDIR "/", strlen(TX_ABS_BUILDDIR) + 1))
			return TX_ABS_SRCDIR "/src/txbroker/txkit-kafka";
	}
	*installed = 1;
	return TX_PKGLIBEXECDIR "/txkit-kafka";
}

/*
 * Run "txkit-kafka CMD DIR"; its standard output (one line) into out. Its
 * standard error is ours: it says what failed. 0, or -1 after reporting.
 */
static int kafka_script_run(const char *cmd, const char *dir, char *out, size_t outsz)
{
	int installed, fds[2], status = 0;
	const char *script = kafka_script(&installed);
	size_t len = 0;
	ssize_t r;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return tx_error_errno("pipe");
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return tx_error_errno("fork");
	}
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		close_inherited(-1);
		if (installed && !getenv("TXKIT_KAFKA_POM"))
			setenv("TXKIT_KAFKA_POM", TX_PKGDATADIR "/kafka/pom.xml", 1);
		execl("/bin/sh", "sh", script, cmd, dir, (char *)NULL);
		tx_error_errno("cannot run %s", script);
		_exit(127);
	}
	close(fds[1]);
	while (out && len < outsz - 1 && (r = read(fds[0], out + len, outsz - 1 - len)) > 0)
		len += (size_t)r;
	close(fds[0]);
	if (out)
		out[len] = '\0';
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return tx_error("%s %s %s failed", script, cmd, dir);
	return 0;
}

/* Create the topics (those that exist already are left as they are). */
static int kafka_topics(const struct opts *o, const char *addr)
{
	char errstr[512];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_t *rk;
	size_t i;
	int rc = 0;

	rd_kafka_conf_set_log_cb(conf, log_cb);
	if (rd_kafka_conf_set(conf, "bootstrap.servers", addr, errstr, sizeof(errstr)) ||
	    !(rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr)))) {
		rd_kafka_conf_destroy(conf);
		return tx_error("librdkafka: %s", errstr);
	}
	for (i = 0; i < o->ntopics; i++) {
		int np = o->topics[i].partitions ? o->topics[i].partitions : o->partitions;
		if (tx_kafka_create_topic(rk, o->topics[i].name, np, 1, 60000) < 0)
			rc = -1;
	}
	rd_kafka_destroy(rk);
	return rc;
}

/*
 * txbroker --kafka: start the broker (txkit-kafka start), create the
 * topics, then print the assignments (-d) or the address and wait for a
 * signal to stop it (foreground).
 */
static int kafka_main(const struct opts *o)
{
	char dir[PATH_MAX], line[1200], *sp;
	const char *data = o->data ? o->data : "txbroker-kafka";
	int64_t pid;

	if (mkdir(data, 0777) < 0 && errno != EEXIST) {
		tx_error_errno("cannot create '%s'", data);
		return TX_EXIT_IO;
	}
	if (!realpath(data, dir)) {
		tx_error_errno("'%s'", data);
		return TX_EXIT_IO;
	}
	if (!o->daemon)
		install_signals();
	if (kafka_script_run("start", dir, line, sizeof(line)) != 0)
		return TX_EXIT_UNAVAILABLE;
	line[strcspn(line, "\n")] = '\0';
	sp = strchr(line, ' ');
	if (!sp || tx_parse_int64(sp + 1, 2, INT_MAX, &pid) != 0) {
		tx_error("txkit-kafka start said '%s', not 'ADDRESS PID'", line);
		return TX_EXIT_SOFTWARE;
	}
	*sp = '\0';
	if (kafka_topics(o, line) != 0) {
		kafka_script_run("stop", dir, NULL, 0);
		return TX_EXIT_UNAVAILABLE;
	}
	if (o->daemon) {
		printf("TX_BROKERS=");
		print_quoted(line);
		printf("; export TX_BROKERS;\nTXBROKER_KAFKA=");
		print_quoted(dir);
		printf("; export TXBROKER_KAFKA;\nunset TXBROKER_PID;\nunset TXBROKER_CONTROL;\n");
		if (!tx_quiet)
			fprintf(stderr, "%s: Apache Kafka pid %lld at %s, data in %s\n",
				tx_progname, (long long)pid, line, dir);
		return TX_EXIT_OK;
	}
	printf("%s\n", line);
	fflush(stdout);
	if (!tx_quiet)
		fprintf(stderr, "%s: Apache Kafka pid %lld, data in %s\n", tx_progname,
			(long long)pid, dir);
	run_until_signal(NULL, NULL, 0, -1);
	return kafka_script_run("stop", dir, NULL, 0) == 0 ? TX_EXIT_OK : TX_EXIT_UNAVAILABLE;
}

static int broker_cmd(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
	    {"brokers", required_argument, NULL, 'B'},
	    {"command", required_argument, NULL, 'c'},
	    {"control", required_argument, NULL, 'C'},
	    {"daemon", no_argument, NULL, 'd'},
	    {"data", required_argument, NULL, 'D'},
	    {"help", no_argument, NULL, 'h'},
	    {"kafka", no_argument, NULL, 'K'},
	    {"kill", no_argument, NULL, 'k'},
	    {"partitions", required_argument, NULL, 'p'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"topic", required_argument, NULL, 't'},
	    {"verbose", no_argument, NULL, 'v'},
	    {NULL, 0, NULL, 0},
	};
	const char *command = NULL;
	int kill_mode = 0, c, status;
	int64_t n;

	while ((c = getopt_long(argc, argv, "B:c:C:dhkp:qt:v", longopts, NULL)) != -1) {
		switch (c) {
		case 'B':
			if (tx_parse_int64(optarg, 1, MAX_BROKERS, &n) != 0) {
				tx_error("bad broker count '%s' (1 to %d)", optarg, MAX_BROKERS);
				return TX_EXIT_USAGE;
			}
			o->brokers = (int)n;
			break;
		case 'c': command = optarg; break;
		case 'C': o->control = optarg; break;
		case 'd': o->daemon = 1; break;
		case 'D': o->data = optarg; break;
		case 'K': o->kafka = 1; break;
		case 'h': return tx_help_exit(usage, "txbroker");
		case 'k': kill_mode = 1; break;
		case 'p':
			if (tx_parse_int64(optarg, 1, MAX_PARTITIONS, &n) != 0) {
				tx_error("bad partition count '%s' (1 to %d)", optarg,
					 MAX_PARTITIONS);
				return TX_EXIT_USAGE;
			}
			o->partitions = (int)n;
			break;
		case 'q': tx_quiet = 1; break;
		case 't':
			o->topics = tx_reallocarray(o->topics, o->ntopics + 1, sizeof(*o->topics));
			if (parse_topic(optarg, &o->topics[o->ntopics]) != 0) {
				free(o->topics[o->ntopics].name);
				return TX_EXIT_USAGE;
			}
			o->ntopics++;
			break;
		case 'v': verbosity++; break;
		default: tx_usage_error(); return TX_EXIT_USAGE;
		}
	}
	if (tx_no_more_args(argc, argv, optind))
		return TX_EXIT_USAGE;
	if (kill_mode + (command != NULL) + o->daemon > 1) {
		tx_error("-c, -d and -k do not go together");
		return TX_EXIT_USAGE;
	}
	if (kill_mode)
		return kill_broker();
	if (o->data && !o->kafka) {
		tx_error("--data goes with --kafka (the mock cluster keeps nothing on disk)");
		return TX_EXIT_USAGE;
	}
	if (o->kafka && (command || o->control || o->brokers != 1)) {
		tx_error("--kafka runs one Apache Kafka broker: no -B, -c or --control");
		return TX_EXIT_USAGE;
	}
	if (command)
		return control_client(o->control ? o->control : getenv("TXBROKER_CONTROL"),
				      command);
	if (o->ntopics == 0) {
		o->topics = tx_malloc(sizeof(*o->topics));
		o->topics[0].name = tx_strdup(DEFAULT_TOPIC);
		o->topics[0].partitions = 0;
		o->ntopics = 1;
	}
	verbosity = tx_quiet ? 0 : verbosity;
	if (o->kafka)
		status = kafka_main(o);
	else if (o->daemon)
		status = daemon_start(o);
	else
		status = broker_main(o, -1, o->control, NULL);
	return status;
}

/* o is freed on every path, early usage errors too (git frees, not UNLEAK) */
int cmd_main(int argc, char **argv)
{
	struct opts o = {.brokers = 1, .partitions = DEFAULT_PARTITIONS};
	int status = broker_cmd(argc, argv, &o);

	for (size_t i = 0; i < o.ntopics; i++)
		free(o.topics[i].name);
	free(o.topics);
	return status;
}
