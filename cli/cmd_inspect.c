/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `stadspas inspect`: decodes an SP1:/HC1: QR payload (argument, stdin or
 * a QR image), optionally verifies it with a certificate or public key at
 * a given time, and prints what it found, for humans or as one JSON object.
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cbor.h"
#include "inspect.h"
#include "json_out.h"
#include "qrimage.h"
#include "qrt.h"
#include "sig.h"
#include "sp_buf.h"
#include "stadspas/sp_err.h"
#include "stadspas/sp_pass.h"

#define KEY_FILE_MAX (1024 * 1024)

/* Caps for printing a payload that already passed the pipeline. */
static const struct cbor_limits print_limits = {
	.max_len = QRT_MAX_PAYLOAD,
	.max_depth = 32,
	.max_items = 16384,
	.max_count = 4096,
	.max_str = QRT_MAX_PAYLOAD,
};

static const char *const step_names[INSP_STEP_COUNT] = {
	[INSP_STEP_PREFIX] = "prefix",
	[INSP_STEP_BASE45] = "base45",
	[INSP_STEP_ZLIB] = "zlib",
	[INSP_STEP_DECODE] = "decode",
	[INSP_STEP_VERIFY] = "verify",
	[INSP_STEP_TIME] = "time",
};

struct inspect_args {
	const char *cert;
	const char *key;
	const char *at;
	const char *image;
	const char *payload;
	bool json;
};

/* An input problem found before the pipeline ran (image, size). */
struct pre_error {
	const char *token;
	char message[512];
};

static void
inspect_usage(FILE *f)
{
	fprintf(f,
	    "usage: stadspas inspect [--cert FILE | --key FILE] [--at TIME] "
	    "[--json]\n"
	    "                        (PAYLOAD | - | --image FILE)\n"
	    "\n"
	    "Decodes an SP1: (stadspas) or HC1: (EU DCC) QR payload: prefix,\n"
	    "Base45, zlib, CBOR, COSE_Sign1, claims; checks the validity\n"
	    "window at TIME and, with a key, the signature(s).\n"
	    "\n"
	    "  PAYLOAD        the QR text; '-' reads it from stdin\n"
	    "  --image FILE   read the QR code from a PNG or JPEG image\n"
	    "  --cert FILE    verify with the key of an X.509 certificate\n"
	    "                 (PEM or DER)\n"
	    "  --key FILE     verify with a public key: COSE_Key (CBOR),\n"
	    "                 PEM/DER SubjectPublicKeyInfo, or raw 32-byte\n"
	    "                 Ed25519 (a certificate works too); for SP1\n"
	    "                 the issuer's key\n"
	    "  --at TIME      RFC 3339 (2021-06-01T10:00:00Z, offsets\n"
	    "                 allowed) or Unix seconds; default: now\n"
	    "  --json         print one JSON object (bytes as lowercase hex)\n"
	    "  -h, --help     this text\n"
	    "\n"
	    "Exit status: 0 valid (or decoded, without a key), 1 invalid or\n"
	    "undecodable, 2 usage error. The JSON \"error\" token is one of\n"
	    "prefix, base45, zlib, cbor, cose, signature, key,\n"
	    "unsupported_alg, expired, not_yet_valid, too_large, image.\n"
	    "\n"
	    "example:\n"
	    "  stadspas inspect --cert dsc.pem --at 2021-06-01T10:00:00Z "
	    "--json 'HC1:NCF...'\n");
}

static int usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static int
usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "stadspas inspect: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'stadspas inspect --help'.\n");
	return CLI_USAGE;
}

/* Reads at most max bytes of f into b; SP_ERR_TOO_LARGE past that. */
static int
read_bounded(struct sp_buf *b, FILE *f, size_t max)
{
	uint8_t chunk[4096];
	size_t n;

	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		int r;

		if (n > max - b->len)
			return SP_ERR_TOO_LARGE;
		if ((r = sp_buf_append(b, chunk, n)) != SP_OK)
			return r;
	}
	return ferror(f) ? SP_ERR_INTERNAL : SP_OK;
}

