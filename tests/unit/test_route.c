/* test_route.c: event names and the hooks an event resolves to, in a temporary folder. */
#include "unit.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "route.h"

struct fx {
	char *dir;
};

static int
setup(void **state)
{
	struct fx *fx;

	assert_non_null(fx = calloc(1, sizeof(*fx)));
	fx->dir = unit_mkdtemp("route");
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	unit_rm_tree(fx->dir);
	free(fx->dir);
	free(fx);
	return 0;
}

static void
path(char *buf, size_t len, const struct fx *fx, const char *rel)
{
	int r = snprintf(buf, len, "%s/%s", fx->dir, rel);

	assert_true(r > 0 && (size_t)r < len);
}

static void
put(const struct fx *fx, const char *rel, mode_t mode)
{
	char p[PATH_MAX];

	path(p, sizeof(p), fx, rel);
	unit_write_file(p, "#!/bin/sh\n", mode);
}

/* A file that is no program: notes beside the hooks. */
static void
put_text(const struct fx *fx, const char *rel, const char *text,
    mode_t mode)
{
	char p[PATH_MAX];

	path(p, sizeof(p), fx, rel);
	unit_write_file(p, text, mode);
}

static void
mkd(const struct fx *fx, const char *rel)
{
	char p[PATH_MAX];

	path(p, sizeof(p), fx, rel);
	assert_int_equal(mkdir(p, 0755), 0);
}

static void
lnk(const struct fx *fx, const char *target, const char *rel)
{
	char p[PATH_MAX];

	path(p, sizeof(p), fx, rel);
	assert_int_equal(symlink(target, p), 0);
}

static void
rm(const struct fx *fx, const char *rel)
{
	char p[PATH_MAX];

	path(p, sizeof(p), fx, rel);
	assert_int_equal(remove(p), 0);
}

/* Resolves event in the fixture and compares with want (NULL-ended). */
static void
expect(const struct fx *fx, const char *event, const char *const *want)
{
	struct strlist l = { NULL, 0 };
	struct err err = { "" };
	size_t i, n = 0;

	while (want[n] != NULL)
		n++;
	assert_int_equal(route_resolve(fx->dir, event, &l, &err), 0);
	for (i = 0; i < l.n && i < n; i++)
		assert_string_equal(l.v[i], want[i]);
	assert_int_equal(l.n, n);
	strlist_clear(&l);
}

static void
test_event_name_valid(void **state)
{
	static const struct {
		const char	*name;
		int		 ok;
	} t[] = {
		{ "push", 1 },
		{ "pull_request", 1 },
		{ "issue:opened", 1 },
		{ "orders.create", 1 },
		{ "a-b_c.d:e", 1 },
		{ "A", 1 },
		{ "0", 1 },
		{ "a..b", 1 },		/* dots inside are fine */
		{ "_default", 1 },
		{ "", 0 },
		{ ".", 0 },
		{ "..", 0 },
		{ ".hidden", 0 },
		{ "a/b", 0 },
		{ "/", 0 },
		{ "../x", 0 },
		{ "a b", 0 },
		{ " a", 0 },
		{ "a\n", 0 },
		{ "a\tb", 0 },
		{ "caf\xc3\xa9", 0 },	/* UTF-8 e-acute */
		{ "\xe2\x80\x8b", 0 },	/* zero-width space */
		{ "a*", 0 },
		{ "a$b", 0 },
		{ "a\\b", 0 },
		{ "a+b", 0 },
		{ "a,b", 0 },
		{ "a;b", 0 },
	};
	char name[200];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (event_name_valid(t[i].name) != t[i].ok)
			fail_msg("event_name_valid(\"%s\") != %d", t[i].name,
			    t[i].ok);
	}
	assert_int_equal(event_name_valid(NULL), 0);

	memset(name, 'a', sizeof(name));
	name[128] = '\0';
	assert_int_equal(event_name_valid(name), 1);	/* 128: the limit */
	name[128] = 'a';
	name[129] = '\0';
	assert_int_equal(event_name_valid(name), 0);	/* 129 */
	name[0] = '.';
	name[5] = '\0';
	assert_int_equal(event_name_valid(name), 0);
}

/* file > E.d/ > _default > nothing, each step taken away in turn. */
static void
test_order(void **state)
{
	static const char *const none[] = { NULL };
	static const char *const file[] = { "push", NULL };
	static const char *const dir[] = { "push.d/10-a", NULL };
	static const char *const def[] = { "_default", NULL };
	struct fx *fx = *state;

	expect(fx, "push", none);
	put(fx, "_default", 0755);
	expect(fx, "push", def);
	mkd(fx, "push.d");
	put(fx, "push.d/10-a", 0755);
	expect(fx, "push", dir);
	put(fx, "push", 0755);
	expect(fx, "push", file);
	expect(fx, "other", def);

	/* Not executable and no program: as if not there. */
	rm(fx, "push");
	put_text(fx, "push", "notes about push\n", 0644);
	expect(fx, "push", dir);
	/* Not executable but a script: listed, for run_hook() to refuse
	 * and the answer to report (not silently skipped). */
	rm(fx, "push");
	put(fx, "push", 0644);
	expect(fx, "push", file);
	rm(fx, "push");

	/* An E.d/ with no hook in it still decides: nothing runs, not
	 * _default (contract: "else D/E.d/, if it is a directory"). */
	rm(fx, "push.d/10-a");
	expect(fx, "push", none);
	rm(fx, "push.d");
	expect(fx, "push", def);

	/* A directory named E is not a hook. */
	mkd(fx, "ping");
	expect(fx, "ping", def);

	/* _default likewise: a script that lost its x bit is listed, a
	 * file that is no program is not. */
	rm(fx, "_default");
	put(fx, "_default", 0644);
	expect(fx, "push", def);
	rm(fx, "_default");
	put_text(fx, "_default", "", 0644);
	expect(fx, "push", none);
}

