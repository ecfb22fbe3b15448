/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Inspection pipeline for "SP1:"/"HC1:" QR strings (see inspect.h): the
 * transport (core/qrt), COSE_Sign1 and CWT claims for HC1, the pass API
 * (sp_presentation_verify) for SP1, and the step/error bookkeeping the CLI
 * and the DCC conformance test report from.
 */
#include "inspect.h"

#include <limits.h>
#include <math.h>
#include <string.h>

#include "cbor.h"
#include "cose.h"
#include "qrt.h"
#include "stadspas/sp_err.h"
#include "stadspas/sp_pass.h"

/* CWT claim keys (RFC 8392 section 3.1). */
enum cwt_claim {
	CWT_ISS = 1,
	CWT_EXP = 4,
	CWT_NBF = 5,
	CWT_IAT = 6,
};

/* Foreign tokens (HC1 from any issuer) get caps sized by the transport's
 * own ceiling rather than by our small pass formats. */
static const struct cbor_limits insp_limits = {
	.max_len = QRT_MAX_PAYLOAD,
	.max_depth = 32,
	.max_items = 16384,
	.max_count = 4096,
	.max_str = QRT_MAX_PAYLOAD,
};

/* Error code -> stable token. Codes not listed use sp_errtoken(). */
static const struct {
	int err;
	const char *token;
} insp_tokens[] = {
	{ SP_ERR_PREFIX, "prefix" },
	{ SP_ERR_BASE45, "base45" },
	{ SP_ERR_ZLIB, "zlib" },
	{ SP_ERR_ZLIB_BOMB, "zlib" },
	{ SP_ERR_TOO_LARGE, "too_large" },
	{ SP_ERR_CLAIMS, "cbor" },
	{ SP_ERR_VERSION, "cbor" },
	{ SP_ERR_COSE, "cose" },
	{ SP_ERR_COSE_TAG, "cose" },
	{ SP_ERR_COSE_HEADER, "cose" },
	{ SP_ERR_UNSUPPORTED_ALG, "unsupported_alg" },
	{ SP_ERR_UNSUPPORTED, "unsupported_alg" },
	{ SP_ERR_SIGNATURE, "signature" },
	{ SP_ERR_DISCLOSURE, "signature" },
	{ SP_ERR_HOLDER_BINDING, "signature" },
	{ SP_ERR_AUDIENCE, "signature" },
	{ SP_ERR_NONCE, "signature" },
	{ SP_ERR_KEY, "key" },
	{ SP_ERR_UNKNOWN_KID, "key" },
	{ SP_ERR_KEY_MISMATCH, "key" },
	{ SP_ERR_EXPIRED, "expired" },
	{ SP_ERR_STALE, "expired" },
	{ SP_ERR_NOT_YET_VALID, "not_yet_valid" },
	{ SP_ERR_FUTURE, "not_yet_valid" },
};

static bool
is_cbor_err(int err)
{
	return err <= SP_ERR_CBOR_TRUNCATED && err >= SP_ERR_CBOR_VALUE;
}

const char *
insp_token(int err)
{
	size_t i;

	if (is_cbor_err(err))
		return "cbor";
	for (i = 0; i < sizeof(insp_tokens) / sizeof(insp_tokens[0]); i++)
		if (insp_tokens[i].err == err)
			return insp_tokens[i].token;
	return sp_errtoken(err);
}

/* Which step an error of the SP1 verifier belongs to. */
static enum insp_step
step_of(int err)
{
	if (is_cbor_err(err) || err == SP_ERR_CLAIMS ||
	    err == SP_ERR_TOO_LARGE || err == SP_ERR_VERSION ||
	    err == SP_ERR_COSE ||
	    err == SP_ERR_COSE_TAG || err == SP_ERR_COSE_HEADER)
		return INSP_STEP_DECODE;
	if (err == SP_ERR_EXPIRED || err == SP_ERR_STALE ||
	    err == SP_ERR_NOT_YET_VALID || err == SP_ERR_FUTURE)
		return INSP_STEP_TIME;
	return INSP_STEP_VERIFY;
}

