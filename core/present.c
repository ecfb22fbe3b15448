/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Holder and verifier sides of stadspas presentations: building one from
 * an issued pass (minimal disclosure + Merkle multiproof + key-binding
 * COSE_Sign1) and verifying one against a set of trusted issuer keys.
 */
#include "pass_int.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cose.h"
#include "hash.h"
#include "qrt.h"
#include "sp_buf.h"

/* ---- Parsing helpers -------------------------------------------------- */

/* Span of the next item (start and length); the reader moves past it. */
static int
item_span(struct cbor_reader *r, const uint8_t **p, size_t *len)
{
	const uint8_t *start = r->p;
	int ret;

	if ((ret = cbor_skip(r)) != SP_OK)
		return ret;
	*p = start;
	*len = (size_t)(r->p - start);
	return SP_OK;
}

/* One committed leaf as it appears in an issued pass or a presentation. */
struct leaf_view {
	const uint8_t *raw;	/* [salt, key, value] (issued pass only) */
	size_t raw_len;
	const uint8_t *salt, *key, *value;	/* raw item spans */
	size_t salt_len, key_len, value_len;
	uint64_t key_num;
	size_t idx;
};

/* Reads salt, key and value (three items) into v. Key 0 marks a padding
 * leaf (value null): allowed in an issued pass, never disclosed. */
static int
leaf_parts(struct cbor_reader *r, struct leaf_view *v, bool allow_padding)
{
	struct cbor_reader peek;
	const uint8_t *salt;
	size_t salt_len;
	int ret;

	if ((ret = item_span(r, &v->salt, &v->salt_len)) != SP_OK)
		return ret;
	cbor_reader_init(&peek, v->salt, v->salt_len);
	if (cbor_read_bstr(&peek, &salt, &salt_len) != SP_OK ||
	    salt_len != SD_SALT_LEN)
		return SP_ERR_DISCLOSURE;
	v->key = r->p;
	if ((ret = cbor_read_uint(r, &v->key_num)) != SP_OK)
		return ret == SP_ERR_CBOR_TYPE ? SP_ERR_DISCLOSURE : ret;
	if ((v->key_num == 0 && !allow_padding) || v->key_num > 255)
		return SP_ERR_DISCLOSURE;
	v->key_len = (size_t)(r->p - v->key);
	if (v->key_num == 0) {
		v->value = r->p;
		v->value_len = 1;
		return cbor_read_null(r) ? SP_OK : SP_ERR_CLAIMS;
	}
	return item_span(r, &v->value, &v->value_len);
}

/* The scope text of a limit leaf value [scope, bytes], or NULL. */
static bool
limit_scope(const struct leaf_view *v, const char **s, size_t *n,
    const uint8_t **bytes)
{
	struct cbor_reader r;
	uint64_t cnt;
	size_t blen;

	if (v->key_num != SP_CLAIM_LIMIT_TAG && v->key_num != SP_CLAIM_LIMIT_KEY)
		return false;
	cbor_reader_init(&r, v->value, v->value_len);
	if (cbor_read_array(&r, &cnt) != SP_OK || cnt != 2 ||
	    cbor_read_tstr(&r, s, n) != SP_OK ||
	    cbor_read_bstr(&r, bytes, &blen) != SP_OK || blen != SP_TAG_LEN)
		return false;
	return true;
}

/*
 * Opens a stadspas envelope [version, credential, ...] of n elements:
 * checks size and deterministic CBOR, leaves r after the credential and
 * decodes the credential's COSE_Sign1 (strict) into *cose.
 */
static int
envelope_open(struct cbor_reader *r, const uint8_t *buf, size_t len,
    uint64_t n, const uint8_t **cred, size_t *cred_len,
    struct cose_sign1 *cose)
{
	uint64_t got, ver;
	int ret;

	if (len > PASS_MAX_LEN)
		return SP_ERR_TOO_LARGE;
	if ((ret = cbor_check(buf, len, &pass_cbor_limits,
	    CBOR_F_DETERMINISTIC, NULL)) != SP_OK)
		return ret;
	cbor_reader_init(r, buf, len);
	if (cbor_read_array(r, &got) != SP_OK || got != n)
		return SP_ERR_CLAIMS;
	if (cbor_read_uint(r, &ver) != SP_OK || ver != PASS_FORMAT_VERSION)
		return SP_ERR_VERSION;
	if ((ret = item_span(r, cred, cred_len)) != SP_OK)
		return ret;
	return cose_sign1_decode(cose, *cred, *cred_len, COSE_F_STRICT);
}

/* ---- Presenting ------------------------------------------------------- */

struct issued_view {
	const uint8_t *cred;
	size_t cred_len;
	struct cose_sign1 cose;
	struct pass_claims claims;
	size_t n;
	struct leaf_view leaves[SD_MAX_LEAVES];
};

