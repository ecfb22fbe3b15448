/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `stadspas admin`: a client for stadspas-issuerd's admin API
 * (docs/HTTP_API.md, "Admin API"). Each subcommand is one HTTPS request;
 * the answer is printed as aligned "key: value" lines or, with --json,
 * as the daemon's JSON. The token comes from a file or the environment,
 * never from argv, and is never printed.
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli_util.h"
#include "http_client.h"

#define PROG "stadspas admin"
#define TOKEN_MAX 256
#define TILL_KEY_MAX 4096
#define DEFAULT_URL "https://127.0.0.1:8443"

struct admin_ctx {
	const char *url;
	const char *ca;
	const char *token_file;
	char token[TOKEN_MAX + 1];
	bool json;
};

/* One request: method, path and (for POST) a JSON body we own. */
struct admin_call {
	const char *method;
	char path[600];
	json_t *body;
	bool audit_table;	/* print entries as a table */
	bool keys_table;	/* print keys as a table */
	unsigned char *raw;	/* a CBOR body instead of JSON (owned) */
	size_t raw_len;
	bool raw_out;		/* a 2xx body is written as is */
	const char *out_file;	/* ... to this file (0600), else stdout */
};

static const char admin_help[] =
    "usage: stadspas admin [--url URL] [--ca FILE] [--token-file FILE]\n"
    "                      [--json] <subcommand> ...\n"
    "\n"
    "Talks to stadspas-issuerd's admin API over HTTPS.\n"
    "\n"
    "  --url URL          the daemon, https://HOST[:PORT] (default\n"
    "                     $STADSPAS_URL, else " DEFAULT_URL ")\n"
    "  --ca FILE          trust this PEM certificate (e.g. the daemon's\n"
    "                     <data-dir>/tls/cert.pem); default: system store\n"
    "  --token-file FILE  the admin or auditor token (the file must not be\n"
    "                     readable by group or others); default: the\n"
    "                     environment variable STADSPAS_ADMIN_TOKEN\n"
    "  --json             print the daemon's JSON answer\n"
    "\n"
    "subcommands:\n"
    "  resident add --name N --birth-year Y [--household N]\n"
    "               [--category C]...\n"
    "  resident show ID\n"
    "  resident code ID\n"
    "  resident revoke|suspend|reinstate ID --reason N\n"
    "  provider add --name N [--till-key HEXFILE]...\n"
    "  offer add --provider P --title T --category C [--requires CLAIM]...\n"
    "            [--limit COUNT/PERIOD] --amount-cents N\n"
    "  catalogue publish\n"
    "  token add --role admin|auditor [--label L]\n"
    "  token revoke ID\n"
    "  renewal start --valid-from T --valid-until T\n"
    "  renewal status JOB\n"
    "  audit [--after N] [--limit M]\n"
    "  keys [list]\n"
    "  keys rotate\n"
    "  keys remove KID\n"
    "  settle import FILE\n"
    "  settle report [--provider P] [--from T] [--to T] [--csv]\n"
    "  settle evidence TILL8 SEQ [--out FILE]\n"
    "\n"
    "Each takes --help. Exit codes: 0 done, 1 the daemon refused (its\n"
    "error token and message are printed), 2 usage error, 3 cannot\n"
    "connect or TLS failure.\n"
    "\n"
    "example:\n"
    "  export STADSPAS_URL=https://127.0.0.1:8443\n"
    "  stadspas admin --ca data/tls/cert.pem --token-file admin.token \\\n"
    "      resident add --name 'A. de Vries' --birth-year 1961 \\\n"
    "      --category sport\n";

static const char resident_help[] =
    "usage: stadspas admin [global options] resident add --name N\n"
    "           --birth-year Y [--household N] [--category C]...\n"
    "       stadspas admin [global options] resident show ID\n"
    "       stadspas admin [global options] resident code ID\n"
    "       stadspas admin [global options] resident revoke|suspend|"
    "reinstate ID\n"
    "           --reason N\n"
    "\n"
    "  add        enrol a resident (at most 6 categories, [a-z0-9_-]);\n"
    "             prints the resident id and pass number\n"
    "  show       the resident's record, status and pass copies\n"
    "  code       a new single-use enrolment code for the wallet\n"
    "  revoke     revoke every copy (final); suspend / reinstate copies\n"
    "  --reason N a reason code 0..65535 for the status log\n"
    "\n"
    "examples:\n"
    "  stadspas admin resident add --name 'A. de Vries' --birth-year 1961 \\\n"
    "      --household 2 --category sport --category culture\n"
    "  stadspas admin resident code r1\n"
    "  stadspas admin resident suspend r1 --reason 3\n";

static const char provider_help[] =
    "usage: stadspas admin [global options] provider add --name N\n"
    "           [--till-key HEXFILE]...\n"
    "\n"
    "Registers a provider. Each HEXFILE holds the hex of one till\n"
    "COSE_Key (at most 16). Prints the provider id.\n"
    "\n"
    "example:\n"
    "  stadspas admin provider add --name 'Zwembad De Hoeven' "
    "--till-key till1.hex\n";

static const char offer_help[] =
    "usage: stadspas admin [global options] offer add --provider P\n"
    "           --title T --category C [--requires CLAIM]...\n"
    "           [--limit COUNT/PERIOD] --amount-cents N\n"
    "\n"
    "Adds an offer; it reaches tills with the next `catalogue publish`.\n"
    "  CLAIM   pass_no, name, birth_year, age_under_12, age_under_18,\n"
    "          age_over_65, category, household_size\n"
    "  PERIOD  year, month, week or day (e.g. --limit 10/year)\n"
    "\n"
    "example:\n"
    "  stadspas admin offer add --provider p1 --title 'Swim 10x' \\\n"
    "      --category sport --requires category --limit 10/year "
    "--amount-cents 350\n";

static const char catalogue_help[] =
    "usage: stadspas admin [global options] catalogue publish\n"
    "\n"
    "Signs every provider and offer into a new catalogue version.\n"
    "\n"
    "example:\n"
    "  stadspas admin catalogue publish\n";

