/* conf_watch.c: which files a configuration came from, and whether a
 * long-running process should read them again. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "conf_watch.h"
#include "stats.h"

static void
id_from_stat(struct file_id *id, const struct stat *st)
{
	memset(id, 0, sizeof(*id));
	id->dev = st->st_dev;
	id->ino = st->st_ino;
	id->size = st->st_size;
	id->mtim = st->st_mtim;
	id->ctim = st->st_ctim;
}

/* Opens path as the loader does and fills *id; the fd, or -1 (then
 * id->error holds the errno, which is also left in errno). */
static int
id_open(const char *path, struct file_id *id)
{
	struct stat st;
	int fd, e;

	memset(id, 0, sizeof(*id));
	/* O_NONBLOCK: a FIFO put in the file's place must not hang the
	 * process; reading a regular file ignores it. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1) {
		id->error = errno;
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		e = errno;
		(void)close(fd);
		id->error = errno = e;
		return -1;
	}
	id_from_stat(id, &st);
	return fd;
}

void
file_id_stat(const char *path, struct file_id *id)
{
	struct stat st;

	if (stat(path, &st) == -1) {
		memset(id, 0, sizeof(*id));
		id->error = errno;
		return;
	}
	id_from_stat(id, &st);
}

static int
ts_equal(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

int
file_id_equal(const struct file_id *a, const struct file_id *b)
{
	if (a->error != 0 || b->error != 0)
		return a->error == b->error;
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	    ts_equal(&a->mtim, &b->mtim) && ts_equal(&a->ctim, &b->ctim);
}

int
fileset_open(struct fileset *fs, const char *path)
{
	struct file_id id, *nid;
	size_t n = fs->path.n;
	int fd, e;

	fd = id_open(path, &id);
	e = errno;
	if ((nid = reallocarray(fs->id, n + 1, sizeof(*nid))) == NULL)
		goto nomem;
	fs->id = nid;
	if (strlist_add(&fs->path, path) == -1)
		goto nomem;
	fs->id[n] = id;
	errno = e;
	return fd;
nomem:
	if (fd != -1)
		(void)close(fd);
	errno = ENOMEM;
	return -1;
}

int
fileset_changed(const struct fileset *fs)
{
	struct file_id now;
	size_t i;
	int fd;

	for (i = 0; i < fs->path.n; i++) {
		/* Opened, not only stat'ed: a file that became unreadable
		 * (or readable) is a change too. */
		if ((fd = id_open(fs->path.v[i], &now)) != -1)
			(void)close(fd);
		if (!file_id_equal(&now, &fs->id[i]))
			return 1;
	}
	return 0;
}

int
fileset_equal(const struct fileset *a, const struct fileset *b)
{
	size_t i;

	if (a->path.n != b->path.n)
		return 0;
	for (i = 0; i < a->path.n; i++)
		if (strcmp(a->path.v[i], b->path.v[i]) != 0 ||
		    !file_id_equal(&a->id[i], &b->id[i]))
			return 0;
	return 1;
}

void
fileset_clear(struct fileset *fs)
{
	strlist_clear(&fs->path);
	free(fs->id);
	fs->id = NULL;
}

void
fileset_move(struct fileset *dst, struct fileset *src)
{
	if (dst == src)
		return;
	fileset_clear(dst);
	*dst = *src;
	memset(src, 0, sizeof(*src));
}

/* b - a in whole seconds, rounded down. */
static long long
seconds_between(const struct timespec *a, const struct timespec *b)
{
	long long s = (long long)b->tv_sec - (long long)a->tv_sec;

	if (b->tv_nsec < a->tv_nsec)
		s--;
	return s;
}

/* b - a in milliseconds, within [-1, CONF_SETTLE_MS + 1]. */
static long
ms_between(const struct timespec *a, const struct timespec *b)
{
	long long s = (long long)b->tv_sec - (long long)a->tv_sec;

	if (s < -1)
		return -1;
	if (s > CONF_SETTLE_MS / 1000 + 1)
		return CONF_SETTLE_MS + 1;
	return (long)(s * 1000 + (b->tv_nsec - a->tv_nsec) / 1000000);
}

/* How long to wait before files read at real can be trusted: 0 when
 * each was changed CONF_SETTLE_MS or more before. A ctime ahead of our
 * clock (NFS, a clock set back) waits the whole time. */
