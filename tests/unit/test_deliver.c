/* test_deliver.c: one delivery's hooks run for real: the shared payload file, kept intact, removed; refusals for the log and for the sender. */
#include "unit.h"

#include <limits.h>

#include "deliver.h"

struct fx {
	char		*top;	/* the hooks folder; hooks write here too */
	char		*spool;
	struct conf	 conf;
	struct endpoint	 ep;
};

static const char json[] = "{\"event\":\"push\",\"data\":{\"n\":1}}";

static int
setup(void **state)
{
	struct fx *fx;

	assert_non_null(fx = calloc(1, sizeof(*fx)));
	fx->top = unit_mkdtemp("deliver");
	assert_true(asprintf(&fx->spool, "%s/spool", fx->top) > 0);
	fx->conf.spool_dir = fx->spool;
	fx->conf.timeout = 10;
	fx->conf.kill_after = 1;
	fx->ep.name = "ep";
	fx->ep.hooks_dir = fx->top;
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	unit_rm_tree(fx->top);
	free(fx->spool);
	free(fx->top);
	free(fx);
	return 0;
}

/* A /bin/sh hook; "%D" in text stands for the fixture folder. */
static void
hook(const struct fx *fx, const char *rel, const char *text, mode_t mode)
{
	char p[PATH_MAX], body[2048];
	const char *s;
	size_t n = 0;

	n = (size_t)snprintf(body, sizeof(body), "#!/bin/sh\n");
	for (s = text; *s != '\0'; s++) {
		if (s[0] == '%' && s[1] == 'D') {
			assert_true(n + strlen(fx->top) < sizeof(body));
			memcpy(body + n, fx->top, strlen(fx->top));
			n += strlen(fx->top);
			s++;
			continue;
		}
		assert_true(n + 1 < sizeof(body));
		body[n++] = *s;
	}
	assert_true(snprintf(p, sizeof(p), "%s/%s", fx->top, rel) > 0);
	unit_write_bytes(p, body, n, mode);
}

static void
sub(const struct fx *fx, const char *rel)
{
	char p[PATH_MAX];

	assert_true(snprintf(p, sizeof(p), "%s/%s", fx->top, rel) > 0);
	assert_int_equal(mkdir(p, 0755), 0);
}

static int
deliver_done(struct fx *fx, const char *event, const struct strlist *done,
    struct outcome *out)
{
	struct delivery d = {
		.endpoint = "ep",
		.event = event,
		.id = "id-1",
		.remote_addr = "127.0.0.1",
		.content_type = "application/json",
		.body = (const unsigned char *)json,
		.body_len = sizeof(json) - 1,
		.attempt = 1,
	};
	struct err err = { "" };
	int rc = deliver_run(&fx->conf, &fx->ep, &d, done, out, &err);

	if (rc == -1)
		fail_msg("deliver_run: %s", err.msg);
	return rc;
}

static int
deliver(struct fx *fx, const char *event, struct outcome *out)
{
	return deliver_done(fx, event, NULL, out);
}

static char *
slurp(const struct fx *fx, const char *name)
{
	char p[PATH_MAX];

	assert_true(snprintf(p, sizeof(p), "%s/%s", fx->top, name) > 0);
	return unit_read_file(p, NULL);
}

/* The attempt's hooks share one copy; one that overwrites it does not
 * change what the next reads; it is gone afterwards. */
static void
test_shared_copy(void **state)
{
	struct fx *fx = *state;
	struct outcome out = { NULL, 0 };
	char *a, *b, *pa, *pb;

	sub(fx, "push.d");
	hook(fx, "push.d/10-a", "printf '%s' \"$HOOKLINE_PAYLOAD_FILE\" "
	    ">%D/path.a\ncat \"$HOOKLINE_PAYLOAD_FILE\" >%D/body.a\n"
	    "printf tampered >\"$HOOKLINE_PAYLOAD_FILE\"\n", 0755);
	hook(fx, "push.d/20-b", "printf '%s' \"$HOOKLINE_PAYLOAD_FILE\" "
	    ">%D/path.b\ncat \"$HOOKLINE_PAYLOAD_FILE\" >%D/body.b\n", 0755);
	assert_int_equal(deliver(fx, "push", &out), 0);
	assert_int_equal(out.n, 2);
	a = slurp(fx, "body.a");
	b = slurp(fx, "body.b");
	assert_string_equal(a, json);
	assert_string_equal(b, json);
	pa = slurp(fx, "path.a");
	pb = slurp(fx, "path.b");
	assert_string_equal(pa, pb);
	assert_int_equal(strncmp(pa, fx->spool, strlen(fx->spool)), 0);
	assert_int_equal(access(pa, F_OK), -1);
	assert_int_equal(unit_count_entries(fx->spool, "payload"), 0);
	free(pb);
	free(pa);
	free(b);
	free(a);
	outcome_free(&out);
}

/* Removed after a hook that timed out too. */
static void
test_timeout_removes(void **state)
{
	struct fx *fx = *state;
	struct outcome out = { NULL, 0 };
	char *p;

	fx->conf.timeout = 1;
	hook(fx, "push", "printf '%s' \"$HOOKLINE_PAYLOAD_FILE\" >%D/path\n"
	    "exec sleep 30\n", 0755);
	assert_int_equal(deliver(fx, "push", &out), 1);
	assert_int_equal(out.n, 1);
	assert_true(out.v[0].res.timed_out);
	p = slurp(fx, "path");
	assert_int_equal(access(p, F_OK), -1);
	free(p);
	outcome_free(&out);
}

/* A refused hook: the log's why has the full path, the sender's reason
 * none. Nothing to run: no payload file is made. */
static void
test_refusal(void **state)
{
	struct fx *fx = *state;
	struct outcome out = { NULL, 0 };
	char *want;

	assert_int_equal(deliver(fx, "push", &out), 0);
	assert_int_equal(out.n, 0);
	assert_int_equal(access(fx->spool, F_OK), -1);

	hook(fx, "push", "exit 0\n", 0644);
	assert_int_equal(deliver(fx, "push", &out), 1);
	assert_int_equal(out.n, 1);
	assert_false(out.v[0].res.ran);
	assert_string_equal(out.v[0].hook, "push");
	assert_string_equal(out.v[0].reason, "not executable");
	assert_true(asprintf(&want, "%s/push: not executable", fx->top) > 0);
	assert_string_equal(out.v[0].why, want);
	free(want);
	outcome_free(&out);
	assert_int_equal(unit_count_entries(fx->spool, "payload"), 0);
}

/* A retry whose hooks all succeeded before (a forward target alone is
 * left) runs nothing and writes no payload file. */
static void
test_all_done(void **state)
{
	struct fx *fx = *state;
	struct outcome out = { NULL, 0 };
	struct strlist done = { NULL, 0 };

	hook(fx, "push", "exit 0\n", 0755);
	assert_int_equal(strlist_add(&done, "push"), 0);
	assert_int_equal(deliver_done(fx, "push", &done, &out), 0);
	assert_int_equal(out.n, 0);
	assert_int_equal(access(fx->spool, F_OK), -1);
	strlist_clear(&done);
	outcome_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_shared_copy, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_timeout_removes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_refusal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_all_done, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