static const char token_help[] =
    "usage: stadspas admin [global options] token add --role admin|auditor\n"
    "           [--label L]\n"
    "       stadspas admin [global options] token revoke ID\n"
    "\n"
    "  add     creates an admin token; the new token is printed once:\n"
    "          store it in a file with mode 0600\n"
    "  revoke  revokes the token with id ID (its first 8 hex characters,\n"
    "          as `token add` printed it); the last live admin token\n"
    "          cannot be revoked\n"
    "\n"
    "examples:\n"
    "  stadspas admin --json token add --role auditor --label audit-2026\n"
    "  stadspas admin token revoke 3f9a06c1\n";

static const char renewal_help[] =
    "usage: stadspas admin [global options] renewal start --valid-from T\n"
    "           --valid-until T\n"
    "       stadspas admin [global options] renewal status JOB\n"
    "\n"
    "  start   a bulk renewal job over every resident: the validity\n"
    "          window [valid-from, valid-until); T is Unix seconds or a\n"
    "          date YYYY-MM-DD (00:00 UTC)\n"
    "  status  the job's progress\n"
    "\n"
    "examples:\n"
    "  stadspas admin renewal start --valid-from 2027-01-01 "
    "--valid-until 2028-01-01\n"
    "  stadspas admin renewal status j1\n";

static const char audit_help[] =
    "usage: stadspas admin [global options] audit [--after N] [--limit M]\n"
    "\n"
    "Lists audit entries after seq N (default 0), at most M (1..1000,\n"
    "default 100). Pass the printed 'next' as --after to continue.\n"
    "\n"
    "example:\n"
    "  stadspas admin audit --after 0 --limit 20\n";

static const char settle_help[] =
    "usage: stadspas admin [global options] settle import FILE\n"
    "       stadspas admin [global options] settle report [--provider P]\n"
    "                      [--from T] [--to T] [--csv]\n"
    "       stadspas admin [global options] settle evidence TILL8 SEQ\n"
    "                      [--out FILE]\n"
    "\n"
    "  import    ingests a till's signed ledger batch (`stadspas till\n"
    "            export`), e.g. brought on a stick: the batch signature,\n"
    "            the till registered for its provider, continuity with\n"
    "            what that till sent before, then every record is checked.\n"
    "            Re-importing a batch changes nothing\n"
    "  report    what to reimburse per provider over record times\n"
    "            [from, to) (Unix seconds or YYYY-MM-DD): paid records and\n"
    "            amount, every record's reason; JSON, or CSV with --csv\n"
    "  evidence  the stored presentation (CBOR) of a flagged record\n"
    "            (over_limit, counter_reuse): per-resident detail, so the\n"
    "            request is audited; admin token only\n"
    "\n"
    "example:\n"
    "  stadspas admin settle import till1-batch.cbor\n"
    "  stadspas admin settle report --provider p1 --from 2026-01-01 \\\n"
    "      --to 2026-02-01 --csv > p1-2026-01.csv\n"
    "  stadspas admin settle evidence 3f9a06c1 12 --out evidence.cbor\n";

static const char keys_help[] =
    "usage: stadspas admin [global options] keys [list]\n"
    "       stadspas admin [global options] keys rotate\n"
    "       stadspas admin [global options] keys remove KID\n"
    "\n"
    "  list     the published issuer keys: kid, fingerprint (SHA-256 of\n"
    "           the COSE_Key; tills pin it at 'stadspas till init'),\n"
    "           which one is current, and the trust list version\n"
    "  rotate   makes a fresh signing key current; the old key signs the\n"
    "           trust list version that adds it, its public key stays\n"
    "           published so passes it signed keep verifying\n"
    "  remove   distrusts an old key (8 hex characters): a trust list\n"
    "           version without it; tills refuse the passes it signed.\n"
    "           The current key cannot be removed (rotate first)\n"
    "\n"
    "example:\n"
    "  stadspas admin keys\n"
    "  stadspas admin keys rotate\n"
    "  stadspas admin keys remove 06c3b3e2\n";


/* Unix seconds or YYYY-MM-DD (UTC midnight). */
static int
parse_time(const char *opt, const char *s, long long *out)
{
	struct tm tm;
	const char *e;
	time_t t;

	if (strchr(s, '-') == NULL)
		return cli_parse_int(PROG, opt, s, 0, INT64_MAX, out);
	memset(&tm, 0, sizeof(tm));
	e = strptime(s, "%Y-%m-%d", &tm);
	if (e == NULL || *e != '\0')
		return cli_usage_error(PROG,
		    "bad %s '%s': want Unix seconds or "
		    "YYYY-MM-DD", opt, s);
	t = timegm(&tm);
	if (t < 0)
		return cli_usage_error(PROG,
		    "bad %s '%s': before 1970", opt, s);
	*out = (long long)t;
	return 0;
}

/* An id for a path: letters and digits only (the daemon checks the rest). */
static int
check_id(const char *what, const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 64)
		return cli_usage_error(PROG, "bad %s '%s'", what, s);
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9')))
			return cli_usage_error(PROG,
			    "bad %s '%s': letters and digits "
			    "only", what, s);
	return 0;
}

/* Reads the whole (small) file; strips surrounding whitespace. */
static int
read_small(const char *path, int fd, char *buf, size_t cap, const char *what)
{
	size_t n = 0, i;

	for (;;) {
		ssize_t r;

		if (n == cap)
			return cli_usage_error(PROG,
			    "%s '%s' is too long", what, path);
		r = read(fd, buf + n, cap - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return cli_usage_error(PROG,
			    "cannot read %s '%s': %s", what,
			    path, strerror(errno));
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' ||
	    buf[n - 1] == ' ' || buf[n - 1] == '\t'))
		n--;
	for (i = 0; i < n && (buf[i] == ' ' || buf[i] == '\t' ||
	    buf[i] == '\n'); i++)
		;
	memmove(buf, buf + i, n - i);
	buf[n - i] = '\0';
	return 0;
}