static int
issued_parse(struct issued_view *iv, const uint8_t *buf, size_t len)
{
	struct cbor_reader r;
	uint64_t n, i;
	int ret;

	if ((ret = envelope_open(&r, buf, len, 3, &iv->cred, &iv->cred_len,
	    &iv->cose)) != SP_OK)
		return ret;
	if ((ret = pass_claims_decode(&iv->claims, iv->cose.payload,
	    iv->cose.payload_len)) != SP_OK)
		return ret;
	if (cbor_read_array(&r, &n) != SP_OK || n != iv->claims.sd_count)
		return SP_ERR_CLAIMS;
	iv->n = (size_t)n;
	for (i = 0; i < n; i++) {
		struct leaf_view *v = &iv->leaves[i];
		uint64_t three;

		v->raw = r.p;
		if (cbor_read_array(&r, &three) != SP_OK || three != 3)
			return SP_ERR_CLAIMS;
		if ((ret = leaf_parts(&r, v, true)) != SP_OK)
			return ret;
		v->raw_len = (size_t)(r.p - v->raw);
		v->idx = (size_t)i;
	}
	return cbor_reader_done(&r) ? SP_OK : SP_ERR_CBOR_TRAILING;
}

static bool
int_listed(const int *list, size_t n, uint64_t key)
{
	size_t i;

	if (key == 0)	/* padding leaves are never disclosed */
		return false;
	for (i = 0; i < n; i++)
		if (list[i] >= 0 && (uint64_t)list[i] == key)
			return true;
	return false;
}

static bool
scope_listed(const char *const *scopes, size_t n, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (scopes[i] != NULL && strlen(scopes[i]) == len &&
		    memcmp(scopes[i], s, len) == 0)
			return true;
	return false;
}

/* True if the pass has a limit tag for exactly this scope. */
static bool
has_tag_for(const struct issued_view *iv, const char *scope, size_t len)
{
	const char *s;
	const uint8_t *bytes;
	size_t i, n;

	for (i = 0; i < iv->n; i++)
		if (iv->leaves[i].key_num == SP_CLAIM_LIMIT_TAG &&
		    limit_scope(&iv->leaves[i], &s, &n, &bytes) && n == len &&
		    memcmp(s, scope, len) == 0)
			return true;
	return false;
}

/* A limit key for category cat serves a scope "cat/period" for which the
 * pass has no ready tag (the till derives the period's tag from it). */
static bool
key_serves_scope(const struct issued_view *iv, const char *cat,
    size_t cat_len, const struct sp_present_opts *o)
{
	size_t i, n;

	for (i = 0; i < o->scope_count; i++) {
		const char *sc = o->scopes[i];

		if (sc == NULL)
			continue;
		n = strlen(sc);
		if (n > cat_len + 1 && memcmp(sc, cat, cat_len) == 0 &&
		    sc[cat_len] == '/' && !has_tag_for(iv, sc, n))
			return true;
	}
	return false;
}

/*
 * Minimal disclosure: a category claim for the scope naming it ("sport"),
 * a limit tag for its exact scope ("sport/2026"), a limit key only for a
 * scope of its category that no tag serves ("swim/2026-W48"), and every
 * claim whose key is in the disclose list.
 */
static bool
leaf_wanted(const struct issued_view *iv, const struct leaf_view *v,
    const struct sp_present_opts *o)
{
	const char *s;
	const uint8_t *bytes;
	size_t n;

	if (limit_scope(v, &s, &n, &bytes)) {
		if (v->key_num == SP_CLAIM_LIMIT_TAG)
			return scope_listed(o->scopes, o->scope_count, s, n);
		return key_serves_scope(iv, s, n, o);
	}
	if (v->key_num == SP_CLAIM_CATEGORY) {
		struct cbor_reader r;

		cbor_reader_init(&r, v->value, v->value_len);
		if (cbor_read_tstr(&r, &s, &n) == SP_OK &&
		    scope_listed(o->scopes, o->scope_count, s, n))
			return true;
	}
	return int_listed(o->disclose, o->disclose_count, v->key_num);
}

static int
kb_payload(struct sp_buf *out, const struct sp_present_opts *o)
{
	struct cbor_enc e;
	size_t n = 1;

	if (o->audience != NULL)
		n++;
	if (o->nonce != NULL)
		n++;
	if (o->offer != 0)
		n += 2;
	cbor_enc_init(&e, out);
	cbor_put_map(&e, n);
	cbor_put_uint(&e, KB_TIME);
	cbor_put_uint(&e, (uint64_t)o->time);
	if (o->audience != NULL) {
		cbor_put_uint(&e, KB_AUD);
		cbor_put_tstrz(&e, o->audience);
	}
	if (o->nonce != NULL) {
		cbor_put_uint(&e, KB_NONCE);
		cbor_put_bstr(&e, o->nonce, o->nonce_len);
	}
	if (o->offer != 0) {
		cbor_put_uint(&e, KB_OFFER);
		cbor_put_uint(&e, o->offer);
		cbor_put_uint(&e, KB_COUNTER);
		cbor_put_uint(&e, o->counter);
	}
	return cbor_enc_finish(&e);
}

