/* SPDX-License-Identifier: Apache-2.0 */
/* The wallet tests' in-memory platform and simulated issuer (wtest.h). */
#include "wtest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "cbor.h"
#include "cose.h"
#include "sig.h"
#include "wallet_int.h"

const struct sp_wallet_kdf wt_kdf_fast = {
	.opslimit = 1, .memlimit = 64 * 1024,
};

/* ---- Platform --------------------------------------------------------- */

struct wt_file *
wt_file(struct wt_env *e, const char *name)
{
	size_t i;

	for (i = 0; i < e->n_files; i++)
		if (strcmp(e->files[i].name, name) == 0)
			return &e->files[i];
	return NULL;
}

void
wt_fail_writes(struct wt_env *e, int n, const char *name)
{
	e->fail_writes = n;
	e->fail_name = name;
}

static int
wt_read(void *ctx, const char *name, uint8_t *buf, size_t cap, size_t *len)
{
	struct wt_file *f = wt_file(ctx, name);

	if (f == NULL)
		return SP_ERR_NOT_FOUND;
	*len = f->len;
	if (f->len > cap)
		return SP_ERR_BUFFER_SMALL;
	if (f->len > 0)
		memcpy(buf, f->data, f->len);
	return SP_OK;
}

static int
wt_write(void *ctx, const char *name, const uint8_t *buf, size_t len)
{
	struct wt_env *e = ctx;
	struct wt_file *f;
	uint8_t *d;

	if (e->fail_writes > 0 && (e->fail_name == NULL ||
	    strcmp(e->fail_name, name) == 0)) {
		e->fail_writes--;
		return SP_ERR_STORAGE;
	}
	if ((f = wt_file(e, name)) == NULL) {
		if (e->n_files == WT_MAX_FILES || strlen(name) >= 64)
			return SP_ERR_STORAGE_FULL;
		f = &e->files[e->n_files++];
		memset(f, 0, sizeof(*f));
		memcpy(f->name, name, strlen(name) + 1);
	}
	if ((d = malloc(len > 0 ? len : 1)) == NULL)
		return SP_ERR_STORAGE_FULL;
	memcpy(d, buf, len);
	free(f->data);
	f->data = d;
	f->len = len;
	e->writes++;
	return SP_OK;
}

static int64_t
wt_now(void *ctx)
{
	return ((struct wt_env *)ctx)->now;
}

static int
wt_random(void *ctx, uint8_t *buf, size_t len)
{
	struct wt_env *e = ctx;
	uint8_t seed[randombytes_SEEDBYTES], ctr[8];
	size_t i;

	for (i = 0; i < 8; i++)
		ctr[i] = (uint8_t)(e->rng_ctr >> (8 * i));
	e->rng_ctr++;
	crypto_generichash(seed, sizeof(seed), ctr, sizeof(ctr), e->rng_key,
	    sizeof(e->rng_key));
	randombytes_buf_deterministic(buf, len, seed);
	return SP_OK;
}

static int
hw_index(const struct wt_env *e, const uint8_t *h, size_t n)
{
	unsigned i = 0;
	size_t k;

	if (n < 3 || n > 5 || h[0] != 'h' || h[1] != 'w')
		return -1;
	for (k = 2; k < n; k++) {
		if (h[k] < '0' || h[k] > '9')
			return -1;
		i = i * 10 + (unsigned)(h[k] - '0');
	}
	return i < e->n_hw && e->hw_live[i] ? (int)i : -1;
}

static int
wt_hw_keygen(void *ctx, uint8_t *handle, size_t *handle_len, uint8_t *cose,
    size_t *cose_len)
{
	struct wt_env *e = ctx;
	struct sp_key *k = NULL;
	int n, r;

	if (e->n_hw == WT_MAX_HW)
		return SP_ERR_STORAGE_FULL;
	do {
		wt_random(e, e->hw_seed[e->n_hw], 32);
		r = sp_key_from_seed(&k, SP_ALG_ES256, e->hw_seed[e->n_hw]);
	} while (r == SP_ERR_KEY);
	if (r == SP_OK)
		r = sp_key_public_cose(k, cose, cose_len);
	sp_key_free(&k);
	if (r != SP_OK)
		return r;
	n = snprintf((char *)handle, *handle_len, "hw%zu", e->n_hw);
	*handle_len = (size_t)n;
	e->hw_live[e->n_hw++] = true;
	return SP_OK;
}

