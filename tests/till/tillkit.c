/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A test helper for test_till.py (not a test itself): presents a pass of a
 * real `stadspas wallet` directory with the wallet's clock set to a given
 * time, for the stale-registry drill (the till's --now moves forward, so
 * the presentation must be made "then" too).
 *
 *   tillkit present WALLETDIR CATALOGUE OFFER AUDIENCE NOW
 *
 * The PIN comes from $STADSPAS_WALLET_PIN. Prints the SP1 string.
 * Exit status: 0 ok, 1 failure, 2 usage.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stadspas/sp_err.h>
#include <stadspas/sp_wallet.h>

static int64_t fake_now;

static int64_t
now_fixed(void *ctx)
{
	(void)ctx;
	return fake_now;
}

static uint8_t *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;

	if (f == NULL)
		return NULL;
	buf = malloc(1024 * 1024);
	if (buf != NULL)
		*len = fread(buf, 1, 1024 * 1024, f);
	fclose(f);
	return buf;
}

int
main(int argc, char **argv)
{
	struct sp_wallet_posix *px = NULL;
	struct sp_wallet_ops ops;
	struct sp_wallet *w = NULL;
	struct sp_wallet_catalogue *cat = NULL;
	struct sp_wallet_offer offer;
	struct sp_wallet_present_opts po;
	char keys_path[4200], *qr = NULL;
	const char *pin = getenv("STADSPAS_WALLET_PIN");
	uint8_t *keys = NULL, *catb = NULL;
	size_t keys_len = 0, cat_len = 0;
	int64_t wait = 0;
	int rc = 1, r;

	if (argc != 7 || strcmp(argv[1], "present") != 0 || pin == NULL) {
		fprintf(stderr, "usage: tillkit present WALLETDIR CATALOGUE "
		    "OFFER AUDIENCE NOW (PIN in $STADSPAS_WALLET_PIN)\n");
		return 2;
	}
	fake_now = strtoll(argv[6], NULL, 10);
	snprintf(keys_path, sizeof(keys_path), "%s/registry-keys.cbor",
	    argv[2]);
	if ((keys = slurp(keys_path, &keys_len)) == NULL ||
	    (catb = slurp(argv[3], &cat_len)) == NULL) {
		fprintf(stderr, "tillkit: cannot read keys or catalogue\n");
		goto out;
	}
	if ((r = sp_wallet_catalogue_new(&cat, catb, cat_len, keys,
	    keys_len)) != SP_OK ||
	    (r = sp_wallet_catalogue_offer(cat, &offer,
	    strtoull(argv[4], NULL, 10))) != SP_OK ||
	    (r = sp_wallet_posix_new(&px, argv[2])) != SP_OK) {
		fprintf(stderr, "tillkit: %s\n", sp_strerror(r));
		goto out;
	}
	sp_wallet_posix_ops(px, &ops);
	ops.now = now_fixed;
	if ((r = sp_wallet_open_pin(&w, &wait, &ops, "wallet", pin)) !=
	    SP_OK) {
		fprintf(stderr, "tillkit: open: %s\n", sp_strerror(r));
		goto out;
	}
	memset(&po, 0, sizeof(po));
	po.audience = argv[5];
	if ((r = sp_wallet_present(w, &qr, sp_wallet_pass_id(w, 0), &offer,
	    &po)) != SP_OK) {
		fprintf(stderr, "tillkit: present: %s\n", sp_strerror(r));
		goto out;
	}
	printf("%s\n", qr);
	rc = 0;
out:
	sp_wallet_str_free(qr);
	sp_wallet_free(&w);
	sp_wallet_posix_free(&px);
	sp_wallet_catalogue_free(&cat);
	free(keys);
	free(catb);
	return rc;
}
