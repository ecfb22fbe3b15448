/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target: the till's whole check (sp_verifier_check) on arbitrary
 * input, as CBOR and, if it is one, as an "SP1:" string, against a
 * verifier with the fixture's trust list, registry and catalogue, for no
 * offer, the weekly swim and the museum, with and without a nonce. Never
 * crashes; verdicts are consistent (approved iff ok, a known reason, an
 * approved offer verdict carries the offer and, when limited, a scope).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "till_fixture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sp_verifier *ver;

static void
check_one(const uint8_t *p, size_t n, uint64_t offer, bool nonce)
{
	static const uint8_t nc[8] = "tillnc1";
	struct sp_check_opts o = {
		.now = TF_NOW, .offer = offer,
		.nonce = nonce ? nc : NULL, .nonce_len = nonce ? 8 : 0,
	};
	struct sp_verdict vd;

	if (sp_verifier_check(ver, &vd, p, n, &o) != SP_OK)
		abort();
	if (vd.approved != (vd.reason == SP_R_OK) || vd.reason < 0 ||
	    vd.reason >= SP_R_COUNT || vd.raw != p || vd.raw_len != n)
		abort();
	if (vd.approved && (vd.pres == NULL || vd.offer != offer ||
	    (offer == 1 && strcmp(vd.scope, "swim/2026-W10") != 0)))
		abort();
	sp_verdict_clear(&vd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t offers[] = { 0, 1, 2 };
	struct tf fix;
	uint8_t *cbor = NULL;
	size_t i, len = 0;

	if (ver == NULL) {
		tf_init(&fix);
		ver = tf_verifier(&fix, true, true);	/* kept */
		tf_clear(&fix);
	}
	for (i = 0; i < 3; i++)
		check_one(data, size, offers[i], false);
	check_one(data, size, 2, true);
	if (size > 4 && memcmp(data, "SP1:", 4) == 0 &&
	    sp_qr_decode(&cbor, &len, (const char *)data, size) == SP_OK) {
		for (i = 0; i < 3; i++)
			check_one(cbor, len, offers[i], false);
		sp_bytes_free(cbor, len);
	}
	return 0;
}
