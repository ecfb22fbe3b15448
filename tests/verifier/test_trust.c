/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Trust list chains: pinning by fingerprint, rotation (the old key signs
 * the version that adds the new one), removal (passes, registry state and
 * catalogue of a removed key stop counting), forks, rollback, all or
 * nothing, and malformed or oversized chains.
 */
#include <stdlib.h>
#include <string.h>

#include "cbor.h"
#include "check.h"
#include "cose.h"
#include "hash.h"
#include "testutil.h"
#include "pass_int.h"
#include "vfix.h"

static struct sp_verifier *
fresh(void)
{
	struct sp_verifier *v = NULL;

	CHECK(sp_verifier_new(&v, "p1", NULL) == SP_OK);
	return v;
}

static void
test_pin(void)
{
	struct vfix f;
	struct sp_verifier *v;
	struct sp_buf b;
	uint8_t bad[32];

	vfix_init(&f);
	sp_buf_init(&b);
	v = fresh();
	CHECK(sp_verifier_trust_version(v) == 0 &&
	    sp_verifier_trust_count(v) == 0);
	vfix_chain_std(&f, &b, 1);
	/* The fingerprint of a key not in version 1. */
	CHECK(sp_verifier_trust_pin(v, f.fp[1], b.ptr, b.len) ==
	    SP_ERR_KEY_MISMATCH);
	memcpy(bad, f.fp[0], 32);
	bad[31] ^= 1;
	CHECK(sp_verifier_trust_pin(v, bad, b.ptr, b.len) ==
	    SP_ERR_KEY_MISMATCH);
	CHECK(sp_verifier_trust_version(v) == 0);
	CHECK(sp_verifier_trust_update(v, b.ptr, b.len) ==
	    SP_ERR_INVALID_ARG);	/* nothing pinned yet */
	CHECK(sp_verifier_trust_pin(v, f.fp[0], b.ptr, b.len) == SP_OK);
	CHECK(sp_verifier_trust_version(v) == 1 &&
	    sp_verifier_trust_count(v) == 1);
	CHECK(sp_verifier_trust(v) != NULL);
	/* No re-pinning. */
	CHECK(sp_verifier_trust_pin(v, f.fp[0], b.ptr, b.len) ==
	    SP_ERR_INVALID_ARG);
	sp_verifier_free(&v);

	/* Pinning the whole chain at once: the pin is about version 1. */
	v = fresh();
	vfix_chain_std(&f, &b, 3);
	CHECK(sp_verifier_trust_pin(v, f.fp[1], b.ptr, b.len) ==
	    SP_ERR_KEY_MISMATCH);
	CHECK(sp_verifier_trust_pin(v, f.fp[0], b.ptr, b.len) == SP_OK);
	CHECK(sp_verifier_trust_version(v) == 3 &&
	    sp_verifier_trust_count(v) == 1);
	sp_verifier_free(&v);
	sp_verifier_free(&v);	/* NULL is fine */

	/* Version 1 not signed by one of its own keys. */
	{
		static const int k[] = { 0 };
		struct sp_buf v1;

		sp_buf_init(&v1);
		vfix_tl_version(&f, &v1, 1, 1, k, 1);
		vfix_chain(&b, &v1, 1);
		v = fresh();
		CHECK(sp_verifier_trust_pin(v, f.fp[0], b.ptr, b.len) ==
		    SP_ERR_UNKNOWN_KID);
		sp_verifier_free(&v);
		sp_buf_clear(&v1);
	}
	sp_buf_clear(&b);
	vfix_clear(&f);
}

