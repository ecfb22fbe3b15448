/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Seed generator for the fuzz corpora of fuzz_cose, fuzz_cred and
 * fuzz_present: COSE_Sign1 messages (plus the COSE WG examples), issued
 * passes and presentations made with the keys and times of fuzz_keys.h, and
 * broken variants of each. Built by hand, on demand, not by meson:
 *
 *   meson setup build-h-fuzz && ninja -C build-h-fuzz core/libspcore.a
 *   gcc -std=c17 -D_GNU_SOURCE -Iinclude -Icore tests/fuzz/gen_corpus.c \
 *       build-h-fuzz/core/libspcore.a \
 *       $(pkg-config --cflags --libs jansson libsodium openssl zlib) -lm \
 *       -o /tmp/gen_corpus
 *   /tmp/gen_corpus .          (from the source root; overwrites seeds)
 *
 * Ed25519 signatures and salts are deterministic; ES256 signatures are
 * randomised, so those seeds change bytes (not meaning) on every run.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "cose.h"
#include "fuzz_keys.h"
#include "sig.h"
#include "sp_buf.h"
#include "stadspas/sp_pass.h"

static const char *root;
static unsigned written;

static void
die(const char *what, int r)
{
	fprintf(stderr, "gen_corpus: %s failed (%d)\n", what, r);
	exit(1);
}

static void
mkdirs(const char *target)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/tests/fuzz/corpus/%s", root, target);
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		die(path, errno);
}

static void
put(const char *target, const char *name, const uint8_t *p, size_t n)
{
	char path[4096];
	FILE *f;

	if (n >= 4096)
		die(name, (int)n);	/* corpus files stay below 4 KiB */
	snprintf(path, sizeof(path), "%s/tests/fuzz/corpus/%s/%s", root,
	    target, name);
	if ((f = fopen(path, "wb")) == NULL ||
	    fwrite(p, 1, n, f) != n || fclose(f) != 0)
		die(path, errno);
	written++;
}

/* Writes name plus truncated, bit-flipped and padded variants. */
static void
put_variants(const char *target, const char *name, const uint8_t *p,
    size_t n, size_t flip_at)
{
	char vname[256];
	uint8_t buf[4096];

	put(target, name, p, n);
	snprintf(vname, sizeof(vname), "mut-truncated-half-%s", name);
	put(target, vname, p, n / 2);
	memcpy(buf, p, n);
	buf[flip_at % n] ^= 0x01;
	snprintf(vname, sizeof(vname), "mut-bitflip-%zu-%s", flip_at % n,
	    name);
	put(target, vname, buf, n);
	memcpy(buf, p, n);
	buf[n] = 0x00;
	snprintf(vname, sizeof(vname), "mut-trailing-byte-%s", name);
	put(target, vname, buf, n + 1);
}

/* ---- COSE ------------------------------------------------------------- */

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void
cose_wg_example(const char *dir, const char *file)
{
	char path[4096], name[256];
	uint8_t bin[2048];
	const char *hex;
	json_error_t jerr;
	json_t *j;
	size_t i, n;

	snprintf(path, sizeof(path),
	    "%s/tests/vectors/external/cose-wg-examples/%s/%s.json", root, dir,
	    file);
	if ((j = json_load_file(path, 0, &jerr)) == NULL)
		die(path, 0);
	hex = json_string_value(json_object_get(json_object_get(j, "output"),
	    "cbor"));
	if (hex == NULL || (n = strlen(hex)) % 2 != 0 || n / 2 > sizeof(bin))
		die(path, 0);
	for (i = 0; i < n / 2; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			die(path, 0);
		bin[i] = (uint8_t)(hi << 4 | lo);
	}
	snprintf(name, sizeof(name), "wg-%s-%s.cbor", dir, file);
	put("cose", name, bin, n / 2);
	json_decref(j);
}

