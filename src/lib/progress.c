/* Progress line and signal flag: see progress.h. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "progress.h"
#include "tx.h"

volatile sig_atomic_t tx_signal;

void tx_progress_init(struct tx_progress *p, int requested, const char *what)
{
	memset(p, 0, sizeof(*p));
	p->tty = isatty(2);
	p->on = !tx_quiet && (requested || p->tty);
	p->what = what;
	p->start_ns = p->last_ns = tx_now_ns();
	p->next_check = 256;
}

void tx_progress_show(struct tx_progress *p, uint64_t count)
{
	uint64_t now = tx_now_ns(), interval = p->tty ? 500000000u : 2000000000u;
	double secs, rate;

	p->next_check = count + 256;
	if (now - p->last_ns < interval)
		return;
	secs = (double)(now - p->last_ns) / 1e9;
	rate = (double)(count - p->last_count) / secs;
	if (p->tty)
		fprintf(stderr, "\r%s: %llu %s, %.0f/s\033[K", tx_progname,
			(unsigned long long)count, p->what, rate);
	else
		fprintf(stderr, "%s: %llu %s, %.0f/s\n", tx_progname, (unsigned long long)count,
			p->what, rate);
	p->shown = p->tty;
	p->last_ns = now;
	p->last_count = count;
}

void tx_progress_end(struct tx_progress *p)
{
	if (p->shown)
		fputs("\r\033[K", stderr);
	p->shown = 0;
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