static int
read_file(struct sp_buf *b, const char *path, size_t max)
{
	FILE *f = fopen(path, "rb");
	int r;

	if (f == NULL)
		return SP_ERR_NOT_FOUND;
	r = read_bounded(b, f, max);
	fclose(f);
	return r;
}

static int
parse_args(struct inspect_args *a, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "cert", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ "at", required_argument, NULL, 'a' },
		{ "image", required_argument, NULL, 'i' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			a->cert = optarg;
			break;
		case 'k':
			a->key = optarg;
			break;
		case 'a':
			a->at = optarg;
			break;
		case 'i':
			a->image = optarg;
			break;
		case 'j':
			a->json = true;
			break;
		case 'h':
			inspect_usage(stdout);
			return -1;
		case ':':
			return usage_error("option '%s' needs an argument",
			    argv[optind - 1]);
		default:
			return usage_error("unknown option '%s'",
			    argv[optind - 1]);
		}
	}
	if (a->cert != NULL && a->key != NULL)
		return usage_error("%s", "give --cert or --key, not both");
	if (optind < argc)
		a->payload = argv[optind++];
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (a->payload == NULL && a->image == NULL)
		return usage_error("%s", "missing PAYLOAD (or '-' or --image "
		    "FILE)");
	if (a->payload != NULL && a->image != NULL)
		return usage_error("give PAYLOAD or --image, not both ('%s')",
		    a->payload);
	return CLI_OK;
}

/* ---- Output ------------------------------------------------------------ */

static void
fmt_time(char *out, size_t n, int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if ((int64_t)tt != t || gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, n, "%" PRId64, t);
}

static const char *
kind_name(enum insp_kind k)
{
	return k == INSP_KIND_SP1 ? "SP1" : k == INSP_KIND_HC1 ? "HC1" : NULL;
}

static void
print_hex(FILE *f, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		fprintf(f, "%02x", p[i]);
}

static const char *
message_of(const struct insp_result *res, const struct pre_error *pre)
{
	if (pre != NULL)
		return pre->message;
	return sp_strerror(res->err);
}

static void
print_claims(const struct insp_result *res)
{
	size_t i, n = sp_presentation_claim_count(res->pres);
	struct sp_buf d;

	sp_buf_init(&d);
	printf("disclosed claims (%zu):\n", n);
	for (i = 0; i < n; i++) {
		const uint8_t *v;
		size_t vlen;
		int key;
		const char *name;

		if (sp_presentation_claim(res->pres, i, &key, &v, &vlen) !=
		    SP_OK)
			continue;
		name = sp_claim_name(key);
		sp_buf_reset(&d);
		if (cbor_diag(&d, v, vlen, &print_limits, false) != SP_OK ||
		    sp_buf_cstr(&d) != SP_OK)
			continue;
		printf("  %s (%d): %s\n", name != NULL ? name : "?", key,
		    (const char *)d.ptr);
	}
	sp_buf_clear(&d);
}

