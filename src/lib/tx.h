/*
 * tx.h: what every txkit program shares: exit statuses, diagnostics and the
 * common main().
 *
 * Each program defines cmd_main(); common-main.c owns main() (the git way):
 * it ignores SIGPIPE so a closed pipe shows up as EPIPE on write, where the
 * program can decide what it means, and it checks stdout at exit.
 */
#ifndef TX_H
#define TX_H

#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * Exit statuses, the same in every program and documented in each man page
 * (EXIT STATUS) and in tx(7).
 */
enum tx_exit {
	TX_EXIT_OK = 0,		 /* everything read was handled */
	TX_EXIT_REJECTED = 1,	 /* some input records were rejected, the rest handled */
	TX_EXIT_USAGE = 2,	 /* bad command line or configuration */
	TX_EXIT_IO = 3,		 /* a file, stdin or stdout could not be read or written */
	TX_EXIT_UNAVAILABLE = 4, /* the broker or the database could not be reached */
	TX_EXIT_UNDELIVERED = 5, /* records were accepted but not delivered or stored */
	TX_EXIT_GAP = 6,	 /* the input does not continue what is stored: refused */
	TX_EXIT_SOFTWARE = 70,	 /* internal error (a bug: please report it) */
	TX_EXIT_SIGNAL = 128	 /* + signal number: stopped by a signal after a clean flush */
};

/* The program's name as invoked, for messages ("txgen"). */
extern const char *tx_progname;

/*
 * The program's entry point, called by common-main.c's main(). main()
 * answers `PROG --version` itself (as the first argument), before
 * cmd_main() runs.
 */
int cmd_main(int argc, char **argv);

/*
 * What main() does after cmd_main(): flush and close stdout, saying so on
 * a write error. Returns status, or the exit status a write error sets.
 */
int tx_close_stdout(int status);

/*
 * --help: write the option list of program prog (its man page's OPTIONS,
 * one line or so each; src/lib/help.inc is generated from the pages by
 * man/help.py) and where the details are, after the program's own usage.
 */
struct tx_help {
	const char *prog, *options;
};
extern const struct tx_help tx_help_pages[];
void tx_help(FILE *fp, const char *prog);
/* --help: usage(stdout), tx_help(stdout, prog); returns TX_EXIT_OK. */
int tx_help_exit(void (*usage)(FILE *), const char *prog);
/* A bad command line, after its message: "Try 'PROG --help' for more information." */
void tx_usage_error(void);
/*
 * Arguments argv[first..argc) that a program does not take: 0 when there
 * are none, else TX_EXIT_USAGE after "unexpected argument 'X'" and the hint.
 */
int tx_no_more_args(int argc, char **argv, int first);

/*
 * Diagnostics go to stderr only, as "prog: message". Library code reports
 * with tx_error() and returns -1; it never exits. Programs exit with
 * tx_die() (status given) or return from cmd_main(). Each message is
 * formatted whole, then written in one write(), so messages of processes
 * sharing one stderr pipe never interleave within a line; errno is kept.
 * The _errno variants append ": strerror(errno)" (git's error_errno()).
 */
