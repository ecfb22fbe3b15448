/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Strict reader of the signed offers catalogue (offers.h, docs/FORMATS.md
 * §6): every key known and in order, every value in range, offers by
 * ascending id, providers by ascending number, till keys usable.
 */
#include "offers.h"

#include <stdlib.h>
#include <string.h>

#include "cbor.h"
#include "cose.h"
#include "pass_int.h"

enum {
	CAT_K_TYPE = 1, CAT_K_VERSION = 2, CAT_K_ISSUED = 3, CAT_K_OFFERS = 4,
	CAT_K_PROVIDERS = 5,
};
enum {
	OF_K_ID = 1, OF_K_PROVIDERS = 2, OF_K_TITLE = 3, OF_K_CATEGORY = 4,
	OF_K_REQ = 5, OF_K_LIMIT = 6, OF_K_AMOUNT = 7,
};

static const struct cbor_limits offers_limits = {
	.max_len = OFFERS_MAX_LEN,
	.max_depth = 5,
	.max_items = 1u << 20,
	.max_count = 4096,
	.max_str = 4096,
};

/* Reads a text of 1..cap-1 bytes without NULs into out. */
static int
text_read(struct cbor_reader *r, char *out, size_t cap)
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

/* Expects map key want next. */
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

bool
offers_provider_num(const char *s, size_t len, uint64_t *num)
{
	uint64_t n = 0;
	size_t i;

	if (len < 2 || len > 20 || s[0] != 'p' || s[1] == '0')
		return false;
	for (i = 1; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		n = n * 10 + (uint64_t)(s[i] - '0');
	}
	*num = n;
	return true;
}

static int
provider_id_read(struct cbor_reader *r, uint64_t *num)
{
	const char *s;
	size_t n;
	int ret;

	if ((ret = cbor_read_tstr(r, &s, &n)) != SP_OK)
		return ret;
	return offers_provider_num(s, n, num) ? SP_OK : SP_ERR_CBOR_VALUE;
}

static bool
category_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i] != 0; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' &&
		    s[i] <= '9') || s[i] == '_' || s[i] == '-'))
			return false;
	return i > 0 && i <= OFFERS_CATEGORY_MAX;
}

static int
period_of(const char *s)
{
	static const char *const names[] = { "year", "month", "week", "day" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i]) == 0)
			return (int)i + OFFERS_PERIOD_YEAR;
	return -1;
}

static int
offer_limit(struct cbor_reader *r, struct offers_offer *o)
{
	char period[8];
	uint64_t n, count;
	int ret;

	if ((ret = cbor_read_map(r, &n)) != SP_OK)
		return ret;
	if (n != 2)
		return n < 2 ? SP_ERR_CBOR_MISSING_KEY :
		    SP_ERR_CBOR_UNKNOWN_KEY;
	if ((ret = key_expect(r, 1)) != SP_OK)
		return ret;
	if ((ret = cbor_read_uint(r, &count)) != SP_OK)
		return ret;
	if (count == 0 || count > OFFERS_COUNT_MAX)
		return SP_ERR_CBOR_VALUE;
	if ((ret = key_expect(r, 2)) != SP_OK ||
	    (ret = text_read(r, period, sizeof(period))) != SP_OK)
		return ret == SP_ERR_CBOR_VALUE ? SP_ERR_CBOR_VALUE : ret;
	if ((o->period = period_of(period)) < 0)
		return SP_ERR_CBOR_VALUE;
	o->count = (uint32_t)count;
	return SP_OK;
}

static int
offer_req(struct cbor_reader *r, struct offers_offer *o)
{
	uint64_t n, i, k;
	int ret;

	if ((ret = cbor_read_array(r, &n)) != SP_OK)
		return ret;
	if (n > OFFERS_MAX_REQ)
		return SP_ERR_CBOR_LIMIT;
	for (i = 0; i < n; i++) {
		if ((ret = cbor_read_uint(r, &k)) != SP_OK)
			return ret;
		if (k == 0 || k > SP_CLAIM_HOUSEHOLD_SIZE ||
		    (i > 0 && k <= o->req[i - 1]))
			return SP_ERR_CBOR_VALUE;
		o->req[i] = (uint8_t)k;
	}
	o->n_req = (size_t)n;
	return SP_OK;
}

static int
offer_providers(struct cbor_reader *r, struct offers_offer *o)
{
	uint64_t n, i;
	int ret;

	if ((ret = cbor_read_array(r, &n)) != SP_OK)
		return ret;
	if (n == 0 || n > OFFERS_MAX_PROVIDERS)
		return SP_ERR_CBOR_VALUE;
	if ((o->prov = calloc((size_t)n, sizeof(*o->prov))) == NULL)
		return SP_ERR_NOMEM;
	for (i = 0; i < n; i++) {
		if ((ret = provider_id_read(r, &o->prov[i])) != SP_OK)
			return ret;
		if (i > 0 && o->prov[i] <= o->prov[i - 1])
			return SP_ERR_CBOR_VALUE;	/* ascending, once */
	}
	o->n_prov = (size_t)n;
	return SP_OK;
}

