/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli_ws_follow(): one libwebsockets 4.1 client context that keeps a
 * WebSocket subscription up, after minimal-examples/ws-client/
 * minimal-ws-client (tag v4.1.6): reconnects are lws_sul timers, never
 * sleeps. Events are recorded by the lws callback and handed to the
 * caller between lws_service() passes, so the caller may block.
 */
#include "ws_client.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>
#include <sodium.h>

#define TICK_US (500 * LWS_US_PER_MS)

struct ws_state {
	const struct cli_ws_opts *o;
	struct lws_context *ctx;
	struct lws *wsi;
	lws_sorted_usec_list_t sul_retry;
	lws_sorted_usec_list_t sul_tick;
	char host[256];
	char path[512];
	int port;
	bool tls;
	unsigned attempt;		/* failures since the last open */
	unsigned downs;			/* went_down() calls */
	/* A message being reassembled, and the newest whole one. */
	char part[CLI_WS_MAX_MSG + 1];
	size_t part_len;
	bool part_bad;
	char msg[CLI_WS_MAX_MSG + 1];
	size_t msg_len;
	/* Events for the caller. */
	bool open_pending, msg_pending, down_pending;
	unsigned down_ms;
	char down_why[160];
	bool stopping;
};

unsigned
cli_ws_backoff_ms(unsigned n, unsigned first_ms, unsigned max_ms,
    unsigned jitter_permille)
{
	uint64_t d = first_ms;

	while (n-- > 0 && d < max_ms)
		d *= 2;
	if (d > max_ms)
		d = max_ms;
	d = d * jitter_permille / 1000;
	return d > UINT32_MAX ? UINT32_MAX : (unsigned)d;
}

static void connect_now(struct ws_state *st);

static void
retry_cb(lws_sorted_usec_list_t *sul)
{
	struct ws_state *st = lws_container_of(sul, struct ws_state,
	    sul_retry);

	connect_now(st);
}

/* Records the loss of the connection and schedules the next attempt. */
static void
went_down(struct ws_state *st, const char *why, const void *in, size_t len)
{
	const struct cli_ws_opts *o = st->o;
	unsigned first = o->backoff_first_ms != 0 ? o->backoff_first_ms : 1000;
	unsigned max = o->backoff_max_ms != 0 ? o->backoff_max_ms : 60000;
	unsigned jitter = 800 + randombytes_uniform(401);

	st->wsi = NULL;
	st->downs++;
	if (st->stopping)
		return;
	st->down_ms = cli_ws_backoff_ms(st->attempt, first, max, jitter);
	if (st->attempt < 32)
		st->attempt++;
	if (in != NULL && len > 0)
		snprintf(st->down_why, sizeof(st->down_why), "%s: %.*s", why,
		    (int)(len > 100 ? 100 : len), (const char *)in);
	else
		snprintf(st->down_why, sizeof(st->down_why), "%s", why);
	st->down_pending = true;
	lws_sul_schedule(st->ctx, 0, &st->sul_retry, retry_cb,
	    (lws_usec_t)st->down_ms * LWS_US_PER_MS);
}

static void
receive(struct ws_state *st, struct lws *wsi, const void *in, size_t len)
{
	if (lws_is_first_fragment(wsi)) {
		st->part_len = 0;
		st->part_bad = false;
	}
	if (len > CLI_WS_MAX_MSG - st->part_len)
		st->part_bad = true;
	else {
		memcpy(st->part + st->part_len, in, len);
		st->part_len += len;
	}
	if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
		return;
	if (st->part_bad)
		return;
	/* Only the newest message matters: each says "pull now". */
	memcpy(st->msg, st->part, st->part_len);
	st->msg[st->part_len] = '\0';
	st->msg_len = st->part_len;
	st->msg_pending = true;
}

static int
ws_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct ws_state *st = lws_context_user(lws_get_context(wsi));

	if (st == NULL)
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		went_down(st, "cannot connect", in,
		    in != NULL ? strlen(in) : 0);
		return 0;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		st->attempt = 0;
		st->open_pending = true;
		return 0;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		receive(st, wsi, in, len);
		return 0;
	case LWS_CALLBACK_CLIENT_CLOSED:
		went_down(st, "connection closed", NULL, 0);
		return 0;
	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static void
tick_cb(lws_sorted_usec_list_t *sul)
{
	struct ws_state *st = lws_container_of(sul, struct ws_state,
	    sul_tick);

	/* Only wakes lws_service() so the stop flag is seen. */
	lws_sul_schedule(st->ctx, 0, &st->sul_tick, tick_cb, TICK_US);
}

static void
connect_now(struct ws_state *st)
{
	struct lws_client_connect_info ci;
	unsigned downs = st->downs;

	memset(&ci, 0, sizeof(ci));
	ci.context = st->ctx;
	ci.address = st->host;
	ci.port = st->port;
	ci.path = st->path;
	ci.host = st->host;
	ci.origin = st->host;
	ci.ssl_connection = st->tls ? LCCSCF_USE_SSL : 0;
	ci.protocol = st->o->protocol;
	ci.pwsi = &st->wsi;
	if (lws_client_connect_via_info(&ci) == NULL && st->downs == downs)
		went_down(st, "cannot connect", NULL, 0);
}

