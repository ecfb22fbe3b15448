/* SPDX-License-Identifier: Apache-2.0 */
/*
 * draft-ietf-oauth-status-list examples (tests/vectors/external/
 * oauth-status-list): every status list in CBOR and JSON form decodes to
 * the statuses token_status_list_vectors.json lists (decompressed bytes are
 * compared, not the compressed lst), the Status List CWT decodes and
 * verifies with the example key, and the Referenced Token verifies.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cbor.h"
#include "check.h"
#include "cose.h"
#include "hash.h"
#include "status_list.h"
#include "testutil.h"

#define VDIR "external/oauth-status-list/"
#define MIB ((size_t)1 << 20)

struct tally {
	unsigned cbor_files, json_files, small, long_lists, entries_checked;
	unsigned reencoded, byte_identical;
	unsigned tokens, token_sig_flips, ref_tokens;
};

/* Reads tests/vectors/<VDIR><rel> as a NUL-terminated string. */
static int
read_text(struct sp_buf *out, const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), VDIR "%s", rel);
	if (tu_read_file(out, tu_vec_path(path)) != 0 ||
	    sp_buf_cstr(out) != SP_OK) {
		fprintf(stderr, "cannot read %s\n", tu_vec_path(path));
		return -1;
	}
	return 0;
}

/* The part after "encoded:" (the byte_array line is a comment). */
static const char *
encoded_part(const char *text)
{
	const char *p = strstr(text, "encoded:");

	return p != NULL ? p + strlen("encoded:") : text;
}

/* Hex wrapped over lines, as the *_cbor.md files hold it. */
static int
md_hex(struct sp_buf *out, const char *rel)
{
	struct sp_buf text, hex;
	const char *p;
	int r = -1;

	sp_buf_init(&text);
	sp_buf_init(&hex);
	if (read_text(&text, rel) != 0)
		goto out;
	for (p = encoded_part((const char *)text.ptr); *p != 0; p++)
		if (*p != ' ' && *p != '\n' && *p != '\r' && *p != '\t' &&
		    sp_buf_push(&hex, (uint8_t)*p) != SP_OK)
			goto out;
	if (sp_buf_cstr(&hex) != SP_OK)
		goto out;
	r = tu_hex(out, (const char *)hex.ptr);
out:
	sp_buf_clear(&text);
	sp_buf_clear(&hex);
	return r;
}

/*
 * A *_json.md file {"bits": n, "lst": "<base64url over lines>"} as the
 * equivalent CBOR object, laid out as the draft's CBOR examples are.
 */
static int
md_json_as_cbor(struct sp_buf *out, const char *rel)
{
	struct sp_buf text, b64, lst;
	struct cbor_enc e;
	const char *p, *q;
	unsigned long bits;
	int r = -1;

	sp_buf_init(&text);
	sp_buf_init(&b64);
	sp_buf_init(&lst);
	if (read_text(&text, rel) != 0)
		goto out;
	p = encoded_part((const char *)text.ptr);
	if ((q = strstr(p, "\"bits\":")) == NULL)
		goto out;
	bits = strtoul(q + strlen("\"bits\":"), NULL, 10);
	if ((q = strstr(p, "\"lst\":")) == NULL ||
	    (q = strchr(q + strlen("\"lst\":"), '"')) == NULL)
		goto out;
	for (q++; *q != '"'; q++) {
		if (*q == 0)
			goto out;
		if (*q != ' ' && *q != '\n' && *q != '\r' &&
		    sp_buf_push(&b64, (uint8_t)*q) != SP_OK)
			goto out;
	}
	if (sp_buf_cstr(&b64) != SP_OK ||
	    tu_b64(&lst, (const char *)b64.ptr, 1) != 0)
		goto out;
	sp_buf_reset(out);
	cbor_enc_init(&e, out);
	cbor_put_map(&e, 2);
	cbor_put_tstrz(&e, "bits");
	cbor_put_uint(&e, bits);
	cbor_put_tstrz(&e, "lst");
	cbor_put_bstr(&e, lst.ptr, lst.len);
	r = cbor_enc_finish(&e) == SP_OK ? 0 : -1;
out:
	sp_buf_clear(&text);
	sp_buf_clear(&b64);
	sp_buf_clear(&lst);
	return r;
}

