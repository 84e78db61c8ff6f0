/* test_args.c: the mode, the configuration file and the command, from
 * argv and how hookline was started; under CGI argv is never read. */
#include "unit.h"

#include <stdbool.h>

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
parse(bool gateway, int (*listens)(void), const char *const *words)
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

/* Without a gateway, argv counts: each row is one command line, how
 * stdin is, and what args_parse() must make of it. */
static void
test_without_gateway(void **state)
{
	static const struct {
		const char	*why;
		const char	*words[8];
		bool		 listens;
		enum args_mode	 mode;
		const char	*conf;
		const char	*cmd[4];	/* the whole command */
		int		 asked;		/* stdin_listens() calls */
	} t[] = {
		{ "conf-examples/crontab (cron has no GATEWAY_INTERFACE)",
		    { "/home/me/cgi-bin/hookline.cgi", "-c",
		    "/home/me/hookline/hookline.conf", "drain" }, false,
		    ARGS_COMMAND, "/home/me/hookline/hookline.conf",
		    { "drain" }, 0 },
		{ "the drainer a request starts (drain.c)",
		    { "/srv/hookline.cgi", "drain", "--kicked", "-c",
		    "/srv/hookline.conf" }, false, ARGS_COMMAND,
		    "/srv/hookline.conf", { "drain", "--kicked" }, 0 },
		{ "lighttpd bin-path, mod_fcgid, spawn-fcgi: stdin listens",
		    { "/usr/local/bin/hookline" }, true, ARGS_FCGI, NULL,
		    { NULL }, 1 },
		{ "a FcgidWrapper or bin-path line with -c FILE",
		    { "/usr/local/bin/hookline", "-c",
		    "/etc/hookline/hookline.conf" }, true, ARGS_FCGI,
		    "/etc/hookline/hookline.conf", { NULL }, 1 },
		{ "-c anywhere; the rest in order",
		    { "hookline", "list", "--json", "-c", "a.conf", "--dead" },
		    false, ARGS_COMMAND, "a.conf",
		    { "list", "--json", "--dead" }, 0 },
		{ "--config",
		    { "hookline", "--config", "b.conf", "check" }, false,
		    ARGS_COMMAND, "b.conf", { "check" }, 0 },
		{ "a command wins over a listening stdin (a socket unit)",
		    { "hookline", "fcgi", "--listen", "127.0.0.1:9000" }, true,
		    ARGS_COMMAND, NULL, { "fcgi", "--listen",
		    "127.0.0.1:9000" }, 0 },
		{ "nothing to do", { "hookline" }, false, ARGS_USAGE, NULL,
		    { NULL }, 1 },
		{ "-c with no file after it is a word (an unknown command)",
		    { "hookline", "list", "-c" }, false, ARGS_COMMAND, NULL,
		    { "list", "-c" }, 0 },
		{ "argc 0", { NULL }, false, ARGS_USAGE, NULL, { NULL }, 1 },
	};
	size_t i;
	int n;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct args a = parse(false, t[i].listens ? listening :
		    not_listening, t[i].words);

		print_message("%s\n", t[i].why);
		assert_int_equal(a.mode, t[i].mode);
		if (t[i].conf == NULL)
			assert_null(a.conf);
		else
			assert_string_equal(a.conf, t[i].conf);
		for (n = 0; t[i].cmd[n] != NULL; n++)
			assert_string_equal(a.cmd[n], t[i].cmd[n]);
		assert_int_equal(a.ncmd, n);
		if (a.cmd != NULL)
			assert_null(a.cmd[n]);
		assert_int_equal(a.ignored, 0);
		assert_int_equal(listens_asked, t[i].asked);
		args_free(&a);
		/* Twice is fine. */
		args_free(&a);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cgi_hostile_argv),
		cmocka_unit_test(test_cgi_plain),
		cmocka_unit_test(test_gateway_listening_is_fcgi),
		cmocka_unit_test(test_without_gateway),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
