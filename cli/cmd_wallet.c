/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `stadspas wallet`: a resident's wallet on the command line, over the
 * wallet-core library (sp_wallet.h) and the issuer's public HTTP API
 * (docs/HTTP_API.md, "Wallet issuance" and "Registry"). The store is a
 * PIN-protected wallet-core store "wallet" in a directory; the PIN comes
 * from the terminal (no echo), a 0600 file or the environment, never
 * from argv. The trust list fetched at enrolment is kept beside it as
 * "registry-keys.cbor" (public data) to check catalogues given as files.
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include <stadspas/sp_err.h>
#include <stadspas/sp_wallet.h>

#include "cli_util.h"
#include "http_client.h"

#define PROG "stadspas wallet"
#define STORE_NAME "wallet"
#define KEYS_FILE "registry-keys.cbor"
#define CATVER_FILE "catalogue-version"
#define DEFAULT_DIR "./stadspas-wallet"
#define FILE_MAX (1024u * 1024u)

struct wallet_ctx {
	const char *dir;
	bool json;
	const char *pin_file;
	const char *url, *ca, *code, *catalogue, *audience, *nonce, *png;
	const char *offer, *pass, *now;
};

/* present --now: the wallet's clock for drills (a till cut off from sync
 * checks a presentation made "then"); 0 = the real-time clock. */
static int64_t drill_now;

static const char wallet_help[] =
    "usage: stadspas wallet [--dir DIR] [--json] <subcommand> ...\n"
    "\n"
    "A resident's wallet: an encrypted store of passes in DIR, filled\n"
    "from stadspas-issuerd with an enrolment code, shown as SP1 QR codes.\n"
    "\n"
    "  --dir DIR   the wallet directory (default " DEFAULT_DIR ")\n"
    "  --json      print JSON\n"
    "\n"
    "subcommands:\n"
    "  init      [--pin-file FILE]\n"
    "  enrol     --url URL [--ca FILE] --code CODE [--pin-file FILE]\n"
    "  list      [--pin-file FILE]\n"
    "  present   --offer ID [--url URL [--ca FILE] | --catalogue FILE]\n"
    "            [--pass ID] [--audience A] [--nonce HEX] [--png FILE]\n"
    "            [--now UNIX] [--pin-file FILE]\n"
    "  history   [--pin-file FILE]\n"
    "\n"
    "The PIN (4..64 bytes) is read from the terminal without echo, or\n"
    "from --pin-file FILE (mode 0600) or $STADSPAS_WALLET_PIN for\n"
    "scripts; never from the command line.\n"
    "\n"
    "Each takes --help. Exit codes: 0 done, 1 refused (wrong PIN, the\n"
    "issuer said no, not eligible), 2 usage error, 3 cannot connect or\n"
    "TLS failure.\n"
    "\n"
    "example:\n"
    "  stadspas wallet init\n"
    "  stadspas wallet enrol --url https://pas.example.nl "
    "--code ABCD-EFGH-JKLM\n"
    "  stadspas wallet present --offer 1 --url https://pas.example.nl\n";

static const char init_help[] =
    "usage: stadspas wallet [--dir DIR] init [--pin-file FILE]\n"
    "\n"
    "Creates DIR (mode 0700) and an empty store protected by a PIN\n"
    "(Argon2id, production cost). From a terminal the PIN is asked\n"
    "twice.\n"
    "\n"
    "example:\n"
    "  stadspas wallet --dir ~/.stadspas init\n";

static const char enrol_help[] =
    "usage: stadspas wallet [--dir DIR] enrol --url URL [--ca FILE]\n"
    "           --code CODE [--pin-file FILE]\n"
    "\n"
    "Fetches the issuer keys (/registry/keys), a nonce, and a batch of\n"
    "pass copies for the enrolment code; the batch is accepted whole or\n"
    "not at all. Prints the pass number and the number of copies.\n"
    "\n"
    "  --url URL   the issuer, https://HOST[:PORT]\n"
    "  --ca FILE   trust this PEM certificate; default: system store\n"
    "  --code CODE the single-use code from the municipality\n"
    "\n"
    "example:\n"
    "  stadspas wallet enrol --url https://pas.example.nl "
    "--code ABCD-EFGH-JKLM\n";

static const char list_help[] =
    "usage: stadspas wallet [--dir DIR] [--json] list [--pin-file FILE]\n"
    "\n"
    "Lists the passes: id, label, pass number, copies left, validity.\n"
    "\n"
    "example:\n"
    "  stadspas wallet list\n";