static int
load_token(struct admin_ctx *c)
{
	char buf[TOKEN_MAX + 2];
	size_t i;

	if (c->token_file != NULL) {
		struct stat sb;
		int rc, fd = open(c->token_file,
		    O_RDONLY | O_CLOEXEC | O_NOCTTY);

		if (fd < 0)
			return cli_usage_error(PROG,
			    "cannot open token file '%s': %s",
			    c->token_file, strerror(errno));
		if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
			close(fd);
			return cli_usage_error(PROG,
			    "token file '%s' is not a regular "
			    "file", c->token_file);
		}
		if ((sb.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
			close(fd);
			return cli_usage_error(PROG,
			    "refusing token file '%s': mode "
			    "%04o lets group or others read it (chmod 600)",
			    c->token_file, (unsigned)(sb.st_mode & 07777));
		}
		rc = read_small(c->token_file, fd, buf, sizeof(buf) - 1,
		    "token file");
		close(fd);
		if (rc != 0)
			return rc;
	} else {
		const char *env = getenv("STADSPAS_ADMIN_TOKEN");

		if (env == NULL || *env == '\0')
			return cli_usage_error(PROG,
			    "no token: give --token-file FILE "
			    "or set STADSPAS_ADMIN_TOKEN");
		if (strlen(env) > TOKEN_MAX)
			return cli_usage_error(PROG,
			    "STADSPAS_ADMIN_TOKEN is too long");
		memcpy(buf, env, strlen(env) + 1);
	}
	for (i = 0; buf[i] != '\0'; i++)
		if (buf[i] <= ' ' || buf[i] > '~') {
			explicit_bzero(buf, sizeof(buf));
			return cli_usage_error(PROG,
			    "the token contains a space or "
			    "control character");
		}
	if (i == 0)
		return cli_usage_error(PROG, "the token is empty");
	memcpy(c->token, buf, i + 1);
	explicit_bzero(buf, sizeof(buf));
	return 0;
}

/* ---- output ---- */

static void
print_scalar(FILE *f, const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_STRING:
		fputs(json_string_value(v), f);
		break;
	case JSON_INTEGER:
		fprintf(f, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		fprintf(f, "%g", json_real_value(v));
		break;
	case JSON_TRUE:
		fputs("true", f);
		break;
	case JSON_FALSE:
		fputs("false", f);
		break;
	default:
		fputs("null", f);
		break;
	}
}

static bool
is_scalar(const json_t *v)
{
	return !json_is_object(v) && !json_is_array(v);
}

/* "key: value" lines; nested objects as key.sub, arrays of objects as
 * key[i].sub, arrays of scalars joined by ", ". */
static void
print_flat(const char *prefix, json_t *v)
{
	json_t *e;
	char name[256];

	if (json_is_object(v)) {
		const char *k;

		json_object_foreach(v, k, e) {
			snprintf(name, sizeof(name), "%s%s%s", prefix,
			    *prefix != '\0' ? "." : "", k);
			print_flat(name, e);
		}
		return;
	}
	if (json_is_array(v)) {
		size_t i;
		bool scalars = true;

		json_array_foreach(v, i, e)
			if (!is_scalar(e))
				scalars = false;
		if (scalars) {
			snprintf(name, sizeof(name), "%s:", prefix);
			printf("%-16s ", name);
			json_array_foreach(v, i, e) {
				if (i > 0)
					fputs(", ", stdout);
				print_scalar(stdout, e);
			}
			if (json_array_size(v) == 0)
				fputs("(none)", stdout);
			putchar('\n');
			return;
		}
		json_array_foreach(v, i, e) {
			snprintf(name, sizeof(name), "%s[%zu]", prefix, i);
			print_flat(name, e);
		}
		return;
	}
	snprintf(name, sizeof(name), "%s:", prefix);
	printf("%-16s ", name);
	print_scalar(stdout, v);
	putchar('\n');
}

static const char *
str_or(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "?";
}

static void
print_audit(const json_t *o)
{
	const json_t *entries = json_object_get(o, "entries"), *e;
	size_t i;

	printf("%-6s %-20s %-10s %-20s %s\n", "seq", "time", "who", "action",
	    "target");
	json_array_foreach(entries, i, e) {
		char when[32] = "?";
		const json_t *t = json_object_get(e, "time");
		time_t tt;
		struct tm tm;

		if (json_is_integer(t)) {
			tt = (time_t)json_integer_value(t);
			if (gmtime_r(&tt, &tm) != NULL)
				strftime(when, sizeof(when),
				    "%Y-%m-%dT%H:%M:%SZ", &tm);
		}
		printf("%-6" JSON_INTEGER_FORMAT " %-20s %-10s %-20s %s\n",
		    json_integer_value(json_object_get(e, "seq")), when,
		    str_or(e, "who"), str_or(e, "action"), str_or(e, "target"));
	}
	printf("%-16s %" JSON_INTEGER_FORMAT "\n", "next:",
	    json_integer_value(json_object_get(o, "next")));
}

static void
print_keys(const json_t *o)
{
	const json_t *keys = json_object_get(o, "keys"), *k;
	size_t i;

	printf("%-8s  %-64s  %s\n", "kid", "fingerprint", "current");
	json_array_foreach(keys, i, k)
		printf("%-8s  %-64s  %s\n", str_or(k, "kid"),
		    str_or(k, "fingerprint"),
		    json_is_true(json_object_get(k, "current")) ? "yes" : "");
	printf("%-16s %" JSON_INTEGER_FORMAT "\n", "trust_version:",
	    json_integer_value(json_object_get(o, "trust_version")));
}

/* Writes a raw answer to path (created 0600: evidence is per-resident
 * detail) or, with path NULL, to stdout. */
