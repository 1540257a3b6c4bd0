/* Unit tests for util.c: overflow-checked growth and the diagnostics' form. */
#include <errno.h>
#include <signal.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "tx.h"
#include "unit.h"

/*
 * Run fn in a child with stderr on a pipe: its exit status and what it
 * wrote to stderr (up to n - 1 bytes, NUL-terminated).
 */
static int in_child(void (*fn)(void), char *err, size_t n)
{
	int fds[2], st;
	size_t got = 0;
	ssize_t k;
	pid_t pid;

	fflush(stdout); /* the child exits through exit(): nothing buffered to write twice */
	if (pipe(fds) < 0 || (pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		dup2(fds[1], 2);
		close(fds[0]);
		fn();
		_exit(0);
	}
	close(fds[1]);
	while (got + 1 < n && (k = read(fds[0], err + got, n - 1 - got)) > 0)
		got += (size_t)k;
	err[got] = '\0';
	close(fds[0]);
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void mult_overflow(void)
{
	tx_st_mult(SIZE_MAX / 2 + 1, 2);
}

static void grow_overflow(void)
{
	uint64_t *p = NULL;
	size_t cap = 0;

	TX_ALLOC_GROW(p, SIZE_MAX / 4, cap, 8); /* SIZE_MAX / 4 * 8 bytes overflows */
}

static void growth(void)
{
	char err[512];
	int *v = NULL;
	size_t n, cap = 0, caps = 0, last = 0;

	CHECK_EQ_INT(tx_st_mult(3, 5), 15, "st_mult multiplies");
	CHECK_EQ_INT(tx_st_mult(SIZE_MAX, 1), (long long)SIZE_MAX, "st_mult up to SIZE_MAX");
	CHECK_EQ_INT(in_child(mult_overflow, err, sizeof(err)), TX_EXIT_SOFTWARE,
		     "st_mult: an overflow is fatal (internal error)");
	CHECK_EQ_STR(err, "unit-util: size overflow: 9223372036854775808 * 2\n",
		     "st_mult: and says so");
	CHECK_EQ_INT(in_child(grow_overflow, err, sizeof(err)), TX_EXIT_SOFTWARE,
		     "ALLOC_GROW: a byte count past SIZE_MAX is fatal, not a short array");
	for (n = 0; n < 1000; n++) {
		TX_ALLOC_GROW(v, n + 1, cap, 16);
		v[n] = (int)n;
		if (cap != last) {
			caps++;
			last = cap;
		}
	}
	CHECK_EQ_INT(cap, 1024, "ALLOC_GROW doubles from its first capacity (16 .. 1024)");
	CHECK_EQ_INT(caps, 7, "seven reallocations for 1000 elements");
	for (n = 0; n < 1000 && v[n] == (int)n; n++)
		;
	CHECK_EQ_INT(n, 1000, "elements kept across growth");
	TX_ALLOC_GROW(v, 5000, cap, 16);
	CHECK_EQ_INT(cap, 5000, "ALLOC_GROW to at least n when doubling is not enough");
	free(v);
	v = tx_reallocarray(NULL, 3, sizeof(*v));
	v[2] = 7;
	CHECK_EQ_INT(v[2], 7, "reallocarray");
	free(v);
}

static void enoent_error(void)
{
	errno = ENOENT;
	tx_error_errno("cannot open '%s'", "x");
	tx_warn_at("in.ndjson", 12, "field '%s' is not a number", "amount");
	errno = EACCES;
	tx_die_errno(TX_EXIT_IO, "write error on %s", "out");
}

static void long_message(void)
{
	static char big[10000];

	memset(big, 'x', sizeof(big) - 1);
	tx_error("%s", big);
}

enum { WRITERS = 2, LINES = 400, LEN = 2000 };

/* A writer of the race below: LINES warnings of LEN letters c each. */
static void warn_lines(int fd, char c)
{
	static char text[LEN + 1];

	memset(text, c, LEN);
	dup2(fd, 2);
	for (int i = 0; i < LINES; i++)
		tx_warn("%s", text);
	_exit(0);
}

/*
 * Two processes write warnings to one pipe at once: every line read is one
 * whole message of one of them (tx_vwarn formats first, then writes once).
 */
static void no_interleaving(void)
{
	struct tx_buf got = TX_BUF_INIT;
	int fds[2], whole = 0, broken = 0;
	char chunk[65536], *p, *nl;
	size_t prefix = strlen("unit-util: ");
	ssize_t k;

	fflush(stdout);
	if (pipe(fds) < 0)
		return;
	for (int w = 0; w < WRITERS; w++)
		if (fork() == 0) {
			close(fds[0]);
			warn_lines(fds[1], (char)('a' + w));
		}
	close(fds[1]);
	while ((k = read(fds[0], chunk, sizeof(chunk))) > 0)
		tx_buf_add(&got, chunk, (size_t)k);
	close(fds[0]);
	while (wait(NULL) > 0)
		;
	for (p = got.p; p && (nl = memchr(p, '\n', got.len - (size_t)(p - got.p))); p = nl + 1) {
		size_t n = (size_t)(nl - p), i = prefix;
		if (n == prefix + LEN && !memcmp(p, "unit-util: ", prefix))
			while (i < n && p[i] == p[prefix])
				i++;
		if (i == prefix + LEN)
			whole++;
		else
			broken++;
	}
	CHECK_EQ_INT(whole, WRITERS * LINES, "two writers on one pipe: every message whole");
	CHECK_EQ_INT(broken, 0, "no line mixes two messages");
	tx_buf_release(&got);
}

static void messages(void)
{
	char err[12000];

	CHECK_EQ_INT(in_child(enoent_error, err, sizeof(err)), TX_EXIT_IO,
		     "tx_die_errno exits with the status given");
	CHECK_EQ_STR(err,
		     "unit-util: cannot open 'x': No such file or directory\n"
		     "unit-util: in.ndjson:12: field 'amount' is not a number\n"
		     "unit-util: write error on out: Permission denied\n",
		     "error_errno appends strerror(errno); warn_at names source and line");
	errno = EPIPE;
	CHECK_EQ_INT(tx_error_errno("%s", "") + (errno == EPIPE), 0,
		     "tx_error_errno returns -1 and keeps errno");
	in_child(long_message, err, sizeof(err));
	CHECK_EQ_INT(strlen(err), 4096, "a long message is cut to 4096 bytes, newline included");
	CHECK(!strcmp(err + 4096 - 4, "...\n"), "and ends with '...'");
	no_interleaving();
}

#ifdef __GLIBC__
/*
 * In a child (the allocator's settings are the process's): 40 MiB in 4 KiB
 * blocks, all freed. Exit 0 when the heap kept them, 1 when it gave them
 * back to the system, 77 when the allocator is not glibc's (a sanitizer's
 * or valgrind's: it does not count them).
 */
#define KEEP_BLOCKS 10240
static int heap_kept(int keep)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		static void *blocks[KEEP_BLOCKS];
		struct mallinfo2 mi;
		size_t i;

		if (keep)
			tx_malloc_keep();
		for (i = 0; i < KEEP_BLOCKS; i++)
			blocks[i] = tx_malloc(4096);
		mi = mallinfo2();
		if (mi.uordblks < KEEP_BLOCKS * 4096)
			_exit(77);
		for (i = KEEP_BLOCKS; i-- > 0;)
			free(blocks[i]);
		mi = mallinfo2();
		_exit(mi.keepcost >= (KEEP_BLOCKS - 1024) * 4096 ? 0 : 1);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static void malloc_keep(void)
{
	int kept = heap_kept(1), given = heap_kept(0);

	if (kept == 77 || given == 77) {
		printf("ok %d - tx_malloc_keep # SKIP not glibc's allocator\n", ++unit_count);
		return;
	}
	CHECK_EQ_INT(kept, 0, "tx_malloc_keep: 40 MiB freed stay in the heap");
	CHECK_EQ_INT(given, 1, "without it, glibc gives them back to the system");
}
#else
static void malloc_keep(void)
{
}
#endif

/* ---- tx_worker ---- */

struct jobs {
	int order[64], n;   /* the jobs' numbers, in the order they ran */
	int here[64];	    /* the count of jobs their thread had run, them included */
	int blocked;	    /* jobs that ran with SIGTERM blocked */
	int next, finished; /* the number of the next job; the slow job's end */
};

static __thread int jobs_on_thread;

static void job(void *arg)
{
	struct jobs *j = arg;
	sigset_t m;
	struct timespec t = {0, 1000000}; /* 1 ms: the next run must wait for it */

	nanosleep(&t, NULL);
	j->here[j->n] = ++jobs_on_thread;
	j->order[j->n++] = j->next++;
	if (pthread_sigmask(SIG_BLOCK, NULL, &m) == 0 && sigismember(&m, SIGTERM))
		j->blocked++;
}

static void slow_job(void *arg)
{
	struct jobs *j = arg;
	struct timespec t = {0, 50000000};

	nanosleep(&t, NULL);
	j->finished = 1;
}

static void worker(void)
{
	struct tx_worker w;
	struct jobs j;
	int i, ok = 1, rc = 0;

	memset(&w, 0, sizeof(w));
	memset(&j, 0, sizeof(j));
	tx_worker_wait(&w); /* never started: returns */
	for (i = 0; i < 40; i++)
		rc |= tx_worker_run(&w, job, &j); /* each waits for the one before */
	tx_worker_wait(&w);
	CHECK_EQ_INT(rc, 0, "tx_worker_run: started");
	CHECK_EQ_INT(j.n, 40, "tx_worker: every job ran");
	for (i = 0; i < j.n; i++)
		ok &= j.order[i] == i && j.here[i] == i + 1;
	CHECK_EQ_INT(ok, 1, "tx_worker: in order, one after the other, all on one thread");
	CHECK_EQ_INT(j.blocked, 40, "tx_worker: its thread takes no signal");
	CHECK_EQ_INT(jobs_on_thread, 0, "tx_worker: no job ran on the caller's thread");
	tx_worker_run(&w, slow_job, &j);
	tx_worker_stop(&w);
	CHECK_EQ_INT(j.finished, 1, "tx_worker_stop: waits for the job in hand");
	tx_worker_stop(&w); /* stopped: nothing to do */
	j.n = 0;
	tx_worker_run(&w, job, &j);
	tx_worker_wait(&w);
	CHECK_EQ_INT(j.n == 1 && j.here[0] == 1, 1, "tx_worker_run after a stop: a new thread");
	tx_worker_stop(&w);
}

int cmd_main(int argc, char **argv);
int cmd_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	growth();
	messages();
	malloc_keep();
	worker();
	return unit_done();
}
