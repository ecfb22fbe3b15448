/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The libwebsockets 4.1 adapter of the issuer daemon (STYLE.md section 8):
 * gathers a bounded HTTP request into a struct iss_req, calls
 * iss_api_handle() and writes the struct iss_resp back; serves the
 * /registry/stream WebSocket from a 1 s timer that calls iss_app_tick();
 * turns SIGTERM/SIGINT (through a signalfd in the event loop) into a
 * graceful stop. The only file that includes <libwebsockets.h>.
 *
 * What a client meets before the handler sees anything:
 * - a path over ISS_MAX_PATH bytes or a query over QUERY_MAX: 414;
 * - a body over ISS_MAX_BODY: 413 (bodies up to DRAIN_MAX are read and
 *   dropped so the connection stays usable; a larger Content-Length is
 *   answered at once and the connection closed);
 * - a body without Content-Length (chunked HTTP/1.1, or h2 without the
 *   header): 411, as lws 4.1 only reads bodies by Content-Length;
 * - a client that stalls for body_timeout seconds while sending its body,
 *   or takes longer than body_deadline for all of it, is disconnected;
 *   headers must arrive within 10 s;
 * - at most max_subscribers WebSocket subscribers; one that does not keep
 *   up with SUB_QUEUE pushes is disconnected.
 * Every response carries nosniff, frame, referrer and CSP headers (HSTS
 * over TLS) and Cache-Control (the handler's, else no-store).
 */
#include "http_lws.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <libwebsockets.h>
#include <sodium.h>

#include "api.h"
#include "sp_buf.h"
#include "stadspas/sp_err.h"

#define QUERY_MAX 1024		/* longer query strings get 414 */
#define AUTH_MAX 512		/* longer Authorization: treated as wrong */
#define INM_MAX 256		/* longer If-None-Match: ignored */
#define PEER_MAX 64
#define CHUNK 8192		/* body bytes per write (h2 frames: 16 KiB) */
#define TX_PACKET (2 * CHUNK)	/* most lws sends in one go (protocol) */
/*
 * An oversized body is read and thrown away up to this many bytes, so the
 * 413 reaches the client on a connection it can keep using; past it (or
 * with a larger Content-Length) the connection is closed after the 413.
 */
#define DRAIN_MAX ((uint64_t)4 * ISS_MAX_BODY)
#define SUB_QUEUE 16		/* pushes queued per subscriber */
#define WS_PATH "/registry/stream"
#define PROTO_HTTP "http"
#define PROTO_WS "stadspas-registry"
#define PROTO_SIGNAL "stadspas-signal"
#define PROTO_LISTEN "stadspas-listen"
#define ACCEPT_BURST 64		/* connections accepted per wake-up */

/* One queued WebSocket message, with LWS_PRE bytes of headroom. */
struct sub_msg {
	uint8_t *buf;
	size_t len;
};

struct sub {
	struct lws *wsi;		/* NULL: slot free */
	struct sub_msg q[SUB_QUEUE];
	unsigned head, count;
	bool closing;			/* send a close frame when writable */
};

struct iss_server {
	struct iss_app *app;		/* borrowed */
	struct lws_context *ctx;
	struct lws_vhost *vh;
	struct iss_server_opts o;	/* strings borrowed */
	lws_sorted_usec_list_t tick;
	struct sp_buf push;
	struct sub *subs;
	unsigned nsubs;			/* slots in use */
	unsigned in_flight;		/* HTTP transactions not yet answered */
	int sigfd;			/* owned until adopted by lws */
	int lfd;			/* listening socket, same */
	struct lws *listen_wsi;		/* lfd adopted as a raw file */
	bool accept_paused;		/* out of fds: retry on the tick */
	uint16_t port;
	int last_tick_err;
	/* counters for /metrics, since start */
	uint64_t connections;		/* accepted */
	uint64_t rejected[6];		/* answered here: see reject_codes */
	uint64_t aborted;		/* client gone or stalled */
	uint64_t ws_refused, ws_dropped;
	bool stop_requested;		/* a signal arrived */
	bool stopping;			/* listen socket closed, draining */
	bool done;
	int64_t drain_deadline;		/* monotonic µs */
};

enum sess_kind {
	SESS_NONE,
	SESS_HTTP,
	SESS_WS,
};

/*
 * Per-connection state (the pss). With HTTP/1.1 keep-alive one pss serves
 * several transactions in turn: sess_end() resets it after each one.
 */
struct sess {
	enum sess_kind kind;
	/* HTTP transaction */
	bool active;			/* counted in in_flight */
	bool resp_live;			/* resp initialised */
	bool resp_ready;
	bool headers_sent;
	bool expect_body;
	bool discard;			/* body over the cap: drain, then 413 */
	bool close_after;		/* close the connection afterwards */
	bool head;			/* HEAD: headers only */
	bool h2;			/* an HTTP/2 stream */
	bool local;			/* the answer is ours, not the
					 * handler's */
	const char *method;
	char path[ISS_MAX_PATH + 1];
	char query[QUERY_MAX + 1];
	char auth[AUTH_MAX + 1];
	char inm[INM_MAX + 1];
	bool has_query, has_auth, has_inm;
	char peer[PEER_MAX];
	struct sp_buf body;
	uint64_t body_seen;
	int64_t start_us;		/* monotonic */
	struct iss_resp resp;
	size_t sent;
	/* WebSocket: subscriber slot + 1, 0 = none */
	unsigned sub;
};

/* Statuses the adapter answers itself, counted in /metrics. */
static const int reject_codes[6] = { 400, 411, 413, 414, 500, 503 };

static const char *const method_names[] = {
	[LWSHUMETH_GET] = "GET",
	[LWSHUMETH_POST] = "POST",
	[LWSHUMETH_OPTIONS] = "OPTIONS",
	[LWSHUMETH_PUT] = "PUT",
	[LWSHUMETH_PATCH] = "PATCH",
	[LWSHUMETH_DELETE] = "DELETE",
	[LWSHUMETH_CONNECT] = "CONNECT",
	[LWSHUMETH_HEAD] = "HEAD",
};

/* ---- Logging ----------------------------------------------------------- */

static const char *
level_name(enum iss_log_level l)
{
	switch (l) {
	case ISS_LOG_ERROR:
		return "error";
	case ISS_LOG_WARN:
		return "warn";
	case ISS_LOG_INFO:
	default:
		return "info";
	}
}

void
iss_log(enum iss_log_level level, const char *fmt, ...)
{
	char line[2048];
	struct timespec ts;
	struct tm tm;
	va_list ap;
	size_t len;
	int n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = snprintf(line, sizeof(line),
	    "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ level=%s ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000, level_name(level));
	if (n < 0)
		return;
	len = (size_t)n;
	va_start(ap, fmt);
	n = vsnprintf(line + len, sizeof(line) - len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	len += (size_t)n;
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	/* One write per line, so concurrent writers do not interleave. */
	while (len > 0) {
		ssize_t w = write(STDERR_FILENO, line, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		len -= (size_t)w;
		memmove(line, line + w, len);
	}
}

const char *
iss_log_quote(char *buf, size_t n, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	if (n < 3) {
		if (n > 0)
			buf[0] = '\0';
		return buf;
	}
	buf[o++] = '"';
	for (; s != NULL && *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		char tmp[4];
		size_t k = 0;

		if (c == '"' || c == '\\') {
			tmp[k++] = '\\';
			tmp[k++] = (char)c;
		} else if (c < 0x20 || c > 0x7e) {
			tmp[k++] = '\\';
			tmp[k++] = 'x';
			tmp[k++] = hex[c >> 4];
			tmp[k++] = hex[c & 15];
		} else {
			tmp[k++] = (char)c;
		}
		/* room for this, '"' and NUL, or for "..." '"' NUL */
		if (o + k + 2 > n || (s[1] != '\0' && o + k + 5 > n)) {
			if (o + 5 <= n) {
				memcpy(buf + o, "...", 3);
				o += 3;
			}
			break;
		}
		memcpy(buf + o, tmp, k);
		o += k;
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

static void
lws_log_emit(int level, const char *line)
{
	char q[512], tmp[512];
	size_t len = strnlen(line, sizeof(tmp) - 1);

	memcpy(tmp, line, len);
	while (len > 0 && (tmp[len - 1] == '\n' || tmp[len - 1] == '\r'))
		len--;
	tmp[len] = '\0';
	iss_log((level & LLL_ERR) != 0 ? ISS_LOG_ERROR : ISS_LOG_WARN,
	    "msg=lws text=%s", iss_log_quote(q, sizeof(q), tmp));
}

static int64_t
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static struct iss_server *
server_of(struct lws *wsi)
{
	return lws_context_user(lws_get_context(wsi));
}

static bool
is_h2(struct lws *wsi)
{
	return lws_get_network_wsi(wsi) != wsi;
}

/* ---- HTTP transactions ------------------------------------------------- */

static void
sess_log(const struct sess *p, int status, size_t bytes, const char *what)
{
	char qpath[160], qpeer[PEER_MAX + 8];
	int64_t us = mono_us() - p->start_us;

	iss_log(status >= 500 || status == 0 ? ISS_LOG_WARN : ISS_LOG_INFO,
	    "msg=%s peer=%s proto=%s method=%s path=%s status=%d bytes=%zu "
	    "ms=%" PRId64 ".%01" PRId64, what,
	    iss_log_quote(qpeer, sizeof(qpeer), p->peer),
	    p->h2 ? "h2" : "http/1.1",
	    p->method != NULL ? p->method : "-",
	    iss_log_quote(qpath, sizeof(qpath), p->path), status, bytes,
	    us / 1000, (us % 1000) / 100);
}

/* Frees what the transaction holds and readies the pss for the next. */
static void
sess_end(struct iss_server *s, struct sess *p)
{
	if (p->active) {
		p->active = false;
		if (s->in_flight > 0)
			s->in_flight--;
	}
	if (p->resp_live) {
		iss_resp_clear(&p->resp);
		p->resp_live = false;
	}
	sp_buf_clear(&p->body);		/* wipes: bodies hold codes */
	p->resp_ready = p->headers_sent = p->expect_body = false;
	p->discard = p->close_after = p->head = p->local = false;
	p->has_query = p->has_auth = p->has_inm = false;
	p->method = NULL;
	p->path[0] = '\0';
	p->body_seen = 0;
	p->sent = 0;
	/* Wipe the Authorization header copy: it is a bearer token. */
	sodium_memzero(p->auth, sizeof(p->auth));
}

/* Sets a JSON error response made here, not by the handler. */
static void
sess_error(struct sess *p, int status, const char *token, const char *msg)
{
	char json[256];
	int n;

	if (p->resp_live)
		iss_resp_clear(&p->resp);
	iss_resp_init(&p->resp);
	p->resp_live = true;
	p->local = true;
	p->resp.status = status;
	p->resp.content_type = "application/json";
	n = snprintf(json, sizeof(json),
	    "{\"error\":\"%s\",\"message\":\"%s\"}", token, msg);
	if (n > 0 && (size_t)n < sizeof(json) &&
	    sp_buf_set(&p->resp.body, json, (size_t)n) != SP_OK)
		sp_buf_reset(&p->resp.body);
}

/* Copies a header into dst[cap]; false if absent or too long. */
static bool
copy_hdr(struct lws *wsi, char *dst, size_t cap, enum lws_token_indexes h)
{
	int len = lws_hdr_total_length(wsi, h);

	dst[0] = '\0';
	if (len <= 0 || (size_t)len >= cap)
		return false;
	return lws_hdr_copy(wsi, dst, (int)cap, h) == len;
}

/*
 * Joins the query fragments (lws splits the query at '&' and urldecodes
 * each) back into "a=1&b=2". False if it does not fit.
 */
static bool
copy_query(struct lws *wsi, struct sess *p)
{
	size_t o = 0;
	int i, flen;

	p->query[0] = '\0';
	for (i = 0; (flen = lws_hdr_fragment_length(wsi,
	    WSI_TOKEN_HTTP_URI_ARGS, i)) > 0; i++) {
		if (o + (size_t)flen + 2 > sizeof(p->query))
			return false;
		if (i > 0)
			p->query[o++] = '&';
		if (lws_hdr_copy_fragment(wsi, p->query + o,
		    (int)(sizeof(p->query) - o), WSI_TOKEN_HTTP_URI_ARGS,
		    i) != flen)
			return false;
		o += (size_t)flen;
	}
	p->has_query = i > 0;
	return true;
}

/* The daemon's own counters, after the handler's (Prometheus text). */
static void
metrics_append(const struct iss_server *s, struct sp_buf *out)
{
	char buf[2048];
	size_t o = 0, i;
	int n;

#define PUT(...)							\
	do {								\
		n = snprintf(buf + o, sizeof(buf) - o, __VA_ARGS__);	\
		if (n < 0 || (size_t)n >= sizeof(buf) - o)		\
			return;						\
		o += (size_t)n;						\
	} while (0)
	PUT("# HELP stadspas_http_connections_total Connections accepted.\n"
	    "# TYPE stadspas_http_connections_total counter\n"
	    "stadspas_http_connections_total %" PRIu64 "\n", s->connections);
	PUT("# HELP stadspas_http_rejected_total Requests the HTTP layer "
	    "answered itself (limits), by status.\n"
	    "# TYPE stadspas_http_rejected_total counter\n");
	for (i = 0; i < sizeof(reject_codes) / sizeof(reject_codes[0]); i++)
		PUT("stadspas_http_rejected_total{status=\"%d\"} %" PRIu64
		    "\n", reject_codes[i], s->rejected[i]);
	PUT("# HELP stadspas_http_aborted_total Requests dropped before the "
	    "answer (client gone or stalled).\n"
	    "# TYPE stadspas_http_aborted_total counter\n"
	    "stadspas_http_aborted_total %" PRIu64 "\n", s->aborted);
	PUT("# HELP stadspas_http_in_flight Requests being handled.\n"
	    "# TYPE stadspas_http_in_flight gauge\n"
	    "stadspas_http_in_flight %u\n", s->in_flight);
	PUT("# HELP stadspas_ws_subscribers WebSocket subscribers.\n"
	    "# TYPE stadspas_ws_subscribers gauge\n"
	    "stadspas_ws_subscribers %u\n", s->nsubs);
	PUT("# HELP stadspas_ws_refused_total WebSocket upgrades refused.\n"
	    "# TYPE stadspas_ws_refused_total counter\n"
	    "stadspas_ws_refused_total %" PRIu64 "\n", s->ws_refused);
	PUT("# HELP stadspas_ws_dropped_total Subscribers dropped for "
	    "falling behind.\n"
	    "# TYPE stadspas_ws_dropped_total counter\n"
	    "stadspas_ws_dropped_total %" PRIu64 "\n", s->ws_dropped);
#undef PUT
	(void)sp_buf_append(out, buf, o);
}

/* Calls the handler with the gathered request. */
static void
sess_dispatch(struct iss_server *s, struct sess *p)
{
	struct iss_req req = {
		.method = p->method,
		.path = p->path,
		.query = p->has_query ? p->query : NULL,
		.authorization = p->has_auth ? p->auth : NULL,
		.if_none_match = p->has_inm ? p->inm : NULL,
		.peer = p->peer,
		.body = p->body.len > 0 ? p->body.ptr : NULL,
		.body_len = p->body.len,
		.now = (int64_t)time(NULL),
	};
	int r;

	if (p->resp_live)
		iss_resp_clear(&p->resp);
	iss_resp_init(&p->resp);
	p->resp_live = true;
	r = iss_api_handle(s->app, &req, &p->resp);
	if (r != SP_OK)
		iss_log(ISS_LOG_ERROR, "msg=handler_failed err=%s",
		    sp_errtoken(r));
	if (p->resp.status < 100 || p->resp.status > 599) {
		iss_log(ISS_LOG_ERROR, "msg=handler_bad_status status=%d",
		    p->resp.status);
		sess_error(p, 500, "internal", "internal error");
	}
	if (p->resp.status == 200 && strcmp(p->method, "GET") == 0 &&
	    strcmp(p->path, "/metrics") == 0)
		metrics_append(s, &p->resp.body);
	sp_buf_clear(&p->body);
	p->resp_ready = true;
}

/* Bytes of an oversized body read and dropped before closing: batch
 * paths (8 MiB bodies) are not drained past their limit. */
static uint64_t
drain_cap(const struct sess *p)
{
	size_t m = iss_body_max(p->path);

	return m > ISS_MAX_BODY ? (uint64_t)m : DRAIN_MAX;
}

static int
on_http(struct iss_server *s, struct lws *wsi, struct sess *p,
    const char *uri, size_t uri_len)
{
	char cl[32];
	char *uri_ptr = NULL, *endp;
	int uri_plen = 0, m;
	uint64_t clen = 0;
	bool has_cl, answer_now = false;

	sess_end(s, p);
	p->kind = SESS_HTTP;
	p->active = true;
	s->in_flight++;
	p->start_us = mono_us();
	p->h2 = is_h2(wsi);
	if (lws_get_peer_simple(wsi, p->peer, sizeof(p->peer)) == NULL)
		snprintf(p->peer, sizeof(p->peer), "unknown");
	else if (strncmp(p->peer, "::ffff:", 7) == 0)
		memmove(p->peer, p->peer + 7, strlen(p->peer + 7) + 1);

	m = lws_http_get_uri_and_method(wsi, &uri_ptr, &uri_plen);
	if (m >= 0 && (size_t)m < sizeof(method_names) /
	    sizeof(method_names[0]) && method_names[m] != NULL)
		p->method = method_names[m];
	else
		p->method = "UNKNOWN";
	p->head = m == LWSHUMETH_HEAD;
	if (s->stopping)
		p->close_after = true;

	has_cl = copy_hdr(wsi, cl, sizeof(cl), WSI_TOKEN_HTTP_CONTENT_LENGTH);
	if (has_cl) {
		errno = 0;
		clen = strtoull(cl, &endp, 10);
		if (errno != 0 || endp == cl || *endp != '\0' || cl[0] == '-')
			clen = UINT64_MAX;
	}
	p->expect_body = has_cl && clen > 0;

	if (uri_len > ISS_MAX_PATH) {
		memcpy(p->path, uri, ISS_MAX_PATH);
		p->path[ISS_MAX_PATH] = '\0';
		sess_error(p, 414, "bad_request", "path too long");
	} else {
		memcpy(p->path, uri, uri_len);
		p->path[uri_len] = '\0';
		if (strlen(p->path) != uri_len)
			sess_error(p, 400, "bad_request", "NUL in path");
		else if (!copy_query(wsi, p))
			sess_error(p, 414, "bad_request",
			    "query string too long");
	}
	if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_AUTHORIZATION) > 0) {
		p->has_auth = true;
		/* too long: passed as "" so it fails as a wrong token */
		(void)copy_hdr(wsi, p->auth, sizeof(p->auth),
		    WSI_TOKEN_HTTP_AUTHORIZATION);
	}
	p->has_inm = copy_hdr(wsi, p->inm, sizeof(p->inm),
	    WSI_TOKEN_HTTP_IF_NONE_MATCH);

	if ((!p->h2 && lws_hdr_total_length(wsi,
	    WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0) || (p->h2 && !has_cl &&
	    (m == LWSHUMETH_POST || m == LWSHUMETH_PUT ||
	    m == LWSHUMETH_PATCH))) {
		/*
		 * lws 4.1 reads request bodies by Content-Length only: over
		 * HTTP/1.1 it would hand us no body and parse the chunks as
		 * the next request; over h2 it never completes the body.
		 */
		sess_error(p, 411, "bad_request",
		    "send the body with Content-Length");
		p->close_after = true;
		p->expect_body = false;
	} else if (p->expect_body) {
		if (has_cl && clen == UINT64_MAX) {
			sess_error(p, 400, "bad_request",
			    "bad Content-Length");
			p->close_after = true;
			p->expect_body = false;
		} else if (clen > drain_cap(p)) {
			/* Too big to drain: answer now, then close. */
			sess_error(p, 413, "too_large",
			    "request body too large");
			p->close_after = true;
			p->discard = true;
			answer_now = true;
		} else if (clen > iss_body_max(p->path)) {
			p->discard = true;
		} else if (!p->resp_live &&
		    sp_buf_reserve(&p->body, (size_t)clen) != SP_OK) {
			sess_error(p, 503, "internal", "out of memory");
			p->discard = true;
		}
		if (p->expect_body) {
			lws_set_timeout(wsi, PENDING_TIMEOUT_HTTP_CONTENT,
			    (int)s->o.body_timeout);
			if (!answer_now)
				return 0;	/* wait for the body */
		}
	}
	if (!p->resp_live)
		sess_dispatch(s, p);
	p->resp_ready = true;
	lws_callback_on_writable(wsi);
	return 0;
}

static int
on_http_body(struct iss_server *s, struct lws *wsi, struct sess *p,
    const void *in, size_t len)
{
	if (!p->active)
		return 0;
	p->body_seen += len;
	if (mono_us() - p->start_us >
	    (int64_t)s->o.body_deadline * 1000000) {
		sess_log(p, 0, 0, "body_deadline");
		return -1;
	}
	if (p->body_seen > drain_cap(p))
		return -1;
	lws_set_timeout(wsi, PENDING_TIMEOUT_HTTP_CONTENT,
	    (int)s->o.body_timeout);
	if (p->discard || p->resp_live)
		return 0;
	if (p->body.len + len > iss_body_max(p->path)) {
		sp_buf_clear(&p->body);
		p->discard = true;
		return 0;
	}
	if (sp_buf_append(&p->body, in, len) != SP_OK) {
		sp_buf_clear(&p->body);
		sess_error(p, 503, "internal", "out of memory");
	}
	return 0;
}

static int
on_http_body_done(struct iss_server *s, struct lws *wsi, struct sess *p)
{
	if (!p->active || p->resp_ready)
		return 0;
	lws_set_timeout(wsi, NO_PENDING_TIMEOUT, 0);
	if (p->discard && !p->resp_live)
		sess_error(p, 413, "too_large", "request body too large");
	if (!p->resp_live)
		sess_dispatch(s, p);
	p->resp_ready = true;
	lws_callback_on_writable(wsi);
	return 0;
}

static int
add_hdr(struct lws *wsi, const char *name, const char *value,
    unsigned char **q, unsigned char *end)
{
	return lws_add_http_header_by_name(wsi, (const unsigned char *)name,
	    (const unsigned char *)value, (int)strlen(value), q, end);
}

static int
write_headers(struct iss_server *s, struct lws *wsi, struct sess *p)
{
	uint8_t buf[LWS_PRE + 2048];
	unsigned char *start = buf + LWS_PRE, *q = start;
	unsigned char *end = buf + sizeof(buf) - 1;
	const struct iss_resp *r = &p->resp;
	unsigned status = (unsigned)r->status;
	bool no_body = status == 204 || status == 304 || status < 200;
	bool last = no_body || p->head || r->body.len == 0;
	int wflags, n;

	if (lws_add_http_header_status(wsi, status, &q, end))
		return -1;
	if (!no_body) {
		if (add_hdr(wsi, "content-type:", r->content_type != NULL ?
		    r->content_type : "application/json", &q, end))
			return -1;
		if (p->head) {
			/* lws would wait for the body it was promised */
			char len[24];

			snprintf(len, sizeof(len), "%zu", r->body.len);
			if (add_hdr(wsi, "content-length:", len, &q, end))
				return -1;
		} else if (lws_add_http_header_content_length(wsi,
		    (lws_filepos_t)r->body.len, &q, end)) {
			return -1;
		}
	}
	if (r->etag[0] != '\0' && memchr(r->etag, '\0', sizeof(r->etag)) &&
	    add_hdr(wsi, "etag:", r->etag, &q, end))
		return -1;
	if (add_hdr(wsi, "cache-control:", r->cache_control != NULL ?
	    r->cache_control : "no-store", &q, end) ||
	    add_hdr(wsi, "x-content-type-options:", "nosniff", &q, end) ||
	    add_hdr(wsi, "x-frame-options:", "DENY", &q, end) ||
	    add_hdr(wsi, "referrer-policy:", "no-referrer", &q, end) ||
	    add_hdr(wsi, "content-security-policy:",
	    "default-src 'none'; frame-ancestors 'none'", &q, end))
		return -1;
	if (!s->o.insecure_http && add_hdr(wsi, "strict-transport-security:",
	    "max-age=31536000", &q, end))
		return -1;
	if (s->stopping)
		p->close_after = true;
	if (p->close_after && !p->h2 &&
	    add_hdr(wsi, "connection:", "close", &q, end))
		return -1;
	if (lws_finalize_http_header(wsi, &q, end))
		return -1;
	wflags = LWS_WRITE_HTTP_HEADERS;
	if (last)
		wflags |= LWS_WRITE_H2_STREAM_END;
	n = lws_write(wsi, start, (size_t)(q - start),
	    (enum lws_write_protocol)wflags);
	if (n < 0 || (size_t)n != (size_t)(q - start))
		return -1;
	p->headers_sent = true;
	return last ? 1 : 0;
}

/* The transaction is answered: log it, then keep or close the link. */
static int
sess_complete(struct iss_server *s, struct lws *wsi, struct sess *p)
{
	bool close_after = p->close_after || s->stopping;

	for (size_t i = 0; p->local && i < sizeof(reject_codes) /
	    sizeof(reject_codes[0]); i++)
		if (reject_codes[i] == p->resp.status)
			s->rejected[i]++;
	sess_log(p, p->resp.status, p->head ? 0 : p->resp.body.len,
	    "request");
	sess_end(s, p);
	if (close_after)
		return -1;
	if (lws_http_transaction_completed(wsi))
		return -1;
	return 0;
}

/*
 * True while lws still holds bytes of an earlier write for this
 * connection. lws 4.1 sends at most tx_packet_size bytes per write and
 * keeps the rest (or what the socket refused) on the network connection,
 * which for h2 is not the stream's wsi; it flushes that itself when the
 * socket is writable. Writing more, or ending an h2 stream, before it is
 * flushed loses the rest: the client gets a DATA frame cut short and
 * waits for the missing bytes forever.
 */
static bool
tx_pending(struct lws *wsi)
{
	struct lws *nwsi = lws_get_network_wsi(wsi);

	return lws_partial_buffered(wsi) ||
	    (nwsi != NULL && lws_partial_buffered(nwsi));
}

/*
 * Body bytes to put in the next write: at most CHUNK, and over h2 at most
 * the peer's flow-control window (0: wait for its WINDOW_UPDATE, after
 * which lws calls us writable again).
 */
static size_t
tx_budget(struct lws *wsi, size_t left)
{
	lws_fileofs_t allow = lws_get_peer_write_allowance(wsi);
	size_t n = left < CHUNK ? left : CHUNK;

	if (allow >= 0 && (uint64_t)allow < n)
		n = (size_t)allow;
	return n;
}

static int
on_http_writeable(struct iss_server *s, struct lws *wsi, struct sess *p)
{
	uint8_t buf[LWS_PRE + CHUNK];
	size_t left, n;
	bool final;
	int r;

	if (!p->active || !p->resp_ready)
		return 0;
	if (tx_pending(wsi)) {
		lws_callback_on_writable(wsi);
		return 0;
	}
	if (!p->headers_sent) {
		r = write_headers(s, wsi, p);
		if (r < 0)
			return -1;
		if (r > 0)
			return sess_complete(s, wsi, p);
		lws_callback_on_writable(wsi);
		return 0;
	}
	if (p->sent == p->resp.body.len)
		return sess_complete(s, wsi, p);
	left = p->resp.body.len - p->sent;
	if ((n = tx_budget(wsi, left)) == 0)
		return 0;	/* no window: lws wakes us on WINDOW_UPDATE */
	final = n == left;
	memcpy(buf + LWS_PRE, p->resp.body.ptr + p->sent, n);
	r = lws_write(wsi, buf + LWS_PRE, n,
	    final ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP);
	if (r < 0 || (size_t)r != n)
		return -1;
	p->sent += n;
	if (final && !tx_pending(wsi))
		return sess_complete(s, wsi, p);
	/* more to send, or the last bytes still sit in lws */
	lws_callback_on_writable(wsi);
	return 0;
}

static void
on_http_closed(struct iss_server *s, struct sess *p)
{
	if (p->active) {
		s->aborted++;
		sess_log(p, 0, p->sent, "request_aborted");
	}
	sess_end(s, p);
}

/* ---- WebSocket subscribers ------------------------------------------- */

static void
sub_free_queue(struct sub *b)
{
	while (b->count > 0) {
		free(b->q[b->head].buf);
		b->q[b->head].buf = NULL;
		b->head = (b->head + 1) % SUB_QUEUE;
		b->count--;
	}
	b->head = 0;
}

/* Queues msg for every subscriber; one that fell behind is dropped. */
static void
broadcast(struct iss_server *s, const uint8_t *msg, size_t len)
{
	unsigned i;

	for (i = 0; i < s->o.max_subscribers; i++) {
		struct sub *b = &s->subs[i];
		struct sub_msg *m;

		if (b->wsi == NULL || b->closing)
			continue;
		if (b->count == SUB_QUEUE) {
			iss_log(ISS_LOG_WARN, "msg=ws_subscriber_behind "
			    "action=close");
			b->closing = true;
			s->ws_dropped++;
			lws_set_timeout(b->wsi, PENDING_TIMEOUT_USER_OK,
			    LWS_TO_KILL_ASYNC);
			continue;
		}
		m = &b->q[(b->head + b->count) % SUB_QUEUE];
		if ((m->buf = malloc(LWS_PRE + len)) == NULL)
			continue;
		memcpy(m->buf + LWS_PRE, msg, len);
		m->len = len;
		b->count++;
		lws_callback_on_writable(b->wsi);
	}
}

static int
ws_filter(struct iss_server *s, struct lws *wsi)
{
	const struct lws_protocols *pr = lws_get_protocol(wsi);
	char *uri = NULL;
	int ulen = 0;

	if (pr == NULL || (strcmp(pr->name, PROTO_HTTP) != 0 &&
	    strcmp(pr->name, PROTO_WS) != 0))
		return 1;
	if (lws_http_get_uri_and_method(wsi, &uri, &ulen) < 0 ||
	    uri == NULL || (size_t)ulen != strlen(WS_PATH) ||
	    memcmp(uri, WS_PATH, strlen(WS_PATH)) != 0)
		return 1;
	if (s->stopping || s->nsubs >= s->o.max_subscribers) {
		s->ws_refused++;
		iss_log(ISS_LOG_WARN, "msg=ws_refused subscribers=%u "
		    "stopping=%d", s->nsubs, s->stopping);
		return 1;
	}
	return 0;
}

static int
ws_established(struct iss_server *s, struct lws *wsi, struct sess *p)
{
	unsigned i;

	p->kind = SESS_WS;
	for (i = 0; i < s->o.max_subscribers; i++)
		if (s->subs[i].wsi == NULL)
			break;
	if (i == s->o.max_subscribers || s->stopping)
		return -1;
	memset(&s->subs[i], 0, sizeof(s->subs[i]));
	s->subs[i].wsi = wsi;
	s->nsubs++;
	p->sub = i + 1;
	if (lws_get_peer_simple(wsi, p->peer, sizeof(p->peer)) == NULL)
		snprintf(p->peer, sizeof(p->peer), "unknown");
	iss_log(ISS_LOG_INFO, "msg=ws_open peer=\"%s\" subscribers=%u",
	    p->peer, s->nsubs);
	return 0;
}

static int
ws_writeable(struct iss_server *s, struct lws *wsi, struct sess *p)
{
	struct sub *b;
	struct sub_msg *m;
	int n;

	if (p->sub == 0)
		return 0;
	b = &s->subs[p->sub - 1];
	if (b->closing) {
		unsigned char why[] = "shutdown";

		lws_close_reason(wsi, LWS_CLOSE_STATUS_GOINGAWAY, why,
		    sizeof(why) - 1);
		return -1;
	}
	if (b->count == 0)
		return 0;
	m = &b->q[b->head];
	n = lws_write(wsi, m->buf + LWS_PRE, m->len, LWS_WRITE_TEXT);
	free(m->buf);
	m->buf = NULL;
	b->head = (b->head + 1) % SUB_QUEUE;
	b->count--;
	if (n < 0 || (size_t)n != m->len)
		return -1;
	if (b->count > 0)
		lws_callback_on_writable(wsi);
	return 0;
}

static void
ws_closed(struct iss_server *s, struct sess *p)
{
	struct sub *b;

	if (p->sub == 0)
		return;
	b = &s->subs[p->sub - 1];
	sub_free_queue(b);
	b->wsi = NULL;
	b->closing = false;
	p->sub = 0;
	if (s->nsubs > 0)
		s->nsubs--;
	iss_log(ISS_LOG_INFO, "msg=ws_close peer=\"%s\" subscribers=%u",
	    p->peer, s->nsubs);
}

/* ---- The protocol callbacks ------------------------------------------ */

/*
 * One callback for both protocols: a WebSocket client that names no
 * subprotocol lands on the first ("http") protocol, and is then served
 * exactly like one that asked for "stadspas-registry".
 */
static int
cb_main(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct iss_server *s = server_of(wsi);
	struct sess *p = user;

	switch (reason) {
	case LWS_CALLBACK_HTTP:
		if (p == NULL || in == NULL)
			return -1;
		return on_http(s, wsi, p, in, strlen(in));
	case LWS_CALLBACK_HTTP_BODY:
		if (p == NULL)
			return -1;
		return on_http_body(s, wsi, p, in, len);
	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		if (p == NULL)
			return -1;
		return on_http_body_done(s, wsi, p);
	case LWS_CALLBACK_HTTP_WRITEABLE:
		if (p == NULL)
			return -1;
		return on_http_writeable(s, wsi, p);
	case LWS_CALLBACK_CLOSED_HTTP:
	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
		if (p != NULL && p->kind == SESS_HTTP)
			on_http_closed(s, p);
		break;
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		return ws_filter(s, wsi);
	case LWS_CALLBACK_ESTABLISHED:
		if (p == NULL)
			return -1;
		return ws_established(s, wsi, p);
	case LWS_CALLBACK_SERVER_WRITEABLE:
		if (p == NULL)
			return -1;
		return ws_writeable(s, wsi, p);
	case LWS_CALLBACK_RECEIVE:
		/* Subscribers have nothing to say; ignore what they send. */
		return 0;
	case LWS_CALLBACK_CLOSED:
		if (p != NULL && p->kind == SESS_WS)
			ws_closed(s, p);
		return 0;
	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

/* The signalfd, adopted as a raw file: SIGTERM/SIGINT start the stop. */
static int
cb_signal(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct iss_server *s = server_of(wsi);
	struct signalfd_siginfo si;

	switch (reason) {
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		return 1;	/* not a WebSocket subprotocol */
	case LWS_CALLBACK_RAW_RX_FILE:
		while (read(lws_get_socket_fd(wsi), &si, sizeof(si)) ==
		    (ssize_t)sizeof(si)) {
			if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
				if (!s->stop_requested)
					iss_log(ISS_LOG_INFO, "msg=signal "
					    "signal=%s action=stop",
					    si.ssi_signo == SIGTERM ?
					    "TERM" : "INT");
				s->stop_requested = true;
			}
		}
		return 0;
	case LWS_CALLBACK_RAW_CLOSE_FILE:
		s->sigfd = -1;
		return 0;
	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

/*
 * The listening socket, adopted as a raw file: lws tells us when it is
 * readable and we hand each accepted socket to lws as if its own listener
 * had accepted it. Our own listener, because lws 4.1 cannot stop
 * listening while it keeps serving (lws_context_deprecate() there uses
 * the listen wsi after freeing it).
 */
static int
cb_listen(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct iss_server *s = server_of(wsi);
	int i;

	switch (reason) {
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		return 1;	/* not a WebSocket subprotocol */
	case LWS_CALLBACK_RAW_RX_FILE:
		for (i = 0; i < ACCEPT_BURST && !s->stopping; i++) {
			int fd = accept4(lws_get_socket_fd(wsi), NULL, NULL,
			    SOCK_NONBLOCK | SOCK_CLOEXEC);
			if (fd < 0) {
				if (errno == EMFILE || errno == ENFILE ||
				    errno == ENOBUFS || errno == ENOMEM) {
					iss_log(ISS_LOG_WARN,
					    "msg=accept_paused errno=%d",
					    errno);
					s->accept_paused = true;
					lws_rx_flow_control(wsi, 0);
				}
				break;	/* EAGAIN, ECONNABORTED, ... */
			}
			/* Headers and body leave in two writes: with Nagle,
			 * the body would wait for the client's delayed ACK
			 * (40 ms) on every keep-alive request. */
			{
				int one = 1;

				(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY,
				    &one, sizeof(one));
			}
			if (lws_adopt_socket_vhost(s->vh, fd) != NULL)
				s->connections++;
			else if (fcntl(fd, F_GETFD) >= 0)
				close(fd);	/* lws did not take it */
		}
		return 0;
	case LWS_CALLBACK_RAW_CLOSE_FILE:
		s->listen_wsi = NULL;
		s->lfd = -1;
		return 0;
	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static const struct lws_protocols protocols[] = {
	{
		.name = PROTO_HTTP,
		.callback = cb_main,
		.per_session_data_size = sizeof(struct sess),
		.rx_buffer_size = 0,
		/* one send per write of ours (else lws sends 4 KiB pieces
		 * and buffers the rest): a body chunk, its h2 frame header
		 * and TLS record overhead */
		.tx_packet_size = TX_PACKET,
	},
	{
		.name = PROTO_WS,
		.callback = cb_main,
		.per_session_data_size = sizeof(struct sess),
		.rx_buffer_size = 512,
	},
	{
		.name = PROTO_SIGNAL,
		.callback = cb_signal,
		.per_session_data_size = 0,
	},
	{
		.name = PROTO_LISTEN,
		.callback = cb_listen,
		.per_session_data_size = 0,
	},
	{ .name = NULL, .callback = NULL },
};

/* ---- Timer, stop, life cycle ----------------------------------------- */

static void
tick_cb(lws_sorted_usec_list_t *sul)
{
	struct iss_server *s = lws_container_of(sul, struct iss_server, tick);
	bool pushed = false;
	int r;

	sp_buf_reset(&s->push);
	r = iss_app_tick(s->app, (int64_t)time(NULL), &s->push, &pushed);
	if (r != SP_OK) {
		if (r != s->last_tick_err)
			iss_log(ISS_LOG_ERROR, "msg=tick_failed err=%s",
			    sp_errtoken(r));
	} else if (pushed && s->push.len > 0 && !s->stopping) {
		broadcast(s, s->push.ptr, s->push.len);
	}
	s->last_tick_err = r;
	if (s->accept_paused && s->listen_wsi != NULL && !s->stopping) {
		s->accept_paused = false;
		lws_rx_flow_control(s->listen_wsi, 1);
	}
	/* A bulk renewal goes on slice by slice, requests served between
	 * them; otherwise once a second. */
	lws_sul_schedule(s->ctx, 0, &s->tick, tick_cb,
	    iss_app_busy(s->app) && r == SP_OK && !s->stopping ?
	    (lws_usec_t)(s->o.renewal_pause_ms > 0 ? s->o.renewal_pause_ms :
	    1) * LWS_US_PER_MS : LWS_US_PER_SEC);
}

static void
begin_stop(struct iss_server *s)
{
	unsigned i;

	s->stopping = true;
	s->drain_deadline = mono_us() +
	    (int64_t)s->o.drain_timeout * 1000000;
	/* Close the listening socket: new connections are refused. */
	if (s->listen_wsi != NULL)
		lws_set_timeout(s->listen_wsi, PENDING_TIMEOUT_USER_OK,
		    LWS_TO_KILL_SYNC);
	if (s->lfd >= 0) {
		close(s->lfd);
		s->lfd = -1;
	}
	for (i = 0; i < s->o.max_subscribers; i++) {
		if (s->subs[i].wsi == NULL)
			continue;
		s->subs[i].closing = true;
		lws_callback_on_writable(s->subs[i].wsi);
	}
	iss_log(ISS_LOG_INFO, "msg=stopping in_flight=%u subscribers=%u",
	    s->in_flight, s->nsubs);
}

/* Binds and listens on addr:port; returns the socket or -1 (logged). */
static int
open_listener(const char *addr, uint16_t port, uint16_t *bound)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t sl;
	int fd = -1, one = 1, zero = 0, fam;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		fam = AF_INET;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		sl = sizeof(*sin);
	} else if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
		fam = AF_INET6;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		sl = sizeof(*sin6);
	} else {
		iss_log(ISS_LOG_ERROR, "msg=bad_listen_address addr=\"%s\"",
		    addr);
		return -1;
	}
	if ((fd = socket(fam, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) < 0)
		goto fail;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0)
		goto fail;
	/* "::" also takes IPv4; a specific IPv6 address only itself */
	if (fam == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY,
	    IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr) ? &zero : &one,
	    sizeof(int)) != 0)
		goto fail;
	if (bind(fd, (struct sockaddr *)&ss, sl) != 0 ||
	    listen(fd, SOMAXCONN) != 0)
		goto fail;
	sl = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0)
		goto fail;
	*bound = ntohs(fam == AF_INET ? sin->sin_port : sin6->sin6_port);
	return fd;
fail:
	iss_log(ISS_LOG_ERROR, "msg=listen_failed addr=\"%s\" port=%u "
	    "error=\"%s\"", addr, (unsigned)port, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

int
iss_server_new(struct iss_server **out, struct iss_app *app,
    const struct iss_server_opts *o)
{
	struct lws_context_creation_info info;
	struct iss_server *s = NULL;
	lws_sock_file_fd_type fd;
	sigset_t mask;
	int r = SP_ERR_INVALID_ARG;

	if (out == NULL || app == NULL || o == NULL || o->addr == NULL ||
	    (!o->insecure_http && (o->cert_file == NULL ||
	    o->key_file == NULL)))
		goto fail;
	r = SP_ERR_NOMEM;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		goto fail;
	s->app = app;
	s->o = *o;
	s->sigfd = -1;
	s->lfd = -1;
	sp_buf_init(&s->push);
	if (s->o.body_timeout == 0)
		s->o.body_timeout = 10;
	if (s->o.body_deadline == 0)
		s->o.body_deadline = 60;
	if (s->o.drain_timeout == 0)
		s->o.drain_timeout = 10;
	if (s->o.max_subscribers == 0)
		s->o.max_subscribers = 256;
	if ((s->subs = calloc(s->o.max_subscribers, sizeof(*s->subs))) ==
	    NULL)
		goto fail;

	r = SP_ERR_INTERNAL;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	if ((s->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) <
	    0) {
		iss_log(ISS_LOG_ERROR, "msg=signalfd_failed errno=%d", errno);
		goto fail;
	}

	if ((s->lfd = open_listener(o->addr, o->port, &s->port)) < 0)
		goto fail;

	lws_set_log_level(LLL_ERR | LLL_WARN, lws_log_emit);
	memset(&info, 0, sizeof(info));
	/* No lws listener: connections come from ours (cb_listen). */
	info.port = CONTEXT_PORT_NO_LISTEN_SERVER;
	info.protocols = protocols;
	info.vhost_name = "stadspas";
	info.server_string = "stadspas-issuerd";
	info.user = s;
	info.options = LWS_SERVER_OPTION_VALIDATE_UTF8;
	if (!o->insecure_http) {
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		info.ssl_cert_filepath = o->cert_file;
		info.ssl_private_key_filepath = o->key_file;
		/* TLS 1.2 (Mozilla "intermediate") and 1.3; h2 via ALPN. */
		info.ssl_cipher_list = "ECDHE-ECDSA-AES128-GCM-SHA256:"
		    "ECDHE-RSA-AES128-GCM-SHA256:"
		    "ECDHE-ECDSA-AES256-GCM-SHA384:"
		    "ECDHE-RSA-AES256-GCM-SHA384:"
		    "ECDHE-ECDSA-CHACHA20-POLY1305:"
		    "ECDHE-RSA-CHACHA20-POLY1305";
		info.ssl_options_set = (long)(SSL_OP_NO_TLSv1 |
		    SSL_OP_NO_TLSv1_1 | SSL_OP_NO_RENEGOTIATION);
		info.alpn = "h2,http/1.1";
	}
	/* Stalled peers: per-step timeouts and TCP keepalive. */
	info.timeout_secs = s->o.body_timeout;
	info.timeout_secs_ah_idle = 10;
	info.keepalive_timeout = 30;
	info.ka_time = 60;
	info.ka_probes = 3;
	info.ka_interval = 10;

	if ((s->ctx = lws_create_context(&info)) == NULL) {
		iss_log(ISS_LOG_ERROR, "msg=lws_init_failed reason=\"TLS "
		    "certificate or key unusable (see lws lines)\"");
		goto fail;
	}
	if ((s->vh = lws_get_vhost_by_name(s->ctx, "stadspas")) == NULL)
		goto fail;

	memset(&fd, 0, sizeof(fd));
	fd.filefd = s->sigfd;
	if (lws_adopt_descriptor_vhost(s->vh, LWS_ADOPT_RAW_FILE_DESC, fd,
	    PROTO_SIGNAL, NULL) == NULL) {
		iss_log(ISS_LOG_ERROR, "msg=signalfd_adopt_failed");
		goto fail;
	}
	s->sigfd = -1;		/* lws closes it with the context */
	fd.filefd = s->lfd;
	if ((s->listen_wsi = lws_adopt_descriptor_vhost(s->vh,
	    LWS_ADOPT_RAW_FILE_DESC, fd, PROTO_LISTEN, NULL)) == NULL) {
		iss_log(ISS_LOG_ERROR, "msg=listen_adopt_failed");
		goto fail;
	}
	s->lfd = -1;		/* likewise */
	lws_sul_schedule(s->ctx, 0, &s->tick, tick_cb, LWS_US_PER_SEC);
	*out = s;
	s = NULL;
	r = SP_OK;
fail:
	iss_server_free(&s);
	return r;
}

uint16_t
iss_server_port(const struct iss_server *s)
{
	return s != NULL ? s->port : 0;
}

int
iss_server_run(struct iss_server *s)
{
	int r = SP_OK;

	if (s == NULL || s->ctx == NULL)
		return SP_ERR_INVALID_ARG;
	while (!s->done) {
		if (lws_service(s->ctx, 0) < 0) {
			iss_log(ISS_LOG_ERROR, "msg=event_loop_failed");
			r = SP_ERR_INTERNAL;
			break;
		}
		if (s->stop_requested && !s->stopping)
			begin_stop(s);
		if (s->stopping && s->in_flight == 0 && s->nsubs == 0)
			s->done = true;
		if (s->stopping && mono_us() >= s->drain_deadline) {
			iss_log(ISS_LOG_WARN, "msg=drain_timeout in_flight=%u",
			    s->in_flight);
			s->done = true;
		}
	}
	return r;
}

void
iss_server_free(struct iss_server **sp)
{
	struct iss_server *s;

	if (sp == NULL || (s = *sp) == NULL)
		return;
	if (s->ctx != NULL) {
		lws_sul_cancel(&s->tick);
		/* Closes every connection; callbacks still see s. */
		lws_context_destroy(s->ctx);
		s->ctx = NULL;
	}
	if (s->sigfd >= 0)
		close(s->sigfd);
	if (s->lfd >= 0)
		close(s->lfd);
	if (s->subs != NULL) {
		for (unsigned i = 0; i < s->o.max_subscribers; i++)
			sub_free_queue(&s->subs[i]);
		free(s->subs);
	}
	sp_buf_clear(&s->push);
	free(s);
	*sp = NULL;
}