static int
write_out(const char *path, const char *p, size_t n)
{
	FILE *f = stdout;
	bool bad;
	int fd;

	if (path != NULL) {
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
		    O_NOCTTY, 0600);
		if (fd < 0 || (f = fdopen(fd, "wb")) == NULL) {
			fprintf(stderr, PROG ": cannot write '%s': %s\n",
			    path, strerror(errno));
			if (fd >= 0)
				close(fd);
			return CLI_USAGE;
		}
	}
	bad = n > 0 && fwrite(p, 1, n, f) != n;
	if ((path != NULL ? fclose(f) : fflush(f)) != 0)
		bad = true;
	if (bad) {
		fprintf(stderr, PROG ": cannot write '%s': %s\n",
		    path != NULL ? path : "stdout", strerror(errno));
		return CLI_FAIL;
	}
	return CLI_OK;
}

static int
perform(struct admin_ctx *c, struct admin_call *call)
{
	struct cli_http_req req;
	struct cli_http_resp resp;
	json_error_t jerr;
	json_t *ans;
	char *body = NULL;
	int rc, ret;

	memset(&req, 0, sizeof(req));
	req.url = c->url;
	req.ca_file = c->ca;
	req.method = call->method;
	req.path = call->path;
	req.bearer = c->token;
	if (call->raw != NULL) {
		req.body = call->raw;
		req.body_len = call->raw_len;
		req.content_type = "application/cbor";
	} else if (call->body != NULL) {
		body = json_dumps(call->body, JSON_COMPACT);
		if (body == NULL) {
			fprintf(stderr, PROG ": out of memory\n");
			return CLI_FAIL;
		}
		req.body = (const unsigned char *)body;
		req.body_len = strlen(body);
		req.content_type = "application/json";
	}
	rc = cli_http(&req, &resp);
	free(body);
	if (rc != CLI_HTTP_OK) {
		fprintf(stderr, PROG ": %s%s: %s\n", c->url, call->path,
		    resp.error);
		if (strstr(resp.error, "SSL") != NULL ||
		    strstr(resp.error, "tls") != NULL)
			fprintf(stderr, PROG ": TLS handshake failed: is the "
			    "daemon's certificate trusted? (--ca FILE)\n");
		cli_http_resp_free(&resp);
		return rc == CLI_HTTP_EARG ? CLI_USAGE : CLI_NOCONN;
	}
	if (call->raw_out && resp.status >= 200 && resp.status <= 299) {
		ret = write_out(call->out_file, resp.body, resp.body_len);
		cli_http_resp_free(&resp);
		return ret;
	}
	ans = json_loadb(resp.body != NULL ? resp.body : "", resp.body_len,
	    0, &jerr);
	if (resp.status < 200 || resp.status > 299) {
		const char *tok = json_string_value(json_object_get(ans,
		    "error"));
		const char *msg = json_string_value(json_object_get(ans,
		    "message"));

		fprintf(stderr, PROG ": the daemon refused (HTTP %d): %s: %s\n",
		    resp.status, tok != NULL ? tok : "?",
		    msg != NULL ? msg : "(no message)");
		if (c->json && ans != NULL) {
			json_dumpf(ans, stdout, JSON_INDENT(2) |
			    JSON_PRESERVE_ORDER);
			putchar('\n');
		}
		ret = CLI_FAIL;
	} else if (ans == NULL) {
		fprintf(stderr, PROG ": HTTP %d with a body that is not JSON: "
		    "%s\n", resp.status, jerr.text);
		ret = CLI_FAIL;
	} else {
		if (c->json) {
			json_dumpf(ans, stdout, JSON_INDENT(2) |
			    JSON_PRESERVE_ORDER);
			putchar('\n');
		} else if (call->audit_table) {
			print_audit(ans);
		} else if (call->keys_table) {
			print_keys(ans);
		} else {
			print_flat("", ans);
		}
		ret = CLI_OK;
	}
	json_decref(ans);
	cli_http_resp_free(&resp);
	return ret;
}

/* ---- subcommands: each fills *call or returns a usage error ---- */

enum {
	O_HELP = 'h', O_JSON = 1000, O_NAME, O_BIRTH, O_HOUSE, O_CAT,
	O_REASON, O_TILLKEY, O_PROVIDER, O_TITLE, O_REQUIRES, O_LIMIT,
	O_AMOUNT, O_ROLE, O_LABEL, O_FROM, O_UNTIL, O_AFTER, O_SFROM, O_STO,
	O_CSV, O_OUT,
};

static const struct option sub_opts[] = {
	{ "help", no_argument, NULL, O_HELP },
	{ "json", no_argument, NULL, O_JSON },
	{ "name", required_argument, NULL, O_NAME },
	{ "birth-year", required_argument, NULL, O_BIRTH },
	{ "household", required_argument, NULL, O_HOUSE },
	{ "category", required_argument, NULL, O_CAT },
	{ "reason", required_argument, NULL, O_REASON },
	{ "till-key", required_argument, NULL, O_TILLKEY },
	{ "provider", required_argument, NULL, O_PROVIDER },
	{ "title", required_argument, NULL, O_TITLE },
	{ "requires", required_argument, NULL, O_REQUIRES },
	{ "limit", required_argument, NULL, O_LIMIT },
	{ "amount-cents", required_argument, NULL, O_AMOUNT },
	{ "role", required_argument, NULL, O_ROLE },
	{ "label", required_argument, NULL, O_LABEL },
	{ "valid-from", required_argument, NULL, O_FROM },
	{ "valid-until", required_argument, NULL, O_UNTIL },
	{ "after", required_argument, NULL, O_AFTER },
	{ "from", required_argument, NULL, O_SFROM },
	{ "to", required_argument, NULL, O_STO },
	{ "csv", no_argument, NULL, O_CSV },
	{ "out", required_argument, NULL, O_OUT },
	{ NULL, 0, NULL, 0 },
};

/* Parsed options of one subcommand; which ones it accepts is `allowed`. */
struct sub_args {
	const char *name, *provider, *title, *category, *role, *label;
	const char *limit;
	long long birth, house, reason, amount, from, until, after;
	long long sfrom, sto;
	bool has_birth, has_house, has_reason, has_amount, has_from;
	bool has_until, has_after, has_sfrom, has_sto, csv;
	const char *out;
	json_t *cats, *keys, *requires;
	const char *pos[2];
	int npos;
};

