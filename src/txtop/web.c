/*
 * txtop's web view (txtop --http): the dashboard as a page that updates
 * itself over Server-Sent Events.
 *
 * The page is one self-contained HTML document (no fonts, scripts or styles
 * from elsewhere). Its charts are the SVG documents of svg.c, the layout
 * engine the --svg file uses, so the page and the file show the same panels
 * and the same numbers. The worker thread builds one frame per tick (at most
 * WEB_MS apart, whatever the input rate) only while someone watches: the SVG
 * at two widths (two columns; one column for phones), already encoded as an
 * SSE event. Every viewer's connection thread sends that same frame, so many
 * viewers cost the pipeline one frame per tick.
 */
#define _GNU_SOURCE
#include "config.h"

#ifdef HAVE_MHD
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <microhttpd.h>

#include "http.h"
#include "svg.h"
#include "txtop.h"
#include "tx.h"

/* One tick's dashboard, shared by every viewer (reference counted). */
struct frame {
	int refs;
	uint64_t gen;
	struct tx_buf sse[2]; /* the SSE event, per layout: wide, narrow */
	struct tx_buf svg;    /* the wide SVG, for /dash.svg */
};

static struct {
	struct MHD_Daemon *d;
	struct tx_http_tokens tokens; /* none: loopback, anyone on the machine */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct frame *cur; /* the latest frame, or NULL before the first */
	int stopping;
	int viewers; /* event streams open */
	int wanted;  /* a request for /dash.svg waits for a fresh frame */
} web = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static void frame_unref_locked(struct frame *f)
{
	if (f && --f->refs == 0) {
		tx_buf_release(&f->sse[0]);
		tx_buf_release(&f->sse[1]);
		tx_buf_release(&f->svg);
		free(f);
	}
}

static const char page[] =
    "<!DOCTYPE html>\n"
    "<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "<title>txtop</title>\n"
    "<style>\n"
    "body{margin:0;background:#fff;color:#222;font:14px 'DejaVu Sans Mono','Liberation "
    "Mono',monospace}\n"
    "#bar{display:flex;justify-content:space-between;padding:6px 16px;background:#264653;"
    "color:#fff}\n"
    "#dash svg{display:block;width:100%;height:auto;margin:0 auto}\n"
    "#dash svg[data-width=\"960\"]{max-width:1440px}\n"
    "</style></head>\n"
    "<body>\n"
    "<div id=\"bar\"><span>txtop</span><span id=\"state\">connecting</span></div>\n"
    "<div id=\"dash\">waiting for the first figures...</div>\n"
    "<script>\n"
    "'use strict';\n"
    "// One layout per width class: two columns, or one on a phone.\n"
    "const narrow = () => window.innerWidth < 700;\n"
    "const state = document.getElementById('state');\n"
    "const dash = document.getElementById('dash');\n"
    "const token = new URLSearchParams(location.search).get('token');\n"
    "let es = null, layout = null, frames = 0;\n"
    "function connect() {\n"
    "  layout = narrow() ? 'narrow' : 'wide';\n"
    "  let url = 'events?layout=' + layout;\n"
    "  if (token) url += '&token=' + encodeURIComponent(token);\n"
    "  es = new EventSource(url);\n"
    "  es.addEventListener('frame', (e) => {\n"
    "    dash.innerHTML = e.data.replace(/^<\\?xml[^>]*>\\s*/, '');\n"
    "    frames++;\n"
    "    document.body.dataset.frames = frames;\n"
    "    state.textContent = 'live';\n"
    "  });\n"
    "  es.addEventListener('end', () => { state.textContent = 'stopped'; es.close(); });\n"
    "  es.onerror = () => { state.textContent = 'reconnecting'; };\n"
    "}\n"
    "window.addEventListener('resize', () => {\n"
    "  if ((narrow() ? 'narrow' : 'wide') !== layout) { es.close(); connect(); }\n"
    "});\n"
    "connect();\n"
    "</script>\n"
    "</body></html>\n";

/* ---- the event stream ---- */

struct stream {
	struct frame *f; /* the frame being sent (a reference), or NULL */
	size_t off;	 /* bytes of it sent */
	int layout;	 /* 0 wide, 1 narrow */
	uint64_t sent;	 /* the last frame's generation sent whole */
	int hello;	 /* the retry line was sent */
};

