/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Seed generator for fuzz_snapshot, fuzz_delta and fuzz_checkpoint, from
 * the fixture in registry_fixture.h. Built by hand, on demand:
 *
 *   ninja -C build registry/libspregistry.a
 *   gcc -std=c17 -D_GNU_SOURCE -Iinclude -Icore -Iregistry \
 *       tests/fuzz/gen_registry_corpus.c build/registry/libspregistry.a \
 *       build/core/libspcore.a $(pkg-config --libs libsodium openssl zlib) \
 *       -llmdb -lm -o /tmp/gen_registry_corpus
 *   /tmp/gen_registry_corpus tests/fuzz/corpus
 */
#include <stdio.h>

#include "registry_fixture.h"

static void
put(const char *dir, const char *name, const struct sp_buf *b)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fp = fopen(path, "wb")) == NULL ||
	    fwrite(b->ptr, 1, b->len, fp) != b->len || fclose(fp) != 0) {
		perror(path);
		exit(1);
	}
}

int
main(int argc, char **argv)
{
	static const uint64_t all[] = { 4, 5, 6 }, gap[] = { 4, 6 };
	static const uint64_t swap[] = { 5, 4, 6 }, dup[] = { 4, 4, 5, 6 };
	char d[3][256];
	struct fx f;
	struct sp_buf b, ck;
	struct sp_reg_mirror *m = NULL;
	uint8_t *state = NULL;
	size_t state_len = 0;

	if (argc != 2)
		return 2;
	snprintf(d[0], sizeof(d[0]), "%s/snapshot", argv[1]);
	snprintf(d[1], sizeof(d[1]), "%s/delta", argv[1]);
	snprintf(d[2], sizeof(d[2]), "%s/checkpoint", argv[1]);
	fx_init(&f);
	sp_buf_init(&b);
	sp_buf_init(&ck);
	fx_snapshot(&f, &b);
	put(d[0], "valid.snapshot", &b);
	if (sp_reg_mirror_new(&m, FX_LIST, f.trust) != SP_OK ||
	    sp_reg_mirror_bootstrap(m, b.ptr, b.len) != SP_OK ||
	    sp_reg_mirror_save(m, &state, &state_len) != SP_OK)
		return 1;
	{
		struct sp_buf s = { .ptr = state, .len = state_len };

		put(d[0], "valid.state", &s);
	}
	b.len /= 2;
	put(d[0], "truncated.snapshot", &b);

	fx_checkpoint(&f, &ck, FX_T0 + 120);
	put(d[2], "same_size.ckpt", &ck);
	fx_delta(&f, &b, 3, NULL, 0, &ck);
	put(d[1], "checkpoint_only.delta", &b);
	fx_event(&f, 10, REG_REVOKED);
	fx_event(&f, 2, REG_VALID);
	fx_event(&f, 11, REG_SUSPENDED);
	fx_checkpoint(&f, &ck, FX_T0 + 300);
	put(d[2], "valid.ckpt", &ck);
	put(d[2], "event.cbor", &f.ev[3]);
	fx_delta(&f, &b, 3, all, 3, &ck);
	put(d[1], "valid.delta", &b);
	fx_delta(&f, &b, 3, gap, 2, &ck);
	put(d[1], "gap.delta", &b);
	fx_delta(&f, &b, 3, swap, 3, &ck);
	put(d[1], "reorder.delta", &b);
	fx_delta(&f, &b, 3, dup, 4, &ck);
	put(d[1], "duplicate.delta", &b);
	fx_delta(&f, &b, 2, all, 3, &ck);
	put(d[1], "overlap.delta", &b);
	ck.ptr[ck.len - 1] ^= 1;
	fx_delta(&f, &b, 3, all, 3, &ck);
	put(d[1], "bad_signature.delta", &b);
	put(d[2], "bad_signature.ckpt", &ck);
	sp_reg_mirror_free(&m);
	sp_bytes_free(state, state_len);
	sp_buf_clear(&b);
	sp_buf_clear(&ck);
	printf("seeds written under %s\n", argv[1]);
	return 0;
}
