/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The verifier's state as one blob (sp_verifier_save/_load): deterministic
 * CBOR [1, trust chain bstr, registry state bstr / null, catalogue bstr /
 * null]. Loading re-verifies everything into a scratch verifier and takes
 * its state only when all of it verified.
 */
#include "verifier_int.h"

#include <stdlib.h>
#include <string.h>

#include "cbor.h"

#define STATE_MAX_LEN (8u << 20)	/* chain 1 MiB + list + catalogue */

static const struct cbor_limits state_limits = {
	.max_len = STATE_MAX_LEN,
	.max_depth = 1,
	.max_items = 8,
	.max_count = 4,
	.max_str = STATE_MAX_LEN,
};

int
sp_verifier_save(const struct sp_verifier *v, uint8_t **out, size_t *len)
{
	uint8_t *reg = NULL;
	size_t reg_len = 0;
	struct sp_buf b;
	struct cbor_enc e;
	int r;

	if (v == NULL || out == NULL || len == NULL)
		return SP_ERR_INVALID_ARG;
	if (v->n_versions == 0)
		return SP_ERR_INVALID_ARG;	/* nothing trusted yet */
	sp_buf_init(&b);
	if (sp_reg_mirror_checkpoint_time(v->mirror) != 0 &&
	    (r = sp_reg_mirror_save(v->mirror, &reg, &reg_len)) != SP_OK)
		return r;
	cbor_enc_init(&e, &b);
	cbor_put_array(&e, 4);
	cbor_put_uint(&e, VF_STATE_VERSION);
	cbor_put_bstr(&e, v->chain.ptr, v->chain.len);
	if (reg != NULL)
		cbor_put_bstr(&e, reg, reg_len);
	else
		cbor_put_null(&e);
	if (v->has_cat)
		cbor_put_bstr(&e, v->cat_raw.ptr, v->cat_raw.len);
	else
		cbor_put_null(&e);
	if ((r = cbor_enc_finish(&e)) != SP_OK)
		goto fail;
	if ((*out = malloc(b.len)) == NULL) {
		r = SP_ERR_NOMEM;
		goto fail;
	}
	memcpy(*out, b.ptr, b.len);
	*len = b.len;
fail:
	sp_bytes_free(reg, reg_len);
	sp_buf_clear(&b);
	return r;
}

/* Reads a bstr or null (*p NULL). */
static int
opt_bstr(struct cbor_reader *r, const uint8_t **p, size_t *len)
{
	*p = NULL;
	*len = 0;
	if (cbor_read_null(r))
		return SP_OK;
	return cbor_read_bstr(r, p, len);
}

int
sp_verifier_load(struct sp_verifier *v, const uint8_t *blob, size_t len)
{
	struct sp_verifier *nv = NULL;
	struct cbor_reader r;
	const uint8_t *chain, *reg, *cat;
	size_t chain_len, reg_len, cat_len;
	uint64_t n, ver;
	int ret;

	if (v == NULL || blob == NULL || len == 0)
		return SP_ERR_INVALID_ARG;
	if (len > STATE_MAX_LEN)
		return SP_ERR_TOO_LARGE;
	if ((ret = cbor_check(blob, len, &state_limits, CBOR_F_DETERMINISTIC,
	    NULL)) != SP_OK)
		return ret;
	cbor_reader_init(&r, blob, len);
	if ((ret = cbor_read_array(&r, &n)) != SP_OK)
		return ret;
	if (n != 4)
		return SP_ERR_CBOR_VALUE;
	if ((ret = cbor_read_uint(&r, &ver)) != SP_OK)
		return ret;
	if (ver != VF_STATE_VERSION)
		return SP_ERR_VERSION;
	if ((ret = cbor_read_bstr(&r, &chain, &chain_len)) != SP_OK ||
	    (ret = opt_bstr(&r, &reg, &reg_len)) != SP_OK ||
	    (ret = opt_bstr(&r, &cat, &cat_len)) != SP_OK)
		return ret;
	if (chain_len == 0 || (reg != NULL && reg_len == 0) ||
	    (cat != NULL && cat_len == 0))
		return SP_ERR_CBOR_VALUE;
	if ((ret = sp_verifier_new(&nv, v->provider, &v->pol)) != SP_OK)
		return ret;
	if ((ret = vf_trust_apply(nv, NULL, chain, chain_len)) != SP_OK)
		goto fail;
	if (reg != NULL && (ret = sp_reg_mirror_load(nv->mirror, reg,
	    reg_len)) != SP_OK)
		goto fail;
	if (cat != NULL && (ret = sp_verifier_catalogue(nv, cat, cat_len)) !=
	    SP_OK)
		goto fail;
	vf_state_swap(v, nv);
fail:
	sp_verifier_free(&nv);
	return ret;
}
