/* stats_file.c: the shared counters file: made, checked before it is
 * trusted, moved aside when it fails, mapped shared. */
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fdio.h"
#include "log.h"
#include "stats_int.h"

#define OPEN_TRIES	4	/* made, moved aside, made again, ... */

static void
key_set(struct key *k, const char *ep, const char *name)
{
	(void)snprintf(k->ep, sizeof(k->ep), "%s", ep);
	(void)snprintf(k->name, sizeof(k->name), "%s", name);
	k->state = SLOT_READY;
}

void
stats_file_init(struct stats_file *f, int64_t now)
{
	memset(f, 0, sizeof(*f));
	memcpy(f->magic, STATS_MAGIC, sizeof(f->magic));
	f->layout = STATS_LAYOUT;
	f->size = (uint32_t)sizeof(*f);
	f->created = now;
	key_set(&f->eps[EP_UNKNOWN].k, STATS_EP_UNKNOWN, "");
	key_set(&f->eps[EP_OTHER].k, STATS_EP_OTHER, "");
	key_set(&f->reqs[ROW_OTHER].k, STATS_EP_OTHER, "");
	key_set(&f->hooks[ROW_OTHER].k, STATS_EP_OTHER, STATS_NAME_OTHER);
	key_set(&f->tgts[ROW_OTHER].k, STATS_EP_OTHER, STATS_NAME_OTHER);
}

/* 0 when the mapped bytes are ours: magic, layout, size. */
static int
header_ok(const struct stats_file *f)
{
	return memcmp(f->magic, STATS_MAGIC, sizeof(f->magic)) == 0 &&
	    f->layout == STATS_LAYOUT && f->size == sizeof(*f) ? 0 : -1;
}

/* What fstat must show before the file is mapped: a regular file of the
 * exact size, with one link (not a hard link to something else), not
 * writable by group or others, owned by owner. NULL when fine. */
static const char *
file_refused(const struct stat *sb, uid_t owner)
{
	if (!S_ISREG(sb->st_mode))
		return "not a regular file";
	if (sb->st_uid != owner)
		return "owned by another user";
	if (sb->st_nlink != 1)
		return "linked elsewhere too";
	if (sb->st_mode & (S_IWGRP | S_IWOTH))
		return "writable by others";
	if (sb->st_size != (off_t)sizeof(struct stats_file))
		return "of another size (an older layout?)";
	return NULL;
}

/* Who may own the file: us; for root, and for a reader, also the spool
 * folder's owner (a drainer run by root's cron counts in the server
 * user's file; `hookline stats` reads it). */
static int
owner_ok(uid_t owner, const struct stat *dir, bool rw)
{
	return owner == geteuid() || ((geteuid() == 0 || !rw) &&
	    owner == dir->st_uid);
}

/* Moves the file at dirfd/STATS_FILE aside when it is still the one
 * checked (ino): under a lock on it, so that two processes that found
 * the same bad file do not move the good one the first made. fd may be
 * -1 (a symlink: no lock, the identity check only). */
static int
move_aside(int dirfd, int fd, const struct stat *bad, struct err *err)
{
	struct stat now;
	int rc = -1;

	if (fd >= 0 && flock(fd, LOCK_EX) != 0) {
		err_set(err, "stats: cannot lock the file to move it aside: "
		    "%s", strerror(errno));
		return -1;
	}
	if (fstatat(dirfd, STATS_FILE, &now, AT_SYMLINK_NOFOLLOW) != 0 ||
	    now.st_ino != bad->st_ino || now.st_dev != bad->st_dev)
		rc = 0;		/* someone moved it already */
	else if (renameat(dirfd, STATS_FILE, dirfd, STATS_FILE_OLD) == 0)
		rc = 0;
	else
		err_set(err, "stats: cannot move the file aside: %s",
		    strerror(errno));
	if (fd >= 0)
		(void)flock(fd, LOCK_UN);
	return rc;
}

