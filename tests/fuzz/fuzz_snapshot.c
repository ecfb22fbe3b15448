/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: snapshot and saved-state parsing (bootstrap and load). */
#include <stdint.h>
#include <stdlib.h>

#include "registry_fixture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fx f;
	static int ready;
	struct sp_reg_mirror *m = NULL;
	struct reg_wire w;
	unsigned st;

	if (!ready) {
		fx_init(&f);
		ready = 1;
	}
	if (size == 0)
		return 0;
	(void)reg_wire_decode(&w, data, size);
	if (sp_reg_mirror_new(&m, FX_LIST, f.trust) != SP_OK)
		abort();
	if (sp_reg_mirror_bootstrap(m, data, size) == SP_OK) {
		/* A verified snapshot gives a usable, consistent mirror. */
		if (sp_reg_mirror_status(m, 0, &st) != SP_OK ||
		    sp_reg_mirror_status(m, FX_COUNT, &st) != SP_ERR_NOT_FOUND)
			abort();
	}
	sp_reg_mirror_free(&m);
	if (sp_reg_mirror_new(&m, FX_LIST, f.trust) != SP_OK)
		abort();
	if (sp_reg_mirror_load(m, data, size) == SP_OK &&
	    sp_reg_mirror_size(m) == 0 && sp_reg_mirror_list(m, NULL) == NULL)
		abort();	/* loaded, yet empty */
	sp_reg_mirror_free(&m);
	return 0;
}
