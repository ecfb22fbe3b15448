/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A till in one page: what a point-of-sale integrator writes around the
 * verifier (sp_verifier.h) and the redemption ledger (sp_ledger.h).
 * Public headers only.
 *
 *   till_verify FILES FINGERPRINT PROVIDER OFFER LEDGER SP1:...
 *
 * FILES holds trust.cbor, snapshot.cbor and offers.cbor: the bodies of
 * the issuer's /registry/trust, /registry/1/snapshot and /registry/offers
 * (fetched with curl, or copied from a USB stick). FINGERPRINT is the
 * issuer key's SHA-256 fingerprint (64 hex digits) the till pins.
 * LEDGER is the till's ledger directory (created; its key is a fresh
 * Ed25519 key kept in LEDGER/till.key, mode 0600).
 *
 * Prints "YES ..." and the receipt, or "NO <reason>". Exit status 0
 * approved and recorded, 1 refused, 2 usage or I/O error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <stadspas/sp_ledger.h>
#include <stadspas/sp_pass.h>
#include <stadspas/sp_verifier.h>

#define FILE_MAX (16u * 1024u * 1024u)

/* Reads dir/name whole into *buf (malloc'd). */
static int
slurp(const char *dir, const char *name, uint8_t **buf, size_t *len)
{
	char path[4096];
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "rb")) == NULL ||
	    fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) <= 0 ||
	    (size_t)n > FILE_MAX || fseek(f, 0, SEEK_SET) != 0 ||
	    (*buf = malloc((size_t)n)) == NULL) {
		fprintf(stderr, "till_verify: cannot read %s\n", path);
		if (f != NULL)
			fclose(f);
		return -1;
	}
	*len = fread(*buf, 1, (size_t)n, f);
	fclose(f);
	return *len == (size_t)n ? 0 : -1;
}

static int
unhex32(uint8_t out[32], const char *s)
{
	size_t i;
	unsigned int v;

	if (strlen(s) != 64)
		return -1;
	for (i = 0; i < 32; i++) {
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return 0;
}

/* The till's signing key: LEDGER/till.key (a 32-byte seed), made once. */
static int
till_key(const char *dir, struct sp_key **key)
{
	uint8_t seed[SP_SEED_LEN];
	char path[4096];
	ssize_t n;
	int fd, r = -1;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return -1;
	snprintf(path, sizeof(path), "%s/till.key", dir);
	if ((fd = open(path, O_RDONLY)) >= 0) {
		n = read(fd, seed, sizeof(seed));
		close(fd);
		if (n == (ssize_t)sizeof(seed) &&
		    sp_key_from_seed(key, SP_ALG_EDDSA, seed) == SP_OK)
			r = 0;
	} else if (sp_key_generate(key, SP_ALG_EDDSA) == SP_OK &&
	    sp_key_export_seed(*key, seed) == SP_OK &&
	    (fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600)) >= 0) {
		if (write(fd, seed, sizeof(seed)) == (ssize_t)sizeof(seed) &&
		    fsync(fd) == 0)
			r = 0;
		close(fd);
	}
	memset(seed, 0, sizeof(seed));	/* a real till: sodium_memzero */
	return r;
}

/* Pins the trust list and loads the registry and the catalogue. */
static int
load_state(struct sp_verifier *v, const char *files, const uint8_t fp[32])
{
	static const char *const names[] = { "trust.cbor", "snapshot.cbor",
	    "offers.cbor" };
	uint8_t *buf;
	size_t len, i;
	int r = SP_OK;

	for (i = 0; i < 3 && r == SP_OK; i++) {
		if (slurp(files, names[i], &buf, &len) != 0)
			return -1;
		if (i == 0)
			r = sp_verifier_trust_pin(v, fp, buf, len);
		else if (i == 1)
			r = sp_verifier_registry_bootstrap(v, buf, len);
		else
			r = sp_verifier_catalogue(v, buf, len);
		free(buf);
		if (r != SP_OK)
			fprintf(stderr, "till_verify: %s: %s\n", names[i],
			    sp_strerror(r));
	}
	return r == SP_OK ? 0 : -1;
}

/* Checks the presentation; if approved, records it in the ledger. */
static int
redeem(struct sp_verifier *v, struct sp_ledger *l, uint64_t offer,
    const char *text)
{
	struct sp_check_opts opts = { .now = time(NULL), .offer = offer };
	struct sp_verdict vd;
	struct sp_receipt rc;
	uint8_t *cbor = NULL;
	size_t cbor_len = 0, i;
	int r;

	if ((r = sp_qr_decode(&cbor, &cbor_len, text, strlen(text))) != SP_OK) {
		printf("NO %s\n", sp_reason_token(SP_R_MALFORMED));
		return 1;
	}
	/* The verifier says whether the pass is good for the offer; the
	 * ledger then refuses a replay or a reached limit, or records. */
	r = sp_verifier_check(v, &vd, cbor, cbor_len, &opts);
	if (r == SP_OK && vd.approved)
		r = sp_ledger_redeem(l, &vd, opts.now, &rc);
	if (r != SP_OK && vd.reason != SP_R_LEDGER)
		r = SP_OK;	/* refused in the ledger: replayed, limit */
	if (r != SP_OK) {
		fprintf(stderr, "till_verify: %s\n", sp_strerror(r));
		sp_verdict_clear(&vd);
		sp_bytes_free(cbor, cbor_len);
		return 2;
	}
	if (vd.approved) {
		printf("YES offer %llu, %llu cents, registry %lld s old\n"
		    "receipt: seq %llu, used %u this period, record ",
		    (unsigned long long)vd.offer,
		    (unsigned long long)vd.amount_cents,
		    (long long)vd.registry_age, (unsigned long long)rc.seq,
		    rc.used);
		for (i = 0; i < sizeof(rc.record_hash); i++)
			printf("%02x", rc.record_hash[i]);
		printf("\n");
	} else {
		printf("NO %s (%s)\n", sp_reason_token(vd.reason),
		    sp_reason_text(vd.reason));
	}
	r = vd.approved ? 0 : 1;
	sp_verdict_clear(&vd);
	sp_bytes_free(cbor, cbor_len);
	return r;
}

int
main(int argc, char **argv)
{
	const struct sp_policy pol = SP_POLICY_DEFAULT;
	struct sp_verifier *v = NULL;
	struct sp_ledger *l = NULL;
	struct sp_key *key = NULL;
	uint8_t fp[32];
	char *end;
	unsigned long long offer;
	int rc = 2;

	if (argc != 7) {
		fprintf(stderr, "usage: till_verify FILES FINGERPRINT "
		    "PROVIDER OFFER LEDGER SP1:...\n");
		return 2;
	}
	errno = 0;
	offer = strtoull(argv[4], &end, 10);
	if (unhex32(fp, argv[2]) != 0 || *end != '\0' || offer == 0 ||
	    errno != 0) {
		fprintf(stderr, "till_verify: bad fingerprint or offer\n");
		return 2;
	}
	if (sp_verifier_new(&v, argv[3], &pol) != SP_OK ||
	    load_state(v, argv[1], fp) != 0)
		goto out;
	if (till_key(argv[5], &key) != 0 ||
	    sp_ledger_open(&l, argv[5], argv[3], key) != SP_OK) {
		fprintf(stderr, "till_verify: cannot open the ledger in %s\n",
		    argv[5]);
		goto out;
	}
	rc = redeem(v, l, (uint64_t)offer, argv[6]);
out:
	sp_ledger_close(&l);
	sp_key_free(&key);
	sp_verifier_free(&v);
	return rc;
}
