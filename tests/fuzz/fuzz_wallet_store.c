/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Wallet store fuzz target. The input is tried three ways: as a store
 * file opened with the fixture's key (header, key check, AEAD, padding,
 * state), as a decrypted state given straight to the state decoder (the
 * AEAD would otherwise keep the fuzzer out of it), and as a PIN back-off
 * record. Never crashes or leaks; a state that decodes re-encodes to the
 * very bytes it came from (the decoder accepts only what the encoder
 * writes).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wallet_fixture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
roundtrip(const struct wal_state *st, const uint8_t *data, size_t size)
{
	struct sp_buf b;

	sp_buf_init(&b);
	if (wal_state_encode(&b, st) != SP_OK ||
	    (data != NULL && (b.len != size || memcmp(b.ptr, data, size) != 0)))
		abort();
	sp_buf_clear(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct wal_keys keys;
	static int ready;
	struct wal_state *st = NULL;
	struct wal_header h;
	struct wal_guard g;

	if (!ready) {
		if (sodium_init() < 0)
			abort();
		wf_keys(&keys);
		ready = 1;
	}
	if (wal_file_open(&st, &h, data, size, &keys) == SP_OK) {
		roundtrip(st, NULL, 0);
		wal_state_free(&st);
	}
	if (wal_state_decode(&st, data, size) == SP_OK) {
		roundtrip(st, data, size);
		wal_state_free(&st);
	}
	(void)wal_guard_decode(&g, data, size);
	return 0;
}
