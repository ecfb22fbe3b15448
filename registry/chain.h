/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The revocation log's pure logic (no I/O): status events, the hash chain
 * head_n = H(head_n-1 || event_n), signed checkpoints, and the snapshot and
 * delta wire formats (docs/FORMATS.md, "Registry"). Both the issuer's log
 * (log.c) and the tills' mirror (mirror.c) are built on it.
 */
#ifndef STADSPAS_REGISTRY_CHAIN_H
#define STADSPAS_REGISTRY_CHAIN_H

#include <stddef.h>
#include <stdint.h>

#include "cbor.h"
#include "cose.h"
#include "sig.h"
#include "sp_buf.h"
#include "status_list.h"

#define REG_HEAD_LEN 32
#define REG_FORMAT_VERSION 1
#define REG_MAX_DELTA_EVENTS 100000	/* one delta at most */
#define REG_MAX_WIRE (32u << 20)	/* snapshot/delta file ceiling */

enum reg_kind {
	REG_KIND_SNAPSHOT = 0,
	REG_KIND_DELTA = 1,
	REG_KIND_STATE = 2,	/* a mirror's saved state */
};

/* One status change. seq is the event's 1-based position in the log. */
struct reg_event {
	uint64_t seq;
	uint32_t idx;		/* status list index */
	uint8_t status;		/* enum reg_status */
	uint16_t reason;	/* issuer's reason code, 0 = none */
	int64_t time;		/* Unix seconds */
};

/* Deterministic CBOR [seq, idx, status, reason, time]. */
int reg_event_encode(struct sp_buf *out, const struct reg_event *e);
/* Reads one event; its exact bytes are (start, r->p - start). */
int reg_event_decode(struct reg_event *e, struct cbor_reader *r);

/* head_0 = SHA-256("stadspas log v1 genesis" || 0x00 || list id BE32). */
void reg_head_genesis(uint8_t head[REG_HEAD_LEN], uint32_t list_id);
/* head_n = SHA-256("stadspas log v1" || 0x01 || head_n-1 || event bytes). */
void reg_head_next(uint8_t head[REG_HEAD_LEN],
    const uint8_t prev[REG_HEAD_LEN], const uint8_t *ev, size_t ev_len);

/* A checkpoint: the issuer's signed statement of the log at some size. */
struct reg_checkpoint {
	uint32_t list;
	uint64_t size;
	uint8_t head[REG_HEAD_LEN];
	int64_t time;
	uint8_t digest[REG_DIGEST_LEN];	/* reg_list_digest at that size */
	uint8_t bits;
	uint32_t count;
};

/* Untagged COSE_Sign1, protected {1: alg, 4: kid}, payload
 * {1: 2 (type), 2: list, 3: size, 4: head, 5: time, 6: digest, 7: bits,
 * 8: count}. */
int reg_checkpoint_sign(struct sp_buf *out, const struct reg_checkpoint *c,
    const struct sig_priv *k, const uint8_t *kid, size_t kid_len);
/* Parses (no signature check); m borrows from buf. */
int reg_checkpoint_decode(struct reg_checkpoint *c, struct cose_sign1 *m,
    const uint8_t *buf, size_t len);

/* snapshot = [1, 0, list id, token bstr, checkpoint bstr] */
int reg_snapshot_encode(struct sp_buf *out, uint32_t list_id,
    const uint8_t *token, size_t token_len, const uint8_t *ckpt,
    size_t ckpt_len);
/* delta = [1, 1, list id, from size, [event, ...], checkpoint bstr];
 * events is the concatenation of the encoded events, n of them. */
int reg_delta_encode(struct sp_buf *out, uint32_t list_id, uint64_t from,
    const uint8_t *events, size_t events_len, size_t n, const uint8_t *ckpt,
    size_t ckpt_len);

/* A parsed snapshot, delta or state; pointers borrow from the input. */
struct reg_wire {
	unsigned kind;
	uint32_t list_id;
	const uint8_t *body;	/* token (snapshot), list CBOR (state) */
	size_t body_len;
	uint64_t from;		/* delta */
	size_t n_events;	/* delta */
	const uint8_t *events;	/* delta: the array's contents */
	size_t events_len;
	const uint8_t *ckpt;
	size_t ckpt_len;
};

int reg_wire_decode(struct reg_wire *w, const uint8_t *buf, size_t len);

#endif /* STADSPAS_REGISTRY_CHAIN_H */
