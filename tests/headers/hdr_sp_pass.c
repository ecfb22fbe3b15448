/* SPDX-License-Identifier: Apache-2.0 */
/* Proves <stadspas/sp_pass.h> compiles alone: it is included first. */
#include <stadspas/sp_pass.h>

int
main(void)
{
	struct sp_verify_opts o = SP_VERIFY_OPTS_DEFAULT;

	return sp_claim_name(SP_CLAIM_AGE_UNDER_18) != NULL && o.skew > 0 &&
	    SP_KID_LEN == 4 ? 0 : 1;
}