static void
cose_seeds(void)
{
	static const char *const wg[][2] = {
		{ "CWT", "A_3" }, { "CWT", "A_4" }, { "CWT", "A_5" },
		{ "CWT", "A_6" }, { "CWT", "A_7" },
		{ "eddsa-examples", "eddsa-01" },
		{ "eddsa-examples", "eddsa-02" },
		{ "eddsa-examples", "eddsa-sig-01" },
		{ "eddsa-examples", "eddsa-sig-02" },
		{ "sign1-tests", "sign-fail-01" },
		{ "sign1-tests", "sign-fail-02" },
		{ "sign1-tests", "sign-fail-03" },
		{ "sign1-tests", "sign-fail-04" },
		{ "sign1-tests", "sign-fail-06" },
		{ "sign1-tests", "sign-fail-07" },
		{ "sign1-tests", "sign-pass-01" },
		{ "sign1-tests", "sign-pass-02" },
		{ "sign1-tests", "sign-pass-03" },
	};
	static const uint8_t ed_seed[] = FUZZ_COSE_ED25519_SEED;
	static const uint8_t p_seed[] = FUZZ_COSE_P256_SCALAR;
	static const uint8_t aad[] = FUZZ_COSE_AAD;
	static const char content[] = FUZZ_COSE_DETACHED;
	static const uint8_t kid[] = { '1', '1' };
	static const struct {
		const char *name;
		bool p256, with_kid, with_aad;
		int64_t cty;
		unsigned flags;
	} gen[] = {
		{ "gen-ed25519-tagged-kid.cbor", false, true, false, -1,
		    COSE_F_TAGGED },
		{ "gen-ed25519-untagged.cbor", false, false, false, -1, 0 },
		{ "gen-ed25519-detached.cbor", false, true, false, -1,
		    COSE_F_TAGGED | COSE_F_DETACHED },
		{ "gen-ed25519-alg-implied.cbor", false, false, false, -1,
		    COSE_F_ALG_IMPLIED },
		{ "gen-ed25519-alg-implied-aad.cbor", false, false, true, -1,
		    COSE_F_ALG_IMPLIED },
		{ "gen-ed25519-cty-kid-aad.cbor", false, true, true, 60,
		    COSE_F_TAGGED },
		{ "gen-p256-tagged-kid.cbor", true, true, false, -1,
		    COSE_F_TAGGED },
		{ "gen-p256-untagged-cty.cbor", true, false, false, 0, 0 },
		{ "gen-p256-detached-aad.cbor", true, false, true, -1,
		    COSE_F_DETACHED },
		{ "gen-p256-alg-implied-kid.cbor", true, true, false, -1,
		    COSE_F_ALG_IMPLIED | COSE_F_TAGGED },
	};
	struct sig_priv ed, p256;
	struct sp_buf b;
	size_t i;
	int r;

	mkdirs("cose");
	for (i = 0; i < sizeof(wg) / sizeof(*wg); i++)
		cose_wg_example(wg[i][0], wg[i][1]);
	if ((r = sig_priv_from_seed(&ed, SIG_ALG_EDDSA, ed_seed)) != SP_OK ||
	    (r = sig_priv_from_seed(&p256, SIG_ALG_ES256, p_seed)) != SP_OK)
		die("cose keys", r);
	sp_buf_init(&b);
	for (i = 0; i < sizeof(gen) / sizeof(*gen); i++) {
		sp_buf_reset(&b);
		r = cose_sign1_sign(&b, gen[i].p256 ? &p256 : &ed,
		    gen[i].with_kid ? kid : NULL, sizeof(kid), gen[i].cty,
		    (const uint8_t *)content, sizeof(content) - 1,
		    gen[i].with_aad ? aad : NULL,
		    gen[i].with_aad ? sizeof(aad) : 0, gen[i].flags);
		if (r != SP_OK)
			die(gen[i].name, r);
		if (i == 0 || i == 6)
			put_variants("cose", gen[i].name, b.ptr, b.len,
			    b.len - 3);
		else
			put("cose", gen[i].name, b.ptr, b.len);
	}
	/* A typ header (RFC 9596), as status list tokens carry. */
	{
		const struct cose_hdr_spec h = {
			.kid = kid,
			.kid_len = sizeof(kid),
			.cty = -1,
			.typ = "application/statuslist+cwt",
		};

		sp_buf_reset(&b);
		if ((r = cose_sign1_sign_hdr(&b, &ed, &h,
		    (const uint8_t *)content, sizeof(content) - 1, NULL, 0,
		    COSE_F_TAGGED)) != SP_OK)
			die("typ", r);
		put("cose", "gen-ed25519-typ-kid.cbor", b.ptr, b.len);
	}
	/* Hand-made structural edge cases. */
	{
		/* Tag 18 around [h'', {}, nil, h''] and an empty-map header. */
		static const uint8_t empty[] = { 0xd2, 0x84, 0x40, 0xa0, 0xf6,
		    0x40 };
		static const uint8_t a0[] = { 0x84, 0x41, 0xa0, 0xa0, 0x40,
		    0x40 };
		/* Unprotected: crit, text label, nested unknown value. */
		static const uint8_t crit[] = { 0x84, 0x40, 0xa1, 0x02, 0x81,
		    0x01, 0xf6, 0x40 };
		static const uint8_t textlbl[] = { 0x84, 0x40, 0xa2, 0x61,
		    0x78, 0x82, 0x01, 0xa1, 0x01, 0x02, 0x21, 0x80, 0xf6,
		    0x40 };
		/* alg as text, kid in both maps. */
		static const uint8_t algtext[] = { 0x84, 0x48, 0xa1, 0x01, 0x65,
		    'E', 'S', '2', '5', '6', 0xa1, 0x04, 0x41, 0x01, 0x40,
		    0x40 };
		static const uint8_t dupkid[] = { 0x84, 0x44, 0xa1, 0x04, 0x41,
		    0x01, 0xa1, 0x04, 0x41, 0x02, 0x40, 0x40 };
		/* Unknown headers with array values: protected
		 * {99: [1, -8], 4: h'3131'} (no alg, kid "11"), and an
		 * x5chain-like unprotected {33: [h'01', h'02'], 4: h'3131'}. */
		static const uint8_t hidekid[] = { 0x84, 0x4a, 0xa2, 0x18,
		    0x63, 0x82, 0x01, 0x27, 0x04, 0x42, 0x31, 0x31, 0xa0, 0x40,
		    0x40 };
		static const uint8_t x5chain[] = { 0x84, 0x40, 0xa2, 0x18,
		    0x21, 0x82, 0x41, 0x01, 0x41, 0x02, 0x04, 0x42, 0x31, 0x31,
		    0x40, 0x40 };
		/* COSE_Keys: Ed25519 x of the key above, and a P-256 one
		 * with y as a bool, plus a private part. */
		uint8_t edkey[64], pkey[64], dkey[64];
		struct cbor_enc e;

		put("cose", "edge-empty-tagged.cbor", empty, sizeof(empty));
		put("cose", "edge-prot-empty-map.cbor", a0, sizeof(a0));
		put("cose", "edge-crit-unprotected.cbor", crit, sizeof(crit));
		put("cose", "edge-text-label-nested.cbor", textlbl,
		    sizeof(textlbl));
		put("cose", "edge-alg-text.cbor", algtext, sizeof(algtext));
		put("cose", "edge-kid-twice.cbor", dupkid, sizeof(dupkid));
		put("cose", "edge-prot-unknown-array-value.cbor", hidekid,
		    sizeof(hidekid));
		put("cose", "edge-unprot-x5chain-like-array.cbor", x5chain,
		    sizeof(x5chain));
		sp_buf_reset(&b);
		cbor_enc_init(&e, &b);
		cose_key_encode(&e, &ed.pub);
		if ((r = cbor_enc_finish(&e)) != SP_OK || b.len > sizeof(edkey))
			die("edkey", r);
		memcpy(edkey, b.ptr, b.len);
		put("cose", "key-ed25519.cbor", edkey, b.len);
		sp_buf_reset(&b);
		cbor_enc_init(&e, &b);
		cose_key_encode(&e, &p256.pub);
		if ((r = cbor_enc_finish(&e)) != SP_OK || b.len > sizeof(pkey))
			die("pkey", r);
		memcpy(pkey, b.ptr, b.len);
		put("cose", "key-p256-compressed.cbor", pkey, b.len);
		/* {1: 1, -1: 6, -4: h'00'}: private part, refused. */
		sp_buf_reset(&b);
		cbor_enc_init(&e, &b);
		cbor_put_map(&e, 3);
		cbor_put_uint(&e, 1);
		cbor_put_uint(&e, 1);
		cbor_put_int(&e, -1);
		cbor_put_uint(&e, 6);
		cbor_put_int(&e, -4);
		cbor_put_bstr(&e, ed_seed, sizeof(ed_seed));
		if ((r = cbor_enc_finish(&e)) != SP_OK || b.len > sizeof(dkey))
			die("dkey", r);
		memcpy(dkey, b.ptr, b.len);
		put("cose", "key-ed25519-private-part.cbor", dkey, b.len);
	}
	sp_buf_clear(&b);
	sig_priv_clear(&ed);
	sig_priv_clear(&p256);
}

