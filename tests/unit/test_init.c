/* test_init.c: hookline init: the layout and its modes, a configuration
 * that check accepts, nothing ever overwritten, what it prints. */
// WRAP: user_home
#include "unit.h"

#include "fake_home.h"

#include "check.h"
#include "init.h"

struct fx {
	char	*tmp;
	char	*dir;
	char	*out;	/* what init printed */
	size_t	 outlen;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->tmp = unit_mkdtemp("init");
	assert_true(asprintf(&f->dir, "%s/hookline", f->tmp) > 0);
	fake_home = f->tmp;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	unit_rm_tree(f->tmp);
	fake_home = NULL;
	free(f->out);
	free(f->dir);
	free(f->tmp);
	free(f);
	return 0;
}

/* Runs init_layout on f->dir; its output lands in f->out. */
static int
run_init(struct fx *f, unsigned senders, const char *url, unsigned *kept)
{
	struct init_opts o = { .dir = f->dir, .url = url, .senders = senders,
	    .bin = "/usr/bin/hookline" };
	struct err err = { "" };
	FILE *fp;
	int rc;

	free(f->out);
	f->out = NULL;
	assert_non_null(fp = open_memstream(&f->out, &f->outlen));
	rc = init_layout(&o, fp, &err);
	assert_int_equal(fclose(fp), 0);
	if (kept != NULL)
		*kept = o.kept;
	return rc;
}

static mode_t
mode_of(const struct fx *f, const char *rel)
{
	struct stat st;
	char *p;

	assert_true(asprintf(&p, "%s/%s", f->dir, rel) > 0);
	assert_int_equal(lstat(p, &st), 0);
	free(p);
	return st.st_mode;
}

static char *
read_rel(const struct fx *f, const char *rel)
{
	char *p, *s;

	assert_true(asprintf(&p, "%s/%s", f->dir, rel) > 0);
	s = unit_read_file(p, NULL);
	free(p);
	return s;
}

static void
test_layout_modes(void **state)
{
	struct fx *f = *state;
	mode_t old = umask(0);	/* modes must not depend on a lax umask */

	assert_int_equal(run_init(f, 0, NULL, NULL), 0);
	(void)umask(old);
	assert_int_equal(mode_of(f, "hookline.conf") & 07777, 0644);
	assert_true(S_ISREG(mode_of(f, "generic.secret")));
	assert_int_equal(mode_of(f, "generic.secret") & 07777, 0600);
	assert_true(S_ISDIR(mode_of(f, "spool")));
	assert_int_equal(mode_of(f, "spool") & 07777, 0700);
	assert_int_equal(mode_of(f, "hooks.d/generic/_default") & 07777, 0755);
}

static void
test_hook_mode_strict_umask(void **state)
{
	struct fx *f = *state;
	mode_t old = umask(077);

	assert_int_equal(run_init(f, 0, NULL, NULL), 0);
	(void)umask(old);
	/* Executable by its owner whatever the umask took. */
	assert_true(mode_of(f, "hooks.d/generic/_default") & S_IXUSR);
	assert_int_equal(mode_of(f, "generic.secret") & 0077, 0);
}

/* Every sender at once: the configuration loads and check is clean. */
static void
test_check_accepts(void **state)
{
	struct fx *f = *state;
	char *conf;
	FILE *devnull;

	assert_int_equal(run_init(f, ~0U, "https://h.example/cgi-bin/"
	    "hookline.cgi/", NULL), 0);
	assert_true(asprintf(&conf, "%s/hookline.conf", f->dir) > 0);
	assert_non_null(devnull = fopen("/dev/null", "w"));
	assert_int_equal(check_report(conf, devnull), CHECK_CLEAN);
	assert_int_equal(fclose(devnull), 0);
	free(conf);
	/* The URL without the base's trailing slash doubled. */
	assert_non_null(strstr(f->out,
	    "https://h.example/cgi-bin/hookline.cgi/github\n"));
	assert_non_null(strstr(f->out,
	    "https://h.example/cgi-bin/hookline.cgi/stripe\n"));
}

