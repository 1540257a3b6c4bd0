/*
 * txtop.h: the parts of txtop(1) and how they share state.
 *
 * txtop.c   options, the worker thread's loop, main()
 * feed.c    the model's input side: the ring of blocks, the reader (main
 *           thread), the sampler that parses within a CPU budget, and the
 *           accounting of what it passes over (the statistics themselves
 *           are libtx's stats.c)
 * term.c    the terminal view (curses)
 * The SVG view is libtx's svg.c.
 */
#ifndef TXTOP_H
#define TXTOP_H

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "out.h"
#include "progress.h"
#include "record.h"
#include "stats.h"

#define NSLOTS	     8
#define SLOT_SIZE    (128 * 1024) /* also the longest line inspected */
#define MIN_COLS     80
#define MIN_LINES    24
#define FRAME_MS     250 /* redraw period */
#define MAX_DEFERRED 10
/* With --tee, the worker parses for at most this much of every window. */
#define WINDOW_NS     (50 * 1000000u)
#define TEE_BUDGET_NS (1000000u) /* 1 ms: 2% of a core */

/* ---- options and global state ---- */

struct txtop_opts {
	int tee, once, exit_at_eof, strict;
	const char *svg, *reject;
	const char *http, *token_file; /* --http [ADDR:]PORT, --token-file */
	int64_t svg_interval;	       /* seconds, 0: only at exit */
};
extern struct txtop_opts opt;

extern volatile sig_atomic_t quit_key; /* q pressed: stop */

enum { B_LONG_HEAD = 1 }; /* the block starts inside a line too long to inspect */

struct block {
	char *data;
	size_t len;
	int src;
	unsigned flags;
	uint64_t gap_bytes;  /* bytes passed through, not even counted, before this block */
	uint64_t arrival_ns; /* monotonic */
	int64_t arrival_us;  /* wall clock */
};

struct txtop_queue {
	pthread_mutex_t mu;
	pthread_cond_t freed;
	struct block slot[NSLOTS];
	int free_idx[NSLOTS], nfree;
	int fifo[NSLOTS], head, count;
	int sleeping;		  /* the worker waits in poll() for wake[0] */
	int resting;		  /* ... but only for the end of the input (over its budget) */
	int wake[2];		  /* self-pipe: reader -> worker */
	int input_done;		  /* the reader has published its last block */
	uint64_t final_gap_bytes; /* passed through at the very end, never handed over */
	uint64_t sample_lines, sample_bytes; /* counted in blocks not handed over (atomics) */
	int reader_finished;		     /* the reader loop has returned */
};
extern struct txtop_queue q;

extern pthread_t reader_thread;

struct source {
	const char *name; /* for messages: "stdin" for "-" */
	const char *path;
	uint64_t lineno;
	int lineno_approx; /* input was skipped uncounted: line numbers are estimates */
};
extern struct source *sources;
extern int nsources;
extern int nopened; /* of them, opened: none, and there is nothing to sum up */

/* The worker's state: it alone touches these while it runs. */
struct txtop_worker {
	struct tx_stats st;
	struct tx_record rec;
	uint64_t start_ns;
	int64_t start_us;
	int files;	 /* every source is a regular file: rates over event time */
	int eof;	 /* every source fully processed */
	uint64_t end_ns; /* when it was */
	int exit_status; /* from the worker: rejected lines, --strict, SVG errors */
	int screen;	 /* curses is active */
	int utf8;	 /* draw with block and braille characters */
	int colors;
	FILE *tty;
	int defer_warnings; /* stderr is the terminal we draw on: keep messages */
	char *deferred[MAX_DEFERRED];
	int ndeferred;
	char last_bad[200];
	struct tx_rejects rej; /* -r, --strict; the count is st.bad */
	uint64_t next_svg_ns;
	uint64_t next_web_ns;
	int web_final;			 /* the page has the figures of the end of the input */
	int output_closed;		 /* downstream closed stdout (EPIPE) */
	uint64_t seen_bytes, seen_lines; /* in blocks counted: for estimating skipped ones */
	uint64_t window_ns, busy_ns;	 /* parsing time in the current window */
};
extern struct txtop_worker w;
static inline int stopping(void)
{
	return tx_signal || quit_key; /* tx_signal: SIGINT, SIGTERM, SIGHUP */
}

/* feed.c */
/* Read every source to its end, passing records through with --tee. The exit status. */
int read_all(void);
void slot_release(int i);
/* Inspect a block's records (after accounting for what the reader skipped before it). */
void process_block(const struct block *b);
/* Account for bytes of the last source passed through without a look. */
void add_estimated(struct source *src, uint64_t bytes, uint64_t arrival_ns);
/* Nudge the reader out of a blocking read() once we are stopping. */
void nudge_reader(void);

/* term.c */
/* Start curses on /dev/tty. 0, or -1 (no terminal: the caller falls back to the summary). */
int screen_open(void);
extern const char *screen_why;
void screen_close(void);
/* atexit: a fatal error anywhere (out of memory) must not leave the terminal raw. */
void restore_terminal(void);
void handle_keys(void);
void draw(uint64_t now_ns);

/* web.c */
#define WEB_MS 500 /* at most two frames a second to the page, whatever the input rate */
struct tx_svg_view;
/* Listen (--http), with --token-file's tokens. An exit status: 0 when listening. */
int web_start(const char *listen, const char *token_file);
/* Event streams open now, plus one when a request waits for a fresh frame. */
int web_viewers(void);
/* Build this tick's frame from w.st and hand it to every viewer. */
void web_publish(const struct tx_svg_view *view);
/* Close every stream and stop listening. */
void web_stop(void);

#endif
