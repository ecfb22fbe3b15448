/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test helper for test_ffi.py: a tiny issuer. Reads a POST
 * /wallet/credential body on stdin, checks every proof of possession, and
 * prints the response body with one pass copy per key (the simulated
 * issuer of wtest.c, fixed issuer key). Writes the issuer's COSE_Key to
 * DIR/issuer.cose (for `stadspas inspect --key`) and the COSE_KeySet to
 * DIR/keyset.cbor (the wallet's trust list).
 *
 *   mkissued DIR [honest|foreign|altered]   < request > response
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	char req[256 * 1024], *resp = NULL;
	size_t n;
	int r;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: mkissued DIR [honest|foreign|altered]\n");
		return 2;
	}
	n = fread(req, 1, sizeof(req) - 1, stdin);
	req[n] = 0;
	if ((r = sim_init(&s, 0x61, SP_ALG_EDDSA)) != SP_OK)
		goto fail;
	if (argc == 3 && strcmp(argv[2], "foreign") == 0)
		s.defect = SIM_FOREIGN_KEY;
	else if (argc == 3 && strcmp(argv[2], "altered") == 0)
		s.defect = SIM_ALTER_LEAF;
	else if (argc == 3 && strcmp(argv[2], "honest") != 0)
		return 2;
	if (write_file(argv[1], "issuer.cose", s.cose, s.cose_len) != 0 ||
	    write_file(argv[1], "keyset.cbor", s.keyset, s.keyset_len) != 0) {
		fprintf(stderr, "mkissued: cannot write to %s\n", argv[1]);
		sim_free(&s);
		return 1;
	}
	if ((r = sim_issue(&resp, &s, req, WT_T0 + 10 * WT_DAY)) != SP_OK)
		goto fail;
	printf("%s\n", resp);
	free(resp);
	sim_free(&s);
	return 0;
fail:
	fprintf(stderr, "mkissued: %s\n", sp_strerror(r));
	sim_free(&s);
	return 1;
}
