/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The verifier's state (sp_verifier.h): the pinned trust list chain, the
 * registry mirror checked with its keys, the offers catalogue. A change
 * of trust list rebuilds the keys and re-verifies the registry state and
 * the catalogue with them, dropping what no trusted key vouches for any
 * more.
 */
#include "verifier_int.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

int
sp_verifier_new(struct sp_verifier **out, const char *provider_id,
    const struct sp_policy *pol)
{
	static const struct sp_policy def = SP_POLICY_DEFAULT;
	struct sp_verifier *v;
	size_t n;
	int r;

	if (out == NULL || provider_id == NULL)
		return SP_ERR_INVALID_ARG;
	if ((n = strlen(provider_id)) == 0 || n > VF_PROVIDER_MAX)
		return SP_ERR_INVALID_ARG;
	if (sodium_init() < 0)
		return SP_ERR_INTERNAL;
	if ((v = calloc(1, sizeof(*v))) == NULL)
		return SP_ERR_NOMEM;
	memcpy(v->provider, provider_id, n);
	v->pol = pol != NULL ? *pol : def;
	sp_buf_init(&v->chain);
	sp_buf_init(&v->cat_raw);
	if ((r = sp_trust_new(&v->trust)) != SP_OK ||
	    (r = sp_reg_mirror_new(&v->mirror, VF_LIST_ID, v->trust)) !=
	    SP_OK) {
		sp_verifier_free(&v);
		return r;
	}
	*out = v;
	return SP_OK;
}

void
sp_verifier_free(struct sp_verifier **vp)
{
	struct sp_verifier *v;

	if (vp == NULL || (v = *vp) == NULL)
		return;
	sp_reg_mirror_free(&v->mirror);
	sp_trust_free(&v->trust);
	sp_buf_clear(&v->chain);
	offers_clear(&v->cat);
	sp_buf_clear(&v->cat_raw);
	free(v->over);
	sodium_memzero(v, sizeof(*v));
	free(v);
	*vp = NULL;
}

const char *
sp_verifier_provider(const struct sp_verifier *v)
{
	return v != NULL ? v->provider : NULL;
}

int
sp_verifier_offer_policy(struct sp_verifier *v, uint64_t offer,
    uint32_t registry_max_age)
{
	struct vf_override *o;
	size_t i;

	if (v == NULL || offer == 0)
		return SP_ERR_INVALID_ARG;
	for (i = 0; i < v->n_over; i++) {
		if (v->over[i].offer != offer)
			continue;
		if (registry_max_age != 0) {
			v->over[i].max_age = registry_max_age;
		} else {
			v->over[i] = v->over[v->n_over - 1];
			v->n_over--;
		}
		return SP_OK;
	}
	if (registry_max_age == 0)
		return SP_OK;
	if (v->n_over >= 4096)
		return SP_ERR_TOO_LARGE;
	if ((o = realloc(v->over, (v->n_over + 1) * sizeof(*o))) == NULL)
		return SP_ERR_NOMEM;
	v->over = o;
	v->over[v->n_over++] = (struct vf_override){
		.offer = offer, .max_age = registry_max_age,
	};
	return SP_OK;
}

/* ---- Trust list ------------------------------------------------------ */

/* The held catalogue re-verified with trust t into *out (copies), or an
 * empty one if no key of t vouches for it any more. */
static int
catalogue_recheck(const struct sp_verifier *v, const struct sp_trust *t,
    struct sp_buf *raw, struct offers_cat *cat, bool *has)
{
	int r;

	*has = false;
	if (!v->has_cat)
		return SP_OK;
	if ((r = sp_buf_set(raw, v->cat_raw.ptr, v->cat_raw.len)) != SP_OK)
		return r;
	r = offers_open(cat, t, raw->ptr, raw->len);
	if (r == SP_ERR_NOMEM)
		return r;
	if (r != SP_OK) {
		offers_clear(cat);
		sp_buf_clear(raw);
		return SP_OK;
	}
	*has = true;
	return SP_OK;
}

