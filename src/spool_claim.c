/* spool_claim.c: moving an entry between boxes (a drainer claims one
 * by new/ -> cur/), locking a claimed one for whoever runs it, and the
 * wake file that tells a running drainer that states changed. */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spool.h"
#include "spool_int.h"

int
spool_move(const char *dir, const char *name, enum spool_box from,
    enum spool_box to, struct err *err)
{
	int ffd = -1, tfd = -1, rc = -1;

	if (!spool_name_valid(name)) {
		err_set(err, "bad spool name");
		return -1;
	}
	if ((ffd = spool_box_open(dir, from, err)) == -1 ||
	    (tfd = spool_box_open(dir, to, err)) == -1)
		goto done;
	if (renameat(ffd, name, tfd, name) == -1) {
		if (errno == ENOENT)
			rc = 1;
		else
			err_set(err, "%s/%s -> %s: %s", spool_box_name(from),
			    name, spool_box_name(to), strerror(errno));
		goto done;
	}
	/* A rename is one journal transaction on the file systems we
	 * support (ext4, xfs, btrfs, tmpfs): the destination's fsync makes
	 * both sides durable. A claim needs no fsync at all: a claim lost
	 * in a crash leaves the entry in new/, where its state tells. */
	if (to != SPOOL_CUR && fsync(tfd) == -1) {
		err_set(err, "%s/%s -> %s: fsync: %s", spool_box_name(from),
		    name, spool_box_name(to), strerror(errno));
		goto done;
	}
	rc = 0;
done:
	if (tfd != -1)
		(void)close(tfd);
	if (ffd != -1)
		(void)close(ffd);
	return rc;
}

int
spool_lock(const char *dir, enum spool_box box, const char *name,
    struct err *err)
{
	int efd;

	if ((efd = spool_entry_open(dir, box, name, err)) == -2)
		return -3;
	if (efd == -1)
		return -1;
	if (flock(efd, LOCK_EX | LOCK_NB) == 0)
		return efd;
	if (errno == EWOULDBLOCK) {
		(void)close(efd);
		return -2;
	}
	err_set(err, "%s/%s: flock: %s", spool_box_name(box), name,
	    strerror(errno));
	(void)close(efd);
	return -1;
}

int
spool_poke(const char *dir, struct err *err)
{
	char *tmp = NULL, *path = NULL;
	int fd = -1, rc = -1;

	if (asprintf(&tmp, "%s/wake.tmp", dir) == -1 ||
	    asprintf(&path, "%s/wake", dir) == -1) {
		err_set(err, "out of memory");
		goto done;
	}
	/* A new file each time: a new inode, even within one tick of the
	 * file system's clock. */
	(void)unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0644)) == -1 || rename(tmp, path) == -1) {
		err_set(err, "%s: %s", path, strerror(errno));
		goto done;
	}
	rc = 0;
done:
	if (fd != -1)
		(void)close(fd);
	free(tmp);
	free(path);
	return rc;
}

int
spool_poked(const char *dir, struct spool_mark *mark)
{
	struct stat st;
	char *path;
	int r;

	if (asprintf(&path, "%s/wake", dir) == -1)
		return 0;
	r = stat(path, &st);
	free(path);
	if (r == -1 || (st.st_ino == mark->ino &&
	    st.st_mtim.tv_sec == mark->mtim.tv_sec &&
	    st.st_mtim.tv_nsec == mark->mtim.tv_nsec))
		return 0;
	mark->ino = st.st_ino;
	mark->mtim = st.st_mtim;
	return 1;
}