static void
print_human(const struct insp_result *res, const struct pre_error *pre,
    bool have_key, int64_t at)
{
	char tbuf[64];
	struct sp_buf d;

	sp_buf_init(&d);
	printf("kind:     %s\n", res->kind == INSP_KIND_SP1 ?
	    "SP1 (stadspas presentation)" : res->kind == INSP_KIND_HC1 ?
	    "HC1 (EU Digital COVID Certificate)" : "unknown");
	if (res->has_alg) {
		const char *an = insp_alg_name(res->alg);

		if (res->alg_is_text)
			printf("alg:      (text, unsupported)\n");
		else if (an != NULL)
			printf("alg:      %s (%" PRId64 ")\n", an, res->alg);
		else
			printf("alg:      %" PRId64 "\n", res->alg);
	}
	if (res->kid != NULL) {
		printf("kid:      ");
		print_hex(stdout, res->kid, res->kid_len);
		printf("\n");
	}
	if (res->has_iss)
		printf("issuer:   %.*s\n", (int)res->iss_len, res->iss);
	if (res->has_iat) {
		fmt_time(tbuf, sizeof(tbuf), res->iat);
		printf("issued:   %s\n", tbuf);
	}
	if (res->has_nbf) {
		fmt_time(tbuf, sizeof(tbuf), res->nbf);
		printf("from:     %s\n", tbuf);
	}
	if (res->has_exp) {
		fmt_time(tbuf, sizeof(tbuf), res->exp);
		printf("expires:  %s\n", tbuf);
	}
	if (res->payload != NULL && res->payload_len > 0 &&
	    cbor_diag(&d, res->payload, res->payload_len, &print_limits,
	    true) == SP_OK && sp_buf_cstr(&d) == SP_OK) {
		printf("payload:\n%s\n", (const char *)d.ptr);
	} else if (res->cbor.len > 0) {
		bool cut = res->cbor.len > 512;

		printf("data (%zu bytes%s, hex): ", res->cbor.len,
		    cut ? ", first 512" : "");
		print_hex(stdout, res->cbor.ptr, cut ? 512 : res->cbor.len);
		printf("\n");
	}
	if (res->pres != NULL)
		print_claims(res);
	fmt_time(tbuf, sizeof(tbuf), at);
	if (pre != NULL)
		printf("verdict:  INVALID (%s): %s\n", pre->token,
		    pre->message);
	else if (res->err != SP_OK)
		printf("verdict:  INVALID (%s): %s\n", res->error,
		    message_of(res, NULL));
	else if (res->verified)
		printf("verdict:  VALID: signature verified, valid at %s\n",
		    tbuf);
	else
		printf("verdict:  DECODED: not verified (%s)\n", have_key ?
		    "no verification ran" : "no --cert or --key given");
	sp_buf_clear(&d);
}

static json_t *
alg_json(const struct insp_result *res)
{
	const char *an;

	if (!res->has_alg || res->alg_is_text)
		return json_null();
	if ((an = insp_alg_name(res->alg)) != NULL)
		return json_string(an);
	return json_integer((json_int_t)res->alg);
}

static json_t *
claims_json(const struct insp_result *res)
{
	json_t *arr = json_array();
	size_t i, n = sp_presentation_claim_count(res->pres);

	for (i = 0; arr != NULL && i < n; i++) {
		const uint8_t *v;
		size_t vlen;
		int key;
		const char *name;
		json_t *jv = NULL;

		if (sp_presentation_claim(res->pres, i, &key, &v, &vlen) !=
		    SP_OK)
			continue;
		name = sp_claim_name(key);
		if (cli_json_from_cbor(&jv, v, vlen) != SP_OK)
			jv = json_null();
		json_array_append_new(arr, json_pack("{s:i, s:s?, s:o}",
		    "key", key, "name", name, "value", jv));
	}
	return arr;
}

