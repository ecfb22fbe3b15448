/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stadspas-issuerd: the municipality's issuer daemon. Parses options (the
 * command line over an optional key = value config file), makes sure a
 * TLS certificate exists (a self-signed P-256 one for localhost on first
 * start unless --cert/--key are given), opens the handler (api.h) and
 * runs the HTTPS/WebSocket server (http_lws.c) until SIGTERM or SIGINT.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sodium.h>

#include "api.h"
#include "http_lws.h"
#include "json.h"
#include "stadspas/sp_err.h"

#ifndef SP_VERSION
#define SP_VERSION "0.1.0"
#endif

#define PROG "stadspas-issuerd"

/* Exit codes (also in --help). */
#define EXIT_RUN 1		/* could not start, or failed while running */
#define EXIT_USAGE 2		/* bad option or configuration file */

#define CERT_DAYS 730

enum opt_type {
	T_STR,
	T_U32,
	T_SECS,		/* int64 seconds > 0 */
	T_BOOL,		/* a flag on the command line, true/false in files */
};

enum opt_id {
	O_DATA_DIR,
	O_LISTEN,
	O_CERT,
	O_KEY,
	O_ISSUER_NAME,
	O_BASE_URL,
	O_BATCH_SIZE,
	O_CHECKPOINT_INTERVAL,
	O_CODE_TTL,
	O_PASS_VALIDITY,
	O_LIST_CAPACITY,
	O_BODY_TIMEOUT,
	O_DRAIN_TIMEOUT,
	O_MAX_SUBSCRIBERS,
	O_RENEWAL_SLICE,
	O_RENEWAL_THREADS,
	O_RENEWAL_PAUSE,
	O_ADMIN_BOOTSTRAP,
	O_INSECURE_HTTP,
	O_COUNT,
	/* command line only */
	O_CONFIG = 100,
	O_HELP,
	O_VERSION,
};

struct opt_def {
	const char *name;
	enum opt_type type;
	const char *arg;	/* metavariable for --help */
	const char *def;	/* default, for --help */
	const char *help;
	uint64_t min;		/* T_U32, T_SECS: smallest value (>= 1) */
	uint64_t max;		/* T_U32, T_SECS: largest value */
};

