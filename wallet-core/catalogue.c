/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The municipality's signed offers catalogue (docs/FORMATS.md "Offers
 * catalogue", the body of GET /registry/offers), read by the wallet: the
 * signature checked with a trusted issuer key, the payload decoded
 * strictly, and each offer turned into the struct sp_wallet_offer that
 * sp_wallet_present takes.
 */
#include "wallet_int.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#define CAT_TYPE 3
#define CAT_MAX_LEN (1u << 20)
#define CAT_MAX_OFFERS 4096
#define CAT_MAX_PROVIDERS 1024
#define CAT_MAX_REQ 8
#define CAT_MAX_KEYS 16
#define CAT_CATEGORY_MAX 32
#define CAT_TEXT_MAX 128
#define CAT_COUNT_MAX 1000
#define CAT_AMOUNT_MAX 100000000u

struct cat_offer {
	uint64_t id;
	char category[CAT_CATEGORY_MAX + 1];
	char title[CAT_TEXT_MAX + 1];
	uint64_t amount;
	int period;			/* enum sp_wallet_period */
	uint32_t count;
	size_t n_req;
	uint8_t req[CAT_MAX_REQ];	/* claim keys, ascending */
	const char *names[CAT_MAX_REQ];	/* their names, category left out */
	size_t n_names;
	size_t n_prov;
	char prov[4][CAT_TEXT_MAX + 1];	/* the first few provider ids */
};

struct cat_provider {
	char id[CAT_TEXT_MAX + 1];
	char name[CAT_TEXT_MAX + 1];
};

struct sp_wallet_catalogue {
	uint64_t version;
	int64_t issued;
	size_t n_offers, n_providers;
	struct cat_offer *offers;
	struct cat_provider *providers;
};

static const struct cbor_limits cat_limits = {
	.max_len = CAT_MAX_LEN,
	.max_depth = 5,
	.max_items = 1u << 20,
	.max_count = 4096,
	.max_str = 4096,
};

/* Reads a text of 1..cap-1 bytes without NULs into out. */
static int
cat_text(struct cbor_reader *r, char *out, size_t cap)
{
	const char *s;
	size_t n;
	int ret;

	if ((ret = cbor_read_tstr(r, &s, &n)) != SP_OK)
		return ret;
	if (n == 0 || n >= cap || memchr(s, 0, n) != NULL)
		return SP_ERR_CBOR_VALUE;
	memcpy(out, s, n);
	out[n] = 0;
	return SP_OK;
}

static bool
category_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i] != 0; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' &&
		    s[i] <= '9') || s[i] == '_' || s[i] == '-'))
			return false;
	return i > 0;
}

static int
period_of(const char *s)
{
	if (strcmp(s, "year") == 0)
		return SP_WALLET_PERIOD_YEAR;
	if (strcmp(s, "month") == 0)
		return SP_WALLET_PERIOD_MONTH;
	if (strcmp(s, "week") == 0)
		return SP_WALLET_PERIOD_WEEK;
	if (strcmp(s, "day") == 0)
		return SP_WALLET_PERIOD_DAY;
	return -1;
}

static int
offer_limit(struct cbor_reader *r, struct cat_offer *o)
{
	char period[8];
	uint64_t n, k, count;
	int ret;

	if ((ret = cbor_read_map(r, &n)) != SP_OK)
		return ret;
	if (n != 2)
		return SP_ERR_CBOR_MISSING_KEY;
	if (cbor_read_uint(r, &k) != SP_OK || k != 1 ||
	    cbor_read_uint(r, &count) != SP_OK || count == 0 ||
	    count > CAT_COUNT_MAX ||
	    cbor_read_uint(r, &k) != SP_OK || k != 2 ||
	    cat_text(r, period, sizeof(period)) != SP_OK ||
	    (o->period = period_of(period)) < 0)
		return SP_ERR_CBOR_VALUE;
	o->count = (uint32_t)count;
	return SP_OK;
}