static int
pass_reason(struct vfix *f, const struct sp_verifier *v, int signer)
{
	struct vpass vp = { .signer = signer, .iat = VF_T0,
	    .exp = VF_T0 + VF_YEAR };
	struct vpres pr = { .aud = "p1", .offer = 2, .counter = 1,
	    .scopes = { "culture" } };
	struct sp_check_opts o = { .now = VF_NOW, .offer = 2 };
	struct sp_verdict vd;
	uint8_t *issued, *p;
	size_t ilen, n;
	int r;

	vfix_pass(f, &vp, &issued, &ilen, NULL);
	vfix_present(f, issued, ilen, &pr, &p, &n);
	CHECK(sp_verifier_check(v, &vd, p, n, &o) == SP_OK);
	r = vd.reason;
	sp_verdict_clear(&vd);
	sp_bytes_free(p, n);
	sp_bytes_free(issued, ilen);
	return r;
}

static void
test_rotation(void)
{
	struct vfix f;
	struct sp_verifier *v;
	struct sp_buf b, c2, c3;

	vfix_init(&f);
	sp_buf_init(&b);
	sp_buf_init(&c2);
	sp_buf_init(&c3);
	v = vfix_verifier(&f, VF_NOW - 60);	/* v1 {A}, registry by A */
	CHECK(pass_reason(&f, v, 0) == SP_R_OK);
	CHECK(pass_reason(&f, v, 1) == SP_R_UNKNOWN_ISSUER_KEY);

	/* v2 {B, A} signed by A: both keys count. */
	vfix_chain_std(&f, &c2, 2);
	CHECK(sp_verifier_trust_update(v, c2.ptr, c2.len) == SP_OK);
	CHECK(sp_verifier_trust_version(v) == 2 &&
	    sp_verifier_trust_count(v) == 2);
	CHECK(pass_reason(&f, v, 0) == SP_R_OK);
	CHECK(pass_reason(&f, v, 1) == SP_R_OK);
	CHECK(sp_verifier_registry_time(v) == VF_NOW - 60);
	CHECK(sp_verifier_catalogue_version(v) == 1);

	/* The same chain again, or an older one: nothing changes. */
	CHECK(sp_verifier_trust_update(v, c2.ptr, c2.len) == SP_OK);
	vfix_chain_std(&f, &b, 1);
	CHECK(sp_verifier_trust_update(v, b.ptr, b.len) == SP_OK);
	CHECK(sp_verifier_trust_version(v) == 2);

	/* v3 {B} signed by B: A is removed, and with it the registry
	 * state and the catalogue A signed. */
	vfix_chain_std(&f, &c3, 3);
	CHECK(sp_verifier_trust_update(v, c3.ptr, c3.len) == SP_OK);
	CHECK(sp_verifier_trust_version(v) == 3 &&
	    sp_verifier_trust_count(v) == 1);
	CHECK(pass_reason(&f, v, 0) == SP_R_UNKNOWN_ISSUER_KEY);
	CHECK(sp_verifier_registry_time(v) == 0);
	CHECK(sp_verifier_catalogue_version(v) == 0);
	CHECK(pass_reason(&f, v, 1) == SP_R_REGISTRY_TOO_OLD);
	/* B's registry and catalogue bring it back. */
	vfix_snapshot(&f, &b, 1, VF_NOW - 30);
	CHECK(sp_verifier_registry_bootstrap(v, b.ptr, b.len) == SP_OK);
	CHECK(pass_reason(&f, v, 1) == SP_R_UNKNOWN_OFFER);
	vfix_catalogue(&f, &b, 0, 2, VF_T0);
	CHECK(sp_verifier_catalogue(v, b.ptr, b.len) == SP_ERR_UNKNOWN_KID);
	vfix_catalogue(&f, &b, 1, 2, VF_T0);
	CHECK(sp_verifier_catalogue(v, b.ptr, b.len) == SP_OK);
	CHECK(pass_reason(&f, v, 1) == SP_R_OK);
	sp_verifier_free(&v);

	/* Registry state signed by B survives the rotation v2 -> v3. */
	v = vfix_verifier(&f, 0);
	CHECK(sp_verifier_trust_update(v, c2.ptr, c2.len) == SP_OK);
	vfix_snapshot(&f, &b, 1, VF_NOW - 20);
	CHECK(sp_verifier_registry_bootstrap(v, b.ptr, b.len) == SP_OK);
	CHECK(sp_verifier_trust_update(v, c3.ptr, c3.len) == SP_OK);
	CHECK(sp_verifier_registry_time(v) == VF_NOW - 20);
	sp_verifier_free(&v);

	sp_buf_clear(&b);
	sp_buf_clear(&c2);
	sp_buf_clear(&c3);
	vfix_clear(&f);
}