static int
wt_hw_sign(void *ctx, const uint8_t *handle, size_t handle_len,
    uint8_t sig[64], const uint8_t *msg, size_t msg_len)
{
	struct wt_env *e = ctx;
	struct sig_priv k;
	size_t sl = 0;
	int i = hw_index(e, handle, handle_len), r;

	e->hw_signs++;
	if (i < 0 || e->hw_fail)
		return -1;
	memset(&k, 0, sizeof(k));
	r = sig_priv_from_seed(&k, SIG_ALG_ES256, e->hw_seed[i]);
	if (r == SP_OK)
		r = sig_sign(&k, sig, &sl, msg, msg_len);
	sig_priv_clear(&k);
	return r;
}

static void
wt_hw_delete(void *ctx, const uint8_t *handle, size_t handle_len)
{
	struct wt_env *e = ctx;
	int i = hw_index(e, handle, handle_len);

	if (i >= 0) {
		e->hw_live[i] = false;
		e->hw_deletes++;
	}
}

static void
wt_log(void *ctx, const char *msg)
{
	(void)msg;
	((struct wt_env *)ctx)->logs++;
}

void
wt_env_init(struct wt_env *e, uint8_t seed)
{
	memset(e, 0, sizeof(*e));
	memset(e->rng_key, seed, sizeof(e->rng_key));
	e->now = WT_T0 + 10 * WT_DAY;
	if (sodium_init() < 0)
		abort();
}

void
wt_env_free(struct wt_env *e)
{
	size_t i;

	for (i = 0; i < e->n_files; i++)
		free(e->files[i].data);
	sodium_memzero(e, sizeof(*e));
}

void
wt_ops(struct wt_env *e, struct sp_wallet_ops *ops, bool hw)
{
	memset(ops, 0, sizeof(*ops));
	ops->version = SP_WALLET_OPS_VERSION;
	ops->ctx = e;
	ops->read = wt_read;
	ops->write_atomic = wt_write;
	ops->now = wt_now;
	ops->random = wt_random;
	ops->log = wt_log;
	if (hw) {
		ops->hw_keygen = wt_hw_keygen;
		ops->hw_sign = wt_hw_sign;
		ops->hw_delete = wt_hw_delete;
	}
}

/* ---- Simulated issuer ------------------------------------------------- */

void
sim_nonce_json(char out[128], uint8_t b)
{
	char hex[65];
	uint8_t n[32];

	memset(n, b, sizeof(n));
	sodium_bin2hex(hex, sizeof(hex), n, sizeof(n));
	snprintf(out, 128, "{\"nonce\":\"%s\",\"expires\":%d}", hex,
	    WT_T0 + 300);
}

int
sim_init(struct sim_issuer *s, uint8_t seed, int alg)
{
	uint8_t sd[SP_SEED_LEN];
	int r;

	memset(s, 0, sizeof(*s));
	memset(sd, seed, sizeof(sd));
	if ((r = sp_key_from_seed(&s->key, alg, sd)) != SP_OK)
		return r;
	sd[0] ^= 0x5a;
	if ((r = sp_key_from_seed(&s->rogue, alg, sd)) != SP_OK)
		return r;
	s->cose_len = sizeof(s->cose);
	if ((r = sp_key_public_cose(s->key, s->cose, &s->cose_len)) != SP_OK)
		return r;
	/* COSE_KeySet: [key] */
	s->keyset[0] = 0x81;
	memcpy(s->keyset + 1, s->cose, s->cose_len);
	s->keyset_len = s->cose_len + 1;
	s->iat = WT_T0;
	s->exp = WT_T0 + WT_YEAR;
	s->pass_no = "0014-000777";
	s->name = "Noor Yilmaz";
	s->birth_year = 2016;
	s->under12 = true;
	s->under18 = true;
	s->cats[0] = "sport";
	s->cats[1] = "swim";
	s->n_cats = 2;
	s->yearly = true;
	memset(s->secret, 0x3c, sizeof(s->secret));
	s->next_idx = 1000;
	return SP_OK;
}

void
sim_free(struct sim_issuer *s)
{
	sp_key_free(&s->key);
	sp_key_free(&s->rogue);
	sodium_memzero(s, sizeof(*s));
}

