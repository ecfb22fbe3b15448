/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The encrypted store: file layout, every byte authenticated, wrong key
 * and PIN, the PIN back-off, re-keying, rollback when a save fails, and
 * the state codec round trip.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "check.h"
#include "wallet_int.h"
#include "wtest.h"

static const uint8_t key_a[32] = { 1, 2, 3, 4, 5 };
static const uint8_t key_b[32] = { 9, 9, 9 };

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void
test_create_open(void)
{
	struct wt_env e;
	struct sp_wallet_ops ops;
	struct sp_wallet *w = NULL, *w2 = NULL;
	struct wt_file *f;

	wt_env_init(&e, 1);
	wt_ops(&e, &ops, false);
	CHECK(sp_wallet_open_key(&w, &ops, "w", key_a) ==
	    SP_ERR_WALLET_NO_STORE);
	CHECK(sp_wallet_create_key(&w, &ops, "w", key_a) == SP_OK);
	CHECK(sp_wallet_generation(w) == 1);
	CHECK(sp_wallet_pass_count(w) == 0);
	CHECK(sp_wallet_create_key(&w2, &ops, "w", key_a) ==
	    SP_ERR_WALLET_EXISTS && w2 == NULL);
	/* Header layout (docs/FORMATS.md "Wallet store"). */
	f = wt_file(&e, "w");
	CHECK(f != NULL && f->len > WAL_HDR_LEN);
	if (f != NULL) {
		CHECK(memcmp(f->data, "SPWALLET", 8) == 0);
		CHECK(f->data[8] == 1 && f->data[9] == 0);	/* v1, raw */
		CHECK(f->data[10] == 0 && f->data[11] == 0);
		CHECK(be32(f->data + 12) == 0 && be32(f->data + 16) == 0);
		CHECK(sodium_is_zero(f->data + 20, 16) == 1);	/* salt */
		CHECK(be32(f->data + 52) == 0 && be32(f->data + 56) == 1);
		CHECK(be32(f->data + 100) == f->len - WAL_HDR_LEN);
		/* padded to 512, plus the 16-byte tag */
		CHECK((f->len - WAL_HDR_LEN - 16) % 512 == 0);
	}
	CHECK(wt_file(&e, "w.guard") == NULL);	/* key stores have none */
	sp_wallet_free(&w);
	CHECK(w == NULL);
	sp_wallet_free(&w);	/* NULL is fine */

	CHECK(sp_wallet_open_key(&w, &ops, "w", key_b) == SP_ERR_WALLET_KEY &&
	    w == NULL);
	CHECK(sp_wallet_open_pin(&w, NULL, &ops, "w", "1234") ==
	    SP_ERR_INVALID_ARG);
	CHECK(sp_wallet_open_key(&w, &ops, "w", key_a) == SP_OK);
	CHECK(sp_wallet_generation(w) == 1);
	/* A label change on a missing pass saves nothing. */
	CHECK(sp_wallet_pass_set_label(w, 7, "x") == SP_ERR_WALLET_NO_PASS);
	CHECK(sp_wallet_generation(w) == 1);
	sp_wallet_free(&w);

	/* Argument checks. */
	CHECK(sp_wallet_create_key(&w, &ops, "", key_a) == SP_ERR_INVALID_ARG);
	CHECK(sp_wallet_create_key(&w, &ops, ".hidden", key_a) ==
	    SP_ERR_INVALID_ARG);
	CHECK(sp_wallet_create_key(&w, &ops, "a/b", key_a) ==
	    SP_ERR_INVALID_ARG);
	CHECK(sp_wallet_create_key(&w, &ops, "w2", NULL) == SP_ERR_INVALID_ARG);
	CHECK(sp_wallet_create_key(NULL, &ops, "w2", key_a) ==
	    SP_ERR_INVALID_ARG);
	ops.version = 2;
	CHECK(sp_wallet_create_key(&w, &ops, "w2", key_a) ==
	    SP_ERR_INVALID_ARG);
	wt_ops(&e, &ops, false);
	ops.write_atomic = NULL;
	CHECK(sp_wallet_create_key(&w, &ops, "w2", key_a) ==
	    SP_ERR_INVALID_ARG);
	CHECK(w == NULL);
	wt_env_free(&e);
}

/* Every single-byte change of the file is detected, and so is every
 * truncation. */
