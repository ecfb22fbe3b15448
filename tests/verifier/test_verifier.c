/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sp_verifier_check end to end: passes issued and presented with the real
 * code, a registry from a real status log, a signed catalogue; one
 * presentation per reason the verifier owns, the verdict's fields, the
 * registry freshness policy and per-offer overrides.
 */
#include <stdlib.h>
#include <string.h>

#include "cbor.h"
#include "check.h"
#include "stadspas/sp_registry.h"
#include "vfix.h"

struct world {
	struct vfix f;
	struct sp_verifier *v;
	uint8_t *issued;
	size_t issued_len;
	uint32_t idx;
};

static void
world_init(struct world *w, int64_t reg_time)
{
	memset(w, 0, sizeof(*w));
	vfix_init(&w->f);
	vfix_pass_std(&w->f, &w->issued, &w->issued_len, &w->idx);
	w->v = vfix_verifier(&w->f, reg_time);
}

static void
world_clear(struct world *w)
{
	sp_verifier_free(&w->v);
	sp_bytes_free(w->issued, w->issued_len);
	vfix_clear(&w->f);
}

/* Checks a presentation; returns the reason and the verdict in *vd. */
static int
run(const struct sp_verifier *v, const uint8_t *pres, size_t len,
    uint64_t offer, int64_t now, struct sp_verdict *vd)
{
	struct sp_check_opts o = { .now = now, .offer = offer };

	CHECK(sp_verifier_check(v, vd, pres, len, &o) == SP_OK);
	CHECK(vd->approved == (vd->reason == SP_R_OK));
	CHECK(vd->raw == pres && vd->raw_len == len);
	return vd->reason;
}

/* Presents the world's pass as pr and returns the check's reason. */
static int
reason_of(struct world *w, const struct vpres *pr, uint64_t offer,
    int64_t now)
{
	struct sp_verdict vd;
	uint8_t *p;
	size_t n;
	int r;

	vfix_present(&w->f, w->issued, w->issued_len, pr, &p, &n);
	r = run(w->v, p, n, offer, now, &vd);
	sp_verdict_clear(&vd);
	sp_bytes_free(p, n);
	return r;
}

static const struct vpres museum = {
	.aud = "p1", .offer = 2, .counter = 1, .scopes = { "culture" },
};
static const struct vpres swim = {
	.aud = "p1", .offer = 1, .counter = 4, .scopes = { "swim/2026-W10" },
	.disclose = { SP_CLAIM_AGE_UNDER_18 },
};

static void
test_approved(void)
{
	struct world w;
	struct sp_verdict vd;
	struct vpres plain = { .scopes = { NULL } };
	uint8_t *p;
	size_t n;

	world_init(&w, VF_NOW - 60);
	/* An unlimited offer: category claim. */
	vfix_present(&w.f, w.issued, w.issued_len, &museum, &p, &n);
	CHECK(run(w.v, p, n, 2, VF_NOW, &vd) == SP_R_OK);
	CHECK(vd.err == SP_OK && vd.pres != NULL);
	CHECK(vd.offer == 2 && vd.amount_cents == 500 && vd.limit == 0);
	CHECK(vd.scope[0] == 0 && vd.counter == 1);
	CHECK(vd.registry_age == 60 && !vd.registry_warning);
	CHECK(vd.catalogue_age == VF_NOW - VF_T0);
	{
		uint8_t zero[32] = { 0 };

		CHECK(memcmp(vd.replay_id, zero, 32) != 0);
	}
	sp_verdict_clear(&vd);
	CHECK(vd.pres == NULL);
	sp_bytes_free(p, n);

	/* A weekly limit: the tag derived from the limit key. */
	vfix_present(&w.f, w.issued, w.issued_len, &swim, &p, &n);
	CHECK(run(w.v, p, n, 1, VF_NOW, &vd) == SP_R_OK);
	CHECK(vd.offer == 1 && vd.limit == 1 && vd.amount_cents == 350);
	CHECK(strcmp(vd.scope, "swim/2026-W10") == 0 && vd.counter == 4);
	{
		uint8_t t[SP_TAG_LEN];

		CHECK(sp_presentation_limit_tag(vd.pres, "swim/2026-W10",
		    t) == SP_OK && memcmp(t, vd.tag, SP_TAG_LEN) == 0);
	}
	sp_verdict_clear(&vd);
	sp_bytes_free(p, n);

	/* A yearly limit proved by the limit tag alone (no category). */
	{
		struct vpres sp = { .aud = "p1", .offer = 6, .counter = 1,
		    .scopes = { "sport/2026" } };

		CHECK(reason_of(&w, &sp, 6, VF_NOW) == SP_R_OK);
	}
	/* The pass only: no offer, no audience needed. */
	CHECK(reason_of(&w, &plain, 0, VF_NOW) == SP_R_OK);
	/* A nonce the till showed, answered. */
	{
		static const uint8_t nonce[8] = "n0nce!!";
		struct vpres np = museum;
		struct sp_check_opts o = { .now = VF_NOW, .offer = 2,
		    .nonce = nonce, .nonce_len = sizeof(nonce) };

		np.nonce = nonce;
		np.nonce_len = sizeof(nonce);
		vfix_present(&w.f, w.issued, w.issued_len, &np, &p, &n);
		CHECK(sp_verifier_check(w.v, &vd, p, n, &o) == SP_OK &&
		    vd.approved);
		sp_verdict_clear(&vd);
		o.nonce = NULL;	/* misuse: a length without bytes */
		CHECK(sp_verifier_check(w.v, &vd, p, n, &o) ==
		    SP_ERR_INVALID_ARG);
		sp_bytes_free(p, n);
	}
	world_clear(&w);
}

