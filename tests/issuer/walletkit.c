/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A tiny holder wallet for test_daemon.py (not a test itself): makes holder
 * keys, signs the proofs of possession for /wallet/credential and checks
 * the passes that come back by presenting and verifying each one.
 *
 *   walletkit keygen DIR N          N keys (EdDSA and ES256 in turn)
 *   walletkit proofs DIR NONCE CODE JSON array of {"key","sig"} (hex)
 *   walletkit refresh DIR NONCE     the same for POST /wallet/refresh
 *   walletkit verify DIR KEYS PASSES
 *       KEYS: file with the raw COSE_KeySet of GET /registry/keys;
 *       PASSES: file with one issued pass in hex per line. Prints one
 *       JSON object per pass {"key","list","idx","exp","pass_no"}; exit 0
 *       only if every pass verifies with one of the keys in DIR.
 *   walletkit trust CHAIN FINGERPRINT
 *       CHAIN: file with the body of GET /registry/trust; FINGERPRINT:
 *       64 hex, SHA-256 of a COSE_Key that version 1 must list. Checks
 *       every version (type 4, versions 1..n, version 1 self-signed,
 *       each later one signed by a key of the one before) and prints
 *       {"version","keys":[fingerprint hex, ...],"signer":kid hex} per
 *       version; exit 0 only if the whole chain holds.
 *
 * Exit status: 0 ok, 1 failure, 2 usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "cbor.h"