static void
test_tamper(void)
{
	struct wt_env e;
	struct sp_wallet_ops ops;
	struct sp_wallet *w = NULL;
	struct wt_file *f;
	uint8_t *orig;
	size_t i, len, bad = 0;

	wt_env_init(&e, 2);
	wt_ops(&e, &ops, false);
	CHECK(sp_wallet_create_key(&w, &ops, "t", key_a) == SP_OK);
	sp_wallet_free(&w);
	f = wt_file(&e, "t");
	len = f->len;
	orig = malloc(len);
	memcpy(orig, f->data, len);
	for (i = 0; i < len; i++) {
		int r;

		f->data[i] ^= 0x20;
		r = sp_wallet_open_key(&w, &ops, "t", key_a);
		if (r == SP_OK) {
			bad++;
			sp_wallet_free(&w);
		} else if (i == 8) {
			CHECK(r == SP_ERR_VERSION);
		} else if (i >= 84 && i < 100) {
			CHECK(r == SP_ERR_WALLET_KEY);	/* key check value */
		} else {
			CHECKF(r == SP_ERR_WALLET_CORRUPT, "byte %zu: %d", i, r);
		}
		f->data[i] ^= 0x20;
	}
	CHECKF(bad == 0, "%zu undetected changes", bad);
	for (i = 0; i < len; i += 7) {
		f->len = i;
		CHECK(sp_wallet_open_key(&w, &ops, "t", key_a) ==
		    SP_ERR_WALLET_CORRUPT);
	}
	f->len = len;
	CHECK(sp_wallet_open_key(&w, &ops, "t", key_a) == SP_OK);
	sp_wallet_free(&w);
	free(orig);
	wt_env_free(&e);
}

static void
test_pin(void)
{
	struct wt_env e;
	struct sp_wallet_ops ops;
	struct sp_wallet *w = NULL;
	struct wt_file *f;
	struct sp_wallet_kdf weak = { .opslimit = 1, .memlimit = 1000 };
	int64_t wait = -1;
	uint32_t fails = 99;
	int i;

	wt_env_init(&e, 3);
	wt_ops(&e, &ops, false);
	CHECK(sp_wallet_create_pin(&w, &ops, "p", "12", &wt_kdf_fast) ==
	    SP_ERR_INVALID_ARG);
	CHECK(sp_wallet_create_pin(&w, &ops, "p", "1234", &weak) ==
	    SP_ERR_INVALID_ARG);
	CHECK(sp_wallet_create_pin(&w, &ops, "p", "48151623", &wt_kdf_fast) ==
	    SP_OK);
	f = wt_file(&e, "p");
	CHECK(f != NULL && f->data[9] == 1 && be32(f->data + 12) == 1 &&
	    be32(f->data + 16) == 64);
	CHECK(f != NULL && sodium_is_zero(f->data + 20, 16) == 0);
	CHECK(wt_file(&e, "p.guard") != NULL);
	sp_wallet_free(&w);
	CHECK(sp_wallet_open_key(&w, &ops, "p", key_a) == SP_ERR_INVALID_ARG);

	CHECK(sp_wallet_open_pin(&w, &wait, &ops, "p", "48151623") == SP_OK &&
	    wait == 0);
	sp_wallet_free(&w);
	/* Three free failures, then 30 s, 60 s, 120 s ... */
	for (i = 1; i <= 3; i++) {
		CHECK(sp_wallet_open_pin(&w, &wait, &ops, "p", "00000000") ==
		    SP_ERR_WALLET_PIN && wait == 0 && w == NULL);
	}
	CHECK(sp_wallet_pin_state(&fails, &wait, &ops, "p") == SP_OK &&
	    fails == 3 && wait == 0);
	CHECK(sp_wallet_open_pin(&w, &wait, &ops, "p", "00000000") ==
	    SP_ERR_WALLET_PIN && wait == 30);
	/* Locked: not even the right PIN is tried. */
	CHECK(sp_wallet_open_pin(&w, &wait, &ops, "p", "48151623") ==
	    SP_ERR_WALLET_LOCKED && wait == 30 && w == NULL);
	e.now += 29;
	CHECK(sp_wallet_open_pin(&w, &wait, &ops, "p", "48151623") ==
	    SP_ERR_WALLET_LOCKED && wait == 1);
	e.now += 1;
	CHECK(sp_wallet_open_pin(&w, &wait, &ops, "p", "11111111") ==
	    SP_ERR_WALLET_PIN && wait == 60);
	CHECK(sp_wallet_pin_state(&fails, &wait, &ops, "p") == SP_OK &&
	    fails == 5 && wait == 60);
	e.now += 60;
	CHECK(sp_wallet_open_pin(&w, &wait, &ops, "p", "22222222") ==
	    SP_ERR_WALLET_PIN && wait == 120);
	e.now += 120;
	/* A failed guard write: no attempt is made at all. */
	wt_fail_writes(&e, 1, "p.guard");
	CHECK(sp_wallet_open_pin(&w, &wait, &ops, "p", "48151623") ==
	    SP_ERR_STORAGE && w == NULL);
	CHECK(sp_wallet_pin_state(&fails, &wait, &ops, "p") == SP_OK &&
	    fails == 6);
	/* The right PIN opens and resets the count. */
	CHECK(sp_wallet_open_pin(&w, &wait, &ops, "p", "48151623") == SP_OK &&
	    wait == 0);
	CHECK(sp_wallet_pin_state(&fails, &wait, &ops, "p") == SP_OK &&
	    fails == 0 && wait == 0);

	/* The schedule caps at one day. */
	CHECK(wal_backoff(3) == 0 && wal_backoff(4) == 30 &&
	    wal_backoff(5) == 60 && wal_backoff(15) == 30 * 2048 &&
	    wal_backoff(16) == 86400 && wal_backoff(4000000000u) == 86400);

	/* New PIN, then a platform key, then a PIN again. */
	CHECK(sp_wallet_set_pin(w, "2468", &wt_kdf_fast) == SP_OK);
	sp_wallet_free(&w);
	CHECK(sp_wallet_open_pin(&w, NULL, &ops, "p", "48151623") ==
	    SP_ERR_WALLET_PIN);
	CHECK(sp_wallet_open_pin(&w, NULL, &ops, "p", "2468") == SP_OK);
	CHECK(sp_wallet_set_key(w, key_b) == SP_OK);
	sp_wallet_free(&w);
	CHECK(sp_wallet_open_key(&w, &ops, "p", key_b) == SP_OK);
	/* A failed re-key keeps the old key. */
	wt_fail_writes(&e, 1, NULL);
	CHECK(sp_wallet_set_pin(w, "1357", &wt_kdf_fast) == SP_ERR_STORAGE);
	sp_wallet_free(&w);
	CHECK(sp_wallet_open_key(&w, &ops, "p", key_b) == SP_OK);
	CHECK(sp_wallet_set_pin(w, "1357", &wt_kdf_fast) == SP_OK);
	sp_wallet_free(&w);
	CHECK(sp_wallet_open_pin(&w, NULL, &ops, "p", "1357") == SP_OK);
	sp_wallet_free(&w);

	/* A damaged or missing guard counts as no failures. */
	f = wt_file(&e, "p.guard");
	f->data[0] ^= 0xff;
	CHECK(sp_wallet_pin_state(&fails, &wait, &ops, "p") == SP_OK &&
	    fails == 0);
	CHECK(sp_wallet_pin_state(&fails, &wait, &ops, "nope") ==
	    SP_ERR_WALLET_NO_STORE);
	wt_env_free(&e);
}