/* ---- Passes ----------------------------------------------------------- */

static struct sp_key *iss_ed, *iss_p256, *iss_unknown, *hold_ed, *hold_p256;

static struct sp_key *
key(int alg, const uint8_t seed[SP_SEED_LEN])
{
	struct sp_key *k = NULL;
	int r;

	if ((r = sp_key_from_seed(&k, alg, seed)) != SP_OK)
		die("sp_key_from_seed", r);
	return k;
}

static void
keys_init(void)
{
	static const uint8_t ie[] = FUZZ_ISSUER_ED25519_SEED;
	static const uint8_t ip[] = FUZZ_ISSUER_P256_SEED;
	static const uint8_t iu[] = { FUZZ_REP32(0x33) };
	static const uint8_t he[] = FUZZ_HOLDER_ED25519_SEED;
	static const uint8_t hp[] = FUZZ_HOLDER_P256_SEED;

	iss_ed = key(SP_ALG_EDDSA, ie);
	iss_p256 = key(SP_ALG_ES256, ip);
	iss_unknown = key(SP_ALG_EDDSA, iu);
	hold_ed = key(SP_ALG_EDDSA, he);
	hold_p256 = key(SP_ALG_ES256, hp);
}

enum shape {
	SHAPE_ONE,		/* a single claim */
	SHAPE_ALL,		/* every claim kind */
	SHAPE_LIMITS,		/* many limit tags and keys */
	SHAPE_WIDE,		/* 33 plain leaves: an odd tree */
};