static int
check_present_opts(const struct sp_present_opts *o)
{
	if (o == NULL || o->time < 0 || o->time > (int64_t)UINT32_MAX * 4 ||
	    (o->nonce == NULL) != (o->nonce_len == 0) ||
	    o->nonce_len > SP_NONCE_MAX ||
	    (o->audience != NULL && strlen(o->audience) > 64) ||
	    (o->disclose == NULL && o->disclose_count != 0) ||
	    (o->scopes == NULL && o->scope_count != 0))
		return SP_ERR_INVALID_ARG;
	return SP_OK;
}

/* The holder key must be the one the pass is bound to: compare the
 * canonical COSE_Key encodings (the issuer stores the canonical form). */
static int
holder_matches(const struct pass_claims *c, const struct sig_pub *holder)
{
	struct sp_buf mine;
	struct cbor_enc e;
	int r;

	sp_buf_init(&mine);
	cbor_enc_init(&e, &mine);
	cose_key_encode(&e, holder);
	if ((r = cbor_enc_finish(&e)) == SP_OK)
		r = mine.len == c->cnf_key_len &&
		    memcmp(mine.ptr, c->cnf_key, mine.len) == 0 ?
		    SP_OK : SP_ERR_KEY_MISMATCH;
	sp_buf_clear(&mine);
	return r;
}

/* Who signs the key binding: a key we hold, or an external signer whose
 * public key (decoded from its COSE_Key) is pub. */
struct kb_holder {
	const struct sp_key *key;
	const struct sp_signer *signer;
	const struct sig_pub *pub;
};

/*
 * Appends the key binding [h'', {}, payload, sig] signed by an external
 * signer over the Sig_structure with an empty protected header, exactly
 * as cose_sign1_sign(COSE_F_ALG_IMPLIED) does with a key we hold; the
 * signature is checked with the signer's public key before it is used.
 */
static int
kb_sign_external(struct sp_buf *pres, const struct kb_holder *h,
    const uint8_t *payload, size_t payload_len, const uint8_t *aad,
    size_t aad_len)
{
	uint8_t sig[SIG_MAX_LEN];
	struct sp_buf tbs;
	struct cbor_enc e;
	int r;

	sp_buf_init(&tbs);
	if ((r = cose_sig_structure(&tbs, NULL, 0, aad, aad_len, payload,
	    payload_len)) != SP_OK)
		goto fail;
	r = SP_ERR_WALLET_SIGNER;
	if (h->signer->sign(h->signer->ctx, sig, tbs.ptr, tbs.len) != 0)
		goto fail;
	if (sig_verify(h->pub, h->pub->alg, tbs.ptr, tbs.len, sig,
	    sizeof(sig)) != SP_OK)
		goto fail;
	cbor_enc_init(&e, pres);
	cbor_put_array(&e, 4);
	cbor_put_bstr(&e, NULL, 0);
	cbor_put_map(&e, 0);
	cbor_put_bstr(&e, payload, payload_len);
	cbor_put_bstr(&e, sig, sizeof(sig));
	r = cbor_enc_finish(&e);
fail:
	sodium_memzero(sig, sizeof(sig));
	sp_buf_clear(&tbs);
	return r;
}

static int
kb_sign(struct sp_buf *pres, const struct kb_holder *h,
    const uint8_t *payload, size_t payload_len, const uint8_t *aad,
    size_t aad_len)
{
	if (h->key != NULL)
		return cose_sign1_sign(pres, &h->key->priv, NULL, 0, -1,
		    payload, payload_len, aad, aad_len, COSE_F_ALG_IMPLIED);
	return kb_sign_external(pres, h, payload, payload_len, aad, aad_len);
}

static int
encode_disclosures(struct cbor_enc *e, const struct issued_view *iv,
    const bool *disclosed)
{
	size_t i, k = 0;

	for (i = 0; i < iv->n; i++)
		k += disclosed[i];
	cbor_put_array(e, k);
	for (i = 0; i < iv->n; i++) {
		const struct leaf_view *v = &iv->leaves[i];

		if (!disclosed[i])
			continue;
		cbor_put_array(e, 4);
		cbor_put_uint(e, i);
		cbor_put_raw(e, v->salt, v->salt_len);
		cbor_put_raw(e, v->key, v->key_len);
		cbor_put_raw(e, v->value, v->value_len);
	}
	return cbor_enc_finish(e);
}

