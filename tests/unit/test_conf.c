/* test_conf.c: the configuration file: good files, broken files, defaults. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"

static char *dir;

static char *
write_conf(const char *name, const char *text)
{
	char *path;

	assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
	unit_write_file(path, text, 0644);
	return path;
}

/* Loads text; returns the conf (NULL on failure, with err filled). */
static struct conf *
load(const char *text, struct err *err)
{
	struct conf *c = NULL;
	char *path = write_conf("hookline.conf", text);

	if (conf_load(path, &c, err) != 0)
		c = NULL;
	free(path);
	return c;
}

static void
test_full_file(void **state)
{
	struct err err;
	struct conf *c;
	const struct endpoint *ep;
	char *secret = write_conf("gh.secret", "s3cret\r\nignored\n");
	char *want;

	(void)state;
	free(secret);
	c = load("# comment\n"
	    "hooks_dir = hooks\n"
	    "spool_dir = /var/spool/x\n"
	    "max_body = 1M ; inline comment\n"
	    "timeout = 2m\n"
	    "body_timeout = 1m\n"
	    "log = syslog\n"
	    "retry = 1s 2s 3m\n"
	    "trusted_proxies = 127.0.0.1 ::1\n"
	    "[github]\n"
	    "provider = github\n"
	    "secret_file = gh.secret\n"
	    "secret = other\n"
	    "mode = async\n"
	    "allow_ip = 10.0.0.0/8, 192.168.1.1\n"
	    "[stripe]\n"
	    "provider = stripe\n"
	    "hooks = /srv/stripe-hooks\n"
	    "tolerance = 60\n", &err);
	assert_non_null(c);
	assert_int_equal(c->max_body, 1024 * 1024);
	assert_int_equal(c->timeout, 120);
	assert_int_equal(c->body_timeout, 60);
	assert_string_equal(c->log, "syslog");
	assert_int_equal(c->nretry, 3);
	assert_int_equal(c->retry[2], 180);
	assert_int_equal(c->trusted_proxies.n, 2);
	assert_true(asprintf(&want, "%s/hooks", c->dir) > 0);
	assert_string_equal(c->hooks_dir, want);
	free(want);
	assert_string_equal(c->spool_dir, "/var/spool/x");

	assert_non_null(ep = conf_endpoint(c, "github"));
	assert_int_equal(ep->provider, PROVIDER_GITHUB);
	assert_int_equal(ep->mode, MODE_ASYNC);
	assert_int_equal(ep->secrets.n, 2);
	assert_string_equal(ep->secrets.v[0], "s3cret");
	assert_string_equal(ep->secrets.v[1], "other");
	assert_int_equal(ep->allow_ip.n, 2);
	assert_true(asprintf(&want, "%s/hooks/github", c->dir) > 0);
	assert_string_equal(ep->hooks_dir, want);
	free(want);

	assert_non_null(ep = conf_endpoint(c, "stripe"));
	assert_string_equal(ep->hooks_dir, "/srv/stripe-hooks");
	assert_int_equal(ep->tolerance, 60);
	assert_null(conf_endpoint(c, "gitlab"));
	/* No [default]: "/" is the implicit generic endpoint on hooks_dir. */
	assert_non_null(ep = conf_endpoint(c, ""));
	assert_int_equal(ep->provider, PROVIDER_GENERIC);
	assert_string_equal(ep->hooks_dir, c->hooks_dir);
	assert_int_equal(ep->secrets.n, 0);
	conf_free(c);
}

static void
test_defaults_and_default_section(void **state)
{
	struct err err;
	struct conf *c;
	const struct endpoint *ep;

	(void)state;
	assert_non_null(c = load("[default]\nsecret = x\n[empty]\n", &err));
	/* A section with no keys is an endpoint with every default. */
	assert_non_null(ep = conf_endpoint(c, "empty"));
	assert_int_equal(ep->line, 3);
	assert_int_equal(ep->provider, PROVIDER_GENERIC);
	assert_int_equal(c->max_body, 10 * 1024 * 1024);
	assert_int_equal(c->timeout, 30);
	assert_int_equal(c->body_timeout, 30);
	assert_int_equal(c->dedupe_window, 72 * 3600);
	assert_int_equal(c->nretry, 7);
	assert_int_equal(c->retry[0], 5);
	assert_int_equal(c->retry[6], 36000);
	assert_string_equal(c->log, "stderr");
	assert_int_equal(c->spool_min_free, SPOOL_MIN_FREE_AUTO);
	assert_non_null(ep = conf_endpoint(c, ""));
	assert_string_equal(ep->name, "default");
	assert_int_equal(ep->secrets.n, 1);
	conf_free(c);
}

