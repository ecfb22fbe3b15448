/* SPDX-License-Identifier: Apache-2.0 */
/*
 * till_pull() and till_follow(): the transport side of a till's sync.
 * Bytes come from the daemon (cli_http) or a directory of files; the
 * verifier checks them. The WebSocket only says "pull now": a message is
 * never trusted for more than that.
 */
#include "till_sync.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stadspas/sp_err.h>
#include <stadspas/sp_pass.h>

#include "cli.h"
#include "http_client.h"
#include "ws_client.h"

#define FILE_MAX (16u * 1024u * 1024u)

/* One fetched body: bytes (malloc'd, NULL if absent) and, for HTTP, the
 * status (200, 400 or 404; others are errors). */
struct body {
	uint8_t *ptr;
	size_t len;
	int status;
};

static void
body_free(struct body *b)
{
	free(b->ptr);
	b->ptr = NULL;
	b->len = 0;
}

static int
read_file(const char *path, struct body *b, char *why, size_t whylen)
{
	struct stat sb;
	ssize_t r;
	size_t off = 0;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		if (errno == ENOENT) {
			b->status = 404;
			return CLI_OK;
		}
		snprintf(why, whylen, "cannot open '%.200s': %s", path,
		    strerror(errno));
		return CLI_NOCONN;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size < 0 ||
	    (uint64_t)sb.st_size > FILE_MAX) {
		snprintf(why, whylen, "'%.200s' is not a regular file of at most "
		    "16 MiB", path);
		close(fd);
		return CLI_NOCONN;
	}
	if ((b->ptr = malloc((size_t)sb.st_size + 1)) == NULL) {
		close(fd);
		snprintf(why, whylen, "out of memory");
		return CLI_NOCONN;
	}
	while (off < (size_t)sb.st_size) {
		r = read(fd, b->ptr + off, (size_t)sb.st_size - off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		off += (size_t)r;
	}
	close(fd);
	if (off != (size_t)sb.st_size) {
		snprintf(why, whylen, "cannot read '%.200s'", path);
		body_free(b);
		return CLI_NOCONN;
	}
	b->len = off;
	b->status = 200;
	return CLI_OK;
}

static int
http_get(const struct till_src *src, const char *path, struct body *b,
    char *why, size_t whylen)
{
	struct cli_http_req req;
	struct cli_http_resp resp;
	int rc;

	memset(&req, 0, sizeof(req));
	req.url = src->server;
	req.ca_file = src->ca_file;
	req.method = "GET";
	req.path = path;
	req.timeout_s = src->timeout_s;
	req.allow_http = src->insecure_http;
	rc = cli_http(&req, &resp);
	if (rc != CLI_HTTP_OK) {
		snprintf(why, whylen, "%s%s: %s", src->server, path,
		    resp.error);
		cli_http_resp_free(&resp);
		return rc == CLI_HTTP_EARG ? CLI_USAGE : CLI_NOCONN;
	}
	b->status = resp.status;
	if (resp.status == 400 || resp.status == 404) {
		cli_http_resp_free(&resp);
		return CLI_OK;
	}
	if (resp.status != 200) {
		snprintf(why, whylen, "%s%s: HTTP %d", src->server, path,
		    resp.status);
		cli_http_resp_free(&resp);
		return CLI_NOCONN;
	}
	/* The body is ours now (malloc'd by the client). */
	b->ptr = (uint8_t *)resp.body;
	b->len = resp.body_len;
	return CLI_OK;
}

/* path for a server, name for a --from directory. */
static int
fetch(const struct till_src *src, const char *path, const char *name,
    struct body *b, char *why, size_t whylen)
{
	char file[4200];

	memset(b, 0, sizeof(*b));
	if (src->from_dir == NULL)
		return http_get(src, path, b, why, whylen);
	if ((size_t)snprintf(file, sizeof(file), "%s/%s", src->from_dir,
	    name) >= sizeof(file)) {
		snprintf(why, whylen, "path too long");
		return CLI_USAGE;
	}
	return read_file(file, b, why, whylen);
}

static const char *
where(const struct till_src *src, const char *path, const char *name)
{
	return src->from_dir != NULL ? name : path;
}