/* sp_present and sp_present_signer: everything but who signs. */
static int
present_with(uint8_t **out, size_t *out_len, const uint8_t *issued,
    size_t issued_len, const struct kb_holder *holder,
    const struct sp_present_opts *opts)
{
	struct issued_view *iv = NULL;
	uint8_t hashes[SD_MAX_LEAVES][SD_HASH_LEN];
	uint8_t aad[crypto_hash_sha256_BYTES];
	bool disclosed[SD_MAX_LEAVES];
	struct sp_buf pres, proof, kbp;
	struct cbor_enc e;
	size_t i;
	int r = SP_ERR_INVALID_ARG;

	sp_buf_init(&pres);
	sp_buf_init(&proof);
	sp_buf_init(&kbp);
	if (out == NULL || out_len == NULL || issued == NULL ||
	    holder->pub == NULL || check_present_opts(opts) != SP_OK)
		goto fail;
	r = SP_ERR_NOMEM;
	if ((iv = calloc(1, sizeof(*iv))) == NULL)
		goto fail;
	if ((r = issued_parse(iv, issued, issued_len)) != SP_OK)
		goto fail;
	if ((r = holder_matches(&iv->claims, holder->pub)) != SP_OK)
		goto fail;
	for (i = 0; i < iv->n; i++) {
		sd_leaf_hash(hashes[i], iv->leaves[i].raw,
		    iv->leaves[i].raw_len);
		disclosed[i] = leaf_wanted(iv, &iv->leaves[i], opts);
	}
	if ((r = sd_proof_make(&proof, (const uint8_t (*)[SD_HASH_LEN])hashes,
	    iv->n, disclosed)) != SP_OK)
		goto fail;
	/* [version, credential, disclosures, proof, key binding] */
	cbor_enc_init(&e, &pres);
	cbor_put_array(&e, 5);
	cbor_put_uint(&e, PASS_FORMAT_VERSION);
	cbor_put_raw(&e, iv->cred, iv->cred_len);
	if ((r = encode_disclosures(&e, iv, disclosed)) != SP_OK)
		goto fail;
	cbor_put_bstr(&e, proof.ptr, proof.len);
	if ((r = cbor_enc_finish(&e)) != SP_OK)
		goto fail;
	if ((r = sp_sha256(aad, pres.ptr, pres.len)) != SP_OK)
		goto fail;
	if ((r = kb_payload(&kbp, opts)) != SP_OK)
		goto fail;
	if ((r = kb_sign(&pres, holder, kbp.ptr, kbp.len, aad,
	    sizeof(aad))) != SP_OK)
		goto fail;
	if ((*out = malloc(pres.len)) == NULL) {
		r = SP_ERR_NOMEM;
		goto fail;
	}
	memcpy(*out, pres.ptr, pres.len);
	*out_len = pres.len;
fail:
	free(iv);
	sp_buf_clear(&pres);
	sp_buf_clear(&proof);
	sp_buf_clear(&kbp);
	return r;
}

int
sp_present(uint8_t **out, size_t *out_len, const uint8_t *issued,
    size_t issued_len, const struct sp_key *holder,
    const struct sp_present_opts *opts)
{
	struct kb_holder h = {
		.key = holder,
		.pub = holder != NULL ? &holder->priv.pub : NULL,
	};

	return present_with(out, out_len, issued, issued_len, &h, opts);
}

int
sp_present_signer(uint8_t **out, size_t *out_len, const uint8_t *issued,
    size_t issued_len, const struct sp_signer *signer,
    const struct sp_present_opts *opts)
{
	struct kb_holder h = { .signer = signer };
	struct cbor_reader r;
	struct sig_pub pub;
	int ret;

	memset(&pub, 0, sizeof(pub));
	if (signer == NULL || signer->sign == NULL ||
	    signer->cose_key == NULL || signer->cose_key_len == 0 ||
	    signer->cose_key_len > 128)
		return SP_ERR_INVALID_ARG;
	if (signer->alg != SP_ALG_ES256 && signer->alg != SP_ALG_EDDSA)
		return SP_ERR_UNSUPPORTED_ALG;
	if ((ret = cbor_check(signer->cose_key, signer->cose_key_len,
	    &pass_cbor_limits, 0, NULL)) != SP_OK)
		return SP_ERR_KEY;
	cbor_reader_init(&r, signer->cose_key, signer->cose_key_len);
	if ((ret = cose_key_decode(&pub, &r)) != SP_OK)
		goto out;
	ret = SP_ERR_KEY_MISMATCH;
	if (pub.alg != signer->alg)
		goto out;
	h.pub = &pub;
	ret = present_with(out, out_len, issued, issued_len, &h, opts);
out:
	sig_pub_clear(&pub);
	return ret;
}

/* ---- QR strings ------------------------------------------------------- */

int
sp_qr_encode(char **out, const uint8_t *cbor, size_t len)
{
	struct sp_buf b;
	int r;

	if (out == NULL || cbor == NULL || len == 0)
		return SP_ERR_INVALID_ARG;
	sp_buf_init(&b);
	if ((r = qrt_encode(&b, QRT_SP1, cbor, len, QRT_ZLIB_AUTO)) == SP_OK &&
	    (r = sp_buf_cstr(&b)) == SP_OK) {
		if ((*out = malloc(b.len + 1)) == NULL)
			r = SP_ERR_NOMEM;
		else
			memcpy(*out, b.ptr, b.len + 1);
	}
	sp_buf_clear(&b);
	return r;
}

