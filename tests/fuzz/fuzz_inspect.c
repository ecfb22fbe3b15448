/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for core/inspect.c: insp_run on arbitrary bytes without a
 * key, with the fixed Ed25519 issuer key of tests/cli/mkpass.c (so SP1
 * seeds reach full verification) and with a P-256 key, at a fixed time and
 * with no time; the same on "HC1:"/"SP1:" + Base45 of the bytes, so the
 * fuzzer's mutations reach the CBOR, COSE and claims code directly; plus
 * insp_parse_time on the bytes as a string.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base45.h"
#include "inspect.h"
#include "sig.h"
#include "sp_buf.h"
#include "stadspas/sp_err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_AT 1769817600	/* mkpass's presentation time */

static struct sig_priv ed, p256;
static bool have_keys;

static void
keys_init(void)
{
	uint8_t seed[SIG_SEED_LEN];

	if (have_keys)
		return;
	memset(seed, 0x11, sizeof(seed));
	if (sig_priv_from_seed(&ed, SIG_ALG_EDDSA, seed) != SP_OK ||
	    sig_priv_from_seed(&p256, SIG_ALG_ES256, seed) != SP_OK)
		abort();
	have_keys = true;
}

static void
one(const uint8_t *data, size_t size, const struct sig_pub *key, int key_err,
    int64_t at)
{
	struct insp_opts o = { .key = key, .key_err = key_err, .at = at };
	struct insp_result res;
	int r;

	insp_result_init(&res);
	r = insp_run(&res, (const char *)data, size, &o);
	/* The verdict and the bookkeeping agree. */
	if ((r == SP_OK) != (res.error == NULL) || r != res.err ||
	    (res.verified && (key == NULL ||
	    res.step[INSP_STEP_VERIFY] != INSP_PASS)))
		abort();
	if (res.payload != NULL && (res.payload < res.cbor.ptr ||
	    res.payload + res.payload_len > res.cbor.ptr + res.cbor.len))
		abort();
	insp_result_clear(&res);
}

static void
all_keys(const uint8_t *data, size_t size)
{
	one(data, size, NULL, SP_OK, INSP_NO_TIME);
	one(data, size, NULL, SP_OK, FUZZ_AT);
	one(data, size, &ed.pub, SP_OK, FUZZ_AT);
	one(data, size, &ed.pub, SP_OK, INSP_NO_TIME);
	one(data, size, &p256.pub, SP_OK, FUZZ_AT);
	one(data, size, NULL, SP_ERR_UNSUPPORTED_ALG, FUZZ_AT);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sp_buf w;
	char *s;
	int64_t t;

	keys_init();
	all_keys(data, size);
	/* Seeds that are QR text start with a prefix; the others are
	 * taken as the transport's payload. */
	if (size < 5000 && (size < 4 || (memcmp(data, "HC1:", 4) != 0 &&
	    memcmp(data, "SP1:", 4) != 0))) {
		sp_buf_init(&w);
		if (sp_buf_append(&w, "HC1:", 4) == SP_OK &&
		    b45_encode(&w, data, size) == SP_OK) {
			all_keys(w.ptr, w.len);
			memcpy(w.ptr, "SP1:", 4);
			all_keys(w.ptr, w.len);
		}
		sp_buf_clear(&w);
	}
	if (size < 256 && (s = malloc(size + 1)) != NULL) {
		memcpy(s, data, size);
		s[size] = 0;
		(void)insp_parse_time(&t, s);
		free(s);
	}
	return 0;
}
