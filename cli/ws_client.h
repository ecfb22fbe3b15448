/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A small WebSocket client for `stadspas till sync --follow`, on the
 * libwebsockets 4.1 client API: stays subscribed to one URL, reassembles
 * each message (bounded), and reconnects with exponential back-off
 * (1 s doubling to 60 s, +-20 % jitter) whenever the connection fails or
 * closes. The caller's callbacks run outside lws callbacks, between
 * service passes, so they may block (e.g. do an HTTP pull).
 */
#ifndef STADSPAS_CLI_WS_CLIENT_H
#define STADSPAS_CLI_WS_CLIENT_H

#include <signal.h>
#include <stddef.h>

/* Largest message kept; a longer one drops the connection. */
#define CLI_WS_MAX_MSG 4096u

/* Return codes of cli_ws_follow(). */
enum cli_ws_rc {
	CLI_WS_STOPPED = 0,	/* *stop was set or a callback said stop */
	CLI_WS_EARG = -1,	/* bad URL */
	CLI_WS_ECONN = -2,	/* cannot set up the client context */
	CLI_WS_ENOMEM = -3,
};

struct cli_ws_opts {
	const char *url;	/* "wss://host[:port]/path"; "ws://" only
				 * with allow_plain */
	int allow_plain;
	const char *ca_file;	/* PEM CA file, or NULL: system store */
	const char *protocol;	/* Sec-WebSocket-Protocol, or NULL */
	/*
	 * on_open: the connection is up (first time or again); a caller
	 * that may have missed messages while away catches up here.
	 * on_message: one whole message (text, NUL-terminated).
	 * on_down: the connection failed or closed; retry_s the delay
	 * before the next attempt, why a short reason.
	 * Each returns 0 to go on, nonzero to stop. Any may be NULL.
	 */
	int (*on_open)(void *ctx);
	int (*on_message)(void *ctx, const char *msg, size_t len);
	int (*on_down)(void *ctx, unsigned retry_ms, const char *why);
	void *ctx;
	volatile sig_atomic_t *stop;	/* set (e.g. by a signal handler)
					 * to stop; checked at least once a
					 * second */
	unsigned backoff_max_ms;	/* 0 means 60000 */
	unsigned backoff_first_ms;	/* 0 means 1000 */
};

/*
 * Follows o->url until stopped: connects, delivers messages, reconnects
 * after failures. Returns enum cli_ws_rc; err (if not NULL) says why on
 * an error. Not thread-safe with respect to libwebsockets' global log
 * level, which it turns off.
 */
int cli_ws_follow(const struct cli_ws_opts *o, char *err, size_t errlen);

/* The back-off delay before attempt n (0 = the first retry): first_ms
 * doubled n times, capped at max_ms, scaled by jitter_permille (800 ..
 * 1200 for +-20 %). Pure; exposed for tests. */
unsigned cli_ws_backoff_ms(unsigned n, unsigned first_ms, unsigned max_ms,
    unsigned jitter_permille);

#endif /* STADSPAS_CLI_WS_CLIENT_H */
