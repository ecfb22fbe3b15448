/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Wallet issuance fuzz target: the input is the body of a POST
 * /wallet/credential response, given to sp_wallet_issuance_accept() of the
 * fixture wallet (wallet_fixture.h: a pending request for three fixed
 * keys, the fixture issuer trusted), reopened fresh for every input.
 * Never crashes or leaks; a rejected batch changes nothing; an accepted
 * one leaves a store that reopens with the pass in it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wallet_fixture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct wf_env env;
static uint8_t trust[128];
static size_t trust_len;

static void
setup(void)
{
	struct sp_key *k = NULL;
	size_t len = sizeof(trust) - 1;

	wf_setup(&env, NULL);
	if (sp_key_from_seed(&k, SP_ALG_EDDSA, wf_issuer_seed) != SP_OK ||
	    sp_key_public_cose(k, trust + 1, &len) != SP_OK)
		abort();
	trust[0] = 0x81;	/* COSE_KeySet of one key */
	trust_len = len + 1;
	sp_key_free(&k);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct sp_wallet_ops ops;
	struct sp_wallet *w = NULL;
	uint32_t id = 0;
	uint64_t gen;
	int r;

	if (!ready) {
		setup();
		ready = 1;
	}
	env.ctr = 1000;		/* same randomness for every input */
	wf_ops(&env, &ops);
	if (sp_wallet_open_key(&w, &ops, WF_NAME, wf_store_key) != SP_OK)
		abort();
	gen = sp_wallet_generation(w);
	r = sp_wallet_issuance_accept(w, &id, (const char *)data, size, trust,
	    trust_len);
	if (r != SP_OK && (sp_wallet_generation(w) != gen ||
	    sp_wallet_pass_count(w) != 0 || env.cur != NULL))
		abort();	/* a rejected batch must change nothing */
	sp_wallet_free(&w);
	if (r == SP_OK) {
		if (sp_wallet_open_key(&w, &ops, WF_NAME, wf_store_key) !=
		    SP_OK || sp_wallet_pass_count(w) != 1 ||
		    sp_wallet_pass_id(w, 0) != id)
			abort();
		sp_wallet_free(&w);
	}
	free(env.cur);
	env.cur = NULL;
	env.cur_len = 0;
	return 0;
}
