/* spool.c: the durable queue of async deliveries: put, claim, record,
 * retry, dead, recover, list, replay and purge primitives. */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fdio.h"
#include "platform.h"
#include "spool.h"

#define DIR_MODE	0700
#define FILE_MODE	0600
#define BODY_MAX	((size_t)1 << 31)	/* what spool_body reads back */

static const char *const boxes[SPOOL__NBOX] = { "new", "cur", "done", "dead" };

#define KEEP_DONE_DEFAULT	(7L * 86400)

const char *
spool_box_name(enum spool_box b)
{
	return (size_t)b < SPOOL__NBOX ? boxes[b] : "?";
}

/*
 * The platform: how much space is free for us below a folder, and how
 * big its file system is. Linux and the BSDs agree on fstatvfs; f_bavail
 * is what an unprivileged writer may still use. Returns 0 and *avail,
 * *size, or -1 with errno.
 */
static int
plat_free_bytes(int dirfd, uint64_t *avail, uint64_t *size)
{
	struct statvfs sv;

	if (fstatvfs(dirfd, &sv) == -1)
		return -1;
	*avail = (uint64_t)sv.f_bavail * (uint64_t)sv.f_frsize;
	*size = (uint64_t)sv.f_blocks * (uint64_t)sv.f_frsize;
	return 0;
}

uint64_t
spool_floor(uint64_t fs_size)
{
	uint64_t five = fs_size / 20;

	return five < SPOOL_FLOOR_MAX ? five : SPOOL_FLOOR_MAX;
}

int
spool_name_valid(const char *s)
{
	size_t i;

	if (s == NULL || s[0] == '\0' || s[0] == '.')
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		if (i >= SPOOL_NAME_MAX)
			return 0;
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return 0;
	}
	return 1;
}

int
spool_init(const char *dir, struct err *err)
{
	static const char *const subs[] = {
		"tmp", "new", "cur", "done", "dead", "slots"
	};
	size_t i;
	int fd = -1;

	if (dir == NULL) {
		err_set(err, "no spool_dir");
		return -1;
	}
	if (mkdir(dir, DIR_MODE) == -1 && errno != EEXIST) {
		err_set(err, "%s: mkdir: %s", dir, strerror(errno));
		goto fail;
	}
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		err_set(err, "%s: %s", dir, strerror(errno));
		goto fail;
	}
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (mkdirat(fd, subs[i], DIR_MODE) == -1 && errno != EEXIST) {
			err_set(err, "%s/%s: mkdir: %s", dir, subs[i],
			    strerror(errno));
			goto fail;
		}
	(void)close(fd);
	return 0;
fail:
	if (fd != -1)
		(void)close(fd);
	return -1;
}

/* Opens dir/sub (sub: a box name or "tmp"), creating the spool's folders
 * the first time. */
static int
sub_open(const char *dir, const char *sub, struct err *err)
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

static int
box_open(const char *dir, enum spool_box box, struct err *err)
{
	if ((size_t)box >= SPOOL__NBOX) {
		err_set(err, "bad spool box");
		return -1;
	}
	return sub_open(dir, boxes[box], err);
}

/* Opens box/NAME. Returns the fd, -2 when it does not exist, -1. */
static int
entry_open(const char *dir, enum spool_box box, const char *name,
    struct err *err)
{
	int bfd, efd;

