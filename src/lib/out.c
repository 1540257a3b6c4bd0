/* Buffered output: see out.h. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "out.h"
#include "tx.h"

void tx_out_init(struct tx_out *o, int fd, const char *name)
{
	memset(o, 0, sizeof(*o));
	o->fd = fd;
	o->name = name ? name : "stdout";
	o->limit = 64 * 1024;
	o->line_buffered = isatty(fd);
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
