/* SPDX-License-Identifier: Apache-2.0 */
/* Proves the umbrella <stadspas/stadspas.h> compiles alone: it is included
 * first and brings in the whole public API. */
#include <stadspas/stadspas.h>

int
main(void)
{
	struct sp_key *k = NULL;

	sp_key_free(&k);	/* accepts NULL */
	return k == NULL && sp_errtoken(SP_OK) != NULL ? 0 : 1;
}
