/*
 * http.h: what txkit's HTTP servers share (txtop --http, txhttp): where to
 * listen, and who may ask.
 *
 * The rule, the same in every program: a server listens on loopback by
 * default (only the machine's own users reach it); any other address needs
 * bearer tokens (--token-file), one a line, compared in constant time.
 * Nothing here depends on the HTTP library: the servers use libmicrohttpd,
 * these helpers only sockets and text.
 */
#ifndef TX_HTTP_H
#define TX_HTTP_H

#include <stdarg.h>
#include <stddef.h>
#include <sys/socket.h>

/*
 * Parse "[ADDR:]PORT" ("8080", "127.0.0.1:0", "[::1]:8080", "0.0.0.0:8080";
 * a bare port means 127.0.0.1) into *ss and *len; *loopback tells whether
 * the address is a loopback one. Port 0 lets the system choose.
 * what names the option in messages ("--http"). 0, or -1 (reported).
 */
int tx_http_parse_listen(const char *arg, const char *what, struct sockaddr_storage *ss,
			 socklen_t *len, int *loopback);

/*
 * The HTTP library could not start a server on listen (what -l or --http
 * gave), with err the errno it left: report it and return the exit status.
 * A thread or memory the system refused (EAGAIN, ENOMEM: see ulimit -u and
 * ulimit -v) is TX_EXIT_SOFTWARE, as tx_kafka_new_failed() decides for the
 * Kafka client; anything else is the address, TX_EXIT_UNAVAILABLE.
 */
int tx_http_start_failed(const char *listen, int err);

/*
 * A message of libmicrohttpd's (its MHD_OPTION_EXTERNAL_LOGGER's), as one
 * tx_warn() line: it ends its messages with a newline of its own.
 */
void tx_http_vwarn(const char *fmt, va_list ap);

/* The bound address of a listening socket as a URL base: "http://127.0.0.1:8080". */
void tx_http_url(int fd, char *out, size_t size);

struct tx_http_tokens {
	char **tok; /* owned */
	size_t n;
};

/*
 * Read bearer tokens from path, one a line ('#' comments and blank lines
 * skipped; trailing blanks and CR dropped). Warns when the file is readable
 * by group or others. 0, or -1 (reported; also when the file has no token).
 */
int tx_http_tokens_load(struct tx_http_tokens *t, const char *path);
void tx_http_tokens_release(struct tx_http_tokens *t);

/*
 * Whether the token given (NULL: none) is one of t's. Every token is
 * compared in full whatever matches, so the time taken tells nothing about
 * which one matched how far.
 */
int tx_http_token_ok(const struct tx_http_tokens *t, const char *given);

/*
 * The token of an "Authorization: Bearer TOKEN" header value (NULL when the
 * header is absent or not a bearer one): a pointer into header.
 */
const char *tx_http_bearer(const char *header);

#endif