static const struct opt_def opt_defs[O_COUNT] = {
	[O_DATA_DIR] = {
		.name = "data-dir",
		.type = T_STR,
		.arg = "DIR",
		.def = "./stadspas-data",
		.help = "state directory (LMDB, keys, tls/), created 0700",
	},
	[O_LISTEN] = {
		.name = "listen",
		.type = T_STR,
		.arg = "ADDR:PORT",
		.def = "127.0.0.1:8443",
		.help = "numeric address and port ([::1]:8443 for IPv6;\n"
		    "\t\t\tport 0 = any free port, logged)",
	},
	[O_CERT] = {
		.name = "cert",
		.type = T_STR,
		.arg = "FILE",
		.def = "<data-dir>/tls/cert.pem",
		.help = "TLS certificate chain (PEM); give --key too",
	},
	[O_KEY] = {
		.name = "key",
		.type = T_STR,
		.arg = "FILE",
		.def = "<data-dir>/tls/key.pem",
		.help = "TLS private key (PEM). Without --cert/--key a\n"
		    "\t\t\tself-signed P-256 certificate for localhost,\n"
		    "\t\t\t127.0.0.1 and ::1 is made on first start and\n"
		    "\t\t\treused afterwards",
	},
	[O_ISSUER_NAME] = {
		.name = "issuer-name",
		.type = T_STR,
		.arg = "NAME",
		.def = "GM0000",
		.help = "issuer name put in passes (e.g. a CBS\n"
		    "\t\t\tmunicipality code)",
	},
	[O_BASE_URL] = {
		.name = "base-url",
		.type = T_STR,
		.arg = "URL",
		.def = "https://localhost:<port>",
		.help = "public URL of this daemon (status list references)",
	},
	[O_BATCH_SIZE] = {
		.name = "batch-size",
		.type = T_U32,
		.arg = "N",
		.def = "10",
		.help = "pass copies per wallet enrolment (at most 64)",
		.max = 64,
	},
	[O_CHECKPOINT_INTERVAL] = {
		.name = "checkpoint-interval",
		.type = T_SECS,
		.arg = "SECONDS",
		.def = "300",
		.help = "how often a registry checkpoint is signed",
		.max = 86400,
	},
	[O_CODE_TTL] = {
		.name = "code-ttl",
		.type = T_SECS,
		.arg = "SECONDS",
		.def = "2592000",
		.help = "lifetime of enrolment codes (30 days)",
		.min = 60,
		.max = 31536000,
	},
	[O_PASS_VALIDITY] = {
		.name = "pass-validity",
		.type = T_SECS,
		.arg = "SECONDS",
		.def = "31536000",
		.help = "validity of issued passes (1 year)",
		.min = 86400,
		.max = 157939200,
	},
	[O_LIST_CAPACITY] = {
		.name = "list-capacity",
		.type = T_U32,
		.arg = "N",
		.def = "16777216",
		.help = "entries per status list",
		.max = UINT32_MAX,
	},
	[O_BODY_TIMEOUT] = {
		.name = "body-timeout",
		.type = T_SECS,
		.arg = "SECONDS",
		.def = "10",
		.help = "drop a client that stalls this long while sending",
		.max = 3600,
	},
	[O_DRAIN_TIMEOUT] = {
		.name = "drain-timeout",
		.type = T_SECS,
		.arg = "SECONDS",
		.def = "10",
		.help = "on SIGTERM, wait at most this long for\n"
		    "\t\t\tin-flight requests",
		.max = 3600,
	},
	[O_MAX_SUBSCRIBERS] = {
		.name = "max-subscribers",
		.type = T_U32,
		.arg = "N",
		.def = "256",
		.help = "WebSocket subscribers to /registry/stream",
		.max = 65536,
	},
	[O_RENEWAL_SLICE] = {
		.name = "renewal-slice",
		.type = T_U32,
		.arg = "N",
		.def = "1000",
		.help = "residents per slice of a bulk renewal (a slice "
		    "also stops at about 4096 signed copies)",
		.max = 1000000,
	},
	[O_RENEWAL_THREADS] = {
		.name = "renewal-threads",
		.type = T_U32,
		.arg = "N",
		.def = "2",
		.help = "threads signing the copies of a bulk renewal",
		.max = 16,
	},
	[O_RENEWAL_PAUSE] = {
		.name = "renewal-pause",
		.type = T_U32,
		.arg = "MS",
		.def = "1",
		.help = "milliseconds between slices of a bulk renewal "
		    "(throttles it)",
		.max = 60000,
	},
	[O_ADMIN_BOOTSTRAP] = {
		.name = "admin-bootstrap",
		.type = T_BOOL,
		.arg = NULL,
		.def = "off",
		.help = "on first start, create an admin token and\n"
		    "\t\t\tprint it once to stderr",
	},
	[O_INSECURE_HTTP] = {
		.name = "insecure-http",
		.type = T_BOOL,
		.arg = NULL,
		.def = "off",
		.help = "serve plain HTTP without TLS. Only on a\n"
		    "\t\t\tloopback address: for tests and benchmarks,\n"
		    "\t\t\tor behind a TLS-terminating proxy on this\n"
		    "\t\t\thost (rate limits then see the proxy's address\n"
		    "\t\t\tfor every client)",
	},
};

struct opts {
	char *str[O_COUNT];		/* owned; NULL = not set */
	uint64_t num[O_COUNT];
	bool set[O_COUNT];
	bool from_cli[O_COUNT];
	char *config;			/* owned */
};

