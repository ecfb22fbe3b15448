/* SPDX-License-Identifier: Apache-2.0 */
/* Ledger test fixture (lfix.h). */
#include "lfix.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define YEAR (365 * 86400)

static const char *const scopes[] = { "sport/2026" };
static const int claims[] = { SP_CLAIM_CATEGORY };

static int
make_pass(struct lfix *f, unsigned pass_no)
{
	uint8_t cose[128], tag[SP_TAG_LEN], secret[32];
	size_t cose_len = sizeof(cose);
	struct sp_pass_builder *b = NULL;
	char no[32];
	int r;

	memset(secret, 0x33, sizeof(secret));
	snprintf(no, sizeof(no), "0014-%u", pass_no);
	sp_limit_key_derive(tag, secret, sizeof(secret), no, "sport");
	sp_limit_tag_derive(tag, tag, sizeof(tag), "sport/2026");
	if ((r = sp_key_public_cose(f->holder, cose, &cose_len)) != SP_OK ||
	    (r = sp_pass_builder_new(&b)) != SP_OK)
		return r;
	if ((r = sp_pass_builder_set_issuer(b, "GM0014")) != SP_OK ||
	    (r = sp_pass_builder_set_times(b, LFIX_T0, 0, LFIX_T0 + YEAR)) !=
	    SP_OK ||
	    (r = sp_pass_builder_set_status(b, 1, pass_no)) != SP_OK ||
	    (r = sp_pass_builder_set_holder(b, cose, cose_len)) != SP_OK ||
	    (r = sp_pass_builder_add_text(b, SP_CLAIM_PASS_NO, no)) != SP_OK ||
	    (r = sp_pass_builder_add_text(b, SP_CLAIM_CATEGORY, "sport")) !=
	    SP_OK ||
	    (r = sp_pass_builder_add_limit_tag(b, "sport/2026", tag)) != SP_OK)
		goto out;
	r = sp_pass_issue(&f->issued, &f->issued_len, b, f->issuer, NULL);
out:
	sp_pass_builder_free(&b);
	return r;
}

int
lfix_init(struct lfix *f, unsigned pass_no)
{
	uint8_t seed[SP_SEED_LEN], cose[128];
	size_t cose_len = sizeof(cose);
	int r;

	memset(f, 0, sizeof(*f));
	memset(seed, 1, sizeof(seed));
	if ((r = sp_key_from_seed(&f->issuer, SP_ALG_EDDSA, seed)) != SP_OK)
		return r;
	memset(seed, (int)(2 + pass_no), sizeof(seed));
	if ((r = sp_key_from_seed(&f->holder, SP_ALG_EDDSA, seed)) != SP_OK)
		return r;
	for (size_t i = 0; i < sizeof(seed); i++)
		seed[i] = (uint8_t)(0x40 + i);
	if ((r = sp_key_from_seed(&f->till, SP_ALG_EDDSA, seed)) != SP_OK)
		return r;
	if ((r = sp_trust_new(&f->trust)) != SP_OK ||
	    (r = sp_key_public_cose(f->issuer, cose, &cose_len)) != SP_OK ||
	    (r = sp_trust_add_cose_key(f->trust, cose, cose_len)) != SP_OK)
		return r;
	return make_pass(f, pass_no);
}

void
lfix_clear(struct lfix *f)
{
	sp_key_free(&f->issuer);
	sp_key_free(&f->holder);
	sp_key_free(&f->till);
	sp_trust_free(&f->trust);
	sp_bytes_free(f->issued, f->issued_len);
	f->issued = NULL;
}

static int
fill(struct sp_verdict *vd, const struct sp_presentation *p, uint64_t offer,
    uint32_t limit)
{
	memset(vd, 0, sizeof(*vd));
	vd->approved = true;
	vd->reason = 0;
	vd->registry_age = -1;
	vd->catalogue_age = -1;
	vd->offer = offer;
	vd->amount_cents = 350;
	vd->limit = limit;
	vd->offer = sp_presentation_offer(p, &vd->counter);
	sp_presentation_replay_id(p, vd->replay_id);
	if (limit == 0)
		return SP_OK;
	strcpy(vd->scope, "sport/2026");
	return sp_presentation_limit_tag(p, vd->scope, vd->tag);
}

int
lfix_verdict(struct lfix *f, struct sp_verdict *vd, uint8_t **pres,
    size_t *len, uint64_t offer, uint32_t limit, int64_t t,
    uint64_t counter)
{
	struct sp_present_opts po = {
		.time = t, .audience = LFIX_PROVIDER, .offer = offer,
		.counter = counter, .disclose = claims, .disclose_count = 1,
		.scopes = scopes, .scope_count = 1,
	};
	struct sp_verify_opts vo = SP_VERIFY_OPTS_DEFAULT;
	struct sp_presentation *p = NULL;
	int r;

	*pres = NULL;
	vo.now = t;
	vo.audience = LFIX_PROVIDER;
	if ((r = sp_present(pres, len, f->issued, f->issued_len, f->holder,
	    &po)) != SP_OK)
		return r;
	if ((r = sp_presentation_verify(&p, f->trust, &vo, *pres, *len)) !=
	    SP_OK)
		return r;
	r = fill(vd, p, offer, limit);
	vd->raw = *pres;
	vd->raw_len = *len;
	sp_presentation_free(&p);
	return r;
}

char *
lfix_tmpdir(void)
{
	const char *base = getenv("SP_TEST_DIR");
	char *p;

	if (base == NULL || *base == '\0')
		base = ".";
	if ((p = malloc(strlen(base) + 16)) == NULL)
		return NULL;
	sprintf(p, "%s/ledger-XXXXXX", base);
	if (mkdtemp(p) == NULL) {
		free(p);
		return NULL;
	}
	return p;
}

void
lfix_rmdir(char *dir)
{
	DIR *d;
	struct dirent *e;
	char path[4096];

	if (dir == NULL)
		return;
	if ((d = opendir(dir)) != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 ||
			    strcmp(e->d_name, "..") == 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			(void)unlink(path);
		}
		closedir(d);
	}
	(void)rmdir(dir);
	free(dir);
}