static void
test_fork_and_bad(void)
{
	static const int kA[] = { 0 }, kAB[] = { 1, 0 }, kAC[] = { 0, 2 },
	    kB[] = { 1 }, kAA[] = { 0, 0 };
	struct vfix f;
	struct sp_verifier *v;
	struct sp_buf ver[4], b;
	size_t i;

	vfix_init(&f);
	sp_buf_init(&b);
	for (i = 0; i < 4; i++)
		sp_buf_init(&ver[i]);
	v = vfix_verifier(&f, 0);
	vfix_tl_version(&f, &ver[0], 0, 1, kA, 1);

	/* A different version 2 after we took one: a fork. */
	vfix_tl_version(&f, &ver[1], 0, 2, kAB, 2);
	vfix_chain(&b, ver, 2);
	CHECK(sp_verifier_trust_update(v, b.ptr, b.len) == SP_OK);
	vfix_tl_version(&f, &ver[1], 0, 2, kAC, 2);
	vfix_chain(&b, ver, 2);
	CHECK(sp_verifier_trust_update(v, b.ptr, b.len) == SP_ERR_REG_FORK);
	vfix_tl_version(&f, &ver[2], 0, 3, kA, 1);
	vfix_chain(&b, ver, 3);
	CHECK(sp_verifier_trust_update(v, b.ptr, b.len) == SP_ERR_REG_FORK);
	CHECK(sp_verifier_trust_version(v) == 2 &&
	    sp_verifier_trust_count(v) == 2);
	sp_verifier_free(&v);

	/* Version 2 signed by a key version 1 does not list. */
	v = vfix_verifier(&f, 0);
	vfix_tl_version(&f, &ver[1], 1, 2, kB, 1);
	vfix_chain(&b, ver, 2);
	CHECK(sp_verifier_trust_update(v, b.ptr, b.len) ==
	    SP_ERR_UNKNOWN_KID);
	/* A corrupted signature. */
	vfix_tl_version(&f, &ver[1], 0, 2, kAB, 2);
	ver[1].ptr[ver[1].len - 1] ^= 1;
	vfix_chain(&b, ver, 2);
	CHECK(sp_verifier_trust_update(v, b.ptr, b.len) == SP_ERR_SIGNATURE);
	/* All or nothing: a good v2 then a bad v3 leaves version 1. */
	vfix_tl_version(&f, &ver[1], 0, 2, kAB, 2);
	vfix_tl_version(&f, &ver[2], 2, 3, kA, 1);
	vfix_chain(&b, ver, 3);
	CHECK(sp_verifier_trust_update(v, b.ptr, b.len) ==
	    SP_ERR_UNKNOWN_KID);
	CHECK(sp_verifier_trust_version(v) == 1);
	/* Versions must be consecutive; a key listed twice is refused. */
	vfix_tl_version(&f, &ver[1], 0, 3, kAB, 2);
	vfix_chain(&b, ver, 2);
	CHECK(sp_verifier_trust_update(v, b.ptr, b.len) == SP_ERR_CBOR_VALUE);
	vfix_tl_version(&f, &ver[1], 0, 2, kAA, 2);
	vfix_chain(&b, ver, 2);
	CHECK(sp_verifier_trust_update(v, b.ptr, b.len) == SP_ERR_CBOR_VALUE);
	CHECK(sp_verifier_trust_version(v) == 1);
	/* Not a chain at all. */
	CHECK(sp_verifier_trust_update(v, ver[0].ptr, ver[0].len) ==
	    SP_ERR_CBOR_TYPE);
	vfix_chain(&b, ver, 0);
	CHECK(sp_verifier_trust_update(v, b.ptr, b.len) == SP_ERR_CBOR_VALUE);
	sp_verifier_free(&v);

	for (i = 0; i < 4; i++)
		sp_buf_clear(&ver[i]);
	sp_buf_clear(&b);
	vfix_clear(&f);
}

