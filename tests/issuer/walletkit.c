/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A tiny holder wallet for test_daemon.py (not a test itself): makes holder
 * keys, signs the proofs of possession for /wallet/credential and checks
 * the passes that come back by presenting and verifying each one.
 *
 *   walletkit keygen DIR N          N keys (EdDSA and ES256 in turn)
 *   walletkit proofs DIR NONCE CODE JSON array of {"key","sig"} (hex)
 *   walletkit verify DIR KEYS PASSES
 *       KEYS: file with the raw COSE_KeySet of GET /registry/keys;
 *       PASSES: file with one issued pass in hex per line. Prints one
 *       JSON object per pass {"key","list","idx","exp","pass_no"}; exit 0
 *       only if every pass verifies with one of the keys in DIR.
 *
 * Exit status: 0 ok, 1 failure, 2 usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "cbor.h"
#include "sig.h"
#include "sp_buf.h"
#include "stadspas/sp_pass.h"

#define MAX_KEYS 64
#define MAX_FILE (1024 * 1024)

struct hkey {
	int alg;
	uint8_t seed[SP_SEED_LEN];
};

static void
hex_put(FILE *f, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x", p[i]);
}

static int
hex_get(struct sp_buf *out, const char *s, size_t n)
{
	sp_buf_reset(out);
	if (n % 2 != 0)
		return SP_ERR_INVALID_ARG;
	for (size_t i = 0; i < n; i += 2) {
		unsigned v;

		if (sscanf(s + i, "%2x", &v) != 1 ||
		    sp_buf_push(out, (uint8_t)v) != SP_OK)
			return SP_ERR_INVALID_ARG;
	}
	return SP_OK;
}

static int
read_file(struct sp_buf *out, const char *path)
{
	uint8_t chunk[4096];
	FILE *f = fopen(path, "rb");
	size_t n;
	int r = SP_OK;

	sp_buf_reset(out);
	if (f == NULL)
		return SP_ERR_INVALID_ARG;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (out->len + n > MAX_FILE ||
		    sp_buf_append(out, chunk, n) != SP_OK) {
			r = SP_ERR_TOO_LARGE;
			break;
		}
	}
	if (ferror(f))
		r = SP_ERR_INVALID_ARG;
	fclose(f);
	return r;
}

static int
key_path(char *buf, size_t n, const char *dir, size_t i)
{
	int w = snprintf(buf, n, "%s/holder%zu.key", dir, i);

	return w > 0 && (size_t)w < n ? SP_OK : SP_ERR_INVALID_ARG;
}

/* Loads DIR/holder<i>.key ("alg seedhex") for i = 0, 1, ... */
static size_t
load_keys(struct hkey *k, size_t max, const char *dir)
{
	char path[512], hex[2 * SP_SEED_LEN + 1];
	struct sp_buf b;
	size_t n;

	sp_buf_init(&b);
	for (n = 0; n < max; n++) {
		FILE *f;
		int alg, ok;

		if (key_path(path, sizeof(path), dir, n) != SP_OK ||
		    (f = fopen(path, "r")) == NULL)
			break;
		ok = fscanf(f, "%d %64s", &alg, hex) == 2;
		fclose(f);
		if (!ok || hex_get(&b, hex, strlen(hex)) != SP_OK ||
		    b.len != SP_SEED_LEN)
			break;
		k[n].alg = alg;
		memcpy(k[n].seed, b.ptr, SP_SEED_LEN);
	}
	sp_buf_clear(&b);
	return n;
}

