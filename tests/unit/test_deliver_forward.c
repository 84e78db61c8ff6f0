/* test_deliver_forward.c: a delivery's forwards against scripted HTTP
 * servers: outcomes named forward:<url>, the done list, Standard
 * Webhooks signatures a receiver verifies, what the spool is told
 * (retry, Retry-After, permanent), timeouts. */
#include "unit.h"

#include <time.h>

#include "deliver_forward.h"
#include "stub_http.h"
#include "verify.h"

#define SECRET	"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

static const char body[] = "{\"event\":\"push\",\"data\":{\"n\":1}}";

static void
delivery_init(struct delivery *d, const char *id)
{
	memset(d, 0, sizeof(*d));
	d->endpoint = "up";
	d->event = "push";
	d->id = id;
	d->content_type = "application/json";
	d->body = (const unsigned char *)body;
	d->body_len = strlen(body);
	d->attempt = 1;
}

static void
ep_init(struct endpoint *ep, const char *secret)
{
	memset(ep, 0, sizeof(*ep));
	ep->name = "up";
	ep->provider = PROVIDER_GENERIC;
	ep->tolerance = -1;
	ep->forward_secret = (char *)secret;
}

static void
ep_forward(struct endpoint *ep, const char *url)
{
	assert_int_equal(strlist_add(&ep->forward, url), 0);
}

/* Checks that the stub's first request verifies as Standard Webhooks
 * under secret, with webhook-id want_id. */
static void
verify_logged(const struct stub *s, const char *secret, const char *want_id)
{
	char *log = stub_log(s), id[256], ts[64], sig[256];
	struct stub_hv hv = { id, ts, sig };
	struct headers hd = { stub_hv_get, &hv };
	struct verify_input in;
	struct endpoint ep;
	struct err err;

	assert_non_null(log);
	assert_int_equal(stub_field(log, " id=", id, sizeof(id)), 0);
	assert_int_equal(stub_field(log, " ts=", ts, sizeof(ts)), 0);
	assert_int_equal(stub_field(log, " sig=", sig, sizeof(sig)), 0);
	assert_string_equal(id, want_id);
	assert_non_null(strstr(log, " ua=hookline/"));
	assert_non_null(strstr(log, " ct=application/json "));
	memset(&ep, 0, sizeof(ep));
	ep.provider = PROVIDER_STANDARD;
	ep.tolerance = -1;
	assert_int_equal(strlist_add(&ep.secrets, secret), 0);
	memset(&in, 0, sizeof(in));
	in.headers = &hd;
	in.body = (const unsigned char *)body;
	in.body_len = strlen(body);
	in.now = time(NULL);
	if (verify_request(&ep, &in, &err) != 0)
		fail_msg("the target would refuse it: %s", err.msg);
	strlist_clear(&ep.secrets);
	free(log);
}

static void
test_name(void **state)
{
	static const struct {
		const char	*url, *name;
	} cases[] = {
		{ "http://h/p", "forward:http://h/p" },
		{ "https://user:pw@example.org:8443/a@b?x=1#f",
		    "forward:https://example.org:8443/a@b?x=1#f" },
		{ "https://a@b@h", "forward:https://h" },
		{ "http://h?u=a@b", "forward:http://h?u=a@b" },
		{ "no-scheme", "forward:no-scheme" },
	};
	size_t i;
	char *s;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_non_null(s = forward_name(cases[i].url));
		assert_string_equal(s, cases[i].name);
		free(s);
	}
}

/* Nothing to forward: no libcurl, nothing recorded. */
static void
test_none(void **state)
{
	struct forwarder *fw = NULL;
	struct forward_verdict v;
	struct outcome out = { NULL, 0 };
	struct endpoint ep;
	struct delivery d;
	struct conf conf;
	struct err err;

	(void)state;
	memset(&conf, 0, sizeof(conf));
	ep_init(&ep, NULL);
	delivery_init(&d, "id-1");
	assert_int_equal(forward_delivery(&fw, &conf, &ep, &d, NULL, &out, &v,
	    &err), 0);
	assert_null(fw);
	assert_int_equal(out.n, 0);
	assert_false(v.permanent);
	assert_int_equal(v.retry_after, -1);
}

