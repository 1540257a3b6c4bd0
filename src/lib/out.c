/* Buffered output: see out.h. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "out.h"
#include "progress.h"
#include "tx.h"

void tx_out_init(struct tx_out *o, int fd, const char *name)
{
	struct stat st;

	memset(o, 0, sizeof(*o));
	o->fd = fd;
	o->name = name ? name : "stdout";
	o->limit = 64 * 1024;
	o->tty = o->line_buffered = isatty(fd);
	o->fifo = fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode);
	tx_buf_grow(&o->b, o->limit + 4096);
}

int tx_out_open(struct tx_out *o, const char *path)
{
	int fd = 1;

	if (strcmp(path, "-")) {
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
		if (fd < 0)
			return tx_error_errno("cannot open '%s' for writing", path);
	}
	tx_out_init(o, fd, strcmp(path, "-") ? path : "stdout");
	return 0;
}

int tx_out_flush(struct tx_out *o)
{
	size_t done = 0;

	if (o->err)
		return -1;
	if (o->tty && o->b.len)
		tx_progress_clear(); /* the lines go where it was, it is drawn again below them */
	while (done < o->b.len) {
		ssize_t n = write(o->fd, o->b.p + done, o->b.len - done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			o->err = errno;
			if (errno != EPIPE)
				tx_error_errno("write error on %s", o->name);
			return -1;
		}
		done += (size_t)n;
	}
	tx_buf_reset(&o->b);
	return 0;
}

int tx_out_idle(struct tx_out *o)
{
	struct pollfd p;

	if (o->b.len || o->err || !o->fifo)
		return tx_out_flush(o);
	/* a pipe without a reader polls as POLLERR, whatever was asked */
	p.fd = o->fd;
	p.events = 0;
	p.revents = 0;
	if (poll(&p, 1, 0) == 1 && (p.revents & POLLERR)) {
		o->err = EPIPE;
		return -1;
	}
	return 0;
}

int tx_out_close(struct tx_out *o)
{
	int r = tx_out_flush(o);

	if (o->fd > 2 && close(o->fd) < 0 && r == 0) {
		o->err = errno;
		r = tx_error_errno("write error on %s", o->name);
	}
	tx_buf_release(&o->b);
	o->fd = -1;
	return r;
}

void tx_rejects_init(struct tx_rejects *rj, int strict)
{
	memset(rj, 0, sizeof(*rj));
	rj->strict = strict;
}

int tx_rejects_open(struct tx_rejects *rj, const char *path)
{
	if (tx_out_open(&rj->out, path) < 0)
		return -1;
	rj->have_file = 1;
	return 0;
}

/* The reject file failed: EPIPE too is a loss here, so it is reported. */
static int rejects_failed(struct tx_rejects *rj)
{
	if (!rj->failed && rj->out.err == EPIPE) {
		errno = EPIPE;
		tx_error_errno("write error on %s", rj->out.name);
	}
	rj->failed = 1;
	return -1;
}

int tx_reject(struct tx_rejects *rj, const char *rec, size_t len, int flat)
{
	rj->count++;
	if (rj->have_file && !rj->failed) {
		struct tx_buf *b = tx_out_buf(&rj->out);
		size_t start = b->len;

		tx_buf_add(b, rec, len);
		if (flat)
			for (size_t i = start; i < b->len; i++)
				if (b->p[i] == '\n' || b->p[i] == '\r')
					b->p[i] = ' ';
		tx_buf_addch(b, '\n');
		if (tx_out_end_line(&rj->out) < 0)
			rejects_failed(rj);
	}
	return rj->strict || rj->failed;
}

int tx_reject_at(struct tx_rejects *rj, const char *source, uint64_t lineno, const char *why,
		 const char *rec, size_t len, int flat)
{
	tx_warn_at(source, lineno, "%s", why);
	return tx_reject(rj, rec, len, flat);
}

int tx_rejects_flush(struct tx_rejects *rj)
{
	if (rj->failed)
		return -1;
	if (rj->have_file && tx_out_flush(&rj->out) < 0)
		return rejects_failed(rj);
	return 0;
}

int tx_rejects_close(struct tx_rejects *rj)
{
	int r = 0;

	if (!rj->have_file)
		return rj->failed ? -1 : 0;
	if (rj->failed) {
		tx_buf_reset(&rj->out.b); /* already reported: not again */
		rj->out.err = 0;
		r = -1;
	}
	if (tx_out_close(&rj->out) < 0 && !rj->failed)
		r = rejects_failed(rj);
	rj->have_file = 0;
	return r;
}

int tx_rejects_status(const struct tx_rejects *rj)
{
	if (rj->failed)
		return TX_EXIT_IO;
	return rj->count ? TX_EXIT_REJECTED : TX_EXIT_OK;
}
