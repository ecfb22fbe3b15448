/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Issuer side of pass credentials: keys, the claims builder, issuing (CWT
 * in COSE_Sign1 with a Merkle commitment to salted claims), and decoding
 * of pass claims shared with the verifier.
 */
#include "pass_int.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cose.h"
#include "sp_buf.h"

const struct cbor_limits pass_cbor_limits = {
	.max_len = PASS_MAX_LEN,
	.max_depth = 8,
	.max_items = 512,
	.max_count = SD_MAX_LEAVES,
	.max_str = 1024,
};

static const char *const claim_names[] = {
	[SP_CLAIM_PASS_NO] = "pass_no",
	[SP_CLAIM_NAME] = "name",
	[SP_CLAIM_BIRTH_YEAR] = "birth_year",
	[SP_CLAIM_AGE_UNDER_12] = "age_under_12",
	[SP_CLAIM_AGE_UNDER_18] = "age_under_18",
	[SP_CLAIM_AGE_OVER_65] = "age_over_65",
	[SP_CLAIM_CATEGORY] = "category",
	[SP_CLAIM_HOUSEHOLD_SIZE] = "household_size",
	[SP_CLAIM_LIMIT_TAG] = "limit_tag",
	[SP_CLAIM_LIMIT_KEY] = "limit_key",
};

const char *
sp_claim_name(int key)
{
	if (key <= 0 || (size_t)key >= sizeof(claim_names) / sizeof(*claim_names))
		return NULL;
	return claim_names[key];
}

void
sp_bytes_free(void *p, size_t len)
{
	if (p == NULL)
		return;
	sodium_memzero(p, len);
	free(p);
}

/* Moves a buffer's bytes to a malloc'd block the caller owns. */
static int
buf_export(uint8_t **out, size_t *out_len, struct sp_buf *b)
{
	uint8_t *p = malloc(b->len > 0 ? b->len : 1);

	if (p == NULL)
		return SP_ERR_NOMEM;
	if (b->len > 0)
		memcpy(p, b->ptr, b->len);
	*out = p;
	*out_len = b->len;
	return SP_OK;
}

/* ---- Keys ------------------------------------------------------------- */

static int
key_wrap(struct sp_key **out, struct sig_priv *priv)
{
	struct sp_key *k = calloc(1, sizeof(*k));

	if (k == NULL) {
		sig_priv_clear(priv);
		return SP_ERR_NOMEM;
	}
	k->priv = *priv;	/* ownership of sk/ossl moves into k */
	sodium_memzero(priv, sizeof(*priv));
	*out = k;
	return SP_OK;
}

int
sp_key_generate(struct sp_key **out, int alg)
{
	struct sig_priv priv;
	int r;

	if (out == NULL)
		return SP_ERR_INVALID_ARG;
	memset(&priv, 0, sizeof(priv));
	if ((r = sig_priv_generate(&priv, alg)) != SP_OK)
		return r;
	return key_wrap(out, &priv);
}

int
sp_key_from_seed(struct sp_key **out, int alg, const uint8_t seed[SP_SEED_LEN])
{
	struct sig_priv priv;
	int r;

	if (out == NULL || seed == NULL)
		return SP_ERR_INVALID_ARG;
	memset(&priv, 0, sizeof(priv));
	if ((r = sig_priv_from_seed(&priv, alg, seed)) != SP_OK)
		return r;
	return key_wrap(out, &priv);
}

int
sp_key_export_seed(const struct sp_key *k, uint8_t seed[SP_SEED_LEN])
{
	if (k == NULL || seed == NULL)
		return SP_ERR_INVALID_ARG;
	return sig_priv_export(&k->priv, seed);
}

int
sp_key_alg(const struct sp_key *k)
{
	return k != NULL ? k->priv.alg : 0;
}

static int
cose_key_bytes(struct sp_buf *out, const struct sig_pub *k)
{
	struct cbor_enc e;

	cbor_enc_init(&e, out);
	cose_key_encode(&e, k);
	return cbor_enc_finish(&e);
}

