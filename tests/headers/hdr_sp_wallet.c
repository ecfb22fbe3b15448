/* SPDX-License-Identifier: Apache-2.0 */
/* Proves <stadspas/sp_wallet.h> compiles alone (it is included first) and
 * links against the shared library libstadspas-wallet.so by itself. */
#include <stadspas/sp_wallet.h>

int
main(void)
{
	struct sp_wallet *w = NULL;
	struct sp_wallet_ops ops = { .version = SP_WALLET_OPS_VERSION };
	struct sp_wallet_offer o = { .id = 1, .category = "sport",
	    .limit_period = SP_WALLET_PERIOD_YEAR };

	sp_wallet_free(&w);	/* accepts NULL */
	return w == NULL && o.id == 1 && ops.read == NULL &&
	    sp_wallet_pass_count(NULL) == 0 &&
	    sp_wallet_open_key(&w, &ops, "x", NULL) == SP_ERR_INVALID_ARG &&
	    sp_strerror(SP_ERR_WALLET_PIN) != NULL ? 0 : 1;
}
