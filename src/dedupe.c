/* dedupe.c: delivery ids remembered across processes and restarts. */
#include <sys/types.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dedupe.h"

/*
 * Layout under dir (the caller's, e.g. <spool_dir>/seen):
 *
 *   dir/HH/lock   flock()ed while anyone reads or changes HH; its mtime
 *                 is when HH was last swept
 *   dir/HH/E.I    a record: an empty file whose mtime is when (E, I)
 *                 was first seen, set from the caller's `now`
 *
 * HH is two hex digits of FNV-1a 64 of "endpoint NUL id", folded to 8
 * bits: 256 buckets keep each folder small, and each sweep is one
 * bucket's worth of work.
 *
 * E is the endpoint and I the id, each byte outside [A-Za-z0-9_-]
 * written %XX ("a/b" is "a%2Fb", ".." is "%2E%2E"), so that ordinary
 * ids (GUIDs, "evt_...", "msg_...") stay readable for whoever looks in
 * the folder. A 128-byte id of punctuation would be 384 bytes escaped,
 * past NAME_MAX (255); when escaping makes I longer than 172 bytes, I is
 * "~" and the id in unpadded base64url (RFC 4648 section 5) instead,
 * which for 128 bytes is 172 bytes. So any id of up to 128 bytes fits
 * with an endpoint name of up to 82 bytes; longer is refused with -1.
 * Since '.', '%' and '~' are always escaped, the first '.' splits E from
 * I, the two forms of I cannot meet, and names map one to one onto
 * (endpoint, id): no hash collision can make two deliveries one. No
 * record name is "lock", "." or "..", or holds a '/'.
 *
 * Concurrency: O_CREAT|O_EXCL alone picks one winner among creators, but
 * an expired record is taken over by rewriting its mtime, and "check the
 * mtime, then rewrite it" must not interleave between two processes (or
 * with a sweep or a release unlinking the record under them). So every
 * claim, release and sweep in a bucket holds an exclusive flock() on
 * HH/lock; work under it is a few system calls and, for a new record,
 * two fsyncs. flock() holds between processes on a local file system and,
 * emulated with fcntl() locks, on NFS since Linux 2.6.12.
 *
 * Durability: a new record is fsync()ed, then its folder, before 1 is
 * returned, so an answer already sent is not forgotten by a crash. New
 * folders are fsync()ed into their parent.
 *
 * Cleanup needs no daemon: the claim that finds its bucket's lock file
 * older than window/100 (at least a minute, at most an hour) removes the
 * expired records of that bucket, still under the lock, and touches the
 * lock file.
 */

#define ID_ESC_MAX	172	/* of I: "~" + base64url of 128 bytes */
#define LOCK_NAME	"lock"
#define SWEEP_MIN	60
#define SWEEP_MAX	3600

/* A bucket, open and locked. */
struct bucket {
	int	dirfd;		/* dir */
	int	fd;		/* dir/HH */
	int	lockfd;		/* dir/HH/lock, flock()ed */
};

static int
is_plain(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/* Bytes of s escaped, or NAME_MAX + 1 if more than NAME_MAX. */
static size_t
esc_len(const char *s)
{
	size_t n = 0;

	for (; *s != '\0' && n <= NAME_MAX; s++)
		n += is_plain((unsigned char)*s) ? 1 : 3;
	return n > NAME_MAX ? NAME_MAX + 1 : n;
}

static char *
esc_put(char *o, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char c;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (is_plain(c))
			*o++ = (char)c;
		else {
			*o++ = '%';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
	}
	return o;
}

/* Bytes of n bytes in unpadded base64url. */
static size_t
b64_len(size_t n)
{
	return n / 3 * 4 + (n % 3 == 0 ? 0 : n % 3 + 1);
}

static char *
b64_put(char *o, const unsigned char *s, size_t n)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_";
	uint32_t v;
	size_t i, k;

	for (i = 0; i < n; i += 3) {
		v = (uint32_t)s[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)s[i + 1] << 8;
		if (i + 2 < n)
			v |= s[i + 2];
		k = n - i >= 3 ? 4 : n - i + 1;
		*o++ = b64[(v >> 18) & 63];
		*o++ = b64[(v >> 12) & 63];
		if (k > 2)
			*o++ = b64[(v >> 6) & 63];
		if (k > 3)
			*o++ = b64[v & 63];
	}
	return o;
}