int
pass_kid_of(const struct sig_pub *k, uint8_t kid[SP_KID_LEN])
{
	uint8_t h[crypto_hash_sha256_BYTES];
	struct sp_buf b;
	int r;

	sp_buf_init(&b);
	if ((r = cose_key_bytes(&b, k)) == SP_OK) {
		crypto_hash_sha256(h, b.ptr, b.len);
		memcpy(kid, h, SP_KID_LEN);
	}
	sp_buf_clear(&b);
	return r;
}

void
sp_key_kid(const struct sp_key *k, uint8_t kid[SP_KID_LEN])
{
	if (pass_kid_of(&k->priv.pub, kid) != SP_OK)
		memset(kid, 0, SP_KID_LEN);
}

int
sp_key_public_cose(const struct sp_key *k, uint8_t *out, size_t *len)
{
	struct sp_buf b;
	int r;

	if (k == NULL || out == NULL || len == NULL)
		return SP_ERR_INVALID_ARG;
	sp_buf_init(&b);
	if ((r = cose_key_bytes(&b, &k->priv.pub)) == SP_OK) {
		if (b.len > *len) {
			r = SP_ERR_BUFFER_SMALL;
		} else {
			memcpy(out, b.ptr, b.len);
			*len = b.len;
		}
	}
	sp_buf_clear(&b);
	return r;
}

void
sp_key_free(struct sp_key **kp)
{
	if (kp == NULL || *kp == NULL)
		return;
	sig_priv_clear(&(*kp)->priv);
	sodium_memzero(*kp, sizeof(**kp));
	free(*kp);
	*kp = NULL;
}

/* ---- Builder ---------------------------------------------------------- */

struct leaf {
	int key;
	struct sp_buf value;	/* encoded CBOR value */
};

struct sp_pass_builder {
	char iss[PASS_MAX_ISS + 1];
	int64_t iat, nbf, exp;
	bool has_status;
	uint32_t list, idx;
	struct sp_buf holder;	/* COSE_Key bytes */
	struct leaf leaves[SD_MAX_LEAVES];
	size_t n;
};

int
sp_pass_builder_new(struct sp_pass_builder **out)
{
	struct sp_pass_builder *b;
	size_t i;

	if (out == NULL)
		return SP_ERR_INVALID_ARG;
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return SP_ERR_NOMEM;
	sp_buf_init(&b->holder);
	for (i = 0; i < SD_MAX_LEAVES; i++)
		sp_buf_init(&b->leaves[i].value);
	*out = b;
	return SP_OK;
}

void
sp_pass_builder_free(struct sp_pass_builder **bp)
{
	size_t i;

	if (bp == NULL || *bp == NULL)
		return;
	sp_buf_clear(&(*bp)->holder);
	for (i = 0; i < SD_MAX_LEAVES; i++)
		sp_buf_clear(&(*bp)->leaves[i].value);
	sodium_memzero(*bp, sizeof(**bp));
	free(*bp);
	*bp = NULL;
}

int
sp_pass_builder_set_issuer(struct sp_pass_builder *b, const char *iss)
{
	size_t n;

	if (b == NULL || iss == NULL || (n = strlen(iss)) > PASS_MAX_ISS)
		return SP_ERR_INVALID_ARG;
	memcpy(b->iss, iss, n + 1);
	return SP_OK;
}

int
sp_pass_builder_set_times(struct sp_pass_builder *b, int64_t iat,
    int64_t nbf, int64_t exp)
{
	if (b == NULL || iat < 0 || nbf < 0 || exp <= iat || exp <= nbf ||
	    exp > UINT32_MAX * (int64_t)4)
		return SP_ERR_INVALID_ARG;
	b->iat = iat;
	b->nbf = nbf == 0 ? iat : nbf;
	b->exp = exp;
	return SP_OK;
}

int
sp_pass_builder_set_status(struct sp_pass_builder *b, uint32_t list,
    uint32_t idx)
{
	if (b == NULL)
		return SP_ERR_INVALID_ARG;
	b->has_status = true;
	b->list = list;
	b->idx = idx;
	return SP_OK;
}

