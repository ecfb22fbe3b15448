// SPDX-License-Identifier: Apache-2.0
// Proves the public headers compile as C++ (no [static N], no C-only
// syntax) and link from C++ (extern "C": the calls resolve unmangled).
#include <stadspas/stadspas.h>
#include <stadspas/sp_registry.h>
#include <stadspas/sp_wallet.h>

int
main()
{
	struct sp_key *k = nullptr;
	struct sp_wallet_offer o = {};

	sp_key_free(&k);
	return k == nullptr && SP_STATUS_VALID == 0 && o.id == 0 &&
	    SP_WALLET_KEY_LEN == 32 &&
	    sp_strerror(SP_OK) != nullptr &&
	    sp_claim_name(SP_CLAIM_NAME) != nullptr ? 0 : 1;
}
