/* test_conf_watch.c: when a long-running process reads its configuration
 * again: fixes with an old mtime, rotated secret files, renamed files,
 * half-written files, and a broken file reported once. */
#include "unit.h"

#include <sys/wait.h>
#include <time.h>

#include "conf.h"
#include "conf_watch.h"

static char *dir;

/* The test's clocks: mono goes on by a second per look (the reloader
 * looks at most once a second); real is the wall clock plus an offset,
 * so that a file just written is young (offset 0) or settled (2). */
struct clk {
	struct timespec	mono;
	long		offset;
};

/* One test's process: its configuration, reloader, clocks, last error. */
struct fx {
	struct conf	*c;
	struct reloader	 r;
	struct clk	 k;
	struct err	 err;
};

static char *
path_of(const char *name)
{
	char *p;

	assert_true(asprintf(&p, "%s/%s", dir, name) > 0);
	return p;
}

/* Writes name. First waits 25 ms: file times come from a clock that
 * ticks every 1-10 ms, and two writes in one tick could look alike. */
static void
put(const char *name, const char *text)
{
	struct timespec tick = { 0, 25000000 };
	char *p = path_of(name);

	assert_int_equal(nanosleep(&tick, NULL), 0);
	unit_write_file(p, text, 0644);
	free(p);
}

static struct timespec
mtime_of(const char *name)
{
	struct stat st;
	char *p = path_of(name);

	assert_int_equal(stat(p, &st), 0);
	free(p);
	return st.st_mtim;
}

/* touch -r: gives name the mtime (and atime) t. */
static void
set_mtime(const char *name, struct timespec t)
{
	struct timespec ts[2] = { t, t };
	char *p = path_of(name);

	assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
	free(p);
}

static enum reload
look(struct fx *f)
{
	struct timespec real;

	assert_int_equal(clock_gettime(CLOCK_REALTIME, &real), 0);
	real.tv_sec += f->k.offset;
	f->k.mono.tv_sec++;
	return conf_reload_at(&f->r, &f->c, &real, &f->k.mono, &f->err);
}

/* Loads hookline.conf (none when with_file is 0) and readies f. */
static void
start_with(struct fx *f, int with_file)
{
	char *p = with_file ? path_of("hookline.conf") : NULL;

	memset(f, 0, sizeof(*f));
	assert_int_equal(conf_load(p, &f->c, &f->err), 0);
	assert_int_equal(reloader_init(&f->r, p, &f->err), 0);
	free(p);
	f->k.mono.tv_sec = 100;
	f->k.offset = 2;
}

static void
start(struct fx *f)
{
	start_with(f, 1);
}

static void
stop(struct fx *f)
{
	conf_free(f->c);
	reloader_clear(&f->r);
}

static void
test_unchanged(void **state)
{
	struct fx f;

	(void)state;
	put("hookline.conf", "timeout = 5\n");
	start(&f);
	assert_int_equal(look(&f), RELOAD_NONE);
	assert_int_equal(conf_changed(f.c), 0);
	stop(&f);
}

/* A broken edit is reported once; the fix is given the broken file's
 * mtime (cp -p, touch -r, rsync -t) and is loaded all the same. */
static void
test_fix_with_same_mtime(void **state)
{
	struct fx f;
	struct conf *old;
	struct timespec broken;

	(void)state;
	put("hookline.conf", "timeout = 5\n");
	start(&f);
	old = f.c;
	put("hookline.conf", "timeout = 0\n");
	broken = mtime_of("hookline.conf");
	assert_int_equal(look(&f), RELOAD_FAILED);
	assert_non_null(strstr(f.err.msg, "hookline.conf:1: key 'timeout'"));
	assert_ptr_equal(f.c, old);
	assert_int_equal(f.c->timeout, 5);
	/* Once: nothing changed, nothing tried, nothing said. */
	assert_int_equal(look(&f), RELOAD_NONE);
	assert_int_equal(look(&f), RELOAD_NONE);
	/* Same size, same mtime as the broken one. */
	put("hookline.conf", "timeout = 7\n");
	set_mtime("hookline.conf", broken);
	assert_int_equal(look(&f), RELOAD_DONE);
	assert_int_equal(f.c->timeout, 7);
	assert_int_equal(look(&f), RELOAD_NONE);
	stop(&f);
}