/* A mirror for trust t holding the current registry state if a key of
 * t still vouches for its checkpoint, else an empty one. */
static int
mirror_recheck(const struct sp_verifier *v, const struct sp_trust *t,
    struct sp_reg_mirror **out)
{
	uint8_t *state = NULL;
	size_t len = 0;
	int r;

	if ((r = sp_reg_mirror_new(out, VF_LIST_ID, t)) != SP_OK)
		return r;
	if (sp_reg_mirror_checkpoint_time(v->mirror) == 0)
		return SP_OK;
	if ((r = sp_reg_mirror_save(v->mirror, &state, &len)) != SP_OK)
		goto fail;
	if ((r = sp_reg_mirror_load(*out, state, len)) == SP_ERR_NOMEM)
		goto fail;
	if (r != SP_OK) {	/* its key is gone: registry_too_old */
		sp_reg_mirror_free(out);
		r = sp_reg_mirror_new(out, VF_LIST_ID, t);
	}
fail:
	sp_bytes_free(state, len);
	if (r != SP_OK)
		sp_reg_mirror_free(out);
	return r;
}

/* Installs chain (its newest version latest, borrowed from chain) with
 * everything rebuilt; nothing changes on failure. */
static int
trust_install(struct sp_verifier *v, const uint8_t *chain, size_t len,
    uint64_t n, const struct tl_version *latest)
{
	struct sp_verifier nv;
	size_t i;
	int r;

	memset(&nv, 0, sizeof(nv));
	sp_buf_init(&nv.chain);
	sp_buf_init(&nv.cat_raw);
	if ((r = sp_buf_set(&nv.chain, chain, len)) != SP_OK)
		goto fail;
	nv.cur = *latest;
	for (i = 0; i < nv.cur.n_keys; i++)	/* rebase the key views */
		nv.cur.keys[i].ptr = nv.chain.ptr +
		    (latest->keys[i].ptr - chain);
	nv.n_versions = n;
	if ((r = tl_trust_build(&nv.trust, &nv.cur)) != SP_OK ||
	    (r = mirror_recheck(v, nv.trust, &nv.mirror)) != SP_OK ||
	    (r = catalogue_recheck(v, nv.trust, &nv.cat_raw, &nv.cat,
	    &nv.has_cat)) != SP_OK)
		goto fail;
	vf_state_swap(v, &nv);
fail:
	sp_reg_mirror_free(&nv.mirror);
	sp_trust_free(&nv.trust);
	sp_buf_clear(&nv.chain);
	offers_clear(&nv.cat);
	sp_buf_clear(&nv.cat_raw);
	return r;
}

void
vf_state_swap(struct sp_verifier *a, struct sp_verifier *b)
{
	struct sp_verifier t = *a;

	a->chain = b->chain;
	a->n_versions = b->n_versions;
	a->cur = b->cur;
	a->trust = b->trust;
	a->mirror = b->mirror;
	a->has_cat = b->has_cat;
	a->cat_raw = b->cat_raw;
	a->cat = b->cat;
	b->chain = t.chain;
	b->n_versions = t.n_versions;
	b->cur = t.cur;
	b->trust = t.trust;
	b->mirror = t.mirror;
	b->has_cat = t.has_cat;
	b->cat_raw = t.cat_raw;
	b->cat = t.cat;
}

static bool
pin_found(const struct tl_version *v1, const uint8_t *pin)
{
	size_t i;
	bool found = false;

	for (i = 0; i < v1->n_keys; i++)
		found |= sodium_memcmp(v1->fp[i], pin, 32) == 0;
	return found;
}