static void
chk(const char *what, int r)
{
	if (r != SP_OK)
		die(what, r);
}

static void
fill(struct sp_pass_builder *b, enum shape s)
{
	static const char *const periods[] = { "sport/2026", "sport/2027",
	    "culture/2026", "museum/2026", "zoo/2026" };
	uint8_t v[SP_TAG_LEN];
	char scope[32];
	size_t i;

	switch (s) {
	case SHAPE_ONE:
		chk("bool", sp_pass_builder_add_bool(b, SP_CLAIM_AGE_UNDER_18,
		    true));
		return;
	case SHAPE_ALL:
		chk("issuer", sp_pass_builder_set_issuer(b, "GM0363"));
		chk("pass_no", sp_pass_builder_add_text(b, SP_CLAIM_PASS_NO,
		    "SP-0000-1234"));
		chk("name", sp_pass_builder_add_text(b, SP_CLAIM_NAME,
		    "J. de Vries"));
		chk("birth", sp_pass_builder_add_uint(b, SP_CLAIM_BIRTH_YEAR,
		    2011));
		chk("u12", sp_pass_builder_add_bool(b, SP_CLAIM_AGE_UNDER_12,
		    false));
		chk("u18", sp_pass_builder_add_bool(b, SP_CLAIM_AGE_UNDER_18,
		    true));
		chk("o65", sp_pass_builder_add_bool(b, SP_CLAIM_AGE_OVER_65,
		    false));
		chk("cat", sp_pass_builder_add_text(b, SP_CLAIM_CATEGORY,
		    "sport"));
		chk("cat2", sp_pass_builder_add_text(b, SP_CLAIM_CATEGORY,
		    "culture"));
		chk("hh", sp_pass_builder_add_uint(b, SP_CLAIM_HOUSEHOLD_SIZE,
		    4));
		memset(v, 0xa1, sizeof(v));
		chk("tag", sp_pass_builder_add_limit_tag(b, "sport/2026", v));
		memset(v, 0xb2, sizeof(v));
		chk("lkey", sp_pass_builder_add_limit_key(b, "swim", v));
		return;
	case SHAPE_LIMITS:
		chk("u18", sp_pass_builder_add_bool(b, SP_CLAIM_AGE_UNDER_18,
		    true));
		for (i = 0; i < sizeof(periods) / sizeof(*periods); i++) {
			memset(v, (int)(0x10 + i), sizeof(v));
			chk("tag", sp_pass_builder_add_limit_tag(b, periods[i],
			    v));
		}
		for (i = 0; i < 3; i++) {
			snprintf(scope, sizeof(scope), "%s",
			    i == 0 ? "swim" : i == 1 ? "gym" : "library");
			memset(v, (int)(0x20 + i), sizeof(v));
			chk("lkey", sp_pass_builder_add_limit_key(b, scope, v));
		}
		return;
	case SHAPE_WIDE:
		chk("issuer", sp_pass_builder_set_issuer(b,
		    "a-sixty-four-byte-issuer-name-at-the-ceiling-0123456789abcdefghi"));
		for (i = 0; i < 33; i++)
			chk("hh", sp_pass_builder_add_uint(b,
			    i % 2 ? SP_CLAIM_HOUSEHOLD_SIZE :
			    SP_CLAIM_BIRTH_YEAR, 1950 + i));
		return;
	}
}