static int
offer_req(struct cbor_reader *r, struct cat_offer *o)
{
	uint64_t n, i, k;
	int ret;

	if ((ret = cbor_read_array(r, &n)) != SP_OK)
		return ret;
	if (n > CAT_MAX_REQ)
		return SP_ERR_CBOR_LIMIT;
	for (i = 0; i < n; i++) {
		if (cbor_read_uint(r, &k) != SP_OK || k == 0 ||
		    k > SP_CLAIM_HOUSEHOLD_SIZE ||
		    (i > 0 && k <= o->req[i - 1]))
			return SP_ERR_CBOR_VALUE;
		o->req[i] = (uint8_t)k;
		/* The category claim is the offer's category (key 4). */
		if (k != SP_CLAIM_CATEGORY)
			o->names[o->n_names++] = sp_claim_name((int)k);
	}
	o->n_req = (size_t)n;
	return SP_OK;
}

static int
offer_providers(struct cbor_reader *r, struct cat_offer *o)
{
	uint64_t n, i;
	char id[CAT_TEXT_MAX + 1];
	int ret;

	if ((ret = cbor_read_array(r, &n)) != SP_OK)
		return ret;
	if (n == 0 || n > CAT_MAX_PROVIDERS)
		return SP_ERR_CBOR_VALUE;
	for (i = 0; i < n; i++) {
		if ((ret = cat_text(r, id, sizeof(id))) != SP_OK)
			return ret;
		if (o->n_prov < sizeof(o->prov) / sizeof(o->prov[0]))
			memcpy(o->prov[o->n_prov++], id, sizeof(id));
	}
	return SP_OK;
}

static int
offer_decode(struct cbor_reader *r, struct cat_offer *o)
{
	uint64_t n, i, k, last = 0;
	char cat[64];
	int ret = SP_OK;

	if ((ret = cbor_read_map(r, &n)) != SP_OK)
		return ret;
	for (i = 0; i < n && ret == SP_OK; i++) {
		if (cbor_read_uint(r, &k) != SP_OK || k == 0 || k > 7)
			return SP_ERR_CBOR_UNKNOWN_KEY;
		if (k != last + 1 && !(k == 7 && last == 5))
			return SP_ERR_CBOR_MISSING_KEY;
		last = k;
		switch (k) {
		case 1:
			ret = cbor_read_uint(r, &o->id);
			if (ret == SP_OK && o->id == 0)
				ret = SP_ERR_CBOR_VALUE;
			break;
		case 2:
			ret = offer_providers(r, o);
			break;
		case 3:
			ret = cat_text(r, o->title, sizeof(o->title));
			break;
		case 4:
			ret = cat_text(r, cat, sizeof(cat));
			if (ret == SP_OK && (strlen(cat) > CAT_CATEGORY_MAX ||
			    !category_ok(cat)))
				ret = SP_ERR_CBOR_VALUE;
			if (ret == SP_OK)
				memcpy(o->category, cat, strlen(cat) + 1);
			break;
		case 5:
			ret = offer_req(r, o);
			break;
		case 6:
			ret = offer_limit(r, o);
			break;
		default:
			ret = cbor_read_uint(r, &o->amount);
			if (ret == SP_OK && o->amount > CAT_AMOUNT_MAX)
				ret = SP_ERR_CBOR_VALUE;
			break;
		}
	}
	if (ret == SP_OK && last != 7)
		ret = SP_ERR_CBOR_MISSING_KEY;
	return ret;
}

static int
provider_decode(struct cbor_reader *r, struct cat_provider *p)
{
	uint64_t n, k, keys, i;
	int ret;

	if ((ret = cbor_read_map(r, &n)) != SP_OK)
		return ret;
	if (n != 3)
		return SP_ERR_CBOR_MISSING_KEY;
	if (cbor_read_uint(r, &k) != SP_OK || k != 1 ||
	    (ret = cat_text(r, p->id, sizeof(p->id))) != SP_OK ||
	    cbor_read_uint(r, &k) != SP_OK || k != 2 ||
	    (ret = cat_text(r, p->name, sizeof(p->name))) != SP_OK ||
	    cbor_read_uint(r, &k) != SP_OK || k != 3 ||
	    cbor_read_array(r, &keys) != SP_OK || keys > CAT_MAX_KEYS)
		return ret != SP_OK ? ret : SP_ERR_CBOR_VALUE;
	/* Till keys are the till's business; the wallet only skips them. */
	for (i = 0; i < keys; i++)
		if (cbor_peek(r) != CBOR_MAP || cbor_skip(r) != SP_OK)
			return SP_ERR_CBOR_TYPE;
	return SP_OK;
}