int
sp_pass_builder_set_holder(struct sp_pass_builder *b, const uint8_t *cose_key,
    size_t len)
{
	struct sig_pub k;
	struct cbor_reader r;
	int ret;

	if (b == NULL || cose_key == NULL || len == 0 || len > 128)
		return SP_ERR_INVALID_ARG;
	cbor_reader_init(&r, cose_key, len);
	if ((ret = cose_key_decode(&k, &r)) != SP_OK)
		return ret;
	ret = cbor_reader_done(&r) ? SP_OK : SP_ERR_KEY;
	if (ret == SP_OK) {
		/* Store the canonical form, whatever form we were given. */
		sp_buf_reset(&b->holder);
		ret = cose_key_bytes(&b->holder, &k);
	}
	sig_pub_clear(&k);
	return ret;
}

int
pass_builder_set_holder_canonical(struct sp_pass_builder *b,
    const uint8_t *cose_key, size_t len)
{
	if (b == NULL || cose_key == NULL || len == 0 || len > 128)
		return SP_ERR_INVALID_ARG;
	return sp_buf_set(&b->holder, cose_key, len);
}

enum claim_type {
	CT_NONE,
	CT_TEXT,
	CT_UINT,
	CT_BOOL,
	CT_LIMIT,
};

/* The value type each disclosable claim has (docs/FORMATS.md 2.1). */
static enum claim_type
claim_type(int key)
{
	switch (key) {
	case SP_CLAIM_PASS_NO:
	case SP_CLAIM_NAME:
	case SP_CLAIM_CATEGORY:
		return CT_TEXT;
	case SP_CLAIM_BIRTH_YEAR:
	case SP_CLAIM_HOUSEHOLD_SIZE:
		return CT_UINT;
	case SP_CLAIM_AGE_UNDER_12:
	case SP_CLAIM_AGE_UNDER_18:
	case SP_CLAIM_AGE_OVER_65:
		return CT_BOOL;
	case SP_CLAIM_LIMIT_TAG:
	case SP_CLAIM_LIMIT_KEY:
		return CT_LIMIT;
	default:
		return CT_NONE;
	}
}

static struct leaf *
leaf_add(struct sp_pass_builder *b, int key)
{
	struct leaf *l;

	if (b == NULL || b->n >= SD_MAX_LEAVES || sp_claim_name(key) == NULL)
		return NULL;
	l = &b->leaves[b->n];
	sp_buf_reset(&l->value);
	l->key = key;
	return l;
}

static int
leaf_commit(struct sp_pass_builder *b, struct cbor_enc *e)
{
	int r = cbor_enc_finish(e);

	if (r == SP_OK)
		b->n++;
	return r;
}

int
sp_pass_builder_add_text(struct sp_pass_builder *b, int key,
    const char *value)
{
	struct leaf *l = leaf_add(b, key);
	struct cbor_enc e;
	size_t n;

	if (l == NULL || value == NULL || (n = strlen(value)) > 256 ||
	    claim_type(key) != CT_TEXT)
		return SP_ERR_INVALID_ARG;
	if (key == SP_CLAIM_CATEGORY) {
		if (n > PASS_MAX_SCOPE || n == 0 || strchr(value, '/'))
			return SP_ERR_INVALID_ARG;
	}
	cbor_enc_init(&e, &l->value);
	cbor_put_tstr(&e, value, n);
	return leaf_commit(b, &e);
}

int
sp_pass_builder_add_uint(struct sp_pass_builder *b, int key, uint64_t value)
{
	struct leaf *l = leaf_add(b, key);
	struct cbor_enc e;

	if (l == NULL || claim_type(key) != CT_UINT)
		return SP_ERR_INVALID_ARG;
	cbor_enc_init(&e, &l->value);
	cbor_put_uint(&e, value);
	return leaf_commit(b, &e);
}

int
sp_pass_builder_add_bool(struct sp_pass_builder *b, int key, bool value)
{
	struct leaf *l = leaf_add(b, key);
	struct cbor_enc e;

	if (l == NULL || claim_type(key) != CT_BOOL)
		return SP_ERR_INVALID_ARG;
	cbor_enc_init(&e, &l->value);
	cbor_put_bool(&e, value);
	return leaf_commit(b, &e);
}

/* Limit leaves carry [scope, 16 bytes]. A tag's scope is
 * "category/period", a tag key's is the bare category. */