/* Makes a complete file under a temporary name and links it in place:
 * whoever opens STATS_FILE sees a whole file or none. Every byte is
 * written (not a sparse ftruncate), so that a store through the mapping
 * never needs a block the file system may not have: on a full disk
 * that would be SIGBUS, not an error. 0 also when another process
 * linked its own first. */
static int
make_file(int dirfd, const struct stat *dir, struct err *err)
{
	struct stats_file *f;
	char tmp[64];
	int fd, rc = -1;

	if ((f = malloc(sizeof(*f))) == NULL) {
		err_set(err, "stats: out of memory");
		return -1;
	}
	stats_file_init(f, (int64_t)time(NULL));

	(void)snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", STATS_FILE,
	    (long)getpid());
	(void)unlinkat(dirfd, tmp, 0);
	fd = openat(dirfd, tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (fd < 0) {
		err_set(err, "stats: cannot create %s: %s", tmp,
		    strerror(errno));
		free(f);
		return -1;
	}
	if (write_all(fd, f, sizeof(*f)) != 0 || (geteuid() == 0 &&
	    dir->st_uid != 0 && fchown(fd, dir->st_uid, dir->st_gid) != 0)) {
		err_set(err, "stats: cannot write %s: %s", tmp, strerror(errno));
		goto done;
	}
	if (linkat(dirfd, tmp, dirfd, STATS_FILE, 0) != 0 && errno != EEXIST) {
		err_set(err, "stats: cannot link %s: %s", STATS_FILE,
		    strerror(errno));
		goto done;
	}
	rc = 0;
done:
	(void)unlinkat(dirfd, tmp, 0);
	(void)close(fd);
	free(f);
	return rc;
}

/* A file that failed the checks (fd: open on it, or -1): moved aside,
 * but when it is the spool owner's and we are someone else (not root):
 * a process that does not run as the spool's owner must not throw the
 * owner's counts away; it goes on without counting. Returns 1 (moved:
 * try again) or -1 with err. */
static int
refuse_file(int dirfd, int fd, const struct stat *sb, const struct stat *dir,
    bool rw, const char *why, struct err *err)
{
	err_set(err, "stats: the file %s is %s", STATS_FILE, why);
	if (!rw)
		return -1;
	if (sb->st_uid == dir->st_uid && sb->st_uid != geteuid() &&
	    geteuid() != 0) {
		err_set(err, "stats: the file %s is the spool owner's (uid %lu)"
		    " and %s; we run as uid %lu", STATS_FILE,
		    (unsigned long)sb->st_uid, why, (unsigned long)geteuid());
		return -1;
	}
	return move_aside(dirfd, fd, sb, err) == 0 ? 1 : -1;
}

/* Maps fd when fstat and the header say it is ours. NULL: why not. */
static const char *
map_checked(int fd, const struct stat *sb, const struct stat *dir, bool rw,
    void **map)
{
	const char *why;

	*map = MAP_FAILED;
	why = file_refused(sb, owner_ok(sb->st_uid, dir, rw) ? sb->st_uid :
	    geteuid());
	if (why == NULL && (*map = mmap(NULL, sizeof(struct stats_file),
	    rw ? PROT_READ | PROT_WRITE : PROT_READ, MAP_SHARED, fd, 0)) ==
	    MAP_FAILED)
		why = "not mappable";
	if (why == NULL && header_ok(*map) != 0)
		why = "of another layout";
	if (why != NULL && *map != MAP_FAILED) {
		(void)munmap(*map, sizeof(struct stats_file));
		*map = MAP_FAILED;
	}
	return why;
}

/* One try at opening and checking. Returns 0 with st set, 1 to try
 * again (made or moved aside), 2 when reading and there is no file, -1
 * with err. */
static int
open_once(int dirfd, const struct stat *dir, bool rw, struct stats *st,
    struct err *err)
{
	struct stat sb;
	const char *why;
	void *map;
	int fd, e, rc;

