/*
 * progress.h: the one-line progress report and the signal flag that
 * long-running programs (txpub, txsub) share.
 *
 * Progress: shown on stderr with --progress, or by default when stderr is a
 * terminal (never with -q). On a terminal it is one line rewritten in place
 * about twice a second and erased at the end; otherwise (--progress into a
 * file or pipe) a line is appended every 2 s. Updating is cheap: the clock
 * is read only every 256 counts, so call it for every record.
 *
 * Signals, the same in every program (tx(7), SIGNALS):
 * tx_signals_install() catches SIGINT, SIGTERM and SIGHUP (a program that
 * gives SIGHUP a meaning of its own, such as txlog's reopen, installs its
 * handler after this one). SIGINT and SIGTERM are caught even when the
 * program starts with them ignored (sh starts a background job so: `prog &
 * kill -INT $!` must stop it cleanly); SIGHUP is left ignored when it is
 * (nohup). The handler records the first signal's number in tx_signal
 * (volatile sig_atomic_t; a later one does not replace it); the program
 * checks it in its loop, stops intake, flushes and exits with
 * TX_EXIT_SIGNAL + tx_signal. The handler is installed without SA_RESTART,
 * so a blocking read or poll returns EINTR at once, and with SA_RESETHAND,
 * so a second signal kills the program the usual way.
 */
#ifndef TX_PROGRESS_H
#define TX_PROGRESS_H

#include <signal.h>
#include <stdint.h>

struct tx_progress {
	int on, tty;
	const char *what; /* borrowed: "records" */
	uint64_t start_ns, last_ns, last_count, next_check;
	int shown; /* a line is on the terminal that tx_progress_end() must erase */
};

/* Decide whether to show progress (requested: --progress). */
void tx_progress_init(struct tx_progress *p, int requested, const char *what);
void tx_progress_show(struct tx_progress *p, uint64_t count);
/* Cheap per-record update; idle callers pass force = 1 to let the clock be read. */
static inline void tx_progress_update(struct tx_progress *p, uint64_t count, int force)
{
	if (p->on && (force || count >= p->next_check))
		tx_progress_show(p, count);
}
/* Erase the terminal line (the summary follows on its own line). */
void tx_progress_end(struct tx_progress *p);

/* The first SIGINT, SIGTERM or SIGHUP caught, 0 if none. */
extern volatile sig_atomic_t tx_signal;
void tx_signals_install(void);
/*
 * Also write a byte to fd (the write end of a non-blocking self-pipe) for
 * every signal caught, to wake a poll() that EINTR cannot reach (another
 * thread's, or a library's). -1 turns it off.
 */
void tx_signals_wake(int fd);

#endif