/* A save that fails leaves memory as it was, and the file too. */
static void
test_rollback(void)
{
	struct wt_env e;
	struct sp_wallet_ops ops;
	struct sp_wallet *w = NULL;
	struct sp_buf before;
	struct wt_file *f;

	wt_env_init(&e, 4);
	wt_ops(&e, &ops, false);
	CHECK(sp_wallet_create_key(&w, &ops, "r", key_a) == SP_OK);
	f = wt_file(&e, "r");
	sp_buf_init(&before);
	CHECK(sp_buf_set(&before, f->data, f->len) == SP_OK);
	wt_fail_writes(&e, 1, NULL);
	CHECK(wal_commit(w) == SP_ERR_STORAGE);
	CHECK(sp_wallet_generation(w) == 1);
	CHECK(f->len == before.len && memcmp(f->data, before.ptr, f->len) == 0);
	CHECK(wal_commit(w) == SP_OK && sp_wallet_generation(w) == 2);
	sp_wallet_free(&w);
	CHECK(sp_wallet_open_key(&w, &ops, "r", key_a) == SP_OK &&
	    sp_wallet_generation(w) == 2);
	sp_wallet_free(&w);
	sp_buf_clear(&before);
	wt_env_free(&e);
}

/* A state with every kind of entry survives encode, seal, open, encode
 * byte for byte; a strict decoder refuses damaged plaintext. */