static void
test_no_file(void **state)
{
	struct err err;
	struct conf *c;
	char *cwd, *want;

	(void)state;
	assert_int_equal(conf_load(NULL, &c, &err), 0);
	assert_non_null(cwd = getcwd(NULL, 0));
	assert_true(asprintf(&want, "%s/hooks.d", cwd) > 0);
	assert_string_equal(c->hooks_dir, want);
	assert_int_equal(c->nendpoints, 0);
	assert_non_null(conf_endpoint(c, ""));
	assert_null(conf_endpoint(c, "github"));
	free(want);
	free(cwd);
	conf_free(c);
}

/* Every broken file names its line and key. */
static void
test_broken(void **state)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "bogus = 1\n", ":1: unknown key 'bogus'" },
		{ "\n\nmax_body = lots\n", ":3: key 'max_body'" },
		{ "max_body = 10T\n", ":1: key 'max_body'" },
		{ "max_body = -1\n", ":1: key 'max_body'" },
		{ "timeout = 0\n", ":1: key 'timeout'" },
		{ "body_timeout = 0\n", ":1: key 'body_timeout'" },
		{ "body_timeout = 2h\n", ":1: key 'body_timeout'" },
		{ "body_timeout = soon\n", ":1: key 'body_timeout'" },
		{ "[a]\nbody_timeout = 5\n", ":2: key 'body_timeout' belongs before" },
		{ "[a]\nprovider = github\n[a]\n", ":3: section [a] appears twice" },
		{ "[a]\nx = 1\n", ":2: unknown key 'x'" },
		{ "[a]\nprovider = gihub\n", ":2: key 'provider'" },
		{ "[a]\nmode = later\n", ":2: key 'mode'" },
		{ "[a/b]\nmode = sync\n", "section [a/b]" },
		{ "[a]\nmax_body = 5\n", ":2: key 'max_body' belongs before" },
		{ "[a]\ntimeout = 0\n", ":2: key 'timeout'" },
		{ "[a]\ntimeout = 2d\n", ":2: key 'timeout'" },
		{ "[a]\nmax_running = -1\n", ":2: key 'max_running'" },
		{ "[a]\nmax_running = 5000\n", ":2: key 'max_running'" },
		{ "[a]\nretry =\n", ":2: key 'retry'" },
		{ "resident_workers = 0\n", ":1: key 'resident_workers'" },
		{ "[a]\nresident_workers = 65\n", ":2: key 'resident_workers'" },
		{ "resident_workers = two\n", ":1: key 'resident_workers'" },
		{ "resident_idle = 0\n", ":1: key 'resident_idle'" },
		{ "[a]\nresident_idle = 2d\n", ":2: key 'resident_idle'" },
		{ "[a]\nretry = 1s, soon\n", ":2: key 'retry'" },
		{ "[a]\nretry = none 5s\n", ":2: key 'retry'" },
		{ "provider = github\n", ":1: key 'provider' belongs in" },
		{ "[a]\nsecret_file = /nonexistent/x\n", ":2: key 'secret_file'" },
		{ "[a]\nevent = ../x\n", ":2: key 'event'" },
		{ "[a]\nallow_ip = 10.0.0.0/33\n", ":2: key 'allow_ip'" },
		{ "[a]\nalgorithm = md5\n", ":2: key 'algorithm'" },
		/* Closed sets: whole words only, in their case. */
		{ "[a]\nalgorithm = sha2560\n",
		    ":2: key 'algorithm': expected sha1, sha256 or sha512" },
		{ "[a]\nencoding = base\n",
		    ":2: key 'encoding': expected hex or base64" },
		{ "[a]\nallow_sha1 = YES\n",
		    ":2: key 'allow_sha1': expected yes or no" },
		{ "[a]\nmode = Sync\n", ":2: key 'mode': expected sync or async" },
		{ "[a]\nforward = ftp://x\n", ":2: key 'forward'" },
		{ "[a]\nforward = http://127.0.0.1/\n", "forward needs mode = async" },
		{ "[a]\nforward_secret = plain\n", ":2: key 'forward_secret'" },
		{ "[a]\nsecret =\n", ":2: key 'secret'" },
		{ "[a]\nprovider = discord\n", "needs public_key" },
		{ "[a]\nprovider = twilio\nsecret = x\n", "set public_url" },
		{ "[a]\nprovider = hmac\nsecret = x\n", "needs signature_header" },
		/* An unsigned timestamp is no replay window. */
		{ "[a]\nprovider = hmac\nsecret = x\nsignature_header = X-S\n"
		    "timestamp_header = X-T\n",
		    ":5: key 'timestamp_header': [a]: signed_content lacks "
		    "{timestamp}" },
		{ "[a]\nprovider = hmac\nsecret = x\nsignature_header = X-S\n"
		    "signed_content = {id}.{body}\ntimestamp_header = X-T\n",
		    ":6: key 'timestamp_header'" },
		{ "spool_min_free = 18446744073709551615\n", ":1: key 'spool_min_free'" },
		{ "retry = 5s soon\n", ":1: key 'retry'" },
		{ "database_unavailable = maybe\n",
		    ":1: key 'database_unavailable': expected 503 or spool" },
		{ "database_unavailable =\n", ":1: key 'database_unavailable'" },
		{ "database_unavailable = SPOOL\n",
		    ":1: key 'database_unavailable'" },
		{ "[a]\ndatabase_unavailable = spool\n",
		    ":2: key 'database_unavailable' belongs before" },
		{ "just words\n", ":1: not a key" },
		/* The watching URLs: off until named, never open to all. */
		{ "monitor = metrics\n", ":1: key 'monitor': needs "
		    "monitor_token_file or monitor_allow_ip" },
		{ "monitor = metrics stats\nmonitor_allow_ip = ::1\n",
		    ":1: key 'monitor'" },
		{ "monitor =\nmonitor_allow_ip = ::1\n", ":1: key 'monitor'" },
		{ "monitor = health\nmonitor_allow_ip = 10.0.0.0/33\n",
		    ":2: key 'monitor_allow_ip'" },
		{ "monitor = health\nmonitor_token_file = /nonexistent/t\n",
		    ":2: key 'monitor_token_file'" },
		{ "monitor = health\nmonitor_token_file = short.token\n",
		    ":2: key 'monitor_token_file': the token in" },
		{ "monitor = health\nmonitor_token_file = space.token\n",
		    ":2: key 'monitor_token_file': the token in" },
		{ "monitor = health\nmonitor_token_file = empty.token\n",
		    ":2: key 'monitor_token_file'" },
		{ "health_max_due = soon\n", ":1: key 'health_max_due'" },
		{ "health_max_due = 0\n", ":1: key 'health_max_due'" },
		{ "[a]\nmonitor = health\n", ":2: key 'monitor' belongs before" },
	};
	struct err err;
	size_t i;

	(void)state;
	free(write_conf("short.token", "abc123\n"));
	free(write_conf("space.token", "abcdefghijklmnop qrstuvwxyz\n"));
	free(write_conf("empty.token", "\n"));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&err, 0, sizeof(err));
		if (load(cases[i].text, &err) != NULL)
			fail_msg("case %zu loaded: %s", i, cases[i].text);
		if (strstr(err.msg, cases[i].want) == NULL)
			fail_msg("case %zu: '%s' lacks '%s'", i, err.msg,
			    cases[i].want);
		if (strstr(cases[i].want, ":") == cases[i].want &&
		    strstr(err.msg, "hookline.conf") == NULL)
			fail_msg("case %zu: no file name in '%s'", i, err.msg);
	}
}