/* Hand-built payloads: unknown keys, wrong type, too many keys/versions. */
static void
test_limits(void)
{
	struct vfix f;
	struct sp_verifier *v;
	struct sp_buf p, s, b;
	struct cbor_enc e;
	size_t i;

	vfix_init(&f);
	sp_buf_init(&p);
	sp_buf_init(&s);
	sp_buf_init(&b);
	/* 257 versions. */
	cbor_enc_init(&e, &b);
	cbor_put_array(&e, 257);
	for (i = 0; i < 257; i++)
		cbor_put_bstr(&e, (const uint8_t *)"x", 1);
	CHECK(cbor_enc_finish(&e) == SP_OK);
	v = fresh();
	CHECK(sp_verifier_trust_pin(v, f.fp[0], b.ptr, b.len) != SP_OK);
	/* Type 3 (a catalogue), and an extra key 5, signed by A. */
	for (i = 0; i < 2; i++) {
		sp_buf_reset(&p);
		cbor_enc_init(&e, &p);
		cbor_put_map(&e, 4 + i);
		cbor_put_uint(&e, 1);
		cbor_put_uint(&e, i == 0 ? 3 : 4);
		cbor_put_uint(&e, 2);
		cbor_put_uint(&e, 1);
		cbor_put_uint(&e, 3);
		cbor_put_uint(&e, VF_T0);
		cbor_put_uint(&e, 4);
		cbor_put_array(&e, 1);
		cbor_put_raw(&e, f.cose[0], f.cose_len[0]);
		if (i == 1) {
			cbor_put_uint(&e, 5);
			cbor_put_uint(&e, 0);
		}
		CHECK(cbor_enc_finish(&e) == SP_OK);
		sp_buf_reset(&s);
		CHECK(cose_sign1_sign(&s, &f.iss[0]->priv, f.kid[0],
		    SP_KID_LEN, -1, p.ptr, p.len, NULL, 0, 0) == SP_OK);
		vfix_chain(&b, &s, 1);
		CHECK(sp_verifier_trust_pin(v, f.fp[0], b.ptr, b.len) ==
		    (i == 0 ? SP_ERR_CBOR_VALUE : SP_ERR_CBOR_UNKNOWN_KEY));
	}
	/* 65 keys (A then 64 fillers would need 65 real keys: repeat the
	 * P-256 and Ed25519 keys is refused anyway; the count check is
	 * first). */
	sp_buf_reset(&p);
	cbor_enc_init(&e, &p);
	cbor_put_map(&e, 4);
	cbor_put_uint(&e, 1);
	cbor_put_uint(&e, 4);
	cbor_put_uint(&e, 2);
	cbor_put_uint(&e, 1);
	cbor_put_uint(&e, 3);
	cbor_put_uint(&e, VF_T0);
	cbor_put_uint(&e, 4);
	cbor_put_array(&e, 65);
	for (i = 0; i < 65; i++)
		cbor_put_raw(&e, f.cose[i % 4], f.cose_len[i % 4]);
	CHECK(cbor_enc_finish(&e) == SP_OK);
	sp_buf_reset(&s);
	CHECK(cose_sign1_sign(&s, &f.iss[0]->priv, f.kid[0], SP_KID_LEN, -1,
	    p.ptr, p.len, NULL, 0, 0) == SP_OK);
	vfix_chain(&b, &s, 1);
	CHECK(sp_verifier_trust_pin(v, f.fp[0], b.ptr, b.len) != SP_OK);
	/* Over 1 MiB. */
	CHECK(sp_buf_reserve(&b, (1u << 20) + 1) == SP_OK);
	memset(b.ptr, 0, (1u << 20) + 1);
	CHECK(sp_verifier_trust_pin(v, f.fp[0], b.ptr, (1u << 20) + 1) ==
	    SP_ERR_TOO_LARGE);
	CHECK(sp_verifier_trust_version(v) == 0);
	sp_verifier_free(&v);
	sp_buf_clear(&p);
	sp_buf_clear(&s);
	sp_buf_clear(&b);
	vfix_clear(&f);
}

