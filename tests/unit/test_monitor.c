/* test_monitor.c: the watching URLs: every bad input (path, method,
 * token, address) answered and refused, the health check both ways,
 * nothing run. */
#include "unit.h"
#include "fake_io.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "handle.h"
#include "log.h"
#include "monitor.h"
#include "spool.h"
#include "stats.h"

#define TOKEN	"tok-0123456789abcdefXYZ"

static char *dir;

static struct conf *
conf_of(const char *text)
{
	struct conf *c = NULL;
	struct err err;
	char *path, *tok;

	assert_true(asprintf(&tok, "%s/m.token", dir) > 0);
	unit_write_file(tok, TOKEN "\n", 0600);
	free(tok);
	assert_true(asprintf(&path, "%s/hookline.conf", dir) > 0);
	unit_write_file(path, text, 0644);
	if (conf_load(path, &c, &err) != 0)
		fail_msg("%s", err.msg);
	free(path);
	return c;
}

/* Runs one request through handle_request (the real way in); returns
 * the status it answered. */
static int
ask(const struct conf *c, struct fake *f)
{
	struct io io = fake_io(f);

	free(f->out);
	f->out = NULL;
	f->len = 0;
	return handle_request(c, &io, NULL, NULL);
}

/* A new request on f; its last answer is freed by the next ask(). */
static void
fake_init(struct fake *f, const char *method, const char *path)
{
	char *out = f->out;

	memset(f, 0, sizeof(*f));
	f->out = out;
	set(f, "REQUEST_METHOD", method);
	set(f, "PATH_INFO", path);
	set(f, "REMOTE_ADDR", "127.0.0.1");
	set(f, "HTTP_AUTHORIZATION", "Bearer " TOKEN);
}

static void
assert_answer(const struct fake *f, const char *status_line,
    const char *body)
{
	if (strstr(f->out, status_line) != f->out)
		fail_msg("answer: %s", f->out);
	if (body != NULL && strstr(f->out, body) == NULL)
		fail_msg("'%s' not in: %s", body, f->out);
}

static int
setup(void **state)
{
	(void)state;
	dir = unit_mkdtemp("monitor");
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

static const char conf_token[] =
    "spool_dir = spool\n"
    "monitor = metrics health status\n"
    "monitor_token_file = m.token\n"
    "[gh]\n";

static void
test_paths(void **state)
{
	static const char *const bad[] = {
		"/-/nope", "/-/", "/-/health/", "/-/Health", "/-/health/x",
		"/-/status.html", "/-/metrics%00", "/-//metrics",
	};
	struct conf *c = conf_of(conf_token);
	struct fake f = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fake_init(&f, "GET", bad[i]);
		assert_int_equal(ask(c, &f), 404);
		assert_answer(&f, "Status: 404 Not Found\r\n",
		    "{\"status\":\"error\",\"error\":\"not_found\"}");
	}
	/* An endpoint's name never holds '/': "/-" alone is no monitor
	 * URL, and no endpoint either. */
	assert_int_equal(monitor_path("/-"), 0);
	assert_int_equal(monitor_path("/gh"), 0);
	assert_int_equal(monitor_path(NULL), 0);
	free(f.out);
	conf_free(c);
}

/* Off until named: each URL alone. */
static void
test_off(void **state)
{
	struct conf *c;
	struct fake f = { 0 };

	(void)state;
	c = conf_of("spool_dir = spool\n[gh]\n");
	fake_init(&f, "GET", "/-/health");
	assert_int_equal(ask(c, &f), 404);
	conf_free(c);
	c = conf_of("spool_dir = spool\nmonitor = status\n"
	    "monitor_token_file = m.token\n");
	fake_init(&f, "GET", "/-/metrics");
	assert_int_equal(ask(c, &f), 404);
	fake_init(&f, "GET", "/-/health");
	assert_int_equal(ask(c, &f), 404);
	fake_init(&f, "GET", "/-/status");
	assert_int_equal(ask(c, &f), 200);
	free(f.out);
	conf_free(c);
}

static void
test_methods(void **state)
{
	static const char *const bad[] = {
		"POST", "PUT", "DELETE", "OPTIONS", "PATCH", "get", "TRACE", "",
	};
	struct conf *c = conf_of(conf_token);
	struct fake f = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fake_init(&f, bad[i], "/-/status");
		assert_int_equal(ask(c, &f), 405);
		assert_answer(&f, "Status: 405 Method Not Allowed\r\n",
		    "Allow: GET, HEAD\r\n");
	}
	fake_init(&f, "GET", "/-/status");
	f.vars[0][0] = "NO_METHOD";
	assert_int_equal(ask(c, &f), 405);
	free(f.out);
	conf_free(c);
}