/* The presentation's credential signature and key-binding signature. */
static void
flip_in(uint8_t *p, size_t n, bool credential)
{
	struct cbor_reader r;
	uint64_t k, v;
	const uint8_t *end;

	if (!credential) {
		p[n - 1] ^= 0x01;	/* holder signature's last byte */
		return;
	}
	cbor_reader_init(&r, p, n);
	CHECK(cbor_read_array(&r, &k) == SP_OK && k == 5);
	CHECK(cbor_read_uint(&r, &v) == SP_OK);
	CHECK(cbor_skip(&r) == SP_OK);
	end = r.p;
	p[(size_t)(end - p) - 1] ^= 0x01;	/* issuer signature */
}

static void
test_reasons_pass(void)
{
	struct world w;
	struct sp_verdict vd;
	uint8_t *p, *issued;
	size_t n, ilen;
	static const uint8_t junk[] = { 0x85, 0x01, 0x02 };

	world_init(&w, VF_NOW - 60);
	CHECK(run(w.v, junk, sizeof(junk), 2, VF_NOW, &vd) ==
	    SP_R_MALFORMED);
	CHECK(vd.pres == NULL && vd.err != SP_OK);
	sp_verdict_clear(&vd);

	vfix_present(&w.f, w.issued, w.issued_len, &museum, &p, &n);
	CHECK(run(w.v, p, n - 10, 2, VF_NOW, &vd) == SP_R_MALFORMED);
	sp_verdict_clear(&vd);
	flip_in(p, n, true);
	CHECK(run(w.v, p, n, 2, VF_NOW, &vd) == SP_R_BAD_SIGNATURE);
	CHECK(vd.err == SP_ERR_SIGNATURE);
	sp_verdict_clear(&vd);
	flip_in(p, n, true);
	flip_in(p, n, false);
	CHECK(run(w.v, p, n, 2, VF_NOW, &vd) == SP_R_HOLDER_BINDING);
	sp_verdict_clear(&vd);
	sp_bytes_free(p, n);

	/* Issuer key C is in no trust list. */
	{
		struct vpass vp = { .signer = 2, .iat = VF_T0,
		    .exp = VF_T0 + VF_YEAR };

		vfix_pass(&w.f, &vp, &issued, &ilen, NULL);
		vfix_present(&w.f, issued, ilen, &museum, &p, &n);
		CHECK(run(w.v, p, n, 2, VF_NOW, &vd) ==
		    SP_R_UNKNOWN_ISSUER_KEY);
		sp_verdict_clear(&vd);
		sp_bytes_free(p, n);
		sp_bytes_free(issued, ilen);
	}
	/* Expired, not yet valid (beyond the 90 s skew). */
	{
		struct vpass vp = { .signer = 0, .iat = VF_T0,
		    .exp = VF_NOW - 100 };
		struct vpres pr = museum;

		pr.time = VF_NOW;
		vfix_pass(&w.f, &vp, &issued, &ilen, NULL);
		vfix_present(&w.f, issued, ilen, &pr, &p, &n);
		CHECK(run(w.v, p, n, 2, VF_NOW, &vd) == SP_R_EXPIRED);
		sp_verdict_clear(&vd);
		sp_bytes_free(p, n);
		sp_bytes_free(issued, ilen);
		vp.nbf = VF_NOW + 100;
		vp.exp = VF_NOW + VF_YEAR;
		vfix_pass(&w.f, &vp, &issued, &ilen, NULL);
		vfix_present(&w.f, issued, ilen, &pr, &p, &n);
		CHECK(run(w.v, p, n, 2, VF_NOW, &vd) == SP_R_NOT_YET_VALID);
		sp_verdict_clear(&vd);
		sp_bytes_free(p, n);
		sp_bytes_free(issued, ilen);
	}
	/* Stale and future key-binding times (30 s + 90 s skew). */
	{
		struct vpres pr = museum;

		pr.time = VF_NOW - 121;
		CHECK(reason_of(&w, &pr, 2, VF_NOW) == SP_R_STALE);
		pr.time = VF_NOW - 119;
		CHECK(reason_of(&w, &pr, 2, VF_NOW) == SP_R_OK);
		pr.time = VF_NOW + 91;
		CHECK(reason_of(&w, &pr, 2, VF_NOW) == SP_R_FUTURE);
	}
	world_clear(&w);
}

