/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The store file: a fixed 104-byte header (authenticated as AAD) and the
 * XChaCha20-Poly1305 ciphertext of the padded state (docs/FORMATS.md
 * "Wallet store"). Pure functions: bytes in, bytes out; wallet.c does the
 * reading and writing through the app's ops.
 */
#include "wallet_int.h"

#include <string.h>

#include <sodium.h>

/* crypto_kdf context and subkey ids. */
#define KDF_CTX "SPWALLET"
#define SUBKEY_ENC 1
#define SUBKEY_KCV 2

static void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* Field offsets (docs/FORMATS.md). */
enum {
	OFF_MAGIC = 0,
	OFF_VERSION = 8,
	OFF_KDF = 9,
	OFF_RESERVED = 10,
	OFF_OPS = 12,
	OFF_MEM = 16,
	OFF_SALT = 20,
	OFF_ID = 36,
	OFF_GEN = 52,
	OFF_NONCE = 60,
	OFF_KCV = 84,
	OFF_CTLEN = 100,
};

void
wal_header_encode(uint8_t out[WAL_HDR_LEN], const struct wal_header *h)
{
	memset(out, 0, WAL_HDR_LEN);
	memcpy(out + OFF_MAGIC, WAL_MAGIC, 8);
	out[OFF_VERSION] = WAL_VERSION;
	out[OFF_KDF] = h->kdf;
	put_be32(out + OFF_OPS, h->opslimit);
	put_be32(out + OFF_MEM, h->mem_kib);
	memcpy(out + OFF_SALT, h->salt, WAL_SALT_LEN);
	memcpy(out + OFF_ID, h->id, WAL_ID_LEN);
	put_be32(out + OFF_GEN, (uint32_t)(h->generation >> 32));
	put_be32(out + OFF_GEN + 4, (uint32_t)h->generation);
	memcpy(out + OFF_NONCE, h->nonce, WAL_XNONCE_LEN);
	memcpy(out + OFF_KCV, h->kcv, WAL_KCV_LEN);
	put_be32(out + OFF_CTLEN, h->ct_len);
}

static bool
all_zero(const uint8_t *p, size_t n)
{
	return sodium_is_zero(p, n) == 1;
}

int
wal_header_parse(struct wal_header *h, const uint8_t *file, size_t len)
{
	memset(h, 0, sizeof(*h));
	if (file == NULL || len < WAL_HDR_LEN || len > WAL_FILE_MAX ||
	    memcmp(file + OFF_MAGIC, WAL_MAGIC, 8) != 0)
		return SP_ERR_WALLET_CORRUPT;
	if (file[OFF_VERSION] != WAL_VERSION)
		return SP_ERR_VERSION;
	h->kdf = file[OFF_KDF];
	h->opslimit = get_be32(file + OFF_OPS);
	h->mem_kib = get_be32(file + OFF_MEM);
	memcpy(h->salt, file + OFF_SALT, WAL_SALT_LEN);
	memcpy(h->id, file + OFF_ID, WAL_ID_LEN);
	h->generation = (uint64_t)get_be32(file + OFF_GEN) << 32 |
	    get_be32(file + OFF_GEN + 4);
	memcpy(h->nonce, file + OFF_NONCE, WAL_XNONCE_LEN);
	memcpy(h->kcv, file + OFF_KCV, WAL_KCV_LEN);
	h->ct_len = get_be32(file + OFF_CTLEN);
	if (file[OFF_RESERVED] != 0 || file[OFF_RESERVED + 1] != 0)
		return SP_ERR_WALLET_CORRUPT;
	switch (h->kdf) {
	case WAL_KDF_RAW:
		if (h->opslimit != 0 || h->mem_kib != 0 ||
		    !all_zero(h->salt, WAL_SALT_LEN))
			return SP_ERR_WALLET_CORRUPT;
		break;
	case WAL_KDF_ARGON2ID:
		/* Bounded, so a hostile header cannot ask for hours of
		 * work or gigabytes of memory. */
		if (h->opslimit < WAL_OPS_MIN || h->opslimit > WAL_OPS_MAX ||
		    h->mem_kib < WAL_MEM_MIN_KIB || h->mem_kib > WAL_MEM_MAX_KIB)
			return SP_ERR_WALLET_CORRUPT;
		break;
	default:
		return SP_ERR_WALLET_CORRUPT;
	}
	if (h->generation == 0 ||
	    h->ct_len != len - WAL_HDR_LEN ||
	    h->ct_len < WAL_PAD_BLOCK + crypto_aead_xchacha20poly1305_ietf_ABYTES)
		return SP_ERR_WALLET_CORRUPT;
	return SP_OK;
}

