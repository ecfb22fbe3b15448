/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target: delta parsing and application on a mirror bootstrapped from
 * the fixture's snapshot. A refused delta must leave the mirror unchanged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "registry_fixture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fx f;
	static struct sp_buf snap;
	static int ready;
	struct sp_reg_mirror *m = NULL;
	uint8_t before[FX_COUNT / 4];
	const uint8_t *l;
	size_t len;

	if (!ready) {
		fx_init(&f);
		sp_buf_init(&snap);
		fx_snapshot(&f, &snap);
		ready = 1;
	}
	if (sp_reg_mirror_new(&m, FX_LIST, f.trust) != SP_OK ||
	    sp_reg_mirror_bootstrap(m, snap.ptr, snap.len) != SP_OK)
		abort();
	l = sp_reg_mirror_list(m, &len);
	if (len != sizeof(before))
		abort();
	memcpy(before, l, len);
	if (sp_reg_mirror_apply(m, data, size) != SP_OK) {
		l = sp_reg_mirror_list(m, &len);
		if (sp_reg_mirror_size(m) != 3 || len != sizeof(before) ||
		    memcmp(before, l, len) != 0)
			abort();	/* a refused delta changed the mirror */
	}
	sp_reg_mirror_free(&m);
	return 0;
}