static void
test_reasons_binding(void)
{
	struct world w;
	struct sp_verdict vd;
	struct sp_check_opts o = { .now = VF_NOW, .offer = 2 };
	static const uint8_t nonce[4] = { 1, 2, 3, 4 }, other[4] = { 1, 2,
	    3, 5 };
	struct vpres pr;
	uint8_t *p;
	size_t n;

	world_init(&w, VF_NOW - 60);
	pr = museum;
	pr.aud = "p2";
	CHECK(reason_of(&w, &pr, 2, VF_NOW) == SP_R_WRONG_AUDIENCE);
	CHECK(reason_of(&w, &pr, 0, VF_NOW) == SP_R_WRONG_AUDIENCE);
	pr.aud = "p11";
	CHECK(reason_of(&w, &pr, 2, VF_NOW) == SP_R_WRONG_AUDIENCE);
	pr.aud = NULL;	/* fine for the pass alone, not for an offer */
	CHECK(reason_of(&w, &pr, 2, VF_NOW) == SP_R_WRONG_AUDIENCE);

	/* Nonce: the till showed one; the wallet answered another or none. */
	pr = museum;
	pr.nonce = other;
	pr.nonce_len = sizeof(other);
	vfix_present(&w.f, w.issued, w.issued_len, &pr, &p, &n);
	o.nonce = nonce;
	o.nonce_len = sizeof(nonce);
	CHECK(sp_verifier_check(w.v, &vd, p, n, &o) == SP_OK &&
	    vd.reason == SP_R_WRONG_NONCE && vd.pres != NULL);
	sp_verdict_clear(&vd);
	sp_bytes_free(p, n);
	vfix_present(&w.f, w.issued, w.issued_len, &museum, &p, &n);
	CHECK(sp_verifier_check(w.v, &vd, p, n, &o) == SP_OK &&
	    vd.reason == SP_R_WRONG_NONCE);
	sp_verdict_clear(&vd);
	sp_bytes_free(p, n);
	world_clear(&w);
}

