/* test_forward.c: the outbound module against scripted HTTP servers on
 * 127.0.0.1: what each answer means, Retry-After, timeouts that hold up
 * no other target, no redirects, connection reuse, bounds. */
// WRAP: ca_file_default
#include "unit.h"

#include <time.h>

#include "forward.h"
#include "stub_http.h"
#include "wrap_ca.h"

static const unsigned char body[] = "{\"event\":\"push\",\"data\":{}}";

static struct forward_msg
msg_default(void)
{
	static const struct forward_header hs[] = {
		{ "X-Test", "one two" },
	};
	struct forward_msg m;

	memset(&m, 0, sizeof(m));
	m.body = body;
	m.body_len = sizeof(body) - 1;
	m.headers = hs;
	m.nheaders = 1;
	m.timeout = 5;
	return m;
}

/* Sends msg to one URL with fw; checks the call itself worked. */
static void
send1(struct forwarder *fw, const char *url, const struct forward_msg *m,
    struct forward_result *r)
{
	struct err err;

	if (forward_send(fw, &url, 1, m, r, &err) != 0)
		fail_msg("forward_send: %s", err.msg);
}

static void
test_ok(void **state)
{
	static const char *const script[] = { "200", NULL };
	struct forward_msg m = msg_default();
	struct forward_result r;
	struct forwarder *fw;
	struct stub s;
	struct err err;
	char *log;

	(void)state;
	stub_start(&s, script);
	assert_non_null(fw = forwarder_new(&err));
	send1(fw, s.url, &m, &r);
	assert_int_equal(r.cls, FORWARD_OK);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.status_line, "HTTP/1.1 200 Stub");
	assert_string_equal(r.answer, "answer 200\n");
	assert_int_equal(r.answer_len, 11);
	assert_false(r.answer_cut);
	assert_null(r.error);
	assert_int_equal(r.retry_after, -1);
	forward_result_free(&r);
	forwarder_free(fw);

	/* What the target got: the body as is, our headers. */
	assert_non_null(log = stub_log(&s));
	assert_non_null(strstr(log, "line=POST /hook HTTP/1.1 "));
	assert_non_null(strstr(log, " ua=hookline/"));
	assert_non_null(strstr(log, " ct=application/json "));
	assert_non_null(strstr(log, " x=one two "));
	assert_non_null(strstr(log, " len=26 body={\"event\":\"push\","
	    "\"data\":{}}\n"));
	free(log);
	stub_stop(&s);
	forwarder_free(NULL);
}

/* Each answer's class, with a fresh server per script. */
static void
test_classes(void **state)
{
	static const struct {
		const char		*answer;
		enum forward_class	 cls;
		long			 status;
		long			 retry_after;
	} cases[] = {
		{ "201", FORWARD_OK, 201, -1 },
		{ "204", FORWARD_OK, 204, -1 },
		{ "503", FORWARD_RETRY, 503, -1 },
		{ "500", FORWARD_RETRY, 500, -1 },
		{ "408", FORWARD_RETRY, 408, -1 },
		{ "429|Retry-After: 7", FORWARD_RETRY, 429, 7 },
		{ "503|Retry-After:  120 ", FORWARD_RETRY, 503, 120 },
		{ "503|Retry-After: soon", FORWARD_RETRY, 503, -1 },
		{ "400", FORWARD_FAIL, 400, -1 },
		{ "401", FORWARD_FAIL, 401, -1 },
		{ "404", FORWARD_FAIL, 404, -1 },
		{ "410", FORWARD_GONE, 410, -1 },
		{ "301|Location: http://127.0.0.1:1/x", FORWARD_FAIL, 301, -1 },
	};
	struct forward_msg m = msg_default();
	struct forward_result r;
	struct forwarder *fw;
	struct stub s;
	struct err err;
	const char *script[2];
	size_t i;

	(void)state;
	assert_non_null(fw = forwarder_new(&err));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		script[0] = cases[i].answer;
		script[1] = NULL;
		stub_start(&s, script);
		send1(fw, s.url, &m, &r);
		if (r.cls != cases[i].cls || r.status != cases[i].status ||
		    r.retry_after != cases[i].retry_after)
			fail_msg("%s: class %s status %ld retry_after %ld",
			    cases[i].answer, forward_class_name(r.cls),
			    r.status, r.retry_after);
		assert_true((r.cls == FORWARD_OK) == (r.error == NULL));
		forward_result_free(&r);
		stub_stop(&s);
	}
	forwarder_free(fw);
}

