/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Redemption records, ledger entries and the ledger's hash chain
 * (docs/FORMATS.md section 10), pure: bytes in, bytes out. ledger.c
 * stores what this makes; batch.c carries it.
 */
#ifndef STADSPAS_LEDGER_RECORD_H
#define STADSPAS_LEDGER_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cbor.h"
#include "sig.h"
#include "sp_buf.h"
#include "stadspas/sp_ledger.h"

#define LREC_VERSION 1
#define LREC_FIELDS 12
#define LREC_PROVIDER_MAX 64
#define LREC_PRES_MAX 8192	/* a presentation is at most 4096 */
#define LREC_MAX_LEN 16384	/* one encoded record */
#define LREC_ENTRY_MAX 16640	/* one encoded entry [record, sig] */
#define LREC_HASH_LEN 32

/* A record as decoded: strings copied (NUL-terminated), bytes borrowed
 * from the encoded record. */
struct lrec {
	uint64_t seq;
	int64_t time;
	char provider[LREC_PROVIDER_MAX + 1];
	uint64_t offer;
	uint64_t amount_cents;
	uint32_t limit;
	char scope[SP_SCOPE_MAX];
	bool has_tag;
	uint8_t tag[SP_TAG_LEN];
	uint64_t counter;
	const uint8_t *pres;
	size_t pres_len;
	uint8_t prev[LREC_HASH_LEN];
};

/* Appends the deterministic CBOR of r. SP_ERR_INVALID_ARG for a field
 * out of range (long provider or scope, missing presentation). */
int lrec_encode(struct sp_buf *out, const struct lrec *r);
/* Strict decode (deterministic CBOR, 12 fields, version 1, limits). */
int lrec_decode(struct lrec *r, const uint8_t *buf, size_t len);

/* head = SHA-256("stadspas ledger v1" 0x00 || prev || SHA-256(record));
 * also returns the record hash. */
int lrec_chain(uint8_t head[LREC_HASH_LEN], uint8_t hash[LREC_HASH_LEN],
    const uint8_t prev[LREC_HASH_LEN], const uint8_t *rec, size_t len);
/* The genesis head of a provider: SHA-256(tag 0x00 || provider). */
int lrec_genesis(uint8_t head[LREC_HASH_LEN], const char *provider);
/* The receipt message: "stadspas receipt v1" 0x00 || hash || head. */
void lrec_receipt_msg(uint8_t *msg, size_t *len,
    const uint8_t hash[LREC_HASH_LEN], const uint8_t head[LREC_HASH_LEN]);
#define LREC_RECEIPT_MSG_LEN (20 + 2 * LREC_HASH_LEN)

/* entry = [record bstr, sig bstr] */
int lrec_entry_encode(struct sp_buf *out, const uint8_t *rec, size_t len,
    const uint8_t *sig, size_t sig_len);
/* Reads an entry from r (the caller has validated the CBOR). */
int lrec_entry_read(struct cbor_reader *r, const uint8_t **rec,
    size_t *len, const uint8_t **sig, size_t *sig_len);
int lrec_entry_decode(const uint8_t *buf, size_t len, const uint8_t **rec,
    size_t *rec_len, const uint8_t **sig, size_t *sig_len);

/*
 * Checks an entry against the head before it: decodes the record, its
 * prev must be prev (SP_ERR_REG_FORK), verifies the countersignature with
 * till (SP_ERR_SIGNATURE); on SP_OK *out holds the record (borrowing from
 * buf) and head the head after it.
 */
int lrec_entry_check(struct lrec *out, uint8_t head[LREC_HASH_LEN],
    const uint8_t prev[LREC_HASH_LEN], const struct sig_pub *till,
    const uint8_t *rec, size_t rec_len, const uint8_t *sig, size_t sig_len);

/* The same for a record already decoded from rec. */
int lrec_entry_verify(const struct lrec *dec, uint8_t head[LREC_HASH_LEN],
    const uint8_t prev[LREC_HASH_LEN], const struct sig_pub *till,
    const uint8_t *rec, size_t rec_len, const uint8_t *sig, size_t sig_len);

/* Makes the countersigned entry of record r: out gets the entry, hash
 * and head the record's hash and the head after it. */
int lrec_entry_make(struct sp_buf *out, uint8_t hash[LREC_HASH_LEN],
    uint8_t head[LREC_HASH_LEN], const struct lrec *r,
    const struct sig_priv *till);

#endif /* STADSPAS_LEDGER_RECORD_H */
