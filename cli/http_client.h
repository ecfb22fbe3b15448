/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A small synchronous HTTPS/1.1 client for the stadspas CLIs (admin now,
 * wallet and till later), on the libwebsockets 4.1 client API. One call
 * is one request on a fresh connection; the response body is bounded.
 */
#ifndef STADSPAS_CLI_HTTP_CLIENT_H
#define STADSPAS_CLI_HTTP_CLIENT_H

#include <stddef.h>

/* Largest response body kept; a longer one is an error (CLI_HTTP_ETOOBIG). */
#define CLI_HTTP_MAX_BODY (8u * 1024u * 1024u)

/* Return codes of cli_http(). */
enum cli_http_rc {
	CLI_HTTP_OK = 0,	/* a response arrived (any status) */
	CLI_HTTP_EARG = -1,	/* bad URL or request */
	CLI_HTTP_ECONN = -2,	/* cannot connect, TLS failure, reset */
	CLI_HTTP_ETIMEOUT = -3,	/* no complete response in time */
	CLI_HTTP_ETOOBIG = -4,	/* body over CLI_HTTP_MAX_BODY */
	CLI_HTTP_ENOMEM = -5,
};

struct cli_http_req {
	const char *url;	/* "https://host[:port]" (a path is ignored);
				 * "http://" only with allow_http */
	const char *ca_file;	/* PEM CA file, or NULL: system trust store */
	const char *method;	/* "GET", "POST" */
	const char *path;	/* "/admin/...", with any query string */
	const char *bearer;	/* token for Authorization: Bearer, or NULL */
	const char *content_type; /* or NULL; sent only with a body */
	const unsigned char *body; /* borrowed; NULL for none */
	size_t body_len;
	unsigned timeout_s;	/* whole request; 0 means 30 s */
	int allow_http;		/* accept "http://" URLs (plain, no TLS;
				 * loopback tests, `till --insecure-http`) */
};

struct cli_http_resp {
	int status;		/* HTTP status, 0 if none arrived */
	char *body;		/* malloc'd, NUL-terminated; free with
				 * cli_http_resp_free() */
	size_t body_len;
	char error[256];	/* why, when cli_http() fails */
};

/*
 * Performs *req and fills *resp (which the caller owns and must release
 * with cli_http_resp_free() whatever the result). Returns enum
 * cli_http_rc. Never logs the bearer token. Not thread-safe with respect
 * to libwebsockets' global log level, which it sets to errors off.
 */
int cli_http(const struct cli_http_req *req, struct cli_http_resp *resp);

void cli_http_resp_free(struct cli_http_resp *resp);

#endif /* STADSPAS_CLI_HTTP_CLIENT_H */
