/* SPDX-License-Identifier: Apache-2.0 */
/* COSE_Sign1 decode/sign/verify and COSE_Key encode/decode. */
#include "cose.h"

#include <string.h>

#include <sodium.h>

#include "stadspas/sp_err.h"

/* Small messages (every stadspas object) build their Sig_structure on the
 * stack; larger ones (foreign COSE) use the heap. */
#define COSE_TBS_STACK 1024

static const char sig1_context[] = "Signature1";

/* Reads one header value for label and records it in m. */
static int
hdr_param(struct cose_sign1 *m, struct cbor_reader *r, int64_t label,
    bool protected_hdr, unsigned flags)
{
	struct cbor_item it;
	int ret;

	if ((ret = cbor_read(r, &it)) != SP_OK)
		return ret;
	switch (label) {
	case COSE_HDR_ALG:
		if (m->has_alg)
			return SP_ERR_COSE_HEADER;
		if ((flags & COSE_F_STRICT) && !protected_hdr)
			return SP_ERR_COSE_HEADER;
		m->has_alg = true;
		m->alg_protected = protected_hdr;
		if (it.major == CBOR_TSTR) {
			m->alg_is_text = true;
			return SP_OK;
		}
		if (it.major == CBOR_UINT && it.val <= INT64_MAX)
			m->alg = (int64_t)it.val;
		else if (it.major == CBOR_NINT && it.val < INT64_MAX)
			m->alg = -1 - (int64_t)it.val;
		else
			return SP_ERR_COSE_HEADER;
		return SP_OK;
	case COSE_HDR_CRIT:
		/* We act on no header we would need to be told is critical;
		 * RFC 9052 section 3.1: refuse what we do not understand. */
		return SP_ERR_COSE_HEADER;
	case COSE_HDR_CTY:
		/* A CoAP content-format number or a media-type string. */
		if (m->has_cty ||
		    (it.major != CBOR_UINT && it.major != CBOR_TSTR))
			return SP_ERR_COSE_HEADER;
		m->has_cty = true;
		m->cty = it.major == CBOR_UINT ? it.val : UINT64_MAX;
		return SP_OK;
	case COSE_HDR_TYP:
		if (m->typ != NULL || it.major != CBOR_TSTR)
			return SP_ERR_COSE_HEADER;
		m->typ = (const char *)it.ptr;
		m->typ_len = it.len;
		return SP_OK;
	case COSE_HDR_KID:
		if (m->kid != NULL || it.major != CBOR_BSTR ||
		    it.len > COSE_MAX_KID)
			return SP_ERR_COSE_HEADER;
		if ((flags & COSE_F_STRICT) && !protected_hdr)
			return SP_ERR_COSE_HEADER;
		m->kid = it.ptr;
		m->kid_len = it.len;
		return SP_OK;
	default:
		if (flags & COSE_F_STRICT)
			return SP_ERR_COSE_HEADER;
		/* Unknown, non-critical parameters are ignored (RFC 9052
		 * section 3). cbor_read consumed only a container's head:
		 * move past its children (cbor_check validated them). */
		r->p = it.raw + it.raw_len;
		return SP_OK;
	}
}

/* Walks one header map (as a reader positioned at it). Labels must be
 * integers or text; a label may appear once across both maps. */
static int
hdr_map(struct cose_sign1 *m, struct cbor_reader *r, bool protected_hdr,
    unsigned flags)
{
	struct cbor_item key;
	uint64_t n, i;
	int ret;

	if ((ret = cbor_read_map(r, &n)) != SP_OK)
		return ret == SP_ERR_CBOR_TYPE ? SP_ERR_COSE : ret;
	for (i = 0; i < n; i++) {
		int64_t label;

		if ((ret = cbor_read(r, &key)) != SP_OK)
			return ret;
		if (key.major == CBOR_UINT && key.val <= INT64_MAX)
			label = (int64_t)key.val;
		else if (key.major == CBOR_NINT && key.val < INT64_MAX)
			label = -1 - (int64_t)key.val;
		else if (key.major == CBOR_TSTR)
			label = INT64_MIN;	/* text label: unknown */
		else
			return SP_ERR_COSE_HEADER;
		if ((ret = hdr_param(m, r, label, protected_hdr, flags)) !=
		    SP_OK)
			return ret;
	}
	return SP_OK;
}