static int
proof_check(struct sim_issuer *s, const uint8_t *cose, size_t cose_len,
    const uint8_t *sig, size_t sig_len, const uint8_t nonce[32],
    const char *code)
{
	static const char label[] = "stadspas pop v1";
	uint8_t msg[sizeof(label) + 32 + 64];
	struct cbor_reader rd;
	struct sig_pub pub;
	size_t n = 0, cl = strlen(code);
	int r;

	if (cl > 64 || sig_len != 64)
		return SP_ERR_SIGNATURE;
	memset(&pub, 0, sizeof(pub));
	cbor_reader_init(&rd, cose, cose_len);
	if ((r = cose_key_decode(&pub, &rd)) != SP_OK)
		return r;
	memcpy(msg, label, sizeof(label));
	n += sizeof(label);
	memcpy(msg + n, nonce, 32);
	n += 32;
	memcpy(msg + n, code, cl);
	n += cl;
	r = sig_verify(&pub, pub.alg, msg, n, sig, sig_len);
	sig_pub_clear(&pub);
	if (r == SP_OK)
		s->proofs_checked++;
	return r;
}

static int
issue_one(uint8_t **out, size_t *len, struct sim_issuer *s,
    const uint8_t *holder, size_t holder_len, size_t i, int64_t now)
{
	struct sp_pass_builder *b = NULL;
	uint8_t key[SP_TAG_LEN], tag[SP_TAG_LEN];
	char scope[80];
	int64_t iat = s->iat, exp = s->exp;
	const struct sp_key *signer = s->key;
	size_t c;
	int r;

	if (s->defect == SIM_EXPIRED) {
		iat = now - 2 * WT_YEAR;
		exp = now - WT_DAY;
	}
	if (s->defect == SIM_OTHER_TIMES && i == 1)
		exp += WT_DAY;
	if (s->defect == SIM_OTHER_ISSUER && i == 1)
		signer = s->rogue;
	if ((r = sp_pass_builder_new(&b)) != SP_OK)
		return r;
	if ((r = sp_pass_builder_set_issuer(b, "GM0014")) != SP_OK ||
	    (r = sp_pass_builder_set_times(b, iat, s->nbf, exp)) != SP_OK ||
	    (r = sp_pass_builder_set_status(b, 1, s->next_idx++)) != SP_OK ||
	    (r = sp_pass_builder_set_holder(b, holder, holder_len)) != SP_OK)
		goto out;
	if (s->defect != SIM_NO_PASS_NO &&
	    (r = sp_pass_builder_add_text(b, SP_CLAIM_PASS_NO, s->pass_no)) !=
	    SP_OK)
		goto out;
	if ((r = sp_pass_builder_add_text(b, SP_CLAIM_NAME,
	    s->defect == SIM_DIFF_CLAIMS && i == 1 ? "Someone Else" :
	    s->name)) != SP_OK ||
	    (r = sp_pass_builder_add_uint(b, SP_CLAIM_BIRTH_YEAR,
	    s->birth_year)) != SP_OK ||
	    (r = sp_pass_builder_add_bool(b, SP_CLAIM_AGE_UNDER_12,
	    s->under12)) != SP_OK ||
	    (r = sp_pass_builder_add_bool(b, SP_CLAIM_AGE_UNDER_18,
	    s->under18)) != SP_OK ||
	    (r = sp_pass_builder_add_bool(b, SP_CLAIM_AGE_OVER_65, false)) !=
	    SP_OK)
		goto out;
	for (c = 0; c < s->n_cats; c++)
		if ((r = sp_pass_builder_add_text(b, SP_CLAIM_CATEGORY,
		    s->cats[c])) != SP_OK)
			goto out;
	for (c = 0; c < s->n_cats; c++) {
		sp_limit_key_derive(key, s->secret, sizeof(s->secret),
		    s->pass_no, s->cats[c]);
		if ((r = sp_pass_builder_add_limit_key(b, s->cats[c], key)) !=
		    SP_OK)
			goto out;
		if (s->yearly && c == 0) {
			snprintf(scope, sizeof(scope), "%s/2026", s->cats[c]);
			sp_limit_tag_derive(tag, key, sizeof(key), scope);
			if ((r = sp_pass_builder_add_limit_tag(b, scope, tag)) !=
			    SP_OK)
				goto out;
		}
	}
	r = sp_pass_issue(out, len, b, signer, NULL);
out:
	sp_pass_builder_free(&b);
	return r;
}