static void
test_codec(void)
{
	struct wal_state *st = NULL, *back = NULL;
	struct wal_header h, h2;
	struct wal_keys k;
	struct sp_buf a, b, file;
	uint8_t master[32];
	struct sim_issuer s;
	uint8_t cose[128], *issued = NULL;
	size_t cose_len = sizeof(cose), issued_len = 0, i;
	struct sp_key *hk = NULL;
	struct sp_pass_builder *pb = NULL;
	struct wal_pass *p;

	sp_buf_init(&a);
	sp_buf_init(&b);
	sp_buf_init(&file);
	CHECK(sim_init(&s, 5, SP_ALG_EDDSA) == SP_OK);
	memset(master, 7, sizeof(master));
	CHECK(sp_key_from_seed(&hk, SP_ALG_EDDSA, master) == SP_OK);
	CHECK(sp_key_public_cose(hk, cose, &cose_len) == SP_OK);
	CHECK(sp_pass_builder_new(&pb) == SP_OK);
	CHECK(sp_pass_builder_set_times(pb, WT_T0, 0, WT_T0 + WT_YEAR) ==
	    SP_OK);
	CHECK(sp_pass_builder_set_status(pb, 1, 5) == SP_OK);
	CHECK(sp_pass_builder_set_holder(pb, cose, cose_len) == SP_OK);
	CHECK(sp_pass_builder_add_text(pb, SP_CLAIM_PASS_NO, "0014-1") ==
	    SP_OK);
	CHECK(sp_pass_issue(&issued, &issued_len, pb, s.key, NULL) == SP_OK);

	CHECK(wal_state_new(&st) == SP_OK);
	st->next_id = 3;
	st->n_passes = 1;
	p = &st->passes[0];
	p->id = 2;
	strcpy(p->label, "Noor");
	strcpy(p->pass_no, "0014-1");
	p->n_copies = 1;
	p->copies[0].issued = malloc(issued_len);
	memcpy(p->copies[0].issued, issued, issued_len);
	p->copies[0].issued_len = issued_len;
	p->copies[0].key.kind = SP_WALLET_KEY_ED25519;
	memcpy(p->copies[0].key.secret, master, 32);
	memcpy(p->copies[0].key.cose, cose, cose_len);
	p->copies[0].key.cose_len = cose_len;
	p->copies[0].used = WT_T0 + 5;
	p->n_counters = 2;
	p->counters[0] = (struct wal_counter){ .offer = 4, .last = 9 };
	p->counters[1] = (struct wal_counter){ .offer = 77, .last = 1 };
	st->n_events = 1;
	st->events[0] = (struct wal_event){ .time = WT_T0 + 5, .pass_id = 2,
	    .offer = 4, .counter = 9, .n_claims = 2, .claims = { 5, 9 } };
	strcpy(st->events[0].aud, "prov-1");
	st->pending.active = true;
	st->pending.n_keys = 1;
	st->pending.keys[0].kind = SP_WALLET_KEY_HARDWARE;
	memcpy(st->pending.keys[0].handle, "hw0", 3);
	st->pending.keys[0].handle_len = 3;
	memcpy(st->pending.keys[0].cose, cose, cose_len);
	st->pending.keys[0].cose_len = cose_len;
	st->pending.n_claims = 1;
	st->pending.claims[0] = SP_CLAIM_AGE_UNDER_12;

	CHECK(wal_state_encode(&a, st) == SP_OK);
	memset(&h, 0, sizeof(h));
	h.generation = 5;
	memset(h.id, 0x11, sizeof(h.id));
	memset(h.nonce, 0x22, sizeof(h.nonce));
	wal_keys_derive(&k, master);
	memcpy(h.kcv, k.kcv, sizeof(h.kcv));
	CHECK(wal_file_seal(&file, NULL, &h, &k, st) == SP_OK);
	CHECK(wal_file_open(&back, &h2, file.ptr, file.len, &k) == SP_OK);
	CHECK(h2.generation == 5 && memcmp(h2.id, h.id, 16) == 0);
	if (back != NULL) {
		CHECK(wal_state_encode(&b, back) == SP_OK);
		CHECK(a.len == b.len && memcmp(a.ptr, b.ptr, a.len) == 0);
		CHECK(back->passes[0].copies[0].exp == WT_T0 + WT_YEAR);
	}
	wal_state_free(&back);
	/* Strict: every byte change of the plaintext is refused or decodes
	 * to something that re-encodes differently. */
	for (i = 0; i < a.len; i++) {
		a.ptr[i] ^= 0x01;
		if (wal_state_decode(&back, a.ptr, a.len) == SP_OK) {
			sp_buf_reset(&b);
			CHECK(wal_state_encode(&b, back) == SP_OK);
			CHECKF(b.len == a.len && memcmp(a.ptr, b.ptr, a.len) == 0,
			    "byte %zu of %zu: %zu", i, a.len, b.len);
			wal_state_free(&back);
		}
		a.ptr[i] ^= 0x01;
	}
	/* Two passes with one number are not a state we write. */
	st->n_passes = 2;
	st->passes[1] = st->passes[0];
	st->passes[1].id = 1;
	st->passes[1].n_copies = 0;
	sp_buf_reset(&a);
	CHECK(wal_state_encode(&a, st) == SP_OK);
	CHECK(wal_state_decode(&back, a.ptr, a.len) == SP_ERR_WALLET_CORRUPT);
	st->n_passes = 1;
	wal_state_free(&st);
	sp_pass_builder_free(&pb);
	sp_bytes_free(issued, issued_len);
	sp_key_free(&hk);
	sim_free(&s);
	sp_buf_clear(&a);
	sp_buf_clear(&b);
	sp_buf_clear(&file);
}

