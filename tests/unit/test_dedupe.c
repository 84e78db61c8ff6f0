/* test_dedupe.c: claims new, duplicate, expired, released, raced, swept. */
#include "unit.h"

#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dedupe.h"

#define T0	((time_t)1700000000)
#define W	3600L

struct fixture {
	char	*top;		/* mkdtemp() */
	char	*seen;		/* top/spool/seen, not made yet */
};

static int
setup(void **state)
{
	struct fixture *f;

	assert_non_null(f = calloc(1, sizeof(*f)));
	f->top = unit_mkdtemp("dedupe");
	assert_true(asprintf(&f->seen, "%s/spool/seen", f->top) > 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	unit_rm_tree(f->top);
	free(f->seen);
	free(f->top);
	free(f);
	return 0;
}

static int
claim(const struct fixture *f, const char *ep, const char *id, time_t now)
{
	struct err err;
	int rc;

	err.msg[0] = '\0';
	rc = dedupe_claim(f->seen, ep, id, W, now, &err);
	if (rc == -1)
		print_message("dedupe_claim(%s, %.40s): %s\n", ep, id, err.msg);
	return rc;
}

static int
release(const struct fixture *f, const char *ep, const char *id)
{
	struct err err;

	return dedupe_release(f->seen, ep, id, &err);
}

/* The bucket (0..255) holding file name under seen, or -1. */
static int
bucket_of(const char *seen, const char *name)
{
	struct stat st;
	char *path;
	int b, rc;

	for (b = 0; b < 256; b++) {
		if (asprintf(&path, "%s/%02x/%s", seen, b, name) == -1)
			return -1;
		rc = lstat(path, &st);
		free(path);
		if (rc == 0)
			return b;
	}
	return -1;
}

/* path of name in its bucket; the caller frees. */
static char *
record_path(const char *seen, const char *name)
{
	char *path;
	int b;

	assert_true((b = bucket_of(seen, name)) >= 0);
	assert_true(asprintf(&path, "%s/%02x/%s", seen, b, name) != -1);
	return path;
}

static time_t
mtime_of(const char *seen, const char *name)
{
	struct stat st;
	char *path = record_path(seen, name);

	assert_int_equal(lstat(path, &st), 0);
	free(path);
	return st.st_mtime;
}

static void
test_new_duplicate_expired(void **state)
{
	struct fixture *f = *state;
	struct stat st;

	/* The folder is made (mode 0700) by the first claim. */
	assert_int_equal(claim(f, "github", "abc-123", T0), 1);
	assert_int_equal(stat(f->seen, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(mtime_of(f->seen, "github.abc-123"), T0);

	assert_int_equal(claim(f, "github", "abc-123", T0), 0);
	assert_int_equal(claim(f, "github", "abc-123", T0 + 1), 0);
	assert_int_equal(claim(f, "github", "abc-123", T0 + W - 1), 0);
	/* window seconds later it is new again, and remembered anew. */
	assert_int_equal(claim(f, "github", "abc-123", T0 + W), 1);
	assert_int_equal(mtime_of(f->seen, "github.abc-123"), T0 + W);
	assert_int_equal(claim(f, "github", "abc-123", T0 + W + 1), 0);
	assert_int_equal(claim(f, "github", "abc-123", T0 + 2 * W - 1), 0);

	/* A clock set back a little still sees the record; far back, not. */
	assert_int_equal(claim(f, "github", "abc-123", T0), 0);
	assert_int_equal(claim(f, "github", "abc-123", T0 - 1), 1);

	/* Endpoints are apart. */
	assert_int_equal(claim(f, "gitlab", "abc-123", T0), 1);
	assert_int_equal(claim(f, "", "abc-123", T0), 1);
	assert_int_equal(claim(f, "", "abc-123", T0), 0);
	/* "a.b"+"c" and "a"+"b.c" are two records. */
	assert_int_equal(claim(f, "a.b", "c", T0), 1);
	assert_int_equal(claim(f, "a", "b.c", T0), 1);
	assert_int_equal(claim(f, "a.b", "c", T0), 0);
	assert_int_equal(claim(f, "a", "b.c", T0), 0);

	/* Window 0 remembers nothing. */
	{
		struct err err;

		assert_int_equal(dedupe_claim(f->seen, "x", "y", 0, T0, &err),
		    1);
		assert_int_equal(dedupe_claim(f->seen, "x", "y", 0, T0, &err),
		    1);
	}
}

static void
test_release(void **state)
{
	struct fixture *f = *state;
	struct stat st;

	/* Nothing recorded, no folder: fine, and no folder is made. */
	assert_int_equal(release(f, "github", "nope"), 0);
	assert_int_equal(stat(f->seen, &st), -1);
	assert_int_equal(errno, ENOENT);

	assert_int_equal(claim(f, "github", "d1", T0), 1);
	assert_int_equal(claim(f, "github", "d1", T0), 0);
	assert_int_equal(release(f, "github", "d1"), 0);
	assert_int_equal(bucket_of(f->seen, "github.d1"), -1);
	assert_int_equal(claim(f, "github", "d1", T0), 1);
	assert_int_equal(claim(f, "github", "d1", T0), 0);
	/* Twice is fine; others are untouched. */
	assert_int_equal(claim(f, "github", "d2", T0), 1);
	assert_int_equal(release(f, "github", "d1"), 0);
	assert_int_equal(release(f, "github", "d1"), 0);
	assert_int_equal(claim(f, "github", "d2", T0), 0);
	assert_int_equal(release(f, "gitlab", "d2"), 0);
	assert_int_equal(claim(f, "github", "d2", T0), 0);
}

/* Counts the files under seen, failing on anything that is not a file
 * seen/HH/NAME. */
static int
count_records(const char *seen)
{
	struct dirent *de, *de2;
	struct stat st;
	char *path, *file;
	DIR *d, *d2;
	int n = 0;

	assert_non_null(d = opendir(seen));
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		assert_int_equal(strlen(de->d_name), 2);
		assert_true(asprintf(&path, "%s/%s", seen, de->d_name) != -1);
		assert_non_null(d2 = opendir(path));
		while ((de2 = readdir(d2)) != NULL) {
			if (strcmp(de2->d_name, ".") == 0 ||
			    strcmp(de2->d_name, "..") == 0)
				continue;
			assert_true(asprintf(&file, "%s/%s", path,
			    de2->d_name) != -1);
			assert_int_equal(lstat(file, &st), 0);
			assert_true(S_ISREG(st.st_mode));
			free(file);
			n++;
		}
		assert_int_equal(closedir(d2), 0);
		free(path);
	}
	assert_int_equal(closedir(d), 0);
	return n;
}

static void
test_odd_ids(void **state)
{
	struct fixture *f = *state;
	static const char *ids[] = {
		"/", "..", ".", "../../../etc/passwd", "%2F", "%", "a%", "~",
		"~abc", "lock", ".lock", "*", "$(touch x)", "'\"`\\", "a/b",
		"a%2Fb", "-", "--", "_", "...", "{}", "\x7e\x21",
	};
	char id[260], *p;
	struct stat st;
	size_t i;

	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		if (claim(f, "ep", ids[i], T0) != 1)
			fail_msg("first claim of \"%s\"", ids[i]);
		if (claim(f, "ep", ids[i], T0) != 0)
			fail_msg("second claim of \"%s\"", ids[i]);
	}
	/* Readable for the usual ids, escaped for the rest. */
	assert_int_equal(claim(f, "github",
	    "0f5d1c1e-8a3b-11ee-9b2f-0242ac120002", T0), 1);
	assert_true(bucket_of(f->seen,
	    "github.0f5d1c1e-8a3b-11ee-9b2f-0242ac120002") >= 0);
	assert_true(bucket_of(f->seen,
	    "ep.%2E%2E%2F%2E%2E%2F%2E%2E%2Fetc%2Fpasswd") >= 0);
	assert_true(bucket_of(f->seen, "ep.%252F") >= 0);

	/* Long ids: readable up to 172 escaped bytes, base64url past. */
	memset(id, '/', 128);
	id[128] = '\0';
	assert_int_equal(claim(f, "ep", id, T0), 1);
	assert_int_equal(claim(f, "ep", id, T0), 0);
	id[57] = '\0';		/* 171 escaped */
	assert_int_equal(claim(f, "ep", id, T0), 1);
	assert_int_equal(claim(f, "ep", id, T0), 0);
	id[57] = '/';
	id[58] = '\0';		/* 174 escaped: base64url */
	assert_int_equal(claim(f, "ep", id, T0), 1);
	assert_int_equal(claim(f, "ep", id, T0), 0);
	assert_true(bucket_of(f->seen,
	    "ep.~Ly8vLy8vLy8vLy8vLy8vLy8vLy8vLy8vLy8vLy8v"
	    "Ly8vLy8vLy8vLy8vLy8vLy8vLy8vLy8vLy8vLw") >= 0);
	/* Past the 128 bytes promised: fine while it fits. */
	memset(id, 'a', 172);
	id[172] = '\0';
	assert_int_equal(claim(f, "ep", id, T0), 1);
	assert_int_equal(claim(f, "ep", id, T0), 0);
	/* 128 bytes of anything fit beside an 82-byte endpoint. */
	{
		char ep[90];
		struct err err;

		memset(ep, 'e', 82);
		ep[82] = '\0';
		memset(id, '#', 128);
		id[128] = '\0';
		assert_int_equal(claim(f, ep, id, T0), 1);
		assert_int_equal(claim(f, ep, id, T0), 0);
		assert_int_equal(release(f, ep, id), 0);
		assert_int_equal(claim(f, ep, id, T0), 1);
		memset(ep, 'e', 83);
		ep[83] = '\0';
		assert_int_equal(dedupe_claim(f->seen, ep, "x", W, T0, &err),
		    -1);
		assert_non_null(strstr(err.msg, "too long"));
		/* Too long to name: refused, never truncated. */
		memset(id, '/', 250);
		id[250] = '\0';
		assert_int_equal(dedupe_claim(f->seen, "ep", id, W, T0, &err),
		    -1);
		assert_non_null(strstr(err.msg, "delivery id too long"));
		memset(id, 'a', 200);
		id[200] = '\0';
		assert_int_equal(dedupe_claim(f->seen, "ep", id, W, T0, &err),
		    -1);
		assert_int_equal(dedupe_release(f->seen, "ep", id, &err), -1);
		assert_int_equal(dedupe_claim(f->seen, "ep", "", W, T0, &err),
		    -1);
		assert_int_equal(dedupe_claim(f->seen, "ep", "x", -1, T0, &err),
		    -1);
		assert_int_equal(dedupe_claim(f->seen, "ep", NULL, W, T0, &err),
		    -1);
		assert_int_equal(dedupe_claim(NULL, "ep", "x", W, T0, &err),
		    -1);
	}

	/* Nothing landed outside seen/HH/. */
	assert_true(count_records(f->seen) > 0);
	/* Nor beside it: top holds spool/ only. */
	assert_true(asprintf(&p, "%s/x", f->top) != -1);
	assert_int_equal(lstat(p, &st), -1);
	free(p);
	assert_true(asprintf(&p, "%s/etc", f->top) != -1);
	assert_int_equal(lstat(p, &st), -1);
	free(p);
	assert_int_equal(lstat("x", &st), -1);
}

/* A fresh duplicate is answered without the bucket's lock: with the lock
 * held elsewhere, the duplicate still comes back at once (alarm() kills
 * the test if it waits). */
static void
test_duplicate_lock_free(void **state)
{
	struct fixture *f = *state;
	char *path, *slash;
	int fd;

	assert_int_equal(claim(f, "ep", "held", T0), 1);
	path = record_path(f->seen, "ep.held");
	assert_non_null(slash = strrchr(path, '/'));
	strcpy(slash + 1, "lock");
	assert_true((fd = open(path, O_RDWR | O_CLOEXEC)) != -1);
	/* An open file description of our own: flock() conflicts with the
	 * one dedupe_claim() opens, as another process's would. */
	assert_int_equal(flock(fd, LOCK_EX), 0);
	alarm(5);
	assert_int_equal(claim(f, "ep", "held", T0 + 1), 0);
	alarm(0);
	assert_int_equal(close(fd), 0);
	free(path);
}

static void
test_hostile_records(void **state)
{
	struct fixture *f = *state;
	struct stat st;
	struct err err;
	char *path, *target;
	int fd;

	/* A symlink where the record goes is neither followed nor taken. */
	assert_int_equal(claim(f, "ep", "sym", T0), 1);
	path = record_path(f->seen, "ep.sym");
	assert_int_equal(unlink(path), 0);
	assert_true(asprintf(&target, "%s/target", f->top) != -1);
	assert_true((fd = open(target, O_WRONLY | O_CREAT, 0600)) != -1);
	assert_int_equal(close(fd), 0);
	assert_int_equal(symlink(target, path), 0);
	{
		struct timespec ts[2] = { { 1000, 0 }, { 1000, 0 } };

		assert_int_equal(utimensat(AT_FDCWD, target, ts, 0), 0);
	}
	assert_int_equal(dedupe_claim(f->seen, "ep", "sym", W, T0, &err), -1);
	assert_int_equal(stat(target, &st), 0);
	assert_int_equal(st.st_mtime, 1000);
	assert_int_equal(unlink(path), 0);
	free(path);
	free(target);

	/* A FIFO does not hang the claim. */
	assert_int_equal(claim(f, "ep", "fifo", T0), 1);
	path = record_path(f->seen, "ep.fifo");
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(dedupe_claim(f->seen, "ep", "fifo", W, T0, &err), -1);
	assert_int_equal(unlink(path), 0);
	free(path);

	/* A folder there: an error, not a duplicate. */
	assert_int_equal(claim(f, "ep", "dir", T0), 1);
	path = record_path(f->seen, "ep.dir");
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(dedupe_claim(f->seen, "ep", "dir", W, T0, &err), -1);
	assert_int_equal(dedupe_release(f->seen, "ep", "dir", &err), -1);
	assert_int_equal(rmdir(path), 0);
	free(path);

	/* dir is a file. */
	assert_true(asprintf(&path, "%s/file", f->top) != -1);
	assert_true((fd = open(path, O_WRONLY | O_CREAT, 0600)) != -1);
	assert_int_equal(close(fd), 0);
	assert_int_equal(dedupe_claim(path, "ep", "x", W, T0, &err), -1);
	assert_true(strlen(err.msg) > 0);
	assert_int_equal(dedupe_release(path, "ep", "x", &err), -1);
	free(path);
}

#define RACERS	20
#define ROUNDS	20

/* RACERS processes claim (ep, id) at once, after seen is in place or
 * not; returns how many got 1, and fails on any error. */
static int
race(const char *seen, const char *id, time_t now)
{
	pid_t pids[RACERS];
	int gate[2], i, status, ones = 0;
	char c;

	assert_int_equal(pipe(gate), 0);
	for (i = 0; i < RACERS; i++) {
		assert_true((pids[i] = fork()) != -1);
		if (pids[i] == 0) {
			struct err err;
			int rc;

			(void)close(gate[1]);
			/* Wait for the gate to open (EOF). */
			if (read(gate[0], &c, 1) != 0)
				_exit(3);
			rc = dedupe_claim(seen, "ep", id, W, now, &err);
			if (rc == -1)
				fprintf(stderr, "racer: %s\n", err.msg);
			_exit(rc == 1 ? 1 : rc == 0 ? 0 : 2);
		}
	}
	assert_int_equal(close(gate[0]), 0);
	assert_int_equal(close(gate[1]), 0);
	for (i = 0; i < RACERS; i++) {
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status));
		assert_true(WEXITSTATUS(status) <= 1);
		ones += WEXITSTATUS(status);
	}
	return ones;
}

