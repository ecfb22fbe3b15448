/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The PIN back-off record "<name>.guard": consecutive failed attempts and
 * when the next one is allowed, kept beside the store (never inside it,
 * so a failed attempt never rewrites the credentials). Deterministic CBOR
 * [1, store id, failures, not_before, last attempt].
 */
#include "wallet_int.h"

#include <string.h>

#define GUARD_VERSION 1

int64_t
wal_backoff(uint32_t failures)
{
	int64_t d = WAL_BACKOFF_BASE;
	uint32_t i;

	if (failures <= WAL_FREE_FAILURES)
		return 0;
	for (i = WAL_FREE_FAILURES + 1; i < failures && d < WAL_BACKOFF_MAX;
	    i++)
		d *= 2;
	return d < WAL_BACKOFF_MAX ? d : WAL_BACKOFF_MAX;
}

int
wal_guard_encode(struct sp_buf *out, const struct wal_guard *g)
{
	struct cbor_enc e;

	sp_buf_reset(out);
	cbor_enc_init(&e, out);
	cbor_put_array(&e, 5);
	cbor_put_uint(&e, GUARD_VERSION);
	cbor_put_bstr(&e, g->id, sizeof(g->id));
	cbor_put_uint(&e, g->failures);
	cbor_put_uint(&e, g->not_before > 0 ? (uint64_t)g->not_before : 0);
	cbor_put_uint(&e, g->last > 0 ? (uint64_t)g->last : 0);
	return cbor_enc_finish(&e);
}

int
wal_guard_decode(struct wal_guard *g, const uint8_t *buf, size_t len)
{
	static const struct cbor_limits lim = {
		.max_len = 128, .max_depth = 2, .max_items = 8,
		.max_count = 5, .max_str = WAL_ID_LEN,
	};
	struct cbor_reader r;
	const uint8_t *id;
	uint64_t n, v, f, nb, last;
	size_t id_len;

	memset(g, 0, sizeof(*g));
	if (buf == NULL || cbor_check(buf, len, &lim, CBOR_F_DETERMINISTIC,
	    NULL) != SP_OK)
		return SP_ERR_WALLET_CORRUPT;
	cbor_reader_init(&r, buf, len);
	if (cbor_read_array(&r, &n) != SP_OK || n != 5 ||
	    cbor_read_uint(&r, &v) != SP_OK || v != GUARD_VERSION ||
	    cbor_read_bstr(&r, &id, &id_len) != SP_OK ||
	    id_len != WAL_ID_LEN ||
	    cbor_read_uint(&r, &f) != SP_OK || f > UINT32_MAX ||
	    cbor_read_uint(&r, &nb) != SP_OK || nb > INT64_MAX / 2 ||
	    cbor_read_uint(&r, &last) != SP_OK || last > INT64_MAX / 2 ||
	    !cbor_reader_done(&r))
		return SP_ERR_WALLET_CORRUPT;
	memcpy(g->id, id, WAL_ID_LEN);
	g->failures = (uint32_t)f;
	g->not_before = (int64_t)nb;
	g->last = (int64_t)last;
	return SP_OK;
}
