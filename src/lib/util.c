/* Diagnostics, allocation and small parsing helpers: see tx.h. */
#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "progress.h"
#include "tx.h"

const char *tx_progname = "tx";
int tx_quiet;

/*
 * The one place a diagnostic is written: "prog: [source:line: ]message[:
 * strerror(errnum)]\n" formatted first, then written in one write() (git's
 * vreportf), so that messages of processes sharing a stderr pipe do not
 * interleave within a line (one write of up to PIPE_BUF bytes to a pipe is
 * atomic). A message longer than the buffer is cut, with "..." at its end.
 */
struct msg {
	char p[4096]; /* the '\n' takes the place of the NUL */
	size_t len;
	int cut;
};

static void vput(struct msg *m, const char *fmt, va_list ap)
{
	size_t room = sizeof(m->p) - m->len;
	int n;

	if (m->cut)
		return;
	n = vsnprintf(m->p + m->len, room, fmt, ap);
	if (n >= 0 && (size_t)n < room) {
		m->len += (size_t)n;
	} else if (n >= 0) {
		m->len = sizeof(m->p) - 1;
		m->cut = 1;
	}
}

static void put(struct msg *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct msg *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vput(m, fmt, ap);
	va_end(ap);
}

static void vreport(const char *source, uint64_t line, int errnum, const char *fmt, va_list ap)
{
	struct msg m = {.len = 0};
	const char *msg = m.p;
	size_t len;
	int saved = errno;

	put(&m, "%s: ", tx_progname);
	if (source)
		put(&m, "%s:%llu: ", source, (unsigned long long)line);
	vput(&m, fmt, ap);
	if (errnum)
		put(&m, ": %s", strerror(errnum));
	if (m.cut)
		memcpy(m.p + m.len - 3, "...", 3);
	m.p[m.len++] = '\n';
	len = m.len;
	tx_progress_clear(); /* a message on the terminal has a line of its own */
	fflush(stderr);	     /* anything stdio still holds goes first */
	for (size_t done = 0; done < len;) {
		ssize_t k = write(STDERR_FILENO, msg + done, len - done);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break; /* nowhere left to report it */
		done += (size_t)k;
	}
	errno = saved; /* a report changes nothing for the caller */
}

void tx_vwarn(const char *fmt, va_list ap)
{
	vreport(NULL, 0, 0, fmt, ap);
}

int tx_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(NULL, 0, 0, fmt, ap);
	va_end(ap);
	return -1;
}

int tx_error_errno(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(NULL, 0, errno, fmt, ap);
	va_end(ap);
	return -1;
}

void tx_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (!tx_quiet)
		vreport(NULL, 0, 0, fmt, ap);
	va_end(ap);
}

void tx_warn_errno(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (!tx_quiet)
		vreport(NULL, 0, errno, fmt, ap);
	va_end(ap);
}

void tx_warn_at(const char *source, uint64_t line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (!tx_quiet)
		vreport(source, line, 0, fmt, ap);
	va_end(ap);
}

static __attribute__((noreturn)) void vdie(int status, int errnum, const char *fmt, va_list ap)
{
	vreport(NULL, 0, errnum, fmt, ap);
	fflush(stdout);
	exit(status);
}

void tx_die(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdie(status, 0, fmt, ap);
}

void tx_die_errno(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdie(status, errno, fmt, ap);
}

static void *oom(size_t n)
{
	tx_die(TX_EXIT_SOFTWARE, "out of memory allocating %zu bytes", n);
}

void *tx_malloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	return p ? p : oom(n);
}

void *tx_realloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	return q ? q : oom(n);
}

void *tx_calloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
	return p ? p : oom(nmemb * size);
}

size_t tx_st_mult(size_t a, size_t b)
{
	size_t n;

	if (__builtin_mul_overflow(a, b, &n))
		tx_die(TX_EXIT_SOFTWARE, "size overflow: %zu * %zu", a, b);
	return n;
}