static void
opts_free(struct opts *o)
{
	size_t i;

	for (i = 0; i < O_COUNT; i++)
		free(o->str[i]);
	free(o->config);
}

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f,
	    "usage: " PROG " [options]\n"
	    "\n"
	    "The stadspas issuer daemon: HTTPS (HTTP/1.1 and HTTP/2) API for\n"
	    "administration, wallet issuance and the public registry, plus\n"
	    "the /registry/stream WebSocket (docs/HTTP_API.md).\n"
	    "\n"
	    "options:\n"
	    "  --help\t\tthis text\n"
	    "  --version\t\tprint the version\n"
	    "  --config FILE\t\tread options from FILE: one \"key = value\" a\n"
	    "\t\t\tline, key = a long option without \"--\", '#' comments;\n"
	    "\t\t\tflags take true/false. The command line wins.\n");
	for (i = 0; i < O_COUNT; i++) {
		const struct opt_def *d = &opt_defs[i];
		char left[48];
		int n;

		n = snprintf(left, sizeof(left), "  --%s%s%s", d->name,
		    d->arg != NULL ? " " : "", d->arg != NULL ? d->arg : "");
		fprintf(f, "%s%s%s\n", left, n >= 24 ? "\n\t\t\t" :
		    n >= 16 ? "\t" : "\t\t", d->help);
		fprintf(f, "\t\t\t(default: %s)\n", d->def);
	}
	fprintf(f,
	    "\n"
	    "Logs go to stderr, one logfmt line per request (time, peer,\n"
	    "method, path, status, bytes, duration); never bodies, tokens,\n"
	    "codes or personal data. SIGTERM or SIGINT: stop accepting,\n"
	    "finish in-flight requests, commit, exit 0.\n"
	    "\n"
	    "exit status:\n"
	    "  0  stopped cleanly (SIGTERM/SIGINT), or --help/--version\n"
	    "  1  could not start (data directory, TLS, address in use) or\n"
	    "     failed while running\n"
	    "  2  bad command line or configuration file\n"
	    "\n"
	    "example:\n"
	    "  " PROG " --data-dir /var/lib/stadspas --listen 0.0.0.0:443 \\\n"
	    "      --cert /etc/stadspas/fullchain.pem \\\n"
	    "      --key /etc/stadspas/privkey.pem \\\n"
	    "      --issuer-name GM0014 --base-url https://pas.example.nl\n"
	    "\n"
	    "  the same as a --config file:\n"
	    "    data-dir = /var/lib/stadspas\n"
	    "    listen = 0.0.0.0:443\n"
	    "    cert = /etc/stadspas/fullchain.pem\n"
	    "    key = /etc/stadspas/privkey.pem\n"
	    "    issuer-name = GM0014\n"
	    "    base-url = https://pas.example.nl\n");
}

static bool
parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (s == NULL || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return false;
	*out = v;
	return true;
}

static bool
parse_bool(const char *s, bool *out)
{
	if (strcmp(s, "true") == 0 || strcmp(s, "yes") == 0 ||
	    strcmp(s, "on") == 0 || strcmp(s, "1") == 0)
		*out = true;
	else if (strcmp(s, "false") == 0 || strcmp(s, "no") == 0 ||
	    strcmp(s, "off") == 0 || strcmp(s, "0") == 0)
		*out = false;
	else
		return false;
	return true;
}

/* Sets option id from text; where names the source for messages. */
static bool
opt_apply(struct opts *o, enum opt_id id, const char *val, const char *where)
{
	const struct opt_def *d = &opt_defs[id];
	uint64_t v = 0;
	bool b;
	char *copy;

	switch (d->type) {
	case T_STR:
		if (val[0] == '\0' || strlen(val) > PATH_MAX) {
			fprintf(stderr, PROG ": %s%s: empty or too long "
			    "value\n", where, d->name);
			return false;
		}
		if ((copy = strdup(val)) == NULL) {
			fprintf(stderr, PROG ": out of memory\n");
			return false;
		}
		free(o->str[id]);
		o->str[id] = copy;
		break;
	case T_U32:
	case T_SECS:
		if (!parse_u64(val, d->max, &v) || v < (d->min > 0 ? d->min :
		    1)) {
			fprintf(stderr, PROG ": %s%s: '%s' is not a number%s "
			    "from %" PRIu64 " to %" PRIu64 "\n", where,
			    d->name, val, d->type == T_SECS ? " of seconds" :
			    "", d->min > 0 ? d->min : 1, d->max);
			return false;
		}
		o->num[id] = v;
		break;
	case T_BOOL:
		if (!parse_bool(val, &b)) {
			fprintf(stderr, PROG ": %s%s: '%s' is not "
			    "true or false\n", where, d->name, val);
			return false;
		}
		o->num[id] = b;
		break;
	}
	o->set[id] = true;
	return true;
}

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' ||
	    e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* Reads "key = value" lines; keys already given on the command line are
 * skipped. Returns false after printing the first error. */