static const char present_help[] =
    "usage: stadspas wallet [--dir DIR] present --offer ID\n"
    "           [--url URL [--ca FILE] | --catalogue FILE] [--pass ID]\n"
    "           [--audience A] [--nonce HEX] [--png FILE]\n"
    "           [--now UNIX] [--pin-file FILE]\n"
    "\n"
    "Presents a pass for an offer of the signed catalogue: prints the\n"
    "SP1 string and the QR code (terminal text), disclosing only what\n"
    "the offer needs. A pass copy is used up.\n"
    "\n"
    "  --offer ID        the offer id in the catalogue\n"
    "  --url URL         fetch keys and catalogue from the issuer\n"
    "  --catalogue FILE  a catalogue file (GET /registry/offers), checked\n"
    "                    with the keys saved at enrolment\n"
    "  --pass ID         the pass to use (default: the first)\n"
    "  --audience A      the provider id shown by the till\n"
    "  --nonce HEX       the till's nonce (at most 32 bytes)\n"
    "  --png FILE        also write the QR code as a PNG image\n"
    "  --now UNIX        use this clock (drills, with till --now)\n"
    "\n"
    "A catalogue older than one seen before is refused (rollback).\n"
    "\n"
    "example:\n"
    "  stadspas wallet present --offer 1 --catalogue offers.cbor "
    "--png qr.png\n";

static const char history_help[] =
    "usage: stadspas wallet [--dir DIR] [--json] history [--pin-file FILE]\n"
    "\n"
    "Lists the presentations made with this wallet, oldest first.\n"
    "\n"
    "example:\n"
    "  stadspas wallet --json history\n";


/* ---- files ---- */

static void
dir_file(char *out, size_t cap, const char *dir, const char *name)
{
	snprintf(out, cap, "%s/%s", dir, name);
}

/* ---- the PIN ---- */

/* Strips one trailing newline (and CR). */
static void
chomp(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
}

/* Reads a line from the terminal without echo. 0 or -1. */
static int
tty_pin(const char *prompt, char *buf, size_t cap)
{
	struct termios old, noecho;
	FILE *tty = fopen("/dev/tty", "r+");
	int ok;

	if (tty == NULL)
		return -1;
	if (tcgetattr(fileno(tty), &old) != 0) {
		fclose(tty);
		return -1;
	}
	noecho = old;
	noecho.c_lflag &= ~(tcflag_t)ECHO;
	fputs(prompt, tty);
	fflush(tty);
	tcsetattr(fileno(tty), TCSANOW, &noecho);
	ok = fgets(buf, (int)cap, tty) != NULL;
	tcsetattr(fileno(tty), TCSANOW, &old);
	fputc('\n', tty);
	fclose(tty);
	if (!ok)
		return -1;
	chomp(buf);
	return 0;
}

/* The PIN into pin[SP_WALLET_PIN_MAX + 2]; confirm: ask twice on a tty.
 * Returns 0 or an exit code (message printed). */
static int
get_pin(const struct wallet_ctx *c, char *pin, size_t cap, bool confirm)
{
	const char *env = getenv("STADSPAS_WALLET_PIN");
	size_t n;

	if (c->pin_file != NULL) {
		struct stat sb;
		uint8_t *buf;
		size_t len;
		int fd = open(c->pin_file, O_RDONLY | O_CLOEXEC | O_NOCTTY);

		if (fd < 0)
			return cli_usage_error(PROG,
			    "cannot open PIN file '%s': %s",
			    c->pin_file, strerror(errno));
		if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
			close(fd);
			return cli_usage_error(PROG,
			    "PIN file '%s' is not a regular "
			    "file", c->pin_file);
		}
		if ((sb.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
			close(fd);
			return cli_usage_error(PROG,
			    "refusing PIN file '%s': mode %04o "
			    "lets group or others read it (chmod 600)",
			    c->pin_file, (unsigned)(sb.st_mode & 07777));
		}
		if (cli_slurp_fd(fd, FILE_MAX, &buf, &len) != 0) {
			close(fd);
			return cli_usage_error(PROG,
			    "cannot read PIN file '%s': %s",
			    c->pin_file, strerror(errno));
		}
		close(fd);
		if (len >= cap) {
			explicit_bzero(buf, len);
			free(buf);
			return cli_usage_error(PROG,
			    "PIN file '%s' is too long (at most "
			    "%d bytes)", c->pin_file, SP_WALLET_PIN_MAX);
		}
		memcpy(pin, buf, len + 1);
		explicit_bzero(buf, len);
		free(buf);
		chomp(pin);
	} else if (env != NULL && *env != '\0') {
		if (strlen(env) >= cap)
			return cli_usage_error(PROG,
			    "STADSPAS_WALLET_PIN is too long "
			    "(at most %d bytes)", SP_WALLET_PIN_MAX);
		memcpy(pin, env, strlen(env) + 1);
	} else {
		char again[SP_WALLET_PIN_MAX + 2];

		if (!isatty(STDIN_FILENO) || tty_pin("wallet PIN: ", pin,
		    cap) != 0)
			return cli_usage_error(PROG,
			    "no PIN: run on a terminal, or give "
			    "--pin-file FILE or set STADSPAS_WALLET_PIN");
		if (confirm) {
			if (tty_pin("wallet PIN again: ", again,
			    sizeof(again)) != 0 || strcmp(again, pin) != 0) {
				explicit_bzero(again, sizeof(again));
				explicit_bzero(pin, cap);
				return cli_usage_error(PROG, "the PINs differ");
			}
			explicit_bzero(again, sizeof(again));
		}
	}
	n = strlen(pin);
	if (n < SP_WALLET_PIN_MIN || n > SP_WALLET_PIN_MAX) {
		explicit_bzero(pin, cap);
		return cli_usage_error(PROG,
		    "the PIN must be %d..%d bytes, not %zu",
		    SP_WALLET_PIN_MIN, SP_WALLET_PIN_MAX, n);
	}
	return 0;
}