/* Defects applied to the bytes of copy 1 after signing. */
static void
damage(uint8_t *p, size_t len, struct sim_issuer *s)
{
	struct wal_issued *v = malloc(sizeof(*v));
	uint8_t *hit;

	if (v == NULL)
		abort();
	if (s->defect == SIM_ALTER_LEAF) {
		hit = memmem(p, len, s->name, strlen(s->name));
		if (hit != NULL)
			hit[0] ^= 0x01;	/* 'N' -> 'O': still UTF-8 */
	}
	if (s->defect == SIM_BAD_SIG && wal_issued_parse(v, p, len) == SP_OK) {
		hit = p + (v->cose.sig - p);
		hit[10] ^= 0x01;
	}
	free(v);
}

int
sim_issue(char **resp, struct sim_issuer *s, const char *request,
    int64_t now)
{
	json_t *req, *proofs, *passes = NULL, *o;
	struct sp_buf nonce, key, sig, foreign;
	struct sp_key *fk = NULL;
	const char *code;
	size_t i, n, copies;
	int r = SP_ERR_INVALID_ARG;

	sp_buf_init(&nonce);
	sp_buf_init(&key);
	sp_buf_init(&sig);
	sp_buf_init(&foreign);
	if ((req = json_loads(request, JSON_REJECT_DUPLICATES, NULL)) == NULL)
		return SP_ERR_INVALID_ARG;
	code = json_string_value(json_object_get(req, "code"));
	proofs = json_object_get(req, "proofs");
	if (json_object_size(req) != 3 || code == NULL ||
	    wal_unhex(&nonce, json_string_value(json_object_get(req, "nonce")),
	    32) != SP_OK || nonce.len != 32 || !json_is_array(proofs) ||
	    (n = json_array_size(proofs)) == 0)
		goto out;
	/* Every proof first, as the daemon does. */
	for (i = 0; i < n; i++) {
		o = json_array_get(proofs, i);
		if (json_object_size(o) != 2 ||
		    wal_unhex(&key, json_string_value(json_object_get(o, "key")),
		    128) != SP_OK ||
		    wal_unhex(&sig, json_string_value(json_object_get(o, "sig")),
		    64) != SP_OK)
			goto out;
		if ((r = proof_check(s, key.ptr, key.len, sig.ptr, sig.len,
		    nonce.ptr, code)) != SP_OK)
			goto out;
	}
	if (s->defect == SIM_ERROR_BODY) {
		*resp = strdup("{\"error\":\"gone\",\"message\":\"code used\"}");
		r = *resp != NULL ? SP_OK : SP_ERR_NOMEM;
		goto out;
	}
	copies = s->defect == SIM_FEWER ? (n + 1) / 2 :
	    s->defect == SIM_EXTRA_COPY ? n + 1 : n;
	passes = json_array();
	for (i = 0; i < copies; i++) {
		uint8_t *p = NULL;
		size_t len = 0;
		char *hex;
		const struct sp_buf *holder = &key;

		o = json_array_get(proofs, s->defect == SIM_DUP_KEY && i == 1 ?
		    0 : i % n);
		if (wal_unhex(&key, json_string_value(json_object_get(o,
		    "key")), 128) != SP_OK)
			goto out;
		if (s->defect == SIM_FOREIGN_KEY && i == 1) {
			uint8_t fc[128], sd[32];
			size_t kl = sizeof(fc);

			memset(sd, 0x77, sizeof(sd));
			if ((r = sp_key_from_seed(&fk, SP_ALG_EDDSA, sd)) !=
			    SP_OK ||
			    (r = sp_key_public_cose(fk, fc, &kl)) != SP_OK ||
			    (r = sp_buf_set(&foreign, fc, kl)) != SP_OK)
				goto out;
			holder = &foreign;
		}
		if ((r = issue_one(&p, &len, s, holder->ptr, holder->len, i,
		    now)) != SP_OK)
			goto out;
		if (i == 1)
			damage(p, len, s);
		hex = wal_hex(p, len);
		sp_bytes_free(p, len);
		if (s->defect == SIM_NOT_HEX && i == 1)
			hex[0] = 'z';
		json_array_append_new(passes, json_string(hex));
		free(hex);
	}
	o = json_pack("{s:O, s:i}", "passes", passes, "list",
	    s->defect == SIM_WRONG_LIST ? 2 : 1);
	*resp = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	r = *resp != NULL ? SP_OK : SP_ERR_NOMEM;
out:
	json_decref(passes);
	json_decref(req);
	sp_key_free(&fk);
	sp_buf_clear(&nonce);
	sp_buf_clear(&key);
	sp_buf_clear(&sig);
	sp_buf_clear(&foreign);
	return r;
}