static bool
load_config(struct opts *o, const char *path)
{
	char line[PATH_MAX + 128], where[PATH_MAX + 48];
	FILE *f;
	unsigned lineno = 0;
	bool ok = false;

	if ((f = fopen(path, "re")) == NULL) {
		fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
		return false;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *k, *v, *eq;
		size_t i, vl;

		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			fprintf(stderr, PROG ": %s:%u: line too long\n", path,
			    lineno);
			goto out;
		}
		k = trim(line);
		if (*k == '\0' || *k == '#')
			continue;
		if ((eq = strchr(k, '=')) == NULL) {
			fprintf(stderr, PROG ": %s:%u: expected "
			    "\"key = value\"\n", path, lineno);
			goto out;
		}
		*eq = '\0';
		k = trim(k);
		v = trim(eq + 1);
		vl = strlen(v);
		if (vl >= 2 && v[0] == '"' && v[vl - 1] == '"') {
			v[vl - 1] = '\0';
			v++;
		}
		for (i = 0; i < O_COUNT; i++)
			if (strcmp(k, opt_defs[i].name) == 0)
				break;
		if (i == O_COUNT) {
			fprintf(stderr, PROG ": %s:%u: unknown key '%s'\n",
			    path, lineno, k);
			goto out;
		}
		if (o->from_cli[i])
			continue;
		snprintf(where, sizeof(where), "%s:%u: ", path, lineno);
		if (!opt_apply(o, (enum opt_id)i, v, where))
			goto out;
	}
	if (ferror(f)) {
		fprintf(stderr, PROG ": %s: read error\n", path);
		goto out;
	}
	ok = true;
out:
	fclose(f);
	return ok;
}

/* 0 = run, 1 = exit 0 (help/version), -1 = usage error. */
static int
parse_args(struct opts *o, int argc, char **argv)
{
	struct option lo[O_COUNT + 4];
	size_t i;
	int c;

	for (i = 0; i < O_COUNT; i++) {
		lo[i].name = opt_defs[i].name;
		lo[i].has_arg = opt_defs[i].type == T_BOOL ? no_argument :
		    required_argument;
		lo[i].flag = NULL;
		lo[i].val = (int)i;
	}
	lo[i++] = (struct option){ .name = "config",
	    .has_arg = required_argument, .val = O_CONFIG };
	lo[i++] = (struct option){ .name = "help", .val = O_HELP };
	lo[i++] = (struct option){ .name = "version", .val = O_VERSION };
	lo[i] = (struct option){ .name = NULL };

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", lo, NULL)) != -1) {
		if (c == O_HELP) {
			usage(stdout);
			return 1;
		}
		if (c == O_VERSION) {
			printf(PROG " " SP_VERSION "\n");
			return 1;
		}
		if (c == O_CONFIG) {
			free(o->config);
			if ((o->config = strdup(optarg)) == NULL)
				return -1;
			continue;
		}
		if (c == ':') {
			fprintf(stderr, PROG ": %s needs a value\n",
			    argv[optind - 1]);
			return -1;
		}
		if (c < 0 || c >= O_COUNT) {
			fprintf(stderr, PROG ": unknown option '%s' "
			    "(see --help)\n", argv[optind - 1]);
			return -1;
		}
		if (!opt_apply(o, (enum opt_id)c, opt_defs[c].type == T_BOOL ?
		    "true" : optarg, "--"))
			return -1;
		o->from_cli[c] = true;
	}
	if (optind < argc) {
		fprintf(stderr, PROG ": unexpected argument '%s' (see "
		    "--help)\n", argv[optind]);
		return -1;
	}
	if (o->config != NULL && !load_config(o, o->config))
		return -1;
	return 0;
}