static ssize_t stream_read(void *cls, uint64_t pos, char *out, size_t max)
{
	struct stream *st = cls;
	size_t n;

	(void)pos;
	if (!st->hello) {
		static const char hello[] = "retry: 2000\n\n";
		st->hello = 1;
		memcpy(out, hello, sizeof(hello) - 1);
		return (ssize_t)(sizeof(hello) - 1);
	}
	pthread_mutex_lock(&web.mu);
	if (!st->f) {
		/* wait for a frame newer than the last sent; a comment keeps proxies from timing
		 * out */
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 15;
		while (!web.stopping && (!web.cur || web.cur->gen == st->sent)) {
			if (pthread_cond_timedwait(&web.cv, &web.mu, &ts) == ETIMEDOUT)
				break;
		}
		if (web.stopping) {
			pthread_mutex_unlock(&web.mu);
			return MHD_CONTENT_READER_END_OF_STREAM;
		}
		if (!web.cur || web.cur->gen == st->sent) {
			static const char ping[] = ": still here\n\n";
			pthread_mutex_unlock(&web.mu);
			memcpy(out, ping, sizeof(ping) - 1);
			return (ssize_t)(sizeof(ping) - 1);
		}
		st->f = web.cur;
		st->f->refs++;
		st->off = 0;
	}
	pthread_mutex_unlock(&web.mu);
	/* the frame is not changed once published: read it without the lock */
	n = st->f->sse[st->layout].len - st->off;
	if (n > max)
		n = max;
	memcpy(out, st->f->sse[st->layout].p + st->off, n);
	st->off += n;
	if (st->off == st->f->sse[st->layout].len) {
		pthread_mutex_lock(&web.mu);
		st->sent = st->f->gen;
		frame_unref_locked(st->f);
		st->f = NULL;
		pthread_mutex_unlock(&web.mu);
	}
	return (ssize_t)n;
}

static void stream_free(void *cls)
{
	struct stream *st = cls;

	pthread_mutex_lock(&web.mu);
	frame_unref_locked(st->f);
	web.viewers--;
	pthread_mutex_unlock(&web.mu);
	free(st);
}

/* ---- requests ---- */

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type,
			     const char *body, size_t len)
{
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (status == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result text_reply(struct MHD_Connection *c, unsigned status, const char *msg)
{
	return reply(c, status, "text/plain; charset=utf-8", msg, strlen(msg));
}

static int allowed(struct MHD_Connection *c)
{
	const char *tok;

	if (!web.tokens.n)
		return 1;
	tok = tx_http_bearer(
	    MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION));
	if (!tok) /* a browser's EventSource cannot send headers: ?token= */
		tok = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "token");
	return tx_http_token_ok(&web.tokens, tok);
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
			       const char *method, const char *version, const char *upload,
			       size_t *upload_size, void **con_cls)
{
	(void)cls;
	(void)version;
	(void)upload;
	(void)con_cls;
	if (*upload_size)
		return text_reply(c, MHD_HTTP_CONTENT_TOO_LARGE, "txtop takes no uploads\n");
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return text_reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "GET only\n");
	if (!allowed(c))
		return text_reply(c, MHD_HTTP_UNAUTHORIZED, "a valid bearer token is required\n");
	if (!strcmp(url, "/"))
		return reply(c, MHD_HTTP_OK, "text/html; charset=utf-8", page, sizeof(page) - 1);
	if (!strcmp(url, "/events")) {
		const char *layout =
		    MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "layout");
		struct stream *st = tx_calloc(1, sizeof(*st));
		struct MHD_Response *r;
		enum MHD_Result ret;

		st->layout = layout && !strcmp(layout, "narrow");
		r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024, stream_read, st,
						      stream_free);
		if (!r) {
			free(st);
			return MHD_NO;
		}
		pthread_mutex_lock(&web.mu);
		web.viewers++;
		pthread_mutex_unlock(&web.mu);
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
		MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
		ret = MHD_queue_response(c, MHD_HTTP_OK, r);
		MHD_destroy_response(r);
		return ret;
	}
	if (!strcmp(url, "/dash.svg")) {
		struct frame *f;
		enum MHD_Result ret;

		struct timespec ts;
		uint64_t gen0;

		/* a frame built after the request: nobody may have been watching */
		pthread_mutex_lock(&web.mu);
		gen0 = web.cur ? web.cur->gen : 0;
		web.wanted = 1;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 2;
		while (!web.stopping && (!web.cur || web.cur->gen == gen0))
			if (pthread_cond_timedwait(&web.cv, &web.mu, &ts) == ETIMEDOUT)
				break;
		f = web.cur;
		if (f)
			f->refs++;
		pthread_mutex_unlock(&web.mu);
		if (!f)
			return text_reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, "no figures yet\n");
		ret = reply(c, MHD_HTTP_OK, "image/svg+xml", f->svg.p, f->svg.len);
		pthread_mutex_lock(&web.mu);
		frame_unref_locked(f);
		pthread_mutex_unlock(&web.mu);
		return ret;
	}
	return text_reply(c, MHD_HTTP_NOT_FOUND, "not found: try /\n");
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	if (w.screen) /* on the terminal we draw on: say nothing */
		return;
	tx_http_vwarn(fmt, ap);
}