static int
payload_decode(struct sp_wallet_catalogue *c, const uint8_t *p, size_t len)
{
	struct cbor_reader r;
	uint64_t n, k, type, cnt, i, issued;
	int ret;

	if ((ret = cbor_check(p, len, &cat_limits, CBOR_F_DETERMINISTIC,
	    NULL)) != SP_OK)
		return ret;
	cbor_reader_init(&r, p, len);
	if ((ret = cbor_read_map(&r, &n)) != SP_OK)
		return ret;
	if (n != 5)
		return SP_ERR_CBOR_MISSING_KEY;
	if (cbor_read_uint(&r, &k) != SP_OK || k != 1 ||
	    cbor_read_uint(&r, &type) != SP_OK || type != CAT_TYPE ||
	    cbor_read_uint(&r, &k) != SP_OK || k != 2 ||
	    cbor_read_uint(&r, &c->version) != SP_OK || c->version == 0 ||
	    cbor_read_uint(&r, &k) != SP_OK || k != 3 ||
	    cbor_read_uint(&r, &issued) != SP_OK ||
	    issued > (uint64_t)UINT32_MAX * 4 ||
	    cbor_read_uint(&r, &k) != SP_OK || k != 4 ||
	    cbor_read_array(&r, &cnt) != SP_OK || cnt > CAT_MAX_OFFERS)
		return SP_ERR_CBOR_VALUE;
	c->issued = (int64_t)issued;
	if (cnt > 0 && (c->offers = calloc((size_t)cnt,
	    sizeof(*c->offers))) == NULL)
		return SP_ERR_NOMEM;
	c->n_offers = (size_t)cnt;
	for (i = 0; i < cnt; i++) {
		if ((ret = offer_decode(&r, &c->offers[i])) != SP_OK)
			return ret;
		if (i > 0 && c->offers[i].id <= c->offers[i - 1].id)
			return SP_ERR_CBOR_VALUE;	/* ascending ids */
	}
	if (cbor_read_uint(&r, &k) != SP_OK || k != 5 ||
	    cbor_read_array(&r, &cnt) != SP_OK || cnt > CAT_MAX_PROVIDERS)
		return SP_ERR_CBOR_VALUE;
	if (cnt > 0 && (c->providers = calloc((size_t)cnt,
	    sizeof(*c->providers))) == NULL)
		return SP_ERR_NOMEM;
	c->n_providers = (size_t)cnt;
	for (i = 0; i < cnt; i++)
		if ((ret = provider_decode(&r, &c->providers[i])) != SP_OK)
			return ret;
	return cbor_reader_done(&r) ? SP_OK : SP_ERR_CBOR_TRAILING;
}

int
sp_wallet_catalogue_new(struct sp_wallet_catalogue **out, const uint8_t *buf,
    size_t len, const uint8_t *trust, size_t trust_len)
{
	struct sp_wallet_catalogue *c = NULL;
	struct sp_trust *t = NULL;
	struct cose_sign1 m;
	int r;

	if (out == NULL || buf == NULL || len == 0)
		return SP_ERR_INVALID_ARG;
	if (len > CAT_MAX_LEN)
		return SP_ERR_TOO_LARGE;
	if ((r = wal_trust_build(&t, trust, trust_len)) != SP_OK)
		return r;
	if ((r = cbor_check(buf, len, &cat_limits, CBOR_F_DETERMINISTIC,
	    NULL)) != SP_OK ||
	    (r = cose_sign1_decode(&m, buf, len, COSE_F_STRICT)) != SP_OK)
		goto fail;
	r = SP_ERR_UNSUPPORTED_ALG;
	if (!m.has_alg || !m.alg_protected || m.payload == NULL)
		goto fail;
	if ((r = trust_verify(t, &m)) != SP_OK)
		goto fail;
	r = SP_ERR_NOMEM;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		goto fail;
	if ((r = payload_decode(c, m.payload, m.payload_len)) != SP_OK)
		goto fail;
	*out = c;
	c = NULL;
fail:
	sp_wallet_catalogue_free(&c);
	sp_trust_free(&t);
	return r;
}

