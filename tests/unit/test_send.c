/* test_send.c: `hookline send` against a scripted HTTP server: exit
 * codes, the generic sender's Standard Webhooks headers, bodies from a
 * file, usage errors. (Each provider against hookline's own verifiers is
 * tests/e2e/t_send.sh.) */
#include "unit.h"

#include <fcntl.h>
#include <time.h>

#include "send.h"
#include "stub_http.h"
#include "verify.h"

#define SECRET	"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

/* send_command(argv...) with stdout and stderr sent to /dev/null. */
static int
run(const char *const *args)
{
	char *argv[32];
	int argc = 0, out, err, null, rc;

	argv[argc++] = "send";
	while (*args != NULL && argc < 31)
		argv[argc++] = (char *)*args++;
	argv[argc] = NULL;
	fflush(stdout);
	fflush(stderr);
	out = dup(1);
	err = dup(2);
	null = open("/dev/null", O_WRONLY);
	assert_true(out >= 0 && err >= 0 && null >= 0);
	assert_int_equal(dup2(null, 1), 1);
	assert_int_equal(dup2(null, 2), 2);
	rc = send_command(argc, argv);
	fflush(stdout);
	fflush(stderr);
	assert_int_equal(dup2(out, 1), 1);
	assert_int_equal(dup2(err, 2), 2);
	close(out);
	close(err);
	close(null);
	return rc;
}

static void
test_exit_codes(void **state)
{
	static const char *const ok[] = { "200", NULL };
	static const char *const unavailable[] = { "503", NULL };
	struct stub s1, s2;
	char port[64];

	(void)state;
	stub_start(&s1, ok);
	stub_start(&s2, unavailable);
	assert_int_equal(run((const char *[]){ s1.url, NULL }), 0);
	assert_int_equal(run((const char *[]){ s2.url, NULL }), 1);
	assert_int_equal(stub_count(&s1), 1);
	assert_int_equal(stub_count(&s2), 1);
	stub_stop(&s2);
	/* Nothing listens there any more: no answer. */
	snprintf(port, sizeof(port), "%s", s2.url);
	assert_int_equal(run((const char *[]){ port, "--timeout", "2",
	    NULL }), 1);
	stub_stop(&s1);
}

static void
test_usage(void **state)
{
	(void)state;
	assert_int_equal(run((const char *[]){ NULL }), 2);
	assert_int_equal(run((const char *[]){ "http://127.0.0.1:1/",
	    "--provider", "twilio", NULL }), 2);
	assert_int_equal(run((const char *[]){ "http://127.0.0.1:1/",
	    "--provider", "nosuch", NULL }), 2);
	assert_int_equal(run((const char *[]){ "http://127.0.0.1:1/",
	    "--secret", "a", "--secret-file", "/dev/null", NULL }), 2);
	assert_int_equal(run((const char *[]){ "http://127.0.0.1:1/",
	    "--bogus", NULL }), 2);
	assert_int_equal(run((const char *[]){ "http://127.0.0.1:1/",
	    "--event", NULL }), 2);
	assert_int_equal(run((const char *[]){ "http://127.0.0.1:1/",
	    "--timeout", "0", NULL }), 2);
	assert_int_equal(run((const char *[]){ "http://127.0.0.1:1/",
	    "--timestamp", "12x", NULL }), 2);
	assert_int_equal(run((const char *[]){ "http://127.0.0.1:1/", "a",
	    "b", NULL }), 2);
	/* A Standard Webhooks secret must be whsec_ base64. */
	assert_int_equal(run((const char *[]){ "http://127.0.0.1:1/",
	    "--provider", "standard", "--secret", "not base64", NULL }), 2);
	/* A delivery id that would split a header. */
	assert_int_equal(run((const char *[]){ "http://127.0.0.1:1/",
	    "--delivery", "a\r\nX: 1", NULL }), 2);
	assert_int_equal(run((const char *[]){ "http://127.0.0.1:1/",
	    "--secret-file", "/nonexistent/secret", NULL }), 2);
	assert_int_equal(run((const char *[]){ "--help", NULL }), 0);
}

