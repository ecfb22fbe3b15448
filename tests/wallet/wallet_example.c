/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A wallet app in miniature, on the public API only (docs/API.md, section
 * 4): the store in a directory through the POSIX helpers, the store key
 * in DIR/key (standing in for a platform keystore), and the HTTP left to
 * the caller, one step per run:
 *
 *   wallet_example DIR request CODE NONCE_JSON   prints the request body
 *   wallet_example DIR accept RESPONSE KEYSET    prints the new pass id
 *   wallet_example DIR present PASS OFFER CATEGORY
 *                                                prints the SP1 text and
 *                                                the QR as text
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <stadspas/sp_wallet.h>

static int
fail(const char *what, int r)
{
	fprintf(stderr, "wallet_example: %s: %s\n", what, sp_strerror(r));
	return 1;
}

/* Reads a whole small file into buf (NUL-terminated); its length or -1. */
static long
slurp(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (f == NULL)
		return -1;
	n = fread(buf, 1, cap - 1, f);
	fclose(f);
	buf[n] = 0;
	return (long)n;
}

/* The store key: made once, kept in DIR/key (mode 0600). */
static int
store_key(uint8_t key[SP_WALLET_KEY_LEN], const char *dir, int *fresh)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/key", dir);
	*fresh = 0;
	if ((fd = open(path, O_RDONLY)) < 0) {
		FILE *r = fopen("/dev/urandom", "rb");

		if (r == NULL || fread(key, 1, SP_WALLET_KEY_LEN, r) !=
		    SP_WALLET_KEY_LEN)
			return -1;
		fclose(r);
		if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600)) < 0 ||
		    write(fd, key, SP_WALLET_KEY_LEN) != SP_WALLET_KEY_LEN)
			return -1;
		*fresh = 1;
	} else if (read(fd, key, SP_WALLET_KEY_LEN) != SP_WALLET_KEY_LEN) {
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static int
run(struct sp_wallet *w, int argc, char **argv)
{
	char *out = NULL, *text = NULL;
	uint32_t id = 0;
	int r;

	if (strcmp(argv[2], "request") == 0 && argc == 5) {
		struct sp_wallet_request req = { .batch = 4, .label = "me" };

		r = sp_wallet_issuance_request(w, &out, argv[3], argv[4],
		    strlen(argv[4]), &req);
		if (r != SP_OK)
			return fail("request", r);
		printf("%s\n", out);
		sp_wallet_str_free(out);
		return 0;
	}
	if (strcmp(argv[2], "accept") == 0 && argc == 5) {
		static char resp[256 * 1024], keyset[4096];
		long n, kn;

		if ((n = slurp(argv[3], resp, sizeof(resp))) < 0 ||
		    (kn = slurp(argv[4], keyset, sizeof(keyset))) < 0)
			return fail("reading files", SP_ERR_STORAGE);
		r = sp_wallet_issuance_accept(w, &id, resp, (size_t)n,
		    (const uint8_t *)keyset, (size_t)kn);
		if (r != SP_OK)
			return fail("accept", r);
		printf("%u\n", id);
		return 0;
	}
	if (strcmp(argv[2], "present") == 0 && argc == 6) {
		struct sp_wallet_offer offer = {
			.id = strtoull(argv[4], NULL, 10),
			.category = argv[5],
			.limit_period = SP_WALLET_PERIOD_YEAR,
		};

		r = sp_wallet_present(w, &out, (uint32_t)strtoul(argv[3], NULL,
		    10), &offer, NULL);
		if (r != SP_OK)
			return fail("present", r);
		if ((r = sp_wallet_qr_text(&text, out, 0)) != SP_OK) {
			sp_wallet_str_free(out);
			return fail("qr", r);
		}
		printf("%s\n%s", out, text);
		sp_wallet_str_free(out);
		sp_wallet_str_free(text);
		return 0;
	}
	fprintf(stderr, "usage: see the top of wallet_example.c\n");
	return 2;
}

int
main(int argc, char **argv)
{
	struct sp_wallet_posix *px = NULL;
	struct sp_wallet_ops ops;
	struct sp_wallet *w = NULL;
	uint8_t key[SP_WALLET_KEY_LEN];
	int fresh = 0, r, rc;

	if (argc < 3)
		return 2;
	if (store_key(key, argv[1], &fresh) != 0)
		return fail("store key", SP_ERR_STORAGE);
	if ((r = sp_wallet_posix_new(&px, argv[1])) != SP_OK)
		return fail(argv[1], r);
	sp_wallet_posix_ops(px, &ops);
	r = fresh ? sp_wallet_create_key(&w, &ops, "wallet", key) :
	    sp_wallet_open_key(&w, &ops, "wallet", key);
	explicit_bzero(key, sizeof(key));	/* an app keeps it in hardware */
	if (r != SP_OK) {
		sp_wallet_posix_free(&px);
		return fail("opening the wallet", r);
	}
	rc = run(w, argc, argv);
	sp_wallet_free(&w);
	sp_wallet_posix_free(&px);
	return rc;
}