int
sp_qr_decode(uint8_t **out, size_t *out_len, const char *text,
    size_t text_len)
{
	enum qrt_kind kind;
	struct sp_buf b;
	int r;

	if (out == NULL || out_len == NULL || text == NULL)
		return SP_ERR_INVALID_ARG;
	/* Name a foreign payload as such before decoding it. */
	if ((r = qrt_kind(text, text_len, &kind)) != SP_OK)
		return r;
	if (kind != QRT_SP1)
		return SP_ERR_PREFIX;
	sp_buf_init(&b);
	r = qrt_decode(&b, &kind, text, text_len, PASS_MAX_LEN);
	if (r == SP_OK && kind != QRT_SP1)
		r = SP_ERR_PREFIX;
	if (r == SP_OK) {
		if ((*out = malloc(b.len > 0 ? b.len : 1)) == NULL) {
			r = SP_ERR_NOMEM;
		} else {
			if (b.len > 0)	/* b.ptr is NULL when empty */
				memcpy(*out, b.ptr, b.len);
			*out_len = b.len;
		}
	}
	sp_buf_clear(&b);
	return r;
}

/* ---- Trust ------------------------------------------------------------ */

#define TRUST_MAX 256

struct trust_entry {
	uint8_t kid[SP_KID_LEN];
	struct sig_pub key;
};

struct sp_trust {
	size_t n;
	struct trust_entry e[TRUST_MAX];
};

int
sp_trust_new(struct sp_trust **out)
{
	if (out == NULL)
		return SP_ERR_INVALID_ARG;
	if ((*out = calloc(1, sizeof(**out))) == NULL)
		return SP_ERR_NOMEM;
	return SP_OK;
}

void
sp_trust_free(struct sp_trust **tp)
{
	size_t i;

	if (tp == NULL || *tp == NULL)
		return;
	for (i = 0; i < (*tp)->n; i++)
		sig_pub_clear(&(*tp)->e[i].key);
	free(*tp);
	*tp = NULL;
}

int
sp_trust_add_cose_key(struct sp_trust *t, const uint8_t *key, size_t len)
{
	struct cbor_reader r;
	struct trust_entry *te;
	int ret;

	if (t == NULL || key == NULL || len == 0)
		return SP_ERR_INVALID_ARG;
	if (t->n >= TRUST_MAX)
		return SP_ERR_TOO_LARGE;
	if ((ret = cbor_check(key, len, &pass_cbor_limits, 0, NULL)) != SP_OK)
		return ret;
	te = &t->e[t->n];
	cbor_reader_init(&r, key, len);
	if ((ret = cose_key_decode(&te->key, &r)) != SP_OK)
		return ret;
	if ((ret = pass_kid_of(&te->key, te->kid)) != SP_OK) {
		sig_pub_clear(&te->key);
		return ret;
	}
	t->n++;
	return SP_OK;
}

/* ---- Verifying -------------------------------------------------------- */

struct disclosed_claim {
	int key;
	const uint8_t *value;
	size_t value_len;
};

struct sp_presentation {
	uint8_t *buf;		/* owned copy of the input */
	size_t len;
	struct pass_claims claims;
	uint8_t kid[SP_KID_LEN];
	int64_t time;
	uint64_t offer, counter;
	const char *aud;	/* borrowed from buf */
	size_t aud_len;
	const uint8_t *nonce;	/* borrowed from buf */
	size_t nonce_len;
	uint8_t replay_id[crypto_hash_sha256_BYTES];
	size_t n;
	struct disclosed_claim d[SD_MAX_LEAVES];
};

/* Parsed but unverified pieces of a presentation. */
struct pres_view {
	const uint8_t *cred;
	size_t cred_len;
	struct cose_sign1 cose;
	const uint8_t *proof;
	size_t proof_len;
	size_t kb_off;		/* start of the key binding in the buffer */
	struct cose_sign1 kb;
	size_t k;
	struct leaf_view d[SD_MAX_LEAVES];
};

static int
disclosures_parse(struct pres_view *pv, struct cbor_reader *r)
{
	uint64_t k, four, idx, i;
	int ret;

	if ((ret = cbor_read_array(r, &k)) != SP_OK)
		return ret;
	if (k > SD_MAX_LEAVES)
		return SP_ERR_DISCLOSURE;
	pv->k = (size_t)k;
	for (i = 0; i < k; i++) {
		if (cbor_read_array(r, &four) != SP_OK || four != 4 ||
		    cbor_read_uint(r, &idx) != SP_OK || idx >= SD_MAX_LEAVES)
			return SP_ERR_DISCLOSURE;
		pv->d[i].idx = (size_t)idx;
		if ((ret = leaf_parts(r, &pv->d[i], false)) != SP_OK)
			return ret;
	}
	return SP_OK;
}

