/* test_usage.c: the help names every command and every option. */
#include "unit.h"

#include "usage.h"

/* What usage_all or usage_command writes, as a string (caller frees). */
static char *
text_of(const char *cmd)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;

	assert_non_null(fp = open_memstream(&buf, &len));
	assert_int_equal(cmd ? usage_command(fp, cmd) : usage_all(fp), 0);
	assert_int_equal(fclose(fp), 0);
	return buf;
}

/* Each command's options as its parser knows them (spoolcmd.c, send.c,
 * check.c, main.c): the overview and the command's own help name all. */
static void
test_every_option(void **state)
{
	static const struct {
		const char	*cmd;
		const char	*opts[14];
	} want[] = {
		{ "fcgi", { "--listen", "--workers" } },
		{ "check", { "--as" } },
		{ "drain", { "--follow", "--now" } },
		{ "list", { "--pending", "--dead", "--done", "--json" } },
		{ "show", { "--json", "ID" } },
		{ "replay", { "--all", "--json", "ID" } },
		{ "retry", { "--json", "ID" } },
		{ "purge", { "--older-than", "--dead", "--done", "--json" } },
		{ "send", { "--provider", "--secret", "--secret-file",
		    "--event", "--delivery", "--content-type", "--timestamp",
		    "--timeout", "--ca-file", "FILE" } },
		{ "init", { "DIR", "--github", "--gitlab", "--gitea",
		    "--stripe", "--slack", "--generic", "--url" } },
		{ "version", { NULL } },
		{ "help", { "COMMAND" } },
	};
	char *all = text_of(NULL), *one;
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_non_null(usage_find(want[i].cmd));
		one = text_of(want[i].cmd);
		assert_non_null(strstr(one, "usage: hookline "));
		for (j = 0; want[i].opts[j] != NULL; j++) {
			assert_non_null(strstr(one, want[i].opts[j]));
			assert_non_null(strstr(all, want[i].opts[j]));
		}
		free(one);
	}
	free(all);
}

static void
test_lookup(void **state)
{
	char *a, *b;

	(void)state;
	assert_null(usage_find("nosuch"));
	assert_null(usage_find("lis"));		/* whole names only */
	assert_string_equal(usage_find("replay")->name, "replay");
	/* An unknown name gets the overview. */
	a = text_of("nosuch");
	b = text_of(NULL);
	assert_string_equal(a, b);
	free(a);
	free(b);
	/* One command's help is that command's. */
	a = text_of("send");
	assert_non_null(strstr(a, "usage: hookline send URL"));
	assert_null(strstr(a, "--older-than"));
	free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_option),
		cmocka_unit_test(test_lookup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
