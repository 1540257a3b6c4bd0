/*
 * progress.h: the one-line progress report, its --progress option, and the
 * signal flag that long-running programs share.
 *
 * Progress: the count that matters to the program ("records read",
 * "records committed") and the rate, on stderr. On a terminal it is one
 * line rewritten in place about twice a second, erased at the end (the
 * summary follows) and before a message or the program's own output there
 * (tx_progress_clear()); otherwise (into a file or pipe) a line is
 * appended every 2 s: "txbal: 120000 records read, 59990/s". Never with
 * -q. When it is shown is the program's kind, tx_progress_start()'s when:
 *
 *   TX_PROGRESS_TTY    with --progress, and by default when stderr is a
 *                      terminal: txpub and txsub, which wait on the network
 *                      and are the stages a user watches.
 *   TX_PROGRESS_ASKED  only with --progress: the stream filters (txgen,
 *                      txbal, txlog, txmap, txstore). In `txgen | txbal |
 *                      txstore` all stages share one terminal; if each
 *                      drew its line by default they would overwrite each
 *                      other, so a filter draws only the line asked for.
 *
 * tx(7), "Progress", says the same to users.
 *
 * Updating is cheap: the clock is read only every 256 counts, so call it
 * for every record (or batch); an idle loop (input would block) passes
 * force = 1, so a slow stream's line still moves.
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

enum tx_progress_when { TX_PROGRESS_TTY, TX_PROGRESS_ASKED };

struct tx_progress {
	int asked; /* --progress (tx_progress_getopt()) */
	int on, tty;
	const char *what;     /* borrowed: "records read" */
	const uint64_t *also; /* borrowed: a second count shown after the rate, or NULL */
	const char *also_one, *also_many; /* its noun: "batch", "batches" */
	uint64_t start_ns, last_ns, last_count, next_check;
};

/*
 * --progress, the same option in every program: its entry for the
 * getopt_long() table, and the value getopt_long() returns for it.
 */
enum { TX_PROGRESS_OPT = 0x1100 };
#define TX_PROGRESS_LONGOPT                                                                        \
	{                                                                                          \
		"progress", no_argument, NULL, TX_PROGRESS_OPT                                     \
	}
/*
 * Handle one option returned by getopt_long(): 1 when it was --progress
 * (p->asked is set; p zeroed before the loop), 0 when it was not.
 */
int tx_progress_getopt(struct tx_progress *p, int c);
/*
 * After the options (-q may come last): decide whether to show progress
 * (see when above) and start the clock. what is borrowed.
 */
void tx_progress_start(struct tx_progress *p, enum tx_progress_when when, const char *what);
/* tx_progress_start(p, TX_PROGRESS_TTY, what) with --progress as requested. */
void tx_progress_init(struct tx_progress *p, int requested, const char *what);
/*
 * Show *count as well, after the rate ("1 batch", "3 batches"), read when a
 * line is shown. All borrowed; count is updated by the thread that calls
 * tx_progress_update().
 */
void tx_progress_also(struct tx_progress *p, const uint64_t *count, const char *one,
		      const char *many);
void tx_progress_show(struct tx_progress *p, uint64_t count);
/* Cheap per-record update; idle callers pass force = 1 to let the clock be read. */
static inline void tx_progress_update(struct tx_progress *p, uint64_t count, int force)
{
	if (p->on && (force || count >= p->next_check))
		tx_progress_show(p, count);
}
/* Erase the terminal line (the summary follows on its own line). */
void tx_progress_end(struct tx_progress *p);
/*
 * Erase the line drawn on the terminal, if one is: called before anything
 * else is written there, a diagnostic (tx_warn(), tx_error()) or the data
 * of a struct tx_out on a terminal (out.h), so that it comes on a line of
 * its own instead of after the count; the next tx_progress_show() draws the
 * line again, below. Any thread may call it.
 */
void tx_progress_clear(void);

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