int tx_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int tx_error_errno(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void tx_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void tx_warn_errno(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void tx_die(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
void tx_die_errno(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
/* "prog: source:line: message": the form every bad input line is reported in. */
void tx_warn_at(const char *source, uint64_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void tx_vwarn(const char *fmt, va_list ap);

/* Quiet mode: tx_warn/tx_warn_at print nothing when set (errors still print). */
extern int tx_quiet;

/* Allocation that never returns NULL: out of memory is fatal (TX_EXIT_SOFTWARE). */
void *tx_malloc(size_t n);
void *tx_realloc(void *p, size_t n);
void *tx_calloc(size_t nmemb, size_t size);
char *tx_strdup(const char *s);
char *tx_strndup(const char *s, size_t n);

/*
 * Keep freed memory for reuse: up to 256 MiB free at the top of the heap
 * stay there instead of going back to the system, and the heap grows by
 * 16 MiB more than asked. For the Kafka programs, whose memory rises and
 * falls by many megabytes (librdkafka's queues of messages, filled and
 * emptied in waves): the system would otherwise be given the pages back at
 * every dip and take a page fault for each 4 KiB of the next rise. It fixes
 * glibc's thresholds (the adaptive mmap threshold included), so call it at
 * start. Does nothing without glibc.
 */
void tx_malloc_keep(void);

/* a * b, where an overflow is fatal (TX_EXIT_SOFTWARE): git's st_mult(). */
size_t tx_st_mult(size_t a, size_t b);
/* realloc(p, nmemb * size) that checks the product (OpenBSD reallocarray) and never fails. */
void *tx_reallocarray(void *p, size_t nmemb, size_t size);
/*
 * Room for n elements of size elem in the array p of capacity *cap: when n
 * > *cap, the capacity doubles (from first, at least n) and the array is
 * reallocated. Returns the array; an overflow is fatal. Use TX_ALLOC_GROW.
 */
void *tx_grow_array(void *p, size_t elem, size_t n, size_t *cap, size_t first);
/* git's ALLOC_GROW: make array p (capacity cap, a size_t) hold n elements. */
#define TX_ALLOC_GROW(p, n, cap, first)                                                            \
	do {                                                                                       \
		if ((n) > (cap))                                                                   \
			(p) = tx_grow_array((p), sizeof(*(p)), (n), &(cap), (first));              \
	} while (0)

/*
 * Parse a whole decimal number (no sign unless min < 0) within [min, max].
 * Returns 0, or -1 when s is not entirely such a number. For option values.
 */
int tx_parse_int64(const char *s, int64_t min, int64_t max, int64_t *out);

/*
 * Send one line, command, to txbroker's control socket at path (a Unix
 * stream socket, txbroker(1)) and read its one-line answer ("ok", or
 * "error: ...") into reply, without the newline. Returns 0, or -1 with
 * errno set (ENAMETOOLONG: path too long) when it cannot be reached.
 */
int tx_control_ask(const char *path, const char *command, char *reply, size_t replysz);

/* Monotonic clock in nanoseconds, for rates and intervals. */
uint64_t tx_now_ns(void);
/* The CPU time the calling thread has used, in nanoseconds (0 if unknown). */
uint64_t tx_thread_cpu_ns(void);
/* Wall clock in microseconds since the epoch, UTC. */
int64_t tx_wall_us(void);

/*
 * pthread_create() for a helper thread that must not take the process's
 * signals: it starts with every signal blocked, so they interrupt the main
 * thread's blocking calls (reads, polls) and reach its handlers. Returns
 * pthread_create()'s result (0 when started).
 */
int tx_thread_start(pthread_t *t, void *(*fn)(void *), void *arg);

/*
 * A helper thread (as tx_thread_start()'s) that runs one job at a time for
 * its owner: started at the first job, then woken for each one. For work
 * handed over many times a second, such as a batch to store: a thread
 * started per job waits to be scheduled first, which cost txstore about
 * 1.5 ms a batch on a busy 2-core machine. Calls on one worker must not
 * overlap (its owner's, one at a time); a zeroed struct is a worker not
 * started yet.
 */
struct tx_worker {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	void (*fn)(void *); /* the job in hand, NULL when none */
	void *arg;
	int started, stop;
};
/*
 * Start fn(arg) on the worker, after waiting for the job before it.
 * Returns 0, or -1 when no thread could be started: the caller then runs
 * fn(arg) itself.
 */
int tx_worker_run(struct tx_worker *w, void (*fn)(void *), void *arg);
/* Wait until the worker's job is done (none: at once). */
void tx_worker_wait(struct tx_worker *w);
/* Wait for the job in hand, then end the thread; tx_worker_run() starts a new one. */
void tx_worker_stop(struct tx_worker *w);

#endif