static int
parse_protected(struct cose_sign1 *m, unsigned flags)
{
	struct cbor_reader r;
	unsigned cflags = (flags & COSE_F_STRICT) ? CBOR_F_DETERMINISTIC : 0;
	int ret;

	if (m->prot_len == 0)
		return SP_OK;
	if ((ret = cbor_check(m->prot, m->prot_len, &cbor_limits_default,
	    cflags, NULL)) != SP_OK)
		return ret;
	if (m->prot_len == 1 && m->prot[0] == 0xa0) {
		if (flags & COSE_F_STRICT)
			return SP_ERR_COSE_HEADER;
		m->prot_empty_map = true;
		return SP_OK;
	}
	cbor_reader_init(&r, m->prot, m->prot_len);
	return hdr_map(m, &r, true, flags);
}

int
cose_sign1_decode(struct cose_sign1 *m, const uint8_t *buf, size_t len,
    unsigned flags)
{
	struct cbor_reader r;
	struct cbor_item it;
	uint64_t n;
	int ret;

	if (m == NULL || buf == NULL || len == 0)
		return SP_ERR_INVALID_ARG;
	memset(m, 0, sizeof(*m));
	if ((ret = cbor_check(buf, len, &cbor_limits_default,
	    (flags & COSE_F_STRICT) ? CBOR_F_DETERMINISTIC : 0, NULL)) !=
	    SP_OK)
		return ret;
	m->raw = buf;
	m->raw_len = len;
	cbor_reader_init(&r, buf, len);
	if (cbor_peek(&r) == CBOR_TAG) {
		uint64_t tag;

		if ((ret = cbor_read_tag(&r, &tag)) != SP_OK)
			return ret;
		if (tag != COSE_TAG_SIGN1)
			return SP_ERR_COSE_TAG;
		m->tagged = true;
	} else if (flags & COSE_F_REQUIRE_TAG) {
		return SP_ERR_COSE_TAG;
	}
	if (cbor_read_array(&r, &n) != SP_OK || n != 4)
		return SP_ERR_COSE;
	if (cbor_read_bstr(&r, &m->prot, &m->prot_len) != SP_OK)
		return SP_ERR_COSE;
	if ((ret = parse_protected(m, flags)) != SP_OK)
		return ret;
	if ((ret = hdr_map(m, &r, false, flags)) != SP_OK)
		return ret;
	if (cbor_peek(&r) == CBOR_BSTR) {
		if (cbor_read_bstr(&r, &m->payload, &m->payload_len) != SP_OK)
			return SP_ERR_COSE;
	} else if (!cbor_read_null(&r)) {
		return SP_ERR_COSE;
	}
	if ((ret = cbor_read(&r, &it)) != SP_OK || it.major != CBOR_BSTR)
		return ret != SP_OK ? ret : SP_ERR_COSE;
	m->sig = it.ptr;
	m->sig_len = it.len;
	return cbor_reader_done(&r) ? SP_OK : SP_ERR_CBOR_TRAILING;
}

int
cose_sig_structure(struct sp_buf *out, const uint8_t *prot, size_t prot_len,
    const uint8_t *aad, size_t aad_len, const uint8_t *payload,
    size_t payload_len)
{
	struct cbor_enc e;

	cbor_enc_init(&e, out);
	cbor_put_array(&e, 4);
	cbor_put_tstr(&e, sig1_context, sizeof(sig1_context) - 1);
	cbor_put_bstr(&e, prot, prot_len);
	cbor_put_bstr(&e, aad, aad_len);
	cbor_put_bstr(&e, payload, payload_len);
	return cbor_enc_finish(&e);
}