/* monitor, its token (first line of a file, as secrets), its
 * addresses and health_max_due; all off by default. */
static void
test_monitor_keys(void **state)
{
	struct err err;
	struct conf *c;

	(void)state;
	c = load("[a]\n", &err);
	assert_non_null(c);
	assert_int_equal(c->monitor, 0);
	assert_null(c->monitor_token);
	assert_int_equal(c->health_max_due, 3600);
	conf_free(c);
	free(write_conf("m.token", "tok_ABCdef0123456789+/==\r\nsecond\n"));
	c = load("monitor = metrics, health status\n"
	    "monitor_token_file = m.token\n"
	    "monitor_allow_ip = 127.0.0.1\n"
	    "monitor_allow_ip = ::1 10.0.0.0/8\n"
	    "health_max_due = 30m\n"
	    "[a]\n", &err);
	if (c == NULL)
		fail_msg("%s", err.msg);
	assert_int_equal(c->monitor, MONITOR_METRICS | MONITOR_HEALTH |
	    MONITOR_STATUS);
	assert_string_equal(c->monitor_token, "tok_ABCdef0123456789+/==");
	assert_non_null(strstr(c->monitor_token_file, "/m.token"));
	assert_int_equal(c->monitor_allow_ip.n, 3);
	assert_int_equal(c->health_max_due, 1800);
	conf_free(c);
	c = load("monitor = status\nmonitor_allow_ip = ::1\n", &err);
	assert_non_null(c);
	assert_int_equal(c->monitor, MONITOR_STATUS);
	conf_free(c);
}