/* ---- the store ---- */

struct store {
	struct sp_wallet_posix *posix;
	struct sp_wallet_ops ops;
	struct sp_wallet *w;
};

static void
store_close(struct store *s)
{
	sp_wallet_free(&s->w);
	sp_wallet_posix_free(&s->posix);
}

static int64_t
drill_clock(void *ctx)
{
	return drill_now != 0 ? drill_now : sp_wallet_posix_now(ctx);
}

static int
store_open(const struct wallet_ctx *c, struct store *s)
{
	char pin[SP_WALLET_PIN_MAX + 2];
	int64_t wait = 0;
	int rc;

	memset(s, 0, sizeof(*s));
	rc = sp_wallet_posix_new(&s->posix, c->dir);
	if (rc != SP_OK)
		return cli_fail(PROG, CLI_FAIL,
		    "no wallet in '%s': %s (run 'stadspas wallet "
		    "init')", c->dir, sp_strerror(rc));
	sp_wallet_posix_ops(s->posix, &s->ops);
	s->ops.now = drill_clock;
	rc = get_pin(c, pin, sizeof(pin), false);
	if (rc != 0) {
		store_close(s);
		return rc;
	}
	rc = sp_wallet_open_pin(&s->w, &wait, &s->ops, STORE_NAME, pin);
	explicit_bzero(pin, sizeof(pin));
	if (rc == SP_OK)
		return 0;
	store_close(s);
	if (rc == SP_ERR_WALLET_PIN) {
		if (wait > 0)
			return cli_fail(PROG, CLI_FAIL,
			    "wrong PIN; the next attempt is allowed in "
			    "%" PRId64 " s", wait);
		return cli_fail(PROG, CLI_FAIL, "wrong PIN");
	}
	if (rc == SP_ERR_WALLET_LOCKED)
		return cli_fail(PROG, CLI_FAIL,
		    "wallet locked after too many wrong PINs: try "
		    "again in %" PRId64 " s", wait);
	if (rc == SP_ERR_WALLET_NO_STORE)
		return cli_fail(PROG, CLI_FAIL,
		    "no wallet in '%s' (run 'stadspas wallet init')",
		    c->dir);
	return cli_fail(PROG, CLI_FAIL,
	    "cannot open the wallet in '%s': %s", c->dir,
	    sp_strerror(rc));
}

/* ---- HTTP ---- */

/* One request; CLI_OK with *resp filled (status 2xx), else an exit code
 * with the problem printed (and *resp released). */
static int
http(const struct wallet_ctx *c, const char *method, const char *path,
    const char *json_body, struct cli_http_resp *resp)
{
	struct cli_http_req req;
	int rc;

	memset(&req, 0, sizeof(req));
	req.url = c->url;
	req.ca_file = c->ca;
	req.method = method;
	req.path = path;
	if (json_body != NULL) {
		req.body = (const unsigned char *)json_body;
		req.body_len = strlen(json_body);
		req.content_type = "application/json";
	}
	rc = cli_http(&req, resp);
	if (rc != CLI_HTTP_OK) {
		fprintf(stderr, PROG ": %s%s: %s\n", c->url, path,
		    resp->error);
		if (strstr(resp->error, "SSL") != NULL ||
		    strstr(resp->error, "tls") != NULL)
			fprintf(stderr, PROG ": TLS handshake failed: is the "
			    "issuer's certificate trusted? (--ca FILE)\n");
		cli_http_resp_free(resp);
		return rc == CLI_HTTP_EARG ? CLI_USAGE : CLI_NOCONN;
	}
	if (resp->status < 200 || resp->status > 299) {
		json_t *ans = json_loadb(resp->body != NULL ? resp->body : "",
		    resp->body_len, 0, NULL);
		const char *tok = json_string_value(json_object_get(ans,
		    "error"));
		const char *msg = json_string_value(json_object_get(ans,
		    "message"));

		fprintf(stderr, PROG ": the issuer refused %s %s (HTTP %d): "
		    "%s: %s\n", method, path, resp->status,
		    tok != NULL ? tok : "?",
		    msg != NULL ? msg : "(no message)");
		if (c->json)
			printf("{\"ok\": false, \"http\": %d, \"error\": "
			    "\"%s\"}\n", resp->status,
			    tok != NULL && strspn(tok,
			    "abcdefghijklmnopqrstuvwxyz_") == strlen(tok) ?
			    tok : "?");
		json_decref(ans);
		cli_http_resp_free(resp);
		return CLI_FAIL;
	}
	return CLI_OK;
}