static int
add_till_key(json_t *arr, const char *path)
{
	char buf[TILL_KEY_MAX + 1];
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return cli_usage_error(PROG,
		    "cannot open till key file '%s': %s", path,
		    strerror(errno));
	rc = read_small(path, fd, buf, sizeof(buf) - 1, "till key file");
	close(fd);
	if (rc != 0)
		return rc;
	if (buf[0] == '\0' || buf[strspn(buf, "0123456789abcdefABCDEF")] !=
	    '\0')
		return cli_usage_error(PROG,
		    "till key file '%s' does not hold one hex "
		    "string", path);
	json_array_append_new(arr, json_string(buf));
	return 0;
}

/* `allowed` lists the option codes this subcommand takes (0-terminated). */
static int
parse_sub(int argc, char **argv, const int *allowed, const char *help,
    struct admin_ctx *c, struct sub_args *a)
{
	int ch, i, idx, rc = 0;
	bool ok;

	optind = 0;
	opterr = 0;
	while (rc == 0 && (idx = -1, ch = getopt_long(argc, argv, ":h",
	    sub_opts, &idx)) != -1) {
		if (ch == ':')
			return cli_usage_error(PROG,
			    "option '%s' needs an argument",
			    argv[optind - 1]);
		if (ch == '?')
			return cli_usage_error(PROG, "unknown option '%s'",
			    argv[optind - 1]);
		if (ch == O_HELP) {
			fputs(help, stdout);
			return -1;
		}
		if (ch == O_JSON) {
			c->json = true;
			continue;
		}
		ok = false;
		for (i = 0; allowed[i] != 0; i++)
			if (allowed[i] == ch)
				ok = true;
		if (!ok)
			return cli_usage_error(PROG,
			    "option '--%s' does not apply to "
			    "'%s'", idx >= 0 ? sub_opts[idx].name : "?",
			    argv[0]);
		switch (ch) {
		case O_NAME: a->name = optarg; break;
		case O_PROVIDER: a->provider = optarg; break;
		case O_TITLE: a->title = optarg; break;
		case O_ROLE: a->role = optarg; break;
		case O_LABEL: a->label = optarg; break;
		case O_LIMIT: a->limit = optarg; break;
		case O_CAT:
			if (a->category != NULL && a->cats == NULL)
				return cli_usage_error(PROG,
				    "give --category once");
			a->category = optarg;
			if (a->cats != NULL)
				json_array_append_new(a->cats,
				    json_string(optarg));
			break;
		case O_REQUIRES:
			json_array_append_new(a->requires, json_string(optarg));
			break;
		case O_TILLKEY:
			rc = add_till_key(a->keys, optarg);
			break;
		case O_BIRTH:
			a->has_birth = true;
			rc = cli_parse_int(PROG,
			    "--birth-year", optarg, 0, 9999,
			    &a->birth);
			break;
		case O_HOUSE:
			a->has_house = true;
			rc = cli_parse_int(PROG,
			    "--household", optarg, 1, 99, &a->house);
			break;
		case O_REASON:
			a->has_reason = true;
			rc = cli_parse_int(PROG,
			    "--reason", optarg, 0, 65535, &a->reason);
			break;
		case O_AMOUNT:
			a->has_amount = true;
			rc = cli_parse_int(PROG,
			    "--amount-cents", optarg, 0, 100000000,
			    &a->amount);
			break;
		case O_FROM:
			a->has_from = true;
			rc = parse_time("--valid-from", optarg, &a->from);
			break;
		case O_UNTIL:
			a->has_until = true;
			rc = parse_time("--valid-until", optarg, &a->until);
			break;
		case O_SFROM:
			a->has_sfrom = true;
			rc = parse_time("--from", optarg, &a->sfrom);
			break;
		case O_STO:
			a->has_sto = true;
			rc = parse_time("--to", optarg, &a->sto);
			break;
		case O_CSV: a->csv = true; break;
		case O_OUT: a->out = optarg; break;
		case O_AFTER:
			a->has_after = true;
			rc = cli_parse_int(PROG,
			    "--after", optarg, 0, INT64_MAX,
			    &a->after);
			break;
		default:
			break;
		}
	}
	if (rc != 0)
		return rc;
	while (optind < argc) {
		if (a->npos == 2)
			return cli_usage_error(PROG, "unexpected argument '%s'",
			    argv[optind]);
		a->pos[a->npos++] = argv[optind++];
	}
	return 0;
}

static int
need(bool have, const char *opt, const char *cmd)
{
	if (!have)
		return cli_usage_error(PROG, "'%s' needs %s", cmd, opt);
	return 0;
}

static int
build_resident(struct sub_args *a, const char *verb, struct admin_call *call,
    int argc, char **argv, struct admin_ctx *c)
{
	static const int add_opts[] = { O_NAME, O_BIRTH, O_HOUSE, O_CAT, 0 };
	static const int reason_opts[] = { O_REASON, 0 };
	static const int none[] = { 0 };
	int rc;

	if (strcmp(verb, "add") == 0) {
		a->cats = json_array();
		rc = parse_sub(argc, argv, add_opts, resident_help, c, a);
		if (rc != 0)
			return rc;
		if ((rc = need(a->name != NULL, "--name", "resident add")) ||
		    (rc = need(a->has_birth, "--birth-year", "resident add")))
			return rc;
		if (a->npos > 0)
			return cli_usage_error(PROG, "unexpected argument '%s'",
			    a->pos[0]);
		call->method = "POST";
		snprintf(call->path, sizeof(call->path), "/admin/residents");
		call->body = json_pack("{s:s, s:I, s:O}", "name", a->name,
		    "birth_year", (json_int_t)a->birth, "categories", a->cats);
		if (call->body != NULL && a->has_house)
			json_object_set_new(call->body, "household_size",
			    json_integer((json_int_t)a->house));
		return 0;
	}
	if (strcmp(verb, "show") == 0 || strcmp(verb, "code") == 0) {
		rc = parse_sub(argc, argv, none, resident_help, c, a);
		if (rc != 0)
			return rc;
	} else if (strcmp(verb, "revoke") == 0 ||
	    strcmp(verb, "suspend") == 0 || strcmp(verb, "reinstate") == 0) {
		rc = parse_sub(argc, argv, reason_opts, resident_help, c, a);
		if (rc != 0)
			return rc;
		if ((rc = need(a->has_reason, "--reason N", argv[0])))
			return rc;
	} else {
		return cli_usage_error(PROG,
		    "unknown resident subcommand '%s'", verb);
	}
	if (a->npos != 1)
		return cli_usage_error(PROG,
		    "'resident %s' needs one resident ID "
		    "(e.g. r1)", verb);
	if ((rc = check_id("resident ID", a->pos[0])))
		return rc;
	if (strcmp(verb, "show") == 0) {
		call->method = "GET";
		snprintf(call->path, sizeof(call->path), "/admin/residents/%s",
		    a->pos[0]);
		return 0;
	}
	call->method = "POST";
	snprintf(call->path, sizeof(call->path), "/admin/residents/%s/%s",
	    a->pos[0], verb);
	call->body = strcmp(verb, "code") == 0 ? json_object() :
	    json_pack("{s:I}", "reason", (json_int_t)a->reason);
	return 0;
}