const char *
insp_alg_name(int64_t alg)
{
	static const struct {
		int64_t alg;
		const char *name;
	} names[] = {
		{ -7, "ES256" }, { -8, "EdDSA" }, { -35, "ES384" },
		{ -36, "ES512" }, { -37, "PS256" }, { -38, "PS384" },
		{ -39, "PS512" }, { -257, "RS256" }, { -258, "RS384" },
		{ -259, "RS512" }, { -47, "ES256K" },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].alg == alg)
			return names[i].name;
	return NULL;
}

void
insp_result_init(struct insp_result *res)
{
	memset(res, 0, sizeof(*res));
	sp_buf_init(&res->cbor);
}

void
insp_result_clear(struct insp_result *res)
{
	if (res == NULL)
		return;
	sp_presentation_free(&res->pres);
	sp_buf_clear(&res->cbor);
	insp_result_init(res);
}

/* Records the outcome of step s; the first failure becomes the verdict. */
static void
set_step(struct insp_result *res, enum insp_step s, int err)
{
	res->step[s] = err == SP_OK ? INSP_PASS : INSP_FAIL;
	if (err != SP_OK && res->err == SP_OK) {
		res->err = err;
		res->error = insp_token(err);
		res->failed = s;
	}
}

/* ---- Transport ---------------------------------------------------------- */

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	    c == '\v' || c == '\f';
}

static enum insp_kind
kind_of(const char *text, size_t len)
{
	while (len > 0 && is_space(text[0])) {
		text++;
		len--;
	}
	if (len >= 4 && memcmp(text, "SP1:", 4) == 0)
		return INSP_KIND_SP1;
	if (len >= 4 && memcmp(text, "HC1:", 4) == 0)
		return INSP_KIND_HC1;
	return INSP_KIND_UNKNOWN;
}

/* qrt_decode does prefix, Base45 and zlib in one go; its error tells how
 * far it got. */
static int
run_transport(struct insp_result *res, const char *text, size_t len)
{
	int r = qrt_decode(&res->cbor, NULL, text, len, QRT_MAX_PAYLOAD);

	switch (r) {
	case SP_OK:
		set_step(res, INSP_STEP_PREFIX, SP_OK);
		set_step(res, INSP_STEP_BASE45, SP_OK);
		set_step(res, INSP_STEP_ZLIB, SP_OK);
		break;
	case SP_ERR_ZLIB:
	case SP_ERR_ZLIB_BOMB:
		set_step(res, INSP_STEP_PREFIX, SP_OK);
		set_step(res, INSP_STEP_BASE45, SP_OK);
		set_step(res, INSP_STEP_ZLIB, r);
		break;
	case SP_ERR_BASE45:
		set_step(res, INSP_STEP_PREFIX, SP_OK);
		set_step(res, INSP_STEP_BASE45, r);
		break;
	case SP_ERR_TOO_LARGE:
		/* Text over QRT_MAX_TEXT, or an uncompressed payload over
		 * the ceiling: tell the two apart by the text length. */
		if (len > QRT_MAX_TEXT) {
			set_step(res, INSP_STEP_PREFIX, r);
		} else {
			set_step(res, INSP_STEP_PREFIX, SP_OK);
			set_step(res, INSP_STEP_BASE45, SP_OK);
			set_step(res, INSP_STEP_ZLIB, r);
		}
		break;
	default:
		/* SP_ERR_PREFIX, or NOMEM/INTERNAL before anything else. */
		set_step(res, INSP_STEP_PREFIX, r);
		break;
	}
	return r;
}

/* ---- HC1: COSE_Sign1 + CWT claims ------------------------------------- */

/* A NumericDate (RFC 8392 section 2): integer or floating-point seconds.
 * up rounds a fraction towards the future (nbf), else towards the past
 * (exp, iat), so an integer clock never lands inside a partial second on
 * the lenient side. */