static void
test_reasons_status(void)
{
	struct world w;
	struct sp_buf b;
	uint8_t *issued2, *p;
	size_t ilen2, n;
	uint32_t idx2;
	uint64_t seq, size;
	struct sp_verdict vd;

	world_init(&w, VF_NOW - 3000);
	sp_buf_init(&b);
	vfix_pass_std(&w.f, &issued2, &ilen2, &idx2);
	size = sp_verifier_registry_size(w.v);
	CHECK(reg_log_append(w.f.log, w.idx, SP_STATUS_REVOKED, 1,
	    VF_NOW - 200, &seq) == SP_OK);
	CHECK(reg_log_append(w.f.log, idx2, SP_STATUS_SUSPENDED, 2,
	    VF_NOW - 200, &seq) == SP_OK);
	CHECK(reason_of(&w, &museum, 2, VF_NOW) == SP_R_OK);
	vfix_delta(&w.f, &b, 0, size, VF_NOW - 100);
	CHECK(sp_verifier_registry_apply(w.v, b.ptr, b.len) == SP_OK);
	CHECK(sp_verifier_registry_time(w.v) == VF_NOW - 100);
	CHECK(reason_of(&w, &museum, 2, VF_NOW) == SP_R_REVOKED);
	vfix_present(&w.f, issued2, ilen2, &museum, &p, &n);
	CHECK(run(w.v, p, n, 2, VF_NOW, &vd) == SP_R_SUSPENDED);
	CHECK(vd.pres != NULL);	/* verified, then refused */
	sp_verdict_clear(&vd);
	sp_bytes_free(p, n);
	sp_bytes_free(issued2, ilen2);

	/* A pass on a list the till does not mirror. */
	{
		struct vpass vp = { .signer = 0, .list = 2, .iat = VF_T0,
		    .exp = VF_T0 + VF_YEAR };

		vfix_pass(&w.f, &vp, &issued2, &ilen2, NULL);
		vfix_present(&w.f, issued2, ilen2, &museum, &p, &n);
		CHECK(run(w.v, p, n, 2, VF_NOW, &vd) ==
		    SP_R_REGISTRY_TOO_OLD);
		sp_verdict_clear(&vd);
		sp_bytes_free(p, n);
		sp_bytes_free(issued2, ilen2);
	}
	sp_buf_clear(&b);
	world_clear(&w);

	/* No registry at all. */
	world_init(&w, 0);
	CHECK(run(w.v, NULL, 0, 0, VF_NOW, &vd) == SP_R_MALFORMED);
	sp_verdict_clear(&vd);
	vfix_present(&w.f, w.issued, w.issued_len, &museum, &p, &n);
	CHECK(run(w.v, p, n, 2, VF_NOW, &vd) == SP_R_REGISTRY_TOO_OLD);
	CHECK(vd.registry_age == -1 && vd.registry_warning);
	sp_verdict_clear(&vd);
	sp_bytes_free(p, n);
	world_clear(&w);
}