/* Retry-After as an HTTP-date (RFC 9110 5.6.7). */
static void
test_retry_after_date(void **state)
{
	char answer[128], date[64];
	const char *script[2] = { answer, NULL };
	struct forward_msg m = msg_default();
	struct forward_result r;
	struct stub s;
	struct err err;
	time_t t = time(NULL) + 100;
	struct tm tm;

	(void)state;
	assert_non_null(gmtime_r(&t, &tm));
	assert_true(strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT",
	    &tm) > 0);
	snprintf(answer, sizeof(answer), "503|Retry-After: %s", date);
	stub_start(&s, script);
	assert_int_equal(forward_post(s.url, &m, &r, &err), 0);
	assert_int_equal(r.cls, FORWARD_RETRY);
	assert_true(r.retry_after >= 97 && r.retry_after <= 100);
	forward_result_free(&r);
	stub_stop(&s);

	/* A date in the past: now. */
	snprintf(answer, sizeof(answer), "429|Retry-After: Sun, 06 Nov 1994 "
	    "08:49:37 GMT");
	stub_start(&s, script);
	assert_int_equal(forward_post(s.url, &m, &r, &err), 0);
	assert_int_equal(r.retry_after, 0);
	forward_result_free(&r);
	stub_stop(&s);
}

/* A target that never answers times out; another, sent to at the same
 * time, is done long before. */
static void
test_timeout_blocks_nobody(void **state)
{
	static const char *const hang[] = { "hang", NULL };
	static const char *const ok[] = { "200", NULL };
	struct forward_msg m = msg_default();
	struct forward_result r[3];
	struct forwarder *fw;
	struct stub s1, s2;
	struct err err;
	struct timespec t0, t1;
	const char *urls[3];
	long ms;

	(void)state;
	stub_start(&s1, hang);
	stub_start(&s2, ok);
	urls[0] = s1.url;
	urls[1] = s2.url;
	urls[2] = s2.url;
	m.timeout = 2;
	assert_non_null(fw = forwarder_new(&err));
	assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &t0), 0);
	assert_int_equal(forward_send(fw, urls, 3, &m, r, &err), 0);
	assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &t1), 0);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) /
	    1000000;
	assert_int_equal(r[0].cls, FORWARD_RETRY);
	assert_true(r[0].timed_out);
	assert_int_equal(r[0].status, 0);
	assert_non_null(r[0].error);
	assert_true(r[0].duration_ms >= 1900);
	assert_int_equal(r[1].cls, FORWARD_OK);
	assert_int_equal(r[2].cls, FORWARD_OK);
	assert_true(r[1].duration_ms < 1000);
	assert_true(r[2].duration_ms < 1000);
	assert_true(ms >= 1900 && ms < 4000);
	assert_int_equal(stub_count(&s2), 2);
	forward_result_free(&r[0]);
	forward_result_free(&r[1]);
	forward_result_free(&r[2]);
	forwarder_free(fw);
	stub_stop(&s1);
	stub_stop(&s2);
}

/* 3xx is not followed: the Location never hears of it. */
static void
test_no_redirect(void **state)
{
	static const char *const ok[] = { "200", NULL };
	char answer[128];
	const char *script[2] = { answer, NULL };
	struct forward_msg m = msg_default();
	struct forward_result r;
	struct stub target, redir;
	struct err err;

	(void)state;
	stub_start(&target, ok);
	snprintf(answer, sizeof(answer), "307|Location: %s", target.url);
	stub_start(&redir, script);
	assert_int_equal(forward_post(redir.url, &m, &r, &err), 0);
	assert_int_equal(r.status, 307);
	assert_int_equal(r.cls, FORWARD_FAIL);
	assert_non_null(strstr(r.error, "redirect"));
	assert_int_equal(stub_count(&redir), 1);
	assert_int_equal(stub_count(&target), 0);
	forward_result_free(&r);
	stub_stop(&redir);
	stub_stop(&target);
}

/* Two calls on one forwarder use one connection. */
static void
test_reuse(void **state)
{
	static const char *const ok[] = { "200", NULL };
	struct forward_msg m = msg_default();
	struct forward_result r;
	struct forwarder *fw;
	struct stub s;
	struct err err;
	char *log, pid1[32], pid2[32], *p;
	int i;

	(void)state;
	stub_start(&s, ok);
	assert_non_null(fw = forwarder_new(&err));
	for (i = 0; i < 3; i++) {
		send1(fw, s.url, &m, &r);
		assert_int_equal(r.cls, FORWARD_OK);
		forward_result_free(&r);
	}
	forwarder_free(fw);
	assert_non_null(log = stub_log(&s));
	/* Each line starts "pid=N ": the connection's server process. */
	assert_int_equal(sscanf(log, "%31s", pid1), 1);
	for (p = log; (p = strchr(p, '\n')) != NULL && p[1] != '\0'; p++) {
		assert_int_equal(sscanf(p + 1, "%31s", pid2), 1);
		assert_string_equal(pid1, pid2);
	}
	free(log);
	assert_int_equal(stub_count(&s), 3);
	stub_stop(&s);
}

/* No answer at all: a network error, tried again later. */
static void
test_refused(void **state)
{
	static const char *const ok[] = { "200", NULL };
	struct forward_msg m = msg_default();
	struct forward_result r;
	struct stub s;
	struct err err;
	char url[64];

	(void)state;
	stub_start(&s, ok);
	snprintf(url, sizeof(url), "%s", s.url);
	stub_stop(&s);		/* nothing listens there now */
	assert_int_equal(forward_post(url, &m, &r, &err), 0);
	assert_int_equal(r.cls, FORWARD_RETRY);
	assert_int_equal(r.status, 0);
	assert_null(r.status_line);
	assert_non_null(r.error);
	assert_false(r.timed_out);
	forward_result_free(&r);
}

