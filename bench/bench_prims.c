/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Baseline timings of bare libsodium and OpenSSL primitives, for comparing
 * against the stadspas wrappers measured in the same run.
 */
#if !defined(_GNU_SOURCE) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L	/* clock_gettime under -std=c17 */
#endif

#include "bench_prims.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lmdb.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <sodium.h>

#define BENCH_MSG_LEN 200
#define BENCH_DER_SIG_MAX 80

/* A fixed, non-trivial message; the content does not affect timing. */
static void
bench_msg(uint8_t msg[BENCH_MSG_LEN])
{
	size_t i;

	for (i = 0; i < BENCH_MSG_LEN; i++)
		msg[i] = (uint8_t)(i * 131u + 7u);
}

uint64_t
bench_now_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * UINT64_C(1000000000) +
	    (uint64_t)ts.tv_nsec;
}

static double
per_iter(uint64_t t0, uint64_t t1, unsigned iters)
{
	return (double)(t1 - t0) / (double)iters;
}

double
bench_ed25519_verify_ns(unsigned iters)
{
	uint8_t pk[crypto_sign_PUBLICKEYBYTES];
	uint8_t sk[crypto_sign_SECRETKEYBYTES];
	uint8_t seed[crypto_sign_SEEDBYTES];
	uint8_t sig[crypto_sign_BYTES];
	uint8_t msg[BENCH_MSG_LEN];
	uint64_t t0, t1;
	unsigned i, bad = 0;
	double r = -1.0;

	if (iters == 0)
		iters = 1;
	if (sodium_init() < 0)
		goto fail;
	/* A fixed seed keeps runs comparable. */
	memset(seed, 0x5a, sizeof(seed));
	bench_msg(msg);
	if (crypto_sign_seed_keypair(pk, sk, seed) != 0 ||
	    crypto_sign_detached(sig, NULL, msg, sizeof(msg), sk) != 0)
		goto fail;
	t0 = bench_now_ns();
	for (i = 0; i < iters; i++)
		bad |= (unsigned)(crypto_sign_verify_detached(sig, msg,
		    sizeof(msg), pk) != 0);
	t1 = bench_now_ns();
	if (bad != 0 || t0 == 0 || t1 < t0)
		goto fail;
	r = per_iter(t0, t1, iters);
fail:
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(seed, sizeof(seed));
	return r;
}

double
bench_es256_verify_ns(unsigned iters)
{
	EVP_PKEY *pkey = NULL;
	EVP_MD_CTX *mctx = NULL;
	uint8_t msg[BENCH_MSG_LEN];
	uint8_t der[BENCH_DER_SIG_MAX];
	size_t der_len = sizeof(der);
	uint64_t t0, t1;
	unsigned i, bad = 0;
	double r = -1.0;

	if (iters == 0)
		iters = 1;
	bench_msg(msg);
	if ((pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")) == NULL ||
	    (mctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(mctx, NULL, EVP_sha256(), NULL, pkey) != 1 ||
	    EVP_DigestSign(mctx, der, &der_len, msg, sizeof(msg)) != 1 ||
	    EVP_MD_CTX_reset(mctx) != 1)
		goto fail;
	t0 = bench_now_ns();
	for (i = 0; i < iters; i++) {
		if (EVP_DigestVerifyInit(mctx, NULL, EVP_sha256(), NULL,
		    pkey) != 1 ||
		    EVP_DigestVerify(mctx, der, der_len, msg, sizeof(msg)) !=
		    1) {
			bad = 1;
			break;
		}
	}
	t1 = bench_now_ns();
	if (bad != 0 || t0 == 0 || t1 < t0)
		goto fail;
	r = per_iter(t0, t1, iters);
fail:
	EVP_MD_CTX_free(mctx);
	EVP_PKEY_free(pkey);
	ERR_clear_error();
	return r;
}

double
bench_sha256_ns(size_t len, unsigned iters)
{
	uint8_t h[crypto_hash_sha256_BYTES];
	uint8_t *buf = NULL;
	volatile uint8_t sink = 0;
	uint64_t t0, t1;
	unsigned i;
	double r = -1.0;

	if (iters == 0)
		iters = 1;
	if (sodium_init() < 0)
		goto fail;
	/* malloc(0) may return NULL; always ask for at least one byte. */
	if ((buf = malloc(len != 0 ? len : 1)) == NULL)
		goto fail;
	memset(buf, 0xa7, len != 0 ? len : 1);
	t0 = bench_now_ns();
	for (i = 0; i < iters; i++) {
		crypto_hash_sha256(h, buf, len);
		/* Chain the digest in so no iteration can be dropped. */
		buf[0] = (uint8_t)(buf[0] ^ h[0]);
	}
	t1 = bench_now_ns();
	sink = h[0];
	(void)sink;
	if (t0 == 0 || t1 < t0)
		goto fail;
	r = per_iter(t0, t1, iters);
fail:
	free(buf);
	return r;
}

double
bench_ed25519_sign_ns(size_t len, unsigned iters)
{
	uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	uint8_t sig[crypto_sign_BYTES], *msg;
	uint64_t t0, t1;
	unsigned i;

	if (iters == 0)
		iters = 1;
	if (sodium_init() < 0 || (msg = calloc(1, len + 1)) == NULL)
		return -1;
	randombytes_buf(msg, len);
	crypto_sign_keypair(pk, sk);
	t0 = bench_now_ns();
	for (i = 0; i < iters; i++) {
		msg[0] = (uint8_t)i;
		crypto_sign_detached(sig, NULL, msg, len, sk);
	}
	t1 = bench_now_ns();
	sodium_memzero(sk, sizeof(sk));
	free(msg);
	return (double)(t1 - t0) / iters;
}

double
bench_sign_commit_ns(const char *dir, unsigned iters)
{
	uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	uint8_t sig[crypto_sign_BYTES], msg[600], key[8];
	MDB_env *env = NULL;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k, v;
	uint64_t t0, t1;
	double r = -1;
	unsigned i;

	if (iters == 0)
		iters = 1;
	if (sodium_init() < 0 || mdb_env_create(&env) != 0 ||
	    mdb_env_set_mapsize(env, (size_t)64 << 20) != 0 ||
	    mdb_env_open(env, dir, 0, 0600) != 0)
		goto out;
	randombytes_buf(msg, sizeof(msg));
	crypto_sign_keypair(pk, sk);
	t0 = bench_now_ns();
	for (i = 0; i < iters; i++) {
		memcpy(msg, &i, sizeof(i));
		crypto_sign_detached(sig, NULL, msg, sizeof(msg), sk);
		memcpy(key, &i, sizeof(i));
		memset(key + sizeof(i), 0, sizeof(key) - sizeof(i));
		k = (MDB_val){ .mv_size = sizeof(key), .mv_data = key };
		v = (MDB_val){ .mv_size = sizeof(sig), .mv_data = sig };
		if (mdb_txn_begin(env, NULL, 0, &txn) != 0)
			goto out;
		if (mdb_dbi_open(txn, NULL, 0, &dbi) != 0 ||
		    mdb_put(txn, dbi, &k, &v, 0) != 0) {
			mdb_txn_abort(txn);
			goto out;
		}
		if (mdb_txn_commit(txn) != 0)	/* durable: fsync */
			goto out;
	}
	t1 = bench_now_ns();
	r = (double)(t1 - t0) / iters;
out:
	sodium_memzero(sk, sizeof(sk));
	if (env != NULL)
		mdb_env_close(env);
	return r;
}
