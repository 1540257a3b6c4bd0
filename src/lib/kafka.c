/* Kafka configuration and options shared by txpub and txsub: see kafka.h. */
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "buf.h"
#include "kafka.h"
#include "lines.h"
#include "progress.h"
#include "tx.h"

volatile int tx_kafka_fatal;
static int kafka_verbose;
/*
 * Every broker is down (librdkafka's ALL_BROKERS_DOWN, served by
 * rd_kafka_poll()): when it was first reported (0: not now), and the last
 * connection error seen, for the message.
 */
static uint64_t all_down_ns;
static char down_reason[256];
/* tx_kafka_destroy_by() gave up on a handle: its threads still run. */
static int left_running;

void tx_kafka_opts_init(struct tx_kafka_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->connect_timeout_ms = TX_KAFKA_DEFAULT_CONNECT_TIMEOUT_MS;
}

int tx_kafka_run(int (*main)(int argc, char **argv, struct tx_kafka_opts *ko), int argc,
		 char **argv)
{
	struct tx_kafka_opts ko;
	int status;

	tx_kafka_opts_init(&ko);
	status = main(argc, argv, &ko);
	tx_kafka_opts_release(&ko);
	if (left_running) {
		status = tx_close_stdout(status);
		fflush(stderr);
		_exit(status);
	}
	return status;
}

struct destroy_job {
	rd_kafka_t *rk;
	int flags;
	int done[2]; /* a pipe: the destroying thread writes a byte when done */
};

static void *destroy_main(void *arg)
{
	struct destroy_job *j = arg;

	rd_kafka_destroy_flags(j->rk, j->flags);
	if (write(j->done[1], "x", 1) < 0) {
		/* cannot be full: one byte, once */
	}
	return NULL;
}

int tx_kafka_destroy_by(rd_kafka_t *rk, int flags, uint64_t deadline)
{
	/* static: a thread given up on still uses it, until the process ends */
	static struct destroy_job j;
	struct pollfd p;
	pthread_t t;
	uint64_t now;
	int r = 0;

	j.rk = rk;
	j.flags = flags;
	if (pipe(j.done) < 0) {
		rd_kafka_destroy_flags(rk, flags); /* no thread: wait */
		return 0;
	}
	if (tx_thread_start(&t, destroy_main, &j) != 0) {
		close(j.done[0]);
		close(j.done[1]);
		rd_kafka_destroy_flags(rk, flags);
		return 0;
	}
	p.fd = j.done[0];
	p.events = POLLIN;
	while (r == 0 && (now = tx_now_ns()) < deadline) {
		r = poll(&p, 1, (int)((deadline - now) / 1000000) + 1);
		if (r < 0 && errno == EINTR)
			r = 0;
	}
	if (r <= 0) {
		left_running = 1;
		return -1;
	}
	pthread_join(t, NULL);
	close(j.done[0]);
	close(j.done[1]);
	return 0;
}

void tx_kafka_opts_release(struct tx_kafka_opts *o)
{
	size_t i;

	for (i = 0; i < o->nprops; i++) {
		free(o->props[i].name);
		free(o->props[i].value);
	}
	free(o->props);
	free(o->bootstrap);
	o->props = NULL;
	o->nprops = o->props_cap = 0;
	o->bootstrap = NULL;
}

int tx_kafka_opt_X(struct tx_kafka_opts *o, const char *arg)
{
	const char *eq;

	if (!strcmp(arg, "list")) {
		o->list = 1;
		return 0;
	}
	if (!strcmp(arg, "dump")) {
		o->dump = 1;
		return 0;
	}
	eq = strchr(arg, '=');
	if (!eq || eq == arg)
		return tx_error("-X '%s': expected name=value, list or dump", arg);
	TX_ALLOC_GROW(o->props, o->nprops + 1, o->props_cap, 8);
	o->props[o->nprops].name = tx_strndup(arg, (size_t)(eq - arg));
	o->props[o->nprops].value = tx_strdup(eq + 1);
	if (eq[1] && tx_kafka_is_secret(o->props[o->nprops].name))
		tx_warn("-X %s: a secret on the command line can be read by every user of the "
			"machine (ps): put it in the config file (-F or $TXKIT_CONFIG, chmod 600)",
			o->props[o->nprops].name);
	o->nprops++;
	return 0;
}

