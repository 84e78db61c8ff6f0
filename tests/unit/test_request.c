/* test_request.c: CONTENT_LENGTH, endpoint names, content types, headers
 * and body reading from an adapter. */
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "request.h"

static void
test_length(void **state)
{
	static const struct {
		const char *s;
		size_t max;
		int status;
		size_t want;
	} cases[] = {
		{ NULL, 10, 411, 0 },	{ "", 10, 411, 0 },
		{ "0", 10, 0, 0 },	{ "10", 10, 0, 10 },
		{ "11", 10, 413, 0 },	{ "007", 10, 0, 7 },
		{ "+5", 10, 400, 0 },	{ "-1", 10, 400, 0 },
		{ " 5", 10, 400, 0 },	{ "5 ", 10, 400, 0 },
		{ "5x", 10, 400, 0 },	{ "0x10", 100, 400, 0 },
		{ "1e3", 10000, 400, 0 },
		{ "99999999999999999999999999", SIZE_MAX, 413, 0 },
		{ "20971520", 1048576, 413, 0 },
	};
	size_t i, n;
	int st;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = 12345;
		st = request_parse_length(cases[i].s, cases[i].max, &n);
		if (st != cases[i].status)
			fail_msg("case %zu (%s): %d, want %d", i,
			    cases[i].s ? cases[i].s : "NULL", st,
			    cases[i].status);
		if (st == 0 && n != cases[i].want)
			fail_msg("case %zu: %zu, want %zu", i, n, cases[i].want);
	}
}

static void
test_endpoint_name(void **state)
{
	static const struct {
		const char *path, *want;
	} cases[] = {
		{ "", "" }, { "/", "" }, { "/github", "github" },
		{ "/github/", "github" }, { "github", "github" },
		{ "/a-b_C9", "a-b_C9" }, { "/a/b", NULL }, { "/../x", NULL },
		{ "/a.b", NULL }, { "/a%2f", NULL }, { "/a//", NULL },
		{ "/a b", NULL }, { "/\xc3\xa9", NULL },
	};
	size_t i;
	char *got;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = request_endpoint_name(cases[i].path);
		if (cases[i].want == NULL && got != NULL)
			fail_msg("%s: got %s", cases[i].path, got);
		if (cases[i].want != NULL && (got == NULL ||
		    strcmp(got, cases[i].want) != 0))
			fail_msg("%s: got %s", cases[i].path, got ? got : "NULL");
		free(got);
	}
}

static void
test_content_types(void **state)
{
	char *m;

	(void)state;
	assert_true(content_type_is_json("application/json"));
	assert_true(content_type_is_json("Application/JSON; charset=utf-8"));
	assert_true(content_type_is_json("application/vnd.github+json"));
	assert_true(content_type_is_json("application/cloudevents+json"));
	assert_false(content_type_is_json("application/+json"));
	assert_false(content_type_is_json("text/json"));
	assert_false(content_type_is_json("application/jsonp"));
	assert_false(content_type_is_json("application/x-www-form-urlencoded"));
	assert_false(content_type_is_json(NULL));
	assert_false(content_type_is_json(""));
	assert_false(content_type_is_json("application/json\n"));
	assert_true(content_type_is_form("application/x-www-form-urlencoded"));
	assert_true(content_type_is_form(
	    "application/x-www-form-urlencoded; charset=UTF-8"));
	assert_false(content_type_is_form("multipart/form-data"));
	assert_non_null(m = content_type_media(" Application/JSON ;x=1"));
	assert_string_equal(m, "application/json");
	free(m);
	assert_null(content_type_media("application/json$(x)"));
	assert_null(content_type_media("application/js`on"));
}

/* An adapter over fixed params and a body handed out in small pieces;
 * with timeout set, the deadline passes when the body runs out. */
struct fake {
	const char *const *params;	/* name, value, ..., NULL */
	const char *body;
	size_t len, off, chunk;
	int timeout;
};

static const char *
fake_param(void *ctx, const char *name)
{
	const struct fake *f = ctx;
	size_t i;

	for (i = 0; f->params[i] != NULL; i += 2)
		if (strcmp(f->params[i], name) == 0)
			return f->params[i + 1];
	return NULL;
}

static ssize_t
fake_read(void *ctx, void *buf, size_t len)
{
	struct fake *f = ctx;
	size_t n = f->len - f->off;

	if (n > len)
		n = len;
	if (n > f->chunk)
		n = f->chunk;
	if (n == 0 && f->timeout) {
		errno = ETIMEDOUT;
		return -1;
	}
	memcpy(buf, f->body + f->off, n);
	f->off += n;
	return (ssize_t)n;
}

static void
test_init_headers_body(void **state)
{
	static const char *const params[] = {
		"REQUEST_METHOD", "POST", "PATH_INFO", "/github/",
		"CONTENT_TYPE", "application/json", "CONTENT_LENGTH", "11",
		"REMOTE_ADDR", "127.0.0.1",
		"HTTP_X_GITHUB_EVENT", "push",
		"HTTP_X_HUB_SIGNATURE_256", "sha256=ab", NULL,
	};
	struct fake f = { params, "{\"a\":12345}", 11, 0, 3, 0 };
	struct io io = { &f, fake_param, fake_read, NULL };
	struct request r;

	(void)state;
	assert_int_equal(request_init(&r, &io), 0);
	assert_string_equal(r.method, "POST");
	assert_string_equal(r.endpoint, "github");
	assert_string_equal(header_get(&r.headers, "x-github-event"), "push");
	assert_string_equal(header_get(&r.headers, "X-Hub-Signature-256"),
	    "sha256=ab");
	assert_string_equal(header_get(&r.headers, "Content-Type"),
	    "application/json");
	assert_null(header_get(&r.headers, "X-Missing"));
	r.content_length = 11;
	assert_int_equal(request_read_body(&r), 0);
	assert_int_equal(r.body_len, 11);
	assert_memory_equal(r.body, "{\"a\":12345}", 12);	/* NUL too */
	request_free(&r);

	/* A body shorter than its CONTENT_LENGTH is a bad request. */
	f.off = 0;
	assert_int_equal(request_init(&r, &io), 0);
	r.content_length = 20;
	assert_int_equal(request_read_body(&r), 400);
	request_free(&r);

	/* One whose deadline passes first is 408, with what came so far. */
	f.off = 0;
	f.timeout = 1;
	assert_int_equal(request_init(&r, &io), 0);
	r.content_length = 20;
	assert_int_equal(request_read_body(&r), 408);
	assert_int_equal(r.body_len, 11);
	request_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_length),
		cmocka_unit_test(test_endpoint_name),
		cmocka_unit_test(test_content_types),
		cmocka_unit_test(test_init_headers_body),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