static int
build_offer(struct sub_args *a, struct admin_call *call)
{
	int rc;

	if ((rc = need(a->provider != NULL, "--provider P", "offer add")) ||
	    (rc = need(a->title != NULL, "--title T", "offer add")) ||
	    (rc = need(a->category != NULL, "--category C", "offer add")) ||
	    (rc = need(a->has_amount, "--amount-cents N", "offer add")))
		return rc;
	call->method = "POST";
	snprintf(call->path, sizeof(call->path), "/admin/offers");
	call->body = json_pack("{s:s, s:s, s:s, s:O, s:I}", "provider",
	    a->provider, "title", a->title, "category", a->category,
	    "requires", a->requires, "amount_cents", (json_int_t)a->amount);
	if (a->limit != NULL) {
		const char *slash = strchr(a->limit, '/');
		char num[32];
		long long count;
		size_t n = slash != NULL ? (size_t)(slash - a->limit) : 0;
		if (slash == NULL || n == 0 || n >= sizeof(num) ||
		    slash[1] == '\0')
			return cli_usage_error(PROG,
			    "bad --limit '%s': want COUNT/PERIOD "
			    "(e.g. 10/year)", a->limit);
		memcpy(num, a->limit, n);
		num[n] = '\0';
		if ((rc = cli_parse_int(PROG,
		    "--limit count", num, 1, 1000, &count)))
			return rc;
		if (call->body != NULL)
			json_object_set_new(call->body, "limit",
			    json_pack("{s:I, s:s}", "count",
			    (json_int_t)count, "period", slash + 1));
	}
	return 0;
}

/* Builds the request for argv = <group> <verb> [args]; usage errors are
 * printed here. Returns 0, CLI_USAGE, or -1 after --help. */
#define BATCH_MAX (8u * 1024u * 1024u)	/* the daemon's upload limit */

/* Reads a whole batch file (at most BATCH_MAX bytes) into call->raw. */
static int
read_batch(const char *path, struct admin_call *call)
{
	struct stat st;
	ssize_t k;
	size_t n = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_size <= 0 || (uintmax_t)st.st_size > BATCH_MAX) {
		if (fd >= 0)
			close(fd);
		return cli_usage_error(PROG,
		    "cannot read batch file '%s': %s", path,
		    fd < 0 ? strerror(errno) : "not a regular file of 1 byte "
		    "to 8 MiB");
	}
	if ((call->raw = malloc((size_t)st.st_size)) == NULL) {
		close(fd);
		fprintf(stderr, PROG ": out of memory\n");
		return CLI_FAIL;
	}
	while (n < (size_t)st.st_size &&
	    (k = read(fd, call->raw + n, (size_t)st.st_size - n)) > 0)
		n += (size_t)k;
	close(fd);
	if (n != (size_t)st.st_size)
		return cli_usage_error(PROG,
		    "cannot read batch file '%s'", path);
	call->raw_len = n;
	return 0;
}

/* An 8 hex till prefix and a decimal seq, for the evidence path. */
static int
check_evidence(const char *till8, const char *seq)
{
	if (strlen(till8) != 8 || till8[strspn(till8, "0123456789abcdef")] !=
	    '\0')
		return cli_usage_error(PROG, "bad TILL8 '%s': 8 lowercase hex "
		    "characters, as the report prints", till8);
	if (seq[0] < '1' || seq[0] > '9' || strlen(seq) > 15 ||
	    seq[strspn(seq, "0123456789")] != '\0')
		return cli_usage_error(PROG, "bad SEQ '%s'", seq);
	return 0;
}