static int
offer_field(struct cbor_reader *r, struct offers_offer *o, uint64_t k)
{
	int ret;

	switch (k) {
	case OF_K_ID:
		if ((ret = cbor_read_uint(r, &o->id)) == SP_OK && o->id == 0)
			ret = SP_ERR_CBOR_VALUE;
		return ret;
	case OF_K_PROVIDERS:
		return offer_providers(r, o);
	case OF_K_TITLE:
		return text_read(r, o->title, sizeof(o->title));
	case OF_K_CATEGORY:
		if ((ret = text_read(r, o->category, sizeof(o->category))) ==
		    SP_OK && !category_ok(o->category))
			ret = SP_ERR_CBOR_VALUE;
		return ret;
	case OF_K_REQ:
		return offer_req(r, o);
	case OF_K_LIMIT:
		return offer_limit(r, o);
	default:
		if ((ret = cbor_read_uint(r, &o->amount)) == SP_OK &&
		    o->amount > OFFERS_AMOUNT_MAX)
			ret = SP_ERR_CBOR_VALUE;
		return ret;
	}
}

static int
offer_decode(struct cbor_reader *r, struct offers_offer *o)
{
	uint64_t n, i, k, last = 0;
	int ret;

	if ((ret = cbor_read_map(r, &n)) != SP_OK)
		return ret;
	for (i = 0; i < n; i++) {
		if (cbor_peek(r) != CBOR_UINT || cbor_read_uint(r, &k) !=
		    SP_OK || k == 0 || k > OF_K_AMOUNT)
			return SP_ERR_CBOR_UNKNOWN_KEY;
		/* Every key but the limit (6) is required. */
		if (k != last + 1 && !(k == OF_K_AMOUNT &&
		    last == OF_K_REQ))
			return SP_ERR_CBOR_MISSING_KEY;
		last = k;
		if ((ret = offer_field(r, o, k)) != SP_OK)
			return ret;
	}
	return last == OF_K_AMOUNT ? SP_OK : SP_ERR_CBOR_MISSING_KEY;
}

static int
till_keys(struct cbor_reader *r, struct offers_provider *p)
{
	struct sig_pub k;
	uint64_t n, i;
	int ret;

	if ((ret = cbor_read_array(r, &n)) != SP_OK)
		return ret;
	if (n > OFFERS_MAX_KEYS)
		return SP_ERR_CBOR_LIMIT;
	for (i = 0; i < n; i++) {
		const uint8_t *start = r->p;

		if (cbor_peek(r) != CBOR_MAP)
			return SP_ERR_CBOR_TYPE;
		if ((ret = cose_key_decode(&k, r)) != SP_OK)
			return ret;
		sig_pub_clear(&k);
		p->keys[i].ptr = start;
		p->keys[i].len = (size_t)(r->p - start);
	}
	p->n_keys = (size_t)n;
	return SP_OK;
}

static int
provider_decode(struct cbor_reader *r, struct offers_provider *p)
{
	const char *s;
	size_t len;
	uint64_t n;
	int ret;

	if ((ret = cbor_read_map(r, &n)) != SP_OK)
		return ret;
	if (n != 3)
		return n < 3 ? SP_ERR_CBOR_MISSING_KEY :
		    SP_ERR_CBOR_UNKNOWN_KEY;
	if ((ret = key_expect(r, 1)) != SP_OK ||
	    (ret = cbor_read_tstr(r, &s, &len)) != SP_OK)
		return ret;
	if (!offers_provider_num(s, len, &p->num))
		return SP_ERR_CBOR_VALUE;
	memcpy(p->id, s, len);
	p->id[len] = 0;
	if ((ret = key_expect(r, 2)) != SP_OK ||
	    (ret = text_read(r, p->name, sizeof(p->name))) != SP_OK ||
	    (ret = key_expect(r, 3)) != SP_OK)
		return ret;
	return till_keys(r, p);
}

static int
header_decode(struct offers_cat *c, struct cbor_reader *r)
{
	uint64_t n, type, issued;
	int ret;

	if ((ret = cbor_read_map(r, &n)) != SP_OK)
		return ret;
	if (n != 5)
		return n < 5 ? SP_ERR_CBOR_MISSING_KEY :
		    SP_ERR_CBOR_UNKNOWN_KEY;
	if ((ret = key_expect(r, CAT_K_TYPE)) != SP_OK ||
	    (ret = cbor_read_uint(r, &type)) != SP_OK)
		return ret;
	if (type != OFFERS_TYPE)
		return SP_ERR_CBOR_VALUE;
	if ((ret = key_expect(r, CAT_K_VERSION)) != SP_OK ||
	    (ret = cbor_read_uint(r, &c->version)) != SP_OK)
		return ret;
	if (c->version == 0)
		return SP_ERR_CBOR_VALUE;
	if ((ret = key_expect(r, CAT_K_ISSUED)) != SP_OK ||
	    (ret = cbor_read_uint(r, &issued)) != SP_OK)
		return ret;
	if (issued > (uint64_t)UINT32_MAX * 4)
		return SP_ERR_CBOR_VALUE;
	c->issued = (int64_t)issued;
	return SP_OK;
}