static int
print_json(const struct insp_result *res, const struct pre_error *pre,
    int64_t at)
{
	json_t *o, *steps, *payload = NULL;
	char *s;
	int i;

	if ((o = json_object()) == NULL || (steps = json_object()) == NULL) {
		json_decref(o);
		return -1;
	}
	json_object_set_new(o, "ok", json_boolean(pre == NULL &&
	    res->err == SP_OK));
	if (pre != NULL) {
		json_object_set_new(o, "error", json_string(pre->token));
		json_object_set_new(o, "message", json_string(pre->message));
	} else if (res->err != SP_OK) {
		json_object_set_new(o, "error", json_string(res->error));
		json_object_set_new(o, "message",
		    json_string(message_of(res, NULL)));
	} else {
		json_object_set_new(o, "error", json_null());
	}
	json_object_set_new(o, "kind", kind_name(res->kind) != NULL ?
	    json_string(kind_name(res->kind)) : json_null());
	json_object_set_new(o, "alg", alg_json(res));
	json_object_set_new(o, "kid", res->kid != NULL ?
	    cli_json_hex(res->kid, res->kid_len) : json_null());
	json_object_set_new(o, "verified", json_boolean(res->verified));
	json_object_set_new(o, "at", json_integer((json_int_t)at));
	if (res->kind == INSP_KIND_HC1 && res->payload != NULL)
		json_object_set_new(o, "tagged", json_boolean(res->tagged));
	if (res->has_iss)
		json_object_set_new(o, "iss", json_stringn(res->iss,
		    res->iss_len));
	if (res->has_iat)
		json_object_set_new(o, "iat", json_integer(res->iat));
	if (res->has_nbf)
		json_object_set_new(o, "nbf", json_integer(res->nbf));
	if (res->has_exp)
		json_object_set_new(o, "exp", json_integer(res->exp));
	for (i = 0; i < INSP_STEP_COUNT; i++)
		json_object_set_new(steps, step_names[i], json_string(
		    res->step[i] == INSP_PASS ? "pass" :
		    res->step[i] == INSP_FAIL ? "fail" : "skipped"));
	json_object_set_new(o, "steps", steps);
	if (res->payload != NULL && res->payload_len > 0 &&
	    cli_json_from_cbor(&payload, res->payload, res->payload_len) !=
	    SP_OK)
		payload = NULL;
	json_object_set_new(o, "payload", payload != NULL ? payload :
	    json_null());
	if (payload == NULL && res->cbor.len > 0)
		json_object_set_new(o, "cbor_hex", cli_json_hex(res->cbor.ptr,
		    res->cbor.len));
	if (res->pres != NULL)
		json_object_set_new(o, "claims", claims_json(res));
	s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (s == NULL)
		return -1;
	printf("%s\n", s);
	free(s);
	return 0;
}

/* ---- Input ------------------------------------------------------------- */

/* Loads the payload text into *text (malloc'd by the reader or owned by
 * b). Returns CLI_OK, CLI_USAGE (message printed), or CLI_FAIL with pre
 * filled in. */
static int
load_payload(const struct inspect_args *a, struct sp_buf *b, char **img,
    const char **text, size_t *len, struct pre_error *pre)
{
	int r;

	if (a->image != NULL) {
		char why[400];

		r = read_file(b, a->image, QRI_MAX_FILE);
		if (r == SP_ERR_TOO_LARGE) {
			pre->token = "too_large";
			snprintf(pre->message, sizeof(pre->message), "image "
			    "'%s' is larger than %u bytes", a->image,
			    QRI_MAX_FILE);
			return CLI_FAIL;
		}
		if (r != SP_OK) {
			fprintf(stderr, "stadspas inspect: cannot read image "
			    "'%s': %s\n", a->image, strerror(errno));
			return CLI_USAGE;
		}
		r = cli_qr_from_image(img, len, b->ptr != NULL ? b->ptr :
		    (const uint8_t *)"", b->len, why, sizeof(why));
		if (r == SP_OK) {
			*text = *img;
			return CLI_OK;
		}
		pre->token = r == SP_ERR_TOO_LARGE ? "too_large" : "image";
		snprintf(pre->message, sizeof(pre->message), "image '%s': %s",
		    a->image, why);
		return CLI_FAIL;
	}
	if (strcmp(a->payload, "-") == 0) {
		r = read_bounded(b, stdin, QRT_MAX_TEXT);
		if (r == SP_ERR_TOO_LARGE) {
			pre->token = "too_large";
			snprintf(pre->message, sizeof(pre->message),
			    "input on stdin is longer than %d bytes",
			    QRT_MAX_TEXT);
			return CLI_FAIL;
		}
		if (r != SP_OK) {
			fprintf(stderr, "stadspas inspect: cannot read stdin: "
			    "%s\n", strerror(errno));
			return CLI_USAGE;
		}
		*text = b->ptr != NULL ? (const char *)b->ptr : "";
		*len = b->len;
		return CLI_OK;
	}
	*text = a->payload;
	*len = strlen(a->payload);
	if (*len > QRT_MAX_TEXT) {
		pre->token = "too_large";
		snprintf(pre->message, sizeof(pre->message),
		    "payload is %zu bytes; at most %d", *len, QRT_MAX_TEXT);
		return CLI_FAIL;
	}
	return CLI_OK;
}

