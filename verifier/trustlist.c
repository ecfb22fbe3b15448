/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Trust list versions (trustlist.h): strict decoding of the chain and of
 * each signed version, fingerprints of the listed keys, and the check
 * that a version is signed by a key of the version before it (version 1
 * by one of its own).
 */
#include "trustlist.h"

#include <string.h>

#include "cbor.h"
#include "cose.h"
#include "hash.h"
#include "pass_int.h"

enum {
	TL_K_TYPE = 1, TL_K_VERSION = 2, TL_K_ISSUED = 3, TL_K_KEYS = 4,
};

static const struct cbor_limits tl_limits = {
	.max_len = TL_MAX_CHAIN,
	.max_depth = TL_MAX_DEPTH,
	.max_items = 1u << 16,
	.max_count = TL_MAX_VERSIONS,
	.max_str = 64 * 1024,
};

int
tl_chain_split(struct tl_chain *c, const uint8_t *buf, size_t len)
{
	struct cbor_reader r;
	uint64_t n, i;
	int ret;

	c->n = 0;
	if (buf == NULL || len == 0)
		return SP_ERR_INVALID_ARG;
	if (len > TL_MAX_CHAIN)
		return SP_ERR_TOO_LARGE;
	if ((ret = cbor_check(buf, len, &tl_limits, CBOR_F_DETERMINISTIC,
	    NULL)) != SP_OK)
		return ret;
	cbor_reader_init(&r, buf, len);
	if ((ret = cbor_read_array(&r, &n)) != SP_OK)
		return ret;
	if (n == 0)
		return SP_ERR_CBOR_VALUE;
	if (n > TL_MAX_VERSIONS)
		return SP_ERR_TOO_LARGE;
	for (i = 0; i < n; i++)
		if ((ret = cbor_read_bstr(&r, &c->v[i].ptr, &c->v[i].len)) !=
		    SP_OK)
			return ret;
	if (!cbor_reader_done(&r))
		return SP_ERR_CBOR_TRAILING;
	c->n = (size_t)n;
	return SP_OK;
}

static int
key_expect(struct cbor_reader *r, uint64_t want)
{
	uint64_t k;

	if (cbor_peek(r) != CBOR_UINT)
		return SP_ERR_CBOR_UNKNOWN_KEY;
	if (cbor_read_uint(r, &k) != SP_OK)
		return SP_ERR_CBOR_VALUE;
	if (k < want)
		return SP_ERR_CBOR_UNKNOWN_KEY;
	return k == want ? SP_OK : SP_ERR_CBOR_MISSING_KEY;
}

/* One listed key: usable, in the §1.2 deterministic form, not repeated. */
static int
key_read(struct tl_version *v, struct cbor_reader *r)
{
	const uint8_t *start = r->p;
	struct sig_pub k;
	struct sp_buf enc;
	struct cbor_enc e;
	size_t i, len, n = v->n_keys;
	int ret;

	if (cbor_peek(r) != CBOR_MAP)
		return SP_ERR_CBOR_TYPE;
	if ((ret = cose_key_decode(&k, r)) != SP_OK)
		return ret;
	len = (size_t)(r->p - start);
	sp_buf_init(&enc);
	cbor_enc_init(&e, &enc);
	cose_key_encode(&e, &k);
	sig_pub_clear(&k);
	if ((ret = cbor_enc_finish(&e)) == SP_OK && (enc.len != len ||
	    memcmp(enc.ptr, start, len) != 0))
		ret = SP_ERR_CBOR_NONCANONICAL;
	sp_buf_clear(&enc);
	if (ret != SP_OK)
		return ret;
	if ((ret = sp_sha256(v->fp[n], start, len)) != SP_OK)
		return ret;
	for (i = 0; i < n; i++)
		if (memcmp(v->fp[i], v->fp[n], 32) == 0)
			return SP_ERR_CBOR_VALUE;	/* listed twice */
	v->keys[n].ptr = start;
	v->keys[n].len = len;
	v->n_keys = n + 1;
	return SP_OK;
}

static int
payload_decode(struct tl_version *v, uint64_t want, const uint8_t *p,
    size_t len)
{
	struct cbor_reader r;
	uint64_t n, type, issued, i;
	int ret;

	cbor_reader_init(&r, p, len);
	if ((ret = cbor_read_map(&r, &n)) != SP_OK)
		return ret;
	if (n != 4)
		return n < 4 ? SP_ERR_CBOR_MISSING_KEY :
		    SP_ERR_CBOR_UNKNOWN_KEY;
	if ((ret = key_expect(&r, TL_K_TYPE)) != SP_OK ||
	    (ret = cbor_read_uint(&r, &type)) != SP_OK)
		return ret;
	if (type != TL_TYPE)
		return SP_ERR_CBOR_VALUE;
	if ((ret = key_expect(&r, TL_K_VERSION)) != SP_OK ||
	    (ret = cbor_read_uint(&r, &v->version)) != SP_OK)
		return ret;
	if (v->version != want)
		return SP_ERR_CBOR_VALUE;	/* not consecutive */
	if ((ret = key_expect(&r, TL_K_ISSUED)) != SP_OK ||
	    (ret = cbor_read_uint(&r, &issued)) != SP_OK)
		return ret;
	if (issued > (uint64_t)UINT32_MAX * 4)
		return SP_ERR_CBOR_VALUE;
	v->issued = (int64_t)issued;
	if ((ret = key_expect(&r, TL_K_KEYS)) != SP_OK ||
	    (ret = cbor_read_array(&r, &n)) != SP_OK)
		return ret;
	if (n == 0 || n > TL_MAX_KEYS)
		return SP_ERR_CBOR_VALUE;
	for (i = 0; i < n; i++)
		if ((ret = key_read(v, &r)) != SP_OK)
			return ret;
	return cbor_reader_done(&r) ? SP_OK : SP_ERR_CBOR_TRAILING;
}

int
tl_trust_build(struct sp_trust **out, const struct tl_version *v)
{
	struct sp_trust *t = NULL;
	size_t i;
	int r;

	if ((r = sp_trust_new(&t)) != SP_OK)
		return r;
	for (i = 0; v != NULL && i < v->n_keys; i++)
		if ((r = sp_trust_add_cose_key(t, v->keys[i].ptr,
		    v->keys[i].len)) != SP_OK) {
			sp_trust_free(&t);
			return r;
		}
	*out = t;
	return SP_OK;
}

int
tl_version_open(struct tl_version *out, const struct tl_version *prev,
    uint64_t want, const uint8_t *sv, size_t len)
{
	struct sp_trust *t = NULL;
	struct cose_sign1 m;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = cbor_check(sv, len, &tl_limits, CBOR_F_DETERMINISTIC,
	    NULL)) != SP_OK ||
	    (r = cose_sign1_decode(&m, sv, len, COSE_F_STRICT)) != SP_OK)
		return r;
	if (m.tagged)
		return SP_ERR_COSE_TAG;
	if (!m.has_alg || !m.alg_protected || m.kid == NULL ||
	    m.kid_len != SP_KID_LEN)
		return SP_ERR_COSE_HEADER;
	if (m.payload == NULL)
		return SP_ERR_COSE;
	if ((r = payload_decode(out, want, m.payload, m.payload_len)) !=
	    SP_OK)
		return r;
	if ((r = tl_trust_build(&t, prev != NULL ? prev : out)) != SP_OK)
		return r;
	r = trust_verify(t, &m);
	sp_trust_free(&t);
	return r;
}
