/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Runs every case of the Wycheproof Ed25519 and ECDSA P-256/SHA-256 (raw
 * r||s and DER) verification files through core/sig.c. "valid" must verify,
 * "invalid" must be rejected, "acceptable" may go either way.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "sig.h"
#include "testutil.h"

enum wp_kind {
	WP_ED25519,
	WP_P1363,
	WP_DER,
};

struct wp_count {
	unsigned int cases;
	unsigned int valid_ok;
	unsigned int invalid_rejected;
	unsigned int acceptable;
	unsigned int mismatches;
	unsigned int bad_keys;	/* groups whose key failed to import */
};

static const char *
jstr(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	if (s == NULL) {
		fprintf(stderr, "vector field %s missing\n", key);
		exit(1);
	}
	return s;
}

static void
hex_or_die(struct sp_buf *b, const char *hex)
{
	if (tu_hex(b, hex) != 0) {
		fprintf(stderr, "bad hex in vector: %.40s\n", hex);
		exit(1);
	}
}

static int
verify_one(enum wp_kind kind, const struct sig_pub *k,
    const struct sp_buf *msg, const struct sp_buf *sig)
{
	switch (kind) {
	case WP_ED25519:
		return sig_verify(k, SIG_ALG_EDDSA, msg->ptr, msg->len,
		    sig->ptr, sig->len);
	case WP_P1363:
		return sig_verify(k, SIG_ALG_ES256, msg->ptr, msg->len,
		    sig->ptr, sig->len);
	case WP_DER:
	default:
		return sig_verify_der(k, msg->ptr, msg->len, sig->ptr,
		    sig->len);
	}
}

/*
 * Imports the group key twice: from its raw form and from publicKeyDer
 * (SPKI). Both must agree. For P-256 the compressed form must import to
 * the same key as well.
 */
static int
import_group_key(enum wp_kind kind, const json_t *g, struct sig_pub *kraw,
    struct sig_pub *kspki)
{
	const json_t *pk = json_object_get(g, "publicKey");
	struct sp_buf b;
	int alg = kind == WP_ED25519 ? SIG_ALG_EDDSA : SIG_ALG_ES256;
	int r1, r2;

	sp_buf_init(&b);
	hex_or_die(&b, jstr(pk, kind == WP_ED25519 ? "pk" : "uncompressed"));
	r1 = sig_pub_from_raw(kraw, alg, b.ptr, b.len);
	hex_or_die(&b, jstr(g, "publicKeyDer"));
	r2 = sig_pub_from_spki(kspki, b.ptr, b.len);
	CHECKF(r1 == r2, "raw import %d, SPKI import %d", r1, r2);
	if (r1 == SP_OK && r2 == SP_OK) {
		struct sig_pub kc;
		uint8_t comp[33];
		size_t comp_len = 0;

		CHECK(kraw->alg == alg && kspki->alg == alg);
		CHECK(kraw->raw_len == kspki->raw_len &&
		    memcmp(kraw->raw, kspki->raw, kraw->raw_len) == 0);
		CHECK(sig_pub_compressed(kraw, comp, &comp_len) == SP_OK);
		CHECK(sig_pub_from_raw(&kc, alg, comp, comp_len) == SP_OK);
		CHECK(kc.raw_len == kraw->raw_len &&
		    memcmp(kc.raw, kraw->raw, kc.raw_len) == 0);
		sig_pub_clear(&kc);
	}
	sp_buf_clear(&b);
	return r1 != SP_OK ? r1 : r2;
}

static void
run_file(const char *label, const char *rel, enum wp_kind kind)
{
	json_t *root = tu_load_json(rel);
	const json_t *groups = json_object_get(root, "testGroups");
	struct wp_count c = { .cases = 0 };
	struct sp_buf msg, sig;
	size_t gi, ti;

	sp_buf_init(&msg);
	sp_buf_init(&sig);
	CHECK(json_array_size(groups) > 0);
	for (gi = 0; gi < json_array_size(groups); gi++) {
		const json_t *g = json_array_get(groups, gi);
		const json_t *tests = json_object_get(g, "tests");
		struct sig_pub kraw, kspki;
		int kr = import_group_key(kind, g, &kraw, &kspki);

		if (kr != SP_OK)
			c.bad_keys++;
		for (ti = 0; ti < json_array_size(tests); ti++) {
			const json_t *t = json_array_get(tests, ti);
			const char *result = jstr(t, "result");
			int id = (int)json_integer_value(json_object_get(t,
			    "tcId"));
			int v1 = kr, v2 = kr, accepted;

			c.cases++;
			hex_or_die(&msg, jstr(t, "msg"));
			hex_or_die(&sig, jstr(t, "sig"));
			if (kr == SP_OK) {
				v1 = verify_one(kind, &kraw, &msg, &sig);
				v2 = verify_one(kind, &kspki, &msg, &sig);
			}
			CHECKF(v1 == v2, "%s tcId %d: %d vs %d", label, id,
			    v1, v2);
			/* A rejection must say why: bad key or bad sig. */
			CHECKF(v1 == SP_OK || v1 == SP_ERR_SIGNATURE ||
			    (kr != SP_OK && v1 == SP_ERR_KEY),
			    "%s tcId %d: unexpected code %d", label, id, v1);
			accepted = v1 == SP_OK && v2 == SP_OK;
			if (strcmp(result, "acceptable") == 0) {
				c.acceptable++;
			} else if (strcmp(result, "valid") == 0 && accepted) {
				c.valid_ok++;
			} else if (strcmp(result, "invalid") == 0 &&
			    !accepted) {
				c.invalid_rejected++;
			} else {
				c.mismatches++;
				fprintf(stderr, "%s tcId %d: expected %s, got "
				    "%d (%s)\n", label, id, result, v1,
				    jstr(t, "comment"));
			}
		}
		sig_pub_clear(&kraw);
		sig_pub_clear(&kspki);
	}
	printf("wycheproof %s: %u cases: %u valid ok, %u invalid rejected, "
	    "%u acceptable, %u mismatches", label, c.cases, c.valid_ok,
	    c.invalid_rejected, c.acceptable, c.mismatches);
	if (c.bad_keys != 0)
		printf(" (%u groups with an unusable key)", c.bad_keys);
	printf("\n");
	CHECKF(c.cases == (unsigned int)json_integer_value(
	    json_object_get(root, "numberOfTests")), "%s: case count", label);
	CHECK(c.mismatches == 0);
	CHECK(c.valid_ok > 0 && c.invalid_rejected > 0);
	sp_buf_clear(&msg);
	sp_buf_clear(&sig);
	json_decref(root);
}

int
main(void)
{
	run_file("ed25519", "external/wycheproof/ed25519_test.json",
	    WP_ED25519);
	run_file("ecdsa-p256-sha256-p1363",
	    "external/wycheproof/ecdsa_secp256r1_sha256_p1363_test.json",
	    WP_P1363);
	run_file("ecdsa-p256-sha256-der",
	    "external/wycheproof/ecdsa_secp256r1_sha256_test.json", WP_DER);
	return check_report("vec_wycheproof");
}
