/* spool_sweep.c: taking entries out of the spool: one removed (out of
 * its box at once, deleted after), what a crash left in tmp/ swept,
 * and finished entries expired after keep_done. */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "spool.h"
#include "spool_int.h"

/* Deletes dirfd/name: a file, or a folder of files. */
static int
rm_tree(int dirfd, const char *name)
{
	struct dirent *de;
	DIR *d;
	int fd, rc = 0;

	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd == -1) {
		if (errno == ENOENT)
			return 0;
		if (errno == ENOTDIR || errno == ELOOP)
			return unlinkat(dirfd, name, 0) == -1 &&
			    errno != ENOENT ? -1 : 0;
		return -1;
	}
	if ((d = fdopendir(fd)) == NULL) {
		(void)close(fd);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (unlinkat(fd, de->d_name, 0) == -1 && errno != ENOENT &&
		    unlinkat(fd, de->d_name, AT_REMOVEDIR) == -1)
			rc = -1;
	}
	(void)closedir(d);
	if (unlinkat(dirfd, name, AT_REMOVEDIR) == -1 && errno != ENOENT)
		rc = -1;
	return rc;
}

int
spool_remove(const char *dir, enum spool_box box, const char *name,
    struct err *err)
{
	char gone[SPOOL_NAME_MAX + 8];
	int bfd = -1, tfd = -1, rc = -1;

	if (!spool_name_valid(name)) {
		err_set(err, "bad spool name");
		return -1;
	}
	(void)snprintf(gone, sizeof(gone), "%s.rm", name);
	if ((bfd = spool_box_open(dir, box, err)) == -1 ||
	    (tfd = spool_sub_open(dir, "tmp", err)) == -1)
		goto done;
	if (renameat(bfd, name, tfd, gone) == -1) {
		if (errno == ENOENT)
			rc = 1;
		else
			err_set(err, "%s/%s: %s", spool_box_name(box), name,
			    strerror(errno));
		goto done;
	}
	/* Gone from the box now; a crash from here on leaves tmp/ litter
	 * that spool_sweep_tmp() deletes. */
	(void)fsync(bfd);
	if (rm_tree(tfd, gone) == -1) {
		err_set(err, "tmp/%s: %s", gone, strerror(errno));
		goto done;
	}
	rc = 0;
done:
	if (tfd != -1)
		(void)close(tfd);
	if (bfd != -1)
		(void)close(bfd);
	return rc;
}

int
spool_sweep_tmp(const char *dir, time_t now, long max_age, struct err *err)
{
	struct dirent *de;
	struct stat st;
	struct strlist old = { NULL, 0 };
	char gone[NAME_MAX + 8];
	DIR *d = NULL;
	size_t i, len;
	int fd, n = 0;

	if ((fd = spool_sub_open(dir, "tmp", err)) == -1)
		return -1;
	if ((d = fdopendir(fd)) == NULL) {
		err_set(err, "%s/tmp: %s", dir, strerror(errno));
		(void)close(fd);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1)
			continue;
		if (now - st.st_mtime < max_age)
			continue;
		if (strlist_add(&old, de->d_name) == -1) {
			err_set(err, "out of memory");
			goto fail;
		}
	}
	for (i = 0; i < old.n; i++) {
		len = strlen(old.v[i]);
		/* A writer that is merely slow must lose the race cleanly:
		 * rename first, so that its own rename into new/ fails
		 * (and it answers 503) rather than publishing a folder
		 * being emptied. */
		if (len < 3 || strcmp(old.v[i] + len - 3, ".rm") != 0) {
			if (snprintf(gone, sizeof(gone), "%s.rm", old.v[i]) >=
			    (int)sizeof(gone) ||
			    renameat(fd, old.v[i], fd, gone) == -1)
				continue;
		} else
			(void)snprintf(gone, sizeof(gone), "%s", old.v[i]);
		if (rm_tree(fd, gone) == 0)
			n++;
	}
	strlist_clear(&old);
	(void)closedir(d);
	return n;
fail:
	strlist_clear(&old);
	(void)closedir(d);
	return -1;
}

int
spool_expire(const char *dir, enum spool_box box, time_t cutoff,
    struct strlist *removed, struct err *err)
{
	struct strlist names = { NULL, 0 };
	struct spool_entry e;
	struct stat st;
	time_t when;
	size_t i;
	int bfd = -1, efd, n = 0;

	if (spool_list(dir, box, &names, err) == -1)
		return -1;
	if ((bfd = spool_box_open(dir, box, err)) == -1)
		goto fail;
	for (i = 0; i < names.n; i++) {
		/* The state is written last when an entry finishes: its
		 * mtime is a cheap upper bound of the finish time. */
		if ((efd = openat(bfd, names.v[i], O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC)) == -1)
			continue;
		if (fstatat(efd, "state", &st, AT_SYMLINK_NOFOLLOW) == -1 &&
		    fstat(efd, &st) == -1) {
			(void)close(efd);
			continue;
		}
		(void)close(efd);
		if (st.st_mtime >= cutoff)
			continue;
		when = st.st_mtime;
		if (spool_read(dir, box, names.v[i], &e, NULL) == 0) {
			if (e.finished > 0)
				when = (time_t)e.finished;
			spool_entry_free(&e);
		}
		if (when >= cutoff)
			continue;
		if (spool_remove(dir, box, names.v[i], err) != 0)
			continue;
		n++;
		if (removed != NULL && strlist_add(removed, names.v[i]) == -1) {
			err_set(err, "out of memory");
			goto fail;
		}
	}
	(void)close(bfd);
	strlist_clear(&names);
	return n;
fail:
	if (bfd != -1)
		(void)close(bfd);
	strlist_clear(&names);
	return -1;
}