static int
build_settle(int argc, char **argv, struct admin_ctx *c, struct sub_args *a,
    struct admin_call *call)
{
	static const int none[] = { 0 };
	static const int report_opts[] = { O_PROVIDER, O_SFROM, O_STO, O_CSV,
	    0 };
	static const int ev_opts[] = { O_OUT, 0 };
	const char *verb;
	size_t n;
	int rc;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		fputs(settle_help, argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_USAGE : -1;
	}
	verb = argv[1];
	argc--;
	argv++;
	if (strcmp(verb, "import") == 0) {
		if ((rc = parse_sub(argc, argv, none, settle_help, c, a)))
			return rc;
		if (a->npos != 1)
			return cli_usage_error(PROG,
			    "'settle import' needs one FILE");
		call->method = "POST";
		snprintf(call->path, sizeof(call->path),
		    "/admin/settlement/import");
		return read_batch(a->pos[0], call);
	}
	if (strcmp(verb, "report") == 0) {
		if ((rc = parse_sub(argc, argv, report_opts, settle_help, c,
		    a)))
			return rc;
		if (a->npos > 0)
			return cli_usage_error(PROG, "unexpected argument '%s'",
			    a->pos[0]);
		if (a->provider != NULL && (rc = check_id("--provider",
		    a->provider)))
			return rc;
		call->method = "GET";
		call->raw_out = true;
		n = (size_t)snprintf(call->path, sizeof(call->path),
		    "/admin/settlement/report?format=%s",
		    a->csv ? "csv" : "json");
		if (a->provider != NULL)
			n += (size_t)snprintf(call->path + n,
			    sizeof(call->path) - n, "&provider=%s",
			    a->provider);
		if (a->has_sfrom)
			n += (size_t)snprintf(call->path + n,
			    sizeof(call->path) - n, "&from=%lld", a->sfrom);
		if (a->has_sto)
			(void)snprintf(call->path + n, sizeof(call->path) - n,
			    "&to=%lld", a->sto);
		return 0;
	}
	if (strcmp(verb, "evidence") == 0) {
		if ((rc = parse_sub(argc, argv, ev_opts, settle_help, c, a)))
			return rc;
		if (a->npos != 2)
			return cli_usage_error(PROG,
			    "'settle evidence' needs TILL8 SEQ");
		if ((rc = check_evidence(a->pos[0], a->pos[1])))
			return rc;
		call->method = "GET";
		call->raw_out = true;
		call->out_file = a->out;
		snprintf(call->path, sizeof(call->path),
		    "/admin/settlement/evidence/%s/%s", a->pos[0], a->pos[1]);
		return 0;
	}
	return cli_usage_error(PROG, "unknown settle subcommand '%s'", verb);
}

static int
build(int argc, char **argv, struct admin_ctx *c, struct sub_args *a,
    struct admin_call *call)
{
	static const int none[] = { 0 };
	static const int prov_opts[] = { O_NAME, O_TILLKEY, 0 };
	static const int offer_opts[] = { O_PROVIDER, O_TITLE, O_CAT,
	    O_REQUIRES, O_LIMIT, O_AMOUNT, 0 };
	static const int token_opts[] = { O_ROLE, O_LABEL, 0 };
	static const int ren_opts[] = { O_FROM, O_UNTIL, 0 };
	static const int audit_opts[] = { O_AFTER, O_LIMIT, 0 };
	const char *g = argv[0], *verb;
	const char *help;
	long long lim = 0;
	int rc;

