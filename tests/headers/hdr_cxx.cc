// SPDX-License-Identifier: Apache-2.0
// Proves the public headers compile as C++ (no [static N], no C-only
// syntax) and link from C++ (extern "C": the calls resolve unmangled).
#include <stadspas/stadspas.h>
#include <stadspas/sp_registry.h>

int
main()
{
	struct sp_key *k = nullptr;

	sp_key_free(&k);
	return k == nullptr && SP_STATUS_VALID == 0 &&
	    sp_strerror(SP_OK) != nullptr &&
	    sp_claim_name(SP_CLAIM_NAME) != nullptr ? 0 : 1;
}
