/* HTTP servers' shared rules: see http.h. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "http.h"
#include "tx.h"

void tx_http_vwarn(const char *fmt, va_list ap)
{
	char msg[1024];
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	tx_warn("%s", msg);
}

int tx_http_start_failed(const char *listen, int err)
{
	if (err == EAGAIN || err == ENOMEM) {
		tx_error("cannot start the HTTP server on '%s': %s (out of a system resource: see "
			 "ulimit -u and ulimit -v)",
			 listen, strerror(err));
		return TX_EXIT_SOFTWARE;
	}
	errno = err;
	tx_error_errno("cannot listen on '%s'", listen);
	return TX_EXIT_UNAVAILABLE;
}

int tx_http_parse_listen(const char *arg, const char *what, struct sockaddr_storage *ss,
			 socklen_t *len, int *loopback)
{
	struct addrinfo hints, *ai;
	char *host = NULL;
	const char *port = arg, *colon = strrchr(arg, ':');
	int64_t v;
	int rc;

	if (colon) {
		host = tx_strndup(arg, (size_t)(colon - arg));
		port = colon + 1;
		if (host[0] == '[' && strlen(host) >= 2 && host[strlen(host) - 1] == ']') {
			memmove(host, host + 1, strlen(host) - 2);
			host[strlen(host) - 2] = '\0';
		}
	}
	if (tx_parse_int64(port, 0, 65535, &v) < 0) {
		free(host);
		return tx_error("%s '%s': expected [ADDR:]PORT, a port from 0 to 65535", what, arg);
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(host && *host ? host : "127.0.0.1", port, &hints, &ai);
	free(host);
	if (rc)
		return tx_error("%s '%s': %s", what, arg, gai_strerror(rc));
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	if (ss->ss_family == AF_INET)
		*loopback = (ntohl(((struct sockaddr_in *)ss)->sin_addr.s_addr) >> 24) == 127;
	else
		*loopback = IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)ss)->sin6_addr);
	return 0;
}

void tx_http_url(int fd, char *out, size_t size)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char host[INET6_ADDRSTRLEN] = "?";

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
		snprintf(out, size, "http://?");
		return;
	}
	if (ss.ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, host, sizeof(host));
		snprintf(out, size, "http://[%s]:%d", host,
			 ntohs(((struct sockaddr_in6 *)&ss)->sin6_port));
	} else {
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host, sizeof(host));
		snprintf(out, size, "http://%s:%d", host,
			 ntohs(((struct sockaddr_in *)&ss)->sin_port));
	}
}

int tx_http_tokens_load(struct tx_http_tokens *t, const char *path)
{
	FILE *fp = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	struct stat st;

	t->tok = NULL;
	t->n = 0;
	if (!fp)
		return tx_error_errno("--token-file '%s'", path);
	if (fstat(fileno(fp), &st) == 0 && (st.st_mode & 077))
		tx_warn("--token-file '%s': readable by group or others", path);
	while ((n = getline(&line, &cap, fp)) >= 0) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' ' ||
				 line[n - 1] == '\t'))
			line[--n] = '\0';
		if (!n || line[0] == '#')
			continue;
		t->tok = tx_reallocarray(t->tok, t->n + 1, sizeof(*t->tok));
		t->tok[t->n++] = tx_strdup(line);
	}
	free(line);
	fclose(fp);
	if (!t->n)
		return tx_error("--token-file '%s': no token in it", path);
	return 0;
}

void tx_http_tokens_release(struct tx_http_tokens *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->tok[i]);
	free(t->tok);
	t->tok = NULL;
	t->n = 0;
}

int tx_http_token_ok(const struct tx_http_tokens *t, const char *given)
{
	unsigned any = 0;
	size_t n;

	if (!given)
		return 0;
	n = strlen(given);
	for (size_t k = 0; k < t->n; k++) {
		const char *tok = t->tok[k];
		size_t tl = strlen(tok);
		unsigned diff = (unsigned)(tl != n);

		/* as many steps as the given token has bytes, whichever token */
		for (size_t i = 0; i < n; i++)
			diff |= (unsigned)((unsigned char)given[i] ^
					   (unsigned char)(tl ? tok[i % tl] : 0));
		any |= (unsigned)(diff == 0);
	}
	return (int)any;
}

const char *tx_http_bearer(const char *header)
{
	if (!header || strncasecmp(header, "Bearer ", 7))
		return NULL;
	header += 7;
	while (*header == ' ')
		header++;
	return header;
}
