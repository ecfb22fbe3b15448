/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Issuance benchmarks (issue 4). Not a test: prints BENCH lines.
 *
 *   bench_issue http PORT TOKEN [SECONDS] [CONNECTIONS]
 *       An own load generator against a running stadspas-issuerd with
 *       --insecure-http on 127.0.0.1:PORT (bench/bench_issue.sh starts
 *       it): CONNECTIONS (64) keep-alive connections, one thread each,
 *       raw sockets, HTTP/1.1. Setup (untimed): every connection creates
 *       its residents and enrolment codes through the admin API. Timed:
 *       each issuance is POST /wallet/nonce then POST /wallet/credential
 *       with one fresh Ed25519 holder key and its proof (one pass copy),
 *       computed by the client. Prints issue_rps (issuances per second),
 *       issue_p99 (ms, nonce + credential) and, same run, issue_bound:
 *       the primitives one issuance of one copy cannot do without, per
 *       second: one Ed25519 sign (the copy), one Ed25519 verify (the
 *       proof of possession) and one durable LMDB commit (the code's use
 *       and the copy; the status indices come from a pool reserved 64 at
 *       a time), measured before and after the load (mean of the two).
 *   bench_issue bulk [RESIDENTS] [KEYS] [THREADS]
 *       In-process: a fresh data directory with RESIDENTS (10,000)
 *       residents, each holding KEYS (10) live copies, then one bulk
 *       renewal run to the end through iss_app_tick() with THREADS (2)
 *       signing threads. Prints bulk_issue (renewed copies signed and
 *       committed per second), bulk_sign_bare (bare single-core Ed25519
 *       signatures per second), bulk_issue_vs_sign and bulk_1m_seconds
 *       (1,000,000 credentials at the measured rate).
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <jansson.h>
#include <sodium.h>

#include "api_int.h"
#include "bench_prims.h"
#include "stadspas/sp_err.h"

/* ---- A minimal HTTP/1.1 client over one keep-alive socket -------------- */

struct conn {
	int fd;
	char buf[65536];
	size_t len;
};