/* ---- Listen address ---------------------------------------------------- */

struct listen_addr {
	char addr[INET6_ADDRSTRLEN];
	uint16_t port;
	bool loopback;
};

static bool
parse_listen(const char *s, struct listen_addr *la)
{
	char host[INET6_ADDRSTRLEN];
	const char *colon, *port;
	struct in6_addr a6;
	struct in_addr a4;
	uint64_t p;
	size_t hl;

	if (s[0] == '[') {
		const char *rb = strchr(s, ']');

		if (rb == NULL || rb[1] != ':')
			return false;
		hl = (size_t)(rb - s - 1);
		if (hl == 0 || hl >= sizeof(host))
			return false;
		memcpy(host, s + 1, hl);
		port = rb + 2;
	} else {
		if ((colon = strrchr(s, ':')) == NULL)
			return false;
		hl = (size_t)(colon - s);
		if (hl == 0 || hl >= sizeof(host))
			return false;
		memcpy(host, s, hl);
		port = colon + 1;
	}
	host[hl] = '\0';
	if (!parse_u64(port, 65535, &p))
		return false;
	if (strcmp(host, "localhost") == 0)
		snprintf(host, sizeof(host), "127.0.0.1");
	if (inet_pton(AF_INET, host, &a4) == 1) {
		la->loopback = (ntohl(a4.s_addr) >> 24) == 127;
	} else if (inet_pton(AF_INET6, host, &a6) == 1 && s[0] == '[') {
		la->loopback = IN6_IS_ADDR_LOOPBACK(&a6);
	} else {
		return false;
	}
	memcpy(la->addr, host, strlen(host) + 1);
	la->port = (uint16_t)p;
	return true;
}

/* ---- Self-signed certificate ------------------------------------------ */

static void
ossl_log(const char *what)
{
	unsigned long e;
	char buf[256];

	while ((e = ERR_get_error()) != 0) {
		ERR_error_string_n(e, buf, sizeof(buf));
		iss_log(ISS_LOG_ERROR, "msg=openssl op=%s err=\"%s\"", what,
		    buf);
	}
}

static bool
add_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	bool ok;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)) == NULL)
		return false;
	ok = X509_add_ext(x, ext, -1) == 1;
	X509_EXTENSION_free(ext);
	return ok;
}

/* Writes data to path atomically: temp file (mode), fsync, rename. */
static bool
write_pem(const char *path, mode_t mode, EVP_PKEY *key, X509 *cert)
{
	char tmp[PATH_MAX];
	FILE *f = NULL;
	int fd = -1;
	bool ok = false;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return false;
	(void)unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    mode)) < 0)
		goto out;
	if ((f = fdopen(fd, "w")) == NULL)
		goto out;
	fd = -1;
	if (key != NULL && PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL,
	    NULL) != 1)
		goto out;
	if (cert != NULL && PEM_write_X509(f, cert) != 1)
		goto out;
	if (fflush(f) != 0 || fsync(fileno(f)) != 0)
		goto out;
	ok = true;
out:
	if (f != NULL && fclose(f) != 0)
		ok = false;
	if (fd >= 0)
		close(fd);
	if (ok && rename(tmp, path) != 0)
		ok = false;
	if (!ok)
		(void)unlink(tmp);
	return ok;
}

