/* Diagnostics, allocation and small parsing helpers: see tx.h. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "tx.h"

const char *tx_progname = "tx";
int tx_quiet;

void tx_vwarn(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", tx_progname);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int tx_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tx_vwarn(fmt, ap);
	va_end(ap);
	return -1;
}

void tx_warn(const char *fmt, ...)
{
	va_list ap;

	if (tx_quiet)
		return;
	va_start(ap, fmt);
	tx_vwarn(fmt, ap);
	va_end(ap);
}

void tx_die(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tx_vwarn(fmt, ap);
	va_end(ap);
	fflush(stdout);
	exit(status);
}

void tx_warn_at(const char *source, uint64_t line, const char *fmt, ...)
{
	va_list ap;

	if (tx_quiet)
		return;
	fprintf(stderr, "%s: %s:%llu: ", tx_progname, source, (unsigned long long)line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
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

uint64_t tx_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
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