static void
test_reasons_offer(void)
{
	struct world w;
	struct vpres pr;
	struct sp_verdict vd;
	uint8_t *p;
	size_t n;

	world_init(&w, VF_NOW - 60);
	pr = museum;
	pr.offer = 99;
	CHECK(reason_of(&w, &pr, 99, VF_NOW) == SP_R_UNKNOWN_OFFER);
	pr.offer = 3;	/* the sport club's, p2 */
	CHECK(reason_of(&w, &pr, 3, VF_NOW) == SP_R_OFFER_NOT_HERE);
	/* The key binding names offer 2, the till redeems offer 5. */
	CHECK(reason_of(&w, &museum, 5, VF_NOW) == SP_R_OFFER_MISMATCH);
	pr = museum;
	pr.offer = 0;
	CHECK(reason_of(&w, &pr, 2, VF_NOW) == SP_R_OFFER_MISMATCH);

	/* Required claim missing; a boolean that is false. */
	pr = museum;
	pr.offer = 5;
	CHECK(reason_of(&w, &pr, 5, VF_NOW) == SP_R_NOT_ELIGIBLE);
	pr.disclose[0] = SP_CLAIM_HOUSEHOLD_SIZE;
	CHECK(reason_of(&w, &pr, 5, VF_NOW) == SP_R_OK);
	pr.offer = 4;
	pr.disclose[0] = SP_CLAIM_AGE_OVER_65;
	CHECK(reason_of(&w, &pr, 4, VF_NOW) == SP_R_NOT_ELIGIBLE);
	/* No category claim for an unlimited offer. */
	pr = museum;
	pr.scopes[0] = NULL;
	CHECK(reason_of(&w, &pr, 2, VF_NOW) == SP_R_NOT_ELIGIBLE);
	/* A limited offer: no limit claim, or last week's. */
	pr = swim;
	pr.scopes[0] = NULL;
	CHECK(reason_of(&w, &pr, 1, VF_NOW) == SP_R_NOT_ELIGIBLE);
	pr.scopes[0] = "swim/2026-W09";	/* still derives the right tag */
	CHECK(reason_of(&w, &pr, 1, VF_NOW) == SP_R_OK);
	pr.scopes[0] = "swim";	/* the category, not the limit key */
	CHECK(reason_of(&w, &pr, 1, VF_NOW) == SP_R_NOT_ELIGIBLE);
	pr = swim;
	pr.disclose[0] = 0;	/* age_under_18 required */
	CHECK(reason_of(&w, &pr, 1, VF_NOW) == SP_R_NOT_ELIGIBLE);
	/* Yearly sport: a tag for 2026 but not 2027 (a minute into 2027,
	 * inside the pass's expiry skew). */
	pr = museum;
	pr.offer = 6;
	pr.scopes[0] = "sport/2026";
	pr.time = VF_T0 + VF_YEAR + 60;
	vfix_present(&w.f, w.issued, w.issued_len, &pr, &p, &n);
	CHECK(run(w.v, p, n, 6, VF_T0 + VF_YEAR + 60, &vd) ==
	    SP_R_REGISTRY_TOO_OLD);	/* the registry is months old */
	sp_verdict_clear(&vd);
	CHECK(sp_verifier_offer_policy(w.v, 6, 400 * 86400) == SP_OK);
	CHECK(run(w.v, p, n, 6, VF_T0 + VF_YEAR + 60, &vd) ==
	    SP_R_NOT_ELIGIBLE);
	CHECK(vd.scope[0] == 0 && vd.offer == 0);
	sp_verdict_clear(&vd);
	sp_bytes_free(p, n);
	world_clear(&w);

	/* No catalogue at all. */
	{
		struct vfix f;
		struct sp_verifier *v = NULL;
		struct sp_buf b;
		uint8_t *issued;
		size_t ilen;

		vfix_init(&f);
		sp_buf_init(&b);
		vfix_pass_std(&f, &issued, &ilen, NULL);
		CHECK(sp_verifier_new(&v, "p1", NULL) == SP_OK);
		vfix_chain_std(&f, &b, 1);
		CHECK(sp_verifier_trust_pin(v, f.fp[0], b.ptr, b.len) ==
		    SP_OK);
		vfix_snapshot(&f, &b, 0, VF_NOW - 10);
		CHECK(sp_verifier_registry_bootstrap(v, b.ptr, b.len) ==
		    SP_OK);
		vfix_present(&f, issued, ilen, &museum, &p, &n);
		CHECK(run(v, p, n, 2, VF_NOW, &vd) == SP_R_UNKNOWN_OFFER);
		CHECK(vd.catalogue_age == -1);
		sp_verdict_clear(&vd);
		CHECK(run(v, p, n, 0, VF_NOW, &vd) == SP_R_OK);
		sp_verdict_clear(&vd);
		sp_bytes_free(p, n);
		sp_bytes_free(issued, ilen);
		sp_buf_clear(&b);
		sp_verifier_free(&v);
		vfix_clear(&f);
	}
}