/* Builds the Sig_structure and checks the signature with alg. */
static int
verify_with(const struct cose_sign1 *m, const struct sig_pub *k, int alg,
    const uint8_t *aad, size_t aad_len, const uint8_t *payload,
    size_t payload_len)
{
	struct sp_buf tbs;
	int ret;

	sp_buf_init(&tbs);
	ret = cose_sig_structure(&tbs, m->prot, m->prot_empty_map ? 0 :
	    m->prot_len, aad, aad_len, payload, payload_len);
	if (ret == SP_OK)
		ret = sig_verify(k, alg, tbs.ptr, tbs.len, m->sig, m->sig_len);
	sp_buf_clear(&tbs);
	return ret;
}

static bool
alg_usable(const struct cose_sign1 *m)
{
	return m->has_alg && !m->alg_is_text && m->alg >= INT32_MIN &&
	    m->alg <= INT32_MAX && sig_alg_supported((int)m->alg);
}

int
cose_sign1_verify(const struct cose_sign1 *m, const struct sig_pub *k,
    const uint8_t *aad, size_t aad_len, const uint8_t *detached,
    size_t detached_len)
{
	if (m == NULL || k == NULL || (m->payload != NULL) == (detached != NULL))
		return SP_ERR_INVALID_ARG;
	if (!alg_usable(m))
		return SP_ERR_UNSUPPORTED_ALG;
	if (k->alg != m->alg)
		return SP_ERR_KEY_MISMATCH;
	if (m->payload != NULL)
		return verify_with(m, k, (int)m->alg, aad, aad_len,
		    m->payload, m->payload_len);
	return verify_with(m, k, (int)m->alg, aad, aad_len, detached,
	    detached_len);
}

int
cose_sign1_verify_keyalg(const struct cose_sign1 *m, const struct sig_pub *k,
    const uint8_t *aad, size_t aad_len)
{
	if (m == NULL || k == NULL || m->payload == NULL)
		return SP_ERR_INVALID_ARG;
	if (m->has_alg) {
		if (!alg_usable(m))
			return SP_ERR_UNSUPPORTED_ALG;
		if (k->alg != m->alg)
			return SP_ERR_KEY_MISMATCH;
	}
	return verify_with(m, k, k->alg, aad, aad_len, m->payload,
	    m->payload_len);
}

/* Protected header in deterministic key order 1, 3, 4, 16; an empty
 * header is the empty byte string (RFC 9052 section 3). */
static int
protected_encode(struct sp_buf *prot, const struct sig_priv *k,
    const struct cose_hdr_spec *h, unsigned flags)
{
	struct cbor_enc e;
	size_t n = (flags & COSE_F_ALG_IMPLIED ? 0u : 1u) +
	    (h->cty >= 0 ? 1u : 0u) + (h->kid != NULL ? 1u : 0u) +
	    (h->typ != NULL ? 1u : 0u);

	cbor_enc_init(&e, prot);
	if (n == 0)
		return SP_OK;
	cbor_put_map(&e, n);
	if (!(flags & COSE_F_ALG_IMPLIED)) {
		cbor_put_uint(&e, COSE_HDR_ALG);
		cbor_put_int(&e, k->alg);
	}
	if (h->cty >= 0) {
		cbor_put_uint(&e, COSE_HDR_CTY);
		cbor_put_uint(&e, (uint64_t)h->cty);
	}
	if (h->kid != NULL) {
		cbor_put_uint(&e, COSE_HDR_KID);
		cbor_put_bstr(&e, h->kid, h->kid_len);
	}
	if (h->typ != NULL) {
		cbor_put_uint(&e, COSE_HDR_TYP);
		cbor_put_tstrz(&e, h->typ);
	}
	return cbor_enc_finish(&e);
}

