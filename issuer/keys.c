/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Issuer key files, the published key list and key rotation (keys.h).
 * First start: while the store lists no issuer key yet (nothing has been
 * signed), missing key files are generated; afterwards both must exist,
 * because a silently regenerated limit secret would change every limit
 * tag and a lost signing key needs an operator's decision.
 */
#include "keys.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "cbor.h"
#include "hash.h"
#include "json.h"
#include "pass_int.h"
#include "store.h"
#include "trust.h"

static void diag(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
diag(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int
iss_secret_read(const char *path, uint8_t *out, size_t len, char *err,
    size_t errlen)
{
	struct stat st;
	size_t off = 0;
	ssize_t got;
	int fd, r = SP_ERR_KEY;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		if (errno == ENOENT)
			return SP_ERR_NOT_FOUND;
		diag(err, errlen, "%s: cannot open: %s", path,
		    strerror(errno));
		return errno == ELOOP ? SP_ERR_KEY : SP_ERR_STORAGE;
	}
	if (fstat(fd, &st) != 0) {
		diag(err, errlen, "%s: cannot stat: %s", path,
		    strerror(errno));
		r = SP_ERR_STORAGE;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		diag(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	if ((st.st_mode & 077) != 0) {
		diag(err, errlen, "%s: mode %03o lets group or others at the "
		    "secret; refusing it (chmod 600, and consider the secret "
		    "exposed)", path, (unsigned)(st.st_mode & 0777));
		goto out;
	}
	if (st.st_uid != geteuid()) {
		diag(err, errlen, "%s: not owned by the daemon's user", path);
		goto out;
	}
	if (st.st_size != (off_t)len) {
		diag(err, errlen, "%s: %lld bytes, expected %zu", path,
		    (long long)st.st_size, len);
		goto out;
	}
	while (off < len) {
		got = read(fd, out + off, len - off);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			diag(err, errlen, "%s: read failed", path);
			r = SP_ERR_STORAGE;
			goto out;
		}
		off += (size_t)got;
	}
	r = SP_OK;
out:
	close(fd);
	return r;
}

static int
write_all(int fd, const uint8_t *p, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = write(fd, p + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

int
iss_secret_write(const char *dir, const char *name, const uint8_t *p,
    size_t len)
{
	char tmp[PATH_MAX], dst[PATH_MAX];
	int fd = -1, dfd = -1, r = SP_ERR_INVALID_ARG, n1, n2;

	n1 = snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name);
	n2 = snprintf(dst, sizeof(dst), "%s/%s", dir, name);
	if (n1 < 0 || n2 < 0 || (size_t)n1 >= sizeof(tmp) ||
	    (size_t)n2 >= sizeof(dst))
		return r;
	r = SP_ERR_STORAGE;
	(void)unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd < 0 || fchmod(fd, 0600) != 0 || write_all(fd, p, len) != 0 ||
	    fsync(fd) != 0)
		goto fail;
	n1 = close(fd);
	fd = -1;
	if (n1 != 0 || rename(tmp, dst) != 0)
		goto fail;
	/* The rename is durable once the directory is synced. */
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    fsync(dfd) != 0)
		goto fail;
	r = SP_OK;
fail:
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	if (r != SP_OK)
		(void)unlink(tmp);
	return r;
}

/* ---- The published key list ------------------------------------------- */

struct list_ctx {
	const struct sp_key *signer;	/* signs the trust list version */
	const uint8_t *head;		/* COSE_Key to put first */
	size_t head_len;
	bool rotate;			/* a new key: refuse when full */
	int64_t now;
	const char *who, *action, *target;
	struct sp_buf items;		/* out: the list as stored */
	size_t len[ISS_MAX_KEYS];
	size_t n;
	uint64_t version;		/* out: trust version appended */
};

static bool
same_key(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	return al == bl && memcmp(a, b, al) == 0;
}

static void
list_txn(struct reg_txn *t, void *vctx)
{
	struct list_ctx *c = vctx;
	struct sp_buf old;
	size_t olen[ISS_MAX_KEYS], on = 0, i, off = 0;

	sp_buf_init(&old);
	sp_buf_reset(&c->items);
	c->n = 0;
	if (!iss_store_get_blobs(t, "keys", &old, olen, ISS_MAX_KEYS, &on))
		goto out;
	if (!c->rotate && on > 0 &&
	    same_key(old.ptr, olen[0], c->head, c->head_len)) {
		/* Nothing to change: report the list as it is. */
		if (sp_buf_set(&c->items, old.ptr, old.len) != SP_OK)
			reg_txn_fail(t, SP_ERR_NOMEM);
		memcpy(c->len, olen, on * sizeof(olen[0]));
		c->n = on;
		/* A store from before trust lists: version 1 now. */
		if (iss_trust_count(t) == 0 && t->ret == SP_OK) {
			iss_trust_append(t, c->signer, c->now, c->items.ptr,
			    c->len, c->n, &c->version);
			iss_store_audit(t, c->now, c->who, "trust.create",
			    "v1");
		}
		goto out;
	}
	if (c->rotate && on >= ISS_MAX_KEYS) {
		reg_txn_fail(t, SP_ERR_TOO_LARGE);
		goto out;
	}
	if (sp_buf_append(&c->items, c->head, c->head_len) != SP_OK)
		reg_txn_fail(t, SP_ERR_NOMEM);
	c->len[c->n++] = c->head_len;
	for (i = 0; i < on; off += olen[i], i++) {
		if (same_key(old.ptr + off, olen[i], c->head, c->head_len) ||
		    c->n >= ISS_MAX_KEYS)
			continue;
		if (sp_buf_append(&c->items, old.ptr + off, olen[i]) != SP_OK)
			reg_txn_fail(t, SP_ERR_NOMEM);
		c->len[c->n++] = olen[i];
	}
	iss_store_put_blobs(t, "keys", c->items.ptr, c->len, c->n);
	iss_trust_append(t, c->signer, c->now, c->items.ptr, c->len, c->n,
	    &c->version);
	iss_store_audit(t, c->now, c->who, c->action, c->target);
out:
	sp_buf_clear(&old);
}

/* The COSE_KeySet: a CBOR array of the stored COSE_Key maps. */
static int
set_build(struct iss_keys *k, const struct list_ctx *c)
{
	struct cbor_enc e;
	size_t i, off = 0;

	sp_buf_reset(&k->set);
	cbor_enc_init(&e, &k->set);
	cbor_put_array(&e, c->n);
	for (i = 0; i < c->n; off += c->len[i], i++)
		cbor_put_raw(&e, c->items.ptr + off, c->len[i]);
	k->n = c->n;
	return cbor_enc_finish(&e);
}

/* Reloads the served trust chain. */
static int
trust_load(struct iss_keys *k, struct reg_db *db)
{
	struct reg_txn t;
	int r;

	reg_txn_begin(db, &t, false);
	r = t.ret == SP_OK ? iss_trust_chain(&t, &k->trust,
	    &k->trust_version) : t.ret;
	reg_txn_abort(&t);
	return r;
}

static int
list_update(struct iss_keys *k, struct reg_db *db, const struct sp_key *head,
    bool rotate, int64_t now, const char *who, const char *action)
{
	struct list_ctx c = { .signer = k->cur, .rotate = rotate, .now = now,
	    .who = who, .action = action };
	uint8_t cose[ISS_COSE_KEY_MAX], kid[SP_KID_LEN];
	char target[24];
	size_t cl = sizeof(cose);
	int r;

	sp_buf_init(&c.items);
	if ((r = sp_key_public_cose(head, cose, &cl)) != SP_OK)
		goto out;
	sp_key_kid(head, kid);
	memcpy(target, "kid:", 4);
	iss_hex_encode(target + 4, kid, sizeof(kid));
	c.head = cose;
	c.head_len = cl;
	c.target = target;
	if ((r = reg_db_write(db, list_txn, &c)) == SP_OK &&
	    (r = set_build(k, &c)) == SP_OK)
		r = trust_load(k, db);
out:
	sp_buf_clear(&c.items);
	return r;
}

/* ---- Open, close, rotate --------------------------------------------- */

static int
stored_key_count(struct reg_db *db, size_t *n)
{
	struct reg_txn t;
	struct sp_buf items;
	size_t len[ISS_MAX_KEYS];

	sp_buf_init(&items);
	reg_txn_begin(db, &t, false);
	(void)iss_store_get_blobs(&t, "keys", &items, len, ISS_MAX_KEYS, n);
	reg_txn_abort(&t);
	sp_buf_clear(&items);
	return t.ret;
}

/* Loads dir/name into out, or generates and writes it when allowed. */
static int
secret_load(const char *dir, const char *name, uint8_t *out, bool may_create,
    bool *created, char *err, size_t errlen)
{
	char path[PATH_MAX];
	int r, n = snprintf(path, sizeof(path), "%s/%s", dir, name);

	*created = false;
	if (n < 0 || (size_t)n >= sizeof(path))
		return SP_ERR_INVALID_ARG;
	r = iss_secret_read(path, out, ISS_SECRET_LEN, err, errlen);
	if (r != SP_ERR_NOT_FOUND)
		return r;
	if (!may_create) {
		diag(err, errlen, "%s: missing, but this data directory has "
		    "issued with it; restore it from the backup", path);
		return SP_ERR_KEY;
	}
	randombytes_buf(out, ISS_SECRET_LEN);
	if ((r = iss_secret_write(dir, name, out, ISS_SECRET_LEN)) != SP_OK)
		diag(err, errlen, "%s: cannot write", path);
	*created = r == SP_OK;
	return r;
}

int
iss_keys_open(struct iss_keys *k, const char *dir, struct reg_db *db,
    int64_t now, char *err, size_t errlen)
{
	uint8_t *seed = NULL;
	size_t stored = 0;
	bool created;
	int r = SP_ERR_NOMEM;

	memset(k, 0, sizeof(*k));
	sp_buf_init(&k->set);
	sp_buf_init(&k->trust);
	if ((seed = sodium_malloc(ISS_SECRET_LEN)) == NULL ||
	    (k->limit_secret = sodium_malloc(ISS_SECRET_LEN)) == NULL)
		goto out;
	if ((r = stored_key_count(db, &stored)) != SP_OK) {
		diag(err, errlen, "%s: cannot read the key list", dir);
		goto out;
	}
	if ((r = secret_load(dir, ISS_SECRET_FILE, k->limit_secret,
	    stored == 0, &created, err, errlen)) != SP_OK ||
	    (r = secret_load(dir, ISS_KEY_FILE, seed, stored == 0, &created,
	    err, errlen)) != SP_OK)
		goto out;
	if ((r = sp_key_from_seed(&k->cur, SP_ALG_EDDSA, seed)) != SP_OK) {
		diag(err, errlen, "%s/%s: unusable key", dir, ISS_KEY_FILE);
		goto out;
	}
	sp_key_kid(k->cur, k->kid);
	(void)sodium_mprotect_readonly(k->limit_secret);
	/* The current key heads the published list (on first start, or
	 * after a rotation that could not finish). */
	if ((r = list_update(k, db, k->cur, false, now, "system",
	    created ? "keys.create" : "keys.current")) != SP_OK ||
	    (r = iss_keys_info(k, 0, NULL, k->fp)) != SP_OK)
		diag(err, errlen, "%s: cannot store the key list", dir);
out:
	sodium_free(seed);
	if (r != SP_OK)
		iss_keys_close(k);
	return r;
}

void
iss_keys_close(struct iss_keys *k)
{
	if (k == NULL)
		return;
	sp_key_free(&k->cur);
	sodium_free(k->limit_secret);	/* wipes; accepts NULL */
	k->limit_secret = NULL;
	sp_buf_clear(&k->set);
	sp_buf_clear(&k->trust);
	sodium_memzero(k->kid, sizeof(k->kid));
	k->n = 0;
	k->trust_version = 0;
}

int
iss_keys_rotate(struct iss_keys *k, const char *dir, struct reg_db *db,
    int64_t now, const char *who)
{
	struct sp_key *nk = NULL;
	uint8_t *seed = NULL;
	int r;

	if ((r = sp_key_generate(&nk, SP_ALG_EDDSA)) != SP_OK)
		goto out;
	r = SP_ERR_NOMEM;
	if ((seed = sodium_malloc(ISS_SECRET_LEN)) == NULL)
		goto out;
	/* Published (with its audit entry) before it signs anything; if the
	 * key file cannot be written below, the old key stays current and
	 * the next start puts it first again. */
	if ((r = list_update(k, db, nk, true, now, who, "keys.rotate")) !=
	    SP_OK ||
	    (r = sp_key_export_seed(nk, seed)) != SP_OK ||
	    (r = iss_secret_write(dir, ISS_KEY_FILE, seed, ISS_SECRET_LEN)) !=
	    SP_OK)
		goto out;
	sp_key_free(&k->cur);
	k->cur = nk;
	nk = NULL;
	sp_key_kid(k->cur, k->kid);
	r = iss_keys_info(k, 0, NULL, k->fp);
out:
	sp_key_free(&nk);
	sodium_free(seed);
	return r;
}

/* ---- Removal ----------------------------------------------------------- */

struct remove_ctx {
	const struct sp_key *signer;
	uint8_t kid[SP_KID_LEN];
	int64_t now;
	const char *who;
	struct list_ctx out;		/* the list after removal */
	int answer;			/* SP_ERR_NOT_FOUND, _REG_DUPLICATE */
};

static bool
kid_of(const uint8_t *cose, size_t n, const uint8_t kid[SP_KID_LEN])
{
	uint8_t h[32];

	return sp_sha256(h, cose, n) == SP_OK &&
	    memcmp(h, kid, SP_KID_LEN) == 0;
}

static void
remove_txn(struct reg_txn *t, void *vctx)
{
	struct remove_ctx *c = vctx;
	struct list_ctx *o = &c->out;
	struct sp_buf old;
	size_t olen[ISS_MAX_KEYS], on = 0, i, off = 0, hit = SIZE_MAX;
	char target[24];

	sp_buf_init(&old);
	sp_buf_reset(&o->items);
	o->n = 0;
	c->answer = SP_OK;
	if (!iss_store_get_blobs(t, "keys", &old, olen, ISS_MAX_KEYS, &on))
		goto out;
	for (i = 0; i < on && hit == SIZE_MAX; off += olen[i], i++)
		if (kid_of(old.ptr + off, olen[i], c->kid))
			hit = i;
	if (hit == SIZE_MAX || hit == 0) {
		c->answer = hit == 0 ? SP_ERR_REG_DUPLICATE : SP_ERR_NOT_FOUND;
		reg_txn_fail(t, c->answer);
		goto out;
	}
	for (i = 0, off = 0; i < on; off += olen[i], i++) {
		if (i == hit)
			continue;
		if (sp_buf_append(&o->items, old.ptr + off, olen[i]) != SP_OK)
			reg_txn_fail(t, SP_ERR_NOMEM);
		o->len[o->n++] = olen[i];
	}
	iss_store_put_blobs(t, "keys", o->items.ptr, o->len, o->n);
	iss_trust_append(t, c->signer, c->now, o->items.ptr, o->len, o->n,
	    &o->version);
	memcpy(target, "kid:", 4);
	iss_hex_encode(target + 4, c->kid, SP_KID_LEN);
	iss_store_audit(t, c->now, c->who, "keys.remove", target);
out:
	sp_buf_clear(&old);
}

int
iss_keys_remove(struct iss_keys *k, struct reg_db *db,
    const uint8_t kid[SP_KID_LEN], int64_t now, const char *who)
{
	struct remove_ctx c = { .signer = k->cur, .now = now, .who = who };
	int r;

	memcpy(c.kid, kid, SP_KID_LEN);
	sp_buf_init(&c.out.items);
	r = reg_db_write(db, remove_txn, &c);
	if (r != SP_OK && c.answer != SP_OK)
		r = c.answer;
	if (r == SP_OK && (r = set_build(k, &c.out)) == SP_OK)
		r = trust_load(k, db);
	sp_buf_clear(&c.out.items);
	return r;
}

/* Walks the COSE_KeySet (an array of maps) to its i-th key. */
int
iss_keys_info(const struct iss_keys *k, size_t i, uint8_t kid[SP_KID_LEN],
    uint8_t fp[32])
{
	struct cbor_reader rd;
	const uint8_t *start;
	uint64_t n;
	size_t j;
	int r;

	cbor_reader_init(&rd, k->set.ptr, k->set.len);
	if ((r = cbor_read_array(&rd, &n)) != SP_OK)
		return r;
	if (i >= n)
		return SP_ERR_NOT_FOUND;
	for (j = 0; j < i; j++)
		if ((r = cbor_skip(&rd)) != SP_OK)
			return r;
	start = rd.p;
	if ((r = cbor_skip(&rd)) != SP_OK ||
	    (r = sp_sha256(fp, start, (size_t)(rd.p - start))) != SP_OK)
		return r;
	if (kid != NULL)
		memcpy(kid, fp, SP_KID_LEN);
	return SP_OK;
}

const struct sig_priv *
iss_keys_priv(const struct iss_keys *k)
{
	return &k->cur->priv;
}