static bool
make_self_signed(const char *cert_path, const char *key_path,
    const struct listen_addr *la)
{
	EVP_PKEY *pk = NULL;
	X509 *x = NULL;
	X509_NAME *name;
	BIGNUM *bn = NULL;
	char san[256];
	bool ok = false;

	if ((pk = EVP_EC_gen("P-256")) == NULL || (x = X509_new()) == NULL ||
	    (bn = BN_new()) == NULL)
		goto out;
	if (X509_set_version(x, X509_VERSION_3) != 1 ||
	    BN_rand(bn, 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x),
	    (long)CERT_DAYS * 86400) == NULL ||
	    X509_set_pubkey(x, pk) != 1)
		goto out;
	name = X509_get_subject_name(x);
	if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)"localhost", -1, -1, 0) != 1 ||
	    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
	    (const unsigned char *)"stadspas-issuerd self-signed", -1, -1,
	    0) != 1 ||
	    X509_set_issuer_name(x, name) != 1)
		goto out;
	snprintf(san, sizeof(san), "DNS:localhost,IP:127.0.0.1,IP:::1%s%s",
	    la->loopback || strcmp(la->addr, "0.0.0.0") == 0 ||
	    strcmp(la->addr, "::") == 0 ? "" : ",IP:",
	    la->loopback || strcmp(la->addr, "0.0.0.0") == 0 ||
	    strcmp(la->addr, "::") == 0 ? "" : la->addr);
	/* A leaf that clients pin as its own trust anchor: no CA powers. */
	if (!add_ext(x, NID_basic_constraints, "critical,CA:FALSE") ||
	    !add_ext(x, NID_key_usage, "critical,digitalSignature") ||
	    !add_ext(x, NID_ext_key_usage, "serverAuth") ||
	    !add_ext(x, NID_subject_key_identifier, "hash") ||
	    !add_ext(x, NID_authority_key_identifier, "keyid:always") ||
	    !add_ext(x, NID_subject_alt_name, san))
		goto out;
	if (X509_sign(x, pk, EVP_sha256()) <= 0)
		goto out;
	if (!write_pem(key_path, 0600, pk, NULL) ||
	    !write_pem(cert_path, 0644, NULL, x)) {
		iss_log(ISS_LOG_ERROR, "msg=tls_write_failed errno=%d", errno);
		goto out;
	}
	ok = true;
out:
	if (!ok)
		ossl_log("self-signed certificate");
	BN_free(bn);
	X509_free(x);
	EVP_PKEY_free(pk);
	return ok;
}

/* Warns if the certificate at path has expired. */
static void
check_cert_expiry(const char *path)
{
	FILE *f;
	X509 *x;

	if ((f = fopen(path, "re")) == NULL)
		return;
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (x == NULL) {
		ERR_clear_error();
		return;
	}
	if (X509_cmp_current_time(X509_get0_notAfter(x)) <= 0)
		iss_log(ISS_LOG_WARN, "msg=tls_certificate_expired "
		    "file=\"%s\"", path);
	X509_free(x);
}

/* dst = dir "/" name (or just dir when name is NULL); false if too long. */
static bool
path_join(char *dst, size_t cap, const char *dir, const char *name)
{
	size_t dl = strlen(dir), nl = name != NULL ? strlen(name) + 1 : 0;

	if (dl + nl + 1 > cap)
		return false;
	memcpy(dst, dir, dl);
	if (name != NULL) {
		dst[dl] = '/';
		memcpy(dst + dl + 1, name, nl);
	} else {
		dst[dl] = '\0';
	}
	return true;
}