/* The record's file name for (endpoint, id), allocated. NULL with err. */
static char *
record_name(const char *endpoint, const char *id, struct err *err)
{
	size_t elen, ilen, idlen;
	char *name, *o;
	int b64 = 0;

	if ((idlen = strlen(id)) == 0) {
		err_set(err, "empty delivery id");
		return NULL;
	}
	elen = esc_len(endpoint);
	if (elen > NAME_MAX - 1 - ID_ESC_MAX) {
		err_set(err, "endpoint name too long to record deliveries");
		return NULL;
	}
	if ((ilen = esc_len(id)) > ID_ESC_MAX) {
		b64 = 1;
		ilen = idlen > NAME_MAX ? NAME_MAX + 1 : 1 + b64_len(idlen);
	}
	if (elen + 1 + ilen > NAME_MAX) {
		err_set(err, "delivery id too long to record");
		return NULL;
	}
	if ((name = malloc(elen + 1 + ilen + 1)) == NULL) {
		err_set(err, "out of memory");
		return NULL;
	}
	o = esc_put(name, endpoint);
	*o++ = '.';
	if (b64) {
		*o++ = '~';
		o = b64_put(o, (const unsigned char *)id, idlen);
	} else
		o = esc_put(o, id);
	*o = '\0';
	return name;
}

/* The bucket's folder name, "00".."ff", into hh[3]. */
static void
bucket_name(char hh[3], const char *endpoint, const char *id)
{
	static const char hex[] = "0123456789abcdef";
	uint64_t h = 14695981039346656037ULL;
	const unsigned char *p;

	for (p = (const unsigned char *)endpoint; *p != '\0'; p++)
		h = (h ^ *p) * 1099511628211ULL;
	h *= 1099511628211ULL;		/* the NUL between the two */
	for (p = (const unsigned char *)id; *p != '\0'; p++)
		h = (h ^ *p) * 1099511628211ULL;
	h ^= h >> 32;
	h ^= h >> 16;
	h ^= h >> 8;
	hh[0] = hex[(h >> 4) & 15];
	hh[1] = hex[h & 15];
	hh[2] = '\0';
}

/* fsync()s the folder holding path (path's own text up to its last '/'). */
static int
sync_parent(char *path, struct err *err)
{
	char *slash, saved;
	int fd, rc = -1;

	if ((slash = strrchr(path, '/')) == NULL)
		fd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	else if (slash == path)
		fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	else {
		saved = *slash;
		*slash = '\0';
		fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		*slash = saved;
	}
	if (fd == -1 || fsync(fd) == -1) {
		err_set(err, "cannot sync the folder above %s: %s", path,
		    strerror(errno));
		goto fail;
	}
	rc = 0;
fail:
	if (fd != -1)
		(void)close(fd);
	return rc;
}

/* mkdir -p path, mode 0700, each folder made fsync()ed into its parent.
 * Folders made at the same time by others are fine. Returns 0 or -1. */
static int
mkdirs(const char *path, struct err *err)
{
	char *p, *s, c;
	int rc = -1;

	if ((p = strdup(path)) == NULL) {
		err_set(err, "out of memory");
		return -1;
	}
	for (s = p + 1; ; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		c = *s;
		*s = '\0';
		if (mkdir(p, 0700) == 0) {
			if (sync_parent(p, err) == -1)
				goto fail;
		} else if (errno != EEXIST) {
			err_set(err, "cannot create %s: %s", p,
			    strerror(errno));
			goto fail;
		}
		*s = c;
		if (c == '\0')
			break;
	}
	rc = 0;
fail:
	free(p);
	return rc;
}

static void
bucket_close(struct bucket *b)
{
	/* Closing the lock file's only descriptor releases the flock(). */
	if (b->lockfd != -1)
		(void)close(b->lockfd);
	if (b->fd != -1)
		(void)close(b->fd);
	if (b->dirfd != -1)
		(void)close(b->dirfd);
	b->lockfd = b->fd = b->dirfd = -1;
}

/*
 * Opens dir/HH for (endpoint, id) and takes its lock. With create, makes
 * dir and HH as needed; without, a missing dir or HH leaves b->fd at -1
 * and returns 0 (nothing is recorded there). A lock file made here gets
 * mtime now, so the bucket's first sweep is an interval away.
 * Returns 0, or -1 with err and b closed.
 */
