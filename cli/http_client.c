/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli_http(): one HTTPS/1.1 request on its own libwebsockets 4.1 client
 * context, serviced until the response completes, fails or times out.
 * The callback follows minimal-examples/http-client/minimal-http-client
 * and minimal-http-client-post (tag v4.1.6); no globals: the request
 * state is the context user.
 */
#include "http_client.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

struct http_state {
	const struct cli_http_req *req;
	struct cli_http_resp *resp;
	lws_sorted_usec_list_t sul;	/* overall deadline */
	char auth[300];			/* "Bearer <token>", wiped after */
	int rc;
	bool done;
};

static void
fail(struct http_state *st, int rc, const char *what, const void *in,
    size_t len)
{
	if (st->done)
		return;
	st->rc = rc;
	st->done = true;
	if (in != NULL && len > 0)
		snprintf(st->resp->error, sizeof(st->resp->error), "%s: %.*s",
		    what, (int)(len > 200 ? 200 : len), (const char *)in);
	else
		snprintf(st->resp->error, sizeof(st->resp->error), "%s", what);
}

static int
append_body(struct http_state *st, const void *in, size_t len)
{
	struct cli_http_resp *r = st->resp;
	char *nb;

	if (len > CLI_HTTP_MAX_BODY - r->body_len) {
		fail(st, CLI_HTTP_ETOOBIG, "response body over 8 MiB", NULL, 0);
		return -1;
	}
	nb = realloc(r->body, r->body_len + len + 1);
	if (nb == NULL) {
		fail(st, CLI_HTTP_ENOMEM, "out of memory", NULL, 0);
		return -1;
	}
	memcpy(nb + r->body_len, in, len);
	r->body_len += len;
	nb[r->body_len] = '\0';
	r->body = nb;
	return 0;
}

static int
add_headers(struct lws *wsi, struct http_state *st, unsigned char **p,
    unsigned char *end)
{
	const struct cli_http_req *q = st->req;
	char clen[32];
	int n;

	if (q->bearer != NULL &&
	    lws_add_http_header_by_name(wsi,
		(const unsigned char *)"authorization:",
		(const unsigned char *)st->auth, (int)strlen(st->auth), p, end))
		return -1;
	if (q->body == NULL)
		return 0;
	if (q->content_type != NULL &&
	    lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE,
		(const unsigned char *)q->content_type,
		(int)strlen(q->content_type), p, end))
		return -1;
	n = snprintf(clen, sizeof(clen), "%zu", q->body_len);
	if (lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH,
		(const unsigned char *)clen, n, p, end))
		return -1;
	lws_client_http_body_pending(wsi, 1);
	lws_callback_on_writable(wsi);
	return 0;
}

static int
write_body(struct lws *wsi, struct http_state *st)
{
	const struct cli_http_req *q = st->req;
	unsigned char *buf;
	int n;

	buf = malloc(LWS_PRE + q->body_len);
	if (buf == NULL) {
		fail(st, CLI_HTTP_ENOMEM, "out of memory", NULL, 0);
		return -1;
	}
	memcpy(buf + LWS_PRE, q->body, q->body_len);
	n = lws_write(wsi, buf + LWS_PRE, q->body_len, LWS_WRITE_HTTP_FINAL);
	free(buf);
	if (n < (int)q->body_len) {
		fail(st, CLI_HTTP_ECONN, "cannot send the request body", NULL,
		    0);
		return -1;
	}
	lws_client_http_body_pending(wsi, 0);
	return 0;
}

static int
http_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct http_state *st = lws_context_user(lws_get_context(wsi));
	char rbuf[LWS_PRE + 4096], *px;
	int lenx;

	(void)user;
	if (st == NULL)
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		fail(st, CLI_HTTP_ECONN, "cannot connect", in,
		    in != NULL ? strlen(in) : 0);
		return 0;
	case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
		return add_headers(wsi, st, (unsigned char **)in,
		    *(unsigned char **)in + len);
	case LWS_CALLBACK_CLIENT_HTTP_WRITEABLE:
		return st->req->body != NULL ? write_body(wsi, st) : 0;
	case LWS_CALLBACK_ESTABLISHED_CLIENT_HTTP:
		st->resp->status = (int)lws_http_client_http_response(wsi);
		return 0;
	case LWS_CALLBACK_RECEIVE_CLIENT_HTTP_READ:
		return append_body(st, in, len);
	case LWS_CALLBACK_RECEIVE_CLIENT_HTTP:
		px = rbuf + LWS_PRE;
		lenx = (int)(sizeof(rbuf) - LWS_PRE);
		if (lws_http_client_read(wsi, &px, &lenx) < 0)
			return -1;
		return 0;
	case LWS_CALLBACK_COMPLETED_CLIENT_HTTP:
		if (!st->done) {
			st->done = true;
			st->rc = CLI_HTTP_OK;
		}
		return 0;
	case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
		fail(st, CLI_HTTP_ECONN, "connection closed before the "
		    "response completed", NULL, 0);
		return 0;
	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static void
