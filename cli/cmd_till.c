/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `stadspas till`: a provider's till on the command line, over the
 * verifier (sp_verifier.h) and the redemption ledger (sp_ledger.h). A
 * till is a directory: till.key (the till's Ed25519 seed, 0600),
 * till.conf (provider id and server, "key=value" lines), till.pub.hex
 * (its public COSE_Key for `stadspas admin provider add --till-key`) and
 * ledger/ (LMDB: redemptions and the verifier's state blob "verifier",
 * shared by every till process on the machine).
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <ctype.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include <stadspas/sp_err.h>
#include <stadspas/sp_ledger.h>
#include <stadspas/sp_pass.h>
#include <stadspas/sp_verifier.h>

#include "cli_util.h"
#include "http_client.h"
#include "json_out.h"
#include "qrimage.h"
#include "till_sync.h"

#define PROG "stadspas till"
#define KEY_FILE "till.key"
#define CONF_FILE "till.conf"
#define PUB_FILE "till.pub.hex"
#define LEDGER_DIR "ledger"
#define STATE_NAME "verifier"
#define INPUT_MAX (64u * 1024u)
#define CHAIN_MAX (16u * 1024u * 1024u)

struct till_conf {
	char provider[65];
	char server[512];
	char cacert[1024];
	bool insecure_http;
};

struct till_ctx {
	const char *dir;
	bool json;
	const char *provider, *server, *fingerprint, *trust, *cacert;
	const char *from, *nonce, *image, *out, *arg;
	bool insecure_http, follow, all, verify;
	bool have_offer, have_now;
	uint64_t offer;
	int64_t now;
	unsigned max_updates;
};

/* An open till: key, ledger and verifier with its saved state. */
struct till {
	struct till_conf conf;
	struct sp_key *key;
	struct sp_ledger *ledger;
	struct sp_verifier *v;
};

static volatile sig_atomic_t stop_flag;

static const char till_help[] =
    "usage: stadspas till <subcommand> --dir DIR [options]\n"
    "\n"
    "A provider's till: checks pass presentations offline against a\n"
    "pinned trust list, a mirrored registry and the offers catalogue,\n"
    "and records redemptions in a hash-chained ledger.\n"
    "\n"
    "subcommands:\n"
    "  init    --dir D [--provider ID] [--server URL --fingerprint HEX |\n"
    "          --trust FILE --fingerprint HEX] [--cacert FILE]\n"
    "          [--insecure-http]\n"
    "  sync    --dir D [--server URL | --from DIR] [--follow]\n"
    "          [--max-updates N]\n"
    "  verify  --dir D [--offer N] [--nonce HEX] [--image FILE]\n"
    "          [PRESENTATION | -]\n"
    "  redeem  --dir D --offer N [--nonce HEX] [--image FILE]\n"
    "          [PRESENTATION | -]\n"
    "  export  --dir D --out FILE [--all]\n"
    "  upload  --dir D [--server URL] [--cacert FILE] FILE\n"
    "  status  --dir D [--verify]\n"
    "\n"
    "Every subcommand takes --json (output for integrators) and --help.\n"
    "Exit codes: 0 approved / done, 1 refused (the reason is printed),\n"
    "2 usage error, 3 sync, network or storage error.\n"
    "\n"
    "example:\n"
    "  stadspas till init --dir /var/lib/till --provider p1 \\\n"
    "      --server https://pas.example.nl --fingerprint 3f9a...\n"
    "  stadspas till sync --dir /var/lib/till\n"
    "  stadspas till redeem --dir /var/lib/till --offer 2 SP1:...\n";

static const char init_help[] =
    "usage: stadspas till init --dir D [--provider ID]\n"
    "           [--server URL --fingerprint HEX | --trust FILE\n"
    "           --fingerprint HEX] [--cacert FILE] [--insecure-http]\n"
    "\n"
    "Creates D (mode 0700) with the till's key (till.key, 0600) and its\n"
    "ledger, and prints the till's public COSE_Key (hex, also in\n"
    "D/till.pub.hex) for `stadspas admin provider add --till-key` and\n"
    "its fingerprint. With --server (or --trust FILE, a chain file from\n"
    "the municipality) the trust list is pinned: its first version must\n"
    "hold the issuer key whose SHA-256 fingerprint is HEX.\n"
    "Running init again keeps the key; a provider id or server that\n"
    "differs from the stored one is refused (edit D/till.conf).\n"
    "\n"
    "  --provider ID      the provider id the municipality gave (p1)\n"
    "  --server URL       the issuer, https://HOST[:PORT]; kept for sync\n"
    "  --cacert FILE      trust this PEM certificate for the server\n"
    "  --insecure-http    allow http:// (loopback tests only)\n"
    "\n"
    "example:\n"
    "  stadspas till init --dir till1 --provider p1 --server "
    "https://pas.example.nl \\\n"
    "      --fingerprint 3f9a06c1...\n";

static const char sync_help[] =
    "usage: stadspas till sync --dir D [--server URL | --from DIR]\n"
    "           [--cacert FILE] [--insecure-http] [--follow]\n"
    "           [--max-updates N]\n"
    "\n"
    "Pulls the trust list (/registry/trust), the registry (a delta from\n"
    "the till's size, or the snapshot when empty or too far behind) and\n"
    "the offers catalogue (/registry/offers), verifies each and saves\n"
    "the till's state. --from DIR reads the same from files trust.cbor,\n"
    "snapshot.cbor and/or delta.cbor, offers.cbor (a USB stick: the\n"
    "bodies of those endpoints, e.g. fetched with curl).\n"
    "--follow stays connected to /registry/stream and pulls on every\n"
    "checkpoint, reconnecting with back-off (1 s doubling to 60 s);\n"
    "SIGINT/SIGTERM stop it; --max-updates N stops after N pushes.\n"
    "\n"
    "example:\n"
    "  stadspas till sync --dir till1 --from /media/usb/stadspas\n";

static const char verify_help[] =
    "usage: stadspas till verify --dir D [--offer N] [--nonce HEX]\n"
    "           [--image FILE] [PRESENTATION | -]\n"
    "\n"
    "Checks a presentation (the SP1: text as the argument, from stdin\n"
    "with - or no argument, or the QR code in a PNG/JPEG --image) and\n"
    "prints YES or NO with the reason, the disclosed claims and the\n"
    "registry's age (a warning past 1 h). Records nothing.\n"
    "\n"
    "  --offer N     check for offer N of the catalogue\n"
    "  --nonce HEX   the nonce this till showed the wallet\n"
    "  --now UNIX    use this clock (tests and drills)\n"
    "\n"
    "example:\n"
    "  stadspas till verify --dir till1 --offer 2 --image qr.png\n";

static const char redeem_help[] =
    "usage: stadspas till redeem --dir D --offer N [--nonce HEX]\n"
    "           [--image FILE] [PRESENTATION | -]\n"
    "\n"
    "Checks a presentation for offer N and, if approved, records the\n"
    "redemption durably in the ledger (limits and replays are checked\n"
    "in the same transaction) and prints the receipt: its sequence\n"
    "number and record hash.\n"
    "\n"
    "example:\n"
    "  stadspas till redeem --dir till1 --offer 2 SP1:...\n";

static const char export_help[] =
    "usage: stadspas till export --dir D --out FILE [--all]\n"
    "\n"
    "Writes the redemptions not yet exported as one signed batch to\n"
    "FILE (atomically, fsync'd), then marks them exported. A batch holds\n"
    "at most 1000 records (well under the issuer's 8 MiB upload limit):\n"
    "export again for the rest. --all exports every record (up to\n"
    "10000) from the first. \"nothing to export\" is not an error.\n"
    "\n"
    "example:\n"
    "  stadspas till export --dir till1 --out batch-2026-03.cbor\n";

static const char upload_help[] =
    "usage: stadspas till upload --dir D [--server URL] [--cacert FILE]\n"
    "                            FILE\n"
    "\n"
    "Sends an exported batch to the issuer for settlement (POST\n"
    "/settlement/batches; no token: the batch's signature with this\n"
    "till's key is the authentication). The server and certificate\n"
    "default to those given at init. Upload batches in export order; a\n"
    "batch sent twice changes nothing. Prints how many records were new,\n"
    "paid and rejected. Exit 1 if the issuer refuses the batch (gap,\n"
    "fork, unknown_till, malformed; the reason is printed), 3 if it\n"
    "cannot be reached.\n"
    "\n"
    "example:\n"
    "  stadspas till upload --dir till1 batch-2026-03.cbor\n";

static const char status_help[] =
    "usage: stadspas till status --dir D [--verify]\n"
    "\n"
    "Shows the provider, the till key's fingerprint, the trust list's\n"
    "version, the registry's size and checkpoint age, the catalogue's\n"
    "version and the offers honoured here, and the ledger's records.\n"
    "--verify walks the whole ledger chain.\n"
    "\n"
    "example:\n"
    "  stadspas till status --dir till1 --verify\n";


static void
print_json(json_t *v)
{
	json_dumpf(v, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	putchar('\n');
	fflush(stdout);
}

static void
path_of(char *out, size_t cap, const char *dir, const char *name)
{
	snprintf(out, cap, "%s/%s", dir, name);
}

/* ---- files ---- */

/* ---- configuration ---- */

static int
conf_load(const char *dir, struct till_conf *c)
{
	char path[4200], *line, *save = NULL;
	uint8_t *buf = NULL;
	size_t len = 0;

	memset(c, 0, sizeof(*c));
	path_of(path, sizeof(path), dir, CONF_FILE);
	if (cli_slurp(path, 64 * 1024, &buf, &len) != 0)
		return errno == ENOENT ? 1 : -1;
	for (line = strtok_r((char *)buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '=');

		if (line[0] == '#' || eq == NULL)
			continue;
		*eq++ = '\0';
		if (strcmp(line, "provider") == 0)
			snprintf(c->provider, sizeof(c->provider), "%s", eq);
		else if (strcmp(line, "server") == 0)
			snprintf(c->server, sizeof(c->server), "%s", eq);
		else if (strcmp(line, "cacert") == 0)
			snprintf(c->cacert, sizeof(c->cacert), "%s", eq);
		else if (strcmp(line, "insecure_http") == 0)
			c->insecure_http = strcmp(eq, "1") == 0;
	}
	free(buf);
	return 0;
}

static int
conf_save(const char *dir, const struct till_conf *c)
{
	char path[4200], buf[2048];
	int n;

	n = snprintf(buf, sizeof(buf), "# stadspas till configuration\n"
	    "provider=%s\nserver=%s\ncacert=%s\ninsecure_http=%d\n",
	    c->provider, c->server, c->cacert, c->insecure_http ? 1 : 0);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return -1;
	path_of(path, sizeof(path), dir, CONF_FILE);
	return cli_write_atomic(path, (const uint8_t *)buf, (size_t)n, 0600);
}

/* ---- the key ---- */

static int
key_load(const char *dir, struct sp_key **key)
{
	uint8_t seed[SP_SEED_LEN];
	char path[4200];
	struct stat sb;
	ssize_t r;
	int fd, rc;

	path_of(path, sizeof(path), dir, KEY_FILE);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return cli_fail(PROG, CLI_USAGE,
		    "no till in '%s' (%s): run 'stadspas "
		    "till init --dir %s'", dir, strerror(errno), dir);
	if (fstat(fd, &sb) != 0 || (sb.st_mode & 077) != 0) {
		close(fd);
		return cli_fail(PROG, CLI_NOCONN,
		    "'%s' must be mode 0600, not %04o",
		    path, (unsigned)(sb.st_mode & 07777));
	}
	r = read(fd, seed, sizeof(seed));
	close(fd);
	if (r != (ssize_t)sizeof(seed)) {
		sodium_memzero(seed, sizeof(seed));
		return cli_fail(PROG, CLI_NOCONN,
		    "'%s' does not hold a %d-byte key",
		    path, SP_SEED_LEN);
	}
	rc = sp_key_from_seed(key, SP_ALG_EDDSA, seed);
	sodium_memzero(seed, sizeof(seed));
	if (rc != SP_OK)
		return cli_fail(PROG, CLI_NOCONN, "bad key in '%s': %s", path,
		    sp_strerror(rc));
	return CLI_OK;
}

/* A fresh key written to D/till.key (0600, atomic); kept if present. */
static int
key_create(const char *dir, struct sp_key **key, bool *created)
{
	uint8_t seed[SP_SEED_LEN];
	char path[4200];
	int rc;

	*created = false;
	path_of(path, sizeof(path), dir, KEY_FILE);
	if (access(path, F_OK) == 0)
		return key_load(dir, key);
	if ((rc = sp_key_generate(key, SP_ALG_EDDSA)) != SP_OK)
		return cli_fail(PROG, CLI_NOCONN, "cannot make a key: %s",
		    sp_strerror(rc));
	rc = sp_key_export_seed(*key, seed);
	if (rc == SP_OK && cli_write_atomic(path, seed, sizeof(seed),
	    0600) != 0)
		rc = cli_fail(PROG, CLI_NOCONN, "cannot write '%s': %s", path,
		    strerror(errno));
	else if (rc != SP_OK)
		rc = cli_fail(PROG, CLI_NOCONN, "cannot export the key: %s",
		    sp_strerror(rc));
	sodium_memzero(seed, sizeof(seed));
	if (rc != SP_OK) {
		sp_key_free(key);
		return rc;
	}
	*created = true;
	return CLI_OK;
}

/* The public COSE_Key as hex and the SHA-256 fingerprint as hex. */
static int
key_public(const struct sp_key *k, char *pub, size_t pubcap, char *fp)
{
	uint8_t cose[64], h[32];
	size_t len = sizeof(cose);

	if (sp_key_public_cose(k, cose, &len) != SP_OK || 2 * len >= pubcap)
		return -1;
	cli_hex(pub, cose, len);
	crypto_hash_sha256(h, cose, len);
	cli_hex(fp, h, sizeof(h));
	return 0;
}

/* ---- opening a till ---- */

static void
till_close(struct till *t)
{
	sp_verifier_free(&t->v);
	sp_ledger_close(&t->ledger);
	sp_key_free(&t->key);
}

static int
open_ledger(const char *dir, struct till *t)
{
	char path[4200];
	int rc;

	path_of(path, sizeof(path), dir, LEDGER_DIR);
	rc = sp_ledger_open(&t->ledger, path, t->conf.provider, t->key);
	if (rc != SP_OK)
		return cli_fail(PROG, CLI_NOCONN,
		    "cannot open the ledger '%s': %s (%s)",
		    path, sp_strerror(rc), sp_errtoken(rc));
	return CLI_OK;
}

/* The verifier with the state saved in the ledger (if any). */
static int
open_verifier(struct till *t, const struct sp_policy *pol)
{
	uint8_t *blob = NULL;
	size_t len = 0;
	int rc;

	rc = sp_verifier_new(&t->v, t->conf.provider, pol);
	if (rc != SP_OK)
		return cli_fail(PROG, CLI_NOCONN, "cannot make a verifier: %s",
		    sp_strerror(rc));
	rc = sp_ledger_state_get(t->ledger, STATE_NAME, &blob, &len);
	if (rc == SP_ERR_NOT_FOUND)
		return CLI_OK;
	if (rc != SP_OK)
		return cli_fail(PROG, CLI_NOCONN,
		    "cannot read the till state: %s",
		    sp_strerror(rc));
	rc = sp_verifier_load(t->v, blob, len);
	sp_bytes_free(blob, len);
	if (rc != SP_OK)
		return cli_fail(PROG, CLI_NOCONN,
		    "the saved till state does not "
		    "verify: %s (%s)", sp_strerror(rc), sp_errtoken(rc));
	return CLI_OK;
}

static int
till_open(const struct till_ctx *c, struct till *t)
{
	int rc;

	memset(t, 0, sizeof(*t));
	rc = conf_load(c->dir, &t->conf);
	if (rc != 0 || t->conf.provider[0] == '\0') {
		return cli_fail(PROG, CLI_USAGE,
		    "no configured till in '%s': run "
		    "'stadspas till init --dir %s --provider ID'", c->dir,
		    c->dir);
	}
	if ((rc = key_load(c->dir, &t->key)) != CLI_OK)
		return rc;
	if ((rc = open_ledger(c->dir, t)) != CLI_OK)
		goto bad;
	if ((rc = open_verifier(t, NULL)) != CLI_OK)
		goto bad;
	return CLI_OK;
bad:
	till_close(t);
	return rc;
}

static int
till_save(struct till *t)
{
	uint8_t *blob = NULL;
	size_t len = 0;
	int rc;

	rc = sp_verifier_save(t->v, &blob, &len);
	if (rc == SP_OK) {
		rc = sp_ledger_state_put(t->ledger, STATE_NAME, blob, len);
		sp_bytes_free(blob, len);
	}
	if (rc != SP_OK)
		return cli_fail(PROG, CLI_NOCONN,
		    "cannot save the till state: %s (%s)",
		    sp_strerror(rc), sp_errtoken(rc));
	return CLI_OK;
}

static void
src_of(const struct till_ctx *c, const struct till *t, struct till_src *s)
{
	memset(s, 0, sizeof(*s));
	s->from_dir = c->from;
	if (c->from == NULL)
		s->server = c->server != NULL ? c->server :
		    (t->conf.server[0] != '\0' ? t->conf.server : NULL);
	s->ca_file = c->cacert != NULL ? c->cacert :
	    (t->conf.cacert[0] != '\0' ? t->conf.cacert : NULL);
	s->insecure_http = c->insecure_http || t->conf.insecure_http;
}

static int64_t
now_of(const struct till_ctx *c)
{
	return c->have_now ? c->now : (int64_t)time(NULL);
}

static int64_t
reg_age(const struct sp_verifier *v, int64_t now)
{
	int64_t t = sp_verifier_registry_time(v);

	return t == 0 ? -1 : now - t;
}

static void
fmt_age(char *out, size_t cap, int64_t age)
{
	if (age < 0)
		snprintf(out, cap, "none");
	else if (age < 120)
		snprintf(out, cap, "%" PRId64 " s", age);
	else if (age < 7200)
		snprintf(out, cap, "%" PRId64 " min", age / 60);
	else
		snprintf(out, cap, "%" PRId64 " h", age / 3600);
}

/* ---- init ---- */

static int
conf_merge(const struct till_ctx *c, struct till_conf *conf)
{
	if (c->provider != NULL) {
		if (strlen(c->provider) == 0 || strlen(c->provider) > 64)
			return cli_usage_error(PROG,
			    "bad --provider '%s': 1..64 bytes",
			    c->provider);
		if (conf->provider[0] != '\0' &&
		    strcmp(conf->provider, c->provider) != 0)
			return cli_usage_error(PROG,
			    "this till belongs to provider '%s',"
			    " not '%s' (make a new till directory)",
			    conf->provider, c->provider);
		snprintf(conf->provider, sizeof(conf->provider), "%s",
		    c->provider);
	}
	if (c->server != NULL) {
		if (strlen(c->server) >= sizeof(conf->server))
			return cli_usage_error(PROG, "--server too long");
		if (conf->server[0] != '\0' &&
		    strcmp(conf->server, c->server) != 0)
			return cli_usage_error(PROG,
			    "this till syncs from '%s', not "
			    "'%s' (edit %s/" CONF_FILE ")", conf->server,
			    c->server, c->dir);
		snprintf(conf->server, sizeof(conf->server), "%s", c->server);
	}
	if (c->cacert != NULL) {
		char *abs = realpath(c->cacert, NULL);

		if (abs == NULL || strlen(abs) >= sizeof(conf->cacert)) {
			free(abs);
			return cli_usage_error(PROG, "cannot use --cacert '%s'",
			    c->cacert);
		}
		snprintf(conf->cacert, sizeof(conf->cacert), "%s", abs);
		free(abs);
	}
	if (c->insecure_http)
		conf->insecure_http = true;
	return CLI_OK;
}

static int
fetch_chain(const struct till_ctx *c, const struct till *t, uint8_t **buf,
    size_t *len)
{
	struct cli_http_req req;
	struct cli_http_resp resp;
	int rc;

	if (c->trust != NULL) {
		if (cli_slurp(c->trust, CHAIN_MAX, buf, len) != 0)
			return cli_usage_error(PROG,
			    "cannot read --trust '%s': %s",
			    c->trust, strerror(errno));
		return CLI_OK;
	}
	memset(&req, 0, sizeof(req));
	req.url = t->conf.server;
	req.ca_file = t->conf.cacert[0] != '\0' ? t->conf.cacert : NULL;
	req.method = "GET";
	req.path = "/registry/trust";
	req.allow_http = t->conf.insecure_http;
	rc = cli_http(&req, &resp);
	if (rc != CLI_HTTP_OK || resp.status != 200) {
		cli_fail(PROG, CLI_NOCONN,
		    "%s/registry/trust: %s%s", t->conf.server,
		    rc != CLI_HTTP_OK ? resp.error : "HTTP ",
		    rc != CLI_HTTP_OK ? "" : (resp.status == 404 ? "404" :
		    "error"));
		cli_http_resp_free(&resp);
		return rc == CLI_HTTP_EARG ? CLI_USAGE : CLI_NOCONN;
	}
	*buf = (uint8_t *)resp.body;
	*len = resp.body_len;
	return CLI_OK;
}

static int
pin_trust(const struct till_ctx *c, struct till *t)
{
	uint8_t fp[32], *chain = NULL;
	size_t fplen = 0, len = 0;
	int rc;

	if (cli_unhex(fp, sizeof(fp), &fplen, c->fingerprint) != 0 ||
	    fplen != sizeof(fp))
		return cli_usage_error(PROG,
		    "bad --fingerprint '%s': want 64 hex "
		    "digits (SHA-256 of the issuer's COSE_Key)",
		    c->fingerprint);
	if (sp_verifier_trust_version(t->v) != 0) {
		fprintf(stderr, PROG ": trust list already pinned (version %"
		    PRIu64 "); use 'till sync' to follow it\n",
		    sp_verifier_trust_version(t->v));
		return CLI_OK;
	}
	if ((rc = fetch_chain(c, t, &chain, &len)) != CLI_OK)
		return rc;
	rc = sp_verifier_trust_pin(t->v, fp, chain, len);
	free(chain);
	if (rc != SP_OK)
		return cli_fail(PROG, CLI_FAIL,
		    "the trust list does not check out "
		    "against fingerprint %s: %s (%s)", c->fingerprint,
		    sp_strerror(rc), sp_errtoken(rc));
	return till_save(t);
}

static int
do_init(const struct till_ctx *c)
{
	struct till t;
	char pub[160], fp[65];
	bool created = false;
	int rc;

	memset(&t, 0, sizeof(t));
	if ((c->server != NULL || c->trust != NULL) && c->fingerprint == NULL)
		return cli_usage_error(PROG, "pinning needs --fingerprint HEX");
	if (c->server != NULL && c->trust != NULL)
		return cli_usage_error(PROG,
		    "give --server or --trust, not both");
	if (c->fingerprint != NULL && c->server == NULL && c->trust == NULL)
		return cli_usage_error(PROG,
		    "--fingerprint needs --server or --trust");
	if (mkdir(c->dir, 0700) != 0 && errno != EEXIST)
		return cli_fail(PROG, CLI_NOCONN,
		    "cannot create '%s': %s", c->dir,
		    strerror(errno));
	rc = conf_load(c->dir, &t.conf);
	if (rc < 0)
		return cli_fail(PROG, CLI_NOCONN,
		    "cannot read %s/" CONF_FILE ": %s",
		    c->dir, strerror(errno));
	if ((rc = conf_merge(c, &t.conf)) != CLI_OK)
		return rc;
	if (c->server != NULL && strncmp(c->server, "https://", 8) != 0 &&
	    !(t.conf.insecure_http && strncmp(c->server, "http://", 7) == 0))
		return cli_usage_error(PROG,
		    "bad --server '%s': want https://HOST[:PORT]"
		    " (http:// only with --insecure-http)", c->server);
	if ((rc = key_create(c->dir, &t.key, &created)) != CLI_OK)
		return rc;
	if (key_public(t.key, pub, sizeof(pub), fp) != 0) {
		rc = cli_fail(PROG, CLI_NOCONN, "cannot encode the till key");
		goto out;
	}
	{
		char path[4200], line[170];
		int n = snprintf(line, sizeof(line), "%s\n", pub);

		path_of(path, sizeof(path), c->dir, PUB_FILE);
		if (cli_write_atomic(path, (const uint8_t *)line,
		    (size_t)n, 0644) != 0) {
			rc = cli_fail(PROG, CLI_NOCONN,
			    "cannot write '%s': %s", path,
			    strerror(errno));
			goto out;
		}
	}
	if (conf_save(c->dir, &t.conf) != 0) {
		rc = cli_fail(PROG, CLI_NOCONN,
		    "cannot write %s/" CONF_FILE ": %s",
		    c->dir, strerror(errno));
		goto out;
	}
	if (t.conf.provider[0] != '\0') {
		if ((rc = open_ledger(c->dir, &t)) != CLI_OK)
			goto out;
		if ((rc = open_verifier(&t, NULL)) != CLI_OK)
			goto out;
		if (c->fingerprint != NULL &&
		    (rc = pin_trust(c, &t)) != CLI_OK)
			goto out;
	} else if (c->fingerprint != NULL) {
		rc = cli_usage_error(PROG, "pinning needs --provider ID");
		goto out;
	}
	if (c->json) {
		json_t *o = json_pack("{s:b, s:s, s:s, s:s, s:b, s:I}",
		    "ok", 1, "provider", t.conf.provider, "till_key", pub,
		    "fingerprint", fp, "created", created, "trust_version",
		    (json_int_t)(t.v != NULL ?
		    sp_verifier_trust_version(t.v) : 0));

		print_json(o);
		json_decref(o);
	} else {
		printf("%s till in %s\n", created ? "created" : "kept the",
		    c->dir);
		printf("provider:        %s\n", t.conf.provider[0] != '\0' ?
		    t.conf.provider : "(none yet: run init again with "
		    "--provider ID)");
		printf("till key:        %s\n", pub);
		printf("key fingerprint: %s\n", fp);
		if (t.v != NULL)
			printf("trust version:   %" PRIu64 "%s\n",
			    sp_verifier_trust_version(t.v),
			    sp_verifier_trust_version(t.v) == 0 ?
			    " (not pinned)" : "");
		printf("register it:     stadspas admin provider add --name N "
		    "--till-key %s/%s\n", c->dir, PUB_FILE);
	}
	rc = CLI_OK;
out:
	till_close(&t);
	return rc;
}

/* ---- sync ---- */

static void
print_sync(const struct till_ctx *c, struct till *t, int rc,
    const struct till_pull_res *res, const char *label)
{
	int64_t now = now_of(c), age = reg_age(t->v, now);
	char a[32];

	if (c->json) {
		json_t *o = json_pack("{s:b, s:s, s:I, s:I, s:I, s:I, s:b, "
		    "s:b, s:b, s:b}", "ok", rc == CLI_OK, "event", label,
		    "registry_size",
		    (json_int_t)sp_verifier_registry_size(t->v),
		    "checkpoint_age", (json_int_t)age,
		    "catalogue_version",
		    (json_int_t)sp_verifier_catalogue_version(t->v),
		    "trust_version",
		    (json_int_t)sp_verifier_trust_version(t->v),
		    "bootstrapped", res->bootstrapped,
		    "registry_changed", res->registry_changed,
		    "offers_changed", res->offers_changed,
		    "trust_changed", res->trust_changed);

		if (rc != CLI_OK)
			json_object_set_new(o, "error", json_string(res->why));
		json_dumpf(o, stdout, JSON_COMPACT);
		putchar('\n');
		fflush(stdout);
		json_decref(o);
		return;
	}
	fmt_age(a, sizeof(a), age);
	printf("%s: %s\n", label, rc == CLI_OK ? "ok" : res->why);
	printf("registry size:     %" PRIu64 "%s\n",
	    sp_verifier_registry_size(t->v),
	    res->bootstrapped ? " (from the snapshot)" : "");
	printf("checkpoint age:    %s\n", a);
	printf("catalogue version: %" PRIu64 "\n",
	    sp_verifier_catalogue_version(t->v));
	printf("trust version:     %" PRIu64 "\n",
	    sp_verifier_trust_version(t->v));
	fflush(stdout);
}

struct follow_ctx {
	const struct till_ctx *c;
	struct till *t;
	int last_rc;
};

static int
after_pull(void *ctx, struct sp_verifier *v, int rc,
    const struct till_pull_res *res, bool pushed)
{
	struct follow_ctx *f = ctx;

	(void)v;
	if (rc != CLI_OK)
		fprintf(stderr, PROG ": sync: %s\n", res->why);
	if (till_save(f->t) != CLI_OK)
		return 1;
	print_sync(f->c, f->t, rc, res, pushed ? "update" : "connected");
	f->last_rc = rc;
	return 0;
}

static void
on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static int
do_sync(const struct till_ctx *c)
{
	struct till_pull_res res;
	struct till_src src;
	struct till t;
	int rc, src_rc;

	if (c->server != NULL && c->from != NULL)
		return cli_usage_error(PROG,
		    "give --server or --from, not both");
	if (c->follow && c->from != NULL)
		return cli_usage_error(PROG,
		    "--follow needs a server, not --from");
	if ((rc = till_open(c, &t)) != CLI_OK)
		return rc;
	src_of(c, &t, &src);
	if (sp_verifier_trust_version(t.v) == 0) {
		rc = cli_fail(PROG, CLI_USAGE,
		    "this till trusts no issuer yet: pin one "
		    "with 'stadspas till init --dir %s --server URL "
		    "--fingerprint HEX' (or --trust FILE)", c->dir);
		goto out;
	}
	if (src.server == NULL && src.from_dir == NULL) {
		rc = cli_usage_error(PROG,
		    "no server configured: give --server URL or "
		    "--from DIR");
		goto out;
	}
	if (c->follow) {
		struct follow_ctx f = { .c = c, .t = &t, .last_rc = CLI_OK };
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_signal;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		signal(SIGPIPE, SIG_IGN);
		rc = till_follow(t.v, &src, &stop_flag, c->max_updates,
		    after_pull, &f);
		if (rc == CLI_USAGE)
			rc = cli_usage_error(PROG,
			    "bad server URL '%s'", src.server);
		goto out;
	}
	src_rc = till_pull(t.v, &src, &res);
	rc = till_save(&t);
	print_sync(c, &t, src_rc, &res, "sync");
	if (src_rc != CLI_OK) {
		fprintf(stderr, PROG ": sync failed: %s\n", res.why);
		rc = src_rc;
	}
out:
	till_close(&t);
	return rc;
}

/* ---- verify and redeem ---- */

static int
read_input(const struct till_ctx *c, char **text, size_t *len)
{
	char why[200];
	uint8_t *buf = NULL;
	int rc;

	if (c->image != NULL) {
		if (c->arg != NULL)
			return cli_usage_error(PROG,
			    "give --image or a presentation, "
			    "not both");
		rc = cli_qr_from_file(text, len, c->image, why, sizeof(why));
		if (rc == SP_ERR_NOT_FOUND && access(c->image, R_OK) != 0)
			return cli_usage_error(PROG,
			    "cannot read --image '%s': %s",
			    c->image, why);
		if (rc != SP_OK)
			return cli_fail(PROG, CLI_FAIL,
			    "NO: no QR code read from '%s': "
			    "%s", c->image, why);
		return CLI_OK;
	}
	if (c->arg != NULL && strcmp(c->arg, "-") != 0) {
		if (strlen(c->arg) > INPUT_MAX)
			return cli_usage_error(PROG,
			    "presentation over %u bytes",
			    INPUT_MAX);
		if ((*text = strdup(c->arg)) == NULL)
			return cli_fail(PROG, CLI_NOCONN, "out of memory");
		*len = strlen(*text);
		return CLI_OK;
	}
	if (cli_slurp("/dev/stdin", INPUT_MAX, &buf, len) != 0)
		return cli_usage_error(PROG,
		    "cannot read the presentation from stdin: "
		    "%s", strerror(errno));
	*text = (char *)buf;
	return CLI_OK;
}

/* Disclosed claims as a JSON object (limit tag and key values hidden). */
static json_t *
claims_json(const struct sp_presentation *p)
{
	json_t *o = json_object();
	size_t i, n = p != NULL ? sp_presentation_claim_count(p) : 0;

	for (i = 0; i < n && o != NULL; i++) {
		const uint8_t *val;
		size_t vlen;
		const char *name;
		char kname[24];
		json_t *j = NULL;
		int key;

		if (sp_presentation_claim(p, i, &key, &val, &vlen) != SP_OK)
			continue;
		if ((name = sp_claim_name(key)) == NULL) {
			snprintf(kname, sizeof(kname), "%d", key);
			name = kname;
		}
		if (key == SP_CLAIM_LIMIT_TAG || key == SP_CLAIM_LIMIT_KEY)
			j = json_string("(disclosed)");
		else if (cli_json_from_cbor(&j, val, vlen) != SP_OK)
			j = json_string("?");
		json_object_set_new(o, name, j);
	}
	return o;
}

static void
print_claims_human(json_t *claims)
{
	const char *k;
	json_t *v;
	bool first = true;

	printf("claims:   ");
	json_object_foreach(claims, k, v) {
		char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);

		printf("%s%s=%s", first ? "" : ", ", k, s != NULL ? s : "?");
		free(s);
		first = false;
	}
	printf("%s\n", first ? "(none)" : "");
}

static int
print_verdict(const struct till_ctx *c, const struct till *t,
    const struct sp_verdict *vd, const struct sp_receipt *rcpt)
{
	json_t *claims = claims_json(vd->pres);
	struct sp_offer_info oi;
	bool have_offer = c->have_offer &&
	    sp_verifier_offer(t->v, c->offer, &oi) == SP_OK;
	char rh[65], age[32];

	fmt_age(age, sizeof(age), vd->registry_age);
	if (rcpt != NULL)
		cli_hex(rh, rcpt->record_hash, sizeof(rcpt->record_hash));
	if (c->json) {
		json_t *o = json_pack("{s:b, s:s, s:s, s:I, s:b, s:o}",
		    "approved", vd->approved, "reason",
		    sp_reason_token(vd->reason), "text",
		    sp_reason_text(vd->reason), "registry_age",
		    (json_int_t)vd->registry_age, "registry_warning",
		    vd->registry_warning, "claims",
		    claims != NULL ? claims : json_object());

		if (c->have_offer) {
			json_object_set_new(o, "offer",
			    json_integer((json_int_t)c->offer));
			if (have_offer)
				json_object_set_new(o, "title",
				    json_string(oi.title));
		}
		if (vd->approved && c->have_offer)
			json_object_set_new(o, "amount_cents",
			    json_integer((json_int_t)vd->amount_cents));
		if (vd->err != SP_OK)
			json_object_set_new(o, "error",
			    json_string(sp_errtoken(vd->err)));
		if (rcpt != NULL)
			json_object_set_new(o, "receipt", json_pack(
			    "{s:I, s:s, s:I, s:I}", "seq",
			    (json_int_t)rcpt->seq, "record_hash", rh, "used",
			    (json_int_t)rcpt->used, "time",
			    (json_int_t)rcpt->time));
		print_json(o);
		json_decref(o);
		return vd->approved ? CLI_OK : CLI_FAIL;
	}
	if (vd->approved)
		printf("YES  %s\n", have_offer ? oi.title : "valid pass");
	else
		printf("NO   %s: %s\n", sp_reason_token(vd->reason),
		    sp_reason_text(vd->reason));
	printf("reason:   %s%s%s\n", sp_reason_token(vd->reason),
	    vd->err != SP_OK ? " / " : "",
	    vd->err != SP_OK ? sp_errtoken(vd->err) : "");
	if (have_offer) {
		printf("offer:    %" PRIu64 " %s", oi.id, oi.title);
		if (vd->approved)
			printf(", %" PRIu64 ".%02" PRIu64 " EUR",
			    vd->amount_cents / 100, vd->amount_cents % 100);
		if (oi.limit != 0 && vd->scope[0] != '\0')
			printf(", limit %" PRIu32 " per %s", oi.limit,
			    vd->scope);
		putchar('\n');
	}
	if (claims != NULL)
		print_claims_human(claims);
	printf("registry: %s old\n", age);
	if (rcpt != NULL)
		printf("receipt:  #%" PRIu64 " record %s (use %" PRIu32 ")\n",
		    rcpt->seq, rh, rcpt->used);
	if (vd->registry_warning)
		printf("WARNING: the registry is %s old: sync this till "
		    "(stadspas till sync)\n", age);
	json_decref(claims);
	return vd->approved ? CLI_OK : CLI_FAIL;
}

/* A verify-only check also says what the ledger knows: replayed, or the
 * limit already used up. */
static void
ledger_precheck(struct till *t, struct sp_verdict *vd)
{
	uint8_t rid[32];
	uint32_t used = 0;

	if (vd->pres == NULL || !vd->approved)
		return;
	sp_presentation_replay_id(vd->pres, rid);
	if (sp_ledger_seen(t->ledger, rid)) {
		vd->approved = false;
		vd->reason = SP_R_REPLAYED;
		return;
	}
	if (vd->offer == 0 || vd->limit == 0)
		return;
	if (sp_ledger_used(t->ledger, vd->offer, vd->scope, vd->tag,
	    &used) == SP_OK && used >= vd->limit) {
		vd->approved = false;
		vd->reason = SP_R_LIMIT_REACHED;
	}
}

static int
check_one(const struct till_ctx *c, bool redeem)
{
	struct sp_check_opts opts;
	struct sp_verdict vd;
	struct sp_receipt rcpt;
	struct till t;
	uint8_t nonce[SP_NONCE_MAX], *cbor = NULL;
	size_t nonce_len = 0, cbor_len = 0, text_len = 0;
	char *text = NULL;
	int rc, r;

	memset(&vd, 0, sizeof(vd));
	memset(&opts, 0, sizeof(opts));
	if (redeem && !c->have_offer)
		return cli_usage_error(PROG, "redeem needs --offer N");
	if (c->nonce != NULL && cli_unhex(nonce, sizeof(nonce), &nonce_len,
	    c->nonce) != 0)
		return cli_usage_error(PROG,
		    "bad --nonce '%s': 1..32 bytes as hex",
		    c->nonce);
	if ((rc = read_input(c, &text, &text_len)) != CLI_OK)
		return rc;
	if ((rc = till_open(c, &t)) != CLI_OK) {
		free(text);
		return rc;
	}
	opts.now = now_of(c);
	opts.offer = c->have_offer ? c->offer : 0;
	opts.nonce = nonce_len > 0 ? nonce : NULL;
	opts.nonce_len = nonce_len;
	r = sp_qr_decode(&cbor, &cbor_len, text, text_len);
	if (r != SP_OK) {
		/* Not a presentation at all: the verifier's "malformed". */
		vd.reason = SP_R_MALFORMED;
		vd.err = r;
		vd.registry_age = reg_age(t.v, opts.now);
		rc = print_verdict(c, &t, &vd, NULL);
		goto out;
	}
	r = sp_verifier_check(t.v, &vd, cbor, cbor_len, &opts);
	if (r != SP_OK) {
		rc = cli_fail(PROG, CLI_NOCONN,
		    "cannot check: %s", sp_strerror(r));
		goto out;
	}
	if (!redeem || !vd.approved) {
		ledger_precheck(&t, &vd);
		rc = print_verdict(c, &t, &vd, NULL);
		goto out;
	}
	r = sp_ledger_redeem(t.ledger, &vd, opts.now, &rcpt);
	if (r != SP_OK && vd.approved) {
		rc = cli_fail(PROG, CLI_NOCONN,
		    "cannot record: %s", sp_strerror(r));
		goto out;
	}
	rc = print_verdict(c, &t, &vd, vd.approved ? &rcpt : NULL);
	if (!vd.approved && vd.reason == SP_R_LEDGER)
		rc = CLI_NOCONN;
out:
	sp_verdict_clear(&vd);
	if (cbor != NULL)
		sp_bytes_free(cbor, cbor_len);
	free(text);
	till_close(&t);
	return rc;
}

static int
do_verify(const struct till_ctx *c)
{
	return check_one(c, false);
}

static int
do_redeem(const struct till_ctx *c)
{
	return check_one(c, true);
}

/* ---- upload ---- */

#define UPLOAD_MAX (8u * 1024u * 1024u)	/* the issuer's limit */

/* Prints the issuer's answer to an upload; the exit code. */
static int
upload_answer(const struct till_ctx *c, const struct cli_http_resp *resp)
{
	json_t *j = json_loadb(resp->body != NULL ? resp->body : "",
	    resp->body_len, 0, NULL);
	const char *why = json_string_value(json_object_get(j, "reason"));
	const char *msg = json_string_value(json_object_get(j, "message"));
	int rc = CLI_OK;

	if (why == NULL)	/* not a batch refusal: rate_limited, ... */
		why = json_string_value(json_object_get(j, "error"));
	if (resp->status != 200) {
		rc = cli_fail(PROG, resp->status >= 500 ? CLI_NOCONN : CLI_FAIL,
		    "the issuer refused the batch (HTTP %d): %s: %s",
		    resp->status, why != NULL ? why : "?",
		    msg != NULL ? msg : "(no message)");
	} else if (j == NULL) {
		rc = cli_fail(PROG, CLI_FAIL,
		    "the issuer's answer is not JSON");
	} else if (!c->json) {
		printf("uploaded %" JSON_INTEGER_FORMAT " records (%"
		    JSON_INTEGER_FORMAT " new): paid %" JSON_INTEGER_FORMAT
		    " (%" JSON_INTEGER_FORMAT " cents), rejected %"
		    JSON_INTEGER_FORMAT "\n",
		    json_integer_value(json_object_get(j, "records")),
		    json_integer_value(json_object_get(j, "new_records")),
		    json_integer_value(json_object_get(j, "paid")),
		    json_integer_value(json_object_get(j, "paid_cents")),
		    json_integer_value(json_object_get(j, "rejected")));
	}
	if (c->json && j != NULL) {
		json_dumpf(j, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
		putchar('\n');
	}
	json_decref(j);
	return rc;
}

static int
do_upload(const struct till_ctx *c)
{
	struct till_conf conf;
	struct cli_http_req req;
	struct cli_http_resp resp;
	uint8_t *batch = NULL;
	size_t len = 0;
	int rc, r;

	if (c->arg == NULL)
		return cli_usage_error(PROG, "upload needs a batch FILE");
	if ((r = conf_load(c->dir, &conf)) != 0)
		return cli_usage_error(PROG,
		    "'%s' is not a till (run 'stadspas till "
		    "init --dir %s' first)", c->dir, c->dir);
	memset(&req, 0, sizeof(req));
	req.url = c->server != NULL ? c->server : conf.server;
	req.ca_file = c->cacert != NULL ? c->cacert :
	    conf.cacert[0] != '\0' ? conf.cacert : NULL;
	req.allow_http = conf.insecure_http;
	if (req.url == NULL || req.url[0] == '\0')
		return cli_usage_error(PROG,
		    "no server: give --server URL (or init "
		    "with one)");
	if (cli_slurp(c->arg, UPLOAD_MAX, &batch, &len) != 0)
		return cli_usage_error(PROG,
		    "cannot read batch '%s': %s (at most "
		    "8 MiB)", c->arg, strerror(errno));
	req.method = "POST";
	req.path = "/settlement/batches";
	req.content_type = "application/cbor";
	req.body = batch;
	req.body_len = len;
	req.timeout_s = 120;
	r = cli_http(&req, &resp);
	free(batch);
	if (r != CLI_HTTP_OK) {
		rc = cli_fail(PROG, r == CLI_HTTP_EARG ? CLI_USAGE : CLI_NOCONN,
		    "%s/settlement/batches: %s", req.url, resp.error);
		cli_http_resp_free(&resp);
		return rc;
	}
	rc = upload_answer(c, &resp);
	cli_http_resp_free(&resp);
	return rc;
}

/* ---- export ---- */

/* Records per exported batch: a record is at most about 4.5 KiB (a
 * presentation <= 4096 bytes), so a batch stays under the daemon's 8 MiB
 * upload limit for POST /settlement/batches. */
#define TILL_EXPORT_MAX 1000

static int
do_export(const struct till_ctx *c)
{
	struct till t;
	uint8_t *batch = NULL;
	size_t len = 0;
	uint64_t first = 0, last = 0;
	int rc, r;

	if (c->out == NULL)
		return cli_usage_error(PROG, "export needs --out FILE");
	if ((rc = till_open(c, &t)) != CLI_OK)
		return rc;
	r = sp_ledger_export(t.ledger, c->all ? 0 : SP_LEDGER_SINCE_MARK,
	    c->all ? 0 : TILL_EXPORT_MAX, &batch, &len, &first, &last);
	if (r == SP_ERR_NOT_FOUND) {
		if (c->json)
			printf("{\"ok\": true, \"records\": 0}\n");
		else
			printf("nothing to export\n");
		rc = CLI_OK;
		goto out;
	}
	if (r != SP_OK) {
		rc = cli_fail(PROG, CLI_NOCONN, "cannot export: %s (%s)",
		    sp_strerror(r), sp_errtoken(r));
		goto out;
	}
	if (cli_write_atomic(c->out, batch, len, 0644) != 0) {
		rc = cli_fail(PROG, CLI_NOCONN, "cannot write '%s': %s", c->out,
		    strerror(errno));
		goto out;
	}
	if ((r = sp_ledger_export_mark(t.ledger, last)) != SP_OK) {
		rc = cli_fail(PROG, CLI_NOCONN, "wrote '%s' but cannot mark it "
		    "exported: %s", c->out, sp_strerror(r));
		goto out;
	}
	if (c->json)
		printf("{\"ok\": true, \"records\": %" PRIu64 ", \"first\": %"
		    PRIu64 ", \"last\": %" PRIu64 ", \"bytes\": %zu}\n",
		    last - first + 1, first, last, len);
	else
		printf("exported %" PRIu64 " records (#%" PRIu64 "..#%" PRIu64
		    ", %zu bytes) to %s\n", last - first + 1, first, last, len,
		    c->out);
	rc = CLI_OK;
out:
	if (batch != NULL)
		sp_bytes_free(batch, len);
	till_close(&t);
	return rc;
}

/* ---- status ---- */

static int
do_status(const struct till_ctx *c)
{
	struct sp_ledger_stats st;
	struct sp_offer_info oi;
	struct till t;
	json_t *offers;
	char pub[160], fp[65], head[65], age[32];
	int64_t now = now_of(c), rage;
	uint64_t bad = 0;
	size_t i;
	int rc, vr = SP_OK;

	if ((rc = till_open(c, &t)) != CLI_OK)
		return rc;
	if (key_public(t.key, pub, sizeof(pub), fp) != 0 ||
	    sp_ledger_stats(t.ledger, &st) != SP_OK) {
		rc = cli_fail(PROG, CLI_NOCONN,
		    "cannot read the till's key or ledger");
		goto out;
	}
	if (c->verify)
		vr = sp_ledger_verify(t.ledger, &bad);
	cli_hex(head, st.head, sizeof(st.head));
	rage = reg_age(t.v, now);
	fmt_age(age, sizeof(age), rage);
	offers = json_array();
	for (i = 0; sp_verifier_offer_at(t.v, i, &oi) == SP_OK; i++)
		if (oi.here)
			json_array_append_new(offers, json_pack("{s:I, s:s, "
			    "s:s, s:I, s:I}", "id", (json_int_t)oi.id,
			    "title", oi.title, "category", oi.category,
			    "amount_cents", (json_int_t)oi.amount_cents,
			    "limit", (json_int_t)oi.limit));
	if (c->json) {
		json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:b, "
		    "s:I, s:o, s:{s:I, s:I, s:s}}",
		    "provider", t.conf.provider, "till_key_fingerprint", fp,
		    "trust_version", (json_int_t)sp_verifier_trust_version(t.v),
		    "registry_size",
		    (json_int_t)sp_verifier_registry_size(t.v),
		    "checkpoint_age", (json_int_t)rage,
		    "catalogue_version",
		    (json_int_t)sp_verifier_catalogue_version(t.v),
		    "registry_warning", rage < 0 || rage > 3600,
		    "now", (json_int_t)now, "offers", offers,
		    "ledger", "records", (json_int_t)st.records,
		    "exported", (json_int_t)st.exported, "head", head);

		if (c->verify)
			json_object_set_new(o, "chain_ok",
			    json_boolean(vr == SP_OK));
		if (c->verify && vr != SP_OK)
			json_object_set_new(o, "bad_seq",
			    json_integer((json_int_t)bad));
		print_json(o);
		json_decref(o);
	} else {
		json_t *v;
		size_t k;

		printf("provider:          %s\n", t.conf.provider);
		printf("till key:          %s\n", fp);
		printf("trust version:     %" PRIu64 " (%zu keys)\n",
		    sp_verifier_trust_version(t.v),
		    sp_verifier_trust_count(t.v));
		printf("registry size:     %" PRIu64 "\n",
		    sp_verifier_registry_size(t.v));
		printf("checkpoint age:    %s\n", age);
		printf("catalogue version: %" PRIu64 "\n",
		    sp_verifier_catalogue_version(t.v));
		json_array_foreach(offers, k, v)
			printf("offer here:        %" JSON_INTEGER_FORMAT
			    " %s\n", json_integer_value(json_object_get(v,
			    "id")), json_string_value(json_object_get(v,
			    "title")));
		printf("ledger records:    %" PRIu64 " (exported %" PRIu64
		    ")\n", st.records, st.exported);
		printf("ledger head:       %s\n", head);
		if (c->verify)
			printf("ledger chain:      %s\n", vr == SP_OK ? "ok" :
			    "BROKEN");
		if (c->verify && vr != SP_OK)
			printf("first bad record:  #%" PRIu64 "\n", bad);
		if (rage < 0 || rage > 3600)
			printf("WARNING: the registry is %s old: sync this "
			    "till\n", rage < 0 ? "missing, not" : age);
		json_decref(offers);
	}
	rc = vr == SP_OK ? CLI_OK : CLI_NOCONN;
	if (vr != SP_OK)
		fprintf(stderr, PROG ": the ledger chain is broken at record "
		    "#%" PRIu64 "\n", bad);
out:
	till_close(&t);
	return rc;
}

/* ---- dispatch ---- */

enum {
	O_HELP = 'h',
	O_DIR = 256, O_JSON, O_PROVIDER, O_SERVER, O_FINGERPRINT, O_TRUST,
	O_CACERT, O_INSECURE, O_FROM, O_FOLLOW, O_MAXUPD, O_OFFER, O_NONCE,
	O_IMAGE, O_NOW, O_OUT, O_ALL, O_VERIFY,
};

static const struct option opts_all[] = {
	{ "help", no_argument, NULL, O_HELP },
	{ "dir", required_argument, NULL, O_DIR },
	{ "json", no_argument, NULL, O_JSON },
	{ "provider", required_argument, NULL, O_PROVIDER },
	{ "server", required_argument, NULL, O_SERVER },
	{ "fingerprint", required_argument, NULL, O_FINGERPRINT },
	{ "trust", required_argument, NULL, O_TRUST },
	{ "cacert", required_argument, NULL, O_CACERT },
	{ "insecure-http", no_argument, NULL, O_INSECURE },
	{ "from", required_argument, NULL, O_FROM },
	{ "follow", no_argument, NULL, O_FOLLOW },
	{ "max-updates", required_argument, NULL, O_MAXUPD },
	{ "offer", required_argument, NULL, O_OFFER },
	{ "nonce", required_argument, NULL, O_NONCE },
	{ "image", required_argument, NULL, O_IMAGE },
	{ "now", required_argument, NULL, O_NOW },
	{ "out", required_argument, NULL, O_OUT },
	{ "all", no_argument, NULL, O_ALL },
	{ "verify", no_argument, NULL, O_VERIFY },
	{ NULL, 0, NULL, 0 },
};

struct sub {
	const char *name;
	const char *help;
	int (*run)(const struct till_ctx *);
	int allowed[12];
	bool positional;
};

static const struct sub subs[] = {
	{ "init", init_help, do_init, { O_PROVIDER, O_SERVER, O_FINGERPRINT,
	    O_TRUST, O_CACERT, O_INSECURE, 0 }, false },
	{ "sync", sync_help, do_sync, { O_SERVER, O_FROM, O_CACERT,
	    O_INSECURE, O_FOLLOW, O_MAXUPD, O_NOW, 0 }, false },
	{ "verify", verify_help, do_verify, { O_OFFER, O_NONCE, O_IMAGE,
	    O_NOW, 0 }, true },
	{ "redeem", redeem_help, do_redeem, { O_OFFER, O_NONCE, O_IMAGE,
	    O_NOW, 0 }, true },
	{ "export", export_help, do_export, { O_OUT, O_ALL, 0 }, false },
	{ "upload", upload_help, do_upload, { O_SERVER, O_CACERT, 0 }, true },
	{ "status", status_help, do_status, { O_VERIFY, O_NOW, 0 }, false },
};

#define NSUBS (sizeof(subs) / sizeof(subs[0]))

static int
set_opt(struct till_ctx *c, int ch, const char *arg)
{
	long long v;
	int rc;

	switch (ch) {
	case O_PROVIDER: c->provider = arg; break;
	case O_SERVER: c->server = arg; break;
	case O_FINGERPRINT: c->fingerprint = arg; break;
	case O_TRUST: c->trust = arg; break;
	case O_CACERT: c->cacert = arg; break;
	case O_INSECURE: c->insecure_http = true; break;
	case O_FROM: c->from = arg; break;
	case O_FOLLOW: c->follow = true; break;
	case O_NONCE: c->nonce = arg; break;
	case O_IMAGE: c->image = arg; break;
	case O_OUT: c->out = arg; break;
	case O_ALL: c->all = true; break;
	case O_VERIFY: c->verify = true; break;
	case O_MAXUPD:
		if ((rc = cli_parse_int(PROG,
		    "--max-updates", arg, 1, 1000000, &v)) !=
		    CLI_OK)
			return rc;
		c->max_updates = (unsigned)v;
		break;
	case O_OFFER:
		if ((rc = cli_parse_int(PROG,
		    "--offer", arg, 1, INT64_MAX, &v)) !=
		    CLI_OK)
			return rc;
		c->offer = (uint64_t)v;
		c->have_offer = true;
		break;
	case O_NOW:
		if ((rc = cli_parse_int(PROG,
		    "--now", arg, 1, INT64_MAX / 2, &v)) !=
		    CLI_OK)
			return rc;
		c->now = v;
		c->have_now = true;
		break;
	default:
		break;
	}
	return CLI_OK;
}

int
cmd_till(int argc, char **argv)
{
	struct till_ctx c;
	const struct sub *sub = NULL;
	int ch, idx, i, rc;
	size_t k;

	memset(&c, 0, sizeof(c));
	/* --json and --dir DIR may also come before the subcommand. */
	while (argc >= 2 && (strcmp(argv[1], "--json") == 0 ||
	    (strcmp(argv[1], "--dir") == 0 && argc >= 3))) {
		if (strcmp(argv[1], "--json") == 0) {
			c.json = true;
		} else {
			c.dir = argv[2];
			argc--;
			argv++;
		}
		argc--;
		argv++;
	}
	if (argc < 2)
		return cli_usage_error(PROG, "missing subcommand");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(till_help, stdout);
		return CLI_OK;
	}
	for (k = 0; k < NSUBS; k++)
		if (strcmp(argv[1], subs[k].name) == 0)
			sub = &subs[k];
	if (sub == NULL)
		return cli_usage_error(PROG,
		    "unknown subcommand '%s'", argv[1]);
	argc--;
	argv++;
	optind = 0;
	opterr = 0;
	while ((idx = -1, ch = getopt_long(argc, argv, ":h", opts_all,
	    &idx)) != -1) {
		bool ok = false;

		if (ch == ':')
			return cli_usage_error(PROG,
			    "option '%s' needs an argument",
			    argv[optind - 1]);
		if (ch == '?')
			return cli_usage_error(PROG, "unknown option '%s'",
			    argv[optind - 1]);
		if (ch == O_HELP) {
			fputs(sub->help, stdout);
			return CLI_OK;
		}
		if (ch == O_JSON) {
			c.json = true;
			continue;
		}
		if (ch == O_DIR) {
			c.dir = optarg;
			continue;
		}
		for (i = 0; sub->allowed[i] != 0; i++)
			if (sub->allowed[i] == ch)
				ok = true;
		if (!ok)
			return cli_usage_error(PROG,
			    "option '--%s' does not apply to "
			    "'%s'", idx >= 0 ? opts_all[idx].name : "?",
			    sub->name);
		if ((rc = set_opt(&c, ch, optarg)) != CLI_OK)
			return rc;
	}
	if (optind < argc && sub->positional)
		c.arg = argv[optind++];
	if (optind < argc)
		return cli_usage_error(PROG,
		    "unexpected argument '%s'", argv[optind]);
	if (c.dir == NULL)
		return cli_usage_error(PROG, "'%s' needs --dir DIR", sub->name);
	if (sodium_init() < 0)
		return cli_fail(PROG, CLI_NOCONN, "libsodium cannot start");
	return sub->run(&c);
}