static void
test_tokens(void **state)
{
	static const char *const bad[] = {
		"Bearer wrong-token-0123456789",
		"Bearer " TOKEN "x",
		"Bearer tok-0123456789abcdef",		/* a prefix */
		"Bearer " TOKEN " extra",
		"Basic " TOKEN,
		"Bearer",
		"Bearer ",
		"Bearer" TOKEN,
		"BearerX " TOKEN,
		TOKEN,
		"",
	};
	struct conf *c = conf_of(conf_token);
	struct fake f = { 0 };
	char *log, *logpath;
	struct err err;

	(void)state;
	assert_true(asprintf(&logpath, "%s/log", dir) > 0);
	assert_int_equal(log_open(logpath, &err), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fake_init(&f, "GET", i % 2 ? "/-/metrics" : "/-/status");
		set(&f, "HTTP_AUTHORIZATION", bad[i]);
		assert_int_equal(ask(c, &f), 401);
		assert_answer(&f, "Status: 401 Unauthorized\r\n",
		    "{\"status\":\"error\",\"error\":\"unauthorized\"}");
		assert_non_null(strstr(f.out, "WWW-Authenticate: Bearer "
		    "realm=\"hookline\""));
		assert_null(strstr(f.out, "<html"));
	}
	fake_init(&f, "GET", "/-/health");
	f.vars[3][0] = "NO_AUTH";
	assert_int_equal(ask(c, &f), 401);
	assert_null(strstr(f.out, "invalid_token"));
	/* The scheme in any case, spaces around. */
	fake_init(&f, "GET", "/-/status");
	set(&f, "HTTP_AUTHORIZATION", "  bEARER \t" TOKEN "  ");
	assert_int_equal(ask(c, &f), 200);
	log_close();
	/* Logged, never with a token given. */
	log = unit_read_file(logpath, NULL);
	assert_non_null(strstr(log, "\"monitor\":\"/-/status\""));
	assert_non_null(strstr(log, "wrong bearer token"));
	assert_non_null(strstr(log, "no bearer token"));
	assert_null(strstr(log, "0123456789"));
	assert_null(strstr(log, "wrong-token"));
	free(log);
	free(logpath);
	free(f.out);
	conf_free(c);
}

static void
test_addresses(void **state)
{
	struct conf *c;
	struct fake f = { 0 };

	(void)state;
	c = conf_of("spool_dir = spool\nmonitor = status\n"
	    "monitor_allow_ip = 127.0.0.1 ::1\ntrusted_proxies = 192.0.2.1\n");
	fake_init(&f, "GET", "/-/status");
	f.vars[3][0] = "NO_AUTH";	/* no token needed */
	assert_int_equal(ask(c, &f), 200);
	set(&f, "REMOTE_ADDR", "10.1.2.3");
	assert_int_equal(ask(c, &f), 403);
	assert_answer(&f, "Status: 403 Forbidden\r\n", "\"forbidden\"");
	set(&f, "REMOTE_ADDR", "not an address");
	assert_int_equal(ask(c, &f), 403);
	/* An X-Forwarded-For from anyone but a trusted proxy is not
	 * believed; from one, it is. */
	set(&f, "REMOTE_ADDR", "10.1.2.3");
	set(&f, "HTTP_X_FORWARDED_FOR", "127.0.0.1");
	assert_int_equal(ask(c, &f), 403);
	set(&f, "REMOTE_ADDR", "192.0.2.1");
	assert_int_equal(ask(c, &f), 200);
	set(&f, "HTTP_X_FORWARDED_FOR", "10.9.9.9");
	assert_int_equal(ask(c, &f), 403);
	conf_free(c);
	/* Both: both must pass. */
	c = conf_of("spool_dir = spool\nmonitor = status\n"
	    "monitor_allow_ip = 127.0.0.1\nmonitor_token_file = m.token\n");
	fake_init(&f, "GET", "/-/status");
	assert_int_equal(ask(c, &f), 200);
	set(&f, "HTTP_AUTHORIZATION", "Bearer nope-nope-nope-nope");
	assert_int_equal(ask(c, &f), 401);
	fake_init(&f, "GET", "/-/status");
	set(&f, "REMOTE_ADDR", "10.1.2.3");
	assert_int_equal(ask(c, &f), 403);
	free(f.out);
	conf_free(c);
}

