/* test_statscmd.c: `hookline stats` on a real configuration and spool:
 * the summary, a dead letter with its replay command, a hostile id from
 * a spool file escaped for the terminal and in JSON, usage errors. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "deliver.h"
#include "spool.h"
#include "statscmd.h"

static char *top, *conf, *spool, *out;

static int
setup(void **state)
{
	(void)state;
	top = unit_mkdtemp("statscmd");
	assert_true(asprintf(&conf, "%s/hookline.conf", top) > 0);
	assert_true(asprintf(&spool, "%s/spool", top) > 0);
	unit_write_file(conf, "spool_dir = spool\n\n[gh]\nmode = async\n"
	    "[quiet]\n", 0644);
	/* Ours: run as root, stats stays root (privdrop.c). */
	assert_int_equal(mkdir(spool, 0700), 0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unit_rm_tree(top);
	free(top);
	free(conf);
	free(spool);
	free(out);
	return 0;
}

/* Runs `hookline stats [a1]` with stdout in out; returns its code. */
static int
run(const char *a1)
{
	char *argv[3] = { "stats", (char *)a1, NULL }, *path;
	int saved, fd, rc;

	assert_true(asprintf(&path, "%s/out", top) > 0);
	fflush(stdout);
	saved = dup(1);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(saved >= 0 && fd >= 0);
	assert_int_equal(dup2(fd, 1), 1);
	close(fd);
	rc = stats_command(conf, a1 != NULL ? 2 : 1, argv);
	fflush(stdout);
	assert_int_equal(dup2(saved, 1), 1);
	close(saved);
	free(out);
	out = unit_read_file(path, NULL);
	free(path);
	return rc;
}

static void
test_empty(void **state)
{
	(void)state;
	assert_int_equal(run(NULL), 0);
	assert_non_null(strstr(out, "spool: 0 pending, 0 retrying, 0 running, "
	    "0 dead, 0 done\n"));
	assert_non_null(strstr(out, "  gh: none yet; none\n"));
	assert_non_null(strstr(out, "  quiet: none yet; none\n"));
	assert_non_null(strstr(out, "dead letters: 0\n"));
	assert_int_equal(run("--json"), 0);
	assert_non_null(strstr(out, "\"dead\":[]"));
	assert_non_null(strstr(out, "\"dead_total\":0"));
	assert_non_null(strstr(out, "\"name\":\"quiet\""));
}

/* A spool file is the serving user's: its id may hold anything. */
static void
test_dead_letter_escaped(void **state)
{
	static const struct delivery d = {
		.endpoint = "gh", .event = "push",
		.id = "evil\x1b]0;owned\x07\x9b" "2J",
		.body = (const unsigned char *)"{}", .body_len = 2,
		.attempt = 1,
	};
	char name[SPOOL_NAME_MAX + 1], want[256];
	struct err err;

	(void)state;
	assert_int_equal(spool_store(spool, 0, &d, time(NULL), name, &err), 0);
	assert_int_equal(spool_move(spool, name, SPOOL_NEW, SPOOL_DEAD, &err),
	    0);
	assert_int_equal(run(NULL), 0);
	assert_non_null(strstr(out, "dead letters: 1\n"));
	assert_non_null(strstr(out, "evil\\x1b]0;owned\\x07\\x9b2J"));
	snprintf(want, sizeof(want), "    hookline replay -c %s %s\n", conf,
	    name);
	assert_non_null(strstr(out, want));
	for (const unsigned char *p = (const unsigned char *)out; *p; p++)
		if ((*p < 0x20 && *p != '\n') || *p == 0x7f || *p >= 0x80)
			fail_msg("byte 0x%02x reached the terminal", *p);
	assert_int_equal(run("--json"), 0);
	assert_non_null(strstr(out, "\"dead_total\":1"));
	assert_non_null(strstr(out, "evil\\u001b]0;owned\\u0007"));
	assert_null(strchr(out, '\x1b'));
	assert_null(strchr(out, '\x9b'));
}

static void
test_usage(void **state)
{
	(void)state;
	assert_int_equal(run("--bogus"), 2);
	assert_int_equal(run("-c"), 2);
	free(conf);
	assert_true(asprintf(&conf, "%s/missing.conf", top) > 0);
	assert_int_equal(run(NULL), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_dead_letter_escaped),
		cmocka_unit_test(test_usage),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