/* docs/FORMATS.md §9.2: version 2 after one rotation, signed by the old
 * key of §1.2 (seed 10..2f); our version 1 lists that key alone. */
static const char v2_hex[] =
    "8449a20127044406c3b3e2a0585d"
    "a401040202031a6955b900048"
    "2a301012006215820"
    "2543b92ff1095511476adc8369db6ddc933665a11978dda1404ee1066ca9559d"
    "a301012006215820"
    "7776e870b93354f2a0b24c23f2a36cc4e80e223218c1b97926fdd018396a2b9b"
    "5840"
    "5463d5bc205976eac8bb273d11db880ee902ba0b35db72111fba6c5561626121"
    "6f633de67d6698c72c76b096964df60cabee020317d0f737c8f2a9961e695400";

static void
test_example(void)
{
	struct sp_verifier *v;
	struct sp_key *k = NULL;
	struct sp_buf p, ver[2], chain;
	struct cbor_enc e;
	uint8_t seed[SP_SEED_LEN], cose[64], kid[SP_KID_LEN], fp[32];
	size_t cl = sizeof(cose), i;

	for (i = 0; i < SP_SEED_LEN; i++)
		seed[i] = (uint8_t)(0x10 + i);
	CHECK(sp_key_from_seed(&k, SP_ALG_EDDSA, seed) == SP_OK);
	CHECK(sp_key_public_cose(k, cose, &cl) == SP_OK);
	sp_key_kid(k, kid);
	sp_buf_init(&p);
	sp_buf_init(&ver[0]);
	sp_buf_init(&ver[1]);
	sp_buf_init(&chain);
	cbor_enc_init(&e, &p);
	cbor_put_map(&e, 4);
	cbor_put_uint(&e, 1);
	cbor_put_uint(&e, 4);
	cbor_put_uint(&e, 2);
	cbor_put_uint(&e, 1);
	cbor_put_uint(&e, 3);
	cbor_put_uint(&e, VF_T0 - 86400);
	cbor_put_uint(&e, 4);
	cbor_put_array(&e, 1);
	cbor_put_raw(&e, cose, cl);
	CHECK(cbor_enc_finish(&e) == SP_OK);
	CHECK(cose_sign1_sign(&ver[0], &k->priv, kid, SP_KID_LEN, -1, p.ptr,
	    p.len, NULL, 0, 0) == SP_OK);
	CHECK(tu_hex(&ver[1], v2_hex) == 0 && ver[1].len == 173);
	vfix_chain(&chain, ver, 2);
	CHECK(sp_sha256(fp, cose, cl) == SP_OK);
	v = fresh();
	CHECK(sp_verifier_trust_pin(v, fp, chain.ptr, chain.len) == SP_OK);
	CHECK(sp_verifier_trust_version(v) == 2 &&
	    sp_verifier_trust_count(v) == 2);
	sp_verifier_free(&v);
	ver[1].ptr[40] ^= 1;	/* inside the new key: signature breaks */
	vfix_chain(&chain, ver, 2);
	v = fresh();
	CHECK(sp_verifier_trust_pin(v, fp, chain.ptr, chain.len) != SP_OK);
	sp_verifier_free(&v);
	sp_key_free(&k);
	sp_buf_clear(&p);
	sp_buf_clear(&ver[0]);
	sp_buf_clear(&ver[1]);
	sp_buf_clear(&chain);
}

int
main(void)
{
	test_example();
	test_pin();
	test_rotation();
	test_fork_and_bad();
	test_limits();
	return check_report("test_trust");
}