static bool
is_hex(const uint8_t *p, size_t n, const char *hex)
{
	char *h = wal_hex(p, n);
	bool ok = h != NULL && strcmp(h, hex) == 0;

	if (!ok)
		fprintf(stderr, "got %s\n", h != NULL ? h : "(null)");
	free(h);
	return ok;
}

/* docs/FORMATS.md 7.6, byte for byte (vec_store.py checks the same
 * values with an independent implementation). */
static void
test_vector(void)
{
	struct wal_state *st = NULL;
	struct wal_header h;
	struct wal_keys k;
	struct wal_guard g;
	struct sp_buf file, plain;
	uint8_t master[32], d[32];
	size_t i;

	sp_buf_init(&file);
	sp_buf_init(&plain);
	for (i = 0; i < 32; i++)
		master[i] = (uint8_t)(0x40 + i);
	wal_keys_derive(&k, master);
	CHECK(is_hex(k.enc, 32, "9ae59512fa0942a379d669d5ca970346"
	    "9875fa45fbb00aac2aabf911b58abe4b"));
	CHECK(is_hex(k.kcv, 16, "0eca93c286f8f7f2d0ef642d6c4bbd76"));
	memset(&h, 0, sizeof(h));
	memset(h.id, 0x11, sizeof(h.id));
	h.generation = 1;
	memset(h.nonce, 0x22, sizeof(h.nonce));
	memcpy(h.kcv, k.kcv, sizeof(h.kcv));
	CHECK(wal_state_new(&st) == SP_OK);
	CHECK(wal_file_seal(&file, &plain, &h, &k, st) == SP_OK);
	CHECK(is_hex(plain.ptr, plain.len, "8501018080f6"));
	CHECK(file.len == 632);
	CHECK(is_hex(file.ptr, WAL_HDR_LEN,
	    "535057414c4c45540100000000000000000000000000000000000000"
	    "00000000000000001111111111111111111111111111111100000000"
	    "00000001222222222222222222222222222222222222222222222222"
	    "0eca93c286f8f7f2d0ef642d6c4bbd7600000210"));
	CHECK(is_hex(file.ptr + file.len - 16, 16,
	    "becb8ba3df7c0726b94d08892f27ae2a"));
	crypto_hash_sha256(d, file.ptr, file.len);
	CHECK(is_hex(d, 32, "6bb3087346a9cc892309181a4dc66bea"
	    "8086872d76bf25106395e9f13f205d13"));
	wal_state_free(&st);

	memset(&h, 0, sizeof(h));
	h.kdf = WAL_KDF_ARGON2ID;
	h.opslimit = 1;
	h.mem_kib = 64;
	for (i = 0; i < 16; i++)
		h.salt[i] = (uint8_t)(0x30 + i);
	CHECK(wal_pin_master(master, "1234", &h) == SP_OK);
	CHECK(is_hex(master, 32, "99b8f592a82315a467639aba92858b6b"
	    "c29e8db8de340d695c5220454df08a25"));
	wal_keys_derive(&k, master);
	CHECK(is_hex(k.kcv, 16, "fb6728a565b905b63ffea5d3af345d08"));

	memset(&g, 0, sizeof(g));
	memset(g.id, 0x11, sizeof(g.id));
	g.failures = 4;
	g.not_before = 1767225630;
	g.last = 1767225600;
	CHECK(wal_guard_encode(&file, &g) == SP_OK);
	CHECK(is_hex(file.ptr, file.len, "850150111111111111111111111111111"
	    "11111041a6955b91e1a6955b900"));
	sodium_memzero(master, sizeof(master));
	sp_buf_clear(&file);
	sp_buf_clear(&plain);
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_vector();
	test_create_open();
	test_tamper();
	test_pin();
	test_rollback();
	test_codec();
	return check_report("test_store");
}