int tx_kafka_getopt(struct tx_kafka_opts *o, int c, const char *arg)
{
	int64_t v;

	switch (c) {
	case 'b':
		if (!*arg)
			return tx_error("-b: empty broker list");
		o->brokers = arg;
		return 1;
	case 't':
		if (!*arg)
			return tx_error("-t: empty topic name");
		o->topic = arg;
		return 1;
	case 'F': o->config_file = arg; return 1;
	case 'q': tx_quiet = 1; return 1;
	case 'v': o->verbose++; return 1;
	case 'X': return tx_kafka_opt_X(o, arg) < 0 ? -1 : 1;
	case TX_PROGRESS_OPT: o->progress = 1; return 1;
	case TX_KAFKA_OPT_CONNECT_TIMEOUT:
		if (tx_parse_int64(arg, 1, 3600, &v) < 0)
			return tx_error("--connect-timeout '%s': expected whole seconds, 1 to 3600",
					arg);
		o->connect_timeout_ms = (int)v * 1000;
		return 1;
	default: return 0;
	}
}

int tx_kafka_is_secret(const char *name)
{
	static const char *const keys[] = {"ssl.key.pem", "ssl_key", "sasl.oauthbearer.config",
					   "ssl.keystore.location"};
	size_t i;

	if (strstr(name, "passw") || strstr(name, "pwd") || strstr(name, "secret") ||
	    strstr(name, "token") || strstr(name, "credential"))
		return 1;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(name, keys[i]))
			return 1;
	return 0;
}

static int is_brokers(const char *name)
{
	return !strcmp(name, "bootstrap.servers") || !strcmp(name, "metadata.broker.list");
}

/* librdkafka's log lines, only with -v (-vv for debug levels). */
static void log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	if (kafka_verbose && level <= (kafka_verbose >= 2 ? 7 : 5))
		tx_warn("kafka: %s: %s", fac, buf);
}

static void error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	char fatal[512];

	if (err == RD_KAFKA_RESP_ERR__FATAL) {
		rd_kafka_fatal_error(rk, fatal, sizeof(fatal));
		tx_error("kafka: fatal error: %s", fatal);
		tx_kafka_fatal = 1;
		return;
	}
	if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN && !all_down_ns)
		all_down_ns = tx_now_ns();
	else if (err == RD_KAFKA_RESP_ERR__TRANSPORT || err == RD_KAFKA_RESP_ERR__RESOLVE)
		snprintf(down_reason, sizeof(down_reason), "%s", reason);
	/* Connection failures are retried by librdkafka; the programs report the outcome. */
	if (kafka_verbose)
		tx_warn("kafka: %s", reason);
}

static int conf_set(rd_kafka_conf_t *conf, const char *name, const char *value, const char *where,
		    uint64_t line)
{
	char err[512];
	rd_kafka_conf_res_t res = rd_kafka_conf_set(conf, name, value, err, sizeof(err));

	if (res == RD_KAFKA_CONF_OK)
		return 0;
	if (line)
		return tx_error("%s:%llu: %s", where, (unsigned long long)line, err);
	/*
	 * An unknown name is often a mistyped secret one (sasl.passwd): its
	 * value is never shown, only the name is wrong. A bad value is shown
	 * unless the name is a secret's.
	 */
	if (res == RD_KAFKA_CONF_UNKNOWN || tx_kafka_is_secret(name))
		return tx_error("%s %s=[redacted]: %s", where, name, err);
	return tx_error("%s %s=%s: %s", where, name, value, err);
}

static char *trim(char *s, char *end)
{
	while (s < end && isspace((unsigned char)*s))
		s++;
	while (end > s && isspace((unsigned char)end[-1]))
		end--;
	*end = '\0';
	return s;
}

