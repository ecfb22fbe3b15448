/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SHA-256 through OpenSSL 3 (SHA-NI/AVX2 code paths, several times faster
 * than libsodium's portable one for the megabyte-sized status lists and the
 * thousands of chain hashes a delta needs). Thread-safe.
 */
#ifndef STADSPAS_CORE_HASH_H
#define STADSPAS_CORE_HASH_H

#include <stddef.h>
#include <stdint.h>

#define SP_SHA256_LEN 32

struct sp_iov {
	const void *p;
	size_t len;
};

/* SHA-256 over the concatenation of n pieces. SP_OK or SP_ERR_INTERNAL
 * (OpenSSL failed: out is then zeroed). */
int sp_sha256_v(uint8_t out[SP_SHA256_LEN], const struct sp_iov *v,
    size_t n);
int sp_sha256(uint8_t out[SP_SHA256_LEN], const void *p, size_t len);

#endif /* STADSPAS_CORE_HASH_H */
