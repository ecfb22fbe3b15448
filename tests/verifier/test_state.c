/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sp_verifier_save/_load: the round trip keeps trust list, registry and
 * catalogue (same verdicts after a reload); every single-byte corruption
 * and every truncation of the blob is refused and leaves the loading
 * verifier's state as it was.
 */
#include <stdlib.h>
#include <string.h>

#include "cbor.h"
#include "check.h"
#include "vfix.h"

static int
verdict_of(const struct sp_verifier *v, const uint8_t *p, size_t n,
    uint64_t offer)
{
	struct sp_check_opts o = { .now = VF_NOW, .offer = offer };
	struct sp_verdict vd;
	int r;

	CHECK(sp_verifier_check(v, &vd, p, n, &o) == SP_OK);
	r = vd.reason;
	sp_verdict_clear(&vd);
	return r;
}

static void
test_round_trip(void)
{
	struct vfix f;
	struct sp_verifier *v, *w = NULL, *x = NULL;
	struct sp_buf b;
	struct vpres pr = { .aud = "p1", .offer = 1, .counter = 1,
	    .scopes = { "swim/2026-W10" },
	    .disclose = { SP_CLAIM_AGE_UNDER_18 } };
	uint8_t *issued, *p, *blob, *blob2;
	size_t ilen, n, len, len2, i;
	unsigned refused = 0, changed = 0, same = 0;

	vfix_init(&f);
	sp_buf_init(&b);
	vfix_pass_std(&f, &issued, &ilen, NULL);
	vfix_present(&f, issued, ilen, &pr, &p, &n);
	v = vfix_verifier(&f, VF_NOW - 60);
	vfix_chain_std(&f, &b, 2);
	CHECK(sp_verifier_trust_update(v, b.ptr, b.len) == SP_OK);
	CHECK(verdict_of(v, p, n, 1) == SP_R_OK);
	CHECK(sp_verifier_save(v, &blob, &len) == SP_OK);

	CHECK(sp_verifier_new(&w, "p1", NULL) == SP_OK);
	CHECK(sp_verifier_save(w, &blob2, &len2) == SP_ERR_INVALID_ARG);
	CHECK(verdict_of(w, p, n, 1) == SP_R_UNKNOWN_ISSUER_KEY);
	CHECK(sp_verifier_load(w, blob, len) == SP_OK);
	CHECK(sp_verifier_trust_version(w) == 2 &&
	    sp_verifier_trust_count(w) == 2);
	CHECK(sp_verifier_registry_time(w) == VF_NOW - 60);
	CHECK(sp_verifier_registry_size(w) == sp_verifier_registry_size(v));
	CHECK(sp_verifier_catalogue_version(w) == 1);
	CHECK(verdict_of(w, p, n, 1) == SP_R_OK);
	/* Saving again gives the same bytes. */
	CHECK(sp_verifier_save(w, &blob2, &len2) == SP_OK);
	CHECK(len2 == len && memcmp(blob, blob2, len) == 0);
	sp_bytes_free(blob2, len2);

	/* Without registry and catalogue: nulls, still loadable. */
	CHECK(sp_verifier_new(&x, "p1", NULL) == SP_OK);
	vfix_chain_std(&f, &b, 1);
	CHECK(sp_verifier_trust_pin(x, f.fp[0], b.ptr, b.len) == SP_OK);
	CHECK(sp_verifier_save(x, &blob2, &len2) == SP_OK);
	CHECK(sp_verifier_load(w, blob2, len2) == SP_OK);
	CHECK(sp_verifier_trust_version(w) == 1 &&
	    sp_verifier_registry_time(w) == 0 &&
	    sp_verifier_catalogue_version(w) == 0);
	CHECK(verdict_of(w, p, n, 1) == SP_R_REGISTRY_TOO_OLD);
	sp_bytes_free(blob2, len2);
	CHECK(sp_verifier_load(w, blob, len) == SP_OK);

	/*
	 * Every single-byte corruption: refused and nothing changed, or
	 * (a zlib stream has bits deflate ignores: the signed digest is
	 * over the inflated list) accepted as the very same state, which
	 * saves to the original bytes.
	 */
	for (i = 0; i < len; i++) {
		blob[i] ^= 0x41;
		if (sp_verifier_load(w, blob, len) != SP_OK) {
			refused++;
		} else {
			blob[i] ^= 0x41;
			CHECK(sp_verifier_save(w, &blob2, &len2) == SP_OK);
			if (len2 == len && memcmp(blob, blob2, len) == 0)
				same++;
			sp_bytes_free(blob2, len2);
			blob[i] ^= 0x41;
		}
		blob[i] ^= 0x41;
		if (sp_verifier_trust_version(w) != 2 ||
		    sp_verifier_registry_time(w) != VF_NOW - 60 ||
		    sp_verifier_catalogue_version(w) != 1)
			changed++;
	}
	CHECKF(refused + same == len && refused > len - 8,
	    "%u refused, %u the same, of %zu", refused, same, len);
	CHECK(changed == 0);
	for (refused = 0, i = 0; i < len; i++)
		if (sp_verifier_load(w, blob, i) != SP_OK)
			refused++;
	CHECK(refused == len);
	CHECK(verdict_of(w, p, n, 1) == SP_R_OK);
	/* Another format version. */
	blob[1] = 0x02;
	CHECK(sp_verifier_load(w, blob, len) == SP_ERR_VERSION);
	CHECK(sp_verifier_load(w, blob, 0) == SP_ERR_INVALID_ARG);

	sp_bytes_free(blob, len);
	sp_bytes_free(p, n);
	sp_bytes_free(issued, ilen);
	sp_verifier_free(&v);
	sp_verifier_free(&w);
	sp_verifier_free(&x);
	sp_buf_clear(&b);
	vfix_clear(&f);
}

static void
test_args(void)
{
	struct sp_verifier *v = NULL;
	char longid[70];

	CHECK(sp_verifier_new(&v, "", NULL) == SP_ERR_INVALID_ARG);
	CHECK(sp_verifier_new(&v, NULL, NULL) == SP_ERR_INVALID_ARG);
	memset(longid, 'p', 65);
	longid[65] = 0;
	CHECK(sp_verifier_new(&v, longid, NULL) == SP_ERR_INVALID_ARG);
	longid[64] = 0;
	CHECK(sp_verifier_new(&v, longid, NULL) == SP_OK);
	CHECK(strcmp(sp_verifier_provider(v), longid) == 0);
	CHECK(sp_verifier_registry_time(v) == 0 &&
	    sp_verifier_registry_size(v) == 0);
	CHECK(sp_verifier_registry_apply(v, (const uint8_t *)"x", 1) ==
	    SP_ERR_REG_NOT_READY);
	CHECK(sp_verifier_catalogue(v, NULL, 0) == SP_ERR_INVALID_ARG);
	sp_verifier_free(&v);
	CHECK(v == NULL);
}

int
main(void)
{
	test_args();
	test_round_trip();
	return check_report("test_state");
}