int tx_kafka_conf_file(rd_kafka_conf_t *conf, const char *path, int *brokers_set)
{
	struct tx_lines lr;
	const char *secret = NULL;
	char *line, *name, *value, *eq;
	size_t len;
	int r, ret = 0;
	struct stat st;

	if (tx_lines_open(&lr, path) < 0)
		return -1;
	lr.source = path;
	while ((r = tx_lines_next(&lr, &line, &len)) == 1) {
		name = trim(line, line + len);
		if (!*name || *name == '#')
			continue;
		eq = strchr(name, '=');
		if (!eq || eq == name) {
			ret = tx_error("%s:%llu: expected name=value", path,
				       (unsigned long long)lr.lineno);
			break;
		}
		value = trim(eq + 1, name + strlen(name));
		name = trim(name, eq);
		if (!*name) {
			ret = tx_error("%s:%llu: expected name=value", path,
				       (unsigned long long)lr.lineno);
			break;
		}
		if (conf_set(conf, name, value, path, lr.lineno) < 0) {
			ret = -1;
			break;
		}
		if (is_brokers(name))
			*brokers_set = 1;
		if (!secret && tx_kafka_is_secret(name) && *value)
			secret = tx_strdup(name);
	}
	if (r < 0)
		ret = -1;
	if (ret == 0 && secret && fstat(lr.fd, &st) == 0 && (st.st_mode & (S_IRGRP | S_IROTH)))
		tx_warn("%s: holds a secret (%s) but group or others can read it: chmod 600 %s",
			path, secret, path);
	free((char *)secret);
	tx_lines_release(&lr);
	return ret;
}

/* -F, else $TXKIT_CONFIG, else ~/.config/txkit/kafka.conf if it exists. */
static int read_config(struct tx_kafka_opts *o, rd_kafka_conf_t *conf, int *brokers_set)
{
	static char home_path[4096];
	const char *path = o->config_file, *home;
	struct stat st;
	int n;

	if (!path) {
		path = getenv("TXKIT_CONFIG");
		if (path && !*path)
			path = NULL;
	}
	if (!path) {
		home = getenv("HOME");
		if (!home || !*home)
			return 0;
		n = snprintf(home_path, sizeof(home_path), "%s/.config/txkit/kafka.conf", home);
		if (n < 0 || (size_t)n >= sizeof(home_path) || stat(home_path, &st) < 0)
			return 0;
		path = home_path;
	}
	o->config_used = path;
	return tx_kafka_conf_file(conf, path, brokers_set);
}

/*
 * What every txkit client starts from, before its program's defaults.
 *
 * reconnect.backoff.max.ms: librdkafka doubles the wait between attempts to
 * reach a broker that is gone up to 10 s, where the Java clients stop at 1 s.
 * A consumer then went on reading up to 10 s after its broker came back
 * (6 s measured after a 4 s outage), a producer sent that late, and
 * records timed out only between attempts (txhttp's --ack-timeout).
 */
static const char *const client_defaults[] = {"reconnect.backoff.max.ms", "1000", NULL};

rd_kafka_conf_t *tx_kafka_conf(struct tx_kafka_opts *o, const char *const *defaults)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	int file_brokers = 0, x_brokers = 0;
	const char *env, *brokers;
	char buf[4096];
	size_t i, size;

	kafka_verbose = o->verbose;
	rd_kafka_conf_set_log_cb(conf, log_cb);
	rd_kafka_conf_set_error_cb(conf, error_cb);
	for (i = 0; client_defaults[i]; i += 2)
		if (conf_set(conf, client_defaults[i], client_defaults[i + 1], "default", 0) < 0)
			goto fail;
	for (i = 0; defaults && defaults[i]; i += 2)
		if (conf_set(conf, defaults[i], defaults[i + 1], "default", 0) < 0)
			goto fail;
	if (read_config(o, conf, &file_brokers) < 0)
		goto fail;
	for (i = 0; i < o->nprops; i++) {
		if (conf_set(conf, o->props[i].name, o->props[i].value, "-X", 0) < 0)
			goto fail;
		if (is_brokers(o->props[i].name))
			x_brokers = 1;
	}
	env = getenv("TX_BROKERS");
	if (o->brokers)
		brokers = o->brokers;
	else if (x_brokers || (!(env && *env) && file_brokers))
		brokers = NULL; /* already set */
	else if (env && *env)
		brokers = env;
	else
		brokers = TX_KAFKA_DEFAULT_BROKERS;
	if (brokers && conf_set(conf, "bootstrap.servers", brokers, "brokers", 0) < 0)
		goto fail;
	size = sizeof(buf);
	if (rd_kafka_conf_get(conf, "bootstrap.servers", buf, &size) != RD_KAFKA_CONF_OK)
		buf[0] = '\0';
	free(o->bootstrap);
	o->bootstrap = tx_strdup(buf);
	return conf;
