/* SPDX-License-Identifier: Apache-2.0 */
/* Proves <stadspas/sp_verifier.h> compiles alone: it is included first.
 * Only macros and types are used, so this does not need the verifier
 * library to link. */
#include <stadspas/sp_verifier.h>

int
main(void)
{
	struct sp_policy pol = SP_POLICY_DEFAULT;
	struct sp_verdict vd = { .reason = SP_R_REVOKED };

	return pol.registry_max_age == 86400 && vd.reason == 6 &&
	    SP_R_COUNT > SP_R_LEDGER ? 0 : 1;
}