static int
pres_parse(struct pres_view *pv, const uint8_t *buf, size_t len)
{
	struct cbor_reader r;
	const uint8_t *kb;
	size_t kb_len;
	int ret;

	if ((ret = envelope_open(&r, buf, len, 5, &pv->cred, &pv->cred_len,
	    &pv->cose)) != SP_OK)
		return ret;
	if ((ret = disclosures_parse(pv, &r)) != SP_OK)
		return ret;
	if (cbor_read_bstr(&r, &pv->proof, &pv->proof_len) != SP_OK)
		return SP_ERR_DISCLOSURE;
	pv->kb_off = (size_t)(r.p - buf);
	if ((ret = item_span(&r, &kb, &kb_len)) != SP_OK)
		return ret;
	if ((ret = cose_sign1_decode(&pv->kb, kb, kb_len, COSE_F_STRICT)) !=
	    SP_OK)
		return ret == SP_ERR_UNSUPPORTED_ALG ? SP_ERR_HOLDER_BINDING :
		    ret;
	return cbor_reader_done(&r) ? SP_OK : SP_ERR_CBOR_TRAILING;
}

int
trust_verify(const struct sp_trust *t, const struct cose_sign1 *m)
{
	size_t i;
	int ret = SP_ERR_UNKNOWN_KID;

	if (t == NULL || m == NULL || m->kid == NULL ||
	    m->kid_len != SP_KID_LEN)
		return SP_ERR_UNKNOWN_KID;
	/* kids are short; try every key that carries this one. */
	for (i = 0; i < t->n; i++) {
		if (memcmp(t->e[i].kid, m->kid, SP_KID_LEN) != 0)
			continue;
		ret = cose_sign1_verify(m, &t->e[i].key, NULL, 0, NULL, 0);
		if (ret == SP_OK)
			return SP_OK;
	}
	return ret;
}

static int
issuer_verify(const struct sp_trust *t, const struct cose_sign1 *c)
{
	if (c->kid != NULL && (!c->has_alg || !c->alg_protected))
		return SP_ERR_UNSUPPORTED_ALG;
	return trust_verify(t, c);
}

static int
validity_check(const struct pass_claims *c, const struct sp_verify_opts *o)
{
	if (o->now + (int64_t)o->skew < c->nbf)
		return SP_ERR_NOT_YET_VALID;
	if (o->now - (int64_t)o->skew >= c->exp)
		return SP_ERR_EXPIRED;
	return SP_OK;
}

static int
sd_check(const struct pres_view *pv, const struct pass_claims *c)
{
	uint8_t lh[SD_MAX_LEAVES][SD_HASH_LEN];
	size_t idx[SD_MAX_LEAVES], i;
	uint8_t root[SD_HASH_LEN];
	int ret;

	for (i = 0; i < pv->k; i++) {
		const struct leaf_view *v = &pv->d[i];

		idx[i] = v->idx;
		sd_leaf_hash_parts(lh[i], v->salt, v->salt_len, v->key,
		    v->key_len, v->value, v->value_len);
	}
	if ((ret = sd_proof_root(root, c->sd_count, idx,
	    (const uint8_t (*)[SD_HASH_LEN])lh, pv->k, pv->proof,
	    pv->proof_len)) != SP_OK)
		return ret;
	return sodium_memcmp(root, c->sd_root, SD_HASH_LEN) == 0 ? SP_OK :
	    SP_ERR_DISCLOSURE;
}

struct kb_fields {
	int64_t time;
	const char *aud;
	size_t aud_len;
	const uint8_t *nonce;
	size_t nonce_len;
	uint64_t offer, counter;
	bool has_offer, has_counter;
};

static int
kb_field(struct kb_fields *f, struct cbor_reader *r, uint64_t key)
{
	uint64_t t;
	int ret;

	switch (key) {
	case KB_TIME:
		if ((ret = cbor_read_uint(r, &t)) != SP_OK)
			return ret;
		if (t > (uint64_t)UINT32_MAX * 4)
			return SP_ERR_HOLDER_BINDING;
		f->time = (int64_t)t;
		return SP_OK;
	case KB_AUD:
		return cbor_read_tstr(r, &f->aud, &f->aud_len);
	case KB_NONCE:
		if ((ret = cbor_read_bstr(r, &f->nonce, &f->nonce_len)) != SP_OK)
			return ret;
		return f->nonce_len <= SP_NONCE_MAX ? SP_OK :
		    SP_ERR_HOLDER_BINDING;
	case KB_OFFER:
		f->has_offer = true;
		return cbor_read_uint(r, &f->offer);
	case KB_COUNTER:
		f->has_counter = true;
		return cbor_read_uint(r, &f->counter);
	default:
		return SP_ERR_HOLDER_BINDING;
	}
}