/* ---- the worker's side ---- */

int web_start(const char *listen, const char *token_file)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int loopback;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
			 MHD_USE_ERROR_LOG | MHD_USE_POLL | MHD_USE_ITC;
	const union MHD_DaemonInfo *di;
	sigset_t all, old;
	char url[128];

	if (tx_http_parse_listen(listen, "--http", &ss, &len, &loopback) < 0)
		return TX_EXIT_USAGE;
	if (token_file && tx_http_tokens_load(&web.tokens, token_file) < 0)
		return TX_EXIT_USAGE;
	if (!loopback && !token_file) {
		tx_error("--http '%s' is not a loopback address: give --token-file (the page "
			 "then needs ?token=TOKEN, or an Authorization: Bearer header)",
			 listen);
		return TX_EXIT_USAGE;
	}
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/* the server's threads take no signals: they go to the reader, as before */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	web.d = MHD_start_daemon(flags, 0, NULL, NULL, handler, NULL, MHD_OPTION_EXTERNAL_LOGGER,
				 mhd_log, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				 MHD_OPTION_CONNECTION_LIMIT, (unsigned)64,
				 MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)0, MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!web.d) /* a refused thread is 70, as for txhttp; an address 4 */
		return tx_http_start_failed(listen, errno);
	di = MHD_get_daemon_info(web.d, MHD_DAEMON_INFO_LISTEN_FD);
	tx_http_url(di ? di->listen_fd : -1, url, sizeof(url));
	tx_warn("the dashboard is on %s/", url);
	(void)len;
	return TX_EXIT_OK;
}

int web_viewers(void)
{
	int n;

	pthread_mutex_lock(&web.mu);
	n = web.viewers + web.wanted;
	pthread_mutex_unlock(&web.mu);
	return n;
}

/* "event: frame\ndata: LINE\n...\n\n" */
static void add_event(struct tx_buf *out, uint64_t gen, const struct tx_buf *svg)
{
	const char *p = svg->p, *end = svg->p + svg->len;

	tx_buf_addf(out, "id: %llu\nevent: frame\n", (unsigned long long)gen);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		tx_buf_adds(out, "data: ");
		tx_buf_add(out, p, (size_t)(le - p));
		tx_buf_addch(out, '\n');
		p = le + 1;
	}
	tx_buf_addch(out, '\n');
}

void web_publish(const struct tx_svg_view *view)
{
	static uint64_t gen;
	struct frame *f = tx_calloc(1, sizeof(*f));
	struct tx_svg_view v = *view;
	struct tx_buf narrow = TX_BUF_INIT;

	f->refs = 1;
	f->gen = ++gen;
	v.width = TX_SVG_WIDTH;
	tx_svg_dash(&f->svg, &w.st, &v);
	add_event(&f->sse[0], f->gen, &f->svg);
	v.width = TX_SVG_NARROW;
	tx_svg_dash(&narrow, &w.st, &v);
	add_event(&f->sse[1], f->gen, &narrow);
	tx_buf_release(&narrow);
	pthread_mutex_lock(&web.mu);
	frame_unref_locked(web.cur);
	web.cur = f;
	web.wanted = 0;
	pthread_cond_broadcast(&web.cv);
	pthread_mutex_unlock(&web.mu);
}

void web_stop(void)
{
	if (!web.d)
		return;
	pthread_mutex_lock(&web.mu);
	web.stopping = 1;
	pthread_cond_broadcast(&web.cv);
	pthread_mutex_unlock(&web.mu);
	MHD_stop_daemon(web.d);
	web.d = NULL;
	pthread_mutex_lock(&web.mu);
	frame_unref_locked(web.cur);
	web.cur = NULL;
	pthread_mutex_unlock(&web.mu);
	tx_http_tokens_release(&web.tokens);
}

#else /* !HAVE_MHD */

#include "tx.h"
#include "txtop.h"

int web_start(const char *listen, const char *token_file)
{
	(void)listen;
	(void)token_file;
	tx_error("--http: this txtop was built without libmicrohttpd: install libmicrohttpd-dev "
		 "(apt-get install libmicrohttpd-dev), then configure and build again");
	return TX_EXIT_USAGE;
}

int web_viewers(void)
{
	return 0;
}

void web_publish(const struct tx_svg_view *view)
{
	(void)view;
}

void web_stop(void)
{
}

#endif