fail:
	rd_kafka_conf_destroy(conf);
	return NULL;
}

int tx_kafka_opts_conf(struct tx_kafka_opts *o, const char *const *defaults,
		       int (*set)(rd_kafka_conf_t *conf, void *arg), void *arg,
		       rd_kafka_conf_t **conf)
{
	*conf = tx_kafka_conf(o, defaults);
	if (!*conf)
		return TX_EXIT_USAGE;
	if (set && set(*conf, arg) < 0) {
		rd_kafka_conf_destroy(*conf);
		*conf = NULL;
		return TX_EXIT_USAGE;
	}
	if (o->dump) {
		tx_kafka_dump(*conf, stdout);
		rd_kafka_conf_destroy(*conf);
		*conf = NULL;
		return TX_EXIT_OK;
	}
	return -1;
}

void tx_kafka_list(FILE *fp)
{
	rd_kafka_conf_properties_show(fp);
}

static void dump_pairs(const char **arr, size_t cnt, FILE *fp)
{
	size_t i, n;

	for (i = 0; i + 1 < cnt; i += 2) {
		n = strlen(arr[i]);
		/* Function pointers and opaques mean nothing to a reader (and vary per run). */
		if ((n > 3 && !strcmp(arr[i] + n - 3, "_cb")) || strstr(arr[i], "opaque"))
			continue;
		fprintf(fp, "%s=%s\n", arr[i],
			tx_kafka_is_secret(arr[i]) ? "[redacted]" : arr[i + 1]);
	}
}

void tx_kafka_dump(rd_kafka_conf_t *conf, FILE *fp)
{
	const char **arr;
	size_t cnt;
	rd_kafka_topic_conf_t *tconf;

	fprintf(fp, "# global configuration\n");
	arr = rd_kafka_conf_dump(conf, &cnt);
	dump_pairs(arr, cnt, fp);
	rd_kafka_conf_dump_free(arr, cnt);
	tconf = rd_kafka_conf_get_default_topic_conf(conf);
	if (tconf) {
		fprintf(fp, "# topic configuration\n");
		arr = rd_kafka_topic_conf_dump(tconf, &cnt);
		dump_pairs(arr, cnt, fp);
		rd_kafka_conf_dump_free(arr, cnt);
	}
}

/*
 * librdkafka's reason for a failed connection, without the broker's name in
 * front ("127.0.0.1:9/bootstrap: ") and the state it was in at the end
 * (" (after 0ms in state CONNECT)").
 */
static void down_what(char *buf, size_t size)
{
	const char *p = strstr(down_reason, ": "), *end;

	p = p ? p + 2 : down_reason;
	end = strstr(p, " (after ");
	snprintf(buf, size, "%.*s", (int)(end ? (size_t)(end - p) : strlen(p)), p);
}

