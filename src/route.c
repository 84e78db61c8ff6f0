/* route.c: an event name to the hooks that run for it (file, E.d/, _default). */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "resident.h"
#include "route.h"

#define EVENT_MAX	128	/* contract, "Where the event name ... come from" */

/* Byte classes by allowlist; locale-free on purpose (isalnum() is not). */
static int
is_alnum(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9');
}

int
event_name_valid(const char *name)
{
	size_t i;

	if (name == NULL || name[0] == '\0' || name[0] == '.')
		return 0;
	for (i = 0; name[i] != '\0'; i++) {
		unsigned char c = (unsigned char)name[i];

		if (i >= EVENT_MAX)
			return 0;
		if (!is_alnum(c) && c != '.' && c != '_' && c != ':' &&
		    c != '-')
			return 0;
	}
	return 1;
}

/* ^[A-Za-z0-9_-]+$, as run-parts accepts: no dots, so "x.sh", editor
 * backups ("x~", ".x.swp") and package leftovers ("x.dpkg-old") never
 * run; and ^[A-Za-z0-9_-]+\.resident$, a resident hook (a name run-parts
 * itself skips: an existing folder never turns resident by accident). */
int
route_member_valid(const char *name)
{
	size_t i, n = strlen(name), s = sizeof(RESIDENT_SUFFIX) - 1;

	if (n > s && strcmp(name + n - s, RESIDENT_SUFFIX) == 0)
		n -= s;
	if (n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (!is_alnum(c) && c != '_' && c != '-')
			return 0;
	}
	return 1;
}

/* 1 when a file without execute permission starts as a program does:
 * "#!" or an ELF header. It is a hook that lost its x bit (a chmod, a
 * copy, a checkout), to be refused and reported rather than skipped;
 * a README or notes beside the hooks are skipped, as run-parts does.
 * A file we may not read is counted as a hook: run_hook() says why it
 * cannot run. */
static int
looks_runnable(int dfd, const char *name)
{
	unsigned char head[4];
	ssize_t n;
	int fd;

	/* O_NONBLOCK: a FIFO swapped in since the fstatat() cannot block. */
	fd = openat(dfd, name, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd == -1)
		return errno == EACCES;
	do
		n = read(fd, head, sizeof(head));
	while (n == -1 && errno == EINTR);
	(void)close(fd);
	return (n >= 2 && head[0] == '#' && head[1] == '!') ||
	    (n == 4 && memcmp(head, "\177ELF", 4) == 0);
}

/* 1 when name under dfd is a hook: a regular file, executable or
 * looking like a program (looks_runnable()); 0 when it is not (or not
 * there), -1 on another error. Symlinks are followed here: run_hook()
 * decides whether a symlink may run, and says why not. */
static int
is_hook_file(int dfd, const char *name)
{
	struct stat st;

	if (fstatat(dfd, name, &st, 0) == -1) {
		if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP)
			return 0;
		return -1;
	}
	if (!S_ISREG(st.st_mode))
		return 0;
	return (st.st_mode & 0111) != 0 || looks_runnable(dfd, name);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Appends "sub/NAME" for each hook in the directory sub of dfd, in byte
 * order. sub must be a real directory: run_hook() opens it O_NOFOLLOW. */
static int
add_dir_members(int dfd, const char *sub, struct strlist *out,
    struct err *err)
{
	struct strlist names = { NULL, 0 };
	struct dirent *de;
	DIR *d = NULL;
	size_t i;
	int sfd, r;