static int
refused(struct till_pull_res *res, const char *what, int err)
{
	snprintf(res->why, sizeof(res->why), "%s refused: %s (%s)", what,
	    sp_strerror(err), sp_errtoken(err));
	return CLI_FAIL;
}

static int
pull_trust(struct sp_verifier *v, const struct till_src *src,
    struct till_pull_res *res)
{
	struct body b;
	uint64_t before = sp_verifier_trust_version(v);
	int rc, r;

	rc = fetch(src, "/registry/trust", TILL_FILE_TRUST, &b, res->why,
	    sizeof(res->why));
	if (rc != CLI_OK)
		return rc;
	if (b.ptr == NULL) {
		/* A file set without it is fine; a server must serve it. */
		if (src->from_dir != NULL)
			return CLI_OK;
		snprintf(res->why, sizeof(res->why), "%s/registry/trust: "
		    "HTTP %d", src->server, b.status);
		return CLI_NOCONN;
	}
	r = sp_verifier_trust_update(v, b.ptr, b.len);
	body_free(&b);
	if (r != SP_OK)
		return refused(res, where(src, "the trust list",
		    "the trust list " TILL_FILE_TRUST), r);
	res->trust_changed = sp_verifier_trust_version(v) != before;
	return CLI_OK;
}

static int
bootstrap(struct sp_verifier *v, const struct till_src *src,
    struct till_pull_res *res)
{
	struct body b;
	int rc, r;

	rc = fetch(src, "/registry/1/snapshot", TILL_FILE_SNAPSHOT, &b,
	    res->why, sizeof(res->why));
	if (rc != CLI_OK)
		return rc;
	if (b.ptr == NULL) {
		snprintf(res->why, sizeof(res->why), "no registry snapshot "
		    "(%s)", src->from_dir != NULL ? TILL_FILE_SNAPSHOT :
		    "HTTP 404");
		return CLI_NOCONN;
	}
	r = sp_verifier_registry_bootstrap(v, b.ptr, b.len);
	body_free(&b);
	if (r != SP_OK)
		return refused(res, where(src, "the registry snapshot",
		    "the registry snapshot " TILL_FILE_SNAPSHOT), r);
	res->bootstrapped = true;
	return CLI_OK;
}

static int
pull_registry(struct sp_verifier *v, const struct till_src *src,
    struct till_pull_res *res)
{
	struct body b;
	char path[64];
	uint64_t size = sp_verifier_registry_size(v);
	int64_t t = sp_verifier_registry_time(v);
	int rc, r;

	res->size_before = size;
	if (t == 0) {
		rc = bootstrap(v, src, res);
		goto out;
	}
	snprintf(path, sizeof(path), "/registry/1/delta?from=%" PRIu64, size);
	rc = fetch(src, path, TILL_FILE_DELTA, &b, res->why,
	    sizeof(res->why));
	if (rc != CLI_OK)
		return rc;
	if (b.ptr == NULL) {
		/* 400: a gap or a delta too long; no delta file. */
		rc = bootstrap(v, src, res);
		goto out;
	}
	r = sp_verifier_registry_apply(v, b.ptr, b.len);
	body_free(&b);
	if (r == SP_ERR_REG_GAP) {
		rc = bootstrap(v, src, res);
		goto out;
	}
	if (r != SP_OK)
		return refused(res, where(src, "the registry delta",
		    "the registry delta " TILL_FILE_DELTA), r);
	rc = CLI_OK;
out:
	if (rc == CLI_OK)
		res->registry_changed = sp_verifier_registry_size(v) != size ||
		    sp_verifier_registry_time(v) != t;
	return rc;
}

static int
pull_offers(struct sp_verifier *v, const struct till_src *src,
    struct till_pull_res *res)
{
	struct body b;
	uint64_t before = sp_verifier_catalogue_version(v);
	int rc, r;