static int
read_numeric_date(struct cbor_reader *r, int64_t *t, bool up)
{
	struct cbor_item it;
	int ret;

	if ((ret = cbor_read(r, &it)) != SP_OK)
		return ret;
	switch (it.major) {
	case CBOR_UINT:
		if (it.val > INT64_MAX)
			return SP_ERR_CBOR_VALUE;
		*t = (int64_t)it.val;
		return SP_OK;
	case CBOR_NINT:
		if (it.val > INT64_MAX)
			return SP_ERR_CBOR_VALUE;
		*t = -1 - (int64_t)it.val;
		return SP_OK;
	case CBOR_SIMPLE:
		if (it.ai >= 25 && it.ai <= 27) {
			double d = up ? ceil(it.f) : floor(it.f);

			/* [-2^63, 2^63): both bounds exact in a double. */
			if (!(d >= -9223372036854775808.0 &&
			    d < 9223372036854775808.0))
				return SP_ERR_CBOR_VALUE;
			*t = (int64_t)d;
			return SP_OK;
		}
		return SP_ERR_CBOR_TYPE;
	default:
		return SP_ERR_CBOR_TYPE;
	}
}

/* Reads the CWT claims we act on from the payload map; other keys are
 * skipped (they are the token type's business, e.g. DCC's -260). */
static int
read_claims(struct insp_result *res, const uint8_t *p, size_t len)
{
	struct cbor_reader r;
	struct cbor_item key;
	uint64_t n, i;
	int ret;

	if (len == 0)
		return SP_ERR_CBOR_TRUNCATED;
	if ((ret = cbor_check(p, len, &insp_limits, 0, NULL)) != SP_OK)
		return ret;
	cbor_reader_init(&r, p, len);
	if ((ret = cbor_read_map(&r, &n)) != SP_OK)
		return ret;
	for (i = 0; i < n; i++) {
		struct cbor_reader peek = r;
		int64_t label = 0;

		/* Keys may be containers: cbor_read on a copy shows the
		 * head, cbor_skip moves past the whole key. */
		if ((ret = cbor_read(&peek, &key)) != SP_OK ||
		    (ret = cbor_skip(&r)) != SP_OK)
			return ret;
		if (key.major == CBOR_UINT && key.val <= 6)
			label = (int64_t)key.val;
		switch (label) {
		case CWT_ISS:
			if ((ret = cbor_read_tstr(&r, &res->iss,
			    &res->iss_len)) != SP_OK)
				return ret;
			res->has_iss = true;
			break;
		case CWT_EXP:
			ret = read_numeric_date(&r, &res->exp, false);
			res->has_exp = ret == SP_OK;
			break;
		case CWT_NBF:
			ret = read_numeric_date(&r, &res->nbf, true);
			res->has_nbf = ret == SP_OK;
			break;
		case CWT_IAT:
			ret = read_numeric_date(&r, &res->iat, false);
			res->has_iat = ret == SP_OK;
			break;
		default:
			ret = cbor_skip(&r);
			break;
		}
		if (ret != SP_OK)
			return ret;
	}
	return cbor_reader_done(&r) ? SP_OK : SP_ERR_CBOR_TRAILING;
}

static void
take_header(struct insp_result *res, const struct cose_sign1 *m)
{
	res->has_alg = m->has_alg;
	res->alg_is_text = m->alg_is_text;
	res->alg = m->alg;
	res->kid = m->kid;
	res->kid_len = m->kid_len;
	res->tagged = m->tagged;
}

static int
check_time(const struct insp_result *res, int64_t at)
{
	if (res->has_exp && at > res->exp)
		return SP_ERR_EXPIRED;
	if (res->has_nbf && at < res->nbf)
		return SP_ERR_NOT_YET_VALID;
	return SP_OK;
}

