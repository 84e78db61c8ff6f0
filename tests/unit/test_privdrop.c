/* test_privdrop.c: whom a process started as root becomes. */
#include "unit.h"

#include <pwd.h>
#include <sys/wait.h>

#include "conf.h"
#include "privdrop.h"

#define NOBODY 65534

static void
test_decide(void **state)
{
	static const struct {
		struct privdrop_facts	f;
		enum privdrop_how	how;
		uid_t			to;
	} cases[] = {
		/* Not root: never moves. */
		{ { 33, false, true, 1000, true, 1000 }, PRIVDROP_STAY, 0 },
		/* Root, a command: the spool's owner. */
		{ { 0, false, false, 0, true, 33 }, PRIVDROP_BECOME, 33 },
		/* user = wins over the spool's owner. */
		{ { 0, false, true, 1000, true, 33 }, PRIVDROP_BECOME, 1000 },
		/* A root spool stays root's. */
		{ { 0, false, false, 0, true, 0 }, PRIVDROP_STAY, 0 },
		{ { 0, false, true, 0, true, 33 }, PRIVDROP_STAY, 0 },
		/* No spool, no user: refused rather than run hooks as root. */
		{ { 0, false, false, 0, false, 0 }, PRIVDROP_REFUSE, 0 },
		/* A server moves only for user =. */
		{ { 0, true, false, 0, true, 33 }, PRIVDROP_STAY, 0 },
		{ { 0, true, false, 0, false, 0 }, PRIVDROP_STAY, 0 },
		{ { 0, true, true, 33, false, 0 }, PRIVDROP_BECOME, 33 },
	};
	size_t i;
	uid_t to;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		to = 12345;
		assert_int_equal(privdrop_decide(&cases[i].f, &to),
		    cases[i].how);
		if (cases[i].how == PRIVDROP_BECOME)
			assert_int_equal(to, cases[i].to);
	}
}

/* A configuration in dir: spool_dir = spool, and user = when not NULL. */
static struct conf *
conf_in(const char *dir, const char *user)
{
	struct conf *c;
	struct err err;
	char *path, *text;

	assert_true(asprintf(&path, "%s/h.conf", dir) > 0);
	assert_true(asprintf(&text, "spool_dir = spool\n%s%s%s", user ?
	    "user = " : "", user ? user : "", user ? "\n" : "") > 0);
	unit_write_file(path, text, 0644);
	assert_int_equal(conf_load(path, &c, &err), 0);
	free(text);
	free(path);
	return c;
}

/* As root: the spool's owner is found, named and become, for good. */
static void
test_target_and_become(void **state)
{
	struct privdrop_target t;
	struct conf *c;
	struct err err;
	char *dir, *spool;
	pid_t pid;
	int st;

	(void)state;
	if (geteuid() != 0 || getpwuid(NOBODY) == NULL)
		skip();
	dir = unit_mkdtemp("privdrop");
	assert_int_equal(chmod(dir, 0755), 0);
	c = conf_in(dir, NULL);
	/* No spool yet, no user: a command refuses, a server stays. */
	assert_int_equal(privdrop_target(c, false, &t, &err), 0);
	assert_int_equal(t.how, PRIVDROP_REFUSE);
	privdrop_target_clear(&t);
	assert_int_equal(privdrop_for(c, "drain", false, &err), -1);
	assert_non_null(strstr(err.msg, "sudo -u"));
	assert_int_equal(privdrop_target(c, true, &t, &err), 0);
	assert_int_equal(t.how, PRIVDROP_STAY);
	privdrop_target_clear(&t);

	assert_true(asprintf(&spool, "%s/spool", dir) > 0);
	assert_int_equal(mkdir(spool, 0750), 0);
	assert_int_equal(chown(spool, NOBODY, NOBODY), 0);
	assert_int_equal(privdrop_target(c, false, &t, &err), 0);
	assert_int_equal(t.how, PRIVDROP_BECOME);
	assert_int_equal(t.uid, NOBODY);
	assert_string_equal(t.name, getpwuid(NOBODY)->pw_name);
	privdrop_target_clear(&t);

	/* In a child: it becomes nobody, cannot come back, and what it
	 * makes in the spool is nobody's. */
	assert_true((pid = fork()) >= 0);
	if (pid == 0) {
		char *f;
		int fd;

		if (privdrop_for(c, "drain", false, &err) != 0 ||
		    geteuid() != NOBODY || getuid() != NOBODY ||
		    setuid(0) == 0 || asprintf(&f, "%s/x", spool) < 0 ||
		    (fd = open(f, O_CREAT | O_WRONLY, 0600)) < 0)
			_exit(1);
		_exit(close(fd) == 0 ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	conf_free(c);

	/* user = names someone else: that one; unknown: refused. */
	c = conf_in(dir, "root");
	assert_int_equal(privdrop_target(c, false, &t, &err), 0);
	assert_int_equal(t.how, PRIVDROP_STAY);
	privdrop_target_clear(&t);
	conf_free(c);
	c = conf_in(dir, "no-such-user-here");
	assert_int_equal(privdrop_target(c, false, &t, &err), -1);
	assert_non_null(strstr(err.msg, "no such user"));
	assert_int_equal(privdrop_for(c, "fcgi", true, &err), -1);
	conf_free(c);

	unit_rm_tree(dir);
	free(spool);
	free(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decide),
		cmocka_unit_test(test_target_and_become),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
