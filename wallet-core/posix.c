/* SPDX-License-Identifier: Apache-2.0 */
/*
 * POSIX reference implementation of the wallet's file operations, for
 * apps (and the CLI) that store the wallet in a directory: atomic
 * replacement by temp file + fsync + rename + directory fsync, mode 0600.
 * The only file of wallet-core that touches the file system.
 */
#include "wallet_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct sp_wallet_posix {
	int dirfd;
};

int
sp_wallet_posix_new(struct sp_wallet_posix **out, const char *dir)
{
	struct sp_wallet_posix *p;
	int fd;

	if (out == NULL || dir == NULL)
		return SP_ERR_INVALID_ARG;
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return errno == ENOENT ? SP_ERR_NOT_FOUND : SP_ERR_STORAGE;
	if ((p = malloc(sizeof(*p))) == NULL) {
		close(fd);
		return SP_ERR_NOMEM;
	}
	p->dirfd = fd;
	*out = p;
	return SP_OK;
}

void
sp_wallet_posix_free(struct sp_wallet_posix **pp)
{
	if (pp == NULL || *pp == NULL)
		return;
	close((*pp)->dirfd);
	free(*pp);
	*pp = NULL;
}

void
sp_wallet_posix_ops(struct sp_wallet_posix *p, struct sp_wallet_ops *ops)
{
	if (ops == NULL)
		return;
	memset(ops, 0, sizeof(*ops));
	ops->version = SP_WALLET_OPS_VERSION;
	ops->ctx = p;
	ops->read = sp_wallet_posix_read;
	ops->write_atomic = sp_wallet_posix_write_atomic;
	ops->now = sp_wallet_posix_now;
}

/* A plain file name in the directory: no '/', not "." or "..". */
static bool
file_name_ok(const char *name)
{
	size_t n;

	return name != NULL && (n = strlen(name)) > 0 && n < 200 &&
	    strchr(name, '/') == NULL && strcmp(name, ".") != 0 &&
	    strcmp(name, "..") != 0;
}

static int
storage_err(int e)
{
	return e == ENOSPC || e == EDQUOT ? SP_ERR_STORAGE_FULL :
	    SP_ERR_STORAGE;
}

int
sp_wallet_posix_read(void *ctx, const char *name, uint8_t *buf, size_t cap,
    size_t *len)
{
	struct sp_wallet_posix *p = ctx;
	struct stat st;
	size_t got = 0;
	ssize_t n;
	int fd, r = SP_ERR_STORAGE;

	if (p == NULL || !file_name_ok(name) || len == NULL ||
	    (buf == NULL && cap != 0))
		return SP_ERR_INVALID_ARG;
	if ((fd = openat(p->dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) <
	    0)
		return errno == ENOENT ? SP_ERR_NOT_FOUND : SP_ERR_STORAGE;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 0)
		goto out;
	if ((uint64_t)st.st_size > cap) {
		*len = (size_t)st.st_size;
		r = SP_ERR_BUFFER_SMALL;
		goto out;
	}
	while (got < cap) {
		n = read(fd, buf + got, cap - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto out;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	/* Grown since fstat (another writer): say how big it is now. */
	if (got == cap && fstat(fd, &st) == 0 && (uint64_t)st.st_size > cap) {
		*len = (size_t)st.st_size;
		r = SP_ERR_BUFFER_SMALL;
		goto out;
	}
	*len = got;
	r = SP_OK;
out:
	close(fd);
	return r;
}

int
sp_wallet_posix_write_atomic(void *ctx, const char *name, const uint8_t *buf,
    size_t len)
{
	struct sp_wallet_posix *p = ctx;
	char tmp[256];
	size_t done = 0;
	ssize_t n;
	int fd, r = SP_ERR_STORAGE;

	if (p == NULL || !file_name_ok(name) || (buf == NULL && len != 0))
		return SP_ERR_INVALID_ARG;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", name) >= sizeof(tmp))
		return SP_ERR_INVALID_ARG;
	/* One writer per store: a temp file left by a crash is reused. */
	fd = openat(p->dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
	    O_NOFOLLOW, 0600);
	if (fd < 0)
		return storage_err(errno);
	if (fchmod(fd, 0600) != 0) {
		r = storage_err(errno);
		goto fail;
	}
	while (done < len) {
		n = write(fd, buf + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = storage_err(n < 0 ? errno : ENOSPC);
			goto fail;
		}
		done += (size_t)n;
	}
	/* Data on disk before the name points at it ... */
	if (fsync(fd) != 0) {
		r = storage_err(errno);
		goto fail;
	}
	if (close(fd) != 0) {
		fd = -1;
		r = storage_err(errno);
		goto fail;
	}
	fd = -1;
	if (renameat(p->dirfd, tmp, p->dirfd, name) != 0) {
		r = storage_err(errno);
		goto fail;
	}
	/* ... and the new name on disk before we say it is saved. */
	if (fsync(p->dirfd) != 0)
		return storage_err(errno);
	return SP_OK;
fail:
	if (fd >= 0)
		close(fd);
	(void)unlinkat(p->dirfd, tmp, 0);
	return r;
}

int64_t
sp_wallet_posix_now(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec;
}