static int
kb_fields_decode(struct kb_fields *f, const uint8_t *p, size_t len)
{
	struct cbor_reader r;
	uint64_t n, i, key;

	memset(f, 0, sizeof(*f));
	f->time = -1;
	if (p == NULL || cbor_check(p, len, &pass_cbor_limits,
	    CBOR_F_DETERMINISTIC, NULL) != SP_OK)
		return SP_ERR_HOLDER_BINDING;
	cbor_reader_init(&r, p, len);
	if (cbor_read_map(&r, &n) != SP_OK)
		return SP_ERR_HOLDER_BINDING;
	for (i = 0; i < n; i++) {
		if (cbor_read_uint(&r, &key) != SP_OK)
			return SP_ERR_HOLDER_BINDING;
		if (kb_field(f, &r, key) != SP_OK)
			return SP_ERR_HOLDER_BINDING;
	}
	if (f->time < 0 || f->has_offer != f->has_counter)
		return SP_ERR_HOLDER_BINDING;
	return SP_OK;
}

static int
kb_check(const struct kb_fields *f, const struct sp_verify_opts *o)
{
	if (f->time > o->now + (int64_t)o->skew)
		return SP_ERR_FUTURE;
	if (o->now - f->time > (int64_t)o->max_age + (int64_t)o->skew)
		return SP_ERR_STALE;
	if (o->audience != NULL) {
		size_t n = strlen(o->audience);

		if (f->aud == NULL || f->aud_len != n ||
		    memcmp(f->aud, o->audience, n) != 0)
			return SP_ERR_AUDIENCE;
	}
	if (o->nonce != NULL) {
		if (f->nonce == NULL || f->nonce_len != o->nonce_len ||
		    sodium_memcmp(f->nonce, o->nonce, o->nonce_len) != 0)
			return SP_ERR_NONCE;
	}
	return SP_OK;
}

static int
holder_verify(const struct pres_view *pv, const struct pass_claims *c,
    const uint8_t *buf)
{
	uint8_t aad[crypto_hash_sha256_BYTES];
	struct cbor_reader r;
	struct sig_pub hk;
	int ret;

	cbor_reader_init(&r, c->cnf_key, c->cnf_key_len);
	if ((ret = cose_key_decode_vouched(&hk, &r)) != SP_OK)
		return SP_ERR_CLAIMS;
	if (sp_sha256(aad, buf, pv->kb_off) != SP_OK)
		return SP_ERR_INTERNAL;
	ret = cose_sign1_verify_keyalg(&pv->kb, &hk, aad, sizeof(aad));
	sig_pub_clear(&hk);
	return ret == SP_OK ? SP_OK : SP_ERR_HOLDER_BINDING;
}

static void
result_fill(struct sp_presentation *p, const struct pres_view *pv,
    const struct kb_fields *f)
{
	size_t i;

	memcpy(p->kid, pv->cose.kid, SP_KID_LEN);
	p->time = f->time;
	p->aud = f->aud;
	p->aud_len = f->aud_len;
	p->nonce = f->nonce;
	p->nonce_len = f->nonce_len;
	p->offer = f->has_offer ? f->offer : 0;
	p->counter = f->counter;
	(void)sp_sha256(p->replay_id, pv->kb.sig, pv->kb.sig_len);
	p->n = pv->k;
	for (i = 0; i < pv->k; i++) {
		p->d[i].key = (int)pv->d[i].key_num;
		p->d[i].value = pv->d[i].value;
		p->d[i].value_len = pv->d[i].value_len;
	}
}

static int
verify_into(struct sp_presentation *p, const struct sp_trust *t,
    const struct sp_verify_opts *o)
{
	struct pres_view *pv;
	struct kb_fields f;
	int r;

	if ((pv = calloc(1, sizeof(*pv))) == NULL)
		return SP_ERR_NOMEM;
	if ((r = pres_parse(pv, p->buf, p->len)) != SP_OK)
		goto fail;
	if ((r = issuer_verify(t, &pv->cose)) != SP_OK)
		goto fail;
	if ((r = pass_claims_decode(&p->claims, pv->cose.payload,
	    pv->cose.payload_len)) != SP_OK)
		goto fail;
	if ((r = validity_check(&p->claims, o)) != SP_OK)
		goto fail;
	if ((r = sd_check(pv, &p->claims)) != SP_OK)
		goto fail;
	if ((r = holder_verify(pv, &p->claims, p->buf)) != SP_OK)
		goto fail;
	if ((r = kb_fields_decode(&f, pv->kb.payload, pv->kb.payload_len)) !=
	    SP_OK)
		goto fail;
	if ((r = kb_check(&f, o)) != SP_OK)
		goto fail;
	result_fill(p, pv, &f);
fail:
	free(pv);
	return r;
}

