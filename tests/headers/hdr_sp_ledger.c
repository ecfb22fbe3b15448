/* SPDX-License-Identifier: Apache-2.0 */
/* Proves <stadspas/sp_ledger.h> compiles alone: it is included first.
 * Only macros and types are used, so this does not need the ledger
 * library to link. */
#include <stadspas/sp_ledger.h>

int
main(void)
{
	struct sp_receipt r = { .seq = 1 };
	struct sp_ledger *l = NULL;

	return l == NULL && r.seq == 1 && SP_LEDGER_SINCE_MARK == UINT64_MAX ?
	    0 : 1;
}