/* An issued pass (malloc'd; free with sp_bytes_free). */
static uint8_t *
issue(size_t *len, enum shape s, const struct sp_key *issuer,
    const struct sp_key *holder, int64_t iat, int64_t exp, bool nbf)
{
	static const uint8_t salt_seed[] = FUZZ_SALT_SEED;
	struct sp_pass_builder *b = NULL;
	uint8_t cose[128], *out = NULL;
	size_t cose_len = sizeof(cose);

	chk("builder", sp_pass_builder_new(&b));
	chk("times", sp_pass_builder_set_times(b, iat, nbf ? iat + 60 : 0,
	    exp));
	chk("status", sp_pass_builder_set_status(b, 7, 1234));
	chk("holder cose", sp_key_public_cose(holder, cose, &cose_len));
	chk("holder", sp_pass_builder_set_holder(b, cose, cose_len));
	fill(b, s);
	chk("issue", sp_pass_issue(&out, len, b, issuer, salt_seed));
	sp_pass_builder_free(&b);
	return out;
}

static void
cred_seeds(void)
{
	static const struct {
		const char *name;
		enum shape s;
		bool iss_es256, hold_p256, nbf;
	} p[] = {
		{ "pass-ed-ed-one-claim.cbor", SHAPE_ONE, false, false, false },
		{ "pass-ed-ed-all-kinds.cbor", SHAPE_ALL, false, false, true },
		{ "pass-ed-ed-limits.cbor", SHAPE_LIMITS, false, false, false },
		{ "pass-ed-ed-wide-33.cbor", SHAPE_WIDE, false, false, false },
		{ "pass-es256-ed-all-kinds.cbor", SHAPE_ALL, true, false,
		    false },
		{ "pass-ed-p256holder-one-claim.cbor", SHAPE_ONE, false, true,
		    false },
		{ "pass-es256-p256holder-limits.cbor", SHAPE_LIMITS, true,
		    true, true },
	};
	uint8_t *pass, buf[4096];
	size_t i, len;

	mkdirs("cred");
	for (i = 0; i < sizeof(p) / sizeof(*p); i++) {
		pass = issue(&len, p[i].s, p[i].iss_es256 ? iss_p256 : iss_ed,
		    p[i].hold_p256 ? hold_p256 : hold_ed, FUZZ_IAT, FUZZ_EXP,
		    p[i].nbf);
		/* Flip a byte near the end: a disclosure value, which breaks
		 * the commitment but not the structure. */
		if (i < 3)
			put_variants("cred", p[i].name, pass, len, len - 2);
		else
			put("cred", p[i].name, pass, len);
		if (i == 1) {
			/* Version 2, and a 4-element outer array. */
			memcpy(buf, pass, len);
			buf[1] = 0x02;
			put("cred", "mut-version-2-pass-ed-ed-all-kinds.cbor",
			    buf, len);
			buf[1] = 0x01;
			buf[0] = 0x84;
			buf[len] = 0xf6;
			put("cred", "mut-array-4-pass-ed-ed-all-kinds.cbor",
			    buf, len + 1);
			/* A flip inside the credential's payload. */
			memcpy(buf, pass, len);
			buf[60] ^= 0x80;
			put("cred", "mut-payload-flip-60-pass-ed-ed-all-kinds.cbor",
			    buf, len);
		}
		sp_bytes_free(pass, len);
	}
	/* Signed by a key the harness does not trust; bound to a holder
	 * key the harness does not have; expired. */
	pass = issue(&len, SHAPE_ONE, iss_unknown, hold_ed, FUZZ_IAT,
	    FUZZ_EXP, false);
	put("cred", "pass-unknown-issuer-ed-one-claim.cbor", pass, len);
	sp_bytes_free(pass, len);
	pass = issue(&len, SHAPE_ONE, iss_ed, iss_unknown, FUZZ_IAT, FUZZ_EXP,
	    false);
	put("cred", "pass-foreign-holder-one-claim.cbor", pass, len);
	sp_bytes_free(pass, len);
	pass = issue(&len, SHAPE_ONE, iss_ed, hold_ed, FUZZ_NOW - 400 * 86400,
	    FUZZ_NOW - 30 * 86400, false);
	put("cred", "pass-expired-one-claim.cbor", pass, len);
	sp_bytes_free(pass, len);
}