static int
add_limit(struct sp_pass_builder *b, int key, const char *scope,
    const uint8_t v[SP_TAG_LEN], bool scope_has_period)
{
	struct leaf *l = leaf_add(b, key);
	struct cbor_enc e;
	const char *slash;
	size_t n;

	if (l == NULL || scope == NULL || v == NULL ||
	    (n = strlen(scope)) == 0 || n > PASS_MAX_SCOPE)
		return SP_ERR_INVALID_ARG;
	slash = strchr(scope, '/');
	if (scope_has_period != (slash != NULL) ||
	    (slash != NULL && (slash == scope || slash[1] == 0)))
		return SP_ERR_INVALID_ARG;
	cbor_enc_init(&e, &l->value);
	cbor_put_array(&e, 2);
	cbor_put_tstr(&e, scope, n);
	cbor_put_bstr(&e, v, SP_TAG_LEN);
	return leaf_commit(b, &e);
}

int
sp_pass_builder_add_limit_tag(struct sp_pass_builder *b, const char *scope,
    const uint8_t tag[SP_TAG_LEN])
{
	return add_limit(b, SP_CLAIM_LIMIT_TAG, scope, tag, true);
}

int
sp_pass_builder_add_limit_key(struct sp_pass_builder *b,
    const char *category, const uint8_t key[SP_TAG_LEN])
{
	return add_limit(b, SP_CLAIM_LIMIT_KEY, category, key, false);
}

void
sp_limit_tag_derive(uint8_t tag[SP_TAG_LEN], const uint8_t *key,
    size_t key_len, const char *scope)
{
	static const char label[] = "stadspas limit tag v1";
	crypto_auth_hmacsha256_state st;
	uint8_t mac[crypto_auth_hmacsha256_BYTES];

	crypto_auth_hmacsha256_init(&st, key, key_len);
	/* sizeof includes the NUL: it separates label and scope. */
	crypto_auth_hmacsha256_update(&st, (const uint8_t *)label,
	    sizeof(label));
	crypto_auth_hmacsha256_update(&st, (const uint8_t *)scope,
	    strlen(scope));
	crypto_auth_hmacsha256_final(&st, mac);
	memcpy(tag, mac, SP_TAG_LEN);
	sodium_memzero(mac, sizeof(mac));
	sodium_memzero(&st, sizeof(st));
}

void
sp_limit_key_derive(uint8_t key[SP_TAG_LEN], const uint8_t *secret,
    size_t secret_len, const char *pass_id, const char *category)
{
	static const char label[] = "stadspas limit key v1";
	crypto_auth_hmacsha256_state st;
	uint8_t mac[crypto_auth_hmacsha256_BYTES];
	uint8_t sep = 0;

	crypto_auth_hmacsha256_init(&st, secret, secret_len);
	/* label NUL pass_id NUL category: unambiguous, as neither the label
	 * nor a pass id contains a NUL. */
	crypto_auth_hmacsha256_update(&st, (const uint8_t *)label,
	    sizeof(label));
	crypto_auth_hmacsha256_update(&st, (const uint8_t *)pass_id,
	    strlen(pass_id));
	crypto_auth_hmacsha256_update(&st, &sep, 1);
	crypto_auth_hmacsha256_update(&st, (const uint8_t *)category,
	    strlen(category));
	crypto_auth_hmacsha256_final(&st, mac);
	memcpy(key, mac, SP_TAG_LEN);
	sodium_memzero(mac, sizeof(mac));
	sodium_memzero(&st, sizeof(st));
}

/*
 * Leaf layout (docs/FORMATS.md, "Commitment"): region A holds every claim
 * except limit tags and keys, in the order added, padded with padding
 * leaves to a power of two P >= |B|; region B holds the limit tags and
 * keys. RFC 6962's split then makes region A the root's left subtree, so a
 * limited offer's presentation (one limit claim) needs one proof node for
 * all of region A plus about log2 |B| more. order[i] is a builder leaf
 * index, or PAD_LEAF.
 */
#define PAD_LEAF SIZE_MAX

static bool
is_limit_leaf(const struct leaf *l)
{
	return l->key == SP_CLAIM_LIMIT_TAG || l->key == SP_CLAIM_LIMIT_KEY;
}