/* Two targets, both 2xx; signed; the done list skips one. */
static void
test_ok_and_done(void **state)
{
	static const char *const ok[] = { "200", NULL };
	static const char *const ok2[] = { "204", NULL };
	struct forwarder *fw = NULL;
	struct forward_verdict v;
	struct outcome out = { NULL, 0 };
	struct strlist done = { NULL, 0 };
	struct endpoint ep;
	struct delivery d;
	struct conf conf;
	struct stub s1, s2;
	struct err err;
	char *name;

	(void)state;
	memset(&conf, 0, sizeof(conf));
	stub_start(&s1, ok);
	stub_start(&s2, ok2);
	ep_init(&ep, SECRET);
	ep_forward(&ep, s1.url);
	ep_forward(&ep, s2.url);
	delivery_init(&d, "72d3162e-cc78-11e3-81ab-4c9367dc0958");
	if (forward_delivery(&fw, &conf, &ep, &d, NULL, &out, &v, &err) != 0)
		fail_msg("%s", err.msg);
	assert_non_null(fw);
	assert_int_equal(out.n, 2);
	name = forward_name(s1.url);
	assert_string_equal(out.v[0].hook, name);
	assert_true(run_ok(&out.v[0].res));
	assert_true(run_ok(&out.v[1].res));
	assert_null(out.v[0].why);
	assert_string_equal(out.v[0].res.out, "answer 200\n");
	assert_false(v.permanent);
	verify_logged(&s1, SECRET, d.id);
	verify_logged(&s2, SECRET, d.id);
	outcome_free(&out);

	/* The first took it on an earlier attempt: only the second again. */
	assert_int_equal(strlist_take(&done, name), 0);
	assert_int_equal(forward_delivery(&fw, &conf, &ep, &d, &done, &out, &v,
	    &err), 0);
	assert_int_equal(out.n, 1);
	assert_int_equal(stub_count(&s1), 1);
	assert_int_equal(stub_count(&s2), 2);
	outcome_free(&out);
	strlist_clear(&done);
	strlist_clear(&ep.forward);
	forwarder_free(fw);
	stub_stop(&s1);
	stub_stop(&s2);
}

/* A '.' in the delivery id is encoded, and the receiver verifies it. */
static void
test_id_encoding(void **state)
{
	static const char *const ok[] = { "200", NULL };
	struct forwarder *fw = NULL;
	struct forward_verdict v;
	struct outcome out = { NULL, 0 };
	struct endpoint ep;
	struct delivery d;
	struct conf conf;
	struct stub s;
	struct err err;

	(void)state;
	memset(&conf, 0, sizeof(conf));
	stub_start(&s, ok);
	ep_init(&ep, SECRET);
	ep_forward(&ep, s.url);
	delivery_init(&d, "evt.1%2");
	assert_int_equal(forward_delivery(&fw, &conf, &ep, &d, NULL, &out, &v,
	    &err), 0);
	verify_logged(&s, SECRET, "evt%2E1%252");
	outcome_free(&out);
	strlist_clear(&ep.forward);
	forwarder_free(fw);
	stub_stop(&s);
}

/* Without forward_secret: the id and time, no signature. */
static void
test_unsigned(void **state)
{
	static const char *const ok[] = { "200", NULL };
	struct forwarder *fw = NULL;
	struct forward_verdict v;
	struct outcome out = { NULL, 0 };
	struct endpoint ep;
	struct delivery d;
	struct conf conf;
	struct stub s;
	struct err err;
	char *log;

	(void)state;
	memset(&conf, 0, sizeof(conf));
	stub_start(&s, ok);
	ep_init(&ep, NULL);
	ep_forward(&ep, s.url);
	delivery_init(&d, "abc");
	assert_int_equal(forward_delivery(&fw, &conf, &ep, &d, NULL, &out, &v,
	    &err), 0);
	assert_non_null(log = stub_log(&s));
	assert_non_null(strstr(log, " id=abc ts=1"));
	assert_non_null(strstr(log, " sig= "));
	free(log);
	outcome_free(&out);
	strlist_clear(&ep.forward);
	forwarder_free(fw);
	stub_stop(&s);
}