int
sp_presentation_verify(struct sp_presentation **out, const struct sp_trust *t,
    const struct sp_verify_opts *opts, const uint8_t *buf, size_t len)
{
	struct sp_presentation *p;
	int r;

	if (out == NULL || t == NULL || opts == NULL || buf == NULL ||
	    len == 0 || (opts->nonce == NULL) != (opts->nonce_len == 0))
		return SP_ERR_INVALID_ARG;
	if (len > PASS_MAX_LEN)
		return SP_ERR_TOO_LARGE;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return SP_ERR_NOMEM;
	if ((p->buf = malloc(len)) == NULL) {
		free(p);
		return SP_ERR_NOMEM;
	}
	memcpy(p->buf, buf, len);
	p->len = len;
	if ((r = verify_into(p, t, opts)) != SP_OK) {
		sp_presentation_free(&p);
		return r;
	}
	*out = p;
	return SP_OK;
}

void
sp_presentation_free(struct sp_presentation **pp)
{
	if (pp == NULL || *pp == NULL)
		return;
	sp_bytes_free((*pp)->buf, (*pp)->len);
	sodium_memzero(*pp, sizeof(**pp));
	free(*pp);
	*pp = NULL;
}

void
sp_presentation_status(const struct sp_presentation *p, uint32_t *list,
    uint32_t *idx)
{
	*list = p->claims.status_list;
	*idx = p->claims.status_idx;
}

int64_t
sp_presentation_expiry(const struct sp_presentation *p)
{
	return p->claims.exp;
}

int64_t
sp_presentation_time(const struct sp_presentation *p)
{
	return p->time;
}

uint64_t
sp_presentation_offer(const struct sp_presentation *p, uint64_t *counter)
{
	if (counter != NULL)
		*counter = p->counter;
	return p->offer;
}

const char *
sp_presentation_audience(const struct sp_presentation *p, size_t *len)
{
	if (len != NULL)
		*len = p->aud_len;
	return p->aud;
}

const uint8_t *
sp_presentation_nonce(const struct sp_presentation *p, size_t *len)
{
	if (len != NULL)
		*len = p->nonce_len;
	return p->nonce;
}

int64_t
sp_presentation_issued(const struct sp_presentation *p)
{
	return p->claims.iat;
}

const char *
sp_presentation_issuer(const struct sp_presentation *p, size_t *len)
{
	if (len != NULL)
		*len = p->claims.iss_len;
	return p->claims.iss;
}

const uint8_t *
sp_presentation_kid(const struct sp_presentation *p)
{
	return p->kid;
}

void
sp_presentation_replay_id(const struct sp_presentation *p, uint8_t id[32])
{
	memcpy(id, p->replay_id, 32);
}

size_t
sp_presentation_claim_count(const struct sp_presentation *p)
{
	return p->n;
}

int
sp_presentation_claim(const struct sp_presentation *p, size_t i, int *key,
    const uint8_t **value, size_t *value_len)
{
	if (p == NULL || i >= p->n)
		return SP_ERR_NOT_FOUND;
	*key = p->d[i].key;
	*value = p->d[i].value;
	*value_len = p->d[i].value_len;
	return SP_OK;
}

bool
sp_presentation_has_true(const struct sp_presentation *p, int key)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (p->d[i].key == key && p->d[i].value_len == 1 &&
		    p->d[i].value[0] == 0xf5)
			return true;
	return false;
}

bool
sp_presentation_has_category(const struct sp_presentation *p,
    const char *category)
{
	size_t i, n = strlen(category), len;
	const char *s;

	for (i = 0; i < p->n; i++) {
		struct cbor_reader r;

		if (p->d[i].key != SP_CLAIM_CATEGORY)
			continue;
		cbor_reader_init(&r, p->d[i].value, p->d[i].value_len);
		if (cbor_read_tstr(&r, &s, &len) == SP_OK && len == n &&
		    memcmp(s, category, n) == 0)
			return true;
	}
	return false;
}

int
sp_presentation_limit_tag(const struct sp_presentation *p, const char *scope,
    uint8_t tag[SP_TAG_LEN])
{
	const char *slash = strchr(scope, '/'), *s;
	size_t i, n = strlen(scope), cat_len, len;
	const uint8_t *bytes;

	cat_len = slash != NULL ? (size_t)(slash - scope) : n;
	for (i = 0; i < p->n; i++) {
		struct leaf_view v = {
			.key_num = (uint64_t)p->d[i].key,
			.value = p->d[i].value,
			.value_len = p->d[i].value_len,
		};

		if (!limit_scope(&v, &s, &len, &bytes))
			continue;
		if (v.key_num == SP_CLAIM_LIMIT_TAG && len == n &&
		    memcmp(s, scope, n) == 0) {
			memcpy(tag, bytes, SP_TAG_LEN);
			return SP_OK;
		}
		if (v.key_num == SP_CLAIM_LIMIT_KEY && slash != NULL &&
		    len == cat_len && memcmp(s, scope, cat_len) == 0) {
			sp_limit_tag_derive(tag, bytes, SP_TAG_LEN, scope);
			return SP_OK;
		}
	}
	return SP_ERR_NOT_FOUND;
}