/* Only http and https; a bad URL is not worth another try. */
static void
test_protocols(void **state)
{
	static const char *const urls[] = {
		"file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://127.0.0.1/",
		"not a url", "dict://127.0.0.1:1/x",
	};
	struct forward_msg m = msg_default();
	struct forward_result r;
	struct err err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
		assert_int_equal(forward_post(urls[i], &m, &r, &err), 0);
		if (r.cls != FORWARD_FAIL || r.status != 0)
			fail_msg("%s: class %s (%s)", urls[i],
			    forward_class_name(r.cls), r.error);
		forward_result_free(&r);
	}
}

/* No ca_file and no system bundle: HTTPS says so plainly (the static
 * build's libcurl has no bundle of its own); plain HTTP still goes. */
static void
test_no_ca(void **state)
{
	static const char *const ok[] = { "200", NULL };
	struct forward_msg m = msg_default();
	struct forward_result r;
	struct stub s;
	struct err err;

	(void)state;
	no_system_ca = 1;
	assert_int_equal(forward_post("https://127.0.0.1:1/x", &m, &r, &err),
	    0);
	assert_int_equal(r.status, 0);
	assert_non_null(r.error);
	if (strstr(r.error, "no CA bundle") == NULL ||
	    strstr(r.error, "ca_file") == NULL)
		fail_msg("error: %s", r.error);
	forward_result_free(&r);
	stub_start(&s, ok);
	assert_int_equal(forward_post(s.url, &m, &r, &err), 0);
	assert_int_equal(r.cls, FORWARD_OK);
	forward_result_free(&r);
	stub_stop(&s);
	no_system_ca = 0;
}

/* An answer is kept up to answer_max; the status still counts. */
static void
test_big_answer(void **state)
{
	static const char *const big[] = { "big", NULL };
	struct forward_msg m = msg_default();
	struct forward_result r;
	struct stub s;
	struct err err;

	(void)state;
	stub_start(&s, big);
	m.answer_max = 1000;
	assert_int_equal(forward_post(s.url, &m, &r, &err), 0);
	assert_int_equal(r.cls, FORWARD_OK);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.answer_len, 1000);
	assert_int_equal(strlen(r.answer), 1000);
	assert_true(r.answer_cut);
	forward_result_free(&r);
	m.answer_max = 0;	/* the default: 64 KiB */
	assert_int_equal(forward_post(s.url, &m, &r, &err), 0);
	assert_int_equal(r.answer_len, FORWARD_ANSWER_MAX);
	assert_true(r.answer_cut);
	forward_result_free(&r);
	stub_stop(&s);
}

/* Nothing a caller passes can split a header. */
static void
test_header_injection(void **state)
{
	static const struct forward_header bad[] = {
		{ "X-Test", "a\r\nX-Evil: 1" },
	};
	static const struct forward_header badname[] = {
		{ "X-Test: x", "a" },
	};
	static const char *const ok[] = { "200", NULL };
	struct forward_msg m = msg_default();
	struct forward_result r;
	struct stub s;
	struct err err;

	(void)state;
	stub_start(&s, ok);
	m.headers = bad;
	assert_int_equal(forward_post(s.url, &m, &r, &err), -1);
	assert_true(err.msg[0] != '\0');
	assert_int_equal(r.cls, FORWARD_RETRY);
	assert_non_null(r.error);
	forward_result_free(&r);
	m.headers = badname;
	assert_int_equal(forward_post(s.url, &m, &r, &err), -1);
	forward_result_free(&r);
	m = msg_default();
	m.content_type = "application/json\r\nX-Evil: 1";
	assert_int_equal(forward_post(s.url, &m, &r, &err), -1);
	forward_result_free(&r);
	assert_int_equal(stub_count(&s), 0);
	stub_stop(&s);
}

static void
test_misc(void **state)
{
	struct forward_result r[1];
	struct forwarder *fw;
	struct err err;

	(void)state;
	assert_non_null(strstr(forward_lib_version(), "libcurl"));
	assert_string_equal(forward_class_name(FORWARD_GONE), "gone");
	assert_non_null(fw = forwarder_new(&err));
	/* No URL: nothing to do. */
	assert_int_equal(forward_send(fw, NULL, 0, NULL, r, &err), 0);
	forwarder_free(fw);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ok),
		cmocka_unit_test(test_classes),
		cmocka_unit_test(test_retry_after_date),
		cmocka_unit_test(test_timeout_blocks_nobody),
		cmocka_unit_test(test_no_redirect),
		cmocka_unit_test(test_reuse),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_protocols),
		cmocka_unit_test(test_no_ca),
		cmocka_unit_test(test_big_answer),
		cmocka_unit_test(test_header_injection),
		cmocka_unit_test(test_misc),
	};

	(void)signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