static int
leaf_order(const struct sp_pass_builder *b, size_t order[SD_MAX_LEAVES],
    size_t *n_out)
{
	size_t i, m = 0, na = 0, nb = 0, p = 1;

	for (i = 0; i < b->n; i++)
		nb += is_limit_leaf(&b->leaves[i]);
	na = b->n - nb;
	if (na > 0 && nb > 0) {
		while (p < na || p < nb)
			p *= 2;
	} else {
		p = na;
	}
	if (p + nb > SD_MAX_LEAVES)
		return SP_ERR_TOO_LARGE;
	for (i = 0; i < b->n; i++)
		if (!is_limit_leaf(&b->leaves[i]))
			order[m++] = i;
	while (m < p)
		order[m++] = PAD_LEAF;
	for (i = 0; i < b->n; i++)
		if (is_limit_leaf(&b->leaves[i]))
			order[m++] = i;
	*n_out = m;
	return SP_OK;
}

static void
salt_for(uint8_t salt[SD_SALT_LEN], const uint8_t *seed, size_t i)
{
	uint8_t h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_state st;
	uint8_t ctr[4] = { (uint8_t)(i >> 24), (uint8_t)(i >> 16),
	    (uint8_t)(i >> 8), (uint8_t)i };

	if (seed == NULL) {
		randombytes_buf(salt, SD_SALT_LEN);
		return;
	}
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, seed, 32);
	crypto_hash_sha256_update(&st, ctr, sizeof(ctr));
	crypto_hash_sha256_final(&st, h);
	memcpy(salt, h, SD_SALT_LEN);
	sodium_memzero(h, sizeof(h));
}

/* Encodes leaf [salt, key, value] into out (reset first); l == NULL is a
 * padding leaf [salt, 0, null]. */
static int
leaf_encode(struct sp_buf *out, const uint8_t salt[SD_SALT_LEN],
    const struct leaf *l)
{
	struct cbor_enc e;

	sp_buf_reset(out);
	cbor_enc_init(&e, out);
	cbor_put_array(&e, 3);
	cbor_put_bstr(&e, salt, SD_SALT_LEN);
	if (l == NULL) {
		cbor_put_uint(&e, 0);
		cbor_put_null(&e);
	} else {
		cbor_put_uint(&e, (uint64_t)l->key);
		cbor_put_raw(&e, l->value.ptr, l->value.len);
	}
	return cbor_enc_finish(&e);
}

static const struct leaf *
leaf_at(const struct sp_pass_builder *b, size_t slot)
{
	return slot == PAD_LEAF ? NULL : &b->leaves[slot];
}

static int
claims_encode(struct sp_buf *out, const struct sp_pass_builder *b,
    const uint8_t root[SD_HASH_LEN], size_t n_leaves)
{
	struct cbor_enc e;
	bool has_iss = b->iss[0] != 0, has_nbf = b->nbf != b->iat;

	cbor_enc_init(&e, out);
	cbor_put_map(&e, (size_t)6 + has_iss + has_nbf);
	if (has_iss) {
		cbor_put_uint(&e, CLAIM_ISS);
		cbor_put_tstrz(&e, b->iss);
	}
	cbor_put_uint(&e, CLAIM_EXP);
	cbor_put_uint(&e, (uint64_t)b->exp);
	if (has_nbf) {
		cbor_put_uint(&e, CLAIM_NBF);
		cbor_put_uint(&e, (uint64_t)b->nbf);
	}
	cbor_put_uint(&e, CLAIM_IAT);
	cbor_put_uint(&e, (uint64_t)b->iat);
	cbor_put_uint(&e, CLAIM_CNF);
	cbor_put_map(&e, 1);
	cbor_put_uint(&e, CNF_COSE_KEY);
	cbor_put_raw(&e, b->holder.ptr, b->holder.len);
	cbor_put_int(&e, CLAIM_TYP);
	cbor_put_uint(&e, PASS_TYPE_V1);
	cbor_put_int(&e, CLAIM_STATUS);
	cbor_put_array(&e, 2);
	cbor_put_uint(&e, b->list);
	cbor_put_uint(&e, b->idx);
	cbor_put_int(&e, CLAIM_SD);
	cbor_put_array(&e, 2);
	cbor_put_uint(&e, n_leaves);
	cbor_put_bstr(&e, root, SD_HASH_LEN);
	return cbor_enc_finish(&e);
}