static void
run_hc1(struct insp_result *res, const struct insp_opts *o)
{
	struct cose_sign1 m;
	int r;

	/* Well-formed CBOR first, so "cbor" and "cose" are told apart. */
	if ((r = cbor_check(res->cbor.ptr, res->cbor.len, &insp_limits, 0,
	    NULL)) != SP_OK) {
		set_step(res, INSP_STEP_DECODE, r);
		return;
	}
	if ((r = cose_sign1_decode(&m, res->cbor.ptr, res->cbor.len, 0)) !=
	    SP_OK) {
		set_step(res, INSP_STEP_DECODE, r);
		return;
	}
	take_header(res, &m);
	if (m.payload == NULL) {
		/* A detached payload cannot travel in a QR code. */
		set_step(res, INSP_STEP_DECODE, SP_ERR_COSE);
		return;
	}
	res->payload = m.payload;
	res->payload_len = m.payload_len;
	set_step(res, INSP_STEP_DECODE, read_claims(res, m.payload,
	    m.payload_len));
	if (res->step[INSP_STEP_DECODE] != INSP_PASS)
		return;

	/* Signature and validity window are independent checks: both run,
	 * the signature's verdict comes first. */
	if (o->key != NULL || o->key_err != SP_OK) {
		if (!m.has_alg || m.alg_is_text ||
		    m.alg < INT32_MIN || m.alg > INT32_MAX ||
		    !sig_alg_supported((int)m.alg))
			r = SP_ERR_UNSUPPORTED_ALG;
		else if (o->key_err != SP_OK)
			r = o->key_err;
		else
			r = cose_sign1_verify(&m, o->key, NULL, 0, NULL, 0);
		set_step(res, INSP_STEP_VERIFY, r);
		res->verified = r == SP_OK;
	}
	if (o->at != INSP_NO_TIME)
		set_step(res, INSP_STEP_TIME, check_time(res, o->at));
}

/* ---- SP1: stadspas presentation --------------------------------------- */

/* Tries an item as a COSE_Sign1 (also wrapped in a bstr) to show its alg,
 * kid and CWT validity claims before, or without, verification. */
static bool
try_header(struct insp_result *res, const struct cbor_item *it)
{
	struct cose_sign1 m;
	const uint8_t *p = it->major == CBOR_BSTR ? it->ptr : it->raw;
	size_t n = it->major == CBOR_BSTR ? it->len : it->raw_len;

	if (n == 0 || cose_sign1_decode(&m, p, n, 0) != SP_OK)
		return false;
	take_header(res, &m);
	if (m.payload != NULL && read_claims(res, m.payload, m.payload_len) !=
	    SP_OK)
		res->has_iss = res->has_iat = res->has_exp = res->has_nbf =
		    false;
	return true;
}

/* The issuer-signed credential is the first COSE_Sign1 found at the top
 * level or among the top-level array's or map's values (a presentation
 * is [version, credential, disclosures, proof, key binding]; looking
 * for it rather than at index 1 also shows damaged or future layouts). */
static void
sp1_header(struct insp_result *res)
{
	struct cbor_reader r, peek;
	struct cbor_item it;
	uint64_t n, i;
	bool is_map;

	cbor_reader_init(&r, res->cbor.ptr, res->cbor.len);
	if (cbor_read(&r, &it) != SP_OK)
		return;
	if (it.major == CBOR_TAG) {
		(void)try_header(res, &it);
		return;
	}
	if (it.major != CBOR_ARRAY && it.major != CBOR_MAP)
		return;
	is_map = it.major == CBOR_MAP;
	n = it.val;
	if (!is_map && try_header(res, &it))
		return;
	for (i = 0; i < n; i++) {
		if (is_map && cbor_skip(&r) != SP_OK)
			return;
		/* Read the head on a copy (raw spans the whole item), then
		 * skip the item on the real cursor. */
		peek = r;
		if (cbor_read(&peek, &it) != SP_OK)
			return;
		if ((it.major == CBOR_BSTR || it.major == CBOR_TAG ||
		    it.major == CBOR_ARRAY) && try_header(res, &it))
			return;
		if (cbor_skip(&r) != SP_OK)
			return;
	}
}

static int
sp1_window(const struct insp_result *res, int64_t at, uint32_t skew)
{
	if (res->has_exp && at - (int64_t)skew >= res->exp)
		return SP_ERR_EXPIRED;
	if (res->has_nbf && at + (int64_t)skew < res->nbf)
		return SP_ERR_NOT_YET_VALID;
	return SP_OK;
}