static bool
hex_eq(const uint8_t *p, size_t n, const char *hex)
{
	char *h = tu_tohex(p, n);
	bool eq = h != NULL && hex != NULL && strcmp(h, hex) == 0;

	free(h);
	return eq;
}

/* The decoded list against the vector's expected statuses and bytes. */
static void
check_statuses(const struct reg_list *l, json_t *v, const char *file,
    struct tally *t)
{
	json_t *st = json_object_get(v, "statuses");
	json_t *listed = json_object_get(v, "listed_statuses");
	json_t *e;
	uint8_t sha[SP_SHA256_LEN];
	size_t i;
	uint32_t j, nonzero = 0, want_nonzero = 0;
	bool ok = true;

	CHECKF(l->bits == json_integer_value(json_object_get(v, "bits")),
	    "%s", file);
	CHECKF(l->count == json_integer_value(json_object_get(v,
	    "number_of_entries")), "%s: count %u", file, l->count);
	if (st != NULL) {
		CHECKF(json_array_size(st) == l->count, "%s", file);
		json_array_foreach(st, i, e) {
			ok = ok && i < l->count && reg_list_get(l,
			    (uint32_t)i) == json_integer_value(e);
			t->entries_checked++;
		}
		CHECKF(ok, "%s: statuses", file);
		CHECKF(hex_eq(l->bytes, l->len, json_string_value(
		    json_object_get(v, "uncompressed_hex"))), "%s", file);
		t->small++;
		return;
	}
	CHECKF(listed != NULL && json_array_size(listed) > 0, "%s", file);
	json_array_foreach(listed, i, e) {
		json_int_t idx = json_integer_value(json_object_get(e,
		    "index"));
		json_int_t s = json_integer_value(json_object_get(e,
		    "status"));

		ok = ok && idx >= 0 && idx < (json_int_t)l->count &&
		    reg_list_get(l, (uint32_t)idx) == s;
		want_nonzero += s != 0 ? 1u : 0u;
		t->entries_checked++;
	}
	CHECKF(ok, "%s: listed statuses", file);
	/* All the others are 0: the non-zero entries are exactly those. */
	for (j = 0; j < l->count; j++)
		nonzero += reg_list_get(l, j) != 0 ? 1u : 0u;
	CHECKF(nonzero == want_nonzero, "%s: %u non-zero, want %u", file,
	    nonzero, want_nonzero);
	CHECKF(l->len == (size_t)json_integer_value(json_object_get(v,
	    "uncompressed_length")), "%s: %zu bytes", file, l->len);
	CHECK(sp_sha256(sha, l->bytes, l->len) == SP_OK);
	CHECKF(hex_eq(sha, sizeof(sha), json_string_value(json_object_get(v,
	    "uncompressed_sha256"))), "%s: sha256", file);
	t->long_lists++;
}

/*
 * Re-encodes l: decoding that gives the same list, and encoding it again
 * the same bytes. Counts whether our encoding equals the draft's CBOR.
 */
static void
check_reencode(const struct reg_list *l, const struct sp_buf *orig,
    const char *file, struct tally *t)
{
	struct sp_buf a, b;
	struct reg_list d;

	sp_buf_init(&a);
	sp_buf_init(&b);
	CHECK(reg_list_encode(&a, l) == SP_OK);
	CHECK(reg_list_decode(&d, l->id, a.ptr, a.len, 8 * MIB) == SP_OK);
	CHECKF(reg_list_equal(&d, l), "%s: re-encoded", file);
	CHECK(reg_list_encode(&b, &d) == SP_OK);
	CHECK(a.len == b.len && memcmp(a.ptr, b.ptr, a.len) == 0);
	reg_list_clear(&d);
	t->reencoded++;
	/* Not a requirement (another zlib may compress differently): our
	 * zlib 9 happens to reproduce the draft's lst. */
	if (orig != NULL && orig->len == a.len &&
	    memcmp(orig->ptr, a.ptr, a.len) == 0)
		t->byte_identical++;
	sp_buf_clear(&a);
	sp_buf_clear(&b);
}

