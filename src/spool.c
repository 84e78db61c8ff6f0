/* spool.c: the durable queue's store: its layout (tmp/ new/ cur/ done/
 * dead/), its names, the free-space floor, and spool_store: a delivery
 * written in tmp/, fsynced, renamed into new/ and new/ fsynced before
 * the 202. (An entry's files: spool_entry.c; moving and claiming:
 * spool_claim.c; listing and finding: spool_scan.c; removing and
 * sweeping: spool_sweep.c; the file primitives: spool_fs.c.) */
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "platform.h"
#include "spool.h"
#include "spool_int.h"

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
	if (mkdir(dir, SPOOL_DIR_MODE) == -1 && errno != EEXIST) {
		err_set(err, "%s: mkdir: %s", dir, strerror(errno));
		goto fail;
	}
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		err_set(err, "%s: %s", dir, strerror(errno));
		goto fail;
	}
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (mkdirat(fd, subs[i], SPOOL_DIR_MODE) == -1 &&
		    errno != EEXIST) {
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

/* Leave room for the rest of the host: a full disk is a 503 now rather
 * than a corrupt log or a failed hook later. tfd: the spool's tmp/. */
static int
store_room(int tfd, size_t min_free, uint64_t body_len, struct err *err)
{
	uint64_t avail, size, floor;

	if (plat_free_bytes(tfd, &avail, &size) == -1) {
		err_set(err, "spool: statvfs: %s", strerror(errno));
		return -1;
	}
	floor = min_free == SPOOL_MIN_FREE_AUTO ? spool_floor(size) :
	    (uint64_t)min_free;
	if (avail < floor + body_len + 4096) {
		err_set(err, "spool: %llu bytes free, below spool_min_free "
		    "(%llu) and the body", (unsigned long long)avail,
		    (unsigned long long)floor);
		return -1;
	}
	return 0;
}

/* Makes tmp/NAME under a new name, written to name (SPOOL_NAME_MAX + 1
 * bytes). Returns 0, or -1 with nothing made. */
static int
store_mkdir(int tfd, time_t now, char *name, struct err *err)
{
	int tries;

	for (tries = 0;; tries++) {
		if (tries == 10 ||
		    name_new(now, name, SPOOL_NAME_MAX + 1) == -1) {
			err_set(err, "spool: cannot make a unique name");
			return -1;
		}
		if (mkdirat(tfd, name, SPOOL_DIR_MODE) == 0)
			return 0;
		if (errno != EEXIST) {
			err_set(err, "spool: mkdir tmp/%s: %s", name,
			    strerror(errno));
			return -1;
		}
	}
}

/* Writes the state of d, new and due at now, into the entry efd. */
static int
store_state(int efd, const struct delivery *d, time_t now, struct err *err)
{
	struct spool_entry e;
	char *state = NULL;
	size_t statelen;
	int rc = -1;

	memset(&e, 0, sizeof(e));
	if (dup_or_null(&e.endpoint, d->endpoint ? d->endpoint : "") == -1 ||
	    dup_or_null(&e.event, d->event) == -1 ||
	    dup_or_null(&e.id, d->id) == -1 ||
	    dup_or_null(&e.remote_addr, d->remote_addr) == -1 ||
	    dup_or_null(&e.content_type, d->content_type) == -1) {
		err_set(err, "out of memory");
		goto done;
	}
	e.body_len = d->body_len;
	e.received = now;
	e.next = now;
	e.fate = FATE_PENDING;
	if ((state = spool_entry_encode(&e, &statelen)) == NULL) {
		err_set(err, "out of memory");
		goto done;
	}
	rc = spool_file_put(efd, "state", state, statelen, 1, err);
done:
	free(state);
	spool_entry_free(&e);
	return rc;
}

int
spool_store(const char *dir, size_t min_free, const struct delivery *d,
    time_t now, char *name_out, struct err *err)
{
	char name[SPOOL_NAME_MAX + 1];
	int tfd = -1, nfd = -1, efd = -1, made = 0, moved = 0;

	if ((tfd = spool_sub_open(dir, "tmp", err)) == -1 ||
	    (nfd = spool_box_open(dir, SPOOL_NEW, err)) == -1 ||
	    store_room(tfd, min_free, d->body_len, err) == -1 ||
	    store_mkdir(tfd, now, name, err) == -1)
		goto fail;
	made = 1;
	efd = openat(tfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (efd == -1) {
		err_set(err, "spool: tmp/%s: %s", name, strerror(errno));
		goto fail;
	}
	if (spool_file_put(efd, "body", d->body ? (const void *)d->body : "",
	    d->body_len, 1, err) == -1 ||
	    store_state(efd, d, now, err) == -1)
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