/* Versions we hold must reappear unchanged in a newer chain. */
static int
prefix_check(const struct sp_verifier *v, const struct tl_chain *c)
{
	struct tl_chain *held;
	size_t i, n;
	int r;

	if (v->n_versions == 0)
		return SP_OK;
	if ((held = malloc(sizeof(*held))) == NULL)
		return SP_ERR_NOMEM;
	if ((r = tl_chain_split(held, v->chain.ptr, v->chain.len)) != SP_OK)
		goto out;
	n = held->n < c->n ? held->n : c->n;
	for (i = 0; i < n && r == SP_OK; i++)
		if (held->v[i].len != c->v[i].len || memcmp(held->v[i].ptr,
		    c->v[i].ptr, c->v[i].len) != 0)
			r = SP_ERR_REG_FORK;
out:
	free(held);
	return r;
}

int
vf_trust_apply(struct sp_verifier *v, const uint8_t *pin,
    const uint8_t *chain, size_t len)
{
	struct tl_chain *c;
	struct tl_version *ver = NULL, *prev, *next;
	size_t i;
	int r;

	if ((c = malloc(sizeof(*c))) == NULL)
		return SP_ERR_NOMEM;
	if ((r = tl_chain_split(c, chain, len)) != SP_OK ||
	    (r = prefix_check(v, c)) != SP_OK)
		goto out;
	if (c->n <= v->n_versions)
		goto out;	/* nothing newer: a chain never goes back */
	r = SP_ERR_NOMEM;
	if ((ver = calloc(2, sizeof(*ver))) == NULL)
		goto out;
	prev = NULL;
	if (v->n_versions > 0) {
		ver[0] = v->cur;
		prev = &ver[0];
	}
	for (i = (size_t)v->n_versions; i < c->n; i++) {
		next = prev == &ver[0] ? &ver[1] : &ver[0];
		if ((r = tl_version_open(next, prev, i + 1, c->v[i].ptr,
		    c->v[i].len)) != SP_OK)
			goto out;
		if (i == 0 && pin != NULL && !pin_found(next, pin)) {
			r = SP_ERR_KEY_MISMATCH;
			goto out;
		}
		prev = next;
	}
	r = trust_install(v, chain, len, c->n, prev);
out:
	free(ver);
	free(c);
	return r;
}

int
sp_verifier_trust_pin(struct sp_verifier *v, const uint8_t fingerprint[32],
    const uint8_t *chain, size_t len)
{
	if (v == NULL || fingerprint == NULL || chain == NULL || len == 0 ||
	    v->n_versions != 0)
		return SP_ERR_INVALID_ARG;
	return vf_trust_apply(v, fingerprint, chain, len);
}

int
sp_verifier_trust_update(struct sp_verifier *v, const uint8_t *chain,
    size_t len)
{
	if (v == NULL || chain == NULL || len == 0 || v->n_versions == 0)
		return SP_ERR_INVALID_ARG;
	return vf_trust_apply(v, NULL, chain, len);
}

uint64_t
sp_verifier_trust_version(const struct sp_verifier *v)
{
	return v != NULL ? v->n_versions : 0;
}

size_t
sp_verifier_trust_count(const struct sp_verifier *v)
{
	return v != NULL && v->n_versions > 0 ? v->cur.n_keys : 0;
}

const struct sp_trust *
sp_verifier_trust(const struct sp_verifier *v)
{
	return v != NULL ? v->trust : NULL;
}

/* ---- Registry -------------------------------------------------------- */

int
sp_verifier_registry_bootstrap(struct sp_verifier *v,
    const uint8_t *snapshot, size_t len)
{
	if (v == NULL)
		return SP_ERR_INVALID_ARG;
	return sp_reg_mirror_bootstrap(v->mirror, snapshot, len);
}

int
sp_verifier_registry_apply(struct sp_verifier *v, const uint8_t *delta,
    size_t len)
{
	if (v == NULL)
		return SP_ERR_INVALID_ARG;
	return sp_reg_mirror_apply(v->mirror, delta, len);
}

uint64_t
sp_verifier_registry_size(const struct sp_verifier *v)
{
	return v != NULL ? sp_reg_mirror_size(v->mirror) : 0;
}

int64_t
sp_verifier_registry_time(const struct sp_verifier *v)
{
	return v != NULL ? sp_reg_mirror_checkpoint_time(v->mirror) : 0;
}