/* GET /registry/keys, saved to DIR/registry-keys.cbor. */
static int
fetch_keys(const struct wallet_ctx *c, uint8_t **keys, size_t *keys_len)
{
	struct cli_http_resp resp;
	char path[4200];
	int rc;

	rc = http(c, "GET", "/registry/keys", NULL, &resp);
	if (rc != CLI_OK)
		return rc;
	if (resp.body_len == 0) {
		cli_http_resp_free(&resp);
		return cli_fail(PROG, CLI_FAIL,
		    "the issuer sent an empty key set");
	}
	*keys = malloc(resp.body_len);
	if (*keys == NULL) {
		cli_http_resp_free(&resp);
		return cli_fail(PROG, CLI_FAIL, "out of memory");
	}
	memcpy(*keys, resp.body, resp.body_len);
	*keys_len = resp.body_len;
	cli_http_resp_free(&resp);
	dir_file(path, sizeof(path), c->dir, KEYS_FILE);
	if (cli_write_atomic(path, *keys, *keys_len, 0644) != 0)
		fprintf(stderr, PROG ": warning: cannot save '%s': %s\n", path,
		    strerror(errno));
	return CLI_OK;
}

/* ---- output helpers ---- */

static void
fmt_time(char *out, size_t cap, json_int_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, cap, "%" JSON_INTEGER_FORMAT, t);
}

