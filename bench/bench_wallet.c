/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The wallet on a real disk: presenting a pass for an offer (from the
 * call to the SP1 string, the durable store write included) beside the
 * same-run cost of what it cannot avoid, one Ed25519 signature and one
 * durable file replacement (write, fsync, rename, fsync the directory)
 * of the store's size; and opening the store with a PIN (Argon2id at the
 * production cost) and with a 32-byte platform key.
 *
 * The store lives in a fresh directory under $BENCH_DIR (default
 * /var/tmp: a disk, where /tmp may be tmpfs and would hide the fsync).
 * The pass comes from the wallet tests' simulated issuer
 * (tests/wallet/wtest.c), valid around the real clock.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "bench_prims.h"
#include "stadspas/sp_err.h"
#include "stadspas/sp_wallet.h"
#include "wtest.h"

#define PRESENTS 60
#define ATOMIC_WRITES 60
#define SIGNS 2000
#define KEY_OPENS 60
#define PIN_OPENS 5
#define PIN "bench-pin-4711"

static char dir[4096];

static void
die(const char *what, int r)
{
	fprintf(stderr, "bench_wallet: %s: %s\n", what, sp_strerror(r));
	exit(1);
}

static void
die_errno(const char *what)
{
	fprintf(stderr, "bench_wallet: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 != 0 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double
ms_since(uint64_t t0)
{
	return (double)(bench_now_ns() - t0) / 1e6;
}

/* The same durable replacement the POSIX ops do, by hand. */
static void
bare_atomic_write(const char *name, const uint8_t *buf, size_t len)
{
	char path[4200], tmp[4300];
	int fd, dfd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		die_errno("open");
	if (write(fd, buf, len) != (ssize_t)len || fsync(fd) != 0 ||
	    close(fd) != 0)
		die_errno("write");
	if (rename(tmp, path) != 0)
		die_errno("rename");
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) != 0 || close(dfd) != 0)
		die_errno("fsync dir");
}