/* Refusals are counted as the monitor's own, by reason: never as a
 * webhook request, never as a signature failure (on "(unknown)" or any
 * endpoint). */
static void
test_refusals_counted(void **state)
{
	struct conf *c;
	struct fake f = { 0 };
	struct stats_snap *s;
	struct err err;
	size_t i;

	(void)state;
	c = conf_of("spool_dir = spool\nmonitor = metrics status\n"
	    "monitor_allow_ip = 127.0.0.1\nmonitor_token_file = m.token\n"
	    "[gh]\n");
	assert_int_equal(spool_init(c->spool_dir, &err), 0);
	if (stats_attach(c, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(stats_snapshot(c->stats, &s, &err), 0);
	assert_int_equal(s->monitor_refused[STATS_REFUSED_TOKEN], 0);
	stats_snap_free(s);
	fake_init(&f, "GET", "/-/status");
	f.vars[3][0] = "NO_AUTH";
	assert_int_equal(ask(c, &f), 401);
	fake_init(&f, "GET", "/-/metrics");
	set(&f, "HTTP_AUTHORIZATION", "Bearer wrong-wrong-wrong");
	assert_int_equal(ask(c, &f), 401);
	fake_init(&f, "GET", "/-/status");
	set(&f, "REMOTE_ADDR", "10.1.2.3");
	assert_int_equal(ask(c, &f), 403);
	/* Not refused: not counted. */
	fake_init(&f, "GET", "/-/status");
	assert_int_equal(ask(c, &f), 200);
	assert_int_equal(stats_snapshot(c->stats, &s, &err), 0);
	assert_int_equal(s->monitor_refused[STATS_REFUSED_TOKEN], 2);
	assert_int_equal(s->monitor_refused[STATS_REFUSED_ADDRESS], 1);
	for (i = 0; i < s->nreqs; i++)
		if (s->reqs[i].count != 0)
			fail_msg("counted as a request: %s %d %s",
			    s->reqs[i].endpoint, s->reqs[i].status,
			    s->reqs[i].code);
	for (i = 0; i < s->neps; i++)
		if (s->eps[i].sig_failures != 0 ||
		    s->eps[i].hours[0][STATS_REJECTED] != 0)
			fail_msg("counted on endpoint %s", s->eps[i].name);
	stats_snap_free(s);
	/* And in the metrics. */
	fake_init(&f, "GET", "/-/metrics");
	assert_int_equal(ask(c, &f), 200);
	assert_non_null(strstr(f.out,
	    "\nhookline_monitor_refused_total{reason=\"token\"} 2\n"));
	assert_non_null(strstr(f.out,
	    "\nhookline_monitor_refused_total{reason=\"address\"} 1\n"));
	assert_null(strstr(f.out, "hookline_signature_failures_total{"));
	free(f.out);
	conf_free(c);
}

static void
test_head_and_types(void **state)
{
	struct conf *c = conf_of(conf_token);
	struct fake f = { 0 };
	char *p;

	(void)state;
	fake_init(&f, "GET", "/-/status");
	assert_int_equal(ask(c, &f), 200);
	assert_answer(&f, "Status: 200 OK\r\n", "Content-Type: text/html; "
	    "charset=utf-8\r\n");
	assert_non_null(strstr(f.out, "Content-Security-Policy: "
	    "default-src 'none'; style-src 'unsafe-inline'"));
	assert_non_null(strstr(f.out, "<!DOCTYPE html>"));
	fake_init(&f, "HEAD", "/-/status");
	assert_int_equal(ask(c, &f), 200);
	assert_non_null(strstr(f.out, "Content-Length: "));
	p = strstr(f.out, "\r\n\r\n");
	assert_non_null(p);
	assert_string_equal(p, "\r\n\r\n");	/* no body */
	fake_init(&f, "GET", "/-/metrics");
	assert_int_equal(ask(c, &f), 200);
	assert_non_null(strstr(f.out, "Content-Type: text/plain; "
	    "version=0.0.4"));
	fake_init(&f, "GET", "/-/metrics");
	set(&f, "HTTP_ACCEPT", "application/openmetrics-text; "
	    "version=1.0.0");
	assert_int_equal(ask(c, &f), 200);
	assert_non_null(strstr(f.out, "Content-Type: application/"
	    "openmetrics-text"));
	free(f.out);
	conf_free(c);
}

/* A hook that would leave a mark: no monitor request runs it, whatever
 * the method or path. */
static void
test_never_runs_hooks(void **state)
{
	static const char *const methods[] = { "GET", "POST", "HEAD" };
	static const char *const paths[] = {
		"/-/status", "/-/health", "/-/metrics", "/-/x"
	};
	struct conf *c;
	struct fake f = { 0 };
	char *hooks, *hook, *mark, *text;

	(void)state;
	assert_true(asprintf(&hooks, "%s/hooks.d", dir) > 0);
	assert_true(asprintf(&hook, "%s/_default", hooks) > 0);
	assert_true(asprintf(&mark, "%s/ran", dir) > 0);
	assert_true(asprintf(&text, "#!/bin/sh\ntouch %s\n", mark) > 0);
	assert_int_equal(mkdir(hooks, 0755), 0);
	unit_write_file(hook, text, 0755);
	c = conf_of(conf_token);
	for (size_t m = 0; m < 3; m++)
		for (size_t p = 0; p < 4; p++) {
			fake_init(&f, methods[m], paths[p]);
			set(&f, "CONTENT_LENGTH", "0");
			set(&f, "CONTENT_TYPE", "application/json");
			(void)ask(c, &f);
			assert_int_equal(access(mark, F_OK), -1);
		}
	free(f.out);
	conf_free(c);
	free(hooks);
	free(hook);
	free(mark);
	free(text);
}

static void
test_health(void **state)
{
	struct conf *c = conf_of(conf_token);
	struct conf *bad;
	struct fake f = { 0 };
	char *file, *text;

	(void)state;
	fake_init(&f, "GET", "/-/health");
	assert_int_equal(ask(c, &f), 200);
	assert_answer(&f, "Status: 200 OK\r\n", "{\"status\":\"ok\",");
	assert_non_null(strstr(f.out, "\"spool\":\"ok\""));
	/* The probe's file is gone again. */
	assert_true(asprintf(&file, "%s/spool", dir) > 0);
	assert_int_equal(unit_count_entries(file, "tmp"), 0);
	free(file);
	/* A spool that cannot be written: a file where its folder is. */
	assert_true(asprintf(&file, "%s/notadir", dir) > 0);
	unit_write_file(file, "x", 0644);
	assert_true(asprintf(&text, "spool_dir = notadir/spool\n"
	    "monitor = health\nmonitor_token_file = m.token\n") > 0);
	bad = conf_of(text);
	fake_init(&f, "GET", "/-/health");
	assert_int_equal(ask(bad, &f), 503);
	assert_answer(&f, "Status: 503 Service Unavailable\r\n",
	    "{\"status\":\"error\",\"reason\":\"");
	assert_non_null(strstr(f.out, "Not a directory"));
	conf_free(bad);
	free(text);
	free(file);
	free(f.out);
	conf_free(c);
}

/* Something due for longer than health_max_due: 503, and back once it
 * is gone. */
static void
test_health_due(void **state)
{
	struct conf *c;
	struct fake f = { 0 };
	struct err err;
	struct delivery d = {
		.endpoint = "gh", .event = "push", .id = "d-1",
		.body = (const unsigned char *)"{}", .body_len = 2,
		.attempt = 1,
	};
	char *spool, name[SPOOL_NAME_MAX + 1];

	(void)state;
	c = conf_of("spool_dir = spool\nmonitor = health\n"
	    "monitor_token_file = m.token\nhealth_max_due = 10m\n[gh]\n"
	    "mode = async\n");
	assert_true(asprintf(&spool, "%s/spool", dir) > 0);
	assert_int_equal(spool_store(spool, 0, &d, time(NULL) - 3600, name,
	    &err), 0);
	fake_init(&f, "GET", "/-/health");
	assert_int_equal(ask(c, &f), 503);
	assert_non_null(strstr(f.out, "health_max_due 600 s"));
	assert_non_null(strstr(f.out, "\"oldest_due_seconds\":"));
	assert_int_equal(spool_remove(spool, SPOOL_NEW, name, &err), 0);
	assert_int_equal(ask(c, &f), 200);
	free(spool);
	free(f.out);
	conf_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_off),
		cmocka_unit_test(test_methods),
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_refusals_counted),
		cmocka_unit_test(test_head_and_types),
		cmocka_unit_test(test_never_runs_hooks),
		cmocka_unit_test(test_health),
		cmocka_unit_test(test_health_due),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