/* Each new breakage is reported, once each. */
static void
test_broken_again(void **state)
{
	struct fx f;

	(void)state;
	put("hookline.conf", "timeout = 5\n");
	start(&f);
	put("hookline.conf", "timeout = 0\n");
	assert_int_equal(look(&f), RELOAD_FAILED);
	put("hookline.conf", "\nbogus = 1\n");
	assert_int_equal(look(&f), RELOAD_FAILED);
	assert_non_null(strstr(f.err.msg, ":2: unknown key 'bogus'"));
	assert_int_equal(look(&f), RELOAD_NONE);
	assert_int_equal(f.c->timeout, 5);
	stop(&f);
}

/* A secret file rotated in place, its mtime put back, the config file
 * untouched: the new secret replaces the old one. */
static void
test_secret_rotated(void **state)
{
	struct fx f;
	struct timespec was;
	const struct endpoint *ep;

	(void)state;
	put("a.secret", "old-secret\n");
	put("hookline.conf", "[a]\nsecret_file = a.secret\n");
	start(&f);
	was = mtime_of("a.secret");
	put("a.secret", "new-secret\n");
	set_mtime("a.secret", was);
	assert_int_equal(look(&f), RELOAD_DONE);
	assert_non_null(ep = conf_endpoint(f.c, "a"));
	assert_int_equal(ep->secrets.n, 1);
	assert_string_equal(ep->secrets.v[0], "new-secret");
	stop(&f);
}

/* The same size and mtime, but a new file renamed into place. */
static void
test_renamed_same_size_and_mtime(void **state)
{
	struct fx f;
	char *from = path_of("new.conf"), *to = path_of("hookline.conf");

	(void)state;
	put("hookline.conf", "timeout = 5\n");
	start(&f);
	/* Broken first, so the fix must beat the remembered failure. */
	put("new.conf", "timeout = 0\n");
	set_mtime("new.conf", mtime_of("hookline.conf"));
	assert_int_equal(rename(from, to), 0);
	assert_int_equal(look(&f), RELOAD_FAILED);
	put("new.conf", "timeout = 9\n");
	set_mtime("new.conf", mtime_of("hookline.conf"));
	assert_int_equal(rename(from, to), 0);
	assert_int_equal(look(&f), RELOAD_DONE);
	assert_int_equal(f.c->timeout, 9);
	free(from);
	free(to);
	stop(&f);
}

/* A file caught while being written in place (here: a section whose
 * secret line is not written yet) is never used: the look waits, reads
 * it again, and keeps the old configuration while the writer is at it.
 * A child plays the writer: a line every 10 ms for 400 ms, then the
 * secret line. */