/* Loads --cert/--key. CLI_OK with *have set (and *key_err set to
 * SP_ERR_UNSUPPORTED_ALG for a key we cannot use), or CLI_USAGE. */
static int
load_key(const struct inspect_args *a, struct sig_pub *k, bool *have,
    int *key_err)
{
	const char *path = a->cert != NULL ? a->cert : a->key;
	struct sp_buf b;
	int r, ret = CLI_USAGE;

	*have = false;
	*key_err = SP_OK;
	if (path == NULL)
		return CLI_OK;
	sp_buf_init(&b);
	if ((r = read_file(&b, path, KEY_FILE_MAX)) != SP_OK) {
		fprintf(stderr, "stadspas inspect: cannot read %s file '%s': "
		    "%s\n", a->cert != NULL ? "certificate" : "key", path,
		    r == SP_ERR_TOO_LARGE ? "file too large" : strerror(errno));
		goto out;
	}
	if (b.len == 0) {
		fprintf(stderr, "stadspas inspect: %s file '%s' is empty\n",
		    a->cert != NULL ? "certificate" : "key", path);
		goto out;
	}
	r = insp_key_load(k, b.ptr, b.len, a->cert != NULL);
	if (r == SP_ERR_UNSUPPORTED_ALG) {
		*key_err = r;
	} else if (r != SP_OK) {
		fprintf(stderr, "stadspas inspect: cannot use %s file '%s': "
		    "%s\n", a->cert != NULL ? "certificate" : "key", path,
		    sp_strerror(r));
		goto out;
	}
	*have = true;
	ret = CLI_OK;
out:
	sp_buf_clear(&b);
	return ret;
}

int
cmd_inspect(int argc, char **argv)
{
	struct inspect_args a = { .cert = NULL };
	struct insp_opts o = { .key = NULL };
	struct insp_result res;
	struct pre_error pre = { .token = NULL };
	struct sig_pub key;
	struct sp_buf in;
	char *img = NULL;
	const char *text = NULL;
	size_t len = 0;
	bool have_key = false;
	int64_t at;
	int ret;

	memset(&key, 0, sizeof(key));
	insp_result_init(&res);
	sp_buf_init(&in);
	if ((ret = parse_args(&a, argc, argv)) != CLI_OK) {
		ret = ret < 0 ? CLI_OK : ret;	/* --help */
		goto out;
	}
	if (a.at != NULL) {
		if (insp_parse_time(&at, a.at) != SP_OK) {
			ret = usage_error("invalid time '%s' (want RFC 3339 "
			    "like 2021-06-01T10:00:00Z, or Unix seconds)",
			    a.at);
			goto out;
		}
	} else {
		at = (int64_t)time(NULL);
	}
	if ((ret = load_key(&a, &key, &have_key, &o.key_err)) != CLI_OK)
		goto out;
	if (have_key && o.key_err == SP_OK)
		o.key = &key;
	o.at = at;
	ret = load_payload(&a, &in, &img, &text, &len, &pre);
	if (ret == CLI_USAGE)
		goto out;
	if (ret == CLI_OK)
		(void)insp_run(&res, text, len, &o);
	if (a.json) {
		if (print_json(&res, ret == CLI_OK ? NULL : &pre, at) != 0) {
			fprintf(stderr, "stadspas inspect: out of memory\n");
			ret = CLI_FAIL;
			goto out;
		}
	} else {
		print_human(&res, ret == CLI_OK ? NULL : &pre, have_key, at);
	}
	if (ret == CLI_OK)
		ret = res.err == SP_OK ? CLI_OK : CLI_FAIL;
out:
	insp_result_clear(&res);
	sig_pub_clear(&key);
	sp_buf_clear(&in);
	free(img);
	return ret;
}
