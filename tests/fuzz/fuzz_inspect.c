/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for core/inspect.c: insp_run on arbitrary bytes without a
 * key, with the fixed Ed25519 issuer key of tests/cli/mkpass.c (so SP1
 * seeds reach full verification) and with a P-256 key, at a fixed time and
 * with no time; plus insp_parse_time on the bytes as a string.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "inspect.h"
#include "sig.h"
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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;
	int64_t t;

	keys_init();
	one(data, size, NULL, SP_OK, INSP_NO_TIME);
	one(data, size, NULL, SP_OK, FUZZ_AT);
	one(data, size, &ed.pub, SP_OK, FUZZ_AT);
	one(data, size, &ed.pub, SP_OK, INSP_NO_TIME);
	one(data, size, &p256.pub, SP_OK, FUZZ_AT);
	one(data, size, NULL, SP_ERR_UNSUPPORTED_ALG, FUZZ_AT);
	if (size < 256 && (s = malloc(size + 1)) != NULL) {
		memcpy(s, data, size);
		s[size] = 0;
		(void)insp_parse_time(&t, s);
		free(s);
	}
	return 0;
}
