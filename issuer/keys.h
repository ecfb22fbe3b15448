/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The issuer's secrets and public keys. Two files in the data directory,
 * each exactly 32 raw bytes, mode 0600, owned by the daemon's user,
 * written atomically (temporary file, fsync, rename, fsync of the
 * directory):
 *
 *   issuer.key     the Ed25519 seed of the current signing key
 *   limit.secret   the limit-tag secret (sp_limit_key_derive)
 *
 * Both are generated on first start. A file that is readable or writable
 * by group or others, not a regular file, not owned by the daemon's user
 * or of the wrong size is refused. Secrets live in sodium_malloc'd memory
 * (the sp_key object, the limit secret) and are wiped on close; they are
 * never logged.
 *
 * Every issuer public key ever used is kept in the store (meta "keys",
 * current first) and published as a COSE_KeySet (GET /registry/keys).
 * Rotation makes a new key current; old private keys are destroyed, their
 * public keys stay published so passes and checkpoints they signed keep
 * verifying. Every change of the list appends a version to the signed
 * trust list (trust.h) in the same transaction: a rotation's version is
 * signed by the old key before its seed is overwritten; a removal's by the
 * current key. A removed key leaves the published list too (tills then
 * distrust it). Not thread-safe.
 */
#ifndef STADSPAS_ISSUER_KEYS_H
#define STADSPAS_ISSUER_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "sig.h"
#include "sp_buf.h"
#include "stadspas/sp_pass.h"
#include "store_lmdb.h"

#define ISS_SECRET_LEN 32
#define ISS_KEY_FILE "issuer.key"
#define ISS_SECRET_FILE "limit.secret"

struct iss_keys {
	struct sp_key *cur;		/* current signing key */
	uint8_t kid[SP_KID_LEN];
	uint8_t *limit_secret;		/* sodium_malloc'd, read-only */
	struct sp_buf set;		/* COSE_KeySet, current first */
	size_t n;			/* keys in set */
	struct sp_buf trust;		/* the trust list chain, as served */
	uint64_t trust_version;		/* its newest version */
	uint8_t fp[32];			/* current key's fingerprint */
};

/*
 * Loads (or, on first start, generates) the key files in dir and makes
 * sure the current public key heads the list in db. On failure a one-line
 * reason goes to err[errlen] (if err is not NULL). SP_ERR_KEY for an
 * unsafe or damaged key file, SP_ERR_STORAGE, SP_ERR_NOMEM, SP_ERR_RANDOM.
 */
int iss_keys_open(struct iss_keys *k, const char *dir, struct reg_db *db,
    int64_t now, char *err, size_t errlen);
void iss_keys_close(struct iss_keys *k);

/*
 * Makes a new Ed25519 key current: its public key heads the stored list
 * (with an audit entry by who, in one transaction), then its seed replaces
 * issuer.key. SP_ERR_TOO_LARGE if ISS_MAX_KEYS keys exist already.
 */
int iss_keys_rotate(struct iss_keys *k, const char *dir, struct reg_db *db,
    int64_t now, const char *who);

/*
 * Removes the key with kid from the list (a new trust list version signed
 * by the current key, an audit entry by who, one transaction).
 * SP_ERR_NOT_FOUND: no such key; SP_ERR_REG_DUPLICATE: it is the current
 * key (rotate first).
 */
int iss_keys_remove(struct iss_keys *k, struct reg_db *db,
    const uint8_t kid[SP_KID_LEN], int64_t now, const char *who);

/* The published keys' kids, fingerprints: i-th key of the set (current
 * first); SP_ERR_NOT_FOUND past the end. */
int iss_keys_info(const struct iss_keys *k, size_t i,
    uint8_t kid[SP_KID_LEN], uint8_t fp[32]);

/* The current key's private half, for checkpoints and snapshots. */
const struct sig_priv *iss_keys_priv(const struct iss_keys *k);

/* Reads a secret file of exactly len bytes into out (see above for what is
 * refused). SP_ERR_NOT_FOUND if it does not exist. */
int iss_secret_read(const char *path, uint8_t *out, size_t len,
    char *err, size_t errlen);
/* Writes dir/name atomically with mode 0600. */
int iss_secret_write(const char *dir, const char *name, const uint8_t *p,
    size_t len);

#endif /* STADSPAS_ISSUER_KEYS_H */