int
cose_sign1_sign_hdr(struct sp_buf *out, const struct sig_priv *k,
    const struct cose_hdr_spec *h, const uint8_t *payload,
    size_t payload_len, const uint8_t *aad, size_t aad_len, unsigned flags)
{
	struct sp_buf prot, tbs;
	struct cbor_enc e;
	uint8_t sig[SIG_MAX_LEN];
	size_t sig_len = 0;
	int ret = SP_ERR_INVALID_ARG;

	sp_buf_init(&prot);
	sp_buf_init(&tbs);
	if (out == NULL || k == NULL || h == NULL ||
	    h->kid_len > COSE_MAX_KID || (payload == NULL && payload_len != 0))
		goto fail;
	if ((ret = protected_encode(&prot, k, h, flags)) != SP_OK)
		goto fail;
	if ((ret = cose_sig_structure(&tbs, prot.ptr, prot.len, aad, aad_len,
	    payload, payload_len)) != SP_OK)
		goto fail;
	if ((ret = sig_sign(k, sig, &sig_len, tbs.ptr, tbs.len)) != SP_OK)
		goto fail;
	cbor_enc_init(&e, out);
	if (flags & COSE_F_TAGGED)
		cbor_put_tag(&e, COSE_TAG_SIGN1);
	cbor_put_array(&e, 4);
	cbor_put_bstr(&e, prot.ptr, prot.len);
	cbor_put_map(&e, 0);
	if (flags & COSE_F_DETACHED)
		cbor_put_null(&e);
	else
		cbor_put_bstr(&e, payload, payload_len);
	cbor_put_bstr(&e, sig, sig_len);
	ret = cbor_enc_finish(&e);
fail:
	sp_buf_clear(&prot);
	sp_buf_clear(&tbs);
	return ret;
}

int
cose_sign1_sign(struct sp_buf *out, const struct sig_priv *k,
    const uint8_t *kid, size_t kid_len, int64_t cty, const uint8_t *payload,
    size_t payload_len, const uint8_t *aad, size_t aad_len, unsigned flags)
{
	struct cose_hdr_spec h = {
		.kid = kid, .kid_len = kid_len, .cty = cty, .typ = NULL,
	};

	return cose_sign1_sign_hdr(out, k, &h, payload, payload_len, aad,
	    aad_len, flags);
}

void
cose_key_encode(struct cbor_enc *e, const struct sig_pub *k)
{
	if (k->alg == SIG_ALG_EDDSA) {
		cbor_put_map(e, 3);
		cbor_put_uint(e, COSE_KEY_KTY);
		cbor_put_uint(e, COSE_KTY_OKP);
		cbor_put_int(e, COSE_KEY_CRV);
		cbor_put_uint(e, COSE_CRV_ED25519);
		cbor_put_int(e, COSE_KEY_X);
		cbor_put_bstr(e, k->raw, SIG_ED25519_PK_LEN);
		return;
	}
	cbor_put_map(e, 4);
	cbor_put_uint(e, COSE_KEY_KTY);
	cbor_put_uint(e, COSE_KTY_EC2);
	cbor_put_int(e, COSE_KEY_CRV);
	cbor_put_uint(e, COSE_CRV_P256);
	cbor_put_int(e, COSE_KEY_X);
	cbor_put_bstr(e, k->raw + 1, 32);
	cbor_put_int(e, COSE_KEY_Y);
	cbor_put_bool(e, (k->raw[64] & 1) != 0);
}

struct cose_key_parts {
	int64_t kty, crv;
	const uint8_t *x, *y;
	size_t x_len, y_len;
	bool has_y_bool, y_bool;
};