static void
run_list(json_t *v, struct tally *t)
{
	const char *files[2] = {
		json_string_value(json_object_get(v, "cbor_file")),
		json_string_value(json_object_get(v, "json_file")),
	};
	struct sp_buf cbor;
	struct reg_list l;
	size_t k;

	sp_buf_init(&cbor);
	for (k = 0; k < 2; k++) {
		int r;

		CHECK(files[k] != NULL);
		if (files[k] == NULL)
			continue;
		r = k == 0 ? md_hex(&cbor, files[k]) :
		    md_json_as_cbor(&cbor, files[k]);
		CHECKF(r == 0, "%s: unreadable", files[k]);
		if (r != 0)
			continue;
		if (k == 0) {
			CHECKF(json_object_get(v, "cbor_hex") == NULL ||
			    hex_eq(cbor.ptr, cbor.len, json_string_value(
			    json_object_get(v, "cbor_hex"))), "%s", files[k]);
			t->cbor_files++;
		} else {
			t->json_files++;
		}
		r = reg_list_decode(&l, 77, cbor.ptr, cbor.len, 8 * MIB);
		CHECKF(r == SP_OK, "%s: %s", files[k], sp_strerror(r));
		if (r != SP_OK)
			continue;
		CHECK(l.id == 77);
		check_statuses(&l, v, files[k], t);
		/* The JSON-derived CBOR is laid out as ours is, so it takes
		 * part in the byte-identity count too. */
		check_reencode(&l, &cbor, files[k], t);
		reg_list_clear(&l);
	}
	sp_buf_clear(&cbor);
}

static json_t *
token_vector(json_t *root, const char *file)
{
	json_t *tokens = json_object_get(root, "tokens");
	json_t *e;
	size_t i;

	json_array_foreach(tokens, i, e) {
		if (strcmp(json_string_value(json_object_get(e, "file")),
		    file) == 0)
			return e;
	}
	fprintf(stderr, "no vector for %s\n", file);
	exit(1);
}

static int
example_key(struct sig_pub *k, json_t *root)
{
	json_t *jk = json_object_get(root, "example_public_key");
	struct sp_buf x, y;
	int r = SP_ERR_KEY;

	sp_buf_init(&x);
	sp_buf_init(&y);
	if (tu_b64(&x, json_string_value(json_object_get(jk, "x")), 1) == 0 &&
	    tu_b64(&y, json_string_value(json_object_get(jk, "y")), 1) == 0 &&
	    x.len == 32 && y.len == 32)
		r = sig_pub_from_p256_xy(k, x.ptr, y.ptr);
	sp_buf_clear(&x);
	sp_buf_clear(&y);
	return r;
}

/*
 * Our token for the draft's values: its payload must equal the draft's
 * byte for byte (claim order, list layout) whenever our zlib reproduces
 * the draft's lst, which it does here.
 */
static void
check_our_payload(const struct reg_token *draft, const struct reg_list *l)
{
	struct sig_priv k;
	struct sp_buf tok, lst;
	struct reg_token ours;
	char sub[64];
	bool same_lst;

	CHECK(draft->sub_len < sizeof(sub));
	if (draft->sub_len >= sizeof(sub))
		return;
	memcpy(sub, draft->sub, draft->sub_len);
	sub[draft->sub_len] = 0;
	sp_buf_init(&tok);
	sp_buf_init(&lst);
	CHECK(sig_priv_generate(&k, SIG_ALG_ES256) == SP_OK);
	CHECK(reg_token_sign(&tok, l, &k, (const uint8_t *)"12", 2, sub,
	    draft->iat, draft->exp, draft->ttl) == SP_OK);
	CHECK(reg_token_decode(&ours, tok.ptr, tok.len) == SP_OK);
	CHECK(reg_token_verify(&ours, &k.pub) == SP_OK);
	CHECK(reg_list_encode(&lst, l) == SP_OK);
	same_lst = lst.len == draft->list_len &&
	    memcmp(lst.ptr, draft->list, lst.len) == 0;
	if (same_lst)
		CHECK(ours.cose.payload_len == draft->cose.payload_len &&
		    memcmp(ours.cose.payload, draft->cose.payload,
		    ours.cose.payload_len) == 0);
	else
		printf("note: this zlib compresses the draft's list "
		    "differently; payload identity not checked\n");
	/* The draft key does not verify our token, nor ours the draft's. */
	CHECK(reg_token_verify(draft, &k.pub) == SP_ERR_SIGNATURE);
	sig_priv_clear(&k);
	sp_buf_clear(&tok);
	sp_buf_clear(&lst);
}