static bool
mkdir_0700(const char *path)
{
	struct stat st;

	if (mkdir(path, 0700) == 0)
		return true;
	if (errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return true;
	fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
	return false;
}

/* ---- main -------------------------------------------------------------- */

/* The current key's fingerprint is public: tills pin it at setup. */
static void
log_fingerprint(const struct iss_app *app)
{
	uint8_t fp[32];
	char hex[65];
	uint64_t version = 0;

	if (iss_app_fingerprint(app, fp, &version) != SP_OK)
		return;
	iss_hex_encode(hex, fp, sizeof(fp));
	iss_log(ISS_LOG_INFO, "msg=\"issuer key fingerprint %s\" "
	    "trust_version=%llu", hex, (unsigned long long)version);
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct listen_addr la;
	struct iss_config cfg;
	struct iss_server_opts so;
	struct iss_app *app = NULL;
	struct iss_server *srv = NULL;
	char cert_path[PATH_MAX], key_path[PATH_MAX], tls_dir[PATH_MAX];
	char base_url[96], diag[256], qdiag[300], qdir[300];
	char *token = NULL;
	const char *data_dir;
	sigset_t mask;
	int r, rc = EXIT_RUN;

	memset(&o, 0, sizeof(o));
	memset(&la, 0, sizeof(la));

	/* SIGTERM/SIGINT are read from a signalfd in the event loop; block
	 * them now so that one arriving during start-up waits for it. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) != 0) {
		perror(PROG ": sigprocmask");
		return EXIT_RUN;
	}
	signal(SIGPIPE, SIG_IGN);

	r = parse_args(&o, argc, argv);
	if (r != 0) {
		rc = r > 0 ? EXIT_SUCCESS : EXIT_USAGE;
		goto out;
	}
	rc = EXIT_USAGE;
	data_dir = o.str[O_DATA_DIR] != NULL ? o.str[O_DATA_DIR] :
	    "./stadspas-data";
	if (!parse_listen(o.str[O_LISTEN] != NULL ? o.str[O_LISTEN] :
	    "127.0.0.1:8443", &la)) {
		fprintf(stderr, PROG ": --listen '%s': expected ADDR:PORT with "
		    "a numeric address, e.g. 127.0.0.1:8443 or [::1]:8443\n",
		    o.str[O_LISTEN]);
		goto out;
	}
	if (o.num[O_INSECURE_HTTP] && !la.loopback) {
		fprintf(stderr, PROG ": --insecure-http is allowed on a "
		    "loopback address only, not '%s'\n", la.addr);
		goto out;
	}
	if ((o.str[O_CERT] == NULL) != (o.str[O_KEY] == NULL)) {
		fprintf(stderr, PROG ": give both --cert and --key, or "
		    "neither\n");
		goto out;
	}

	rc = EXIT_RUN;
	if (sodium_init() < 0) {
		fprintf(stderr, PROG ": libsodium failed to initialise\n");
		goto out;
	}
	if (!mkdir_0700(data_dir))
		goto out;
	if (o.num[O_INSECURE_HTTP]) {
		cert_path[0] = key_path[0] = '\0';
	} else if (o.str[O_CERT] != NULL) {
		if (!path_join(cert_path, sizeof(cert_path), o.str[O_CERT],
		    NULL) || !path_join(key_path, sizeof(key_path),
		    o.str[O_KEY], NULL)) {
			fprintf(stderr, PROG ": --cert/--key too long\n");
			goto out;
		}
	} else {
		if (!path_join(tls_dir, sizeof(tls_dir), data_dir, "tls") ||
		    !path_join(cert_path, sizeof(cert_path), tls_dir,
		    "cert.pem") ||
		    !path_join(key_path, sizeof(key_path), tls_dir,
		    "key.pem")) {
			fprintf(stderr, PROG ": --data-dir too long\n");
			goto out;
		}
		if (!mkdir_0700(tls_dir))
			goto out;
		if (access(cert_path, R_OK) != 0 ||
		    access(key_path, R_OK) != 0) {
			if (!make_self_signed(cert_path, key_path, &la))
				goto out;
			iss_log(ISS_LOG_INFO, "msg=tls_self_signed_created "
			    "cert=\"%s\"", cert_path);
		}
	}
	if (cert_path[0] != '\0')
		check_cert_expiry(cert_path);

	iss_config_defaults(&cfg);
	cfg.data_dir = data_dir;
	if (o.str[O_ISSUER_NAME] != NULL)
		cfg.issuer_name = o.str[O_ISSUER_NAME];
	if (o.str[O_BASE_URL] != NULL) {
		cfg.base_url = o.str[O_BASE_URL];
	} else {
		snprintf(base_url, sizeof(base_url), "%s://%s:%u",
		    o.num[O_INSECURE_HTTP] ? "http" : "https",
		    la.loopback ? "localhost" : la.addr, (unsigned)la.port);
		cfg.base_url = base_url;
	}
	if (o.set[O_BATCH_SIZE])
		cfg.batch_size = (uint32_t)o.num[O_BATCH_SIZE];
	if (o.set[O_LIST_CAPACITY])
		cfg.list_capacity = (uint32_t)o.num[O_LIST_CAPACITY];
	if (o.set[O_CHECKPOINT_INTERVAL])
		cfg.checkpoint_interval = (int64_t)o.num[O_CHECKPOINT_INTERVAL];
	if (o.set[O_CODE_TTL])
		cfg.code_ttl = (int64_t)o.num[O_CODE_TTL];
	if (o.set[O_PASS_VALIDITY])
		cfg.pass_validity = (int64_t)o.num[O_PASS_VALIDITY];
	if (o.set[O_RENEWAL_SLICE])
		cfg.renewal_slice = (uint32_t)o.num[O_RENEWAL_SLICE];
	if (o.set[O_RENEWAL_THREADS])
		cfg.renewal_threads = (uint32_t)o.num[O_RENEWAL_THREADS];
	cfg.admin_bootstrap = o.num[O_ADMIN_BOOTSTRAP] != 0;

	diag[0] = '\0';
	r = iss_app_open_diag(&app, &cfg, (int64_t)time(NULL), &token, diag,
	    sizeof(diag));
	if (r != SP_OK) {
		iss_log(ISS_LOG_ERROR, "msg=open_failed data_dir=%s err=%s "
		    "reason=%s", iss_log_quote(qdir, sizeof(qdir), data_dir),
		    sp_errtoken(r), iss_log_quote(qdiag, sizeof(qdiag), diag));
		goto out;
	}
	if (token != NULL) {
		/* The one place a token is printed: the operator asked. */
		fprintf(stderr, PROG ": admin bootstrap token (shown once, "
		    "store it safely): %s\n", token);
		sodium_memzero(token, strlen(token));
		free(token);
		token = NULL;
	}

	log_fingerprint(app);

	memset(&so, 0, sizeof(so));
	so.addr = la.addr;
	so.port = la.port;
	so.cert_file = cert_path[0] != '\0' ? cert_path : NULL;
	so.key_file = key_path[0] != '\0' ? key_path : NULL;
	so.insecure_http = o.num[O_INSECURE_HTTP] != 0;
	so.body_timeout = o.set[O_BODY_TIMEOUT] ?
	    (unsigned)o.num[O_BODY_TIMEOUT] : 0;
	so.drain_timeout = o.set[O_DRAIN_TIMEOUT] ?
	    (unsigned)o.num[O_DRAIN_TIMEOUT] : 0;
	so.max_subscribers = o.set[O_MAX_SUBSCRIBERS] ?
	    (unsigned)o.num[O_MAX_SUBSCRIBERS] : 0;
	so.renewal_pause_ms = o.set[O_RENEWAL_PAUSE] ?
	    (unsigned)o.num[O_RENEWAL_PAUSE] : 0;
	if (iss_server_new(&srv, app, &so) != SP_OK)
		goto out;
	iss_log(ISS_LOG_INFO, "msg=listening addr=\"%s\" port=%u tls=%s "
	    "version=%s", la.addr, (unsigned)iss_server_port(srv),
	    so.insecure_http ? "off" : "on", SP_VERSION);

	if (iss_server_run(srv) == SP_OK)
		rc = EXIT_SUCCESS;
out:
	iss_server_free(&srv);
	if (app != NULL) {
		iss_app_close(&app);	/* commits */
		iss_log(rc == EXIT_SUCCESS ? ISS_LOG_INFO : ISS_LOG_ERROR,
		    "msg=stopped exit=%d", rc);
	}
	opts_free(&o);
	return rc;
}