static long
settle_ms(const struct fileset *fs, const struct timespec *real)
{
	long wait = 0, age;
	size_t i;

	for (i = 0; i < fs->path.n; i++) {
		if (fs->id[i].error != 0)
			continue;
		age = ms_between(&fs->id[i].ctim, real);
		if (age < 0)
			age = 0;
		if (age < CONF_SETTLE_MS && CONF_SETTLE_MS - age > wait)
			wait = CONF_SETTLE_MS - age;
	}
	return wait;
}

int
reloader_init(struct reloader *r, const char *path, struct err *err)
{
	memset(r, 0, sizeof(*r));
	if (path != NULL && (r->path = strdup(path)) == NULL) {
		err_set(err, "out of memory");
		return -1;
	}
	return 0;
}

void
reloader_clear(struct reloader *r)
{
	free(r->path);
	fileset_clear(&r->bad);
	memset(r, 0, sizeof(*r));
}

/*
 * Why not the mtime alone: cp -p, touch -r, rsync -t, install -p and tar
 * give a fixed file the broken one's mtime, and on a one-second file
 * system an edit within the second keeps it, so a fix was skipped for
 * good. Why read twice: a file caught while it is written in place may
 * parse (a section whose secret line is not written yet accepts
 * unsigned deliveries). Writing a new file and renaming it into place
 * is the documented way; this catches writers that pause less than
 * CONF_SETTLE_MS, which is what scripts and editors writing in place do.
 */
enum reload
conf_reload_at(struct reloader *r, struct conf **c,
    const struct timespec *real, const struct timespec *mono,
    struct err *err)
{
	struct fileset read = { { NULL, 0 }, NULL }, again = read;
	struct fileset *files;
	struct conf *fresh = NULL, *second = NULL;
	struct timespec nap;
	enum reload out = RELOAD_WAIT;
	long wait;
	int rc;

	if (r->path == NULL || (r->checked.tv_sec != 0 &&
	    seconds_between(&r->checked, mono) < CONF_CHECK_SECONDS))
		return RELOAD_NONE;
	r->checked = *mono;
	if (!fileset_changed(&(*c)->files)) {
		fileset_clear(&r->bad);		/* put back as it was */
		return RELOAD_NONE;
	}
	if (r->bad.path.n > 0 && !fileset_changed(&r->bad))
		return RELOAD_NONE;		/* reported already */
	rc = conf_load_files(r->path, &fresh, &read, err);
	files = rc == 0 ? &fresh->files : &read;
	if ((wait = settle_ms(files, real)) > 0) {
		nap.tv_sec = wait / 1000;
		nap.tv_nsec = (wait % 1000) * 1000000L;
		while (nanosleep(&nap, &nap) == -1 && errno == EINTR)
			;
		rc = conf_load_files(r->path, &second, &again, err);
		if (!fileset_equal(files, rc == 0 ? &second->files : &again))
			goto done;		/* still being written */
		conf_free(fresh);
		fresh = second;
		second = NULL;
		fileset_move(&read, &again);
		files = rc == 0 ? &fresh->files : &read;
	}
	if (fileset_changed(files))
		goto done;			/* changed while read */
	if (rc != 0) {
		fileset_move(&r->bad, &read);
		out = RELOAD_FAILED;
		goto done;
	}
	fileset_clear(&r->bad);
	conf_free(*c);
	*c = fresh;
	fresh = NULL;
	out = RELOAD_DONE;
done:
	conf_free(second);
	conf_free(fresh);
	fileset_clear(&again);
	fileset_clear(&read);
	return out;
}

enum reload
conf_reload(struct reloader *r, struct conf **c, struct err *err)
{
	struct timespec real, mono;
	enum reload rc;
	bool counting = (*c)->stats != NULL;

	if (clock_gettime(CLOCK_REALTIME, &real) == -1 ||
	    clock_gettime(CLOCK_MONOTONIC, &mono) == -1)
		return RELOAD_NONE;
	rc = conf_reload_at(r, c, &real, &mono, err);
	/* A counting process counts on with the new file's spool. */
	if (rc == RELOAD_DONE && counting)
		stats_start(*c);
	if (rc == RELOAD_DONE || rc == RELOAD_FAILED)
		stats_reload((*c)->stats, rc == RELOAD_DONE);
	return rc;
}