/* "wss://host[:port][/path]" or "ws://..." -> host, port, path. */
static int
parse_url(struct ws_state *st, const char *url, int allow_plain)
{
	const char *h, *e, *c;
	size_t n;

	if (strncmp(url, "wss://", 6) == 0) {
		h = url + 6;
		st->tls = true;
	} else if (allow_plain && strncmp(url, "ws://", 5) == 0) {
		h = url + 5;
		st->tls = false;
	} else
		return -1;
	e = h + strcspn(h, "/?#");
	if (*h == '[') {
		if ((c = memchr(h, ']', (size_t)(e - h))) == NULL)
			return -1;
		n = (size_t)(c - h - 1);
		h++;
		c++;
	} else {
		if ((c = memchr(h, ':', (size_t)(e - h))) == NULL)
			c = e;
		n = (size_t)(c - h);
	}
	if (n == 0 || n >= sizeof(st->host))
		return -1;
	memcpy(st->host, h, n);
	st->host[n] = '\0';
	st->port = st->tls ? 443 : 80;
	if (c < e) {
		char *end;
		long v;

		if (*c != ':' || c + 1 == e)
			return -1;
		v = strtol(c + 1, &end, 10);
		if (end != e || v < 1 || v > 65535)
			return -1;
		st->port = (int)v;
	}
	if (*e == '\0')
		e = "/";
	if (strlen(e) >= sizeof(st->path))
		return -1;
	snprintf(st->path, sizeof(st->path), "%s", e);
	return 0;
}

/* Hands the recorded events to the caller; nonzero: stop. */
static int
deliver(struct ws_state *st)
{
	const struct cli_ws_opts *o = st->o;

	if (st->down_pending) {
		st->down_pending = false;
		if (o->on_down != NULL &&
		    o->on_down(o->ctx, st->down_ms, st->down_why) != 0)
			return 1;
	}
	if (st->open_pending) {
		st->open_pending = false;
		st->msg_pending = false;	/* on_open catches up */
		if (o->on_open != NULL && o->on_open(o->ctx) != 0)
			return 1;
	}
	if (st->msg_pending) {
		st->msg_pending = false;
		if (o->on_message != NULL &&
		    o->on_message(o->ctx, st->msg, st->msg_len) != 0)
			return 1;
	}
	return 0;
}

int
cli_ws_follow(const struct cli_ws_opts *o, char *err, size_t errlen)
{
	static const struct lws_protocols protocols[] = {
		{ "stadspas-ws-client", ws_cb, 0, CLI_WS_MAX_MSG, 0, NULL,
		    0 },
		{ NULL, NULL, 0, 0, 0, NULL, 0 },
	};
	struct lws_context_creation_info info;
	struct ws_state *st;
	int rc = CLI_WS_STOPPED;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return CLI_WS_ENOMEM;
	st->o = o;
	if (o->url == NULL || parse_url(st, o->url, o->allow_plain) != 0) {
		if (err != NULL)
			snprintf(err, errlen, "bad URL '%s' (want "
			    "wss://HOST[:PORT]/PATH)", o->url ? o->url : "");
		free(st);
		return CLI_WS_EARG;
	}
	if (sodium_init() < 0) {
		free(st);
		return CLI_WS_ECONN;
	}
	lws_set_log_level(0, NULL);
	memset(&info, 0, sizeof(info));
	info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.user = st;
	info.client_ssl_ca_filepath = o->ca_file;
	info.timeout_secs = 20;
	info.connect_timeout_secs = 20;
	info.fd_limit_per_thread = 8;
	if ((st->ctx = lws_create_context(&info)) == NULL) {
		if (err != NULL)
			snprintf(err, errlen, "cannot set up TLS (CA file "
			    "'%s' unreadable?)", o->ca_file != NULL ?
			    o->ca_file : "(system)");
		free(st);
		return CLI_WS_ECONN;
	}
	lws_sul_schedule(st->ctx, 0, &st->sul_tick, tick_cb, TICK_US);
	connect_now(st);
	while (!(o->stop != NULL && *o->stop)) {
		if (lws_service(st->ctx, 0) < 0)
			break;
		if (o->stop != NULL && *o->stop)
			break;
		if (deliver(st) != 0)
			break;
	}
	st->stopping = true;
	/* Close the connection before the context goes: a wsi still open
	 * at lws_context_destroy() keeps its TLS objects alive. */
	if (st->wsi != NULL) {
		int spins;

		lws_set_timeout(st->wsi, PENDING_TIMEOUT_USER_OK,
		    LWS_TO_KILL_ASYNC);
		for (spins = 0; st->wsi != NULL && spins < 20; spins++)
			if (lws_service(st->ctx, 0) < 0)
				break;
	}
	lws_sul_cancel(&st->sul_tick);
	lws_sul_cancel(&st->sul_retry);
	lws_context_destroy(st->ctx);
	free(st);
	return rc;
}