/* ---- Presentations ----------------------------------------------------- */

static void
present_one(const char *name, enum shape s, bool iss_es256, bool hold_p,
    const struct sp_key *issuer_override, int64_t iat, int64_t exp,
    int64_t t, bool aud, bool nonce, bool offer, const int *disc,
    size_t ndisc, const char *const *scopes, size_t nscopes, bool variants,
    bool qr)
{
	static const uint8_t nonce_bytes[] = FUZZ_NONCE;
	const struct sp_key *issuer = issuer_override != NULL ?
	    issuer_override : iss_es256 ? iss_p256 : iss_ed;
	const struct sp_key *holder = hold_p ? hold_p256 : hold_ed;
	struct sp_present_opts o = {
		.time = t,
		.audience = aud ? FUZZ_AUDIENCE : NULL,
		.nonce = nonce ? nonce_bytes : NULL,
		.nonce_len = nonce ? sizeof(nonce_bytes) : 0,
		.offer = offer ? FUZZ_OFFER : 0,
		.counter = offer ? FUZZ_COUNTER : 0,
		.disclose = disc,
		.disclose_count = ndisc,
		.scopes = scopes,
		.scope_count = nscopes,
	};
	uint8_t *pass, *pres = NULL;
	size_t len, pres_len = 0;
	char *text = NULL, qname[256];

	pass = issue(&len, s, issuer, holder, iat, exp, false);
	chk(name, sp_present(&pres, &pres_len, pass, len, holder, &o));
	if (variants)
		put_variants("present", name, pres, pres_len, pres_len - 5);
	else
		put("present", name, pres, pres_len);
	if (qr) {
		chk("qr", sp_qr_encode(&text, pres, pres_len));
		snprintf(qname, sizeof(qname), "qr-%.*s.txt",
		    (int)(strlen(name) - strlen(".cbor")), name);
		put("present", qname, (const uint8_t *)text, strlen(text));
		free(text);
	}
	sp_bytes_free(pres, pres_len);
	sp_bytes_free(pass, len);
}