/* resident_workers and resident_idle: defaults, global, per section. */
static void
test_resident_keys(void **state)
{
	struct err err;
	struct conf *c;
	const struct endpoint *a, *b;

	(void)state;
	if ((c = load("[a]\n", &err)) == NULL)
		fail_msg("%s", err.msg);
	assert_non_null(a = conf_endpoint(c, "a"));
	assert_int_equal(endpoint_resident_workers(c, a), 1);
	assert_int_equal(endpoint_resident_idle(c, a), 300);
	conf_free(c);
	if ((c = load("resident_workers = 3\nresident_idle = 1m\n[a]\n"
	    "resident_workers = 2\nresident_idle = 10\n[b]\n", &err)) == NULL)
		fail_msg("%s", err.msg);
	assert_non_null(a = conf_endpoint(c, "a"));
	assert_non_null(b = conf_endpoint(c, "b"));
	assert_int_equal(endpoint_resident_workers(c, a), 2);
	assert_int_equal(endpoint_resident_idle(c, a), 10);
	assert_int_equal(endpoint_resident_workers(c, b), 3);
	assert_int_equal(endpoint_resident_idle(c, b), 60);
	assert_int_equal(endpoint_resident_idle(c, NULL), 60);
	conf_free(c);
}

/* database_unavailable: 503 (the default) or spool. */
static void
test_database_unavailable(void **state)
{
	struct conf *c;
	struct err err;

	(void)state;
	assert_non_null(c = load("max_body = 1K\n", &err));
	assert_false(c->database_spill);
	conf_free(c);
	assert_non_null(c = load("database_unavailable = spool\n", &err));
	assert_true(c->database_spill);
	conf_free(c);
	assert_non_null(c = load("database_unavailable = spool\n"
	    "database_unavailable = 503\n", &err));
	assert_false(c->database_spill);
	conf_free(c);
}

/* timeout, max_running and retry in a section override the global
 * value for that endpoint only; the accessors fall back to the global
 * one, also for no endpoint at all. */