static int unreachable(const char *brokers, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int unreachable(const char *brokers, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	tx_error("cannot reach the brokers at %s: %s", brokers, msg);
	if (!strcmp(brokers, TX_KAFKA_DEFAULT_BROKERS))
		tx_warn("%s is the default: start a local broker with "
			"eval \"$(txbroker -d)\", or name the brokers with -b or TX_BROKERS",
			brokers);
	return -1;
}

int tx_kafka_wait_metadata(rd_kafka_t *rk, const char *topic, const char *brokers, int timeout_ms,
			   rd_kafka_resp_err_t *topic_err)
{
	rd_kafka_topic_t *rkt = topic ? rd_kafka_topic_new(rk, topic, NULL) : NULL;
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_resp_err_t err;
	uint64_t deadline, now = 0;
	char what[256];
	int n = 0, refused = 0;

	*topic_err = RD_KAFKA_RESP_ERR_NO_ERROR;
	if (topic && !rkt)
		return tx_error("topic '%s': %s", topic, rd_kafka_err2str(rd_kafka_last_error()));
	/*
	 * In slices, so that SIGINT or SIGTERM (tx_signal) ends the wait at
	 * once, and so that the error callback is served: when every broker
	 * refused (or its name did not resolve), waiting longer is pointless.
	 * A host may have several addresses, tried in turn 100 ms or more
	 * apart: the brokers get TX_KAFKA_REFUSED_GRACE_MS to answer after
	 * the first report. A black-holed address never refuses: then the
	 * whole timeout applies.
	 */
	deadline = tx_now_ns() + (uint64_t)timeout_ms * 1000000u;
	do {
		int slice;
		rd_kafka_poll(rk, 0);
		now = tx_now_ns();
		if (all_down_ns && now >= all_down_ns + TX_KAFKA_REFUSED_GRACE_MS * 1000000ull &&
		    now < deadline) {
			refused = 1;
			err = RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN;
			break;
		}
		slice = now >= deadline ? 1 : (int)((deadline - now) / 1000000u) + 1;
		err = rd_kafka_metadata(rk, 0, rkt, &md, slice < 100 ? slice : 100);
	} while (err && !tx_signal && tx_now_ns() < deadline);
	if (rkt)
		rd_kafka_topic_destroy(rkt);
	if (err && tx_signal)
		return -2;
	if (refused) {
		down_what(what, sizeof(what));
		return unreachable(brokers, "%s", *what ? what : "every broker is down");
	}
	if (err)
		return unreachable(brokers, "no answer within %d s: %s", timeout_ms / 1000,
				   rd_kafka_err2str(err));
	all_down_ns = 0; /* a broker answered: a later wait starts afresh */
	if (!topic) {
		n = md->broker_cnt;
	} else if (md->topic_cnt == 1) {
		*topic_err = md->topics[0].err;
		if (!*topic_err)
			n = md->topics[0].partition_cnt;
	} else {
		*topic_err = RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
	}
	rd_kafka_metadata_destroy(md);
	return n;
}

/*
 * Whether the brokers are txbroker's mock cluster (librdkafka names it
 * "mockCluster..."): 1 if so, 0 if not, -1 after reporting that the
 * cluster did not say.
 */
static int is_txbroker(rd_kafka_t *rk, int timeout_ms)
{
	char *id = rd_kafka_clusterid(rk, timeout_ms);
	int r;

	if (!id)
		return tx_error("the brokers did not tell their cluster id within %d s",
				timeout_ms / 1000);
	r = !strncmp(id, "mockCluster", 11);
	rd_kafka_mem_free(rk, id);
	return r;
}

int tx_kafka_check_kept(rd_kafka_t *rk, const char *topic, const int64_t *first, int n,
			int timeout_ms)
{
	int p, lost = 0, mock = -1;

	for (p = 0; p < n; p++) {
		int64_t lo, hi;
		rd_kafka_resp_err_t err;

		if (first[p] < 0)
			continue;
		err = rd_kafka_query_watermark_offsets(rk, topic, p, &lo, &hi, timeout_ms);
		if (err)
			return tx_error(
			    "topic '%s' partition %d: cannot ask where its log starts: %s", topic,
			    p, rd_kafka_err2str(err));
		if (lo <= first[p])
			continue;
		if (mock < 0)
			mock = is_txbroker(rk, timeout_ms) == 1;
		tx_error(
		    "topic '%s' partition %d: offsets %lld-%lld, delivered by this run, are no "
		    "longer in the log (it starts at %lld): the broker dropped them%s",
		    topic, p, (long long)first[p], (long long)lo - 1, (long long)lo,
		    mock ? " (txbroker keeps at most 5 MiB per partition: use more "
			   "partitions, or txbroker --kafka; txbroker(1), Limits)"
			 : " (its retention is shorter than this run)");
		lost++;
	}
	return lost;
}

/*
 * The mock cluster does not implement CreateTopics (librdkafka 2.0): ask
 * the txbroker running it, through its control socket, as TXBROKER_CONTROL
 * names it (eval "$(txbroker -d)" sets it). The caller checks the result
 * in the metadata: a control socket of another txbroker shows there.
 */
static int txbroker_create_topic(const char *topic, int partitions)
{
	const char *ctl = getenv("TXBROKER_CONTROL");
	char cmd[1024], reply[512];
	int n;

	if (!ctl || !*ctl)
		return tx_error(
		    "cannot create topic '%s': the brokers are txbroker's mock cluster, "
		    "which creates topics only when told by txbroker (-t %s:%d, or "
		    "txbroker -c 'topic %s %d'), and TXBROKER_CONTROL is not set",
		    topic, topic, partitions, topic, partitions);
	n = snprintf(cmd, sizeof(cmd), "topic %s %d", topic, partitions);
	if (n < 0 || (size_t)n >= sizeof(cmd) || strpbrk(topic, " \t\n"))
		return tx_error("cannot create topic '%s' through txbroker: bad name", topic);
	if (tx_control_ask(ctl, cmd, reply, sizeof(reply)) < 0)
		return tx_error_errno("cannot create topic '%s': cannot reach txbroker at '%s' "
				      "(TXBROKER_CONTROL)",
				      topic, ctl);
	if (!strcmp(reply, "ok"))
		return 1;
	if (strstr(reply, "already exists"))
		return 0;
	return tx_error("cannot create topic '%s': txbroker: %s", topic,
			strncmp(reply, "error: ", 7) ? "no answer" : reply + 7);
}

int tx_kafka_create_topic(rd_kafka_t *rk, const char *topic, int partitions, int replication,
			  int timeout_ms)
{
	rd_kafka_NewTopic_t *nt;
	rd_kafka_queue_t *q;
	rd_kafka_event_t *ev;
	const rd_kafka_topic_result_t **res;
	rd_kafka_resp_err_t err;
	char errstr[512];
	size_t n;
	int rc;

	if ((rc = is_txbroker(rk, timeout_ms)) != 0)
		return rc < 0 ? -1 : txbroker_create_topic(topic, partitions);
	nt = rd_kafka_NewTopic_new(topic, partitions, replication, errstr, sizeof(errstr));
	if (!nt)
		return tx_error("cannot create topic '%s': %s", topic, errstr);
	q = rd_kafka_queue_new(rk);
	rd_kafka_CreateTopics(rk, &nt, 1, NULL, q);
	ev = rd_kafka_queue_poll(q, timeout_ms);
	if (!ev || rd_kafka_event_error(ev)) {
		rc = tx_error("cannot create topic '%s': %s", topic,
			      ev ? rd_kafka_event_error_string(ev) : "no answer in time");
	} else {
		res =
		    rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
		err = n == 1 ? rd_kafka_topic_result_error(res[0]) : RD_KAFKA_RESP_ERR__FAIL;
		if (!err)
			rc = 1;
		else if (err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
			rc = 0;
		else
			rc = tx_error("cannot create topic '%s': %s", topic,
				      n == 1 && rd_kafka_topic_result_error_string(res[0])
					  ? rd_kafka_topic_result_error_string(res[0])
					  : rd_kafka_err2str(err));
	}
	if (ev)
		rd_kafka_event_destroy(ev);
	rd_kafka_queue_destroy(q);
	rd_kafka_NewTopic_destroy(nt);
	return rc;
}

int tx_kafka_parse_partitions(const char *s, unsigned char *want, int n)
{
	const char *p = s;
	char *end;
	long a, b;

	if (!*s)
		return tx_error("-p: empty partition list");
	for (;;) {
		if (!isdigit((unsigned char)*p))
			goto bad;
		errno = 0;
		a = strtol(p, &end, 10);
		if (errno)
			goto bad;
		p = end;
		b = a;
		if (*p == '-') {
			p++;
			if (!isdigit((unsigned char)*p))
				goto bad;
			b = strtol(p, &end, 10);
			if (errno || b < a)
				goto bad;
			p = end;
		}
		if (b >= n)
			return tx_error("-p '%s': partition %ld does not exist (the topic has %d)",
					s, b, n);
		for (; want && a <= b; a++)
			want[a] = 1;
		if (!*p)
			return 0;
		if (*p++ != ',')
			goto bad;
	}
bad:
	return tx_error("-p '%s': expected partitions like 3, 0-7 or 0,2,5", s);
}

int tx_kafka_new_failed(const char *errstr)
{
	if (rd_kafka_last_error() == RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE) {
		tx_error("cannot start the Kafka client: %s (out of a system resource: see "
			 "ulimit -u and ulimit -v)",
			 errstr);
		return TX_EXIT_SOFTWARE;
	}
	tx_error("%s", errstr);
	return TX_EXIT_USAGE;
}

int tx_kafka_load_offsets(const char *path, const char *topic, const char *cluster,
			  int64_t *offsets, int n)
{
	struct tx_lines lr;
	char *line;
	size_t len;
	int r, set = 0, ret = 0;

	if (tx_lines_open(&lr, path) < 0)
		return -1;
	while ((r = tx_lines_next(&lr, &line, &len)) == 1) {
		json_error_t jerr;
		json_t *o, *t, *p, *off, *cl;
		const char *why = NULL;
		json_int_t pi = 0, oi = 0;
		size_t i;

		for (i = 0; i < len && isspace((unsigned char)line[i]); i++)
			;
		if (i == len)
			continue;
		o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
		if (!o) {
			ret = tx_error("%s:%llu: invalid JSON: %s", path,
				       (unsigned long long)lr.lineno, jerr.text);
			break;
		}
		t = json_object_get(o, "topic");
		p = json_object_get(o, "partition");
		off = json_object_get(o, "offset");
		cl = json_object_get(o, "cluster");
		if (!json_is_object(o))
			why = "expected an object";
		else if (!json_is_string(t))
			why = "'topic' must be a string";
		else if (!json_is_integer(p) || (pi = json_integer_value(p)) < 0 || pi > INT32_MAX)
			why = "'partition' must be an integer >= 0";
		else if (!json_is_integer(off) || (oi = json_integer_value(off)) < 0)
			why = "'offset' must be an integer >= 0";
		else if (cl && !json_is_string(cl))
			why = "'cluster' must be a string";
		else if (!strcmp(json_string_value(t), topic) && pi >= n)
			why = "no such partition in the topic";
		if (!why && cl && cluster && !strcmp(json_string_value(t), topic) &&
		    strcmp(json_string_value(cl), cluster)) {
			ret = tx_error(
			    "%s:%llu: these offsets are for Kafka cluster '%s', but the brokers "
			    "are "
			    "cluster '%s' (a new or reset broker?): they would skip or repeat "
			    "records. To start over on this cluster on purpose, leave out "
			    "--offsets "
			    "and start the pipeline from an empty state (a new database)",
			    path, (unsigned long long)lr.lineno, json_string_value(cl), cluster);
			json_decref(o);
			break;
		}
		if (why) {
			json_decref(o);
			ret = tx_error("%s:%llu: %s", path, (unsigned long long)lr.lineno, why);
			break;
		}
		if (!strcmp(json_string_value(t), topic)) {
			offsets[pi] = oi;
			set++;
		}
		json_decref(o);
	}
	if (r < 0)
		ret = -1;
	tx_lines_release(&lr);
	return ret < 0 ? -1 : set;
}

uint32_t tx_kafka_murmur2(const void *key, size_t len)
{
	const uint32_t m = 0x5bd1e995;
	const unsigned char *d = key;
	uint32_t h = 0x9747b28c ^ (uint32_t)len, k;

	for (; len >= 4; d += 4, len -= 4) {
		k = (uint32_t)d[0] | (uint32_t)d[1] << 8 | (uint32_t)d[2] << 16 |
		    (uint32_t)d[3] << 24;
		k *= m;
		k ^= k >> 24;
		k *= m;
		h *= m;
		h ^= k;
	}
	switch (len) {
	case 3: h ^= (uint32_t)d[2] << 16; /* fall through */
	case 2: h ^= (uint32_t)d[1] << 8;  /* fall through */
	case 1: h ^= d[0]; h *= m;
	}
	h ^= h >> 13;
	h *= m;
	h ^= h >> 15;
	return h;
}

int tx_kafka_partition_count(rd_kafka_t *rk, rd_kafka_topic_t *rkt, int timeout_ms)
{
	const struct rd_kafka_metadata *md = NULL;
	int n = -1;

	if (rd_kafka_metadata(rk, 0, rkt, &md, timeout_ms) != RD_KAFKA_RESP_ERR_NO_ERROR)
		return -1;
	if (md->topic_cnt == 1 && !md->topics[0].err)
		n = md->topics[0].partition_cnt;
	rd_kafka_metadata_destroy(md);
	return n;
}
