/* test_payfile.c: the per-attempt payload file: where, mode, content, kept intact between hooks, removed, swept. */
#include "unit.h"

#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <limits.h>
#include <time.h>
#include <utime.h>

#include "payfile.h"

static const unsigned char body[] = "{\"event\":\"push\",\"data\":{}}\n";
#define BODY_LEN	(sizeof(body) - 1)

struct fx {
	char *dir;	/* the spool */
	char *tmp;	/* $TMPDIR for the fallback */
	char *old_tmp;
};

static int
setup(void **state)
{
	struct fx *fx;
	const char *t = getenv("TMPDIR");

	assert_non_null(fx = calloc(1, sizeof(*fx)));
	fx->dir = unit_mkdtemp("payfile");
	fx->tmp = unit_mkdtemp("payfile-tmp");
	fx->old_tmp = t != NULL ? strdup(t) : NULL;
	assert_int_equal(setenv("TMPDIR", fx->tmp, 1), 0);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	if (fx->old_tmp != NULL)
		assert_int_equal(setenv("TMPDIR", fx->old_tmp, 1), 0);
	else
		assert_int_equal(unsetenv("TMPDIR"), 0);
	unit_rm_tree(fx->dir);
	unit_rm_tree(fx->tmp);
	free(fx->old_tmp);
	free(fx->tmp);
	free(fx->dir);
	free(fx);
	return 0;
}

static void
expect_body(const char *path)
{
	size_t len;
	char *got = unit_read_file(path, &len);

	assert_int_equal(len, BODY_LEN);
	assert_memory_equal(got, body, BODY_LEN);
	free(got);
}

static void
expect_mode(const char *path, mode_t mode, int dir)
{
	struct stat st;

	assert_int_equal(lstat(path, &st), 0);
	assert_true(dir ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, mode);
	assert_int_equal(st.st_uid, geteuid());
}

/* A regular file 0600 under spool/payload/ (0700), the body's bytes,
 * one per make; gone after remove. */
static void
test_make_remove(void **state)
{
	struct fx *fx = *state;
	struct payfile a, b;
	struct err err;
	char *dir;

	assert_int_equal(payfile_make(&a, fx->dir, body, BODY_LEN, &err), 0);
	assert_int_equal(payfile_make(&b, fx->dir, body, BODY_LEN, &err), 0);
	assert_true(asprintf(&dir, "%s/payload", fx->dir) > 0);
	assert_int_equal(strncmp(a.path, dir, strlen(dir)), 0);
	assert_string_not_equal(a.path, b.path);
	expect_mode(dir, 0700, 1);
	expect_mode(a.path, 0600, 0);
	expect_body(a.path);
	assert_int_equal(unit_count_entries(fx->dir, "payload"), 2);
	payfile_remove(&a);
	payfile_remove(&a);	/* twice: nothing */
	payfile_remove(NULL);
	assert_int_equal(unit_count_entries(fx->dir, "payload"), 1);
	payfile_remove(&b);
	assert_int_equal(unit_count_entries(fx->dir, "payload"), 0);

	/* An empty body is an empty file. */
	assert_int_equal(payfile_make(&a, fx->dir, NULL, 0, &err), 0);
	assert_int_equal(access(a.path, R_OK), 0);
	payfile_remove(&a);

	/* A folder chmod'ed open is closed again. */
	assert_int_equal(chmod(dir, 0755), 0);
	assert_int_equal(payfile_make(&a, fx->dir, body, BODY_LEN, &err), 0);
	expect_mode(dir, 0700, 1);
	payfile_remove(&a);
	free(dir);
}

/* Whatever a hook does to the copy, the next one reads the body. */
static void
test_keep(void **state)
{
	struct fx *fx = *state;
	struct payfile pf;
	struct err err;
	char *other;
	int fd;

	assert_int_equal(payfile_make(&pf, fx->dir, body, BODY_LEN, &err), 0);
	assert_int_equal(payfile_keep(&pf, &err), 0);	/* untouched */
	expect_body(pf.path);

	/* Overwritten in place, same length. */
	fd = open(pf.path, O_WRONLY);
	assert_int_not_equal(fd, -1);
	assert_int_equal(write(fd, "X", 1), 1);
	assert_int_equal(close(fd), 0);
	assert_int_equal(payfile_keep(&pf, &err), 0);
	expect_body(pf.path);

	/* Truncated, appended to. */
	unit_write_file(pf.path, "{}", 0600);
	assert_int_equal(payfile_keep(&pf, &err), 0);
	expect_body(pf.path);

	/* Replaced by another file (rename), by a symlink, removed. */
	assert_true(asprintf(&other, "%s/other", fx->dir) > 0);
	unit_write_file(other, "evil", 0600);
	assert_int_equal(rename(other, pf.path), 0);
	assert_int_equal(payfile_keep(&pf, &err), 0);
	expect_body(pf.path);
	unit_write_file(other, "evil", 0600);
	assert_int_equal(unlink(pf.path), 0);
	assert_int_equal(symlink(other, pf.path), 0);
	assert_int_equal(payfile_keep(&pf, &err), 0);
	expect_body(pf.path);
	expect_mode(pf.path, 0600, 0);
	assert_int_equal(unlink(pf.path), 0);
	assert_int_equal(payfile_keep(&pf, &err), 0);
	expect_body(pf.path);

	/* chmod'ed for others. */
	assert_int_equal(chmod(pf.path, 0644), 0);
	assert_int_equal(payfile_keep(&pf, &err), 0);
	expect_mode(pf.path, 0600, 0);

	payfile_remove(&pf);
	assert_int_equal(unit_count_entries(fx->dir, "payload"), 0);
	assert_int_equal(unlink(other), 0);
	free(other);
}

