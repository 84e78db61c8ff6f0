/* test_conf_locate.c: which configuration file, in the contract's order;
 * under CGI the hosting user's places (home from the password database,
 * here a fake one) before the system file. */
// WRAP: user_home
#include "unit.h"

#include "fake_home.h"

#include "conf.h"


static int
setup(void **state)
{
	char *home = unit_mkdtemp("locate");

	fake_home = home;
	*state = home;
	assert_int_equal(unsetenv("HOOKLINE_CONF"), 0);
	return 0;
}

static int
teardown(void **state)
{
	unit_rm_tree(*state);
	free(*state);
	fake_home = NULL;
	assert_int_equal(unsetenv("HOOKLINE_CONF"), 0);
	return 0;
}

static char *
place(const char *home, const char *rel, int make)
{
	char *p, *d;

	assert_true(asprintf(&p, "%s/%s", home, rel) > 0);
	if (make) {
		d = strdup(p);
		assert_non_null(d);
		*strrchr(d, '/') = '\0';
		if (strstr(rel, ".config/") == rel) {
			char *c;

			assert_true(asprintf(&c, "%s/.config", home) > 0);
			assert_int_equal(mkdir(c, 0700), 0);
			free(c);
		}
		assert_int_equal(mkdir(d, 0700), 0);
		unit_write_file(p, "", 0600);
		free(d);
	}
	return p;
}

/* -c, then $HOOKLINE_CONF, win under CGI too. */
static void
test_arg_and_env_first(void **state)
{
	struct conf_where w;
	char *p = place(*state, "hookline/hookline.conf", 1);

	assert_int_equal(conf_where_find("/x/given.conf", 1, &w), 0);
	assert_string_equal(w.path, "/x/given.conf");
	conf_where_clear(&w);
	assert_int_equal(setenv("HOOKLINE_CONF", "/x/env.conf", 1), 0);
	assert_int_equal(conf_where_find(NULL, 1, &w), 0);
	assert_string_equal(w.path, "/x/env.conf");
	conf_where_clear(&w);
	free(p);
}

/* ~/.config/hookline before ~/hookline. */
static void
test_cgi_order(void **state)
{
	struct conf_where w;
	char *a = place(*state, "hookline/hookline.conf", 1);
	char *b;

	assert_int_equal(conf_where_find(NULL, 1, &w), 0);
	assert_string_equal(w.path, a);
	conf_where_clear(&w);
	b = place(*state, ".config/hookline/hookline.conf", 1);
	assert_int_equal(conf_where_find(NULL, 1, &w), 0);
	assert_string_equal(w.path, b);
	conf_where_clear(&w);
	free(a);
	free(b);
}

/* Not under CGI the home is not looked at (the shell has -c). */
static void
test_not_cgi_no_home(void **state)
{
	struct conf_where w;
	char *a = place(*state, "hookline/hookline.conf", 1);

	assert_int_equal(conf_where_find(NULL, 0, &w), 0);
	if (w.path != NULL)
		assert_string_equal(w.path, "/etc/hookline/hookline.conf");
	assert_int_equal(w.tried.n, 0);
	conf_where_clear(&w);
	free(a);
}

/* Nothing found: every place tried is named, for the log line. */
static void
test_tried_named(void **state)
{
	struct conf_where w;
	char *s, *a = place(*state, "hookline/hookline.conf", 0);

	assert_int_equal(conf_where_find(NULL, 1, &w), 0);
	assert_non_null(s = conf_where_tried(&w));
	assert_non_null(strstr(s, "$HOOKLINE_CONF (not set)"));
	assert_non_null(strstr(s, a));
	assert_non_null(strstr(s, "/.config/hookline/hookline.conf"));
	assert_non_null(strstr(s, "/etc/hookline/hookline.conf"));
	if (access("/etc/hookline/hookline.conf", F_OK) != 0)
		assert_null(w.path);
	free(s);
	conf_where_clear(&w);
	free(a);
}

/* A user with no passwd entry: said, and the system file still tried. */
static void
test_no_home(void **state)
{
	struct conf_where w;
	char *s;

	(void)state;
	fake_home = NULL;
	assert_int_equal(conf_where_find(NULL, 1, &w), 0);
	assert_non_null(s = conf_where_tried(&w));
	assert_non_null(strstr(s, "in /etc/passwd"));
	assert_non_null(strstr(s, "/etc/hookline/hookline.conf"));
	free(s);
	conf_where_clear(&w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_arg_and_env_first, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_cgi_order, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_not_cgi_no_home, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_tried_named, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_no_home, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