/* What each failure tells the spool. */
static void
test_verdicts(void **state)
{
	static const struct {
		const char	*a, *b;		/* the two targets' answers */
		int		 rc;
		bool		 permanent;
		long		 retry_after;
		int		 exit_a;
		const char	*why_a;
		/* Each target's own: the first's and the second's. */
		bool		 final_a, final_b;
		long		 ra_a;
	} cases[] = {
		{ "503", "200", 1, false, -1, 503, "forward: HTTP 503",
		    false, false, 0 },
		{ "503|Retry-After: 3", "429|Retry-After: 7", 1, false, 7, 503,
		    "forward: HTTP 503, retry after 3 s", false, false, 3 },
		{ "429|Retry-After: 99999999", "200", 1, false,
		    FORWARD_RETRY_AFTER_MAX, 429, NULL, false, false,
		    FORWARD_RETRY_AFTER_MAX },
		{ "400", "200", 1, true, -1, 400, "forward: HTTP 400; not "
		    "retried", true, false, 0 },
		{ "410", "503", 1, true, -1, 410, "forward: HTTP 410: the "
		    "target is gone; not retried", true, false, 0 },
		{ "302|Location: http://127.0.0.1:1/", "200", 1, true, -1, 302,
		    NULL, true, false, 0 },
	};
	const char *sa[2], *sb[2];
	struct forwarder *fw = NULL;
	struct forward_verdict v;
	struct outcome out = { NULL, 0 };
	struct endpoint ep;
	struct delivery d;
	struct conf conf;
	struct stub s1, s2;
	struct err err;
	size_t i;
	int rc;

	(void)state;
	memset(&conf, 0, sizeof(conf));
	delivery_init(&d, "id-v");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sa[0] = cases[i].a;
		sb[0] = cases[i].b;
		sa[1] = sb[1] = NULL;
		stub_start(&s1, sa);
		stub_start(&s2, sb);
		ep_init(&ep, SECRET);
		ep_forward(&ep, s1.url);
		ep_forward(&ep, s2.url);
		rc = forward_delivery(&fw, &conf, &ep, &d, NULL, &out, &v, &err);
		if (rc != cases[i].rc || v.permanent != cases[i].permanent ||
		    v.retry_after != cases[i].retry_after)
			fail_msg("%s + %s: rc %d permanent %d retry_after %ld",
			    cases[i].a, cases[i].b, rc, v.permanent,
			    v.retry_after);
		assert_int_equal(out.n, 2);
		assert_false(run_ok(&out.v[0].res));
		assert_int_equal(out.v[0].res.exit_code, cases[i].exit_a);
		assert_non_null(out.v[0].why);
		if (cases[i].why_a != NULL)
			assert_string_equal(out.v[0].why, cases[i].why_a);
		assert_int_equal(out.v[0].final, cases[i].final_a);
		assert_int_equal(out.v[1].final, cases[i].final_b);
		assert_int_equal(out.v[0].retry_after, cases[i].ra_a);
		outcome_free(&out);
		strlist_clear(&ep.forward);
		stub_stop(&s1);
		stub_stop(&s2);
	}
	forwarder_free(fw);
}

/* 503, 503, 200: as the spool would run it, three attempts. */
static void
test_retry_sequence(void **state)
{
	static const char *const seq[] = { "503", "503", "200", NULL };
	struct forwarder *fw = NULL;
	struct forward_verdict v;
	struct outcome out = { NULL, 0 };
	struct endpoint ep;
	struct delivery d;
	struct conf conf;
	struct stub s;
	struct err err;
	int attempt, rc = 1;

	(void)state;
	memset(&conf, 0, sizeof(conf));
	stub_start(&s, seq);
	ep_init(&ep, SECRET);
	ep_forward(&ep, s.url);
	delivery_init(&d, "id-seq");
	for (attempt = 1; rc != 0; attempt++) {
		assert_true(attempt <= 3);
		d.attempt = (unsigned)attempt;
		rc = forward_delivery(&fw, &conf, &ep, &d, NULL, &out, &v, &err);
		assert_int_equal(rc, attempt < 3 ? 1 : 0);
		assert_false(v.permanent);
		outcome_free(&out);
	}
	assert_int_equal(stub_count(&s), 3);
	strlist_clear(&ep.forward);
	forwarder_free(fw);
	stub_stop(&s);
}

/* forward_timeout: the endpoint's beats the global one; a target that
 * never answers is a retry, and holds up no other target. */