static void
test_half_written(void **state)
{
	struct fx f;
	const struct endpoint *ep;
	struct timespec tick = { 0, 10000000 };
	enum reload got;
	char *p = path_of("hookline.conf");
	pid_t pid;
	int fd, i, status;

	(void)state;
	put("hookline.conf", "[a]\nsecret = one\n");
	start(&f);
	f.k.offset = 0;		/* the real clock: the writer is at it now */
	put("hookline.conf", "[a]\nsecret = one\n[b]\n");
	assert_int_not_equal(pid = fork(), -1);
	if (pid == 0) {
		if ((fd = open(p, O_WRONLY | O_APPEND)) == -1)
			_exit(1);
		for (i = 0; i < 40; i++)
			if (nanosleep(&tick, NULL) == -1 ||
			    write(fd, "; more\n", 7) != 7)
				_exit(1);
		_exit(write(fd, "secret = two\n", 13) == 13 &&
		    close(fd) == 0 ? 0 : 1);
	}
	/* Whatever a look meets, it is the old file or the whole new one. */
	for (i = 0; i < 3; i++) {
		got = look(&f);
		if (got == RELOAD_DONE)
			break;
		assert_int_equal(got, RELOAD_WAIT);
		assert_null(conf_endpoint(f.c, "b"));
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	if (got != RELOAD_DONE)
		assert_int_equal(look(&f), RELOAD_DONE);
	assert_non_null(ep = conf_endpoint(f.c, "b"));
	assert_int_equal(ep->secrets.n, 1);
	assert_string_equal(ep->secrets.v[0], "two");
	free(p);
	stop(&f);
}

/* A file changed just now, left alone after: read twice, used at once. */
static void
test_just_written(void **state)
{
	struct fx f;

	(void)state;
	put("hookline.conf", "timeout = 5\n");
	start(&f);
	f.k.offset = 0;
	put("hookline.conf", "timeout = 6\n");
	assert_int_equal(look(&f), RELOAD_DONE);
	assert_int_equal(f.c->timeout, 6);
	/* A ctime ahead of the clock (NFS, a clock set back): the same. */
	f.k.offset = -3600;
	put("hookline.conf", "timeout = 7\n");
	assert_int_equal(look(&f), RELOAD_DONE);
	assert_int_equal(f.c->timeout, 7);
	stop(&f);
}

/* A secret file gone is a failure once it stays gone; back, it loads. */
static void
test_secret_missing(void **state)
{
	struct fx f;
	char *p = path_of("b.secret");

	(void)state;
	put("b.secret", "s1\n");
	put("hookline.conf", "[b]\nsecret_file = b.secret\n");
	start(&f);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(look(&f), RELOAD_FAILED);
	assert_non_null(strstr(f.err.msg, "cannot read secret file"));
	assert_int_equal(look(&f), RELOAD_NONE);
	put("b.secret", "s2\n");
	assert_int_equal(look(&f), RELOAD_DONE);
	assert_string_equal(conf_endpoint(f.c, "b")->secrets.v[0], "s2");
	free(p);
	stop(&f);
}

/* At most one look a second; none at all without a file. */
static void
test_throttle_and_no_file(void **state)
{
	struct fx f;

	(void)state;
	put("hookline.conf", "timeout = 5\n");
	start(&f);
	put("hookline.conf", "timeout = 6\n");
	assert_int_equal(look(&f), RELOAD_DONE);
	put("hookline.conf", "timeout = 7\n");
	f.k.mono.tv_sec--;	/* the same second as the last look */
	f.k.mono.tv_nsec = 500000000;
	assert_int_equal(look(&f), RELOAD_NONE);
	assert_int_equal(look(&f), RELOAD_DONE);
	assert_int_equal(f.c->timeout, 7);
	stop(&f);

	start_with(&f, 0);
	assert_int_equal(look(&f), RELOAD_NONE);
	stop(&f);
}

static void
test_fileset(void **state)
{
	struct fileset a = { { NULL, 0 }, NULL }, b = a;
	char *p = path_of("x"), *q = path_of("nonexistent");
	int fd;

	(void)state;
	put("x", "1\n");
	assert_int_not_equal(fd = fileset_open(&a, p), -1);
	assert_int_equal(close(fd), 0);
	assert_int_equal(fileset_open(&a, q), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(a.path.n, 2);
	assert_int_equal(a.id[1].error, ENOENT);
	assert_int_equal(fileset_changed(&a), 0);
	assert_int_not_equal(fd = fileset_open(&b, p), -1);
	assert_int_equal(close(fd), 0);
	assert_int_equal(fileset_equal(&a, &b), 0);
	assert_int_equal(fileset_open(&b, q), -1);
	assert_int_equal(fileset_equal(&a, &b), 1);
	/* chmod changes nothing but the ctime: still a change. */
	assert_int_equal(chmod(p, 0600), 0);
	assert_int_equal(fileset_changed(&a), 1);
	fileset_move(&a, &b);
	assert_int_equal(b.path.n, 0);
	assert_int_equal(a.path.n, 2);
	fileset_clear(&a);
	assert_int_not_equal(fd = fileset_open(&a, p), -1);
	assert_int_equal(close(fd), 0);
	assert_int_equal(fileset_changed(&a), 0);
	fileset_clear(&a);
	fileset_clear(&b);
	free(p);
	free(q);
}

static int
setup(void **state)
{
	(void)state;
	dir = unit_mkdtemp("conf_watch");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unit_rm_tree(dir);
	free(dir);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_unchanged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fix_with_same_mtime, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_broken_again, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_secret_rotated, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_renamed_same_size_and_mtime,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_half_written, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_just_written, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_secret_missing, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_throttle_and_no_file, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_fileset, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