static int
cose_key_field(struct cose_key_parts *p, struct cbor_reader *r,
    int64_t label)
{
	struct cbor_item it;
	int ret;

	if ((ret = cbor_read(r, &it)) != SP_OK)
		return ret;
	switch (label) {
	case COSE_KEY_KTY:
	case COSE_KEY_CRV:
		if (it.major == CBOR_TSTR)
			return SP_ERR_UNSUPPORTED_ALG;
		if (it.major != CBOR_UINT || it.val > 255)
			return SP_ERR_KEY;
		*(label == COSE_KEY_KTY ? &p->kty : &p->crv) = (int64_t)it.val;
		return SP_OK;
	case COSE_KEY_X:
		if (it.major != CBOR_BSTR)
			return SP_ERR_KEY;
		p->x = it.ptr;
		p->x_len = it.len;
		return SP_OK;
	case COSE_KEY_Y:
		if (it.major == CBOR_SIMPLE &&
		    (it.val == CBOR_TRUE || it.val == CBOR_FALSE)) {
			p->has_y_bool = true;
			p->y_bool = it.val == CBOR_TRUE;
			return SP_OK;
		}
		if (it.major != CBOR_BSTR)
			return SP_ERR_KEY;
		p->y = it.ptr;
		p->y_len = it.len;
		return SP_OK;
	case COSE_KEY_KID:
		return it.major == CBOR_BSTR ? SP_OK : SP_ERR_KEY;
	case COSE_KEY_ALG:
		return it.major == CBOR_NINT || it.major == CBOR_UINT ?
		    SP_OK : SP_ERR_KEY;
	default:
		/* Private key material never travels in our formats. */
		return SP_ERR_KEY;
	}
}

static int
key_decode(struct sig_pub *k, struct cbor_reader *r, bool vouched)
{
	struct cose_key_parts p = { .kty = -1, .crv = -1 };
	uint64_t n, i;
	int64_t label;
	int ret;

	memset(k, 0, sizeof(*k));
	if ((ret = cbor_read_map(r, &n)) != SP_OK)
		return ret;
	if (n > 8)
		return SP_ERR_KEY;
	for (i = 0; i < n; i++) {
		if ((ret = cbor_read_int(r, &label)) != SP_OK)
			return ret == SP_ERR_CBOR_TYPE ? SP_ERR_KEY : ret;
		if ((ret = cose_key_field(&p, r, label)) != SP_OK)
			return ret;
	}
	if (p.kty == COSE_KTY_OKP && p.crv == COSE_CRV_ED25519) {
		if (p.x_len != SIG_ED25519_PK_LEN || p.y != NULL ||
		    p.has_y_bool)
			return SP_ERR_KEY;
		return vouched ? sig_pub_from_raw_vouched(k, SIG_ALG_EDDSA, p.x,
		    p.x_len) : sig_pub_from_raw(k, SIG_ALG_EDDSA, p.x, p.x_len);
	}
	if (p.kty == COSE_KTY_EC2 && p.crv == COSE_CRV_P256) {
		uint8_t pt[33];

		if (p.x_len != 32)
			return SP_ERR_KEY;
		if (p.y != NULL)
			return p.y_len == 32 ?
			    sig_pub_from_p256_xy(k, p.x, p.y) : SP_ERR_KEY;
		if (!p.has_y_bool)
			return SP_ERR_KEY;
		pt[0] = p.y_bool ? 0x03 : 0x02;
		memcpy(pt + 1, p.x, 32);
		return sig_pub_from_raw(k, SIG_ALG_ES256, pt, sizeof(pt));
	}
	if (p.kty == COSE_KTY_OKP || p.kty == COSE_KTY_EC2)
		return SP_ERR_UNSUPPORTED_ALG;
	return SP_ERR_KEY;
}

int
cose_key_decode(struct sig_pub *k, struct cbor_reader *r)
{
	return key_decode(k, r, false);
}

int
cose_key_decode_vouched(struct sig_pub *k, struct cbor_reader *r)
{
	return key_decode(k, r, true);
}