	rc = fetch(src, "/registry/offers", TILL_FILE_OFFERS, &b, res->why,
	    sizeof(res->why));
	if (rc != CLI_OK)
		return rc;
	if (b.ptr == NULL) {
		if (src->from_dir != NULL)
			return CLI_OK;
		snprintf(res->why, sizeof(res->why), "%s/registry/offers: "
		    "HTTP %d", src->server, b.status);
		return CLI_NOCONN;
	}
	r = sp_verifier_catalogue(v, b.ptr, b.len);
	body_free(&b);
	if (r != SP_OK)
		return refused(res, where(src, "the offers catalogue",
		    "the offers catalogue " TILL_FILE_OFFERS), r);
	res->offers_changed = sp_verifier_catalogue_version(v) != before;
	return CLI_OK;
}

int
till_pull(struct sp_verifier *v, const struct till_src *src,
    struct till_pull_res *res)
{
	int rc;

	memset(res, 0, sizeof(*res));
	if ((src->server == NULL) == (src->from_dir == NULL)) {
		snprintf(res->why, sizeof(res->why), "need a server or a "
		    "directory");
		return CLI_USAGE;
	}
	if ((rc = pull_trust(v, src, res)) != CLI_OK)
		return rc;
	if ((rc = pull_registry(v, src, res)) != CLI_OK)
		return rc;
	return pull_offers(v, src, res);
}

/* ---- following the stream ---------------------------------------------- */

struct follow {
	struct sp_verifier *v;
	const struct till_src *src;
	till_saved_fn after;
	void *ctx;
	unsigned max_updates, updates;
};

static int
pull_and_save(struct follow *f, bool pushed)
{
	struct till_pull_res res;
	int rc;

	rc = till_pull(f->v, f->src, &res);
	if (f->after != NULL && f->after(f->ctx, f->v, rc, &res, pushed) != 0)
		return 1;
	if (pushed && rc == CLI_OK && f->max_updates != 0 &&
	    ++f->updates >= f->max_updates)
		return 1;
	return 0;
}

static int
on_open(void *ctx)
{
	return pull_and_save(ctx, false);
}

/* {"type":"checkpoint","list":1,...}: anything else is ignored. */
static int
on_message(void *ctx, const char *msg, size_t len)
{
	(void)len;
	if (strstr(msg, "\"checkpoint\"") == NULL)
		return 0;
	return pull_and_save(ctx, true);
}

static int
on_down(void *ctx, unsigned retry_ms, const char *why)
{
	(void)ctx;
	fprintf(stderr, "stadspas till: stream: %s; retrying in %u.%u s\n",
	    why, retry_ms / 1000, retry_ms % 1000 / 100);
	return 0;
}

int
till_follow(struct sp_verifier *v, const struct till_src *src,
    volatile sig_atomic_t *stop, unsigned max_updates, till_saved_fn after,
    void *ctx)
{
	struct cli_ws_opts o;
	struct follow f;
	char url[600], err[300];
	const char *rest, *scheme;
	int rc;

	if (src->server == NULL)
		return CLI_USAGE;
	if (strncmp(src->server, "https://", 8) == 0) {
		rest = src->server + 8;
		scheme = "wss";
	} else if (strncmp(src->server, "http://", 7) == 0 &&
	    src->insecure_http) {
		rest = src->server + 7;
		scheme = "ws";
	} else
		return CLI_USAGE;
	if ((size_t)snprintf(url, sizeof(url), "%s://%.*s/registry/stream",
	    scheme, (int)strcspn(rest, "/?#"), rest) >= sizeof(url))
		return CLI_USAGE;
	memset(&f, 0, sizeof(f));
	f.v = v;
	f.src = src;
	f.after = after;
	f.ctx = ctx;
	f.max_updates = max_updates;
	memset(&o, 0, sizeof(o));
	o.url = url;
	o.allow_plain = src->insecure_http;
	o.ca_file = src->ca_file;
	o.protocol = "stadspas-registry";
	o.on_open = on_open;
	o.on_message = on_message;
	o.on_down = on_down;
	o.ctx = &f;
	o.stop = stop;
	rc = cli_ws_follow(&o, err, sizeof(err));
	if (rc == CLI_WS_STOPPED)
		return CLI_OK;
	fprintf(stderr, "stadspas till: %s\n", err);
	return rc == CLI_WS_EARG ? CLI_USAGE : CLI_NOCONN;
}