deadline_cb(lws_sorted_usec_list_t *sul)
{
	struct http_state *st = lws_container_of(sul, struct http_state, sul);

	fail(st, CLI_HTTP_ETIMEOUT, "no response in time", NULL, 0);
}

/* "https://host[:port][/...]" (or "http://", *tls false) -> host
 * (brackets stripped) and port. */
static int
parse_url(const char *url, char *host, size_t hostsz, int *port, bool *tls)
{
	const char *h, *e, *c;
	size_t n;

	if (strncmp(url, "https://", 8) == 0) {
		h = url + 8;
		*tls = true;
	} else if (strncmp(url, "http://", 7) == 0) {
		h = url + 7;
		*tls = false;
	} else
		return -1;
	e = h + strcspn(h, "/?#");
	if (*h == '[') {
		c = memchr(h, ']', (size_t)(e - h));
		if (c == NULL)
			return -1;
		n = (size_t)(c - h - 1);
		h++;
		c++;
	} else {
		c = memchr(h, ':', (size_t)(e - h));
		if (c == NULL)
			c = e;
		n = (size_t)(c - h);
	}
	if (n == 0 || n >= hostsz)
		return -1;
	memcpy(host, h, n);
	host[n] = '\0';
	*port = *tls ? 443 : 80;
	if (c < e) {
		char *end;
		long v;

		if (*c != ':' || c + 1 == e)
			return -1;
		v = strtol(c + 1, &end, 10);
		if (end != e || v < 1 || v > 65535)
			return -1;
		*port = (int)v;
	}
	return 0;
}

int
cli_http(const struct cli_http_req *req, struct cli_http_resp *resp)
{
	static const struct lws_protocols protocols[] = {
		{ "http", http_cb, 0, 0, 0, NULL, 0 },
		{ NULL, NULL, 0, 0, 0, NULL, 0 },
	};
	struct lws_context_creation_info info;
	struct lws_client_connect_info ci;
	struct lws_context *ctx;
	struct http_state st;
	char host[256];
	int port, n = 0;
	bool tls = true;
	unsigned to = req->timeout_s != 0 ? req->timeout_s : 30;

	memset(resp, 0, sizeof(*resp));
	memset(&st, 0, sizeof(st));
	st.req = req;
	st.resp = resp;
	if (parse_url(req->url, host, sizeof(host), &port, &tls) != 0 ||
	    (!tls && !req->allow_http)) {
		snprintf(resp->error, sizeof(resp->error),
		    "bad URL (want https://HOST[:PORT])");
		return CLI_HTTP_EARG;
	}
	if (req->bearer != NULL &&
	    (size_t)snprintf(st.auth, sizeof(st.auth), "Bearer %s",
		req->bearer) >= sizeof(st.auth)) {
		snprintf(resp->error, sizeof(resp->error), "token too long");
		return CLI_HTTP_EARG;
	}

	lws_set_log_level(0, NULL);
	memset(&info, 0, sizeof(info));
	info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.user = &st;
	info.client_ssl_ca_filepath = req->ca_file;
	info.timeout_secs = to;
	info.connect_timeout_secs = to;
	info.fd_limit_per_thread = 8;
	ctx = lws_create_context(&info);
	if (ctx == NULL) {
		lws_explicit_bzero(st.auth, sizeof(st.auth));
		snprintf(resp->error, sizeof(resp->error),
		    "cannot set up TLS (CA file '%s' unreadable?)",
		    req->ca_file != NULL ? req->ca_file : "(system)");
		return CLI_HTTP_ECONN;
	}

	memset(&ci, 0, sizeof(ci));
	ci.context = ctx;
	ci.address = host;
	ci.port = port;
	ci.path = req->path;
	ci.host = host;
	ci.origin = host;
	ci.method = req->method;
	ci.ssl_connection = tls ? LCCSCF_USE_SSL : 0;
	ci.alpn = "http/1.1";
	ci.protocol = protocols[0].name;
	lws_sul_schedule(ctx, 0, &st.sul, deadline_cb,
	    (lws_usec_t)to * LWS_US_PER_SEC);
	if (lws_client_connect_via_info(&ci) == NULL)
		fail(&st, CLI_HTTP_ECONN, "cannot connect", NULL, 0);
	while (!st.done && n >= 0)
		n = lws_service(ctx, 0);
	if (!st.done)
		fail(&st, CLI_HTTP_ECONN, "event loop failed", NULL, 0);
	lws_sul_cancel(&st.sul);
	lws_context_destroy(ctx);
	lws_explicit_bzero(st.auth, sizeof(st.auth));
	return st.rc;
}

void
cli_http_resp_free(struct cli_http_resp *resp)
{
	free(resp->body);
	resp->body = NULL;
	resp->body_len = 0;
}