static int
sp1_trust(struct sp_trust **t, const struct sig_pub *key)
{
	struct sp_buf ck;
	struct cbor_enc e;
	int r;

	sp_buf_init(&ck);
	cbor_enc_init(&e, &ck);
	cose_key_encode(&e, key);
	if ((r = cbor_enc_finish(&e)) != SP_OK)
		goto fail;
	if ((r = sp_trust_new(t)) != SP_OK)
		goto fail;
	r = sp_trust_add_cose_key(*t, ck.ptr, ck.len);
fail:
	sp_buf_clear(&ck);
	return r;
}

static void
run_sp1(struct insp_result *res, const struct insp_opts *o)
{
	struct sp_verify_opts vo = {
		.now = o->at,
		.skew = 300,
		/* QR strings are inspected long after they were shown. */
		.max_age = UINT32_MAX,
	};
	struct sp_trust *t = NULL;
	int r;

	res->payload = res->cbor.ptr;
	res->payload_len = res->cbor.len;
	if ((r = cbor_check(res->cbor.ptr, res->cbor.len, &insp_limits, 0,
	    NULL)) != SP_OK) {
		set_step(res, INSP_STEP_DECODE, r);
		return;
	}
	sp1_header(res);
	if (o->key == NULL && o->key_err == SP_OK) {
		/* Without a key only well-formedness is known, and the
		 * (unverified) validity window, judged as the verifier
		 * would: exp exclusive, with its clock skew. */
		set_step(res, INSP_STEP_DECODE, SP_OK);
		if (o->at != INSP_NO_TIME)
			set_step(res, INSP_STEP_TIME, sp1_window(res, o->at,
			    vo.skew));
		return;
	}
	if (o->key_err != SP_OK) {
		set_step(res, INSP_STEP_DECODE, SP_OK);
		set_step(res, INSP_STEP_VERIFY, o->key_err);
		return;
	}
	if (o->at == INSP_NO_TIME) {
		/* The verifier always checks the window: make it as wide as
		 * the options allow. */
		vo.now = 0;
		vo.skew = UINT32_MAX;
	}
	if ((r = sp1_trust(&t, o->key)) != SP_OK) {
		set_step(res, INSP_STEP_DECODE, SP_OK);
		set_step(res, INSP_STEP_VERIFY, r);
		goto out;
	}
	r = sp_presentation_verify(&res->pres, t, &vo, res->cbor.ptr,
	    res->cbor.len);
	if (r != SP_OK) {
		enum insp_step s = step_of(r);

		if (s != INSP_STEP_DECODE)
			set_step(res, INSP_STEP_DECODE, SP_OK);
		set_step(res, s, r);
		goto out;
	}
	set_step(res, INSP_STEP_DECODE, SP_OK);
	set_step(res, INSP_STEP_VERIFY, SP_OK);
	res->verified = true;
	if (o->at != INSP_NO_TIME)
		set_step(res, INSP_STEP_TIME, SP_OK);
	if (!res->has_alg) {
		res->has_alg = true;
		res->alg = o->key->alg;
	}
out:
	sp_trust_free(&t);
}

int
insp_run(struct insp_result *res, const char *text, size_t len,
    const struct insp_opts *opts)
{
	if (res == NULL || opts == NULL || (text == NULL && len != 0))
		return SP_ERR_INVALID_ARG;
	if (text == NULL)
		text = "";
	res->kind = kind_of(text, len);
	if (run_transport(res, text, len) != SP_OK)
		return res->err;
	if (res->kind == INSP_KIND_SP1)
		run_sp1(res, opts);
	else
		run_hc1(res, opts);
	return res->err;
}

/* ---- Time --------------------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (y, m 1..12, d):
 * the era-based computation of H. Hinnant's "chrono-compatible low-level
 * date algorithms", written out again here. */
