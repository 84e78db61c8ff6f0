/* test_args.c: the mode, the configuration file and the command, from
 * argv and how hookline was started; under CGI argv is never read. */
#include "unit.h"

#include "args.h"

/* The stdin facts, and how often args_parse() asked. */
static int listens_asked;

static int
listening(void)
{
	listens_asked++;
	return 1;
}

static int
not_listening(void)
{
	listens_asked++;
	return 0;
}

/* Parses the NULL-terminated words (argv[0] first) as main would. */
static struct args
parse(bool gateway, int (*listens)(void), const char **words)
{
	const struct args_start how = { gateway, listens };
	struct args a;
	int argc = 0;

	while (words[argc] != NULL)
		argc++;
	listens_asked = 0;
	assert_int_equal(args_parse(argc, (char **)words, &how, &a), 0);
	return a;
}

/* Apache's mod_cgi/mod_cgid turn "?a+b+c" into argv (RFC 3875 4.4):
 * each attack of issue 11 is one request, and none is read. */
static void
test_cgi_hostile_argv(void **state)
{
	static const char *attacks[][16] = {
		{ "hookline.cgi", "send", "http://127.0.0.1:9/",
		    "/proc/self/environ", NULL },
		{ "hookline.cgi", "send", "http://127.0.0.1:9/",
		    "/srv/hookline/github.secret", NULL },
		{ "hookline.cgi", "send", "https://me.example/hookline.cgi/github",
		    "--provider", "github", "--secret-file",
		    "/srv/hookline/github.secret", "--event", "push", "-", NULL },
		{ "hookline.cgi", "-c", "/tmp/evil.conf", NULL },
		{ "hookline.cgi", "--config", "/tmp/evil.conf", "drain", NULL },
		{ "hookline.cgi", "purge", "--older-than", "0s", NULL },
		{ "hookline.cgi", "fcgi", "--listen", "/srv/www/index.html",
		    NULL },
		{ "hookline.cgi", "help", NULL },
		{ "hookline.cgi", "version", NULL },
		{ "hookline.cgi", "replay", "x", NULL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(attacks) / sizeof(attacks[0]); i++) {
		struct args a = parse(true, not_listening, attacks[i]);
		int argc = 0;

		while (attacks[i][argc] != NULL)
			argc++;
		assert_int_equal(a.mode, ARGS_CGI);
		assert_null(a.conf);
		assert_null(a.cmd);
		assert_int_equal(a.ncmd, 0);
		assert_int_equal(a.ignored, argc - 1);
		assert_int_equal(listens_asked, 1);
		args_free(&a);
	}
}

/* A plain CGI request: no query string words, nothing ignored. */
static void
test_cgi_plain(void **state)
{
	const char *w[] = { "hookline.cgi", NULL };
	struct args a;

	(void)state;
	a = parse(true, not_listening, w);
	assert_int_equal(a.mode, ARGS_CGI);
	assert_null(a.conf);
	assert_int_equal(a.ignored, 0);
	args_free(&a);
}

/* A gateway and a listening stdin: FastCGI, and argv unread there too. */
static void
test_gateway_listening_is_fcgi(void **state)
{
	const char *w[] = { "hookline", "-c", "/tmp/evil.conf", "purge", NULL };
	struct args a;

	(void)state;
	a = parse(true, listening, w);
	assert_int_equal(a.mode, ARGS_FCGI);
	assert_null(a.conf);
	assert_null(a.cmd);
	assert_int_equal(a.ignored, 3);
	args_free(&a);
}

/* conf-examples/crontab: cron has no GATEWAY_INTERFACE. */
static void
test_cron_line(void **state)
{
	const char *w[] = { "/home/me/cgi-bin/hookline.cgi", "-c",
	    "/home/me/hookline/hookline.conf", "drain", NULL };
	struct args a;

	(void)state;
	a = parse(false, not_listening, w);
	assert_int_equal(a.mode, ARGS_COMMAND);
	assert_string_equal(a.conf, "/home/me/hookline/hookline.conf");
	assert_int_equal(a.ncmd, 1);
	assert_string_equal(a.cmd[0], "drain");
	assert_null(a.cmd[1]);
	assert_int_equal(a.ignored, 0);
	/* A command never sets libfcgi up to look at stdin. */
	assert_int_equal(listens_asked, 0);
	args_free(&a);
}

/* The drainer a request starts (drain.c, without GATEWAY_INTERFACE). */
static void
test_kicked_drainer(void **state)
{
	const char *w[] = { "/srv/hookline.cgi", "drain", "--kicked", "-c",
	    "/srv/hookline.conf", NULL };
	struct args a;

	(void)state;
	a = parse(false, not_listening, w);
	assert_int_equal(a.mode, ARGS_COMMAND);
	assert_string_equal(a.conf, "/srv/hookline.conf");
	assert_int_equal(a.ncmd, 2);
	assert_string_equal(a.cmd[0], "drain");
	assert_string_equal(a.cmd[1], "--kicked");
	args_free(&a);
}

/* FastCGI as lighttpd's bin-path, mod_fcgid and spawn-fcgi start it:
 * no gateway, stdin listens; a -c FILE on their command line counts. */
static void
test_fastcgi(void **state)
{
	const char *bare[] = { "/usr/local/bin/hookline", NULL };
	const char *conf[] = { "/usr/local/bin/hookline", "-c",
	    "/etc/hookline/hookline.conf", NULL };
	struct args a;

	(void)state;
	a = parse(false, listening, bare);
	assert_int_equal(a.mode, ARGS_FCGI);
	assert_null(a.conf);
	args_free(&a);

	a = parse(false, listening, conf);
	assert_int_equal(a.mode, ARGS_FCGI);
	assert_string_equal(a.conf, "/etc/hookline/hookline.conf");
	assert_int_equal(a.ncmd, 0);
	args_free(&a);
}

/* From a shell: -c or --config anywhere; the rest in order. */
static void
test_shell_commands(void **state)
{
	const char *list[] = { "hookline", "list", "--json", "-c", "a.conf",
	    "--dead", NULL };
	const char *check[] = { "hookline", "--config", "b.conf", "check", NULL };
	const char *send[] = { "hookline", "send", "http://127.0.0.1:1/x",
	    "--event", "push", "-", NULL };
	const char *fcgi[] = { "hookline", "fcgi", "--listen", "127.0.0.1:9000",
	    NULL };
	struct args a;

	(void)state;
	a = parse(false, not_listening, list);
	assert_int_equal(a.mode, ARGS_COMMAND);
	assert_string_equal(a.conf, "a.conf");
	assert_int_equal(a.ncmd, 3);
	assert_string_equal(a.cmd[0], "list");
	assert_string_equal(a.cmd[1], "--json");
	assert_string_equal(a.cmd[2], "--dead");
	assert_null(a.cmd[3]);
	args_free(&a);

	a = parse(false, not_listening, check);
	assert_int_equal(a.mode, ARGS_COMMAND);
	assert_string_equal(a.conf, "b.conf");
	assert_int_equal(a.ncmd, 1);
	assert_string_equal(a.cmd[0], "check");
	args_free(&a);

	a = parse(false, not_listening, send);
	assert_int_equal(a.mode, ARGS_COMMAND);
	assert_null(a.conf);
	assert_int_equal(a.ncmd, 5);
	assert_string_equal(a.cmd[4], "-");
	args_free(&a);

	/* A command wins over a listening stdin (a systemd socket unit
	 * running "hookline fcgi"). */
	a = parse(false, listening, fcgi);
	assert_int_equal(a.mode, ARGS_COMMAND);
	assert_string_equal(a.cmd[0], "fcgi");
	assert_int_equal(listens_asked, 0);
	args_free(&a);
}

/* Nothing to do; "-c" with no file after it is a word of the command
 * (main then says it is an unknown command). */
static void
test_usage_and_edges(void **state)
{
	const char *none[] = { "hookline", NULL };
	const char *dangling[] = { "hookline", "list", "-c", NULL };
	const char *empty[] = { NULL };
	struct args a;

	(void)state;
	a = parse(false, not_listening, none);
	assert_int_equal(a.mode, ARGS_USAGE);
	assert_int_equal(listens_asked, 1);
	args_free(&a);

	a = parse(false, not_listening, dangling);
	assert_int_equal(a.mode, ARGS_COMMAND);
	assert_null(a.conf);
	assert_int_equal(a.ncmd, 2);
	assert_string_equal(a.cmd[1], "-c");
	args_free(&a);

	a = parse(false, not_listening, empty);
	assert_int_equal(a.mode, ARGS_USAGE);
	args_free(&a);
	/* Twice is fine. */
	args_free(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cgi_hostile_argv),
		cmocka_unit_test(test_cgi_plain),
		cmocka_unit_test(test_gateway_listening_is_fcgi),
		cmocka_unit_test(test_cron_line),
		cmocka_unit_test(test_kicked_drainer),
		cmocka_unit_test(test_fastcgi),
		cmocka_unit_test(test_shell_commands),
		cmocka_unit_test(test_usage_and_edges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
