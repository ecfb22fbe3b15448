/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The issuer daemon's network side: HTTPS (HTTP/1.1 and HTTP/2 via ALPN)
 * and the /registry/stream WebSocket on libwebsockets 4.1, adapted to the
 * pure handler in api.h. http_lws.c is the only file that includes
 * <libwebsockets.h>; nothing here exposes lws types. Also the daemon's
 * structured log (one logfmt line per event on stderr).
 *
 * Not thread-safe: everything runs on the thread that calls
 * iss_server_run(), which is also the only caller of the handler.
 */
#ifndef STADSPAS_ISSUER_HTTP_LWS_H
#define STADSPAS_ISSUER_HTTP_LWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct iss_app;
struct iss_server;

struct iss_server_opts {
	const char *addr;		/* numeric IPv4 or IPv6 address to
					 * bind; "0.0.0.0" or "::" = all */
	uint16_t port;			/* 0 = let the kernel pick one */
	const char *cert_file;		/* PEM certificate (chain) */
	const char *key_file;		/* PEM private key */
	bool insecure_http;		/* plain HTTP, no TLS; the caller
					 * allows it on loopback only */
	unsigned body_timeout;		/* s a client may stall while sending
					 * a body; 0 = 10 */
	unsigned body_deadline;		/* s a whole body may take; 0 = 60 */
	unsigned drain_timeout;		/* s to finish in-flight requests on
					 * SIGTERM/SIGINT; 0 = 10 */
	unsigned max_subscribers;	/* WebSocket subscribers; 0 = 256 */
	unsigned renewal_pause_ms;	/* between bulk renewal slices; 0 =
					 * 1 ms */
};

/*
 * Creates the server: TLS context, listening socket, the 1 s tick timer
 * and a signalfd for SIGTERM and SIGINT. The caller must have blocked
 * those two signals (sigprocmask) before, so that they are only seen
 * here. app is borrowed and must outlive the server. Returns SP_OK,
 * SP_ERR_INVALID_ARG (bad options), SP_ERR_NOMEM, or SP_ERR_INTERNAL
 * (libwebsockets could not start: bad certificate or key, address in use;
 * the reason is logged).
 */
int iss_server_new(struct iss_server **out, struct iss_app *app,
    const struct iss_server_opts *o);

/* The port actually listened on (useful with port 0). */
uint16_t iss_server_port(const struct iss_server *s);

/*
 * Serves until SIGTERM or SIGINT, then stops accepting, closes WebSocket
 * subscribers, lets in-flight HTTP requests finish (at most drain_timeout
 * seconds) and returns SP_OK; SP_ERR_INTERNAL if the event loop failed.
 * The caller then frees the server and closes the app (which commits).
 */
int iss_server_run(struct iss_server *s);

/* Closes every connection and frees; accepts NULL; sets *sp = NULL. */
void iss_server_free(struct iss_server **sp);

/* Log levels for iss_log(). */
enum iss_log_level {
	ISS_LOG_ERROR,
	ISS_LOG_WARN,
	ISS_LOG_INFO,
};

/*
 * Writes one line "<UTC time> level=<level> <fmt...>" to stderr with a
 * single write(2). fmt should produce logfmt key=value pairs; quote free
 * text with iss_log_quote(). Never pass bodies, tokens, codes or personal
 * data.
 */
void iss_log(enum iss_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Copies s into buf (size n >= 3) as a logfmt value: double-quoted, with
 * '"' and '\\' escaped and bytes outside printable ASCII as \xHH;
 * truncated (with "...") to fit. Returns buf.
 */
const char *iss_log_quote(char *buf, size_t n, const char *s);

#endif /* STADSPAS_ISSUER_HTTP_LWS_H */