/* The secret printed is the one in the file, and is 64 hex digits. */
static void
test_secret_printed(void **state)
{
	struct fx *f = *state;
	char *secret, *line;

	assert_int_equal(run_init(f, 1U /* github */, NULL, NULL), 0);
	secret = read_rel(f, "github.secret");
	assert_int_equal(strlen(secret), 65);
	assert_int_equal(strspn(secret, "0123456789abcdef"), 64);
	secret[64] = '\0';
	assert_true(asprintf(&line, "secret: %s\n", secret) > 0);
	assert_non_null(strstr(f->out, line));
	assert_non_null(strstr(f->out, "https://YOUR.HOST/cgi-bin/"
	    "hookline.cgi/github"));
	/* DIR is ~/hookline: CGI finds it, no SetEnv is offered. */
	assert_null(strstr(f->out, "SetEnv"));
	free(line);
	free(secret);
}

/* What exists stays byte for byte; only what is missing is made. */
static void
test_never_overwrites(void **state)
{
	struct fx *f = *state;
	char *p, *s;
	unsigned kept;

	assert_int_equal(mkdir(f->dir, 0700), 0);
	assert_true(asprintf(&p, "%s/hookline.conf", f->dir) > 0);
	unit_write_file(p, "# mine\n", 0640);
	free(p);
	assert_true(asprintf(&p, "%s/github.secret", f->dir) > 0);
	unit_write_file(p, "my-own-secret\n", 0600);
	free(p);

	assert_int_equal(run_init(f, 1U | 8U /* github, stripe */, NULL,
	    &kept), 0);
	assert_int_equal(kept, 2);
	s = read_rel(f, "hookline.conf");
	assert_string_equal(s, "# mine\n");
	free(s);
	assert_int_equal(mode_of(f, "hookline.conf") & 07777, 0640);
	s = read_rel(f, "github.secret");
	assert_string_equal(s, "my-own-secret\n");
	free(s);
	/* Not printed as if it were new. */
	assert_null(strstr(f->out, "my-own-secret"));
	/* The missing ones were made. */
	assert_int_equal(mode_of(f, "stripe.secret") & 07777, 0600);

	/* A second run keeps everything, the hooks too. */
	s = read_rel(f, "stripe.secret");
	assert_int_equal(run_init(f, 1U | 8U, NULL, &kept), 0);
	assert_int_equal(kept, 5);
	p = read_rel(f, "stripe.secret");
	assert_string_equal(p, s);
	free(p);
	free(s);
}

/* A symbolic link where a file would go is not followed: kept, as a
 * file that exists would be, and nothing made where it points. */
static void
test_symlink_not_followed(void **state)
{
	struct fx *f = *state;
	char *p, *target;
	struct stat st;

	assert_int_equal(mkdir(f->dir, 0700), 0);
	assert_true(asprintf(&target, "%s/elsewhere", f->tmp) > 0);
	assert_true(asprintf(&p, "%s/generic.secret", f->dir) > 0);
	assert_int_equal(symlink(target, p), 0);
	assert_int_equal(run_init(f, 0, NULL, NULL), 0);
	assert_int_equal(stat(target, &st), -1);
	assert_int_equal(errno, ENOENT);
	free(p);
	free(target);
}

/* Elsewhere than ~/hookline: the SetEnv line and why. */
static void
test_other_dir_setenv(void **state)
{
	struct fx *f = *state;

	free(f->dir);
	assert_true(asprintf(&f->dir, "%s/elsewhere", f->tmp) > 0);
	assert_int_equal(run_init(f, 0, NULL, NULL), 0);
	assert_non_null(strstr(f->out, "SetEnv HOOKLINE_CONF "));
	assert_non_null(strstr(f->out, "/elsewhere/hookline.conf\n"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_layout_modes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_hook_mode_strict_umask,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_accepts, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_secret_printed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_never_overwrites, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_symlink_not_followed,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_dir_setenv, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