static void
test_race(void **state)
{
	struct fixture *f = *state;
	char *seen, *id;
	int round;

	for (round = 0; round < ROUNDS; round++) {
		/* Odd rounds race to make the folders too. */
		if (round % 2)
			assert_true(asprintf(&seen, "%s/r%d/seen", f->top,
			    round) != -1);
		else
			assert_true((seen = strdup(f->seen)) != NULL);
		assert_true(asprintf(&id, "race-%d", round) != -1);
		assert_int_equal(race(seen, id, T0), 1);
		/* And the winner's record stands. */
		assert_int_equal(race(seen, id, T0 + 1), 0);
		/* An expired record is taken over by exactly one. */
		assert_int_equal(race(seen, id, T0 + W), 1);
		assert_int_equal(race(seen, id, T0 + W + 1), 0);
		free(id);
		free(seen);
	}
}

static int
exists(const char *seen, int bucket, const char *name)
{
	struct stat st;
	char *path;
	int rc;

	assert_true(asprintf(&path, "%s/%02x/%s", seen, bucket, name) != -1);
	rc = lstat(path, &st);
	free(path);
	return rc == 0;
}

/*
 * Ids that share one bucket, and one in another: claims probe ids in
 * scratch, then picks the fullest bucket. Fills ids[0..n-1] (allocated)
 * and *other, and returns the bucket.
 */