static void
test_dir_members(void **state)
{
	static const char *const want[] = {
		"ev.d/-m", "ev.d/10-x", "ev.d/2-y", "ev.d/A", "ev.d/_z",
		"ev.d/a", "ev.d/b", "ev.d/elf", "ev.d/lnk", "ev.d/noexec", NULL
	};
	struct fx *fx = *state;

	mkd(fx, "ev.d");
	/* Runs, in byte order: '-' < digits < upper < '_' < lower. */
	put(fx, "ev.d/b", 0755);
	put(fx, "ev.d/a", 0755);
	put(fx, "ev.d/_z", 0700);
	put(fx, "ev.d/A", 0755);
	put(fx, "ev.d/2-y", 0755);
	put(fx, "ev.d/10-x", 0755);
	put(fx, "ev.d/-m", 0755);
	lnk(fx, "b", "ev.d/lnk");	/* run_hook decides about links */
	/* Programs without their x bit: listed, run_hook refuses them. */
	put(fx, "ev.d/noexec", 0600);
	put_text(fx, "ev.d/elf", "\177ELF\2\1\1", 0644);
	/* Skipped, as run-parts does. */
	put(fx, "ev.d/x.sh", 0755);
	put(fx, "ev.d/x.py", 0644);
	put_text(fx, "ev.d/README", "These hooks deploy the site.\n", 0644);
	put_text(fx, "ev.d/empty", "", 0600);
	put_text(fx, "ev.d/h", "#", 0644);
	put(fx, "ev.d/.hidden", 0755);
	put(fx, "ev.d/backup~", 0755);
	put(fx, "ev.d/x.dpkg-old", 0755);
	put(fx, "ev.d/sp ace", 0755);
	mkd(fx, "ev.d/subdir");
	lnk(fx, "nowhere", "ev.d/dangling");
	expect(fx, "ev", want);
}

static void
test_errors(void **state)
{
	static const char *const def[] = { "_default", NULL };
	struct fx *fx = *state;
	struct strlist l = { NULL, 0 };
	struct err err = { "" };
	char p[PATH_MAX];

	/* A missing folder holds no hooks; one that is a file is an error. */
	path(p, sizeof(p), fx, "missing");
	assert_int_equal(route_resolve(p, "push", &l, &err), 0);
	assert_int_equal(l.n, 0);
	put(fx, "notadir", 0644);
	path(p, sizeof(p), fx, "notadir");
	assert_int_equal(route_resolve(p, "push", &l, &err), -1);
	assert_true(err.msg[0] != '\0');
	assert_int_equal(l.n, 0);

	err.msg[0] = '\0';
	assert_int_equal(route_resolve(fx->dir, "../etc", &l, &err), -1);
	assert_true(err.msg[0] != '\0');
	assert_int_equal(route_resolve(fx->dir, "a/b", &l, &err), -1);
	assert_int_equal(l.n, 0);

	/* A symlinked E.d/ is not looked through: _default runs. */
	put(fx, "_default", 0755);
	mkd(fx, "real.d");
	put(fx, "real.d/hook", 0755);
	lnk(fx, "real.d", "ev.d");
	expect(fx, "ev", def);
}

/* Entries already in out stay, new ones are appended after them. */
static void
test_appends(void **state)
{
	struct fx *fx = *state;
	struct strlist l = { NULL, 0 };
	struct err err = { "" };

	put(fx, "push", 0755);
	assert_int_equal(strlist_add(&l, "first"), 0);
	assert_int_equal(route_resolve(fx->dir, "push", &l, &err), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[0], "first");
	assert_string_equal(l.v[1], "push");
	strlist_clear(&l);
}

/* The .resident naming: D/E, else D/E.resident; members NAME.resident
 * in E.d/ in byte order with the others; _default.resident; never a
 * name run-parts would skip. */
static void
test_resident(void **state)
{
	struct fx *fx = *state;

	put(fx, "push.resident", 0755);
	expect(fx, "push", (const char *const[]){ "push.resident", NULL });
	put(fx, "push", 0755);
	expect(fx, "push", (const char *const[]){ "push", NULL });
	/* An event named *.resident: its file runs, as a resident hook. */
	expect(fx, "push.resident",
	    (const char *const[]){ "push.resident", NULL });
	mkd(fx, "tag.d");
	put(fx, "tag.d/20-b", 0755);
	put(fx, "tag.d/10-a.resident", 0755);
	put(fx, "tag.d/30-c.sh.resident", 0755);
	put(fx, "tag.d/.resident", 0755);
	put(fx, "tag.d/40-d.resident~", 0755);
	expect(fx, "tag", (const char *const[]){ "tag.d/10-a.resident",
	    "tag.d/20-b", NULL });
	expect(fx, "other", (const char *const[]){ NULL });
	put(fx, "_default.resident", 0755);
	expect(fx, "other", (const char *const[]){ "_default.resident",
	    NULL });
	put(fx, "_default", 0755);
	expect(fx, "other", (const char *const[]){ "_default", NULL });
	assert_true(route_member_valid("x.resident"));
	assert_false(route_member_valid(".resident"));
	assert_false(route_member_valid("x.y.resident"));
	assert_false(route_member_valid("x.residents"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_event_name_valid),
		cmocka_unit_test_setup_teardown(test_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dir_members, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_appends, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resident, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
