/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test helper for test_ffi.py: a tiny issuer. Reads a POST
 * /wallet/credential body on stdin, checks every proof of possession, and
 * prints the response body with one pass copy per key (the simulated
 * issuer of wtest.c, fixed issuer key). Writes the issuer's COSE_Key to
 * DIR/issuer.cose (for `stadspas inspect --key`) and the COSE_KeySet to
 * DIR/keyset.cbor (the wallet's trust list).
 *
 *   mkissued DIR [honest|foreign|altered [now]]   < request > response
 *
 * Passes are valid from 2026-01-01 for a year, or with "now" from the
 * start of today (UTC) for a year.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wtest.h"

static int
write_file(const char *dir, const char *name, const uint8_t *p, size_t n)
{
	char path[4096];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "wb")) == NULL)
		return -1;
	ok = fwrite(p, 1, n, f) == n;
	return fclose(f) == 0 && ok ? 0 : -1;
}

int
main(int argc, char **argv)
{
	struct sim_issuer s;
	enum sim_defect defect = SIM_HONEST;
	char req[256 * 1024], *resp = NULL;
	int64_t now = WT_T0 + 10 * WT_DAY;
	size_t n;
	int r;

	if (argc >= 3 && strcmp(argv[2], "foreign") == 0)
		defect = SIM_FOREIGN_KEY;
	else if (argc >= 3 && strcmp(argv[2], "altered") == 0)
		defect = SIM_ALTER_LEAF;
	if (argc < 2 || argc > 4 || (argc >= 3 && defect == SIM_HONEST &&
	    strcmp(argv[2], "honest") != 0) ||
	    (argc == 4 && strcmp(argv[3], "now") != 0)) {
		fprintf(stderr, "usage: mkissued DIR [honest|foreign|altered "
		    "[now]]\n");
		return 2;
	}
	n = fread(req, 1, sizeof(req) - 1, stdin);
	req[n] = 0;
	if ((r = sim_init(&s, 0x61, SP_ALG_EDDSA)) != SP_OK) {
		fprintf(stderr, "mkissued: %s\n", sp_strerror(r));
		return 1;
	}
	s.defect = defect;
	if (argc == 4) {
		now = (int64_t)time(NULL);
		s.iat = now - now % WT_DAY;
		s.exp = s.iat + WT_YEAR;
	}
	r = SP_ERR_STORAGE;
	if (write_file(argv[1], "issuer.cose", s.cose, s.cose_len) != 0 ||
	    write_file(argv[1], "keyset.cbor", s.keyset, s.keyset_len) != 0)
		goto out;
	if ((r = sim_issue(&resp, &s, req, now)) == SP_OK)
		printf("%s\n", resp);
out:
	if (r != SP_OK)
		fprintf(stderr, "mkissued: %s\n", sp_strerror(r));
	free(resp);
	sim_free(&s);
	return r == SP_OK ? 0 : 1;
}