static int64_t
days_from_civil(int64_t y, int64_t m, int64_t d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static bool
is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Exactly n decimal digits at *s, advancing it. */
static bool
digits(const char **s, int n, int64_t *v)
{
	int64_t x = 0;
	int i;

	for (i = 0; i < n; i++) {
		char c = (*s)[i];

		if (c < '0' || c > '9')
			return false;
		x = x * 10 + (c - '0');
	}
	*s += n;
	*v = x;
	return true;
}

static int
parse_unix(int64_t *t, const char *s)
{
	bool neg = *s == '-';
	uint64_t v = 0;

	if (neg)
		s++;
	if (*s == 0)
		return SP_ERR_INVALID_ARG;
	for (; *s != 0; s++) {
		if (*s < '0' || *s > '9')
			return SP_ERR_INVALID_ARG;
		if (v > (UINT64_MAX - 9) / 10)
			return SP_ERR_INVALID_ARG;
		v = v * 10 + (uint64_t)(*s - '0');
		/* Dates past year 10^10 are typos, not times. */
		if (v > (uint64_t)1 << 55)
			return SP_ERR_INVALID_ARG;
	}
	*t = neg ? -(int64_t)v : (int64_t)v;
	return SP_OK;
}

int
insp_parse_time(int64_t *t, const char *s)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };
	int64_t y, mo, d, h, mi, sec, oh = 0, om = 0, off = 0;
	const char *p = s;

	if (t == NULL || s == NULL)
		return SP_ERR_INVALID_ARG;
	if (strchr(s, ':') == NULL)
		return parse_unix(t, s);
	if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) ||
	    *p++ != '-' || !digits(&p, 2, &d))
		return SP_ERR_INVALID_ARG;
	if (*p != 'T' && *p != 't' && *p != ' ')
		return SP_ERR_INVALID_ARG;
	p++;
	if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi) ||
	    *p++ != ':' || !digits(&p, 2, &sec))
		return SP_ERR_INVALID_ARG;
	if (*p == '.') {
		/* time-secfrac: at least one digit; truncated. */
		p++;
		if (*p < '0' || *p > '9')
			return SP_ERR_INVALID_ARG;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int64_t sign = *p == '-' ? -1 : 1;

		p++;
		if (!digits(&p, 2, &oh) || *p++ != ':' ||
		    !digits(&p, 2, &om) || oh > 23 || om > 59)
			return SP_ERR_INVALID_ARG;
		off = sign * (oh * 3600 + om * 60);
	} else {
		return SP_ERR_INVALID_ARG;
	}
	if (*p != 0)
		return SP_ERR_INVALID_ARG;
	if (mo < 1 || mo > 12 || d < 1 ||
	    d > mdays[mo - 1] + (mo == 2 && is_leap(y)) ||
	    h > 23 || mi > 59 || sec > 60)
		return SP_ERR_INVALID_ARG;
	/* A leap second (:60) counts as the first second of the next
	 * minute, as POSIX time does. */
	*t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec -
	    off;
	return SP_OK;
}

/* ---- Keys --------------------------------------------------------------- */

int
insp_key_load(struct sig_pub *k, const uint8_t *buf, size_t len, bool cert)
{
	struct cbor_reader r;
	int rc, cose_rc = SP_OK;

	if (k == NULL || buf == NULL || len == 0)
		return SP_ERR_INVALID_ARG;
	memset(k, 0, sizeof(*k));
	if (cert)
		return sig_pub_from_x509(k, buf, len);
	/* A COSE_Key is a well-formed CBOR map; anything else cannot be. */
	if (cbor_check(buf, len, &cbor_limits_default, 0, NULL) == SP_OK &&
	    (buf[0] & 0xe0) == 0xa0) {
		cbor_reader_init(&r, buf, len);
		cose_rc = cose_key_decode(k, &r);
		if (cose_rc == SP_OK && cbor_reader_done(&r))
			return SP_OK;
		sig_pub_clear(k);
		if (cose_rc == SP_OK)
			cose_rc = SP_ERR_KEY;
		if (cose_rc == SP_ERR_UNSUPPORTED_ALG)
			return cose_rc;
	}
	rc = sig_pub_from_file_bytes(k, buf, len);
	if (rc != SP_OK) {
		sig_pub_clear(k);
		/* A map that was no COSE_Key explains more than "not PEM". */
		if (cose_rc != SP_OK && rc == SP_ERR_KEY)
			rc = cose_rc;
	}
	return rc;
}
