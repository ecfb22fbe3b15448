/* SPDX-License-Identifier: Apache-2.0 */
/* SHA-256 via OpenSSL with the algorithm fetched once per process. */
#include "hash.h"

#include <pthread.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "stadspas/sp_err.h"

static pthread_once_t md_once = PTHREAD_ONCE_INIT;
static EVP_MD *md_sha256;	/* fetched once, kept for the process */

static void
md_fetch(void)
{
	md_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
}

int
sp_sha256_v(uint8_t out[SP_SHA256_LEN], const struct sp_iov *v, size_t n)
{
	EVP_MD_CTX *ctx = NULL;
	unsigned int len = 0;
	size_t i;
	int r = SP_ERR_INTERNAL;

	if (pthread_once(&md_once, md_fetch) != 0 || md_sha256 == NULL)
		goto fail;
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(ctx, md_sha256, NULL) != 1)
		goto fail;
	for (i = 0; i < n; i++)
		if (v[i].len > 0 && EVP_DigestUpdate(ctx, v[i].p, v[i].len) != 1)
			goto fail;
	if (EVP_DigestFinal_ex(ctx, out, &len) != 1 || len != SP_SHA256_LEN)
		goto fail;
	r = SP_OK;
fail:
	if (r != SP_OK) {
		memset(out, 0, SP_SHA256_LEN);
		ERR_clear_error();
	}
	EVP_MD_CTX_free(ctx);
	return r;
}

int
sp_sha256(uint8_t out[SP_SHA256_LEN], const void *p, size_t len)
{
	struct sp_iov v = { .p = p, .len = len };

	return sp_sha256_v(out, &v, 1);
}
