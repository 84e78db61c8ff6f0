/* test_drain_kick.c: what a FastCGI process keeps between kicks (struct
 * kicker) and the look at drain.lock it makes per request: the lock
 * held or free as a drainer sees it, and nothing kept going stale (the
 * spool removed, drain.lock replaced, another spool_dir). */
#include "unit.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drain.h"

static char *
sub(const char *dir, const char *name)
{
	char *p;

	assert_true(asprintf(&p, "%s/%s", dir, name) > 0);
	return p;
}

static void
assert_is_dir(const char *dir, const char *name)
{
	struct stat st;
	char *p = sub(dir, name);

	assert_int_equal(stat(p, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	free(p);
}

/* Each test: a kicker and a temporary folder with spool/ (made by the
 * first kick) and b/ (another spool) in it. */
struct fx {
	struct kicker	 k;
	char		*dir;
	char		*spool;
	char		*other;
	char		*lock;		/* spool/drain.lock */
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	kicker_init(&f->k);
	f->dir = unit_mkdtemp("kick");
	f->spool = sub(f->dir, "spool");
	f->other = sub(f->dir, "b");
	f->lock = sub(f->spool, "drain.lock");
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	kicker_clear(&f->k);
	unit_rm_tree(f->dir);
	free(f->lock);
	free(f->other);
	free(f->spool);
	free(f->dir);
	free(f);
	return 0;
}

/* Free and held as a drainer holds it (drain_lock); the lock is let go
 * again after a free look, so the drainer started next can take it; the
 * fd is kept, close-on-exec, and the folders are made. */
static void
test_held_and_free(void **state)
{
	struct fx *f = *state;
	struct kicker *k = &f->k;
	const char *spool = f->spool;
	int held, fd;

	assert_int_equal(drain_lock_free(k, spool), 1);
	assert_is_dir(spool, "new");
	assert_is_dir(spool, "slots");
	fd = k->fd;
	assert_true(fd > 2);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	/* Let go: a drainer takes it. */
	held = drain_lock(spool, false, NULL);
	assert_true(held >= 0);
	assert_int_equal(drain_lock_free(k, spool), 0);
	assert_int_equal(k->fd, fd);		/* kept, not reopened */
	assert_int_equal(close(held), 0);
	assert_int_equal(drain_lock_free(k, spool), 1);
	assert_int_equal(k->fd, fd);
	kicker_clear(k);
	assert_int_equal(k->fd, -1);
	assert_int_equal(fcntl(fd, F_GETFD), -1);	/* closed */
	kicker_clear(k);			/* twice: harmless */
}

/* drain.lock replaced while the old file is still held (a drainer of a
 * spool moved aside): the kept fd would see "held" for good, and no
 * drainer would start for the new file. */
static void
test_lock_replaced(void **state)
{
	struct fx *f = *state;
	struct kicker *k = &f->k;
	const char *spool = f->spool, *lock = f->lock;
	int old;

	assert_int_equal(drain_lock_free(k, spool), 1);
	old = drain_lock(spool, false, NULL);
	assert_true(old >= 0);
	assert_int_equal(drain_lock_free(k, spool), 0);
	assert_int_equal(unlink(lock), 0);
	assert_int_equal(drain_lock_free(k, spool), 1);
	/* And the new one is what a drainer takes and the kick sees. */
	assert_int_equal(access(lock, F_OK), 0);
	assert_int_equal(close(old), 0);
	old = drain_lock(spool, false, NULL);
	assert_true(old >= 0);
	assert_int_equal(drain_lock_free(k, spool), 0);
	assert_int_equal(close(old), 0);
	/* A symlink in its place: refused (O_NOFOLLOW), as drain_lock. */
	assert_int_equal(unlink(lock), 0);
	assert_int_equal(symlink("/etc/passwd", lock), 0);
	assert_int_equal(drain_lock_free(k, spool), -1);
	assert_int_equal(k->fd, -1);
	assert_int_equal(drain_lock(spool, false, NULL), -1);
}

/* The whole spool removed: made again at the next kick. */
static void
test_spool_removed(void **state)
{
	struct fx *f = *state;
	struct kicker *k = &f->k;
	const char *spool = f->spool;

	assert_int_equal(drain_lock_free(k, spool), 1);
	unit_rm_tree(spool);
	assert_int_equal(drain_lock_free(k, spool), 1);
	assert_is_dir(spool, "new");
	assert_is_dir(spool, "tmp");
}

/* Another spool_dir (a reload): its own drain.lock, not the old one. */
static void
test_other_spool(void **state)
{
	struct fx *f = *state;
	struct kicker *k = &f->k;
	const char *a = f->spool, *b = f->other;
	int held;

	held = drain_lock(a, false, NULL);
	assert_true(held >= 0);
	assert_int_equal(drain_lock_free(k, a), 0);
	assert_int_equal(drain_lock_free(k, b), 1);
	assert_string_equal(k->spool_dir, b);
	assert_is_dir(b, "new");
	assert_int_equal(close(held), 0);
	held = drain_lock(b, false, NULL);
	assert_true(held >= 0);
	assert_int_equal(drain_lock_free(k, b), 0);
	assert_int_equal(drain_lock_free(k, a), 1);
	assert_int_equal(close(held), 0);
	/* Nothing kept: as drain_kick, one look. */
	assert_int_equal(drain_lock_free(NULL, b), 1);
	assert_int_equal(drain_lock_free(k, NULL), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
		T(test_held_and_free),
		T(test_lock_replaced),
		T(test_spool_removed),
		T(test_other_spool),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
