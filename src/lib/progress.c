/* Progress line and signal flag: see progress.h. */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "progress.h"
#include "tx.h"

volatile sig_atomic_t tx_signal;

/* A progress line is on the terminal (tx_progress_clear()). */
static atomic_int drawn;

int tx_progress_getopt(struct tx_progress *p, int c)
{
	if (c != TX_PROGRESS_OPT)
		return 0;
	p->asked = 1;
	return 1;
}

void tx_progress_start(struct tx_progress *p, enum tx_progress_when when, const char *what)
{
	int asked = p->asked;

	memset(p, 0, sizeof(*p));
	p->asked = asked;
	p->tty = isatty(2);
	p->on = !tx_quiet && (asked || (when == TX_PROGRESS_TTY && p->tty));
	p->what = what;
	p->start_ns = p->last_ns = tx_now_ns();
	p->next_check = 256;
}

void tx_progress_init(struct tx_progress *p, int requested, const char *what)
{
	p->asked = requested;
	tx_progress_start(p, TX_PROGRESS_TTY, what);
}

void tx_progress_also(struct tx_progress *p, const uint64_t *count, const char *one,
		      const char *many)
{
	p->also = count;
	p->also_one = one;
	p->also_many = many;
}

void tx_progress_show(struct tx_progress *p, uint64_t count)
{
	uint64_t now = tx_now_ns(), interval = p->tty ? 500000000u : 2000000000u;
	double secs, rate;
	char line[256];
	int n;

	p->next_check = count + 256;
	if (now - p->last_ns < interval)
		return;
	secs = (double)(now - p->last_ns) / 1e9;
	rate = (double)(count - p->last_count) / secs;
	/* one write, so that another program's line is not cut into ours */
	n = snprintf(line, sizeof(line), "%s%s: %llu %s, %.0f/s", p->tty ? "\r" : "", tx_progname,
		     (unsigned long long)count, p->what, rate);
	if (p->also && n >= 0 && (size_t)n < sizeof(line))
		n += snprintf(line + n, sizeof(line) - (size_t)n, ", %llu %s",
			      (unsigned long long)*p->also,
			      *p->also == 1 ? p->also_one : p->also_many);
	if (n < 0)
		n = 0;
	else if ((size_t)n >= sizeof(line) - 4)
		n = (int)sizeof(line) - 5; /* names too long: cut, the count is first */
	memcpy(line + n, p->tty ? "\033[K" : "\n", p->tty ? 4 : 2);
	fputs(line, stderr);
	if (p->tty)
		atomic_store_explicit(&drawn, 1, memory_order_relaxed);
	p->last_ns = now;
	p->last_count = count;
}

void tx_progress_clear(void)
{
	if (atomic_exchange_explicit(&drawn, 0, memory_order_relaxed) &&
	    write(STDERR_FILENO, "\r\033[K", 4) < 0) {
		/* a terminal that cannot be written to: nothing to erase */
	}
}

void tx_progress_end(struct tx_progress *p)
{
	(void)p;
	tx_progress_clear();
}

static volatile sig_atomic_t wake_fd = -1;

static void on_signal(int sig)
{
	int saved = errno;

	if (!tx_signal)
		tx_signal = sig;
	if (wake_fd >= 0 && write(wake_fd, "x", 1) < 0) {
		/* a full pipe has a wake-up in it already */
	}
	errno = saved;
}

void tx_signals_install(void)
{
	struct sigaction sa, old;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESETHAND; /* no SA_RESTART: blocking calls return EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* the terminal gone: stop as cleanly, unless started under nohup */
	if (sigaction(SIGHUP, NULL, &old) == 0 && old.sa_handler != SIG_IGN)
		sigaction(SIGHUP, &sa, NULL);
}

void tx_signals_wake(int fd)
{
	wake_fd = fd;
}
