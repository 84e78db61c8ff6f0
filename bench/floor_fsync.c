/* floor_fsync.c: the durable-write floor for async mode: floor_fcgi plus
 * the same file-system work hookline's spool does before it may answer
 * 202, and nothing else (no JSON, no signature, no drainer):
 *
 *   FLOOR_DEDUPE=1: seen/ID created with O_CREAT|O_EXCL, fsync, fsync of
 *                   seen/ (hookline's dedupe record for a sender's id;
 *                   ID from X-GitHub-Delivery); an existing ID is 200
 *                   "duplicate", as in hookline
 *   always:         mkdir tmp/NAME; NAME/body and NAME/state written with
 *                   O_CREAT|O_EXCL, each fsynced; fsync of NAME/; rename
 *                   tmp/NAME to new/NAME; fsync of new/; then 202
 *
 * That is 4 fsyncs a request, 6 with FLOOR_DEDUPE=1: the same count as
 * hookline's spool_store() (+ dedupe_claim()). $FLOOR_SPOOL is the folder;
 * it must exist. Nothing is ever removed: a run leaves one folder per
 * request in new/. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "floor.h"

static int
open_dir(int at, const char *name)
{
	if (mkdirat(at, name, 0700) == -1 && errno != EEXIST)
		return -1;
	return openat(at, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* at/name with O_EXCL, len bytes of buf, fsynced. 0 or -1 (errno). */
static int
put_file(int at, const char *name, const char *buf, size_t len)
{
	size_t off = 0;
	ssize_t n;
	int fd, e;

	fd = openat(at, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd == -1)
		return -1;
	while (off < len) {
		if ((n = write(fd, buf + off, len - off)) < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		off += (size_t)n;
	}
	if (fsync(fd) == -1)
		goto fail;
	return close(fd);
fail:
	e = errno;
	(void)close(fd);
	(void)unlinkat(at, name, 0);
	errno = e;
	return -1;
}

/* An id usable as a file name: [A-Za-z0-9._-], 1-128 bytes. */
static int
id_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (i >= 128 || !((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '-' || s[i] == '_' || (s[i] == '.' && i > 0)))
			return 0;
	return i > 0;
}

/* 202: stored; 200: duplicate; 400: bad request; 503: not stored. */
static int
store(int seenfd, int tmpfd, int newfd, const char *id, const char *body,
    size_t len)
{
	static unsigned long seq;
	struct timespec ts;
	char name[96], state[512];
	int efd = -1, n;

	if (seenfd != -1) {
		if (id == NULL || !id_ok(id))
			return 400;
		if (put_file(seenfd, id, "1\n", 2) == -1)
			return errno == EEXIST ? 200 : 503;
		if (fsync(seenfd) == -1)
			return 503;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(name, sizeof(name), "%lld.%06ld.%ld.%lu", (long long)ts.tv_sec,
	    ts.tv_nsec / 1000, (long)getpid(), ++seq);
	n = snprintf(state, sizeof(state), "endpoint=bench\nevent=push\n"
	    "id=%s\nbody_len=%zu\nreceived=%lld\nattempts=0\nfate=pending\n",
	    id ? id : name, len, (long long)ts.tv_sec);
	if (mkdirat(tmpfd, name, 0700) == -1 ||
	    (efd = openat(tmpfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    put_file(efd, "body", body, len) == -1 ||
	    put_file(efd, "state", state, (size_t)n) == -1 ||
	    fsync(efd) == -1 ||
	    renameat(tmpfd, name, newfd, name) == -1 ||
	    fsync(newfd) == -1) {
		if (efd != -1)
			(void)close(efd);
		return 503;
	}
	(void)close(efd);
	return 202;
}

int
main(void)
{
	FCGX_Request r;
	const char *spool = getenv("FLOOR_SPOOL");
	const char *dd = getenv("FLOOR_DEDUPE");
	char *body = NULL;
	size_t cap = 0;
	long len;
	int sfd, seenfd = -1, tmpfd, newfd;

	if (spool == NULL || (sfd = open(spool, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1) {
		fputs("floor_fsync: FLOOR_SPOOL is not a folder\n", stderr);
		return 1;
	}
	if ((tmpfd = open_dir(sfd, "tmp")) == -1 ||
	    (newfd = open_dir(sfd, "new")) == -1 ||
	    (dd != NULL && dd[0] == '1' && (seenfd = open_dir(sfd, "seen")) == -1)) {
		perror("floor_fsync: spool folders");
		return 1;
	}
	if (FCGX_Init() != 0 || FCGX_InitRequest(&r, 0, 0) != 0)
		return 1;
	while (FCGX_Accept_r(&r) >= 0) {
		if ((len = floor_read_body(&r, &body, &cap)) < 0) {
			floor_answer(&r, "400 Bad Request",
			    "{\"status\":\"error\",\"error\":\"invalid_length\"}");
			FCGX_Finish_r(&r);
			continue;
		}
		switch (store(seenfd, tmpfd, newfd,
		    FCGX_GetParam("HTTP_X_GITHUB_DELIVERY", r.envp), body,
		    (size_t)len)) {
		case 202:
			floor_answer(&r, "202 Accepted", "{\"status\":\"accepted\"}");
			break;
		case 200:
			floor_answer(&r, "200 OK", "{\"status\":\"duplicate\"}");
			break;
		case 400:
			floor_answer(&r, "400 Bad Request",
			    "{\"status\":\"error\",\"error\":\"invalid_delivery\"}");
			break;
		default:
			floor_answer(&r, "503 Service Unavailable",
			    "{\"status\":\"error\",\"error\":\"unavailable\"}");
			break;
		}
		FCGX_Finish_r(&r);
	}
	free(body);
	return 0;
}