	if (!spool_name_valid(name)) {
		err_set(err, "bad spool name");
		return -1;
	}
	if ((bfd = box_open(dir, box, err)) == -1)
		return -1;
	efd = openat(bfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (efd == -1) {
		if (errno == ENOENT)
			efd = -2;
		else
			err_set(err, "%s/%s: %s", boxes[box], name,
			    strerror(errno));
	}
	(void)close(bfd);
	return efd;
}

/* Creates dirfd/fname (O_EXCL when excl, else truncating), writes
 * buf and fsyncs it. On failure the file is unlinked. Returns 0 or -1. */
static int
file_put(int dirfd, const char *fname, const void *buf, size_t len,
    int excl, struct err *err)
{
	int fd, flags = O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC;

	flags |= excl ? O_EXCL : O_TRUNC;
	if ((fd = openat(dirfd, fname, flags, FILE_MODE)) == -1) {
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

/* Replaces dirfd/fname atomically: fname.tmp, fsync, rename, fsync of
 * the folder. */
static int
file_replace(int dirfd, const char *fname, const void *buf, size_t len,
    int sync_dir, struct err *err)
{
	char tmp[64];
	int n;

	n = snprintf(tmp, sizeof(tmp), "%s.tmp", fname);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		err_set(err, "file name too long");
		return -1;
	}
	if (file_put(dirfd, tmp, buf, len, 0, err) == -1)
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

/* Reads dirfd/fname whole, up to max bytes, NUL-terminated. Returns 0,
 * 1 when it does not exist, -1. */
static int
file_get(int dirfd, const char *fname, size_t max, char **buf, size_t *len,
    struct err *err)
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

/* A new spool name: time, microseconds, pid and randomness, so that
 * names sort by arrival and never collide across processes. */
static int
name_new(time_t now, char *out, size_t outlen)
{
	struct timespec ts;
	uint32_t r;
	int n;

	if (clock_gettime(CLOCK_REALTIME, &ts) == -1)
		ts.tv_nsec = 0;
	if (random_bytes(&r, sizeof(r)) == -1)
		return -1;
	n = snprintf(out, outlen, "%lld.%06ld.%ld.%08x", (long long)now,
	    ts.tv_nsec / 1000, (long)getpid(), (unsigned)r);
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

static int
dup_or_null(char **out, const char *s)
{
	*out = NULL;
	if (s == NULL)
		return 0;
	return (*out = strdup(s)) == NULL ? -1 : 0;
}

int
spool_store(const char *dir, size_t min_free, const struct delivery *d,
    time_t now, char *name_out, struct err *err)
{
	struct spool_entry e;
	char name[SPOOL_NAME_MAX + 1];
	char *state = NULL;
	size_t statelen;
	uint64_t avail, size, floor;
	int tfd = -1, nfd = -1, efd = -1, made = 0, moved = 0, tries;

	memset(&e, 0, sizeof(e));
	if ((tfd = sub_open(dir, "tmp", err)) == -1 ||
	    (nfd = box_open(dir, SPOOL_NEW, err)) == -1)
		goto fail;
	/* Leave room for the rest of the host: a full disk is a 503
	 * now rather than a corrupt log or a failed hook later. */
	if (plat_free_bytes(tfd, &avail, &size) == -1) {
		err_set(err, "spool: statvfs: %s", strerror(errno));
		goto fail;
	}
	floor = min_free == SPOOL_MIN_FREE_AUTO ? spool_floor(size) :
	    (uint64_t)min_free;
	if (avail < floor + d->body_len + 4096) {
		err_set(err, "spool: %llu bytes free, below spool_min_free "
		    "(%llu) and the body", (unsigned long long)avail,
		    (unsigned long long)floor);
		goto fail;
	}
	for (tries = 0; !made; tries++) {
		if (tries == 10 || name_new(now, name, sizeof(name)) == -1) {
			err_set(err, "spool: cannot make a unique name");
			goto fail;
		}
		if (mkdirat(tfd, name, DIR_MODE) == 0)
			made = 1;
		else if (errno != EEXIST) {
			err_set(err, "spool: mkdir tmp/%s: %s", name,
			    strerror(errno));
			goto fail;
		}
	}
	efd = openat(tfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (efd == -1) {
		err_set(err, "spool: tmp/%s: %s", name, strerror(errno));
		goto fail;
	}
	if (file_put(efd, "body", d->body ? (const void *)d->body : "",
	    d->body_len, 1, err) == -1)
		goto fail;
	if (dup_or_null(&e.endpoint, d->endpoint ? d->endpoint : "") == -1 ||
	    dup_or_null(&e.event, d->event) == -1 ||
	    dup_or_null(&e.id, d->id) == -1 ||
	    dup_or_null(&e.remote_addr, d->remote_addr) == -1 ||
	    dup_or_null(&e.content_type, d->content_type) == -1) {
		err_set(err, "out of memory");
		goto fail;
	}
	e.body_len = d->body_len;
	e.received = now;
	e.next = now;
	e.fate = FATE_PENDING;
	if ((state = spool_entry_encode(&e, &statelen)) == NULL) {
		err_set(err, "out of memory");
		goto fail;
	}
	if (file_put(efd, "state", state, statelen, 1, err) == -1)
		goto fail;
	if (fsync(efd) == -1) {
		err_set(err, "spool: fsync tmp/%s: %s", name, strerror(errno));
		goto fail;
	}
	if (renameat(tfd, name, nfd, name) == -1) {
		err_set(err, "spool: rename into new/: %s", strerror(errno));
		goto fail;
	}
	moved = 1;
	/* The rename is only durable once new/ is: before the 202. */
	if (fsync(nfd) == -1) {
		err_set(err, "spool: fsync new/: %s", strerror(errno));
		goto fail;
	}
	if (name_out != NULL)
		memcpy(name_out, name, sizeof(name));
	free(state);
	spool_entry_free(&e);
	(void)close(efd);
	(void)close(nfd);
	(void)close(tfd);
	return 0;
fail:
	/* Take back a visible entry that is not known to be durable: the
	 * sender is told 503 and will send it again. If even that fails,
	 * the entry runs: at least once, never lost. */
	if (moved && renameat(nfd, name, tfd, name) == 0)
		moved = 0;
	if (made && !moved) {
		if (efd != -1) {
			(void)unlinkat(efd, "body", 0);
			(void)unlinkat(efd, "state", 0);
		}
		(void)unlinkat(tfd, name, AT_REMOVEDIR);
	}
	free(state);
	spool_entry_free(&e);
	if (efd != -1)
		(void)close(efd);
	if (nfd != -1)
		(void)close(nfd);
	if (tfd != -1)
		(void)close(tfd);
	return -1;
}

int
spool_put(const struct conf *conf, const struct delivery *d, struct err *err)
{
	return spool_store(conf->spool_dir, conf->spool_min_free, d,
	    time(NULL), NULL, err);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
spool_list(const char *dir, enum spool_box box, struct strlist *names,
    struct err *err)
{
	struct dirent *de;
	DIR *d = NULL;
	size_t first = names->n;
	int fd;

	if ((fd = box_open(dir, box, err)) == -1)
		return -1;
	if ((d = fdopendir(fd)) == NULL) {
		err_set(err, "%s/%s: %s", dir, boxes[box], strerror(errno));
		(void)close(fd);
		return -1;
	}
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		if (!spool_name_valid(de->d_name))
			continue;
		if (strlist_add(names, de->d_name) == -1) {
			err_set(err, "out of memory");
			goto fail;
		}
		errno = 0;
	}
	if (errno != 0) {
		err_set(err, "%s/%s: readdir: %s", dir, boxes[box],
		    strerror(errno));
		goto fail;
	}
	(void)closedir(d);
	if (names->n > first)
		qsort(names->v + first, names->n - first, sizeof(*names->v),
		    cmp_str);
	return 0;
fail:
	(void)closedir(d);
	return -1;
}

int
spool_read(const char *dir, enum spool_box box, const char *name,
    struct spool_entry *e, struct err *err)
{
	char *buf = NULL;
	size_t len;
	int efd, rc;

	memset(e, 0, sizeof(*e));
	if ((efd = entry_open(dir, box, name, err)) == -2)
		return 1;
	if (efd == -1)
		return -1;
	rc = file_get(efd, "state", SPOOL_STATE_MAX, &buf, &len, err);
	(void)close(efd);
	if (rc == 1) {
		err_set(err, "%s/%s: no state file", boxes[box], name);
		return -1;
	}
	if (rc == -1)
		return -1;
	rc = spool_entry_decode(buf, len, e, err);
	free(buf);
	if (rc == -1)
		return -1;
	(void)snprintf(e->name, sizeof(e->name), "%s", name);
	e->box = box;
	return 0;
}

int
spool_write(const char *dir, enum spool_box box, const char *name,
    const struct spool_entry *e, struct err *err)
{
	char *buf;
	size_t len;
	int efd, rc = -1;

	if ((efd = entry_open(dir, box, name, err)) < 0) {
		if (efd == -2)
			err_set(err, "%s/%s: gone", boxes[box], name);
		return -1;
	}
	if ((buf = spool_entry_encode(e, &len)) == NULL)
		err_set(err, "out of memory");
	else
		rc = file_replace(efd, "state", buf, len, 1, err);
	free(buf);
	(void)close(efd);
	return rc;
}

int
spool_write_run(const char *dir, enum spool_box box, const char *name,
    const struct spool_run *r, struct err *err)
{
	char fname[32];
	char *buf;
	size_t len;
	int efd, rc = -1;

	(void)snprintf(fname, sizeof(fname), "run.%u", r->attempt);
	if ((efd = entry_open(dir, box, name, err)) < 0) {
		if (efd == -2)
			err_set(err, "%s/%s: gone", boxes[box], name);
		return -1;
	}
	if ((buf = spool_run_encode(r, &len)) == NULL)
		err_set(err, "out of memory");
	else
		/* The state written next fsyncs this folder. */
		rc = file_replace(efd, fname, buf, len, 0, err);
	free(buf);
	(void)close(efd);
	return rc;
}

void
spool_runs_free(struct spool_run *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		spool_run_free(&v[i]);
	free(v);
}

/* "run.N" with N a plain decimal number > 0: N, else 0. */
static unsigned
run_file_attempt(const char *s)
{
	unsigned long n;
	char *end;

	if (strncmp(s, "run.", 4) != 0 || s[4] < '1' || s[4] > '9')
		return 0;
	errno = 0;
	n = strtoul(s + 4, &end, 10);
	if (errno != 0 || *end != '\0' || n > UINT_MAX)
		return 0;
	return (unsigned)n;
}

static int
cmp_run(const void *a, const void *b)
{
	const struct spool_run *x = a, *y = b;

	return x->attempt < y->attempt ? -1 : x->attempt > y->attempt;
}

int
spool_read_runs(const char *dir, enum spool_box box, const char *name,
    struct spool_run **vp, size_t *np, struct err *err)
{
	struct spool_run *v = NULL, *nv, r;
	struct dirent *de;
	DIR *d = NULL;
	char *buf;
	size_t n = 0, len;
	int efd, fd;

	*vp = NULL;
	*np = 0;
	if ((efd = entry_open(dir, box, name, err)) < 0) {
		if (efd == -2)
			err_set(err, "%s/%s: gone", boxes[box], name);
		return -1;
	}
	if ((fd = dup(efd)) == -1 || (d = fdopendir(fd)) == NULL) {
		err_set(err, "%s/%s: %s", boxes[box], name, strerror(errno));
		if (fd != -1)
			(void)close(fd);
		goto fail;
	}
	while ((de = readdir(d)) != NULL) {
		if (run_file_attempt(de->d_name) == 0)
			continue;
		if (file_get(efd, de->d_name, SPOOL_RUN_MAX, &buf, &len,
		    NULL) != 0)
			continue;
		if (spool_run_decode(buf, len, &r, NULL) == -1) {
			free(buf);
			continue;
		}
		free(buf);
		if ((nv = reallocarray(v, n + 1, sizeof(*v))) == NULL) {
			spool_run_free(&r);
			err_set(err, "out of memory");
			goto fail;
		}
		v = nv;
		v[n++] = r;
	}
	(void)closedir(d);
	(void)close(efd);
	if (n > 0)
		qsort(v, n, sizeof(*v), cmp_run);
	*vp = v;
	*np = n;
	return 0;
fail:
	if (d != NULL)
		(void)closedir(d);
	(void)close(efd);
	spool_runs_free(v, n);
	return -1;
}

int
spool_body(const char *dir, enum spool_box box, const char *name,
    unsigned char **buf, size_t *len, char **path, struct err *err)
{
	char *b = NULL;
	int efd, rc;

	*buf = NULL;
	if (path != NULL)
		*path = NULL;
	if ((efd = entry_open(dir, box, name, err)) < 0) {
		if (efd == -2)
			err_set(err, "%s/%s: gone", boxes[box], name);
		return -1;
	}
	rc = file_get(efd, "body", BODY_MAX, &b, len, err);
	(void)close(efd);
	if (rc == 1)
		err_set(err, "%s/%s: no body file", boxes[box], name);
	if (rc != 0)
		return -1;
	if (path != NULL &&
	    asprintf(path, "%s/%s/%s/body", dir, boxes[box], name) == -1) {
		*path = NULL;
		free(b);
		err_set(err, "out of memory");
		return -1;
	}
	*buf = (unsigned char *)b;
	return 0;
}

int
spool_move(const char *dir, const char *name, enum spool_box from,
    enum spool_box to, struct err *err)
{
	int ffd = -1, tfd = -1, rc = -1;

	if (!spool_name_valid(name)) {
		err_set(err, "bad spool name");
		return -1;
	}
	if ((ffd = box_open(dir, from, err)) == -1 ||
	    (tfd = box_open(dir, to, err)) == -1)
		goto done;
	if (renameat(ffd, name, tfd, name) == -1) {
		if (errno == ENOENT)
			rc = 1;
		else
			err_set(err, "%s/%s -> %s: %s", boxes[from], name,
			    boxes[to], strerror(errno));
		goto done;
	}
	/* A rename is one journal transaction on the file systems we
	 * support (ext4, xfs, btrfs, tmpfs): the destination's fsync makes
	 * both sides durable. A claim needs no fsync at all: a claim lost
	 * in a crash leaves the entry in new/, where its state tells. */
	if (to != SPOOL_CUR && fsync(tfd) == -1) {
		err_set(err, "%s/%s -> %s: fsync: %s", boxes[from], name,
		    boxes[to], strerror(errno));
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

	if ((efd = entry_open(dir, box, name, err)) == -2)
		return -3;
	if (efd == -1)
		return -1;
	if (flock(efd, LOCK_EX | LOCK_NB) == 0)
		return efd;
	if (errno == EWOULDBLOCK) {
		(void)close(efd);
		return -2;
	}
	err_set(err, "%s/%s: flock: %s", boxes[box], name, strerror(errno));
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
	if ((bfd = box_open(dir, box, err)) == -1 ||
	    (tfd = sub_open(dir, "tmp", err)) == -1)
		goto done;
	if (renameat(bfd, name, tfd, gone) == -1) {
		if (errno == ENOENT)
			rc = 1;
		else
			err_set(err, "%s/%s: %s", boxes[box], name,
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

	if ((fd = sub_open(dir, "tmp", err)) == -1)
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
	if ((bfd = box_open(dir, box, err)) == -1)
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

int
spool_find(const char *dir, const char *key, struct strlist *out,
    struct err *err)
{
	struct strlist names = { NULL, 0 };
	struct spool_entry e;
	struct stat st;
	char *s;
	size_t i, first = out->n;
	int b, fd;

	if (spool_name_valid(key)) {
		for (b = 0; b < SPOOL__NBOX; b++) {
			if ((fd = box_open(dir, (enum spool_box)b, err)) == -1)
				return -1;
			if (fstatat(fd, key, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISDIR(st.st_mode)) {
				if (asprintf(&s, "%s/%s", boxes[b], key) == -1 ||
				    strlist_take(out, s) == -1) {
					(void)close(fd);
					err_set(err, "out of memory");
					return -1;
				}
			}
			(void)close(fd);
		}
		if (out->n > first)
			return 0;
	}
	for (b = 0; b < SPOOL__NBOX; b++) {
		if (spool_list(dir, (enum spool_box)b, &names, err) == -1)
			return -1;
		for (i = 0; i < names.n; i++) {
			if (spool_read(dir, (enum spool_box)b, names.v[i], &e,
			    NULL) != 0)
				continue;
			if (strcmp(e.id, key) == 0) {
				if (asprintf(&s, "%s/%s", boxes[b],
				    names.v[i]) == -1 ||
				    strlist_take(out, s) == -1) {
					spool_entry_free(&e);
					strlist_clear(&names);
					err_set(err, "out of memory");
					return -1;
				}
			}
			spool_entry_free(&e);
		}
		strlist_clear(&names);
	}
	return 0;
}

long
spool_retry_delay(const struct conf *conf, unsigned failures)
{
	/* The schedule lives with the configuration (an endpoint may have
	 * its own: endpoint_retry_delay). */
	return endpoint_retry_delay(conf, NULL, failures);
}

long
spool_keep_done(const struct conf *conf)
{
	return conf->keep_done > 0 ? conf->keep_done : KEEP_DONE_DEFAULT;
}