void
sp_wallet_catalogue_free(struct sp_wallet_catalogue **cp)
{
	if (cp == NULL || *cp == NULL)
		return;
	free((*cp)->offers);
	free((*cp)->providers);
	free(*cp);
	*cp = NULL;
}

uint64_t
sp_wallet_catalogue_version(const struct sp_wallet_catalogue *c)
{
	return c != NULL ? c->version : 0;
}

static const struct cat_offer *
offer_find(const struct sp_wallet_catalogue *c, uint64_t id)
{
	size_t lo = 0, hi = c->n_offers;

	while (lo < hi) {	/* ids are ascending */
		size_t mid = lo + (hi - lo) / 2;

		if (c->offers[mid].id == id)
			return &c->offers[mid];
		if (c->offers[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int
sp_wallet_catalogue_offer(const struct sp_wallet_catalogue *c,
    struct sp_wallet_offer *offer, uint64_t offer_id)
{
	const struct cat_offer *o;

	if (c == NULL || offer == NULL)
		return SP_ERR_INVALID_ARG;
	if ((o = offer_find(c, offer_id)) == NULL)
		return SP_ERR_NOT_FOUND;
	memset(offer, 0, sizeof(*offer));
	offer->id = o->id;
	offer->category = o->category;
	offer->claims = o->n_names > 0 ? o->names : NULL;
	offer->claim_count = o->n_names;
	offer->limit_period = o->count > 0 ? o->period : SP_WALLET_PERIOD_NONE;
	return SP_OK;
}

int
sp_wallet_catalogue_json(const struct sp_wallet_catalogue *c, char **json)
{
	json_t *root, *offers, *provs;
	size_t i, j;
	char *s;

	if (c == NULL || json == NULL)
		return SP_ERR_INVALID_ARG;
	offers = json_array();
	provs = json_array();
	for (i = 0; i < c->n_offers; i++) {
		const struct cat_offer *o = &c->offers[i];
		json_t *req = json_array(), *pa = json_array(), *lim;

		for (j = 0; j < o->n_req; j++)
			json_array_append_new(req,
			    json_string(sp_claim_name(o->req[j])));
		for (j = 0; j < o->n_prov; j++)
			json_array_append_new(pa, json_string(o->prov[j]));
		lim = o->count == 0 ? json_null() : json_pack("{s:i, s:s}",
		    "count", (int)o->count, "period",
		    o->period == SP_WALLET_PERIOD_YEAR ? "year" :
		    o->period == SP_WALLET_PERIOD_MONTH ? "month" :
		    o->period == SP_WALLET_PERIOD_WEEK ? "week" : "day");
		json_array_append_new(offers, json_pack("{s:I, s:s, s:s, s:o, "
		    "s:o, s:I, s:o}", "id", (json_int_t)o->id, "title", o->title,
		    "category", o->category, "claims", req, "limit", lim,
		    "amount_cents", (json_int_t)o->amount, "providers", pa));
	}
	for (i = 0; i < c->n_providers; i++)
		json_array_append_new(provs, json_pack("{s:s, s:s}", "id",
		    c->providers[i].id, "name", c->providers[i].name));
	root = json_pack("{s:I, s:I, s:o, s:o}", "version",
	    (json_int_t)c->version, "issued", (json_int_t)c->issued, "offers",
	    offers, "providers", provs);
	if (root == NULL || (s = json_dumps(root, JSON_COMPACT)) == NULL) {
		json_decref(root);
		return SP_ERR_NOMEM;
	}
	json_decref(root);
	*json = s;
	return SP_OK;
}