static void
test_endpoint_limits(void **state)
{
	struct err err;
	struct conf *c;
	const struct endpoint *deploy, *chat, *pay, *plain;

	(void)state;
	c = load("timeout = 30\n"
	    "max_running = 8\n"
	    "retry = 1s 2s\n"
	    "[deploy]\n"
	    "timeout = 10m\n"
	    "max_running = 1\n"
	    "mode = async\n"
	    "retry = none\n"
	    "[chat]\n"
	    "timeout = 5s\n"
	    "max_running = 0\n"
	    "[pay]\n"
	    "mode = async\n"
	    "retry = 1m, 5m,1h\n"
	    "[plain]\n", &err);
	if (c == NULL)
		fail_msg("%s", err.msg);
	assert_non_null(deploy = conf_endpoint(c, "deploy"));
	assert_non_null(chat = conf_endpoint(c, "chat"));
	assert_non_null(pay = conf_endpoint(c, "pay"));
	assert_non_null(plain = conf_endpoint(c, "plain"));
	/* The global values are untouched by the sections. */
	assert_int_equal(c->timeout, 30);
	assert_int_equal(c->max_running, 8);
	assert_int_equal(c->nretry, 2);

	assert_int_equal(endpoint_timeout(c, deploy), 600);
	assert_int_equal(endpoint_timeout(c, chat), 5);
	assert_int_equal(endpoint_timeout(c, pay), 30);
	assert_int_equal(endpoint_timeout(c, plain), 30);
	assert_int_equal(endpoint_timeout(c, &c->implicit), 30);
	assert_int_equal(endpoint_timeout(c, NULL), 30);

	assert_int_equal(deploy->max_running, 1);
	assert_int_equal(chat->max_running, 0);
	assert_int_equal(plain->max_running, 0);

	/* none: dead after the first failure. */
	assert_int_equal(endpoint_retry_delay(c, deploy, 0), 0);
	assert_int_equal(endpoint_retry_delay(c, deploy, 1), -1);
	assert_int_equal(endpoint_retry_delay(c, pay, 1), 60);
	assert_int_equal(endpoint_retry_delay(c, pay, 2), 300);
	assert_int_equal(endpoint_retry_delay(c, pay, 3), 3600);
	assert_int_equal(endpoint_retry_delay(c, pay, 4), -1);
	assert_int_equal(endpoint_retry_delay(c, plain, 1), 1);
	assert_int_equal(endpoint_retry_delay(c, plain, 2), 2);
	assert_int_equal(endpoint_retry_delay(c, plain, 3), -1);
	assert_int_equal(endpoint_retry_delay(c, NULL, 2), 2);
	conf_free(c);

	/* No global schedule: the default one, under an endpoint too. */
	assert_non_null(c = load("[plain]\n", &err));
	assert_int_equal(endpoint_retry_delay(c, conf_endpoint(c, "plain"), 1),
	    5);
	assert_int_equal(endpoint_retry_delay(c, NULL, 7), 36000);
	assert_int_equal(endpoint_retry_delay(c, NULL, 8), -1);
	conf_free(c);

	/* none globally too; a section may still have its own. */
	assert_non_null(c = load("retry = none\n[a]\nretry = 3s\n[b]\n",
	    &err));
	assert_int_equal(endpoint_retry_delay(c, NULL, 1), -1);
	assert_int_equal(endpoint_retry_delay(c, conf_endpoint(c, "b"), 1), -1);
	assert_int_equal(endpoint_retry_delay(c, conf_endpoint(c, "a"), 1), 3);
	conf_free(c);
}

static void
test_missing_file(void **state)
{
	struct err err;
	struct conf *c = NULL;

	(void)state;
	assert_int_equal(conf_load("/nonexistent/hookline.conf", &c, &err), -1);
	assert_null(c);
	assert_non_null(strstr(err.msg, "/nonexistent/hookline.conf"));
}

static void
test_changed(void **state)
{
	struct err err;
	struct conf *c;
	char *path;

	(void)state;
	assert_non_null(c = load("timeout = 5\n", &err));
	assert_int_equal(conf_changed(c), 0);
	path = write_conf("hookline.conf", "timeout = 6\n\n");
	assert_int_equal(conf_changed(c), 1);
	free(path);
	conf_free(c);
}

/* timestamp_header is fine when signed_content signs it. */
static void
test_hmac_timestamp_signed(void **state)
{
	struct err err;
	struct conf *c;

	(void)state;
	c = load("spool_min_free = 0\n[a]\nprovider = hmac\nsecret = x\n"
	    "signature_header = X-S\ntimestamp_header = X-T\n"
	    "signed_content = {timestamp}.{body}\n", &err);
	if (c == NULL)
		fail_msg("%s", err.msg);
	assert_non_null(conf_endpoint(c, "a")->timestamp_header);
	assert_int_equal(c->spool_min_free, 0);
	conf_free(c);
}

