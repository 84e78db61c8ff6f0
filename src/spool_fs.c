/* spool_fs.c: the spool's file primitives: a box or an entry opened
 * without following links, a file written durably (created, written,
 * fsynced), one replaced atomically (rename over it), one read back
 * within a bound. */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdio.h"
#include "spool.h"
#include "spool_int.h"

int
spool_sub_open(const char *dir, const char *sub, struct err *err)
{
	int fd, sfd;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 &&
	    errno == ENOENT) {
		if (spool_init(dir, err) == -1)
			return -1;
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (fd == -1) {
		err_set(err, "%s: %s", dir, strerror(errno));
		return -1;
	}
	sfd = openat(fd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sfd == -1 && errno == ENOENT) {
		if (spool_init(dir, err) == -1) {
			(void)close(fd);
			return -1;
		}
		sfd = openat(fd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (sfd == -1)
		err_set(err, "%s/%s: %s", dir, sub, strerror(errno));
	(void)close(fd);
	return sfd;
}

int
spool_box_open(const char *dir, enum spool_box box, struct err *err)
{
	if ((size_t)box >= SPOOL__NBOX) {
		err_set(err, "bad spool box");
		return -1;
	}
	return spool_sub_open(dir, spool_box_name(box), err);
}

int
spool_entry_open(const char *dir, enum spool_box box, const char *name,
    struct err *err)
{
	int bfd, efd;

	if (!spool_name_valid(name)) {
		err_set(err, "bad spool name");
		return -1;
	}
	if ((bfd = spool_box_open(dir, box, err)) == -1)
		return -1;
	efd = openat(bfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (efd == -1) {
		if (errno == ENOENT)
			efd = -2;
		else
			err_set(err, "%s/%s: %s", spool_box_name(box), name,
			    strerror(errno));
	}
	(void)close(bfd);
	return efd;
}

int
spool_file_put(int dirfd, const char *fname, const void *buf, size_t len,
    int excl, struct err *err)
{
	int fd, flags = O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC;

	flags |= excl ? O_EXCL : O_TRUNC;
	if ((fd = openat(dirfd, fname, flags, SPOOL_FILE_MODE)) == -1) {
		err_set(err, "%s: open: %s", fname, strerror(errno));
		return -1;
	}
	if (write_all(fd, buf, len) == -1) {
		err_set(err, "%s: write: %s", fname, strerror(errno));
		goto fail;
	}
	if (fsync(fd) == -1) {
		err_set(err, "%s: fsync: %s", fname, strerror(errno));
		goto fail;
	}
	if (close(fd) == -1) {
		fd = -1;
		err_set(err, "%s: close: %s", fname, strerror(errno));
		goto fail;
	}
	return 0;
fail:
	if (fd != -1)
		(void)close(fd);
	(void)unlinkat(dirfd, fname, 0);
	return -1;
}

int
spool_file_replace(int dirfd, const char *fname, const void *buf, size_t len,
    int sync_dir, struct err *err)
{
	char tmp[64];
	int n;

	n = snprintf(tmp, sizeof(tmp), "%s.tmp", fname);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		err_set(err, "file name too long");
		return -1;
	}
	if (spool_file_put(dirfd, tmp, buf, len, 0, err) == -1)
		return -1;
	if (renameat(dirfd, tmp, dirfd, fname) == -1) {
		err_set(err, "%s: rename: %s", fname, strerror(errno));
		(void)unlinkat(dirfd, tmp, 0);
		return -1;
	}
	if (sync_dir && fsync(dirfd) == -1) {
		err_set(err, "%s: fsync of folder: %s", fname, strerror(errno));
		return -1;
	}
	return 0;
}

int
spool_file_get(int dirfd, const char *fname, size_t max, char **buf,
    size_t *len, struct err *err)
{
	struct stat st;
	char *p = NULL;
	size_t n = 0;
	ssize_t r;
	int fd;

	*buf = NULL;
	*len = 0;
	fd = openat(dirfd, fname, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1 && errno == ENOENT)
		return 1;
	if (fd == -1) {
		err_set(err, "%s: %s", fname, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		err_set(err, "%s: %s", fname, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode) || st.st_size < 0 ||
	    (uint64_t)st.st_size > max) {
		err_set(err, "%s: not a regular file or too large", fname);
		goto fail;
	}
	if ((p = malloc((size_t)st.st_size + 1)) == NULL) {
		err_set(err, "out of memory");
		goto fail;
	}
	while (n < (size_t)st.st_size) {
		r = read(fd, p + n, (size_t)st.st_size - n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			err_set(err, "%s: read: %s", fname, strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;	/* shrank meanwhile: the decoder judges */
		n += (size_t)r;
	}
	p[n] = '\0';
	(void)close(fd);
	*buf = p;
	*len = n;
	return 0;
fail:
	free(p);
	(void)close(fd);
	return -1;
}