static int
ids_sharing_bucket(const char *scratch, char **ids, int n, char **other)
{
	struct dirent *de;
	struct err err;
	char *id, *path;
	DIR *d;
	int b, best = -1, bestn = 0, probes = 0, k, count;

	*other = NULL;
	while (bestn < n) {
		for (k = 0; k < 256; k++, probes++) {
			assert_true(asprintf(&id, "probe-%d", probes) != -1);
			assert_int_equal(dedupe_claim(scratch, "ep", id, W, T0,
			    &err), 1);
			free(id);
		}
		for (b = 0; b < 256; b++) {
			assert_true(asprintf(&path, "%s/%02x", scratch,
			    b) != -1);
			d = opendir(path);
			free(path);
			if (d == NULL)
				continue;
			count = 0;
			while ((de = readdir(d)) != NULL)
				count += strncmp(de->d_name, "ep.", 3) == 0;
			assert_int_equal(closedir(d), 0);
			if (count > bestn) {
				bestn = count;
				best = b;
			}
		}
	}
	k = 0;
	for (b = 0; b < 256; b++) {
		assert_true(asprintf(&path, "%s/%02x", scratch, b) != -1);
		d = opendir(path);
		free(path);
		if (d == NULL)
			continue;
		while ((de = readdir(d)) != NULL) {
			if (strncmp(de->d_name, "ep.", 3) != 0)
				continue;
			if (b == best && k < n)
				assert_non_null(ids[k++] =
				    strdup(de->d_name + 3));
			else if (b != best && *other == NULL)
				assert_non_null(*other =
				    strdup(de->d_name + 3));
		}
		assert_int_equal(closedir(d), 0);
	}
	assert_int_equal(k, n);
	assert_non_null(*other);
	return best;
}

