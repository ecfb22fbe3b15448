/* SPDX-License-Identifier: Apache-2.0 */
/* Proves <stadspas/sp_registry.h> compiles alone: it is included first.
 * Only macros and types are used, so this does not need the registry
 * library to link. */
#include <stadspas/sp_registry.h>

int
main(void)
{
	struct sp_reg_mirror *m = NULL;

	return m == NULL && SP_STATUS_REVOKED == 1 ? 0 : 1;
}
