/* payfile.c: HOOKLINE_PAYLOAD_FILE: one private copy of the body per delivery attempt, kept intact, removed, swept. */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fdio.h"
#include "payfile.h"

#define PAYFILE_DIR_MODE	0700
#define PAYFILE_PREFIX		"body."
/* A copy this old whose attempt holds no lock was left by a hookline
 * that died. The age covers the moment between making a copy and
 * locking it; the lock covers attempts of any length. */
#define SWEEP_AGE		60	/* seconds */
/* One attempt in about this many sweeps (see payfile_make()). */
#define SWEEP_ONE_IN		8

/* Makes sure dir (made 0700 if missing, its parent too when parent is
 * set) is a folder of ours that nobody else can enter. A stat, not an
 * fd: only we can rename it or what is in it (our spool; in a sticky
 * $TMPDIR, our folder), so it stays what was checked. 0, or -1 with
 * err. */
static int
folder_ready(const char *dir, const char *parent, struct err *err)
{
	struct stat st;

	if (lstat(dir, &st) == -1) {
		if (errno != ENOENT) {
			err_set(err, "%s: %s", dir, strerror(errno));
			return -1;
		}
		if (parent != NULL && mkdir(parent, PAYFILE_DIR_MODE) == -1 &&
		    errno != EEXIST) {
			err_set(err, "%s: mkdir: %s", parent, strerror(errno));
			return -1;
		}
		if (mkdir(dir, PAYFILE_DIR_MODE) == -1 && errno != EEXIST) {
			err_set(err, "%s: mkdir: %s", dir, strerror(errno));
			return -1;
		}
		if (lstat(dir, &st) == -1) {
			err_set(err, "%s: %s", dir, strerror(errno));
			return -1;
		}
	}
	if (!S_ISDIR(st.st_mode)) {
		err_set(err, "%s: not a folder", dir);
		return -1;
	}
	/* In a shared $TMPDIR someone else may have made it first. */
	if (st.st_uid != geteuid()) {
		err_set(err, "%s: not owned by hookline's user", dir);
		return -1;
	}
	/* Ours: put right what a chmod changed, rather than refuse. */
	if ((st.st_mode & 07777) != PAYFILE_DIR_MODE &&
	    chmod(dir, PAYFILE_DIR_MODE) == -1) {
		err_set(err, "%s: chmod: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

/* Removes the copies of attempts that died with their hookline: old,
 * and not locked by a living attempt. Best effort: the run goes on. */
static void
sweep(const char *dir, time_t now)
{
	struct dirent *de;
	struct stat st;
	DIR *d;
	int f;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, PAYFILE_PREFIX,
		    sizeof(PAYFILE_PREFIX) - 1) != 0 ||
		    fstatat(dirfd(d), de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) == -1 ||
		    !S_ISREG(st.st_mode) || now - st.st_mtime < SWEEP_AGE)
			continue;
		f = openat(dirfd(d), de->d_name, O_RDONLY | O_NOFOLLOW |
		    O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
		if (f == -1)
			continue;
		if (flock(f, LOCK_EX | LOCK_NB) == 0)
			(void)unlinkat(dirfd(d), de->d_name, 0);
		(void)close(f);
	}
	(void)closedir(d);
}

/* A new copy at pf->path (made from the template when make is set, else
 * at the same path again): written, locked, its identity noted. */
static int
copy_write(struct payfile *pf, bool make, struct err *err)
{
	struct stat st;
	int fd;

	if (make)
		fd = mkostemp(pf->path, O_CLOEXEC);
	else
		fd = open(pf->path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
	if (fd == -1) {
		err_set(err, "payload file %s: %s", pf->path, strerror(errno));
		return -1;
	}
	/* Shared: the hook may take a shared lock of its own; the sweeper
	 * asks for an exclusive one, which fails while we live. */
	if (flock(fd, LOCK_SH) == -1 ||
	    write_all(fd, pf->body, pf->len) == -1 || fstat(fd, &st) == -1) {
		err_set(err, "payload file %s: %s", pf->path, strerror(errno));
		(void)unlink(pf->path);
		(void)close(fd);
		return -1;
	}
	if (pf->fd != -1)
		(void)close(pf->fd);
	pf->fd = fd;
	pf->st = st;
	return 0;
}

/* The folder for the copies: spool_dir/payload, else $TMPDIR (or /tmp)
 * /hookline-payload-UID when the spool cannot have it. Its path in
 * *dirp (the caller frees it), or -1 with err. */
static int
pick_folder(const char *spool_dir, char **dirp, struct err *err)
{
	struct err e1, e2;
	const char *tmp = getenv("TMPDIR");

	e1.msg[0] = '\0';
	if (spool_dir != NULL) {
		if (asprintf(dirp, "%s/payload", spool_dir) == -1)
			goto nomem;
		if (folder_ready(*dirp, spool_dir, &e1) == 0)
			return 0;
		free(*dirp);
	}
	if (tmp == NULL || tmp[0] != '/')
		tmp = "/tmp";
	if (asprintf(dirp, "%s/hookline-payload-%lu", tmp,
	    (unsigned long)geteuid()) == -1)
		goto nomem;
	if (folder_ready(*dirp, NULL, &e2) == 0)
		return 0;
	free(*dirp);
	*dirp = NULL;
	if (e1.msg[0] != '\0')
		err_set(err, "%s; %s", e1.msg, e2.msg);
	else
		*err = e2;
	return -1;
nomem:
	*dirp = NULL;
	err_set(err, "out of memory");
	return -1;
}

int
payfile_make(struct payfile *pf, const char *spool_dir,
    const unsigned char *body, size_t len, struct err *err)
{
	char *dir;
	size_t n;

	memset(pf, 0, sizeof(*pf));
	pf->fd = -1;
	pf->body = body;
	pf->len = len;
	if (pick_folder(spool_dir, &dir, err) == -1)
		return -1;
	if (asprintf(&pf->path, "%s/" PAYFILE_PREFIX "XXXXXX", dir) == -1) {
		pf->path = NULL;
		free(dir);
		err_set(err, "out of memory");
		return -1;
	}
	if (copy_write(pf, true, err) == -1) {
		free(pf->path);
		pf->path = NULL;
		free(dir);
		return -1;
	}
	/* Leftovers come only from a hookline that died: one attempt in
	 * about SWEEP_ONE_IN looks for them, chosen by its file's random
	 * name (a readdir on every attempt would be most of its cost). */
	n = strlen(pf->path);
	if ((unsigned char)pf->path[n - 1] % SWEEP_ONE_IN == 0)
		sweep(dir, time(NULL));
	free(dir);
	return 0;
}

void
payfile_sweep(const char *spool_dir)
{
	struct err err;
	char *dir;

	if (pick_folder(spool_dir, &dir, &err) == 0) {
		sweep(dir, time(NULL));
		free(dir);
	}
}

int
payfile_keep(struct payfile *pf, struct err *err)
{
	struct stat st;

	if (lstat(pf->path, &st) == 0 && st.st_dev == pf->st.st_dev &&
	    st.st_ino == pf->st.st_ino && st.st_size == pf->st.st_size &&
	    st.st_mode == pf->st.st_mode &&
	    st.st_mtim.tv_sec == pf->st.st_mtim.tv_sec &&
	    st.st_mtim.tv_nsec == pf->st.st_mtim.tv_nsec &&
	    st.st_ctim.tv_sec == pf->st.st_ctim.tv_sec &&
	    st.st_ctim.tv_nsec == pf->st.st_ctim.tv_nsec)
		return 0;
	/* Changed, replaced or removed by a hook: the next hook gets the
	 * body as received, at the same path. */
	if (unlink(pf->path) == -1 && errno != ENOENT) {
		err_set(err, "payload file %s: %s", pf->path, strerror(errno));
		return -1;
	}
	return copy_write(pf, false, err);
}

void
payfile_remove(struct payfile *pf)
{
	if (pf == NULL)
		return;
	if (pf->path != NULL)
		(void)unlink(pf->path);
	if (pf->fd != -1)
		(void)close(pf->fd);
	free(pf->path);
	pf->path = NULL;
	pf->fd = -1;
}
