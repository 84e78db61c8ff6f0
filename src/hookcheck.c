/* hookcheck.c: may this file run as a hook: its folders, the file and, for a symlink, where it leads. */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hookcheck.h"

/* O_NOFOLLOW: a symlink fails with ELOOP and gets its own check.
 * O_NONBLOCK: a FIFO planted as a hook must not block the open; the
 * fstat() that follows refuses it. */
#define HOOK_OPEN	(O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | \
			 O_NOCTTY)
#define DIR_OPEN	(O_RDONLY | O_DIRECTORY | O_CLOEXEC)

/* relpath as route_resolve() makes it: "E", "E.d/NAME" or "_default";
 * at most one '/', no empty, "." or ".." component, no leading dot. */
int
hook_relpath_valid(const char *p)
{
	size_t i, seg = 0, slashes = 0;

	for (i = 0; p[i] != '\0'; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '/') {
			if (seg == 0 || ++slashes > 1)
				return 0;
			seg = 0;
			continue;
		}
		if (seg == 0 && c == '.')
			return 0;
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		    c == ':' || c == '-'))
			return 0;
		seg++;
	}
	return seg > 0;
}

/* Only we and root may own what we run: anyone else who owns it may
 * change it, and so run code as us. */
static bool
owner_ok(const struct stat *st)
{
	return st->st_uid == geteuid() || st->st_uid == 0;
}

/* A folder a hook is in: whoever may write it may swap the hook for
 * another file between our check and the exec. what names it in err. */
static int
dir_ok(const struct stat *st, const char *what, struct err *err)
{
	if (!owner_ok(st)) {
		err_set(err, "%s is not owned by hookline's user or root",
		    what);
		return -1;
	}
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		err_set(err, "%s is writable by group or others", what);
		return -1;
	}
	return 0;
}

static int
fdir_ok(int fd, const char *what, struct err *err)
{
	struct stat st;

	if (fstat(fd, &st) == -1) {
		err_set(err, "%s: %s", what, strerror(errno));
		return -1;
	}
	return dir_ok(&st, what, err);
}

/* The folders from rdir (excluded: checked already) down to the one
 * holding rhook, which lies inside rdir and holds no symlink. */
static int
dirs_below_ok(const char *rdir, char *rhook, struct err *err)
{
	struct stat st;
	size_t i, dl = strlen(rdir);
	int rc = 0;

	if (rhook[dl] == '\0')
		return 0;	/* the folder itself: file_ok() refuses it */
	for (i = dl + 1; rc == 0 && rhook[i] != '\0'; i++) {
		if (rhook[i] != '/')
			continue;
		rhook[i] = '\0';
		if (lstat(rhook, &st) == -1) {
			err_set(err, "symlink: %s", strerror(errno));
			rc = -1;
		} else
			rc = dir_ok(&st, "the folder the symlink leads to",
			    err);
		rhook[i] = '/';
	}
	return rc;
}

/* A symlinked hook may run only if it resolves inside the hooks folder:
 * a link to a hook kept next to it is handy, a link to /bin/sh is not. */
static int
open_symlinked(const char *hooks_dir, const char *abspath, struct err *err)
{
	char *rdir = NULL, *rhook = NULL;
	size_t dl;
	int fd = -1;

	if ((rdir = realpath(hooks_dir, NULL)) == NULL) {
		err_set(err, "hooks folder: %s", strerror(errno));
		goto fail;
	}
	if ((rhook = realpath(abspath, NULL)) == NULL) {
		err_set(err, "symlink: %s", strerror(errno));
		goto fail;
	}
	/* Whole components: "/h" must not admit "/hx/..."; rdir is "/"
	 * only when the folder is the root. */
	dl = strlen(rdir);
	if (strncmp(rhook, rdir, dl) != 0 ||
	    (rdir[dl - 1] != '/' && rhook[dl] != '/')) {
		err_set(err, "symlink leads out of the hooks folder");
		goto fail;
	}
	/* execve() follows the link again: what it passes must be as safe
	 * from others as the hooks folder itself. */
	if (dirs_below_ok(rdir, rhook, err) == -1)
		goto fail;
	/* rhook holds no symlink now; O_NOFOLLOW keeps it so if the last
	 * component is swapped for one after realpath(). */
	if ((fd = open(rhook, HOOK_OPEN)) == -1)
		err_set(err, "cannot open: %s", strerror(errno));
fail:
	free(rhook);
	free(rdir);
	return fd;
}

/* The E.d folder of relpath "E.d/NAME" under dfd, checked; -1 with err. */
static int
open_sub(int dfd, const char *relpath, const char *slash, struct err *err)
{
	struct stat st;
	char *sub;
	int sfd, e;

	if ((sub = strndup(relpath, (size_t)(slash - relpath))) == NULL) {
		err_set(err, "out of memory");
		return -1;
	}
	/* E.d must be a folder of its own, not a link to one. */
	if ((sfd = openat(dfd, sub, DIR_OPEN | O_NOFOLLOW)) == -1) {
		/* ELOOP or ENOTDIR for a symlink, by kernel. */
		e = errno;
		if ((e == ELOOP || e == ENOTDIR) &&
		    fstatat(dfd, sub, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISLNK(st.st_mode))
			err_set(err, "%s is a symlink, not a folder", sub);
		else
			err_set(err, "%s: %s", sub, strerror(e));
	} else if (fdir_ok(sfd, sub, err) == -1) {
		(void)close(sfd);
		sfd = -1;
	}
	free(sub);
	return sfd;
}

/* The hook itself, on the fd that was opened. */
static int
file_ok(int fd, struct err *err)
{
	struct stat st;

	if (fstat(fd, &st) == -1) {
		err_set(err, "%s", strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		err_set(err, "not a regular file");
		return -1;
	}
	if ((st.st_mode & 0111) == 0) {
		err_set(err, "not executable");
		return -1;
	}
	/* Anyone who may write the hook may run code as us. */
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		err_set(err, "writable by group or others");
		return -1;
	}
	if (!owner_ok(&st)) {
		err_set(err, "not owned by hookline's user or root");
		return -1;
	}
	return 0;
}

int
hook_check(const char *hooks_dir, const char *relpath, const char *abspath,
    struct err *err)
{
	const char *slash, *name = relpath;
	struct stat st;
	int dfd, sfd = -1, pfd, fd = -1, rc = -1;

	if (!hook_relpath_valid(relpath)) {
		err_set(err, "bad hook path");
		return -1;
	}
	if ((dfd = open(hooks_dir, DIR_OPEN)) == -1) {
		err_set(err, "hooks folder: %s", strerror(errno));
		return -1;
	}
	if (fdir_ok(dfd, "the hooks folder", err) == -1)
		goto done;
	pfd = dfd;
	if ((slash = strchr(relpath, '/')) != NULL) {
		if ((sfd = open_sub(dfd, relpath, slash, err)) == -1)
			goto done;
		pfd = sfd;
		name = slash + 1;
	}
	fd = openat(pfd, name, HOOK_OPEN);
	if (fd == -1 && errno == ELOOP &&
	    fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISLNK(st.st_mode))
		fd = open_symlinked(hooks_dir, abspath, err);
	else if (fd == -1)
		err_set(err, "cannot open: %s", strerror(errno));
	if (fd != -1)
		rc = file_ok(fd, err);
done:
	if (fd != -1)
		(void)close(fd);
	if (sfd != -1)
		(void)close(sfd);
	(void)close(dfd);
	return rc;
}