	sfd = openat(dfd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (sfd == -1) {
		err_set(err, "%s/: %s", sub, strerror(errno));
		goto fail;
	}
	if ((d = fdopendir(sfd)) == NULL) {
		err_set(err, "%s/: %s", sub, strerror(errno));
		(void)close(sfd);
		goto fail;
	}
	for (;;) {
		errno = 0;
		if ((de = readdir(d)) == NULL) {
			if (errno != 0) {
				err_set(err, "%s/: %s", sub, strerror(errno));
				goto fail;
			}
			break;
		}
		if (!route_member_valid(de->d_name))
			continue;
		if ((r = is_hook_file(dirfd(d), de->d_name)) == -1) {
			err_set(err, "%s/%s: %s", sub, de->d_name,
			    strerror(errno));
			goto fail;
		}
		if (r == 0)
			continue;
		if (strlist_add(&names, de->d_name) == -1) {
			err_set(err, "out of memory");
			goto fail;
		}
	}
	/* strcmp is byte order, whatever the locale: what run-parts does
	 * under LC_ALL=C, and what the contract promises. */
	if (names.n > 1)
		qsort(names.v, names.n, sizeof(*names.v), cmp_str);
	for (i = 0; i < names.n; i++) {
		size_t len = strlen(sub) + 1 + strlen(names.v[i]) + 1;
		char *p;

		if ((p = malloc(len)) == NULL) {
			err_set(err, "out of memory");
			goto fail;
		}
		if (snprintf(p, len, "%s/%s", sub, names.v[i]) >= (int)len) {
			free(p);	/* cannot happen: len is exact */
			err_set(err, "hook path too long");
			goto fail;
		}
		if (strlist_take(out, p) == -1) {
			err_set(err, "out of memory");
			goto fail;
		}
	}
	strlist_clear(&names);
	(void)closedir(d);
	return 0;
fail:
	strlist_clear(&names);
	if (d != NULL)
		(void)closedir(d);
	return -1;
}

/* Appends name when it is a hook file under dfd, else name.resident
 * when that is one. 1 when one was added, 0 when neither is a hook,
 * -1 with err. */
static int
add_either(int dfd, const char *hooks_dir, const char *name,
    struct strlist *out, struct err *err)
{
	char *res = NULL;
	int r;

	if ((r = is_hook_file(dfd, name)) == -1) {
		err_set(err, "%s/%s: %s", hooks_dir, name, strerror(errno));
		return -1;
	}
	if (r == 0) {
		if (asprintf(&res, "%s%s", name, RESIDENT_SUFFIX) < 0) {
			err_set(err, "out of memory");
			return -1;
		}
		if ((r = is_hook_file(dfd, res)) == -1) {
			err_set(err, "%s/%s: %s", hooks_dir, res,
			    strerror(errno));
			free(res);
			return -1;
		}
	}
	if (r == 1 && strlist_add(out, res != NULL ? res : name) == -1) {
		err_set(err, "out of memory");
		r = -1;
	}
	free(res);
	return r;
}

int
route_resolve(const char *hooks_dir, const char *event, struct strlist *out,
    struct err *err)
{
	char sub[EVENT_MAX + sizeof(".d")];
	struct stat st;
	size_t n0 = out->n;
	int dfd = -1, r;

	/* Checked by the caller already; again here because this name is
	 * about to become a path and must never hold '/' or be "..". */
	if (!event_name_valid(event)) {
		err_set(err, "invalid event name");
		goto fail;
	}
	dfd = open(hooks_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	/* No folder, no hooks: the answer is "ignored" (hookline check
	 * warns about it), and a forward-only endpoint needs none. */
	if (dfd == -1 && errno == ENOENT)
		return 0;
	if (dfd == -1) {
		err_set(err, "hooks folder %s: %s", hooks_dir, strerror(errno));
		goto fail;
	}

	/* 1. D/E, else D/E.resident */
	if ((r = add_either(dfd, hooks_dir, event, out, err)) == -1)
		goto fail;
	if (r == 1)
		goto done;

	/* 2. D/E.d/: when it is a directory, it decides alone, even if it
	 * holds no hook ("else D/E.d/, if it is a directory"), so an empty
	 * E.d/ is a way to keep _default from running for E. A symlink
	 * named E.d is not looked through (lstat): run_hook() opens E.d
	 * with O_NOFOLLOW and would refuse every hook listed from it. */
	r = snprintf(sub, sizeof(sub), "%s.d", event);
	if (r < 0 || (size_t)r >= sizeof(sub)) {
		err_set(err, "event name too long");
		goto fail;
	}
	if (fstatat(dfd, sub, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISDIR(st.st_mode)) {
			if (add_dir_members(dfd, sub, out, err) == -1)
				goto fail;
			goto done;
		}
	} else if (errno != ENOENT) {
		err_set(err, "%s/%s: %s", hooks_dir, sub, strerror(errno));
		goto fail;
	}

	/* 3. D/_default, else D/_default.resident */
	if (add_either(dfd, hooks_dir, "_default", out, err) == -1)
		goto fail;
	/* 4. else nothing: out stays as it was. */
done:
	(void)close(dfd);
	return 0;
fail:
	/* Leave out as it came in: no half list. */
	while (out->n > n0)
		free(out->v[--out->n]);
	if (dfd != -1)
		(void)close(dfd);
	return -1;
}