static void
run_status_list_token(json_t *root, const struct sig_pub *key,
    struct tally *t)
{
	static const char file[] = "examples/status_list_cwt.md";
	json_t *v = token_vector(root, file);
	json_t *claims = json_object_get(v, "payload_claims");
	json_t *sl = json_object_get(claims, "65533");
	struct sp_buf buf;
	struct reg_token tok;
	struct reg_list l;
	size_t i;
	int r;

	sp_buf_init(&buf);
	CHECK(md_hex(&buf, file) == 0);
	r = reg_token_decode(&tok, buf.ptr, buf.len);
	CHECKF(r == SP_OK, "%s: %s", file, sp_strerror(r));
	if (r != SP_OK)
		goto out;
	CHECK(reg_token_verify(&tok, key) == SP_OK);
	CHECK(tok.cose.tagged && json_integer_value(json_object_get(v,
	    "cbor_tag")) == COSE_TAG_SIGN1);
	CHECK(tok.cose.alg == json_integer_value(json_object_get(
	    json_object_get(v, "protected"), "1")) && tok.cose.alg_protected);
	CHECK(tok.cose.typ_len == strlen(REG_TOKEN_TYP) &&
	    strcmp(json_string_value(json_object_get(json_object_get(v,
	    "protected"), "16")), REG_TOKEN_TYP) == 0);
	/* kid "12", in the unprotected header. */
	CHECK(hex_eq(tok.cose.kid, tok.cose.kid_len, json_string_value(
	    json_object_get(json_object_get(json_object_get(v,
	    "unprotected"), "4"), "hex"))));
	CHECK(tok.cose.kid > tok.cose.prot + tok.cose.prot_len);
	CHECK(tok.sub_len == strlen(json_string_value(json_object_get(claims,
	    "2"))) && memcmp(tok.sub, json_string_value(json_object_get(
	    claims, "2")), tok.sub_len) == 0);
	CHECK(tok.iat == json_integer_value(json_object_get(claims, "6")));
	CHECK(tok.exp == json_integer_value(json_object_get(claims, "4")));
	CHECK((json_int_t)tok.ttl == json_integer_value(json_object_get(
	    claims, "65534")));
	CHECK(reg_list_decode(&l, 1, tok.list, tok.list_len, MIB) == SP_OK);
	CHECK(l.bits == json_integer_value(json_object_get(sl, "bits")));
	{
		const uint8_t *lst;
		size_t lst_len;
		struct cbor_reader rd;
		uint64_t n;

		/* lst as received: the second value of the draft's map. */
		cbor_reader_init(&rd, tok.list, tok.list_len);
		CHECK(cbor_read_map(&rd, &n) == SP_OK && n == 2);
		CHECK(cbor_skip(&rd) == SP_OK && cbor_skip(&rd) == SP_OK &&
		    cbor_skip(&rd) == SP_OK);
		CHECK(cbor_read_bstr(&rd, &lst, &lst_len) == SP_OK);
		CHECK(hex_eq(lst, lst_len, json_string_value(json_object_get(
		    json_object_get(sl, "lst"), "hex"))));
	}
	/* Its list is the draft's 1-bit example. */
	CHECK(hex_eq(l.bytes, l.len, json_string_value(json_object_get(
	    json_array_get(json_object_get(root, "status_lists"), 0),
	    "uncompressed_hex"))));
	check_our_payload(&tok, &l);
	reg_list_clear(&l);
	/* Every byte of the signature matters. */
	for (i = 0; i < tok.cose.sig_len; i++) {
		size_t off = (size_t)(tok.cose.sig - buf.ptr) + i;
		struct reg_token bad;

		buf.ptr[off] ^= 0x01;
		CHECK(reg_token_decode(&bad, buf.ptr, buf.len) == SP_OK);
		CHECK(reg_token_verify(&bad, key) == SP_ERR_SIGNATURE);
		buf.ptr[off] ^= 0x01;
		t->token_sig_flips++;
	}
	t->tokens++;
out:
	sp_buf_clear(&buf);
}

/* The Referenced Token: COSE-verify it and read claim 65535. */
static void
run_referenced_token(json_t *root, const struct sig_pub *key,
    struct tally *t)
{
	static const char file[] = "examples/referenced_token_cwt.md";
	json_t *v = token_vector(root, file);
	json_t *want = json_object_get(json_object_get(json_object_get(v,
	    "payload_claims"), "65535"), "status_list");
	struct sp_buf buf;
	struct cose_sign1 m;
	struct reg_token tok;
	struct cbor_reader r;
	struct cbor_item k;
	uint64_t n, i, idx = UINT64_MAX;
	const char *uri = NULL;
	size_t uri_len = 0;
	bool found = false;

