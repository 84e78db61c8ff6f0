/* test_check.c: `hookline check`: each warning and error, with its line. */
// WRAP: ca_file_default
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "wrap_ca.h"

static char *dir;

/* dir/name, made with its folders; caller frees. */
static char *
path_of(const char *name)
{
	char *p;

	assert_true(asprintf(&p, "%s/%s", dir, name) > 0);
	return p;
}

static void
write_file(const char *name, const char *text, mode_t mode)
{
	char *p = path_of(name);

	unit_write_file(p, text, mode);
	free(p);
}

static void
make_dir(const char *name, mode_t mode)
{
	char *p = path_of(name);

	assert_int_equal(mkdir(p, mode), 0);
	assert_int_equal(chmod(p, mode), 0);
	free(p);
}

/* A fresh folder for one test: hooks.d/ and hooks.d/github/. */
static int
setup_each(void **state)
{
	(void)state;
	unit_rm_tree(dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	make_dir("hooks.d", 0755);
	make_dir("hooks.d/github", 0755);
	write_file("gh.secret", "s3cret\n", 0600);
	write_file("gh2.secret", "rotated\n", 0600);
	write_file("hooks.d/github/push", "#!/bin/sh\n", 0755);
	return 0;
}

/* Runs the check on dir/hookline.conf holding text; returns the exit
 * code and sets *report (caller frees). */
static int
run_check(const char *text, char **report)
{
	char *conf = path_of("hookline.conf");
	size_t len = 0;
	FILE *out;
	int rc;

	write_file("hookline.conf", text, 0644);
	*report = NULL;
	assert_non_null(out = open_memstream(report, &len));
	rc = check_report(conf, out);
	assert_int_equal(fclose(out), 0);
	assert_non_null(*report);
	free(conf);
	return rc;
}

/* 1 when report has a line holding both "FILE:LINE: " and what. */
static int
has_line(const char *report, unsigned line, const char *what)
{
	char *at, *want;
	const char *p, *end;
	int found = 0;

	assert_true(asprintf(&at, "%s/hookline.conf:%u: ", dir, line) > 0);
	for (p = report; *p != '\0' && !found; p = *end ? end + 1 : end) {
		end = strchr(p, '\n');
		if (end == NULL)
			end = p + strlen(p);
		want = strndup(p, (size_t)(end - p));
		assert_non_null(want);
		found = strstr(want, at) != NULL && strstr(want, what) != NULL;
		free(want);
	}
	free(at);
	return found;
}

#define GITHUB \
	"hooks_dir = hooks.d\n" \
	"[github]\n" \
	"provider = github\n" \
	"secret_file = gh.secret\n"

static void
test_clean(void **state)
{
	char *r;

	(void)state;
	assert_int_equal(run_check(GITHUB, &r), CHECK_CLEAN);
	assert_non_null(strstr(r, "ok, 1 endpoint"));
	assert_null(strstr(r, "warning"));
	free(r);
	assert_int_equal(run_check("body_timeout = 10\n" GITHUB, &r),
	    CHECK_CLEAN);
	free(r);
}

static void
test_no_secret(void **state)
{
	char *r;

	(void)state;
	assert_int_equal(run_check(GITHUB "[open]\nprovider = generic\n", &r),
	    CHECK_WARNINGS);
	/* The section header's line; the folder is missing too. */
	assert_true(has_line(r, 5, "warning: "));
	assert_true(has_line(r, 5, "[open]: no secret"));
	assert_true(has_line(r, 5, "hooks.d/open: missing"));
	assert_non_null(strstr(r, "2 warnings"));
	free(r);
}

static void
test_secret_file_modes(void **state)
{
	char *p = path_of("gh2.secret"), *r;

	(void)state;
	/* Group-readable is the example setup (root:www-data 0640). */
	assert_int_equal(chmod(p, 0640), 0);
	assert_int_equal(run_check(GITHUB "secret_file = gh2.secret\n", &r),
	    CHECK_CLEAN);
	free(r);
	/* The second secret_file line is the one named. */
	assert_int_equal(chmod(p, 0644), 0);
	assert_int_equal(run_check(GITHUB "secret_file = gh2.secret\n", &r),
	    CHECK_WARNINGS);
	assert_true(has_line(r, 5, "gh2.secret is readable by others"));
	assert_false(has_line(r, 4, "readable"));
	free(r);
	assert_int_equal(chmod(p, 0620), 0);
	assert_int_equal(run_check(GITHUB "secret_file = gh2.secret\n", &r),
	    CHECK_WARNINGS);
	assert_true(has_line(r, 5, "gh2.secret is writable by group"));
	free(r);
	free(p);
}

/* The watching URLs' token is a secret like the others. */
static void
test_monitor_token_modes(void **state)
{
	char *p, *r;

	(void)state;
	write_file("m.token", "tok-0123456789abcdefXYZ\n", 0640);
	p = path_of("m.token");
	assert_int_equal(run_check("monitor = status\n"
	    "monitor_token_file = m.token\n" GITHUB, &r), CHECK_CLEAN);
	free(r);
	assert_int_equal(chmod(p, 0644), 0);
	assert_int_equal(run_check("monitor = status\n"
	    "monitor_token_file = m.token\n" GITHUB, &r), CHECK_WARNINGS);
	assert_true(has_line(r, 2, "token file"));
	assert_true(has_line(r, 2, "m.token is readable by others"));
	free(r);
	free(p);
}

static void
test_inline_secret(void **state)
{
	char *r;

	(void)state;
	/* run_check writes the file 0644: readable by others. */
	assert_int_equal(run_check("[s]\nsecret = abc\n", &r), CHECK_WARNINGS);
	assert_non_null(strstr(r, "holds secrets and is readable by others"));
	assert_null(strstr(r, "abc"));	/* never the secret itself */
	free(r);
}

static void
test_hooks_folder(void **state)
{
	char *p = path_of("hooks.d/github"), *r;

	(void)state;
	assert_int_equal(chmod(p, 0775), 0);
	assert_int_equal(run_check(GITHUB, &r), CHECK_WARNINGS);
	assert_true(has_line(r, 2, "hooks.d/github is writable by group"));
	free(r);
	/* An explicit hooks key is the line named. */
	assert_int_equal(run_check(GITHUB "hooks = nowhere\n", &r),
	    CHECK_WARNINGS);
	assert_true(has_line(r, 5, "nowhere: missing"));
	free(r);
	/* A file where the folder should be stops the server: an error. */
	write_file("plain", "x\n", 0644);
	assert_int_equal(run_check(GITHUB "hooks = plain\n", &r),
	    CHECK_ERRORS);
	assert_true(has_line(r, 5, "error: "));
	assert_true(has_line(r, 5, "is not a folder"));
	free(r);
	free(p);
}

static void
test_hooks(void **state)
{
	char *r, *out;

	(void)state;
	write_file("outside", "#!/bin/sh\n", 0755);
	write_file("hooks.d/github/README", "no x bit\n", 0644);
	write_file("hooks.d/github/shared", "#!/bin/sh\n", 0775);
	write_file("hooks.d/github/.hidden", "x\n", 0644);
	write_file("hooks.d/github/push~", "x\n", 0644);
	make_dir("hooks.d/github/deploy.d", 0755);
	write_file("hooks.d/github/deploy.d/10-ok", "#!/bin/sh\n", 0755);
	write_file("hooks.d/github/deploy.d/20-pull.sh", "#!/bin/sh\n", 0755);
	write_file("hooks.d/github/deploy.d/30-off", "#!/bin/sh\n", 0644);
	write_file("hooks.d/github/deploy.d/old~", "#!/bin/sh\n", 0755);
	/* push is a file: push.d/ never runs. */
	make_dir("hooks.d/github/push.d", 0755);
	/* Others may write it: its hooks are refused. */
	make_dir("hooks.d/github/open.d", 0775);
	write_file("hooks.d/github/open.d/h", "#!/bin/sh\n", 0755);
	out = path_of("outside");
	r = path_of("hooks.d/github/escape");
	assert_int_equal(symlink(out, r), 0);
	free(r);
	free(out);

	assert_int_equal(run_check(GITHUB, &r), CHECK_WARNINGS);
	assert_true(has_line(r, 2, "hook README is not executable"));
	assert_true(has_line(r, 2, "hook shared is writable by group"));
	assert_true(has_line(r, 2, "deploy.d/20-pull.sh never runs"));
	assert_true(has_line(r, 2, "deploy.d/30-off is not executable"));
	assert_true(has_line(r, 2, "push.d/ never runs"));
	assert_true(has_line(r, 2, "open.d/ is writable by group or others"));
	assert_true(has_line(r, 2, "escape is a symbolic link out of"));
	assert_null(strstr(r, "hidden"));
	assert_null(strstr(r, "~"));
	assert_null(strstr(r, "10-ok"));
	assert_non_null(strstr(r, "7 warnings"));
	free(r);
}

/* Resident hooks are listed (a note: no warning, exit 0); E.resident
 * beside E never runs, and says so; NAME.resident in E.d/ is fine. */
static void
test_resident(void **state)
{
	char *r;

	(void)state;
	write_file("hooks.d/github/issues.resident", "#!/bin/sh\n", 0755);
	make_dir("hooks.d/github/tag.d", 0755);
	write_file("hooks.d/github/tag.d/10-a.resident", "#!/bin/sh\n", 0755);
	assert_int_equal(run_check(GITHUB "resident_idle = 1m\n", &r),
	    CHECK_CLEAN);
	assert_true(has_line(r, 2, "note: "));
	assert_true(has_line(r, 2, "hook issues.resident is resident"));
	assert_true(has_line(r, 2, "tag.d/10-a.resident is resident"));
	assert_true(has_line(r, 2, "resident_workers 1, resident_idle 60 s"));
	free(r);
	write_file("hooks.d/github/push.resident", "#!/bin/sh\n", 0755);
	assert_int_equal(run_check(GITHUB, &r), CHECK_WARNINGS);
	assert_true(has_line(r, 2, "hook push.resident never runs: push "
	    "takes its place"));
	assert_null(strstr(r, "push.resident is resident"));
	assert_non_null(strstr(r, "1 warning"));
	free(r);
}

static void
test_document_root(void **state)
{
	char *r, *p;

	(void)state;
	assert_int_equal(setenv("DOCUMENT_ROOT", dir, 1), 0);
	assert_int_equal(run_check(GITHUB, &r), CHECK_WARNINGS);
	assert_true(has_line(r, 2, "hooks.d/github is under the web server's "
	    "document root"));
	assert_true(has_line(r, 4, "gh.secret is under the web server's"));
	free(r);
	/* DIR/hook is a prefix of DIR/hooks.d as a string, not as a path. */
	make_dir("hook", 0755);
	p = path_of("hook");
	assert_int_equal(setenv("DOCUMENT_ROOT", p, 1), 0);
	assert_int_equal(run_check(GITHUB, &r), CHECK_CLEAN);
	free(r);
	free(p);
	assert_int_equal(unsetenv("DOCUMENT_ROOT"), 0);
}

static void
test_implicit_endpoint(void **state)
{
	char *r;

	(void)state;
	/* Hooks right in hooks_dir run for the script URL itself. */
	write_file("hooks.d/_default", "#!/bin/sh\n", 0755);
	assert_int_equal(run_check(GITHUB, &r), CHECK_WARNINGS);
	assert_true(has_line(r, 1, "no [default] section"));
	free(r);
	assert_int_equal(run_check(GITHUB "[default]\nsecret = x\n", &r),
	    CHECK_WARNINGS);	/* only the inline secret in a 0644 file */
	assert_null(strstr(r, "no [default] section"));
	free(r);
}

/* Per-endpoint limits that cannot do what they say; sensible ones pass. */
static void
test_limits(void **state)
{
	char *r;

	(void)state;
	make_dir("hooks.d/deploy", 0755);
	make_dir("hooks.d/chat", 0755);
	make_dir("hooks.d/pay", 0755);
	assert_int_equal(run_check(GITHUB
	    "timeout = 20\n"			/* 5 */
	    "[deploy]\n"
	    "secret_file = gh.secret\n"
	    "mode = async\n"
	    "timeout = 10m\n"
	    "max_running = 1\n"		/* 10 */
	    "retry = none\n"
	    "[chat]\n"
	    "secret_file = gh.secret\n"
	    "timeout = 5s\n"
	    "[pay]\n"				/* 15 */
	    "secret_file = gh.secret\n"
	    "mode = async\n"
	    "retry = 1m 5m 1h 1d\n", &r), CHECK_CLEAN);
	assert_null(strstr(r, "warning"));
	free(r);

	assert_int_equal(run_check("hooks_dir = hooks.d\n"
	    "max_running = 4\n"
	    "timeout = 70\n"			/* 3 */
	    "[github]\n"
	    "secret_file = gh.secret\n"			/* 5 */
	    "retry = 5s 5m\n"
	    "max_running = 5\n"
	    "[deploy]\n"
	    "secret_file = gh.secret\n"
	    "timeout = 30\n"			/* 10 */
	    "max_running = 1\n"
	    "[chat]\n"
	    "secret_file = gh.secret\n"
	    "timeout = 5\n", &r), CHECK_WARNINGS);
	assert_true(has_line(r, 6, "[github]: retry is for mode = async"));
	assert_true(has_line(r, 7, "[github]: max_running = 5 is never "
	    "reached: the global max_running = 4"));
	/* The global timeout, inherited: 70 + 5, and 70 waiting for one of
	 * its own 5 slots. */
	assert_true(has_line(r, 3, "[github]: a sync delivery may take 145 s"));
	/* Its own, and the wait for its slot: 30 + 5 + 30. */
	assert_true(has_line(r, 10, "[deploy]: a sync delivery may take 65 s"));
	assert_true(has_line(r, 10, "waiting up to the timeout"));
	assert_null(strstr(r, "[chat]"));
	assert_non_null(strstr(r, "4 warnings"));
	free(r);
}

static void
test_errors(void **state)
{
	char *r;

	(void)state;
	assert_int_equal(run_check(GITHUB "mode = later\n", &r), CHECK_ERRORS);
	assert_true(has_line(r, 5, "key 'mode': expected sync or async"));
	assert_non_null(strstr(r, "error: "));
	free(r);
	assert_int_equal(run_check("[x]\nsecret_file = absent\n", &r),
	    CHECK_ERRORS);
	assert_true(has_line(r, 2, "cannot read secret file"));
	free(r);
	/* An unsigned timestamp: no replay window, so refused. */
	assert_int_equal(run_check("[h]\nprovider = hmac\nsecret = x\n"
	    "signature_header = X-S\ntimestamp_header = X-T\n", &r),
	    CHECK_ERRORS);
	assert_true(has_line(r, 5, "key 'timestamp_header'"));
	assert_non_null(strstr(r, "lacks {timestamp}"));
	free(r);
	assert_int_equal(run_check("body_timeout = 0\n" GITHUB, &r),
	    CHECK_ERRORS);
	assert_true(has_line(r, 1, "key 'body_timeout': expected seconds"));
	free(r);
}

/* Every error of the file in one run, and the warnings of what did load
 * (the loader goes on past a bad line). */
static void
test_every_error(void **state)
{
	char *r, *text;

	(void)state;
	assert_true(asprintf(&text, "log = %s/nolog/h.log\nbogus = 1\n"
	    "[github]\nprovider = github\nmode = later\n"
	    "secret_file = absent\n[open]\nprovider = generic\n", dir) > 0);
	assert_int_equal(run_check(text, &r), CHECK_ERRORS);
	assert_true(has_line(r, 2, "unknown key 'bogus'"));
	assert_true(has_line(r, 5, "key 'mode': expected sync or async"));
	assert_true(has_line(r, 6, "cannot read secret file"));
	assert_true(has_line(r, 1, "log folder"));
	assert_true(has_line(r, 7, "[open]: no secret"));
	/* A refused secret line is not also "no secret". */
	assert_false(has_line(r, 3, "[github]: no secret"));
	assert_non_null(strstr(r, "4 errors, "));
	free(r);
	free(text);
}

/* The spool and the log as the checking user would write them. */
static void
test_writable(void **state)
{
	char *r, *text;

	(void)state;
	assert_true(asprintf(&text, "spool_dir = spool\nlog = %s/h.log\n"
	    "[github]\nprovider = github\nsecret_file = gh.secret\n",
	    dir) > 0);
	assert_int_equal(run_check(text, &r), CHECK_CLEAN);
	free(r);
	if (geteuid() != 0) {
		/* Root writes anywhere; the e2e case checks it --as. */
		make_dir("spool", 0555);
		write_file("h.log", "", 0444);
		assert_int_equal(run_check(text, &r), CHECK_ERRORS);
		assert_true(has_line(r, 1, "spool folder"));
		assert_true(has_line(r, 2, "log file"));
		free(r);
	}
	free(text);
}

/* A note from check_command (root checking as root) is a warning like
 * the others: counted, and in the exit code. */
static void
test_note(void **state)
{
	char *conf = path_of("hookline.conf"), *r = NULL;
	size_t len = 0;
	FILE *out;

	(void)state;
	write_file("hookline.conf", GITHUB, 0644);
	assert_non_null(out = open_memstream(&r, &len));
	assert_int_equal(check_report_note(conf, out, "checked as root"),
	    CHECK_WARNINGS);
	assert_int_equal(fclose(out), 0);
	assert_non_null(strstr(r, "warning: "));
	assert_non_null(strstr(r, ": checked as root\n"));
	assert_non_null(strstr(r, "1 warning\n"));
	free(r);
	free(conf);
}

static void
test_command_usage(void **state)
{
	char *argv[] = { "check", "extra", NULL };

	(void)state;
	assert_int_equal(check_command(NULL, 2, argv), CHECK_ERRORS);
}

static int
setup(void **state)
{
	(void)state;
	umask(022);
	dir = unit_mkdtemp("check");
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

/* An HTTPS forward with no CA bundle anywhere would always fail. */
static void
test_forward_ca(void **state)
{
	const char *conf = GITHUB "mode = async\n"
	    "forward = http://127.0.0.1:9/a https://127.0.0.1:9/b\n";
	char *r;

	(void)state;
	assert_int_equal(run_check(conf, &r), CHECK_CLEAN);
	free(r);
	no_system_ca = 1;
	assert_int_equal(run_check(conf, &r), CHECK_WARNINGS);
	assert_true(has_line(r, 6, "[github]: HTTPS forward but no CA bundle"));
	free(r);
	/* ca_file says where; plain HTTP needs none. */
	assert_int_equal(run_check("ca_file = gh.secret\n" GITHUB
	    "mode = async\nforward = https://127.0.0.1:9/b\n", &r),
	    CHECK_CLEAN);
	free(r);
	assert_int_equal(run_check(GITHUB "mode = async\n"
	    "forward = http://127.0.0.1:9/a\n", &r), CHECK_CLEAN);
	free(r);
	no_system_ca = 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_clean, setup_each),
		cmocka_unit_test_setup(test_no_secret, setup_each),
		cmocka_unit_test_setup(test_secret_file_modes, setup_each),
		cmocka_unit_test_setup(test_monitor_token_modes, setup_each),
		cmocka_unit_test_setup(test_inline_secret, setup_each),
		cmocka_unit_test_setup(test_hooks_folder, setup_each),
		cmocka_unit_test_setup(test_hooks, setup_each),
		cmocka_unit_test_setup(test_resident, setup_each),
		cmocka_unit_test_setup(test_document_root, setup_each),
		cmocka_unit_test_setup(test_implicit_endpoint, setup_each),
		cmocka_unit_test_setup(test_limits, setup_each),
		cmocka_unit_test_setup(test_errors, setup_each),
		cmocka_unit_test_setup(test_every_error, setup_each),
		cmocka_unit_test_setup(test_writable, setup_each),
		cmocka_unit_test_setup(test_note, setup_each),
		cmocka_unit_test_setup(test_command_usage, setup_each),
		cmocka_unit_test_setup(test_forward_ca, setup_each),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