static void
test_timeout(void **state)
{
	static const char *const hang[] = { "hang", NULL };
	static const char *const ok[] = { "200", NULL };
	struct forwarder *fw = NULL;
	struct forward_verdict v;
	struct outcome out = { NULL, 0 };
	struct endpoint ep;
	struct delivery d;
	struct conf conf;
	struct stub s1, s2;
	struct err err;

	(void)state;
	memset(&conf, 0, sizeof(conf));
	conf.forward_timeout = 30;
	stub_start(&s1, hang);
	stub_start(&s2, ok);
	ep_init(&ep, SECRET);
	ep.forward_timeout = 1;
	ep_forward(&ep, s1.url);
	ep_forward(&ep, s2.url);
	delivery_init(&d, "id-t");
	assert_int_equal(forward_delivery(&fw, &conf, &ep, &d, NULL, &out, &v,
	    &err), 1);
	assert_false(v.permanent);
	assert_int_equal(out.n, 2);
	assert_true(out.v[0].res.timed_out);
	assert_int_equal(out.v[0].res.exit_code, -1);
	assert_true(out.v[0].res.exited);
	assert_string_equal(out.v[0].why, "forward: no answer within 1 s");
	assert_true(out.v[0].res.duration_ms >= 900 &&
	    out.v[0].res.duration_ms < 5000);
	assert_true(run_ok(&out.v[1].res));
	assert_true(out.v[1].res.duration_ms < 900);
	outcome_free(&out);
	strlist_clear(&ep.forward);
	forwarder_free(fw);
	stub_stop(&s1);
	stub_stop(&s2);
}

/* A forward_secret that cannot sign: nothing sent, no secret told. */
static void
test_bad_secret(void **state)
{
	static const char *const ok[] = { "200", NULL };
	struct forwarder *fw = NULL;
	struct forward_verdict v;
	struct outcome out = { NULL, 0 };
	struct endpoint ep;
	struct delivery d;
	struct conf conf;
	struct stub s;
	struct err err;

	(void)state;
	memset(&conf, 0, sizeof(conf));
	stub_start(&s, ok);
	ep_init(&ep, "not-base64-secret!");
	ep_forward(&ep, s.url);
	delivery_init(&d, "id-b");
	assert_int_equal(forward_delivery(&fw, &conf, &ep, &d, NULL, &out, &v,
	    &err), -1);
	assert_non_null(strstr(err.msg, "forward_secret"));
	assert_null(strstr(err.msg, "not-base64-secret"));
	assert_int_equal(out.n, 0);
	assert_int_equal(stub_count(&s), 0);
	strlist_clear(&ep.forward);
	forwarder_free(fw);
	stub_stop(&s);
}

/* The configuration keys forwarding reads: global, then per endpoint. */
static void
test_conf_keys(void **state)
{
	static const char *const bad[] = {
		"forward_timeout = 0\n", "forward_timeout = 3601\n",
		"forward_timeout = soon\n", "[a]\nforward_timeout = -1\n",
	};
	char path[] = "/tmp/hookline-conf-XXXXXX";
	const struct endpoint *a, *b;
	struct conf *c;
	struct err err;
	size_t i;
	int fd;

	(void)state;
	assert_true((fd = mkstemp(path)) >= 0);
	assert_int_equal(close(fd), 0);
	unit_write_file(path, "forward_timeout = 1m\nca_file = ca.pem\n"
	    "[a]\nmode = async\nforward = https://example.org/x\n"
	    "forward_timeout = 3\nca_file = /etc/ssl/a.pem\n"
	    "[b]\nmode = async\nforward = http://127.0.0.1/\n", 0600);
	if (conf_load(path, &c, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(c->forward_timeout, 60);
	assert_string_equal(c->ca_file, "/tmp/ca.pem");
	assert_non_null(a = conf_endpoint(c, "a"));
	assert_non_null(b = conf_endpoint(c, "b"));
	assert_int_equal(a->forward_timeout, 3);
	assert_string_equal(a->ca_file, "/etc/ssl/a.pem");
	assert_int_equal(b->forward_timeout, 0);
	assert_null(b->ca_file);
	conf_free(c);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		unit_write_file(path, bad[i], 0600);
		assert_int_equal(conf_load(path, &c, &err), -1);
		assert_non_null(strstr(err.msg, "forward_timeout"));
	}
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name),
		cmocka_unit_test(test_none),
		cmocka_unit_test(test_ok_and_done),
		cmocka_unit_test(test_id_encoding),
		cmocka_unit_test(test_unsigned),
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_retry_sequence),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_bad_secret),
		cmocka_unit_test(test_conf_keys),
	};

	(void)signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