static int
offers_list(struct offers_cat *c, struct cbor_reader *r)
{
	uint64_t n, i;
	int ret;

	if ((ret = key_expect(r, CAT_K_OFFERS)) != SP_OK ||
	    (ret = cbor_read_array(r, &n)) != SP_OK)
		return ret;
	if (n > OFFERS_MAX_OFFERS)
		return SP_ERR_CBOR_LIMIT;
	if (n > 0 && (c->offers = calloc((size_t)n,
	    sizeof(*c->offers))) == NULL)
		return SP_ERR_NOMEM;
	for (i = 0; i < n; i++) {
		c->n_offers = (size_t)i + 1;	/* offers_clear frees it */
		if ((ret = offer_decode(r, &c->offers[i])) != SP_OK)
			return ret;
		if (i > 0 && c->offers[i].id <= c->offers[i - 1].id)
			return SP_ERR_CBOR_VALUE;	/* ascending ids */
	}
	return SP_OK;
}

static int
providers_list(struct offers_cat *c, struct cbor_reader *r)
{
	uint64_t n, i;
	int ret;

	if ((ret = key_expect(r, CAT_K_PROVIDERS)) != SP_OK ||
	    (ret = cbor_read_array(r, &n)) != SP_OK)
		return ret;
	if (n > OFFERS_MAX_PROVIDERS)
		return SP_ERR_CBOR_LIMIT;
	if (n > 0 && (c->providers = calloc((size_t)n,
	    sizeof(*c->providers))) == NULL)
		return SP_ERR_NOMEM;
	c->n_providers = (size_t)n;
	for (i = 0; i < n; i++) {
		if ((ret = provider_decode(r, &c->providers[i])) != SP_OK)
			return ret;
		if (i > 0 && c->providers[i].num <= c->providers[i - 1].num)
			return SP_ERR_CBOR_VALUE;
	}
	return SP_OK;
}

int
offers_decode(struct offers_cat *c, const uint8_t *p, size_t len)
{
	struct cbor_reader r;
	int ret;

	memset(c, 0, sizeof(*c));
	if (p == NULL || len == 0)
		return SP_ERR_INVALID_ARG;
	if ((ret = cbor_check(p, len, &offers_limits, CBOR_F_DETERMINISTIC,
	    NULL)) != SP_OK)
		return ret;
	cbor_reader_init(&r, p, len);
	if ((ret = header_decode(c, &r)) != SP_OK ||
	    (ret = offers_list(c, &r)) != SP_OK ||
	    (ret = providers_list(c, &r)) != SP_OK)
		return ret;
	return cbor_reader_done(&r) ? SP_OK : SP_ERR_CBOR_TRAILING;
}

int
offers_open(struct offers_cat *c, const struct sp_trust *t,
    const uint8_t *buf, size_t len)
{
	struct cose_sign1 m;
	int r;

	memset(c, 0, sizeof(*c));
	if (t == NULL || buf == NULL || len == 0)
		return SP_ERR_INVALID_ARG;
	if (len > OFFERS_MAX_LEN)
		return SP_ERR_TOO_LARGE;
	if ((r = cbor_check(buf, len, &offers_limits, CBOR_F_DETERMINISTIC,
	    NULL)) != SP_OK ||
	    (r = cose_sign1_decode(&m, buf, len, COSE_F_STRICT)) != SP_OK)
		return r;
	if (m.tagged)
		return SP_ERR_COSE_TAG;
	if (!m.has_alg || !m.alg_protected || m.kid == NULL)
		return SP_ERR_COSE_HEADER;
	if (m.payload == NULL)
		return SP_ERR_COSE;
	if ((r = trust_verify(t, &m)) != SP_OK)
		return r;
	return offers_decode(c, m.payload, m.payload_len);
}

void
offers_clear(struct offers_cat *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n_offers; i++)
		free(c->offers[i].prov);
	free(c->offers);
	free(c->providers);
	memset(c, 0, sizeof(*c));
}

const struct offers_offer *
offers_find(const struct offers_cat *c, uint64_t id)
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

const struct offers_provider *
offers_provider(const struct offers_cat *c, const char *id)
{
	uint64_t num;
	size_t lo = 0, hi = c->n_providers;

	if (id == NULL || !offers_provider_num(id, strlen(id), &num))
		return NULL;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->providers[mid].num == num)
			return &c->providers[mid];
		if (c->providers[mid].num < num)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

bool
offers_honoured(const struct offers_offer *o, const char *id)
{
	uint64_t num;
	size_t i;

	if (id == NULL || !offers_provider_num(id, strlen(id), &num))
		return false;
	for (i = 0; i < o->n_prov; i++)
		if (o->prov[i] == num)
			return true;
	return false;
}
