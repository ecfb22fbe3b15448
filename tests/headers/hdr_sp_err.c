/* SPDX-License-Identifier: Apache-2.0 */
/* Proves <stadspas/sp_err.h> compiles alone: it is included first. */
#include <stadspas/sp_err.h>

int
main(void)
{
	return sp_strerror(SP_ERR_SIGNATURE) != 0 && SP_OK == 0 ? 0 : 1;
}