static void
test_sizes_and_durations(void **state)
{
	size_t n;
	long s;

	(void)state;
	assert_int_equal(parse_size("0", &n), 0);
	assert_int_equal(parse_size("10K", &n), 0);
	assert_int_equal(n, 10240);
	assert_int_equal(parse_size("2G", &n), 0);
	assert_int_equal(n, 2UL << 30);
	assert_int_equal(parse_size("", &n), -1);
	assert_int_equal(parse_size(" 1", &n), -1);
	assert_int_equal(parse_size("1MB", &n), -1);
	assert_int_equal(parse_size("99999999999999999999", &n), -1);
	assert_int_equal(parse_duration("90", &s), 0);
	assert_int_equal(s, 90);
	assert_int_equal(parse_duration("5m", &s), 0);
	assert_int_equal(s, 300);
	assert_int_equal(parse_duration("3d", &s), 0);
	assert_int_equal(s, 3 * 86400);
	assert_int_equal(parse_duration("5x", &s), -1);
	assert_int_equal(parse_duration("5mm", &s), -1);
	assert_int_equal(parse_duration("-5", &s), -1);
}

static void
test_providers(void **state)
{
	enum provider p;
	int i;

	(void)state;
	for (i = 0; i < PROVIDER__COUNT; i++) {
		assert_int_equal(provider_parse(provider_name((enum provider)i),
		    &p), 0);
		assert_int_equal(p, i);
	}
	assert_int_equal(provider_parse("GitHub", &p), -1);
}

static int
setup(void **state)
{
	(void)state;
	dir = unit_mkdtemp("conf");
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

/* conf_load_report: every error in file order, the keys of a refused
 * section ignored, and what did load (the log) handed back. */
static void
test_report_every_error(void **state)
{
	struct strlist errs = { NULL, 0 };
	struct conf *c = NULL, *partial = NULL;
	struct err err;
	char *path = write_conf("hookline.conf",
	    "log = /var/log/x.log\nuser = www-data\nbogus = 1\n[a]\n"
	    "mode = later\n[a]\nmode = later\n[b]\nforward = http://x/\n");

	(void)state;
	assert_int_equal(conf_load_report(path, &c, &errs, &partial), -1);
	assert_null(c);
	assert_int_equal(errs.n, 4);
	assert_non_null(strstr(errs.v[0], ":3: unknown key 'bogus'"));
	assert_non_null(strstr(errs.v[1], ":5: key 'mode'"));
	assert_non_null(strstr(errs.v[2], ":6: section [a] appears twice"));
	/* line 7 belongs to the refused [a]: not reported again */
	assert_non_null(strstr(errs.v[3], "[b]: forward needs mode = async"));
	assert_non_null(partial);
	assert_string_equal(partial->log, "/var/log/x.log");
	assert_string_equal(partial->user, "www-data");
	conf_free(partial);
	strlist_clear(&errs);
	/* conf_load stops at the first. */
	assert_int_equal(conf_load(path, &c, &err), -1);
	assert_non_null(strstr(err.msg, "unknown key 'bogus'"));
	/* A file that cannot be read: one error, nothing partial. */
	assert_int_equal(conf_load_report("/nonexistent/h.conf", &c, &errs,
	    &partial), -1);
	assert_int_equal(errs.n, 1);
	assert_null(partial);
	strlist_clear(&errs);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_file),
		cmocka_unit_test(test_defaults_and_default_section),
		cmocka_unit_test(test_no_file),
		cmocka_unit_test(test_broken),
		cmocka_unit_test(test_database_unavailable),
		cmocka_unit_test(test_endpoint_limits),
		cmocka_unit_test(test_resident_keys),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_changed),
		cmocka_unit_test(test_hmac_timestamp_signed),
		cmocka_unit_test(test_sizes_and_durations),
		cmocka_unit_test(test_providers),
		cmocka_unit_test(test_report_every_error),
		cmocka_unit_test(test_monitor_keys),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