int
sp_pass_issue(uint8_t **out, size_t *out_len,
    const struct sp_pass_builder *b, const struct sp_key *issuer,
    const uint8_t *seed_salts)
{
	uint8_t hashes[SD_MAX_LEAVES][SD_HASH_LEN];
	uint8_t salts[SD_MAX_LEAVES][SD_SALT_LEN];
	uint8_t root[SD_HASH_LEN], kid[SP_KID_LEN];
	size_t order[SD_MAX_LEAVES], n, i;
	struct sp_buf leaf, claims, cred, pass;
	struct cbor_enc e;
	int r = SP_ERR_INVALID_ARG;

	sp_buf_init(&leaf);
	sp_buf_init(&claims);
	sp_buf_init(&cred);
	sp_buf_init(&pass);
	if (out == NULL || out_len == NULL || b == NULL || issuer == NULL ||
	    b->exp == 0 || !b->has_status || b->holder.len == 0 || b->n == 0)
		goto fail;
	if ((r = leaf_order(b, order, &n)) != SP_OK)
		goto fail;
	for (i = 0; i < n; i++) {
		salt_for(salts[i], seed_salts, i);
		if ((r = leaf_encode(&leaf, salts[i], leaf_at(b, order[i]))) !=
		    SP_OK)
			goto fail;
		sd_leaf_hash(hashes[i], leaf.ptr, leaf.len);
	}
	if ((r = sd_root(root, (const uint8_t (*)[SD_HASH_LEN])hashes, n)) !=
	    SP_OK)
		goto fail;
	if ((r = claims_encode(&claims, b, root, n)) != SP_OK)
		goto fail;
	sp_key_kid(issuer, kid);
	if ((r = cose_sign1_sign(&cred, &issuer->priv, kid, sizeof(kid), -1,
	    claims.ptr, claims.len, NULL, 0, 0)) != SP_OK)
		goto fail;
	/* Issued pass: [version, credential, [[salt, key, value], ...]]. */
	cbor_enc_init(&e, &pass);
	cbor_put_array(&e, 3);
	cbor_put_uint(&e, PASS_FORMAT_VERSION);
	cbor_put_raw(&e, cred.ptr, cred.len);
	cbor_put_array(&e, n);
	for (i = 0; i < n && cbor_enc_finish(&e) == SP_OK; i++) {
		if ((r = leaf_encode(&leaf, salts[i], leaf_at(b, order[i]))) !=
		    SP_OK)
			goto fail;
		cbor_put_raw(&e, leaf.ptr, leaf.len);
	}
	if ((r = cbor_enc_finish(&e)) != SP_OK)
		goto fail;
	/* Refuse here what sp_present and verifiers would refuse later. */
	r = SP_ERR_TOO_LARGE;
	if (pass.len > PASS_MAX_LEN)
		goto fail;
	r = buf_export(out, out_len, &pass);
fail:
	sodium_memzero(salts, sizeof(salts));
	sp_buf_clear(&leaf);
	sp_buf_clear(&claims);
	sp_buf_clear(&cred);
	sp_buf_clear(&pass);
	return r;
}

/* ---- Claims decoding (shared with the verifier) ------------------------ */

static int
read_u32(struct cbor_reader *r, uint32_t *v)
{
	uint64_t x;
	int ret;

	if ((ret = cbor_read_uint(r, &x)) != SP_OK)
		return ret;
	if (x > UINT32_MAX)
		return SP_ERR_CLAIMS;
	*v = (uint32_t)x;
	return SP_OK;
}

static int
read_time(struct cbor_reader *r, int64_t *t)
{
	uint64_t x;
	int ret;

	if ((ret = cbor_read_uint(r, &x)) != SP_OK)
		return ret;
	if (x > (uint64_t)UINT32_MAX * 4)	/* year 2514: a sane bound */
		return SP_ERR_CLAIMS;
	*t = (int64_t)x;
	return SP_OK;
}

static int
read_pair_header(struct cbor_reader *r)
{
	uint64_t n;
	int ret;

	if ((ret = cbor_read_array(r, &n)) != SP_OK)
		return ret;
	return n == 2 ? SP_OK : SP_ERR_CLAIMS;
}

