/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target: trust list chains (verifier/trustlist.c through
 * sp_verifier_trust_pin and _update). The input is pinned to the
 * fixture's key A in a fresh verifier, and applied as an update to one
 * that holds version 1. Never crashes; an accepted chain has a version
 * and 1..64 keys, survives save/load, and never lowers the version held.
 */
#include <stdint.h>
#include <stdlib.h>

#include "till_fixture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct tf fix;
static uint8_t *chain_v1;
static size_t chain_v1_len;

static void
setup(void)
{
	struct sp_buf b;

	if (chain_v1 != NULL)
		return;
	tf_init(&fix);
	sp_buf_init(&b);
	tf_chain(&fix, &b, 1);
	chain_v1 = b.ptr;	/* kept for the process's life */
	chain_v1_len = b.len;
}

static void
round_trip(const struct sp_verifier *v)
{
	struct sp_verifier *w = NULL;
	uint8_t *blob;
	size_t len;

	if (sp_verifier_save(v, &blob, &len) != SP_OK ||
	    sp_verifier_new(&w, "p1", NULL) != SP_OK ||
	    sp_verifier_load(w, blob, len) != SP_OK ||
	    sp_verifier_trust_version(w) != sp_verifier_trust_version(v) ||
	    sp_verifier_trust_count(w) != sp_verifier_trust_count(v))
		abort();
	sp_bytes_free(blob, len);
	sp_verifier_free(&w);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sp_verifier *v = NULL;
	size_t n;

	setup();
	if (size == 0)
		return 0;
	if (sp_verifier_new(&v, "p1", NULL) != SP_OK)
		abort();
	if (sp_verifier_trust_pin(v, fix.fp[0], data, size) == SP_OK) {
		n = sp_verifier_trust_count(v);
		if (sp_verifier_trust_version(v) == 0 || n == 0 || n > 64)
			abort();
		round_trip(v);
	} else if (sp_verifier_trust_version(v) != 0) {
		abort();	/* all or nothing */
	}
	sp_verifier_free(&v);

	if (sp_verifier_new(&v, "p1", NULL) != SP_OK ||
	    sp_verifier_trust_pin(v, fix.fp[0], chain_v1, chain_v1_len) !=
	    SP_OK)
		abort();
	if (sp_verifier_trust_update(v, data, size) == SP_OK)
		round_trip(v);
	if (sp_verifier_trust_version(v) < 1)
		abort();
	sp_verifier_free(&v);
	return 0;
}