void
wal_keys_derive(struct wal_keys *k, const uint8_t master[32])
{
	crypto_kdf_derive_from_key(k->enc, sizeof(k->enc), SUBKEY_ENC, KDF_CTX,
	    master);
	crypto_kdf_derive_from_key(k->kcv, sizeof(k->kcv), SUBKEY_KCV, KDF_CTX,
	    master);
}

int
wal_pin_master(uint8_t master[32], const char *pin,
    const struct wal_header *h)
{
	if (h->kdf != WAL_KDF_ARGON2ID)
		return SP_ERR_INVALID_ARG;
	if (crypto_pwhash(master, 32, pin, strlen(pin), h->salt, h->opslimit,
	    (size_t)h->mem_kib * 1024u, crypto_pwhash_ALG_ARGON2ID13) != 0)
		return SP_ERR_NOMEM;	/* the only documented failure */
	return SP_OK;
}

int
wal_file_open(struct wal_state **st, struct wal_header *h,
    const uint8_t *file, size_t len, const struct wal_keys *k)
{
	unsigned long long plen = 0;
	size_t ct_len, unpadded = 0;
	uint8_t *plain = NULL;
	int r;

	if (st == NULL || h == NULL || k == NULL)
		return SP_ERR_INVALID_ARG;
	if ((r = wal_header_parse(h, file, len)) != SP_OK)
		return r;
	if (sodium_memcmp(h->kcv, k->kcv, WAL_KCV_LEN) != 0)
		return SP_ERR_WALLET_KEY;
	ct_len = h->ct_len;
	if ((plain = sodium_malloc(ct_len)) == NULL)
		return SP_ERR_NOMEM;
	r = SP_ERR_WALLET_CORRUPT;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(plain, &plen, NULL,
	    file + WAL_HDR_LEN, ct_len, file, WAL_HDR_LEN, h->nonce,
	    k->enc) != 0)
		goto out;
	if (plen % WAL_PAD_BLOCK != 0 ||
	    sodium_unpad(&unpadded, plain, (size_t)plen, WAL_PAD_BLOCK) != 0)
		goto out;
	r = wal_state_decode(st, plain, unpadded);
out:
	sodium_free(plain);	/* wipes */
	return r;
}

int
wal_file_seal(struct sp_buf *out, struct sp_buf *plain,
    const struct wal_header *h, const struct wal_keys *k,
    const struct wal_state *st)
{
	struct sp_buf cbor;
	struct wal_header hh = *h;
	uint8_t *padded = NULL;
	size_t cap, plen = 0;
	unsigned long long clen = 0;
	int r;

	sp_buf_init(&cbor);
	if ((r = wal_state_encode(&cbor, st)) != SP_OK)
		goto out;
	r = SP_ERR_TOO_LARGE;
	cap = cbor.len + WAL_PAD_BLOCK;
	if (cap + WAL_HDR_LEN + crypto_aead_xchacha20poly1305_ietf_ABYTES >
	    WAL_FILE_MAX)
		goto out;
	r = SP_ERR_NOMEM;
	if ((padded = sodium_malloc(cap)) == NULL)
		goto out;
	memcpy(padded, cbor.ptr, cbor.len);
	r = SP_ERR_INTERNAL;
	if (sodium_pad(&plen, padded, cbor.len, WAL_PAD_BLOCK, cap) != 0)
		goto out;
	hh.ct_len = (uint32_t)(plen + crypto_aead_xchacha20poly1305_ietf_ABYTES);
	sp_buf_reset(out);
	if ((r = sp_buf_reserve(out, WAL_HDR_LEN + hh.ct_len)) != SP_OK)
		goto out;
	wal_header_encode(out->ptr, &hh);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out->ptr + WAL_HDR_LEN,
	    &clen, padded, plen, out->ptr, WAL_HDR_LEN, NULL, hh.nonce,
	    k->enc);
	out->len = WAL_HDR_LEN + (size_t)clen;
	r = SP_OK;
	if (plain != NULL)
		r = sp_buf_set(plain, cbor.ptr, cbor.len);
out:
	if (padded != NULL)
		sodium_free(padded);
	sp_buf_clear(&cbor);
	return r;
}