	if (strcmp(g, "audit") == 0) {
		rc = parse_sub(argc, argv, audit_opts, audit_help, c, a);
		if (rc != 0)
			return rc;
		if (a->npos > 0)
			return cli_usage_error(PROG, "unexpected argument '%s'",
			    a->pos[0]);
		if (a->limit != NULL &&
		    (rc = cli_parse_int(PROG,
		    "--limit", a->limit, 1, 1000, &lim)))
			return rc;
		call->method = "GET";
		call->audit_table = true;
		snprintf(call->path, sizeof(call->path),
		    "/admin/audit?after=%lld&limit=%lld",
		    a->has_after ? a->after : 0, a->limit != NULL ? lim : 100);
		return 0;
	}
	if (strcmp(g, "settle") == 0)
		return build_settle(argc, argv, c, a, call);
	if (strcmp(g, "resident") == 0)
		help = resident_help;
	else if (strcmp(g, "provider") == 0)
		help = provider_help;
	else if (strcmp(g, "offer") == 0)
		help = offer_help;
	else if (strcmp(g, "catalogue") == 0)
		help = catalogue_help;
	else if (strcmp(g, "token") == 0)
		help = token_help;
	else if (strcmp(g, "renewal") == 0)
		help = renewal_help;
	else if (strcmp(g, "keys") == 0)
		help = keys_help;
	else
		return cli_usage_error(PROG, "unknown subcommand '%s'", g);
	if (strcmp(g, "keys") == 0 && (argc < 2 || argv[1][0] == '-' ||
	    strcmp(argv[1], "list") == 0) && !(argc >= 2 &&
	    (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))) {
		if (argc >= 2 && strcmp(argv[1], "list") == 0) {
			argc--;
			argv++;
		}
		if ((rc = parse_sub(argc, argv, none, help, c, a)))
			return rc;
		if (a->npos > 0)
			return cli_usage_error(PROG, "unexpected argument '%s'",
			    a->pos[0]);
		call->method = "GET";
		call->keys_table = true;
		snprintf(call->path, sizeof(call->path), "/admin/keys");
		return 0;
	}
	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		if (argc < 2) {
			fputs(help, stderr);
			return CLI_USAGE;
		}
		fputs(help, stdout);
		return -1;
	}
	verb = argv[1];
	argc--;
	argv++;

	if (strcmp(g, "resident") == 0)
		return build_resident(a, verb, call, argc, argv, c);
	if (strcmp(g, "provider") == 0 && strcmp(verb, "add") == 0) {
		a->keys = json_array();
		if ((rc = parse_sub(argc, argv, prov_opts, help, c, a)))
			return rc;
		if ((rc = need(a->name != NULL, "--name N", "provider add")))
			return rc;
		call->method = "POST";
		snprintf(call->path, sizeof(call->path), "/admin/providers");
		call->body = json_pack("{s:s, s:O}", "name", a->name,
		    "till_keys", a->keys);
	} else if (strcmp(g, "offer") == 0 && strcmp(verb, "add") == 0) {
		a->requires = json_array();
		if ((rc = parse_sub(argc, argv, offer_opts, help, c, a)))
			return rc;
		if ((rc = build_offer(a, call)))
			return rc;
	} else if (strcmp(g, "catalogue") == 0 &&
	    strcmp(verb, "publish") == 0) {
		if ((rc = parse_sub(argc, argv, none, help, c, a)))
			return rc;
		call->method = "POST";
		snprintf(call->path, sizeof(call->path),
		    "/admin/catalogue/publish");
		call->body = json_object();
	} else if (strcmp(g, "keys") == 0 && strcmp(verb, "rotate") == 0) {
		if ((rc = parse_sub(argc, argv, none, help, c, a)))
			return rc;
		call->method = "POST";
		snprintf(call->path, sizeof(call->path), "/admin/keys/rotate");
		call->body = json_object();
	} else if (strcmp(g, "keys") == 0 && strcmp(verb, "remove") == 0) {
		if ((rc = parse_sub(argc, argv, none, help, c, a)))
			return rc;
		if (a->npos != 1)
			return cli_usage_error(PROG,
			    "'keys remove' needs one KID (e.g. "
			    "06c3b3e2)");
		if ((rc = check_id("KID", a->pos[0])))
			return rc;
		call->method = "POST";
		snprintf(call->path, sizeof(call->path),
		    "/admin/keys/%s/remove", a->pos[0]);
		if ((call->body = json_object()) == NULL) {
			fprintf(stderr, PROG ": out of memory\n");
			return CLI_FAIL;
		}
		return 0;
	} else if (strcmp(g, "token") == 0 && strcmp(verb, "add") == 0) {
		if ((rc = parse_sub(argc, argv, token_opts, help, c, a)))
			return rc;
		if ((rc = need(a->role != NULL, "--role admin|auditor",
		    "token add")))
			return rc;
		if (strcmp(a->role, "admin") != 0 &&
		    strcmp(a->role, "auditor") != 0)
			return cli_usage_error(PROG,
			    "bad --role '%s': want admin or "
			    "auditor", a->role);
		call->method = "POST";
		snprintf(call->path, sizeof(call->path), "/admin/tokens");
		call->body = json_pack("{s:s, s:s}", "role", a->role, "label",
		    a->label != NULL ? a->label : "");
	} else if (strcmp(g, "token") == 0 && strcmp(verb, "revoke") == 0) {
		if ((rc = parse_sub(argc, argv, none, help, c, a)))
			return rc;
		if (a->npos != 1)
			return cli_usage_error(PROG,
			    "'token revoke' needs one ID (e.g. "
			    "3f9a06c1)");
		if ((rc = check_id("ID", a->pos[0])))
			return rc;
		call->method = "POST";
		snprintf(call->path, sizeof(call->path),
		    "/admin/tokens/%s/revoke", a->pos[0]);
		if ((call->body = json_object()) == NULL) {
			fprintf(stderr, PROG ": out of memory\n");
			return CLI_FAIL;
		}
		return 0;
	} else if (strcmp(g, "renewal") == 0 && strcmp(verb, "start") == 0) {
		if ((rc = parse_sub(argc, argv, ren_opts, help, c, a)))
			return rc;
		if ((rc = need(a->has_from, "--valid-from T", "renewal start"))
		    || (rc = need(a->has_until, "--valid-until T",
		    "renewal start")))
			return rc;
		call->method = "POST";
		snprintf(call->path, sizeof(call->path), "/admin/renewals");
		call->body = json_pack("{s:I, s:I}", "valid_from",
		    (json_int_t)a->from, "valid_until", (json_int_t)a->until);
	} else if (strcmp(g, "renewal") == 0 && strcmp(verb, "status") == 0) {
		if ((rc = parse_sub(argc, argv, none, help, c, a)))
			return rc;
		if (a->npos != 1)
			return cli_usage_error(PROG,
			    "'renewal status' needs one JOB "
			    "(e.g. j1)");
		if ((rc = check_id("JOB", a->pos[0])))
			return rc;
		call->method = "GET";
		snprintf(call->path, sizeof(call->path), "/admin/renewals/%s",
		    a->pos[0]);
		return 0;
	} else {
		return cli_usage_error(PROG,
		    "unknown %s subcommand '%s'", g, verb);
	}
	if (a->npos > 0)
		return cli_usage_error(PROG,
		    "unexpected argument '%s'", a->pos[0]);
	if (call->body == NULL) {
		fprintf(stderr, PROG ": out of memory\n");
		return CLI_FAIL;
	}
	return 0;
}

/* Global options up to the subcommand; returns its index or < 0. */
static int
parse_global(int argc, char **argv, struct admin_ctx *c, int *ret)
{
	static const struct option opts[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "ca", required_argument, NULL, 'c' },
		{ "token-file", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'u': c->url = optarg; break;
		case 'c': c->ca = optarg; break;
		case 't': c->token_file = optarg; break;
		case 'j': c->json = true; break;
		case 'h':
			fputs(admin_help, stdout);
			*ret = CLI_OK;
			return -1;
		case ':':
			*ret = cli_usage_error(PROG,
			    "option '%s' needs an argument",
			    argv[optind - 1]);
			return -1;
		default:
			*ret = cli_usage_error(PROG, "unknown option '%s'",
			    argv[optind - 1]);
			return -1;
		}
	}
	if (optind >= argc) {
		fputs(admin_help, stderr);
		*ret = CLI_USAGE;
		return -1;
	}
	return optind;
}

int
cmd_admin(int argc, char **argv)
{
	struct admin_ctx c;
	struct admin_call call;
	struct sub_args a;
	int ret = CLI_USAGE, first;

	memset(&c, 0, sizeof(c));
	memset(&call, 0, sizeof(call));
	memset(&a, 0, sizeof(a));
	first = parse_global(argc, argv, &c, &ret);
	if (first < 0)
		return ret;
	if (c.url == NULL)
		c.url = getenv("STADSPAS_URL");
	if (c.url == NULL || *c.url == '\0')
		c.url = DEFAULT_URL;
	if (c.ca != NULL && access(c.ca, R_OK) != 0)
		return cli_usage_error(PROG,
		    "cannot read --ca file '%s': %s", c.ca,
		    strerror(errno));
	ret = build(argc - first, argv + first, &c, &a, &call);
	if (ret == 0) {
		ret = load_token(&c);
		if (ret == 0)
			ret = perform(&c, &call);
	} else if (ret < 0) {
		ret = CLI_OK;
	}
	explicit_bzero(c.token, sizeof(c.token));
	free(call.raw);
	json_decref(call.body);
	json_decref(a.cats);
	json_decref(a.keys);
	json_decref(a.requires);
	return ret;
}