static void
test_sweep(void **state)
{
	struct fixture *f = *state;
	const long w = 100000;	/* swept at most every w/100 = 1000 s */
	struct err err;
	char *scratch, *ids[4], *other, *path;
	const char *old;
	int b, i, fd;

	assert_true(asprintf(&scratch, "%s/scratch", f->top) != -1);
	b = ids_sharing_bucket(scratch, ids, 4, &other);
	old = ids[0];

	/* Recorded at T0: "old" in bucket b, "other" elsewhere. */
	assert_int_equal(dedupe_claim(f->seen, "ep", old, w, T0, &err), 1);
	assert_int_equal(dedupe_claim(f->seen, "ep", other, w, T0, &err), 1);
	assert_true(asprintf(&path, "ep.%s", old) != -1);
	assert_int_equal(bucket_of(f->seen, path), b);
	free(path);

	/* Things in the bucket that are not records are left alone. */
	assert_true(asprintf(&path, "%s/%02x/junk", f->seen, b) != -1);
	assert_true((fd = open(path, O_WRONLY | O_CREAT, 0600)) != -1);
	assert_int_equal(close(fd), 0);
	{
		struct timespec ts[2] = { { 1000, 0 }, { 1000, 0 } };

		assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
	}
	free(path);
	assert_true(asprintf(&path, "%s/%02x/a.dir", f->seen, b) != -1);
	assert_int_equal(mkdir(path, 0700), 0);
	free(path);

	/* Due for a sweep, but "old" is not expired yet: kept. */
	assert_int_equal(dedupe_claim(f->seen, "ep", ids[1], w, T0 + w - 500,
	    &err), 1);
	assert_true(asprintf(&path, "ep.%s", old) != -1);
	assert_true(exists(f->seen, b, path));
	/* Expired, but the bucket was swept 600 s ago: still there. */
	assert_int_equal(dedupe_claim(f->seen, "ep", ids[2], w, T0 + w + 100,
	    &err), 1);
	assert_true(exists(f->seen, b, path));
	/* 1100 s after the last sweep: "old" goes, the rest stays. */
	assert_int_equal(dedupe_claim(f->seen, "ep", ids[3], w, T0 + w + 600,
	    &err), 1);
	assert_false(exists(f->seen, b, path));
	free(path);
	for (i = 1; i < 4; i++) {
		assert_true(asprintf(&path, "ep.%s", ids[i]) != -1);
		assert_true(exists(f->seen, b, path));
		free(path);
	}
	assert_true(exists(f->seen, b, "junk"));
	assert_true(exists(f->seen, b, "a.dir"));
	assert_true(exists(f->seen, b, "lock"));
	/* Each sweep is one bucket's work: the other bucket waits for a
	 * claim of its own. */
	assert_true(asprintf(&path, "ep.%s", other) != -1);
	assert_true(bucket_of(f->seen, path) >= 0);
	free(path);
	/* Swept or not, an expired record is a new delivery. */
	assert_int_equal(dedupe_claim(f->seen, "ep", old, w, T0 + w + 700,
	    &err), 1);
	assert_int_equal(dedupe_claim(f->seen, "ep", other, w, T0 + w + 700,
	    &err), 1);
	assert_int_equal(dedupe_claim(f->seen, "ep", other, w, T0 + w + 700,
	    &err), 0);

	for (i = 0; i < 4; i++)
		free(ids[i]);
	free(other);
	free(scratch);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_new_duplicate_expired,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_release, setup, teardown),
		cmocka_unit_test_setup_teardown(test_odd_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_lock_free,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_records, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_race, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sweep, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