static void
print_json(json_t *v)
{
	json_dumpf(v, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	putchar('\n');
}

/* The library's JSON for a pass (caller decrefs), or NULL. */
static json_t *
pass_obj(const struct sp_wallet *w, uint32_t id)
{
	char *s = NULL;
	json_t *o;

	if (sp_wallet_pass_json(w, &s, id) != SP_OK)
		return NULL;
	o = json_loads(s, 0, NULL);
	sp_wallet_str_free(s);
	return o;
}

static json_int_t
int_of(const json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static const char *
str_of(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s != NULL ? s : "";
}

/* ---- subcommands ---- */

static int
do_init(const struct wallet_ctx *c)
{
	struct sp_wallet_posix *posix = NULL;
	struct sp_wallet_ops ops;
	struct sp_wallet *w = NULL;
	char pin[SP_WALLET_PIN_MAX + 2];
	int rc;

	if (mkdir(c->dir, 0700) != 0 && errno != EEXIST)
		return cli_usage_error(PROG, "cannot create '%s': %s", c->dir,
		    strerror(errno));
	rc = sp_wallet_posix_new(&posix, c->dir);
	if (rc != SP_OK)
		return cli_usage_error(PROG, "cannot use '%s': %s", c->dir,
		    sp_strerror(rc));
	sp_wallet_posix_ops(posix, &ops);
	rc = get_pin(c, pin, sizeof(pin), true);
	if (rc != 0) {
		sp_wallet_posix_free(&posix);
		return rc;
	}
	rc = sp_wallet_create_pin(&w, &ops, STORE_NAME, pin, NULL);
	explicit_bzero(pin, sizeof(pin));
	sp_wallet_free(&w);
	sp_wallet_posix_free(&posix);
	if (rc == SP_ERR_WALLET_EXISTS)
		return cli_fail(PROG, CLI_FAIL,
		    "there is already a wallet in '%s'", c->dir);
	if (rc != SP_OK)
		return cli_fail(PROG, CLI_FAIL,
		    "cannot create the wallet in '%s': %s", c->dir,
		    sp_strerror(rc));
	if (c->json) {
		json_t *o = json_pack("{s:b, s:s}", "ok", 1, "dir", c->dir);

		print_json(o);
		json_decref(o);
	} else
		printf("wallet created in %s\n", c->dir);
	return CLI_OK;
}

static int
do_enrol(const struct wallet_ctx *c)
{
	struct cli_http_resp resp;
	struct store s;
	uint8_t *keys = NULL;
	size_t keys_len = 0;
	char *body = NULL;
	uint32_t pass_id = 0;
	json_t *p;
	int rc;

	if (c->url == NULL)
		return cli_usage_error(PROG, "enrol needs --url URL");
	if (c->code == NULL)
		return cli_usage_error(PROG, "enrol needs --code CODE");
	if (strlen(c->code) > 32)
		return cli_usage_error(PROG,
		    "bad --code '%s': at most 32 characters",
		    c->code);
	rc = store_open(c, &s);
	if (rc != 0)
		return rc;
	rc = fetch_keys(c, &keys, &keys_len);
	if (rc != CLI_OK)
		goto out;
	rc = http(c, "POST", "/wallet/nonce", "{}", &resp);
	if (rc != CLI_OK)
		goto out;
	rc = sp_wallet_issuance_request(s.w, &body, c->code, resp.body,
	    resp.body_len, NULL);
	cli_http_resp_free(&resp);
	if (rc != SP_OK) {
		rc = cli_fail(PROG, CLI_FAIL,
		    "cannot build the request: %s", sp_strerror(rc));
		goto out;
	}
	rc = http(c, "POST", "/wallet/credential", body, &resp);
	sp_wallet_str_free(body);
	if (rc != CLI_OK) {
		sp_wallet_issuance_cancel(s.w);
		goto out;
	}
	rc = sp_wallet_issuance_accept(s.w, &pass_id, resp.body,
	    resp.body_len, keys, keys_len);
	cli_http_resp_free(&resp);
	if (rc != SP_OK) {
		sp_wallet_issuance_cancel(s.w);
		rc = cli_fail(PROG, CLI_FAIL,
		    "the issued passes were not accepted (nothing was "
		    "stored): %s (%s)", sp_strerror(rc), sp_errtoken(rc));
		goto out;
	}
	p = pass_obj(s.w, pass_id);
	if (c->json) {
		json_t *o = json_pack("{s:b, s:I, s:s, s:I, s:I}", "ok", 1,
		    "pass", (json_int_t)pass_id, "pass_no", str_of(p,
		    "pass_no"), "copies", int_of(p, "copies"), "valid_until",
		    int_of(p, "valid_until"));

		print_json(o);
		json_decref(o);
	} else {
		char until[32];

		fmt_time(until, sizeof(until), int_of(p, "valid_until"));
		printf("pass %" PRIu32 " enrolled: pass number %s, %"
		    JSON_INTEGER_FORMAT " copies, valid until %s\n", pass_id,
		    str_of(p, "pass_no"), int_of(p, "copies"), until);
	}
	json_decref(p);
	rc = CLI_OK;
out:
	free(keys);
	store_close(&s);
	return rc;
}

static int
do_list(const struct wallet_ctx *c)
{
	struct store s;
	json_t *arr;
	size_t i, n;
	int rc;

	rc = store_open(c, &s);
	if (rc != 0)
		return rc;
	arr = json_array();
	n = sp_wallet_pass_count(s.w);
	for (i = 0; i < n; i++) {
		json_t *p = pass_obj(s.w, sp_wallet_pass_id(s.w, i));

		if (p == NULL)
			continue;
		/* The list shows the pass, not its personal claims. */
		json_array_append_new(arr, json_pack("{s:O?, s:O?, s:O?, s:O?,"
		    " s:O?, s:O?, s:O?, s:O?}",
		    "id", json_object_get(p, "id"),
		    "label", json_object_get(p, "label"),
		    "pass_no", json_object_get(p, "pass_no"),
		    "issuer", json_object_get(p, "issuer"),
		    "valid_from", json_object_get(p, "valid_from"),
		    "valid_until", json_object_get(p, "valid_until"),
		    "copies", json_object_get(p, "copies"),
		    "unused", json_object_get(p, "unused")));
		json_decref(p);
	}
	if (c->json) {
		json_t *o = json_pack("{s:o}", "passes", arr);

		print_json(o);
		json_decref(o);
	} else {
		json_t *p;

		if (n == 0)
			printf("no passes (run 'stadspas wallet enrol')\n");
		else
			printf("%-4s %-16s %-20s %-11s %-20s %s\n", "id",
			    "pass_no", "valid_from", "copies_left",
			    "valid_until", "label");
		json_array_foreach(arr, i, p) {
			char from[32], until[32];

			fmt_time(from, sizeof(from), int_of(p, "valid_from"));
			fmt_time(until, sizeof(until),
			    int_of(p, "valid_until"));
			printf("%-4" JSON_INTEGER_FORMAT " %-16s %-20s %4"
			    JSON_INTEGER_FORMAT "/%-6" JSON_INTEGER_FORMAT
			    " %-20s %s\n", int_of(p, "id"),
			    str_of(p, "pass_no"), from, int_of(p, "unused"),
			    int_of(p, "copies"), until, str_of(p, "label"));
		}
		json_decref(arr);
	}
	store_close(&s);
	return CLI_OK;
}

/* Refuses a catalogue older than the newest one seen (a rollback would
 * bring back withdrawn offers); remembers the newest in DIR. */
static int
check_version(const struct wallet_ctx *c, struct sp_wallet_catalogue **cat)
{
	uint64_t v = sp_wallet_catalogue_version(*cat), seen = 0;
	uint8_t *buf = NULL;
	size_t len = 0;
	char path[4200], num[32];

	dir_file(path, sizeof(path), c->dir, CATVER_FILE);
	if (cli_slurp(path, FILE_MAX, &buf, &len) == 0) {
		seen = strtoull((const char *)buf, NULL, 10);
		free(buf);
	}
	if (v < seen) {
		sp_wallet_catalogue_free(cat);
		return cli_fail(PROG, CLI_FAIL,
		    "refusing offers catalogue version %" PRIu64 ": "
		    "version %" PRIu64 " was seen before (a rollback)", v,
		    seen);
	}
	if (v > seen) {
		snprintf(num, sizeof(num), "%" PRIu64 "\n", v);
		if (cli_write_atomic(path, (const uint8_t *)num, strlen(num),
		    0644) != 0)
			fprintf(stderr, PROG ": warning: cannot save '%s': "
			    "%s\n", path, strerror(errno));
	}
	return CLI_OK;
}

/* The catalogue from --catalogue FILE or the issuer; trust from the
 * issuer (with --url) or the keys saved at enrolment. */
static int
load_catalogue(const struct wallet_ctx *c, struct sp_wallet_catalogue **cat)
{
	uint8_t *keys = NULL, *buf = NULL;
	size_t keys_len = 0, len = 0;
	char path[4200];
	int rc;

	if (c->url != NULL) {
		rc = fetch_keys(c, &keys, &keys_len);
		if (rc != CLI_OK)
			return rc;
	} else {
		dir_file(path, sizeof(path), c->dir, KEYS_FILE);
		if (cli_slurp(path, FILE_MAX, &keys, &keys_len) != 0)
			return cli_usage_error(PROG,
			    "no issuer keys in '%s' (%s): "
			    "give --url URL or enrol first", path,
			    strerror(errno));
	}
	if (c->catalogue != NULL) {
		if (cli_slurp(c->catalogue, FILE_MAX, &buf, &len) != 0) {
			free(keys);
			return cli_usage_error(PROG,
			    "cannot read catalogue '%s': %s",
			    c->catalogue, strerror(errno));
		}
	} else {
		struct cli_http_resp resp;

		rc = http(c, "GET", "/registry/offers", NULL, &resp);
		if (rc != CLI_OK) {
			free(keys);
			return rc;
		}
		buf = malloc(resp.body_len + 1);
		if (buf != NULL)
			memcpy(buf, resp.body, resp.body_len);
		len = resp.body_len;
		cli_http_resp_free(&resp);
		if (buf == NULL) {
			free(keys);
			return cli_fail(PROG, CLI_FAIL, "out of memory");
		}
	}
	rc = sp_wallet_catalogue_new(cat, buf, len, keys, keys_len);
	free(buf);
	free(keys);
	if (rc != SP_OK)
		return cli_fail(PROG, CLI_FAIL,
		    "the offers catalogue%s%s%s does not check out: "
		    "%s (%s)", c->catalogue != NULL ? " '" : "",
		    c->catalogue != NULL ? c->catalogue : "",
		    c->catalogue != NULL ? "'" : "", sp_strerror(rc),
		    sp_errtoken(rc));
	return check_version(c, cat);
}

static int
do_present(const struct wallet_ctx *c)
{
	struct sp_wallet_catalogue *cat = NULL;
	struct sp_wallet_present_opts opts;
	struct sp_wallet_offer offer;
	uint8_t nonce[32];
	uint64_t offer_id, pass_arg = 0;
	uint32_t pass_id;
	struct store s;
	char *qr = NULL, *text = NULL;
	long long num;
	int rc;

	memset(&opts, 0, sizeof(opts));
	if (c->offer == NULL)
		return cli_usage_error(PROG, "present needs --offer ID");
	if ((rc = cli_parse_int(PROG, "--offer", c->offer, 1, INT64_MAX,
	    &num)) != CLI_OK)
		return rc;
	offer_id = (uint64_t)num;
	if (c->pass != NULL) {
		if ((rc = cli_parse_int(PROG, "--pass", c->pass, 1, UINT32_MAX,
		    &num)) != CLI_OK)
			return rc;
		pass_arg = (uint64_t)num;
	}
	if (c->now != NULL) {
		if ((rc = cli_parse_int(PROG, "--now", c->now, 1,
		    INT64_MAX / 2, &num)) != CLI_OK)
			return rc;
		drill_now = (int64_t)num;
	}
	if (c->url == NULL && c->catalogue == NULL)
		return cli_usage_error(PROG,
		    "present needs --url URL or --catalogue "
		    "FILE");
	if (c->audience != NULL) {
		if (strlen(c->audience) == 0 || strlen(c->audience) > 64)
			return cli_usage_error(PROG,
			    "bad --audience '%s': 1..64 bytes",
			    c->audience);
		opts.audience = c->audience;
	}
	if (c->nonce != NULL) {
		size_t n;

		if (cli_unhex(nonce, sizeof(nonce), &n, c->nonce) != 0)
			return cli_usage_error(PROG, "bad --nonce '%s': want "
			    "1..32 bytes as hex", c->nonce);
		opts.nonce = nonce;
		opts.nonce_len = n;
	}
	rc = store_open(c, &s);
	if (rc != 0)
		return rc;
	rc = load_catalogue(c, &cat);
	if (rc != CLI_OK)
		goto out;
	rc = sp_wallet_catalogue_offer(cat, &offer, offer_id);
	if (rc != SP_OK) {
		rc = cli_fail(PROG, CLI_FAIL,
		    "no offer '%s' in the catalogue (version %" PRIu64
		    ")", c->offer, sp_wallet_catalogue_version(cat));
		goto out;
	}
	if (pass_arg != 0) {
		pass_id = (uint32_t)pass_arg;
	} else {
		if (sp_wallet_pass_count(s.w) == 0) {
			rc = cli_fail(PROG, CLI_FAIL,
			    "no passes in the wallet (run 'stadspas "
			    "wallet enrol')");
			goto out;
		}
		pass_id = sp_wallet_pass_id(s.w, 0);
	}
	rc = sp_wallet_present(s.w, &qr, pass_id, &offer, &opts);
	if (rc != SP_OK) {
		if (rc == SP_ERR_WALLET_NO_PASS)
			rc = cli_fail(PROG, CLI_FAIL,
			    "no pass '%" PRIu32 "' in the wallet",
			    pass_id);
		else
			rc = cli_fail(PROG, CLI_FAIL,
			    "cannot present pass %" PRIu32 " for offer %"
			    PRIu64 ": %s (%s)", pass_id, offer_id,
			    sp_strerror(rc), sp_errtoken(rc));
		goto out;
	}
	if (c->png != NULL) {
		uint8_t *png = NULL;
		size_t png_len = 0;

		rc = sp_wallet_qr_png(&png, &png_len, qr, 0);
		if (rc != SP_OK) {
			rc = cli_fail(PROG, CLI_FAIL,
			    "cannot render the PNG: %s",
			    sp_strerror(rc));
			goto out;
		}
		if (cli_write_atomic(c->png, png, png_len, 0644) != 0) {
			int e = errno;

			sp_wallet_bytes_free(png, png_len);
			rc = cli_usage_error(PROG,
			    "cannot write '%s': %s", c->png,
			    strerror(e));
			goto out;
		}
		sp_wallet_bytes_free(png, png_len);
	}
	if (c->json) {
		json_t *o = json_pack("{s:b, s:I, s:I, s:s, s:s?}", "ok", 1,
		    "pass", (json_int_t)pass_id, "offer", (json_int_t)offer_id,
		    "qr", qr, "png", c->png);

		print_json(o);
		json_decref(o);
	} else {
		rc = sp_wallet_qr_text(&text, qr, SP_WALLET_QR_INVERT);
		printf("%s\n", qr);
		if (rc == SP_OK)
			fputs(text, stdout);
		if (c->png != NULL)
			printf("QR code written to %s\n", c->png);
	}
	rc = CLI_OK;
out:
	sp_wallet_str_free(text);
	sp_wallet_str_free(qr);
	sp_wallet_catalogue_free(&cat);
	store_close(&s);
	return rc;
}

static int
do_history(const struct wallet_ctx *c)
{
	struct store s;
	char *js = NULL;
	json_t *arr, *e;
	size_t i;
	int rc;

	rc = store_open(c, &s);
	if (rc != 0)
		return rc;
	rc = sp_wallet_history_json(s.w, &js);
	store_close(&s);
	if (rc != SP_OK)
		return cli_fail(PROG, CLI_FAIL,
		    "cannot read the history: %s", sp_strerror(rc));
	arr = json_loads(js, 0, NULL);
	sp_wallet_str_free(js);
	if (c->json) {
		json_t *o = json_pack("{s:O}", "history", arr);

		print_json(o);
		json_decref(o);
		json_decref(arr);
		return CLI_OK;
	}
	if (json_array_size(arr) == 0)
		printf("no presentations yet\n");
	else
		printf("%-20s %-4s %-6s %-7s %-12s %s\n", "time", "pass",
		    "offer", "counter", "audience", "claims");
	json_array_foreach(arr, i, e) {
		char when[32];
		json_t *cl;
		size_t j;

		fmt_time(when, sizeof(when), int_of(e, "time"));
		printf("%-20s %-4" JSON_INTEGER_FORMAT " %-6"
		    JSON_INTEGER_FORMAT " %-7" JSON_INTEGER_FORMAT " %-12s ",
		    when, int_of(e, "pass"), int_of(e, "offer"),
		    int_of(e, "counter"), *str_of(e, "audience") != '\0' ?
		    str_of(e, "audience") : "-");
		json_array_foreach(json_object_get(e, "claims"), j, cl)
			printf("%s%s", j > 0 ? ", " : "",
			    json_string_value(cl) != NULL ?
			    json_string_value(cl) : "?");
		putchar('\n');
	}
	json_decref(arr);
	return CLI_OK;
}

/* ---- dispatch ---- */

enum {
	O_HELP = 'h', O_JSON = 1000, O_DIR, O_PINFILE, O_URL, O_CA, O_CODE,
	O_OFFER, O_CATALOGUE, O_AUDIENCE, O_NONCE, O_PNG, O_PASS, O_NOW,
};

static const struct option opts_all[] = {
	{ "help", no_argument, NULL, O_HELP },
	{ "json", no_argument, NULL, O_JSON },
	{ "dir", required_argument, NULL, O_DIR },
	{ "pin-file", required_argument, NULL, O_PINFILE },
	{ "url", required_argument, NULL, O_URL },
	{ "ca", required_argument, NULL, O_CA },
	{ "code", required_argument, NULL, O_CODE },
	{ "offer", required_argument, NULL, O_OFFER },
	{ "catalogue", required_argument, NULL, O_CATALOGUE },
	{ "audience", required_argument, NULL, O_AUDIENCE },
	{ "nonce", required_argument, NULL, O_NONCE },
	{ "png", required_argument, NULL, O_PNG },
	{ "pass", required_argument, NULL, O_PASS },
	{ "now", required_argument, NULL, O_NOW },
	{ NULL, 0, NULL, 0 },
};

struct sub {
	const char *name;
	const char *help;
	int (*run)(const struct wallet_ctx *c);
	int allowed[11];	/* option codes besides --help/--json */
};

static const struct sub subs[] = {
	{ "init", init_help, do_init, { O_PINFILE, 0 } },
	{ "enrol", enrol_help, do_enrol,
	    { O_PINFILE, O_URL, O_CA, O_CODE, 0 } },
	{ "list", list_help, do_list, { O_PINFILE, 0 } },
	{ "present", present_help, do_present,
	    { O_PINFILE, O_URL, O_CA, O_OFFER, O_CATALOGUE, O_AUDIENCE,
	    O_NONCE, O_PNG, O_PASS, O_NOW, 0 } },
	{ "history", history_help, do_history, { O_PINFILE, 0 } },
};

#define NSUBS (sizeof(subs) / sizeof(subs[0]))

int
cmd_wallet(int argc, char **argv)
{
	struct wallet_ctx c;
	const struct sub *sub = NULL;
	int ch, idx, i;
	size_t k;

	memset(&c, 0, sizeof(c));
	c.dir = DEFAULT_DIR;
	optind = 0;
	opterr = 0;
	/* Global options up to the subcommand ('+': stop there). */
	while ((idx = -1, ch = getopt_long(argc, argv, "+:h", opts_all,
	    &idx)) != -1) {
		if (ch == ':')
			return cli_usage_error(PROG,
			    "option '%s' needs an argument",
			    argv[optind - 1]);
		if (ch == '?')
			return cli_usage_error(PROG, "unknown option '%s'",
			    argv[optind - 1]);
		if (ch == O_HELP) {
			fputs(wallet_help, stdout);
			return CLI_OK;
		}
		if (ch == O_JSON)
			c.json = true;
		else if (ch == O_DIR)
			c.dir = optarg;
		else
			return cli_usage_error(PROG,
			    "option '--%s' goes after the "
			    "subcommand", idx >= 0 ? opts_all[idx].name : "?");
	}
	if (optind >= argc)
		return cli_usage_error(PROG, "missing subcommand");
	for (k = 0; k < NSUBS; k++)
		if (strcmp(argv[optind], subs[k].name) == 0)
			sub = &subs[k];
	if (sub == NULL)
		return cli_usage_error(PROG,
		    "unknown subcommand '%s'", argv[optind]);
	argc -= optind;
	argv += optind;
	optind = 0;
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
		for (i = 0; sub->allowed[i] != 0; i++)
			if (sub->allowed[i] == ch)
				ok = true;
		if (!ok)
			return cli_usage_error(PROG,
			    "option '--%s' does not apply to "
			    "'%s'", idx >= 0 ? opts_all[idx].name : "?",
			    sub->name);
		switch (ch) {
		case O_PINFILE: c.pin_file = optarg; break;
		case O_URL: c.url = optarg; break;
		case O_CA: c.ca = optarg; break;
		case O_CODE: c.code = optarg; break;
		case O_OFFER: c.offer = optarg; break;
		case O_CATALOGUE: c.catalogue = optarg; break;
		case O_AUDIENCE: c.audience = optarg; break;
		case O_NONCE: c.nonce = optarg; break;
		case O_PNG: c.png = optarg; break;
		case O_PASS: c.pass = optarg; break;
		case O_NOW: c.now = optarg; break;
		default: break;
		}
	}
	if (optind < argc)
		return cli_usage_error(PROG,
		    "unexpected argument '%s'", argv[optind]);
	if (c.url != NULL && strncmp(c.url, "https://", 8) != 0)
		return cli_usage_error(PROG,
		    "bad --url '%s': want https://HOST[:PORT]",
		    c.url);
	return sub->run(&c);
}
