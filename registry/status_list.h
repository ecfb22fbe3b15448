/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Status lists: a packed array of 1 or 2 bits per pass (IETF Token Status
 * List, draft-ietf-oauth-status-list: index i lives in byte i*bits/8,
 * least significant bits first), its CBOR encoding {"bits", "lst"} with
 * lst = zlib(bytes), and the signed Status List Token in CWT form
 * (COSE_Sign1, typ "application/statuslist+cwt", claims 2 sub, 6 iat,
 * 4 exp, 65534 ttl, 65533 status_list). Reading also accepts bits 4 and 8.
 */
#ifndef STADSPAS_REGISTRY_STATUS_LIST_H
#define STADSPAS_REGISTRY_STATUS_LIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cose.h"
#include "sig.h"
#include "sp_buf.h"

enum reg_status {
	REG_VALID = 0,		/* IETF 0x00 VALID */
	REG_REVOKED = 1,	/* IETF 0x01 INVALID */
	REG_SUSPENDED = 2,	/* IETF 0x02 SUSPENDED */
};

#define REG_LIST_MAX_ENTRIES (1u << 26)	/* 64 Mi passes per list */
#define REG_DIGEST_LEN 32
#define REG_TOKEN_TYP "application/statuslist+cwt"

struct reg_list {
	uint32_t id;		/* stadspas list id (not in the IETF form) */
	unsigned bits;		/* 1, 2, 4 or 8 */
	uint32_t count;		/* number of entries */
	uint8_t *bytes;		/* owned, ceil(count*bits/8) bytes */
	size_t len;
};

/* All entries 0 (VALID). SP_ERR_INVALID_ARG for bad bits (not 1, 2, 4, 8)
 * or count > REG_LIST_MAX_ENTRIES (0 is allowed); SP_ERR_NOMEM. l is
 * overwritten (clear it first if it held a list). The functions below are
 * thread-safe for distinct lists; a list may be read by several threads
 * while nobody writes it. */
int reg_list_init(struct reg_list *l, uint32_t id, unsigned bits,
    uint32_t count);
/* Frees the bytes and zeroes *l; accepts NULL and cleared lists. */
void reg_list_clear(struct reg_list *l);
/* dst gets its own copy of src (dst is overwritten, as by init). */
int reg_list_copy(struct reg_list *dst, const struct reg_list *src);
/* Same id, bits, count and bytes: exactly when the digests are equal. */
bool reg_list_equal(const struct reg_list *a, const struct reg_list *b);

/* Status of entry idx; idx < count is the caller's job (hot path). */
static inline unsigned
reg_list_get(const struct reg_list *l, uint32_t idx)
{
	uint64_t bit = (uint64_t)idx * l->bits;

	return (unsigned)(l->bytes[bit >> 3] >> (bit & 7)) &
	    ((1u << l->bits) - 1u);
}

/* Sets entry idx (< count) to status (< 2^bits); SP_ERR_INVALID_ARG for
 * either out of range. The padding bits of the last byte stay 0. */
int reg_list_set(struct reg_list *l, uint32_t idx, unsigned status);

/*
 * Digest for checkpoints: SHA-256("stadspas status list v1" || 0x00 ||
 * id (4, BE) || bits (1) || count (4, BE) || bytes), over the string's
 * 23 characters, its NUL and the len bytes. Cannot fail.
 */
void reg_list_digest(const struct reg_list *l, uint8_t out[REG_DIGEST_LEN]);

/*
 * Appends CBOR {"bits": b, "lst": zlib(bytes)}, lst by reg_sparse_deflate
 * (a zlib stream any inflater reads, smaller than zlib's own on sparse
 * lists). The keys come in the draft's order, "bits" then "lst", as in
 * all of its examples; RFC 8949 section 4.2.1 order would be the reverse
 * ("lst" encodes as 0x63.., "bits" as 0x64..). The output is a function of
 * bits and bytes only (so deterministic in that sense); the draft's two
 * small examples come out byte for byte, its 2^20-entry ones (zlib level
 * 9) decode to the same statuses from fewer bytes. On error out is
 * unchanged.
 */
int reg_list_encode(struct sp_buf *out, const struct reg_list *l);
/*
 * Decodes {"bits", "lst"} (other keys ignored per the draft, e.g.
 * "aggregation_uri"), keys in any order, no duplicates, nothing after the
 * map. The entry count is len*8/bits: the IETF form has no count, so a list
 * whose count*bits is not a multiple of 8 comes back with its padding
 * entries (callers that know the count, from a checkpoint, set it).
 * max_bytes (> 0) caps the inflated size: SP_ERR_ZLIB_BOMB past it,
 * SP_ERR_TOO_LARGE past REG_LIST_MAX_ENTRIES entries. Other errors:
 * SP_ERR_CBOR_* (SP_ERR_CBOR_VALUE: bits not 1, 2, 4 or 8;
 * SP_ERR_CBOR_TYPE, SP_ERR_CBOR_MISSING_KEY), SP_ERR_ZLIB. l->id is set to
 * id; *l is written only on success.
 */
int reg_list_decode(struct reg_list *l, uint32_t id, const uint8_t *cbor,
    size_t len, size_t max_bytes);

/* A decoded Status List Token; pointers borrow from the input. */
struct reg_token {
	struct cose_sign1 cose;
	const char *sub;	/* claim 2 */
	size_t sub_len;
	int64_t iat;		/* claim 6 */
	int64_t exp;		/* claim 4, 0 if absent */
	uint64_t ttl;		/* claim 65534, 0 if absent */
	const uint8_t *list;	/* claim 65533: the {"bits","lst"} map */
	size_t list_len;
};

/*
 * Appends a token: tagged COSE_Sign1, protected {1: alg, 4: kid, 16: typ}
 * (kid NULL: none), payload {2: sub, 6: iat, [4: exp,] [65534: ttl,]
 * 65533: reg_list_encode(l)} in the draft's claim order (exp 0 and ttl 0
 * leave the claim out). On error out is unchanged.
 */
int reg_token_sign(struct sp_buf *out, const struct reg_list *l,
    const struct sig_priv *k, const uint8_t *kid, size_t kid_len,
    const char *sub, int64_t iat, int64_t exp, uint64_t ttl);
/*
 * Parses a token (no signature check), tagged or untagged, of any size
 * (not bound by cbor_limits_default): typ must be REG_TOKEN_TYP in the
 * protected header, alg protected, kid may be in either header (the
 * draft's example has it unprotected); claims in any order, 2, 6 and 65533
 * required, others ignored; the status list object is checked for bits and
 * lst but not inflated (use reg_list_decode on t->list). Errors:
 * SP_ERR_CBOR_*, SP_ERR_COSE*, SP_ERR_COSE_HEADER (typ/alg), SP_ERR_CLAIMS.
 * *t is written only on success.
 */
int reg_token_decode(struct reg_token *t, const uint8_t *buf, size_t len);
/* cose_sign1_verify of the token with k (no AAD). */
SP_NODISCARD int reg_token_verify(const struct reg_token *t,
    const struct sig_pub *k);

#endif /* STADSPAS_REGISTRY_STATUS_LIST_H */