static void
present_seeds(void)
{
	static const int u18[] = { SP_CLAIM_AGE_UNDER_18 };
	static const int all[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	static const char *const all_scopes[] = { "sport", "culture",
	    "sport/2026", "swim" };
	static const struct {
		const char *name;
		int key;
		const char *scope;
	} kinds[] = {
		{ "disclose-pass-no.cbor", SP_CLAIM_PASS_NO, NULL },
		{ "disclose-name.cbor", SP_CLAIM_NAME, NULL },
		{ "disclose-birth-year.cbor", SP_CLAIM_BIRTH_YEAR, NULL },
		{ "disclose-age-under-12.cbor", SP_CLAIM_AGE_UNDER_12, NULL },
		{ "disclose-age-over-65.cbor", SP_CLAIM_AGE_OVER_65, NULL },
		{ "disclose-household-size.cbor", SP_CLAIM_HOUSEHOLD_SIZE,
		    NULL },
		{ "disclose-category-sport.cbor", 0, "sport" },
		{ "disclose-limit-tag-sport-2026.cbor", 0, "sport/2026" },
		{ "disclose-limit-key-swim.cbor", 0, "swim" },
	};
	size_t i;

	mkdirs("present");
	/* Issuer/holder combos, with and without audience, nonce, offer. */
	present_one("ed-ed-u18-plain.cbor", SHAPE_ONE, false, false, NULL,
	    FUZZ_IAT, FUZZ_EXP, FUZZ_NOW, false, false, false, u18, 1, NULL, 0,
	    true, true);
	present_one("ed-ed-u18-aud-nonce-offer.cbor", SHAPE_ONE, false, false,
	    NULL, FUZZ_IAT, FUZZ_EXP, FUZZ_NOW, true, true, true, u18, 1, NULL,
	    0, true, false);
	present_one("es256-ed-u18-aud.cbor", SHAPE_ONE, true, false, NULL,
	    FUZZ_IAT, FUZZ_EXP, FUZZ_NOW, true, false, false, u18, 1, NULL, 0,
	    false, false);
	present_one("ed-p256-u18-nonce.cbor", SHAPE_ONE, false, true, NULL,
	    FUZZ_IAT, FUZZ_EXP, FUZZ_NOW, false, true, false, u18, 1, NULL, 0,
	    false, false);
	present_one("es256-p256-all-aud-nonce-offer.cbor", SHAPE_ALL, true,
	    true, NULL, FUZZ_IAT, FUZZ_EXP, FUZZ_NOW, true, true, true, all, 10,
	    all_scopes, 4, true, true);
	present_one("es256-p256-limits-offer.cbor", SHAPE_LIMITS, true, true,
	    NULL, FUZZ_IAT, FUZZ_EXP, FUZZ_NOW, false, false, true, NULL, 0,
	    all_scopes, 4, false, false);
	present_one("ed-ed-all-disclosed.cbor", SHAPE_ALL, false, false, NULL,
	    FUZZ_IAT, FUZZ_EXP, FUZZ_NOW, true, true, false, all, 10,
	    all_scopes, 4, false, false);
	present_one("ed-ed-nothing-disclosed.cbor", SHAPE_ALL, false, false,
	    NULL, FUZZ_IAT, FUZZ_EXP, FUZZ_NOW, false, false, false, NULL, 0,
	    NULL, 0, false, false);
	present_one("ed-ed-wide-33-one.cbor", SHAPE_WIDE, false, false, NULL,
	    FUZZ_IAT, FUZZ_EXP, FUZZ_NOW, false, false, false,
	    (const int[]){ SP_CLAIM_BIRTH_YEAR }, 1, NULL, 0, false, false);
	/* Each claim kind disclosed alone from the all-kinds pass. */
	for (i = 0; i < sizeof(kinds) / sizeof(*kinds); i++) {
		char name[128];

		snprintf(name, sizeof(name), "ed-ed-%s", kinds[i].name);
		present_one(name, SHAPE_ALL, false, false, NULL, FUZZ_IAT,
		    FUZZ_EXP, FUZZ_NOW, false, false, false,
		    kinds[i].key != 0 ? &kinds[i].key : NULL,
		    kinds[i].key != 0 ? 1 : 0,
		    kinds[i].scope != NULL ? &kinds[i].scope : NULL,
		    kinds[i].scope != NULL ? 1 : 0, false, false);
	}
	/* Well-formed but rejected: checks late in the verifier. */
	present_one("bad-unknown-issuer.cbor", SHAPE_ONE, false, false,
	    iss_unknown, FUZZ_IAT, FUZZ_EXP, FUZZ_NOW, false, false, false,
	    u18, 1, NULL, 0, false, false);
	present_one("bad-expired-pass.cbor", SHAPE_ONE, false, false, NULL,
	    FUZZ_NOW - 400 * 86400, FUZZ_NOW - 30 * 86400, FUZZ_NOW, false,
	    false, false, u18, 1, NULL, 0, false, false);
	present_one("bad-not-yet-valid-pass.cbor", SHAPE_ONE, false, false,
	    NULL, FUZZ_NOW + 86400, FUZZ_EXP, FUZZ_NOW, false, false, false,
	    u18, 1, NULL, 0, false, false);
	present_one("bad-stale-time.cbor", SHAPE_ONE, false, false, NULL,
	    FUZZ_IAT, FUZZ_EXP, FUZZ_NOW - 3600, false, false, false, u18, 1,
	    NULL, 0, false, false);
	present_one("bad-future-time.cbor", SHAPE_ONE, false, false, NULL,
	    FUZZ_IAT, FUZZ_EXP, FUZZ_NOW + 3600, false, false, false, u18, 1,
	    NULL, 0, false, false);
}

int
main(int argc, char **argv)
{
	root = argc > 1 ? argv[1] : ".";
	cose_seeds();
	keys_init();
	cred_seeds();
	present_seeds();
	sp_key_free(&iss_ed);
	sp_key_free(&iss_p256);
	sp_key_free(&iss_unknown);
	sp_key_free(&hold_ed);
	sp_key_free(&hold_p256);
	printf("gen_corpus: wrote %u files\n", written);
	return 0;
}