static int
bucket_open(struct bucket *b, const char *dir, const char *endpoint,
    const char *id, int create, time_t now, struct err *err)
{
	struct timespec ts[2];
	char hh[3];

	b->dirfd = b->fd = b->lockfd = -1;
	bucket_name(hh, endpoint, id);
	if ((b->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 &&
	    errno == ENOENT && create) {
		if (mkdirs(dir, err) == -1)
			goto fail;
		b->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (b->dirfd == -1) {
		if (errno == ENOENT && !create)
			return 0;
		err_set(err, "cannot open %s: %s", dir, strerror(errno));
		goto fail;
	}
	if ((b->fd = openat(b->dirfd, hh, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) == -1 && errno == ENOENT && create) {
		if (mkdirat(b->dirfd, hh, 0700) == 0) {
			if (fsync(b->dirfd) == -1) {
				err_set(err, "cannot sync %s: %s", dir,
				    strerror(errno));
				goto fail;
			}
		} else if (errno != EEXIST) {
			err_set(err, "cannot create %s/%s: %s", dir, hh,
			    strerror(errno));
			goto fail;
		}
		b->fd = openat(b->dirfd, hh, O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC);
	}
	if (b->fd == -1) {
		if (errno == ENOENT && !create) {
			bucket_close(b);
			return 0;
		}
		err_set(err, "cannot open %s/%s: %s", dir, hh, strerror(errno));
		goto fail;
	}
	/* The lock file is there but for a bucket's first record. */
	if ((b->lockfd = openat(b->fd, LOCK_NAME, O_RDWR | O_NOFOLLOW |
	    O_CLOEXEC)) == -1 && errno == ENOENT && (b->lockfd = openat(b->fd,
	    LOCK_NAME, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600)) != -1) {
		ts[0].tv_sec = ts[1].tv_sec = now;
		ts[0].tv_nsec = ts[1].tv_nsec = 0;
		if (futimens(b->lockfd, ts) == -1) {
			err_set(err, "cannot set the time of %s/%s/%s: %s",
			    dir, hh, LOCK_NAME, strerror(errno));
			goto fail;
		}
	} else if (b->lockfd == -1 && errno == EEXIST)
		b->lockfd = openat(b->fd, LOCK_NAME, O_RDWR | O_NOFOLLOW |
		    O_CLOEXEC);
	if (b->lockfd == -1) {
		err_set(err, "cannot open %s/%s/%s: %s", dir, hh, LOCK_NAME,
		    strerror(errno));
		goto fail;
	}
	while (flock(b->lockfd, LOCK_EX) == -1) {
		if (errno != EINTR) {
			err_set(err, "cannot lock %s/%s/%s: %s", dir, hh,
			    LOCK_NAME, strerror(errno));
			goto fail;
		}
	}
	return 0;
fail:
	bucket_close(b);
	return -1;
}

/* 1 when a record of time mtime still counts at now: less than window
 * seconds old, or ahead of now by at most window (clocks of hosts
 * sharing the folder differ; one set far back must not pin records). */
static int
fresh(time_t mtime, time_t now, long window)
{
	time_t d;

	if (__builtin_sub_overflow(now, mtime, &d))
		return 0;
	if (d >= 0)
		return d < window;
	return d >= -(time_t)window;
}

/* Under the bucket's lock: records name unless fresh. Returns 1, 0 or
 * -1; a record this call made is removed again on failure. */
static int
claim_locked(const struct bucket *b, const char *name, long window,
    time_t now, struct err *err)
{
	struct timespec ts[2];
	struct stat st;
	int fd, created = 0, rc = -1;

	/* O_NONBLOCK: opening a FIFO planted here must not hang us. */
	if ((fd = openat(b->fd, name, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600)) != -1)
		created = 1;
	else if (errno == EEXIST)
		fd = openat(b->fd, name, O_WRONLY | O_NOFOLLOW | O_NONBLOCK |
		    O_CLOEXEC);
	if (fd == -1) {
		err_set(err, "cannot record the delivery id: %s",
		    strerror(errno));
		goto fail;
	}
	if (!created) {
		if (fstat(fd, &st) == -1) {
			err_set(err, "cannot stat the delivery record: %s",
			    strerror(errno));
			goto fail;
		}
		if (!S_ISREG(st.st_mode)) {
			err_set(err, "delivery record is not a regular file");
			goto fail;
		}
		if (fresh(st.st_mtime, now, window)) {
			rc = 0;
			goto fail;
		}
		/* Expired: this delivery is new again; take the record. */
	}
	ts[0].tv_sec = ts[1].tv_sec = now;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	if (futimens(fd, ts) == -1 || fsync(fd) == -1 ||
	    (created && fsync(b->fd) == -1)) {
		err_set(err, "cannot record the delivery id: %s",
		    strerror(errno));
		goto fail;
	}
	rc = 1;
fail:
	if (rc == -1 && created)
		(void)unlinkat(b->fd, name, 0);
	if (fd != -1)
		(void)close(fd);
	return rc;
}

/* Under the bucket's lock: if the bucket was last swept an interval ago,
 * removes its records that are no longer fresh. Returns 0 or -1. */
static int
sweep_maybe(const struct bucket *b, long window, time_t now)
{
	struct timespec ts[2];
	struct dirent *de;
	struct stat st;
	DIR *d = NULL;
	time_t interval, since;
	int fd, rc = -1;

	interval = window / 100;
	if (interval < SWEEP_MIN)
		interval = SWEEP_MIN;
	if (interval > SWEEP_MAX)
		interval = SWEEP_MAX;
	if (fstat(b->lockfd, &st) == -1)
		goto fail;
	if (!__builtin_sub_overflow(now, st.st_mtime, &since) &&
	    since < interval && since > -interval)
		return 0;
	ts[0].tv_sec = ts[1].tv_sec = now;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	if (futimens(b->lockfd, ts) == -1)
		goto fail;
	if ((fd = openat(b->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		goto fail;
	if ((d = fdopendir(fd)) == NULL) {
		(void)close(fd);
		goto fail;
	}
	while ((de = readdir(d)) != NULL) {
		/* Records are the names with a '.': not "lock", ".", "..". */
		if (strchr(de->d_name, '.') == NULL ||
		    strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(b->fd, de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) == -1 ||
		    !S_ISREG(st.st_mode) || fresh(st.st_mtime, now, window))
			continue;
		/* Gone already is as good as removed. */
		if (unlinkat(b->fd, de->d_name, 0) == -1 && errno != ENOENT)
			goto fail;
	}
	rc = 0;
fail:
	if (d != NULL)
		(void)closedir(d);
	return rc;
}

/* 1 when dir/HH/name is a record that is still fresh, looked at without
 * the bucket's lock: a sender retrying one id then does not queue its
 * requests behind each other's lock. A record being made right now is
 * fresh as well; the lock would only have made us wait for it. Anything
 * else (no record, an old one, an error) says 0: the locked path
 * decides. */
static int
seen_fresh(const char *dir, const char *endpoint, const char *id,
    const char *name, long window, time_t now)
{
	struct stat st;
	char hh[3], *path;
	int rc;

	bucket_name(hh, endpoint, id);
	if (asprintf(&path, "%s/%s/%s", dir, hh, name) < 0)
		return 0;
	rc = fstatat(AT_FDCWD, path, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISREG(st.st_mode) && fresh(st.st_mtime, now, window);
	free(path);
	return rc;
}

int
dedupe_claim(const char *dir, const char *endpoint, const char *id,
    long window, time_t now, struct err *err)
{
	struct bucket b = { -1, -1, -1 };
	char *name = NULL;
	int rc = -1;

	if (dir == NULL || endpoint == NULL || id == NULL || window < 0) {
		err_set(err, "dedupe: bad arguments");
		goto fail;
	}
	if ((name = record_name(endpoint, id, err)) == NULL)
		goto fail;
	if (seen_fresh(dir, endpoint, id, name, window, now)) {
		rc = 0;
		goto fail;
	}
	if (bucket_open(&b, dir, endpoint, id, 1, now, err) == -1)
		goto fail;
	if ((rc = claim_locked(&b, name, window, now, err)) == -1)
		goto fail;
	/* Housekeeping: the delivery's answer does not depend on it, and
	 * a sweep that fails now is tried again next interval. */
	(void)sweep_maybe(&b, window, now);
fail:
	bucket_close(&b);
	free(name);
	return rc;
}

int
dedupe_release(const char *dir, const char *endpoint, const char *id,
    struct err *err)
{
	struct bucket b = { -1, -1, -1 };
	char *name = NULL;
	int rc = -1;

	if (dir == NULL || endpoint == NULL || id == NULL) {
		err_set(err, "dedupe: bad arguments");
		goto fail;
	}
	if ((name = record_name(endpoint, id, err)) == NULL)
		goto fail;
	if (bucket_open(&b, dir, endpoint, id, 0, time(NULL), err) == -1)
		goto fail;
	if (b.fd != -1) {
		if (unlinkat(b.fd, name, 0) == -1) {
			if (errno != ENOENT) {
				err_set(err, "cannot forget the delivery "
				    "id: %s", strerror(errno));
				goto fail;
			}
		} else if (fsync(b.fd) == -1) {
			/* A forgotten release would turn the sender's retry
			 * into a "duplicate" after a crash. */
			err_set(err, "cannot sync the delivery records: %s",
			    strerror(errno));
			goto fail;
		}
	}
	rc = 0;
fail:
	bucket_close(&b);
	free(name);
	return rc;
}
