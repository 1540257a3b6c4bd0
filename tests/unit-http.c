/* Unit tests for http.h: listen addresses, bearer tokens (txtop --http, txhttp). */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http.h"
#include "tx.h"
#include "unit.h"

static void test_listen(void)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int lo = -1;

	CHECK_EQ_INT(tx_http_parse_listen("8080", "--http", &ss, &len, &lo), 0, "a bare port");
	CHECK(ss.ss_family == AF_INET && lo == 1, "a bare port: 127.0.0.1, loopback");
	CHECK_EQ_INT(ntohs(((struct sockaddr_in *)&ss)->sin_port), 8080, "the port");
	CHECK_EQ_INT(tx_http_parse_listen("127.0.0.2:0", "--http", &ss, &len, &lo), 0, "127/8");
	CHECK_EQ_INT(lo, 1, "all of 127/8 is loopback");
	CHECK_EQ_INT(tx_http_parse_listen("0.0.0.0:80", "--http", &ss, &len, &lo), 0, "any");
	CHECK_EQ_INT(lo, 0, "0.0.0.0 is not loopback");
	CHECK_EQ_INT(tx_http_parse_listen("[::1]:8080", "--http", &ss, &len, &lo), 0, "[::1]");
	CHECK(ss.ss_family == AF_INET6 && lo == 1, "[::1] is IPv6 loopback");
	CHECK_EQ_INT(tx_http_parse_listen("[::]:8080", "--http", &ss, &len, &lo), 0, "[::]");
	CHECK_EQ_INT(lo, 0, "[::] is not loopback");
	CHECK_EQ_INT(tx_http_parse_listen("65536", "--http", &ss, &len, &lo), -1, "port too big");
	CHECK_EQ_INT(tx_http_parse_listen("host:80", "--http", &ss, &len, &lo), -1,
		     "names are not looked up");
	CHECK_EQ_INT(tx_http_parse_listen("1.2.3.4:", "--http", &ss, &len, &lo), -1, "no port");
}

static void test_tokens(void)
{
	struct tx_http_tokens t;
	char path[] = "unit-http-tokens.XXXXXX";
	int fd = mkstemp(path);
	static const char text[] = "# tokens\n\nalpha-123\r\nbeta \n";

	CHECK(fd >= 0 && write(fd, text, sizeof(text) - 1) == (ssize_t)(sizeof(text) - 1),
	      "token file written");
	close(fd);
	CHECK_EQ_INT(tx_http_tokens_load(&t, path), 0, "tokens load");
	CHECK_EQ_INT(t.n, 2, "comments and blank lines skipped");
	CHECK_EQ_INT(tx_http_token_ok(&t, "alpha-123"), 1, "first token");
	CHECK_EQ_INT(tx_http_token_ok(&t, "beta"), 1, "trailing blank and CR dropped");
	CHECK_EQ_INT(tx_http_token_ok(&t, "alpha-12"), 0, "a prefix is not the token");
	CHECK_EQ_INT(tx_http_token_ok(&t, "alpha-1234"), 0, "nor a longer one");
	CHECK_EQ_INT(tx_http_token_ok(&t, "betabeta"), 0, "nor the token twice");
	CHECK_EQ_INT(tx_http_token_ok(&t, ""), 0, "empty");
	CHECK_EQ_INT(tx_http_token_ok(&t, NULL), 0, "none");
	tx_http_tokens_release(&t);
	CHECK_EQ_STR(tx_http_bearer("Bearer  abc"), "abc", "bearer header");
	CHECK_EQ_STR(tx_http_bearer("bearer abc"), "abc", "the scheme is case-insensitive");
	CHECK(tx_http_bearer("Basic abc") == NULL, "not a bearer header");
	CHECK(tx_http_bearer(NULL) == NULL, "no header");
	fd = open(path, O_WRONLY | O_TRUNC);
	CHECK(fd >= 0 && write(fd, "# none\n", 7) == 7, "empty token file written");
	close(fd);
	CHECK_EQ_INT(tx_http_tokens_load(&t, path), -1, "a file without tokens is refused");
	tx_http_tokens_release(&t);
	unlink(path);
}

/* What tx_http_start_failed(listen, err) writes to stderr, and its status. */
static int start_failed(const char *listen, int err, char *msg, size_t size)
{
	char path[] = "unit-http-err.XXXXXX";
	int fd = mkstemp(path), saved = dup(2), status;
	ssize_t n;

	fflush(stderr);
	dup2(fd, 2);
	status = tx_http_start_failed(listen, err);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = pread(fd, msg, size - 1, 0);
	msg[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(path);
	return status;
}

static void test_start_failed(void)
{
	char msg[512];

	tx_progname = "unit-http";
	CHECK_EQ_INT(start_failed("127.0.0.1:8080", EAGAIN, msg, sizeof(msg)), TX_EXIT_SOFTWARE,
		     "a thread the system refused: exit 70");
	CHECK(strstr(msg, "unit-http: cannot start the HTTP server on '127.0.0.1:8080': ") == msg &&
		  strstr(msg, "(out of a system resource: see ulimit -u and ulimit -v)\n"),
	      "a thread the system refused: said so");
	CHECK_EQ_INT(start_failed("127.0.0.1:8080", ENOMEM, msg, sizeof(msg)), TX_EXIT_SOFTWARE,
		     "memory the system refused: exit 70");
	CHECK_EQ_INT(start_failed("192.0.2.1:80", EADDRNOTAVAIL, msg, sizeof(msg)),
		     TX_EXIT_UNAVAILABLE, "an address not on this machine: exit 4");
	CHECK(strstr(msg, "unit-http: cannot listen on '192.0.2.1:80': ") == msg,
	      "an address not on this machine: said so");
	CHECK_EQ_INT(start_failed("127.0.0.1:80", EACCES, msg, sizeof(msg)), TX_EXIT_UNAVAILABLE,
		     "a port not allowed: exit 4");
}

int main(void)
{
	test_listen();
	test_tokens();
	test_start_failed();
	return unit_done();
}