	fd = openat(dirfd, STATS_FILE, (rw ? O_RDWR : O_RDONLY) | O_NOFOLLOW |
	    O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		if (e == ENOENT && rw)
			return make_file(dirfd, dir, err) == 0 ? 1 : -1;
		if (e == ENOENT) {
			err_set(err, "stats: no file yet");
			return 2;
		}
		if ((e == ELOOP || e == EACCES || e == EPERM) &&
		    fstatat(dirfd, STATS_FILE, &sb, AT_SYMLINK_NOFOLLOW) == 0)
			return refuse_file(dirfd, -1, &sb, dir, rw,
			    e == ELOOP ? "a symbolic link" : "not ours to open",
			    err);
		err_set(err, "stats: cannot open %s: %s", STATS_FILE,
		    strerror(e));
		return -1;
	}
	if (fstat(fd, &sb) != 0) {
		err_set(err, "stats: cannot stat: %s", strerror(errno));
		(void)close(fd);
		return -1;
	}
	if ((why = map_checked(fd, &sb, dir, rw, &map)) == NULL) {
		(void)close(fd);	/* the mapping stays */
		st->f = map;
		st->size = sizeof(struct stats_file);
		st->rw = rw;
		return 0;
	}
	rc = refuse_file(dirfd, fd, &sb, dir, rw, why, err);
	(void)close(fd);
	return rc;
}

/* Opens spool_dir/stats for counting (rw) or reading. Returns 0, 2 when
 * reading and there is no file, -1 with err. */
static int
stats_open_mode(const char *spool_dir, bool rw, struct stats **out,
    struct err *err)
{
	struct stats *st;
	struct stat dir;
	int dirfd, i, rc = -1;

	*out = NULL;
	if ((st = calloc(1, sizeof(*st))) == NULL) {
		err_set(err, "stats: out of memory");
		return -1;
	}
	dirfd = open(spool_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0 && errno == ENOENT) {
		err_set(err, "stats: no spool %s", spool_dir);
		rc = -2;
		goto done;
	}
	if (dirfd < 0 || fstat(dirfd, &dir) != 0) {
		err_set(err, "stats: cannot open the spool %s: %s", spool_dir,
		    strerror(errno));
		goto done;
	}
	for (i = 0, rc = 1; rc == 1 && i < OPEN_TRIES; i++)
		rc = open_once(dirfd, &dir, rw, st, err);
	if (rc == 1) {
		err_set(err, "stats: the file keeps changing under us");
		rc = -1;
	}
done:
	if (dirfd >= 0)
		(void)close(dirfd);
	if (rc == 0)
		*out = st;
	else
		free(st);
	return rc;
}

int
stats_open(const char *spool_dir, struct stats **out, struct err *err)
{
	return stats_open_mode(spool_dir, true, out, err);
}

void
stats_close(struct stats *st)
{
	if (st == NULL)
		return;
	if (st->f != NULL)
		(void)munmap(st->f, st->size);
	free(st);
}

int
stats_attach(struct conf *conf, struct err *err)
{
	if (conf->stats != NULL)
		return 0;
	return stats_open(conf->spool_dir, &conf->stats, err);
}

void
stats_start(struct conf *conf)
{
	struct err err;

	if (conf == NULL || conf->stats != NULL)
		return;
	/* A sync-only setup without a spool folder counts nothing, quietly. */
	if (stats_attach(conf, &err) == -1)
		log_msg("warning", "not counting: %s", err.msg);
}

int
stats_read(const char *spool_dir, struct stats_snap **out, struct err *err)
{
	struct stats *st;
	int rc;

	*out = NULL;
	rc = stats_open_mode(spool_dir, false, &st, err);
	if (rc < 0)
		return -1;
	if (stats_snapshot(st, out, err) != 0) {
		stats_close(st);
		return -1;
	}
	stats_close(st);
	return rc == 2 ? 1 : 0;
}