#include "cose.h"
#include "hash.h"
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
cmd_proofs(const char *dir, const char *nonce_hex, const char *code,
    const char *label, size_t label_len)
{
	struct hkey keys[MAX_KEYS];
	struct sp_buf msg, nonce;
	size_t n = load_keys(keys, MAX_KEYS, dir);
	int rc = 1;

	sp_buf_init(&msg);
	sp_buf_init(&nonce);
	if (n == 0 || hex_get(&nonce, nonce_hex, strlen(nonce_hex)) != SP_OK)
		goto out;
	/* "stadspas pop v1" || 0x00 || nonce || code */
	if (sp_buf_append(&msg, label, label_len) != SP_OK ||
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

/* ---- Trust list chains ------------------------------------------------ */

#define TRUST_MAX_KEYS 64

struct tver {
	uint64_t version;
	size_t n;
	const uint8_t *key[TRUST_MAX_KEYS];	/* borrowed COSE_Keys */
	size_t key_len[TRUST_MAX_KEYS];
	struct cose_sign1 m;
};

static int
tver_decode(struct tver *v, const uint8_t *p, size_t n)
{
	struct cbor_reader rd;
	uint64_t u, cnt;
	int r;

	memset(v, 0, sizeof(*v));
	if ((r = cose_sign1_decode(&v->m, p, n, COSE_F_STRICT)) != SP_OK)
		return r;
	if (v->m.tagged || v->m.kid == NULL || v->m.kid_len != SP_KID_LEN ||
	    v->m.payload == NULL || cbor_check(v->m.payload,
	    v->m.payload_len, NULL, CBOR_F_DETERMINISTIC, NULL) != SP_OK)
		return SP_ERR_COSE;
	cbor_reader_init(&rd, v->m.payload, v->m.payload_len);
	if (cbor_read_map(&rd, &u) != SP_OK || u != 4 ||
	    cbor_read_uint(&rd, &u) != SP_OK || u != 1 ||
	    cbor_read_uint(&rd, &u) != SP_OK || u != 4 ||
	    cbor_read_uint(&rd, &u) != SP_OK || u != 2 ||
	    cbor_read_uint(&rd, &v->version) != SP_OK ||
	    cbor_read_uint(&rd, &u) != SP_OK || u != 3 ||
	    cbor_read_uint(&rd, &u) != SP_OK ||
	    cbor_read_uint(&rd, &u) != SP_OK || u != 4 ||
	    cbor_read_array(&rd, &cnt) != SP_OK || cnt == 0 ||
	    cnt > TRUST_MAX_KEYS)
		return SP_ERR_COSE;
	for (v->n = 0; v->n < cnt; v->n++) {
		v->key[v->n] = rd.p;
		if (cbor_skip(&rd) != SP_OK)
			return SP_ERR_COSE;
		v->key_len[v->n] = (size_t)(rd.p - v->key[v->n]);
	}
	return cbor_reader_done(&rd) ? SP_OK : SP_ERR_COSE;
}

/* v's signature with the key of by that its kid names. */
static int
tver_check(const struct tver *v, const struct tver *by)
{
	uint8_t h[32];
	int r = SP_ERR_UNKNOWN_KID;

	for (size_t i = 0; i < by->n && r == SP_ERR_UNKNOWN_KID; i++) {
		struct cbor_reader rd;
		struct sig_pub pub;

		if (sp_sha256(h, by->key[i], by->key_len[i]) != SP_OK ||
		    memcmp(h, v->m.kid, SP_KID_LEN) != 0)
			continue;
		cbor_reader_init(&rd, by->key[i], by->key_len[i]);
		if ((r = cose_key_decode(&pub, &rd)) != SP_OK)
			break;
		r = cose_sign1_verify(&v->m, &pub, NULL, 0, NULL, 0);
		sig_pub_clear(&pub);
	}
	return r;
}

static bool
tver_has(const struct tver *v, const uint8_t fp[32])
{
	uint8_t h[32];

	for (size_t i = 0; i < v->n; i++)
		if (sp_sha256(h, v->key[i], v->key_len[i]) == SP_OK &&
		    memcmp(h, fp, 32) == 0)
			return true;
	return false;
}

static void
tver_print(const struct tver *v)
{
	uint8_t h[32];

	printf("{\"version\":%llu,\"signer\":\"",
	    (unsigned long long)v->version);
	hex_put(stdout, v->m.kid, SP_KID_LEN);
	printf("\",\"keys\":[");
	for (size_t i = 0; i < v->n; i++) {
		if (sp_sha256(h, v->key[i], v->key_len[i]) != SP_OK)
			continue;
		printf("%s\"", i > 0 ? "," : "");
		hex_put(stdout, h, sizeof(h));
		printf("\"");
	}
	printf("]}\n");
}

static int
cmd_trust(const char *chain_file, const char *fp_hex)
{
	struct sp_buf chain, fp;
	struct tver *v = NULL;
	struct cbor_reader rd;
	uint64_t n = 0, i;
	int r, rc = 1;

	sp_buf_init(&chain);
	sp_buf_init(&fp);
	if (read_file(&chain, chain_file) != SP_OK ||
	    hex_get(&fp, fp_hex, strlen(fp_hex)) != SP_OK || fp.len != 32)
		goto out;
	cbor_reader_init(&rd, chain.ptr, chain.len);
	if (cbor_read_array(&rd, &n) != SP_OK || n == 0 || n > 1024 ||
	    (v = calloc((size_t)n, sizeof(*v))) == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		const uint8_t *p;
		size_t pl;

		if (cbor_read_bstr(&rd, &p, &pl) != SP_OK ||
		    (r = tver_decode(&v[i], p, pl)) != SP_OK ||
		    v[i].version != i + 1) {
			fprintf(stderr, "walletkit: version %llu malformed\n",
			    (unsigned long long)i + 1);
			goto out;
		}
		if ((r = tver_check(&v[i], i == 0 ? &v[0] : &v[i - 1])) !=
		    SP_OK) {
			fprintf(stderr, "walletkit: version %llu: %s\n",
			    (unsigned long long)i + 1, sp_strerror(r));
			goto out;
		}
		tver_print(&v[i]);
	}
	if (!cbor_reader_done(&rd))
		goto out;
	if (!tver_has(&v[0], fp.ptr)) {
		fprintf(stderr, "walletkit: fingerprint not in version 1\n");
		goto out;
	}
	rc = 0;
out:
	free(v);
	sp_buf_clear(&chain);
	sp_buf_clear(&fp);
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
		return cmd_proofs(argv[2], argv[3], argv[4], "stadspas pop v1",
		    sizeof("stadspas pop v1"));
	if (argc == 4 && strcmp(argv[1], "refresh") == 0)
		return cmd_proofs(argv[2], argv[3], "", "stadspas refresh v1",
		    sizeof("stadspas refresh v1"));
	if (argc == 5 && strcmp(argv[1], "verify") == 0)
		return cmd_verify(argv[2], argv[3], argv[4]);
	if (argc == 4 && strcmp(argv[1], "trust") == 0)
		return cmd_trust(argv[2], argv[3]);
	fprintf(stderr, "usage: walletkit keygen DIR N | proofs DIR NONCE "
	    "CODE | refresh DIR NONCE | verify DIR KEYS PASSES | trust CHAIN FINGERPRINT\n");
	return 2;
}