/* The generic sender: a body from a file, signed as Standard Webhooks
 * with a secret from a file, under the given delivery id and time. */
static void
test_generic_signed(void **state)
{
	static const char *const ok[] = { "200", NULL };
	static const char body[] = "{\"event\":\"deploy\",\"data\":{}}";
	char bodyf[] = "/tmp/hookline-send-body-XXXXXX";
	char secf[] = "/tmp/hookline-send-secret-XXXXXX";
	char *log, id[128], ts[64], sig[256], when[32];
	struct stub_hv hv = { id, ts, sig };
	struct headers hd = { stub_hv_get, &hv };
	struct verify_input in;
	struct endpoint ep;
	struct stub s;
	struct err err;
	int fd;

	(void)state;
	assert_true((fd = mkstemp(bodyf)) >= 0);
	assert_int_equal(write(fd, body, strlen(body)), (ssize_t)strlen(body));
	close(fd);
	assert_true((fd = mkstemp(secf)) >= 0);
	assert_int_equal(write(fd, SECRET "\n", strlen(SECRET) + 1),
	    (ssize_t)strlen(SECRET) + 1);
	close(fd);
	snprintf(when, sizeof(when), "%lld", (long long)time(NULL) - 10);
	stub_start(&s, ok);
	assert_int_equal(run((const char *[]){ s.url, "--secret-file", secf,
	    "--delivery", "msg_42", "--timestamp", when, bodyf, NULL }), 0);
	assert_non_null(log = stub_log(&s));
	assert_int_equal(stub_field(log, " id=", id, sizeof(id)), 0);
	assert_int_equal(stub_field(log, " ts=", ts, sizeof(ts)), 0);
	assert_int_equal(stub_field(log, " sig=", sig, sizeof(sig)), 0);
	assert_string_equal(id, "msg_42");
	assert_string_equal(ts, when);
	assert_non_null(strstr(log, " ct=application/json "));
	assert_non_null(strstr(log, " body={\"event\":\"deploy\",\"data\":{}}\n"));
	free(log);

	memset(&ep, 0, sizeof(ep));
	ep.provider = PROVIDER_GENERIC;
	ep.tolerance = -1;
	assert_int_equal(strlist_add(&ep.secrets, SECRET), 0);
	memset(&in, 0, sizeof(in));
	in.headers = &hd;
	in.body = (const unsigned char *)body;
	in.body_len = strlen(body);
	in.now = time(NULL);
	if (verify_request(&ep, &in, &err) != 0)
		fail_msg("hookline would refuse it: %s", err.msg);
	strlist_clear(&ep.secrets);
	stub_stop(&s);
	unlink(bodyf);
	unlink(secf);
}

/* Without a body: the provider's sample, with the event given. */
static void
test_sample(void **state)
{
	static const char *const ok[] = { "200", NULL };
	struct stub s;
	char *log;

	(void)state;
	stub_start(&s, ok);
	assert_int_equal(run((const char *[]){ s.url, "--provider", "stripe",
	    "--secret", "whsec_x", "--event", "invoice.paid", "--delivery",
	    "evt_1", NULL }), 0);
	assert_int_equal(run((const char *[]){ s.url, "--event", "hello",
	    NULL }), 0);
	assert_non_null(log = stub_log(&s));
	assert_non_null(strstr(log, "\"id\":\"evt_1\""));
	assert_non_null(strstr(log, "\"type\":\"invoice.paid\""));
	assert_non_null(strstr(log, "body={\"event\":\"hello\""));
	free(log);
	stub_stop(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_codes),
		cmocka_unit_test(test_usage),
		cmocka_unit_test(test_generic_signed),
		cmocka_unit_test(test_sample),
	};

	(void)signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