static int
cmd_keygen(const char *dir, const char *count)
{
	char path[512];
	long n = strtol(count, NULL, 10);

	if (n <= 0 || n > MAX_KEYS)
		return 2;
	for (long i = 0; i < n; i++) {
		uint8_t seed[SP_SEED_LEN];
		struct sp_key *k = NULL;
		int alg = i % 2 == 0 ? SP_ALG_EDDSA : SP_ALG_ES256;
		FILE *f;

		/* ES256 needs 0 < scalar < n: retry the (rare) misses. */
		do {
			randombytes_buf(seed, sizeof(seed));
		} while (sp_key_from_seed(&k, alg, seed) != SP_OK);
		sp_key_free(&k);
		if (key_path(path, sizeof(path), dir, (size_t)i) != SP_OK ||
		    (f = fopen(path, "w")) == NULL)
			return 1;
		fprintf(f, "%d ", alg);
		hex_put(f, seed, sizeof(seed));
		fprintf(f, "\n");
		fclose(f);
		sodium_memzero(seed, sizeof(seed));
	}
	return 0;
}

static int
cmd_proofs(const char *dir, const char *nonce_hex, const char *code)
{
	static const char label[] = "stadspas pop v1";
	struct hkey keys[MAX_KEYS];
	struct sp_buf msg, nonce;
	size_t n = load_keys(keys, MAX_KEYS, dir);
	int rc = 1;

	sp_buf_init(&msg);
	sp_buf_init(&nonce);
	if (n == 0 || hex_get(&nonce, nonce_hex, strlen(nonce_hex)) != SP_OK)
		goto out;
	/* "stadspas pop v1" || 0x00 || nonce || code */
	if (sp_buf_append(&msg, label, sizeof(label)) != SP_OK ||
	    sp_buf_append(&msg, nonce.ptr, nonce.len) != SP_OK ||
	    sp_buf_append(&msg, code, strlen(code)) != SP_OK)
		goto out;
	printf("[");
	for (size_t i = 0; i < n; i++) {
		struct sig_priv sk;
		struct sp_key *k = NULL;
		uint8_t sig[SIG_MAX_LEN], cose[128];
		size_t sl = 0, cl = sizeof(cose);

		if (sig_priv_from_seed(&sk, keys[i].alg, keys[i].seed) !=
		    SP_OK)
			goto out;
		if (sig_sign(&sk, sig, &sl, msg.ptr, msg.len) != SP_OK ||
		    sp_key_from_seed(&k, keys[i].alg, keys[i].seed) != SP_OK ||
		    sp_key_public_cose(k, cose, &cl) != SP_OK) {
			sig_priv_clear(&sk);
			sp_key_free(&k);
			goto out;
		}
		sig_priv_clear(&sk);
		sp_key_free(&k);
		printf("%s{\"key\":\"", i > 0 ? "," : "");
		hex_put(stdout, cose, cl);
		printf("\",\"sig\":\"");
		hex_put(stdout, sig, sl);
		printf("\"}");
	}
	printf("]\n");
	rc = 0;
out:
	sodium_memzero(keys, sizeof(keys));
	sp_buf_clear(&msg);
	sp_buf_clear(&nonce);
	return rc;
}

/* Adds every COSE_Key of a COSE_KeySet (a CBOR array) to t. */
static int
trust_from_keyset(struct sp_trust *t, const struct sp_buf *ks)
{
	struct cbor_reader rd;
	uint64_t n;
	int r;

	cbor_reader_init(&rd, ks->ptr, ks->len);
	if ((r = cbor_read_array(&rd, &n)) != SP_OK)
		return r;
	for (uint64_t i = 0; i < n; i++) {
		const uint8_t *start = rd.p;

		if ((r = cbor_skip(&rd)) != SP_OK ||
		    (r = sp_trust_add_cose_key(t, start,
		    (size_t)(rd.p - start))) != SP_OK)
			return r;
	}
	return cbor_reader_done(&rd) ? SP_OK : SP_ERR_CBOR_TRAILING;
}

static void
print_pass_no(const struct sp_presentation *p)
{
	for (size_t i = 0; i < sp_presentation_claim_count(p); i++) {
		struct cbor_reader rd;
		const uint8_t *v;
		const char *s;
		size_t vl, sl;
		int key;

		if (sp_presentation_claim(p, i, &key, &v, &vl) != SP_OK ||
		    key != SP_CLAIM_PASS_NO)
			continue;
		cbor_reader_init(&rd, v, vl);
		if (cbor_read_tstr(&rd, &s, &sl) == SP_OK)
			printf(",\"pass_no\":\"%.*s\"", (int)sl, s);
	}
}