static int
claim_field(struct pass_claims *c, struct cbor_reader *r, int64_t key)
{
	const uint8_t *p;
	uint64_t n, typ;
	struct cbor_item it;
	int ret;

	switch (key) {
	case CLAIM_ISS:
		if ((ret = cbor_read_tstr(r, &c->iss, &c->iss_len)) != SP_OK)
			return ret;
		return c->iss_len <= PASS_MAX_ISS ? SP_OK : SP_ERR_CLAIMS;
	case CLAIM_EXP:
		return read_time(r, &c->exp);
	case CLAIM_NBF:
		return read_time(r, &c->nbf);
	case CLAIM_IAT:
		return read_time(r, &c->iat);
	case CLAIM_CNF:
		if ((ret = cbor_read_map(r, &n)) != SP_OK)
			return ret;
		if (n != 1 || cbor_read_uint(r, &typ) != SP_OK ||
		    typ != CNF_COSE_KEY)
			return SP_ERR_CLAIMS;
		p = r->p;
		if ((ret = cbor_skip(r)) != SP_OK)
			return ret;
		c->cnf_key = p;
		c->cnf_key_len = (size_t)(r->p - p);
		return SP_OK;
	case CLAIM_TYP:
		if ((ret = cbor_read_uint(r, &typ)) != SP_OK)
			return ret;
		return typ == PASS_TYPE_V1 ? SP_OK : SP_ERR_VERSION;
	case CLAIM_STATUS:
		if ((ret = read_pair_header(r)) != SP_OK ||
		    (ret = read_u32(r, &c->status_list)) != SP_OK)
			return ret;
		return read_u32(r, &c->status_idx);
	case CLAIM_SD:
		if ((ret = read_pair_header(r)) != SP_OK ||
		    (ret = read_u32(r, &c->sd_count)) != SP_OK)
			return ret;
		if ((ret = cbor_read(r, &it)) != SP_OK)
			return ret;
		if (it.major != CBOR_BSTR || it.len != SD_HASH_LEN ||
		    c->sd_count == 0 || c->sd_count > SD_MAX_LEAVES)
			return SP_ERR_CLAIMS;
		memcpy(c->sd_root, it.ptr, SD_HASH_LEN);
		return SP_OK;
	default:
		return SP_ERR_CBOR_UNKNOWN_KEY;
	}
}

int
pass_claims_decode(struct pass_claims *c, const uint8_t *payload, size_t len)
{
	struct cbor_reader r;
	uint64_t n, i;
	int64_t key;
	unsigned seen = 0;
	int ret;

	memset(c, 0, sizeof(*c));
	c->nbf = -1;
	if ((ret = cbor_check(payload, len, &pass_cbor_limits,
	    CBOR_F_DETERMINISTIC, NULL)) != SP_OK)
		return ret;
	cbor_reader_init(&r, payload, len);
	if ((ret = cbor_read_map(&r, &n)) != SP_OK)
		return ret == SP_ERR_CBOR_TYPE ? SP_ERR_CLAIMS : ret;
	for (i = 0; i < n; i++) {
		if ((ret = cbor_read_int(&r, &key)) != SP_OK)
			return ret == SP_ERR_CBOR_TYPE ? SP_ERR_CLAIMS : ret;
		if ((ret = claim_field(c, &r, key)) != SP_OK)
			return ret == SP_ERR_CBOR_TYPE ? SP_ERR_CLAIMS : ret;
		/* Deterministic order makes each key unique; record it. */
		if (key >= CLAIM_SD && key <= CLAIM_CNF)
			seen |= 1u << (key + 3);
	}
#define SEEN(k) (seen & (1u << ((k) + 3)))
	if (!SEEN(CLAIM_EXP) || !SEEN(CLAIM_IAT) || !SEEN(CLAIM_CNF) ||
	    !SEEN(CLAIM_TYP) || !SEEN(CLAIM_STATUS) || !SEEN(CLAIM_SD))
		return SP_ERR_CLAIMS;
#undef SEEN
	if (c->nbf < 0)
		c->nbf = c->iat;
	if (c->exp <= c->iat)
		return SP_ERR_CLAIMS;
	return SP_OK;
}