	sp_buf_init(&buf);
	CHECK(md_hex(&buf, file) == 0);
	CHECK(cose_sign1_decode(&m, buf.ptr, buf.len, 0) == SP_OK);
	CHECK(cose_sign1_verify(&m, key, NULL, 0, NULL, 0) == SP_OK);
	/* Not a Status List Token: no typ. */
	CHECK(reg_token_decode(&tok, buf.ptr, buf.len) == SP_ERR_COSE_HEADER);
	CHECK(cbor_check(m.payload, m.payload_len, NULL, 0, NULL) == SP_OK);
	cbor_reader_init(&r, m.payload, m.payload_len);
	CHECK(cbor_read_map(&r, &n) == SP_OK);
	for (i = 0; i < n && r.err == SP_OK; i++) {
		uint64_t n2, n3;
		const char *s;
		size_t sl;

		CHECK(cbor_read(&r, &k) == SP_OK);
		if (k.major != CBOR_UINT || k.val != 65535) {
			CHECK(cbor_skip(&r) == SP_OK);
			continue;
		}
		/* {"status_list": {"idx": uint, "uri": tstr}} */
		CHECK(cbor_read_map(&r, &n2) == SP_OK && n2 == 1);
		CHECK(cbor_read_tstr(&r, &s, &sl) == SP_OK && sl == 11 &&
		    memcmp(s, "status_list", 11) == 0);
		CHECK(cbor_read_map(&r, &n3) == SP_OK && n3 == 2);
		while (n3-- > 0 && r.err == SP_OK) {
			CHECK(cbor_read(&r, &k) == SP_OK &&
			    k.major == CBOR_TSTR && k.len == 3);
			if (memcmp(k.ptr, "idx", 3) == 0)
				CHECK(cbor_read_uint(&r, &idx) == SP_OK);
			else
				CHECK(cbor_read_tstr(&r, &uri, &uri_len) ==
				    SP_OK);
		}
		found = true;
	}
	CHECK(found);
	CHECK((json_int_t)idx == json_integer_value(json_object_get(want,
	    "idx")));
	CHECK(uri != NULL && uri_len == strlen(json_string_value(
	    json_object_get(want, "uri"))) && memcmp(uri, json_string_value(
	    json_object_get(want, "uri")), uri_len) == 0);
	/* A changed signature byte fails. */
	buf.ptr[buf.len - 1] ^= 0x80;
	CHECK(cose_sign1_decode(&m, buf.ptr, buf.len, 0) == SP_OK);
	CHECK(cose_sign1_verify(&m, key, NULL, 0, NULL, 0) ==
	    SP_ERR_SIGNATURE);
	t->ref_tokens++;
	sp_buf_clear(&buf);
}

int
main(void)
{
	json_t *root = tu_load_json(VDIR "token_status_list_vectors.json");
	struct tally t = { 0 };
	struct sig_pub key;
	json_t *lists, *v;
	size_t i;

	if (sodium_init() < 0)
		return 1;
	lists = json_object_get(root, "status_lists");
	json_array_foreach(lists, i, v) {
		run_list(v, &t);
	}
	CHECK(t.cbor_files == 6 && t.json_files == 6);
	CHECK(t.small == 4 && t.long_lists == 8);
	CHECK(example_key(&key, root) == SP_OK);
	run_status_list_token(root, &key, &t);
	run_referenced_token(root, &key, &t);
	sig_pub_clear(&key);
	printf("status lists: %u CBOR + %u JSON files (%u small, %u "
	    "2^20-entry), %u listed entries checked\n", t.cbor_files,
	    t.json_files, t.small, t.long_lists, t.entries_checked);
	printf("re-encoded: %u, byte-identical to the draft's CBOR: %u\n",
	    t.reencoded, t.byte_identical);
	printf("status list tokens: %u (signature flips refused: %u), "
	    "referenced tokens: %u\n", t.tokens, t.token_sig_flips,
	    t.ref_tokens);
	json_decref(root);
	return check_report("vec_status_list");
}