static int
conn_open(struct conn *c, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
	    .sin_port = htons((uint16_t)port) };
	int one = 1;

	c->len = 0;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((c->fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return -1;
	(void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return connect(c->fd, (struct sockaddr *)&sa, sizeof(sa));
}

static int
send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* One request; the body of the answer (NUL-terminated) in *out, the
 * status returned (-1 on a transport failure). */
static int
http(struct conn *c, const char *method, const char *path,
    const char *token, const char *body, char **out)
{
	char head[512];
	size_t bl = body != NULL ? strlen(body) : 0, need;
	char *end, *cl;
	int n, status;

	n = snprintf(head, sizeof(head), "%s %s HTTP/1.1\r\nHost: b\r\n"
	    "Content-Type: application/json\r\nContent-Length: %zu\r\n"
	    "%s%s%s\r\n", method, path, bl, token ? "Authorization: Bearer " :
	    "", token ? token : "", token ? "\r\n" : "");
	if (n < 0 || (size_t)n >= sizeof(head) ||
	    send_all(c->fd, head, (size_t)n) != 0 ||
	    (bl > 0 && send_all(c->fd, body, bl) != 0))
		return -1;
	for (;;) {
		c->buf[c->len] = 0;
		if ((end = strstr(c->buf, "\r\n\r\n")) != NULL) {
			size_t hl = (size_t)(end + 4 - c->buf), blen = 0;

			if ((cl = strcasestr(c->buf, "content-length:")) !=
			    NULL && cl < end)
				blen = strtoul(cl + 15, NULL, 10);
			need = hl + blen;
			if (need >= sizeof(c->buf))
				return -1;
			if (c->len >= need) {
				status = atoi(c->buf + 9);
				*out = strndup(c->buf + hl, blen);
				memmove(c->buf, c->buf + need, c->len - need);
				c->len -= need;
				return *out != NULL ? status : -1;
			}
		}
		ssize_t r = recv(c->fd, c->buf + c->len,
		    sizeof(c->buf) - 1 - c->len, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		c->len += (size_t)r;
	}
}

/* ---- The HTTP benchmark ------------------------------------------------ */

#define CODES_PER_RESIDENT 400	/* under the 512 live copies cap */

struct client {
	int port;
	const char *token;
	size_t n_codes;
	char (*codes)[16];
	double *lat_ms;
	size_t done;
	int fail;
	pthread_t th;
};

static pthread_barrier_t barrier;
static volatile int stop_flag;

static char *
json_field(const char *body, const char *key)
{
	json_t *j = json_loads(body, 0, NULL);
	const char *s = json_string_value(json_object_get(j, key));
	char *r = s != NULL ? strdup(s) : NULL;

	json_decref(j);
	return r;
}

static int
setup_codes(struct client *cl, struct conn *c)
{
	char path[96], *body = NULL, *res = NULL, *code;
	size_t i;

	for (i = 0; i < cl->n_codes; i++) {
		if (i % CODES_PER_RESIDENT == 0) {
			free(res);
			if (http(c, "POST", "/admin/residents", cl->token,
			    "{\"name\":\"Bench\",\"birth_year\":1980,"
			    "\"categories\":[\"sport\"]}", &body) != 201)
				return -1;
			res = json_field(body, "resident");
			free(body);
			if (res == NULL)
				return -1;
		}
		snprintf(path, sizeof(path), "/admin/residents/%s/code", res);
		if (http(c, "POST", path, cl->token, "{}", &body) != 201)
			return -1;
		code = json_field(body, "code");
		free(body);
		if (code == NULL || strlen(code) >= 16)
			return -1;
		memcpy(cl->codes[i], code, strlen(code) + 1);
		free(code);
	}
	free(res);
	return 0;
}

static void
hex(char *out, const uint8_t *p, size_t n)
{
	sodium_bin2hex(out, 2 * n + 1, p, n);
}

/* One issuance: nonce, proof, credential. */
static int
issue_one(struct conn *c, const char *code)
{
	static const char label[] = "stadspas pop v1";
	uint8_t pk[32], sk[64], nonce[32], msg[sizeof(label) + 32 + 16];
	uint8_t cose[40] = { 0xa3, 0x01, 0x01, 0x20, 0x06, 0x21, 0x58, 0x20 };
	uint8_t sig[64];
	char body[1024], khex[81], shex[129], *ans = NULL, *nh;
	size_t nl, cl = strlen(code), bin;
	int st;

	if (http(c, "POST", "/wallet/nonce", NULL, "{}", &ans) != 200 ||
	    (nh = json_field(ans, "nonce")) == NULL) {
		free(ans);
		return -1;
	}
	free(ans);
	nl = strlen(nh);
	if (sodium_hex2bin(nonce, sizeof(nonce), nh, nl, NULL, &bin, NULL) !=
	    0 || bin != 32) {
		free(nh);
		return -1;
	}
	crypto_sign_keypair(pk, sk);
	memcpy(cose + 8, pk, 32);
	memcpy(msg, label, sizeof(label));
	memcpy(msg + sizeof(label), nonce, 32);
	memcpy(msg + sizeof(label) + 32, code, cl);
	crypto_sign_detached(sig, NULL, msg, sizeof(label) + 32 + cl, sk);
	sodium_memzero(sk, sizeof(sk));
	hex(khex, cose, sizeof(cose));
	hex(shex, sig, sizeof(sig));
	snprintf(body, sizeof(body), "{\"code\":\"%s\",\"nonce\":\"%s\","
	    "\"proofs\":[{\"key\":\"%s\",\"sig\":\"%s\"}]}", code, nh, khex,
	    shex);
	free(nh);
	st = http(c, "POST", "/wallet/credential", NULL, body, &ans);
	free(ans);
	return st == 200 ? 0 : -1;
}

static void *
client_run(void *arg)
{
	struct client *cl = arg;
	struct conn *c = calloc(1, sizeof(*c));
	size_t i;

	cl->fail = c == NULL || conn_open(c, cl->port) != 0 ||
	    setup_codes(cl, c) != 0;
	pthread_barrier_wait(&barrier);		/* setup done */
	pthread_barrier_wait(&barrier);		/* go */
	for (i = 0; !cl->fail && !stop_flag && i < cl->n_codes; i++) {
		uint64_t t0 = bench_now_ns();

		if (issue_one(c, cl->codes[i]) != 0) {
			cl->fail = 1;
			break;
		}
		cl->lat_ms[cl->done++] = (double)(bench_now_ns() - t0) / 1e6;
	}
	if (c != NULL && c->fd >= 0)
		close(c->fd);
	free(c);
	return NULL;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int
bench_http(int port, const char *token, unsigned secs, unsigned conns)
{
	struct client *cl = calloc(conns, sizeof(*cl));
	char tmpl[] = "/tmp/sp-bench-bound-XXXXXX";
	/* Codes per connection: 30 issuances a second each is ~2000 req/s
	 * over 64 connections, far above what one daemon does; a client
	 * that runs out stops, and that is reported. */
	size_t per = (size_t)secs * 30 + 50, i, total = 0, k = 0;
	double *all, bound;
	uint64_t t0, t1;
	int fails = 0;

	if (cl == NULL || pthread_barrier_init(&barrier, NULL, conns + 1))
		return 1;
	if (mkdtemp(tmpl) == NULL)
		return 1;
	bound = bench_sign_commit_ns(tmpl, 300);
	for (i = 0; i < conns; i++) {
		cl[i] = (struct client){ .port = port, .token = token,
		    .n_codes = per };
		cl[i].codes = calloc(per, sizeof(*cl[i].codes));
		cl[i].lat_ms = calloc(per, sizeof(double));
		if (cl[i].codes == NULL || cl[i].lat_ms == NULL ||
		    pthread_create(&cl[i].th, NULL, client_run, &cl[i]))
			return 1;
	}
	pthread_barrier_wait(&barrier);
	t0 = bench_now_ns();
	pthread_barrier_wait(&barrier);
	while (bench_now_ns() - t0 < (uint64_t)secs * 1000000000u)
		usleep(10000);
	stop_flag = 1;
	for (i = 0; i < conns; i++) {
		pthread_join(cl[i].th, NULL);
		total += cl[i].done;
		fails += cl[i].fail;
	}
	t1 = bench_now_ns();
	if ((all = calloc(total + 1, sizeof(double))) == NULL)
		return 1;
	for (i = 0; i < conns; i++) {
		memcpy(all + k, cl[i].lat_ms, cl[i].done * sizeof(double));
		k += cl[i].done;
	}
	qsort(all, total, sizeof(double), cmp_double);
	if (fails > 0)
		fprintf(stderr, "bench_issue: %d connections failed\n",
		    fails);
	for (i = 0; i < conns; i++)
		if (cl[i].done == cl[i].n_codes)
			fprintf(stderr, "bench_issue: connection %zu ran out "
			    "of codes: the rate is a lower bound\n", i);
	printf("BENCH issue_rps %.0f req/s\n", (double)total * 1e9 /
	    (double)(t1 - t0));
	printf("BENCH issue_p99 %.1f ms\n", total > 0 ?
	    all[(size_t)((double)total * 0.99)] : 0.0);
	bound = (bound + bench_sign_commit_ns(tmpl, 300)) / 2 +
	    bench_ed25519_verify_ns(2000);
	printf("BENCH issue_bound %.0f ops/s\n", bound > 0 ? 1e9 / bound : 0);
	printf("# issue_bound: 1 Ed25519 sign + 1 Ed25519 verify + 1 durable "
	    "LMDB commit (%s) per issuance\n", tmpl);
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
		if (system(cmd) != 0)
			fprintf(stderr, "bench_issue: cannot remove %s\n",
			    tmpl);
	}
	for (i = 0; i < conns; i++) {
		free(cl[i].codes);
		free(cl[i].lat_ms);
	}
	free(cl);
	free(all);
	return fails == (int)conns;
}

/* ---- The bulk renewal benchmark ---------------------------------------- */

static int
call(struct iss_app *a, const char *method, const char *path,
    const char *token, const char *body, json_t **out)
{
	struct iss_req q = { .method = method, .path = path, .peer =
	    "192.0.2.1", .body = (const uint8_t *)body, .body_len = body ? strlen(body) : 0,
	    .now = (int64_t)time(NULL) };
	struct iss_resp resp;
	char auth[100];
	int st;

	if (token != NULL) {
		snprintf(auth, sizeof(auth), "Bearer %s", token);
		q.authorization = auth;
	}
	iss_resp_init(&resp);
	(void)iss_api_handle(a, &q, &resp);
	st = resp.status;
	if (out != NULL)
		*out = json_loadb((const char *)resp.body.ptr, resp.body.len,
		    0, NULL);
	iss_resp_clear(&resp);
	return st;
}

struct seed_ctx {
	uint64_t from, to;	/* residents */
	unsigned keys;
	int64_t now;
	const uint32_t *idx;	/* reserved in the status log */
};

/* Gives residents from..to keys live copies each, straight into the
 * store (indices from the status log), as /wallet/credential would. */
static void
seed_txn(struct reg_txn *t, void *vctx)
{
	struct seed_ctx *s = vctx;
	static struct iss_copies c;
	uint8_t pk[32], sk[64], cose[40] = { 0xa3, 0x01, 0x01, 0x20, 0x06,
	    0x21, 0x58, 0x20 }, h[32];
	uint64_t id;
	unsigned k;

	for (id = s->from; id <= s->to && t->ret == SP_OK; id++) {
		c.n = 0;
		for (k = 0; k < s->keys; k++) {
			crypto_sign_keypair(pk, sk);
			memcpy(cose + 8, pk, 32);
			crypto_hash_sha256(h, cose, sizeof(cose));
			iss_store_put_holder(t, h, cose, sizeof(cose));
			c.v[c.n] = (struct iss_copy){ .list = ISS_LIST_ID,
			    .idx = s->idx[(id - s->from) * s->keys + k],
			    .iat = s->now - s->now % ISS_DAY,
			    .exp = s->now + 300 * ISS_DAY };
			memcpy(c.v[c.n].holder, h, 32);
			c.n++;
		}
		iss_store_put_copies(t, id, &c);
	}
	sodium_memzero(sk, sizeof(sk));
}

static int
bench_bulk(unsigned residents, unsigned keys, unsigned threads)
{
	struct iss_config cfg;
	struct iss_app *a = NULL;
	struct sp_buf push;
	char dir[] = "/tmp/sp-bench-bulk-XXXXXX", body[160], cmd[96];
	char *boot = NULL;
	uint32_t *idx = NULL;
	json_t *j = NULL;
	int64_t now = (int64_t)time(NULL);
	uint64_t t0, t1, id, copies;
	double bare, rate;
	bool pushed;
	unsigned i;
	int r = 1;

	sp_buf_init(&push);
	if (mkdtemp(dir) == NULL)
		return 1;
	iss_config_defaults(&cfg);
	cfg.data_dir = dir;
	cfg.admin_bootstrap = true;
	cfg.renewal_threads = threads;
	cfg.pwhash_opslimit = crypto_pwhash_OPSLIMIT_MIN;
	cfg.pwhash_memlimit = crypto_pwhash_MEMLIMIT_MIN;
	if (iss_app_open(&a, &cfg, now, &boot) != SP_OK)
		goto out;
	for (i = 0; i < residents; i++)
		if (call(a, "POST", "/admin/residents", boot, "{\"name\":"
		    "\"Bulk\",\"birth_year\":1975,\"categories\":[\"sport\"]}",
		    NULL) != 201)
			goto out;
	if ((idx = calloc((size_t)1000 * keys, sizeof(*idx))) == NULL)
		goto out;
	for (id = 1; id <= residents; id += 1000) {
		struct seed_ctx s = { .from = id, .to = id + 999 < residents ?
		    id + 999 : residents, .keys = keys, .now = now,
		    .idx = idx };

		if (reg_log_assign_batch(a->log, idx, (size_t)(s.to - s.from +
		    1) * keys) != SP_OK ||
		    reg_db_write(&a->db, seed_txn, &s) != SP_OK)
			goto out;
	}
	snprintf(body, sizeof(body), "{\"valid_from\":%lld,\"valid_until\":"
	    "%lld}", (long long)(now + 10 * ISS_DAY),
	    (long long)(now + 375 * ISS_DAY));
	if (call(a, "POST", "/admin/renewals", boot, body, NULL) != 202)
		goto out;
	t0 = bench_now_ns();
	while (iss_app_busy(a))
		if (iss_app_tick(a, now, &push, &pushed) != SP_OK)
			goto out;
	t1 = bench_now_ns();
	copies = a->m.passes_renewed;
	rate = (double)copies * 1e9 / (double)(t1 - t0);
	bare = 1e9 / bench_ed25519_sign_ns(600, 20000);
	printf("BENCH bulk_copies %llu copies\n", (unsigned long long)copies);
	printf("BENCH bulk_seconds %.2f s\n", (double)(t1 - t0) / 1e9);
	printf("BENCH bulk_issue %.0f creds/s\n", rate);
	printf("BENCH bulk_sign_bare %.0f sigs/s\n", bare);
	printf("BENCH bulk_issue_vs_sign %.2f ratio\n", rate / bare);
	printf("BENCH bulk_1m_seconds %.1f s\n", 1e6 / rate);
	r = copies == (uint64_t)residents * keys ? 0 : 1;
	if (r != 0)
		fprintf(stderr, "bench_issue: %llu copies, expected %llu\n",
		    (unsigned long long)copies,
		    (unsigned long long)residents * keys);
out:
	free(idx);
	json_decref(j);
	if (boot != NULL) {
		sodium_memzero(boot, strlen(boot));
		free(boot);
	}
	iss_app_close(&a);
	sp_buf_clear(&push);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_issue: cannot remove %s\n", dir);
	return r;
}

int
main(int argc, char **argv)
{
	if (sodium_init() < 0)
		return 1;
	if (argc >= 4 && strcmp(argv[1], "http") == 0)
		return bench_http(atoi(argv[2]), argv[3],
		    argc > 4 ? (unsigned)atoi(argv[4]) : 10,
		    argc > 5 ? (unsigned)atoi(argv[5]) : 64);
	if (argc >= 2 && strcmp(argv[1], "bulk") == 0)
		return bench_bulk(argc > 2 ? (unsigned)atoi(argv[2]) : 10000,
		    argc > 3 ? (unsigned)atoi(argv[3]) : 10,
		    argc > 4 ? (unsigned)atoi(argv[4]) : 2);
	fprintf(stderr, "usage: bench_issue http PORT TOKEN [SECONDS] "
	    "[CONNECTIONS] | bulk [RESIDENTS] [KEYS] [THREADS]\n");
	return 2;
}