static void
test_freshness(void)
{
	struct world w;
	struct sp_verdict vd;
	struct sp_policy pol = SP_POLICY_DEFAULT;
	struct sp_buf b;
	uint8_t *p;
	size_t n;

	/* 30 minutes: no warning. */
	world_init(&w, VF_NOW - 1800);
	vfix_present(&w.f, w.issued, w.issued_len, &museum, &p, &n);
	CHECK(run(w.v, p, n, 2, VF_NOW, &vd) == SP_R_OK &&
	    !vd.registry_warning && vd.registry_age == 1800);
	sp_verdict_clear(&vd);
	sp_bytes_free(p, n);
	world_clear(&w);

	/* Two days: unlimited approved with a warning, limited refused,
	 * unless the offer's override allows it. */
	world_init(&w, VF_NOW - 2 * 86400);
	vfix_present(&w.f, w.issued, w.issued_len, &museum, &p, &n);
	CHECK(run(w.v, p, n, 2, VF_NOW, &vd) == SP_R_OK &&
	    vd.registry_warning);
	sp_verdict_clear(&vd);
	sp_bytes_free(p, n);
	CHECK(reason_of(&w, &swim, 1, VF_NOW) == SP_R_REGISTRY_TOO_OLD);
	CHECK(sp_verifier_offer_policy(w.v, 1, 3 * 86400) == SP_OK);
	CHECK(reason_of(&w, &swim, 1, VF_NOW) == SP_R_OK);
	CHECK(sp_verifier_offer_policy(w.v, 1, 3600) == SP_OK);
	CHECK(reason_of(&w, &swim, 1, VF_NOW) == SP_R_REGISTRY_TOO_OLD);
	CHECK(sp_verifier_offer_policy(w.v, 1, 0) == SP_OK);	/* removed */
	CHECK(reason_of(&w, &swim, 1, VF_NOW) == SP_R_REGISTRY_TOO_OLD);
	CHECK(sp_verifier_offer_policy(w.v, 0, 10) == SP_ERR_INVALID_ARG);
	world_clear(&w);

	/* Just under and over 24 h; a strict policy for everything. */
	world_init(&w, VF_NOW - 86400);
	CHECK(reason_of(&w, &swim, 1, VF_NOW) == SP_R_OK);
	CHECK(reason_of(&w, &swim, 1, VF_NOW + 1) == SP_R_REGISTRY_TOO_OLD);
	sp_verifier_free(&w.v);
	pol.registry_max_age_any = 3600;
	pol.registry_warn_age = 60;
	CHECK(sp_verifier_new(&w.v, "p1", &pol) == SP_OK);
	sp_buf_init(&b);
	vfix_chain_std(&w.f, &b, 1);
	CHECK(sp_verifier_trust_pin(w.v, w.f.fp[0], b.ptr, b.len) == SP_OK);
	vfix_snapshot(&w.f, &b, 0, VF_NOW - 3600);
	CHECK(sp_verifier_registry_bootstrap(w.v, b.ptr, b.len) == SP_OK);
	vfix_catalogue(&w.f, &b, 0, 1, VF_T0);
	CHECK(sp_verifier_catalogue(w.v, b.ptr, b.len) == SP_OK);
	CHECK(reason_of(&w, &museum, 2, VF_NOW) == SP_R_OK);
	CHECK(reason_of(&w, &museum, 2, VF_NOW + 1) ==
	    SP_R_REGISTRY_TOO_OLD);
	sp_buf_clear(&b);
	world_clear(&w);
}

static void
test_reason_names(void)
{
	int i, j;

	CHECK(strcmp(sp_reason_token(SP_R_OK), "ok") == 0);
	CHECK(strcmp(sp_reason_token(SP_R_REGISTRY_TOO_OLD),
	    "registry_too_old") == 0);
	CHECK(strcmp(sp_reason_token(SP_R_HOLDER_BINDING),
	    "holder_binding_failed") == 0);
	CHECK(strcmp(sp_reason_token(SP_R_STALE), "stale_timestamp") == 0);
	CHECK(strcmp(sp_reason_token(SP_R_LEDGER), "ledger_failed") == 0);
	CHECK(strcmp(sp_reason_token(-1), "unknown") == 0);
	CHECK(strcmp(sp_reason_token(SP_R_COUNT), "unknown") == 0);
	CHECK(strcmp(sp_reason_text(SP_R_COUNT), "unknown") == 0);
	for (i = 0; i < SP_R_COUNT; i++) {
		CHECK(sp_reason_text(i)[0] != 0);
		for (j = 0; j < i; j++)
			CHECK(strcmp(sp_reason_token(i),
			    sp_reason_token(j)) != 0);
	}
}

int
main(void)
{
	test_reason_names();
	test_approved();
	test_reasons_pass();
	test_reasons_binding();
	test_reasons_status();
	test_reasons_offer();
	test_freshness();
	return check_report("test_verifier");
}