static void
rm_dir(void)
{
	static const char *const names[] = {
		"w", "w.guard", "w.tmp", "w.guard.tmp", "p", "p.guard",
		"p.tmp", "p.guard.tmp", "bare", "bare.tmp",
	};
	char path[4200];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

int
main(void)
{
	static const char *const base_env = "BENCH_DIR";
	const char *base = getenv(base_env);
	struct sp_wallet_posix *posix = NULL;
	struct sp_wallet_ops ops;
	struct sp_wallet *w = NULL;
	struct sim_issuer sim;
	struct sp_wallet_request req;
	struct sp_wallet_present_opts popts;
	struct sp_wallet_offer offer;
	uint8_t key[SP_WALLET_KEY_LEN], pk[crypto_sign_PUBLICKEYBYTES];
	uint8_t sk[crypto_sign_SECRETKEYBYTES], sig[64], msg[200];
	double t_present[PRESENTS], t_write[ATOMIC_WRITES];
	double t_key[KEY_OPENS], t_pin[PIN_OPENS];
	char nonce_json[128], *body = NULL, *resp = NULL, *qr = NULL;
	uint8_t *store = NULL;
	size_t store_len = 0;
	uint32_t pass_id = 0;
	uint64_t t0;
	struct stat sb;
	char path[4200];
	int64_t wait;
	int r, i;

	if (sodium_init() < 0)
		return 1;
	snprintf(dir, sizeof(dir), "%s/bench-wallet-XXXXXX",
	    base != NULL && *base != '\0' ? base : "/var/tmp");
	if (mkdtemp(dir) == NULL)
		die_errno(dir);
	if ((r = sp_wallet_posix_new(&posix, dir)) != SP_OK)
		die("posix", r);
	sp_wallet_posix_ops(posix, &ops);
	randombytes_buf(key, sizeof(key));

	/* A store key wallet holding one pass of 16 copies. */
	if ((r = sp_wallet_create_key(&w, &ops, "w", key)) != SP_OK)
		die("create", r);
	if ((r = sim_init(&sim, 7, SP_ALG_EDDSA)) != SP_OK)
		die("sim", r);
	sim.iat = (int64_t)time(NULL) - 86400;
	sim.exp = sim.iat + 365 * 86400;
	memset(&req, 0, sizeof(req));
	req.batch = SP_WALLET_BATCH_MAX;
	sim_nonce_json(nonce_json, 0x42);
	if ((r = sp_wallet_issuance_request(w, &body, "BENCH-CODE-0001",
	    nonce_json, strlen(nonce_json), &req)) != SP_OK)
		die("request", r);
	if ((r = sim_issue(&resp, &sim, body, sim.iat)) != SP_OK)
		die("issue", r);
	if ((r = sp_wallet_issuance_accept(w, &pass_id, resp, strlen(resp),
	    sim.keyset, sim.keyset_len)) != SP_OK)
		die("accept", r);
	sp_wallet_str_free(body);
	free(resp);

	/* Present for a sport offer with a yearly limit, at a till with its
	 * own QR; copies are reused once all are used (same work). */
	memset(&offer, 0, sizeof(offer));
	offer.id = 7;
	offer.category = "sport";
	offer.limit_period = SP_WALLET_PERIOD_YEAR;
	memset(&popts, 0, sizeof(popts));
	popts.audience = "p1";
	popts.nonce = (const uint8_t *)"0123456789abcdef";
	popts.nonce_len = 16;
	popts.allow_reuse = true;
	crypto_sign_keypair(pk, sk);
	randombytes_buf(msg, sizeof(msg));
	snprintf(path, sizeof(path), "%s/w", dir);
	for (i = 0; i < PRESENTS; i++) {
		t0 = bench_now_ns();
		if ((r = sp_wallet_present(w, &qr, pass_id, &offer, &popts)) !=
		    SP_OK)
			die("present", r);
		t_present[i] = ms_since(t0);
		sp_wallet_str_free(qr);
		qr = NULL;
	}
	if (stat(path, &sb) != 0)
		die_errno(path);
	store_len = (size_t)sb.st_size;
	store = malloc(store_len);
	if (store == NULL)
		return 1;
	randombytes_buf(store, store_len);
	for (i = 0; i < ATOMIC_WRITES; i++) {
		t0 = bench_now_ns();
		bare_atomic_write("bare", store, store_len);
		t_write[i] = ms_since(t0);
	}
	t0 = bench_now_ns();
	for (i = 0; i < SIGNS; i++) {
		msg[0] = (uint8_t)i;
		crypto_sign_detached(sig, NULL, msg, sizeof(msg), sk);
	}
	printf("BENCH wallet_present_ms %.3f ms (median of %d, store %zu "
	    "bytes, %s)\n", median(t_present, PRESENTS), PRESENTS, store_len,
	    base != NULL && *base != '\0' ? base : "/var/tmp");
	printf("BENCH bare_ed25519_sign_us %.2f us\n",
	    (double)(bench_now_ns() - t0) / 1e3 / SIGNS);
	printf("BENCH bare_atomic_write_ms %.3f ms (median of %d, %zu "
	    "bytes)\n", median(t_write, ATOMIC_WRITES), ATOMIC_WRITES,
	    store_len);
	sp_wallet_free(&w);

	/* Unlocking: platform key, then PIN at the production cost. */
	for (i = 0; i < KEY_OPENS; i++) {
		t0 = bench_now_ns();
		if ((r = sp_wallet_open_key(&w, &ops, "w", key)) != SP_OK)
			die("open key", r);
		t_key[i] = ms_since(t0);
		sp_wallet_free(&w);
	}
	if ((r = sp_wallet_create_pin(&w, &ops, "p", PIN, NULL)) != SP_OK)
		die("create pin", r);
	sp_wallet_free(&w);
	for (i = 0; i < PIN_OPENS; i++) {
		t0 = bench_now_ns();
		if ((r = sp_wallet_open_pin(&w, &wait, &ops, "p", PIN)) !=
		    SP_OK)
			die("open pin", r);
		t_pin[i] = ms_since(t0);
		sp_wallet_free(&w);
	}
	printf("BENCH wallet_unlock_key_ms %.3f ms (median of %d, store "
	    "%zu bytes)\n", median(t_key, KEY_OPENS), KEY_OPENS, store_len);
	printf("BENCH wallet_unlock_pin_ms %.1f ms (median of %d, Argon2id "
	    "ops %d, %u MiB)\n", median(t_pin, PIN_OPENS), PIN_OPENS,
	    SP_WALLET_KDF_OPSLIMIT, SP_WALLET_KDF_MEMLIMIT / (1024u * 1024u));

	sodium_memzero(key, sizeof(key));
	sodium_memzero(sk, sizeof(sk));
	free(store);
	sim_free(&sim);
	sp_wallet_posix_free(&posix);
	rm_dir();
	return 0;
}
