/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The five Ed25519 test vectors of RFC 8032 section 7.1: key derivation from
 * the seed, deterministic signing and verification through core/sig.c.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "sig.h"
#include "testutil.h"

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

/* Runs one vector; returns 1 if every check on it passed. */
static int
run_vector(const json_t *t, size_t idx)
{
	const char *name = jstr(t, "name");
	struct sp_buf seed, pk, msg, sig;
	struct sig_priv priv;
	struct sig_pub pub;
	uint8_t out[SIG_MAX_LEN], exported[SIG_SEED_LEN];
	size_t out_len = 0;
	unsigned int failed_before = check_failed;

	sp_buf_init(&seed);
	sp_buf_init(&pk);
	sp_buf_init(&msg);
	sp_buf_init(&sig);
	hex_or_die(&seed, jstr(t, "secret_key"));
	hex_or_die(&pk, jstr(t, "public_key"));
	hex_or_die(&msg, jstr(t, "message"));
	hex_or_die(&sig, jstr(t, "signature"));
	CHECKF(seed.len == SIG_SEED_LEN && pk.len == SIG_ED25519_PK_LEN &&
	    sig.len == SIG_MAX_LEN, "%s: field sizes", name);
	CHECKF(strcmp(jstr(t, "result"), "valid") == 0, "%s: result", name);
	if (check_failed != failed_before)
		goto done;

	/* The public key derived from the seed. */
	CHECKF(sig_priv_from_seed(&priv, SIG_ALG_EDDSA, seed.ptr) == SP_OK,
	    "%s: from_seed", name);
	CHECKF(priv.pub.raw_len == pk.len &&
	    memcmp(priv.pub.raw, pk.ptr, pk.len) == 0, "%s: public key",
	    name);
	CHECKF(sig_priv_export(&priv, exported) == SP_OK &&
	    memcmp(exported, seed.ptr, SIG_SEED_LEN) == 0, "%s: export",
	    name);

	/* The deterministic signature. */
	CHECKF(sig_sign(&priv, out, &out_len, msg.ptr, msg.len) == SP_OK &&
	    out_len == sig.len && memcmp(out, sig.ptr, sig.len) == 0,
	    "%s: signature", name);
	sig_priv_clear(&priv);

	/* Verification from the published public key. */
	CHECKF(sig_pub_from_raw(&pub, SIG_ALG_EDDSA, pk.ptr, pk.len) == SP_OK,
	    "%s: import", name);
	CHECKF(sig_verify(&pub, SIG_ALG_EDDSA, msg.ptr, msg.len, sig.ptr,
	    sig.len) == SP_OK, "%s: verify", name);
	/* One flipped bit, a different one per vector, in R and in S. */
	sig.ptr[idx * 7 % 32] ^= (uint8_t)(1u << (idx % 8));
	CHECKF(sig_verify(&pub, SIG_ALG_EDDSA, msg.ptr, msg.len, sig.ptr,
	    sig.len) == SP_ERR_SIGNATURE, "%s: flipped R bit", name);
	sig.ptr[idx * 7 % 32] ^= (uint8_t)(1u << (idx % 8));
	sig.ptr[32 + idx * 5 % 32] ^= (uint8_t)(1u << ((idx + 3) % 8));
	CHECKF(sig_verify(&pub, SIG_ALG_EDDSA, msg.ptr, msg.len, sig.ptr,
	    sig.len) == SP_ERR_SIGNATURE, "%s: flipped S bit", name);
	sig_pub_clear(&pub);
done:
	sp_buf_clear(&seed);
	sp_buf_clear(&pk);
	sp_buf_clear(&msg);
	sp_buf_clear(&sig);
	return check_failed == failed_before;
}

int
main(void)
{
	json_t *root = tu_load_json(
	    "external/rfc8032-ed25519/rfc8032_ed25519_test_vectors.json");
	const json_t *tests = json_object_get(root, "tests");
	size_t i, n = json_array_size(tests), passed = 0;

	CHECK(n == 5);
	for (i = 0; i < n; i++)
		passed += (size_t)run_vector(json_array_get(tests, i), i);
	printf("rfc8032: %zu/%zu vectors passed\n", passed, n);
	json_decref(root);
	return check_report("vec_ed25519_rfc8032");
}