/* Copies of dead attempts are swept: old and not locked. A young one,
 * or one a living attempt holds, stays. */
static void
test_sweep(void **state)
{
	struct fx *fx = *state;
	struct payfile live;
	struct utimbuf old = { 1000000000, 1000000000 };
	struct err err;
	char *dead, *young, *notours;
	pid_t pid;
	int st;

	assert_int_equal(payfile_make(&live, fx->dir, body, BODY_LEN, &err), 0);
	assert_int_equal(utime(live.path, &old), 0);
	assert_true(asprintf(&dead, "%s/payload/body.dead01", fx->dir) > 0);
	assert_true(asprintf(&young, "%s/payload/body.young1", fx->dir) > 0);
	assert_true(asprintf(&notours, "%s/payload/keep-me", fx->dir) > 0);
	unit_write_file(dead, "x", 0600);
	assert_int_equal(utime(dead, &old), 0);
	unit_write_file(young, "x", 0600);
	unit_write_file(notours, "x", 0600);
	assert_int_equal(utime(notours, &old), 0);

	/* A child sweeps: our live copy's lock is another process's. */
	pid = fork();
	assert_int_not_equal(pid, -1);
	if (pid == 0) {
		struct payfile c;

		if (payfile_make(&c, fx->dir, body, BODY_LEN, &err) != 0)
			_exit(1);
		payfile_sweep(fx->dir);
		_exit(0);	/* and dies: its copy is left behind */
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_int_equal(access(dead, F_OK), -1);
	assert_int_equal(access(live.path, F_OK), 0);
	assert_int_equal(access(young, F_OK), 0);
	assert_int_equal(access(notours, F_OK), 0);
	/* live, young, keep-me, and the child's own, left by its death. */
	assert_int_equal(unit_count_entries(fx->dir, "payload"), 4);

	payfile_remove(&live);
	assert_int_equal(unlink(young), 0);
	assert_int_equal(unlink(notours), 0);
	free(notours);
	free(young);
	free(dead);
}

/* A spool that cannot have the folder: $TMPDIR/hookline-payload-UID. */
static void
test_fallback(void **state)
{
	struct fx *fx = *state;
	struct payfile pf;
	struct err err;
	char *spool, *want;

	assert_true(asprintf(&spool, "%s/afile/spool", fx->dir) > 0);
	assert_true(asprintf(&want, "%s/afile", fx->dir) > 0);
	unit_write_file(want, "", 0600);	/* ENOTDIR below it */
	free(want);
	assert_true(asprintf(&want, "%s/hookline-payload-%lu/", fx->tmp,
	    (unsigned long)geteuid()) > 0);
	assert_int_equal(payfile_make(&pf, spool, body, BODY_LEN, &err), 0);
	assert_int_equal(strncmp(pf.path, want, strlen(want)), 0);
	expect_body(pf.path);
	want[strlen(want) - 1] = '\0';
	expect_mode(want, 0700, 1);
	payfile_remove(&pf);

	/* No spool at all: the same. */
	assert_int_equal(payfile_make(&pf, NULL, body, BODY_LEN, &err), 0);
	assert_int_equal(strncmp(pf.path, want, strlen(want)), 0);
	payfile_remove(&pf);

	/* A missing spool is made (0700), as the dedupe records do. */
	free(spool);
	assert_true(asprintf(&spool, "%s/new-spool", fx->dir) > 0);
	assert_int_equal(payfile_make(&pf, spool, body, BODY_LEN, &err), 0);
	expect_mode(spool, 0700, 1);
	payfile_remove(&pf);

	/* A folder of someone else's in a shared $TMPDIR: refused. */
	if (geteuid() == 0) {
		assert_int_equal(chown(want, 65534, 65534), 0);
		assert_int_equal(payfile_make(&pf, NULL, body, BODY_LEN,
		    &err), -1);
		assert_non_null(strstr(err.msg, "not owned"));
		assert_null(pf.path);
		assert_int_equal(chown(want, 0, 0), 0);
	}
	free(want);
	free(spool);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_make_remove, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_keep, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sweep, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fallback, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
