/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Same-run baselines for the benchmarks: the bare cost of the primitives
 * that stadspas wraps, measured in the same process as the wrapped
 * operation so that the two numbers are comparable. Not thread-safe with
 * respect to timing (run them on an otherwise idle thread).
 */
#ifndef STADSPAS_BENCH_BENCH_PRIMS_H
#define STADSPAS_BENCH_BENCH_PRIMS_H

#include <stddef.h>
#include <stdint.h>

/* CLOCK_MONOTONIC in nanoseconds; 0 if the clock cannot be read. */
uint64_t bench_now_ns(void);

/*
 * Nanoseconds per call of libsodium crypto_sign_verify_detached() on a
 * 200-byte message with a fixed key and valid signature. iters == 0 is
 * treated as 1. Returns a negative value if setup or a verification fails.
 */
double bench_ed25519_verify_ns(unsigned iters);

/*
 * Nanoseconds per ES256 verification with OpenSSL alone: a P-256 EVP_PKEY
 * and a DER signature over a 200-byte message are prepared once; each
 * iteration is EVP_DigestVerifyInit() (SHA-256) + EVP_DigestVerify() on a
 * reused EVP_MD_CTX. iters == 0 is treated as 1; negative on failure.
 */
double bench_es256_verify_ns(unsigned iters);

/*
 * Nanoseconds per libsodium crypto_hash_sha256() of len bytes (len may be
 * 0). iters == 0 is treated as 1; negative if the buffer cannot be had.
 */
double bench_sha256_ns(size_t len, unsigned iters);

/* Nanoseconds per libsodium Ed25519 signature (crypto_sign_detached) of
 * a len-byte message, on this thread. Negative on failure. */
double bench_ed25519_sign_ns(size_t len, unsigned iters);

/*
 * Nanoseconds per issuance bound: one Ed25519 signature of 600 bytes plus
 * one durable LMDB commit (a fresh write transaction putting the
 * signature, mdb_txn_commit with the default fsync) in the existing
 * directory dir. Negative on failure.
 */
double bench_sign_commit_ns(const char *dir, unsigned iters);

#endif /* STADSPAS_BENCH_BENCH_PRIMS_H */
