/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Seed generator for fuzz_trustlist, fuzz_catalogue and fuzz_till_check,
 * from till_fixture.h (deterministic: fixed keys and salts, Ed25519).
 * Built by hand, on demand:
 *
 *   ninja -C build verifier/libspverifier.a
 *   gcc -std=c17 -D_GNU_SOURCE -Iinclude -Icore -Iregistry -Iverifier \
 *       tests/fuzz/gen_till_corpus.c build/verifier/libspverifier.a \
 *       build/registry/libspregistry.a build/core/libspcore.a \
 *       $(pkg-config --libs libsodium openssl zlib) -llmdb -lm \
 *       -o /tmp/gen_till_corpus
 *   /tmp/gen_till_corpus tests/fuzz/corpus
 */
#include <stdio.h>

#include "till_fixture.h"

static const char *root;

static void
put(const char *dir, const char *name, const uint8_t *p, size_t len)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s/%s", root, dir, name);
	if ((fp = fopen(path, "wb")) == NULL || fwrite(p, 1, len, fp) != len ||
	    fclose(fp) != 0) {
		perror(path);
		exit(1);
	}
}

static void
put_buf(const char *dir, const char *name, const struct sp_buf *b)
{
	put(dir, name, b->ptr, b->len);
}

static void
trustlists(const struct tf *t)
{
	struct sp_buf b, v;
	struct cbor_enc e;

	sp_buf_init(&b);
	sp_buf_init(&v);
	tf_chain(t, &b, 1);
	put_buf("trustlist", "v1.chain", &b);
	tf_chain(t, &b, 2);
	put_buf("trustlist", "v2.chain", &b);
	b.len -= 9;
	put_buf("trustlist", "truncated.chain", &b);
	tf_version(t, &v, 1);
	put_buf("trustlist", "version_not_chain.cose", &v);
	/* Version 2 twice: not consecutive. */
	tf_version(t, &v, 2);
	sp_buf_reset(&b);
	cbor_enc_init(&e, &b);
	cbor_put_array(&e, 2);
	cbor_put_bstr(&e, v.ptr, v.len);
	cbor_put_bstr(&e, v.ptr, v.len);
	if (cbor_enc_finish(&e) != SP_OK)
		abort();
	put_buf("trustlist", "v2_first.chain", &b);
	sp_buf_clear(&b);
	sp_buf_clear(&v);
}

static void
catalogues(const struct tf *t)
{
	struct sp_buf b, p;

	sp_buf_init(&b);
	sp_buf_init(&p);
	tf_catalogue(t, &b);
	put_buf("catalogue", "signed.cose", &b);
	b.len /= 2;
	put_buf("catalogue", "truncated.cose", &b);
	tf_catalogue_payload(t, &p);
	put_buf("catalogue", "payload.cbor", &p);
	tf_sign(t, &b, 1, &p);
	put_buf("catalogue", "signed_by_b.cose", &b);
	sp_buf_clear(&b);
	sp_buf_clear(&p);
}

static void
present(const struct tf *t, const uint8_t *issued, size_t ilen,
    const char *name, const char *aud, uint64_t offer, const char *scope,
    bool under18, bool nonce)
{
	static const int u18[] = { SP_CLAIM_AGE_UNDER_18 };
	static const uint8_t nc[8] = "tillnc1";
	const char *scopes[1] = { scope };
	struct sp_present_opts o = {
		.time = TF_NOW, .audience = aud, .offer = offer,
		.counter = offer != 0 ? 1 : 0,
		.disclose = under18 ? u18 : NULL, .disclose_count = under18,
		.scopes = scope != NULL ? scopes : NULL,
		.scope_count = scope != NULL,
		.nonce = nonce ? nc : NULL, .nonce_len = nonce ? 8 : 0,
	};
	uint8_t *p;
	size_t n;
	char *qr;

	if (sp_present(&p, &n, issued, ilen, t->holder, &o) != SP_OK)
		abort();
	put("till_check", name, p, n);
	if (strcmp(name, "museum.cbor") == 0) {
		if (sp_qr_encode(&qr, p, n) != SP_OK)
			abort();
		put("till_check", "museum.sp1", (const uint8_t *)qr,
		    strlen(qr));
		free(qr);
		put("till_check", "truncated.cbor", p, n - 20);
	}
	sp_bytes_free(p, n);
}

int
main(int argc, char **argv)
{
	struct tf t;
	uint8_t *issued;
	size_t ilen;

	if (argc != 2)
		return 2;
	root = argv[1];
	tf_init(&t);
	trustlists(&t);
	catalogues(&t);
	tf_issue(&t, 5, &issued, &ilen);
	present(&t, issued, ilen, "museum.cbor", "p1", 2, "culture", false,
	    false);
	present(&t, issued, ilen, "museum_nonce.cbor", "p1", 2, "culture",
	    false, true);
	present(&t, issued, ilen, "swim.cbor", "p1", 1, "swim/2026-W10",
	    true, false);
	present(&t, issued, ilen, "pass_only.cbor", NULL, 0, NULL, false,
	    false);
	present(&t, issued, ilen, "other_audience.cbor", "p2", 2, "culture",
	    false, false);
	sp_bytes_free(issued, ilen);
	tf_issue(&t, TF_REVOKED, &issued, &ilen);
	present(&t, issued, ilen, "revoked.cbor", "p1", 2, "culture", false,
	    false);
	sp_bytes_free(issued, ilen);
	tf_issue(&t, TF_SUSPENDED, &issued, &ilen);
	present(&t, issued, ilen, "suspended.cbor", "p1", 1, "swim/2026-W10",
	    true, false);
	sp_bytes_free(issued, ilen);
	tf_clear(&t);
	return 0;
}