void tx_malloc_keep(void)
{
#ifdef __GLIBC__
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
	mallopt(M_TOP_PAD, 16 << 20);
#endif
}

void *tx_reallocarray(void *p, size_t nmemb, size_t size)
{
	return tx_realloc(p, tx_st_mult(nmemb, size));
}

void *tx_grow_array(void *p, size_t elem, size_t n, size_t *cap, size_t first)
{
	size_t c = *cap ? tx_st_mult(*cap, 2) : first;

	if (c < n)
		c = n;
	p = tx_reallocarray(p, c, elem);
	*cap = c;
	return p;
}

char *tx_strdup(const char *s)
{
	return tx_strndup(s, strlen(s));
}

char *tx_strndup(const char *s, size_t n)
{
	char *p = tx_malloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

int tx_parse_int64(const char *s, int64_t min, int64_t max, int64_t *out)
{
	char *end;
	long long v;

	if (!s || !*s || (min >= 0 && *s == '-') || *s == ' ' || *s == '+')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* A clock in nanoseconds, 0 when it cannot be read. */
static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t tx_now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

uint64_t tx_thread_cpu_ns(void)
{
	return clock_ns(CLOCK_THREAD_CPUTIME_ID);
}

int64_t tx_wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int tx_thread_start(pthread_t *t, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	int err;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(t, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return err;
}

static void *worker_main(void *arg)
{
	struct tx_worker *w = arg;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->fn && !w->stop)
			pthread_cond_wait(&w->cv, &w->mu);
		if (!w->fn)
			break;
		pthread_mutex_unlock(&w->mu);
		w->fn(w->arg);
		pthread_mutex_lock(&w->mu);
		w->fn = NULL;
		pthread_cond_broadcast(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

int tx_worker_run(struct tx_worker *w, void (*fn)(void *), void *arg)
{
	if (!w->started) {
		pthread_mutex_init(&w->mu, NULL);
		pthread_cond_init(&w->cv, NULL);
		w->fn = NULL;
		w->stop = 0;
		if (tx_thread_start(&w->thread, worker_main, w) != 0) {
			pthread_cond_destroy(&w->cv);
			pthread_mutex_destroy(&w->mu);
			return -1;
		}
		w->started = 1;
	}
	pthread_mutex_lock(&w->mu);
	while (w->fn)
		pthread_cond_wait(&w->cv, &w->mu);
	w->fn = fn;
	w->arg = arg;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	return 0;
}

void tx_worker_wait(struct tx_worker *w)
{
	if (!w->started)
		return;
	pthread_mutex_lock(&w->mu);
	while (w->fn)
		pthread_cond_wait(&w->cv, &w->mu);
	pthread_mutex_unlock(&w->mu);
}

void tx_worker_stop(struct tx_worker *w)
{
	if (!w->started)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = 1;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	w->started = 0;
}

int tx_control_ask(const char *path, const char *command, char *reply, size_t replysz)
{
	struct sockaddr_un sa;
	size_t len = 0;
	ssize_t r;
	int fd, e;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    write(fd, command, strlen(command)) < 0 || write(fd, "\n", 1) < 0) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	while (len < replysz - 1 && (r = read(fd, reply + len, replysz - 1 - len)) > 0)
		len += (size_t)r;
	close(fd);
	reply[len] = '\0';
	reply[strcspn(reply, "\n")] = '\0';
	return 0;
}

int tx_close_stdout(int status)
{
	/* A pipeline that silently lost output is the worst bug here (jq). */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (errno != EPIPE)
			tx_error_errno("write error on standard output");
		if (status == TX_EXIT_OK)
			status = errno == EPIPE ? TX_EXIT_OK : TX_EXIT_IO;
	}
	if (fclose(stdout) != 0 && errno != EPIPE && status == TX_EXIT_OK) {
		tx_error_errno("write error on standard output");
		status = TX_EXIT_IO;
	}
	return status;
}