static int
cmd_verify(const char *dir, const char *keys_file, const char *passes_file)
{
	static const int disclose[] = { SP_CLAIM_PASS_NO };
	struct hkey keys[MAX_KEYS];
	struct sp_buf ks, passes, one;
	struct sp_trust *t = NULL;
	size_t nk = load_keys(keys, MAX_KEYS, dir);
	char *line, *save = NULL;
	int rc = 1, count = 0;

	sp_buf_init(&ks);
	sp_buf_init(&passes);
	sp_buf_init(&one);
	if (nk == 0 || read_file(&ks, keys_file) != SP_OK ||
	    read_file(&passes, passes_file) != SP_OK ||
	    sp_buf_cstr(&passes) != SP_OK || sp_trust_new(&t) != SP_OK)
		goto out;
	if (trust_from_keyset(t, &ks) != SP_OK) {
		fprintf(stderr, "walletkit: bad COSE_KeySet\n");
		goto out;
	}
	for (line = strtok_r((char *)passes.ptr, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		struct sp_present_opts po = {
			.time = (int64_t)time(NULL),
			.disclose = disclose,
			.disclose_count = 1,
		};
		struct sp_verify_opts vo = SP_VERIFY_OPTS_DEFAULT;
		struct sp_presentation *p = NULL;
		uint8_t *pres = NULL;
		size_t pl = 0, ki;
		uint32_t list, idx;
		int r = SP_ERR_KEY_MISMATCH;

		if (hex_get(&one, line, strlen(line)) != SP_OK) {
			fprintf(stderr, "walletkit: pass %d: bad hex\n",
			    count);
			goto out;
		}
		for (ki = 0; ki < nk && r == SP_ERR_KEY_MISMATCH; ki++) {
			struct sp_key *k = NULL;

			if (sp_key_from_seed(&k, keys[ki].alg,
			    keys[ki].seed) != SP_OK)
				goto out;
			r = sp_present(&pres, &pl, one.ptr, one.len, k, &po);
			sp_key_free(&k);
		}
		if (r != SP_OK) {
			fprintf(stderr, "walletkit: pass %d: present: %s\n",
			    count, sp_strerror(r));
			goto out;
		}
		vo.now = po.time;
		r = sp_presentation_verify(&p, t, &vo, pres, pl);
		sp_bytes_free(pres, pl);
		if (r != SP_OK) {
			fprintf(stderr, "walletkit: pass %d: verify: %s\n",
			    count, sp_strerror(r));
			goto out;
		}
		sp_presentation_status(p, &list, &idx);
		printf("{\"key\":%zu,\"list\":%u,\"idx\":%u,\"exp\":%lld",
		    ki - 1, list, idx,
		    (long long)sp_presentation_expiry(p));
		print_pass_no(p);
		printf("}\n");
		sp_presentation_free(&p);
		count++;
	}
	rc = count > 0 ? 0 : 1;
out:
	sodium_memzero(keys, sizeof(keys));
	sp_trust_free(&t);
	sp_buf_clear(&ks);
	sp_buf_clear(&passes);
	sp_buf_clear(&one);
	return rc;
}

int
main(int argc, char **argv)
{
	if (sodium_init() < 0)
		return 1;
	if (argc == 4 && strcmp(argv[1], "keygen") == 0)
		return cmd_keygen(argv[2], argv[3]);
	if (argc == 5 && strcmp(argv[1], "proofs") == 0)
		return cmd_proofs(argv[2], argv[3], argv[4]);
	if (argc == 5 && strcmp(argv[1], "verify") == 0)
		return cmd_verify(argv[2], argv[3], argv[4]);
	fprintf(stderr, "usage: walletkit keygen DIR N | proofs DIR NONCE "
	    "CODE | verify DIR KEYS PASSES\n");
	return 2;
}
