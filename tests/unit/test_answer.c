/* test_answer.c: status lines, headers and JSON bodies of the answers. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"

struct sink {
	char	buf[4096];
	size_t	len;
};

static int
sink_write(void *ctx, const void *p, size_t n)
{
	struct sink *s = ctx;

	if (s->len + n >= sizeof(s->buf))
		return -1;
	memcpy(s->buf + s->len, p, n);
	s->len += n;
	s->buf[s->len] = '\0';
	return 0;
}

static const char *
written(struct answer *a, struct sink *s)
{
	struct io io = { s, NULL, NULL, sink_write };

	s->len = 0;
	s->buf[0] = '\0';
	assert_int_equal(answer_write(a, &io), 0);
	return s->buf;
}

static void
test_every_error_row(void **state)
{
	/* The contract's table: status and error code. */
	static const struct {
		int http;
		const char *code, *status_line;
	} rows[] = {
		{ 405, "method_not_allowed", "Status: 405 Method Not Allowed\r\n" },
		{ 411, "length_required", "Status: 411 Length Required\r\n" },
		{ 413, "payload_too_large", "Status: 413 Payload Too Large\r\n" },
		{ 415, "unsupported_media_type",
		    "Status: 415 Unsupported Media Type\r\n" },
		{ 401, "invalid_signature", "Status: 401 Unauthorized\r\n" },
		{ 403, "forbidden", "Status: 403 Forbidden\r\n" },
		{ 404, "unknown_endpoint", "Status: 404 Not Found\r\n" },
		{ 429, "busy", "Status: 429 Too Many Requests\r\n" },
		{ 503, "unavailable", "Status: 503 Service Unavailable\r\n" },
		{ 504, "hook_timeout", "Status: 504 Gateway Timeout\r\n" },
	};
	struct answer a = { 0 };
	struct sink s;
	const char *out;
	char want[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		assert_string_equal(answer_code(rows[i].http), rows[i].code);
		assert_int_equal(answer_error(&a, rows[i].http,
		    answer_code(rows[i].http)), 0);
		out = written(&a, &s);
		assert_ptr_equal(strstr(out, rows[i].status_line), out);
		assert_non_null(strstr(out,
		    "Content-Type: application/json\r\n"));
		snprintf(want, sizeof(want),
		    "\r\n\r\n{\"status\":\"error\",\"error\":\"%s\"}\n",
		    rows[i].code);
		assert_non_null(strstr(out, want));
		assert_int_equal(strstr(out, "Allow: POST\r\n") != NULL,
		    rows[i].http == 405);
	}
	answer_free(&a);
}

static void
test_success_and_retry_after(void **state)
{
	struct answer a = { 0 };
	struct sink s;
	const char *out;

	(void)state;
	assert_int_equal(answer_init(&a, 200, "success"), 0);
	assert_int_equal(json_set_str(a.body, "event", "push"), 0);
	out = written(&a, &s);
	assert_ptr_equal(strstr(out, "Status: 200 OK\r\n"), out);
	assert_non_null(strstr(out,
	    "\r\n\r\n{\"status\":\"success\",\"event\":\"push\"}\n"));
	assert_null(strstr(out, "Retry-After"));

	assert_int_equal(answer_error(&a, 503, "unavailable"), 0);
	a.retry_after = 30;
	out = written(&a, &s);
	assert_non_null(strstr(out, "Retry-After: 30\r\n"));
	a.retry_after = 0;

	/* A stranger's string is escaped, never breaks the JSON. */
	assert_int_equal(answer_init(&a, 200, "duplicate"), 0);
	assert_int_equal(json_set_str(a.body, "delivery", "a\"b\n</x>"), 0);
	out = written(&a, &s);
	assert_non_null(strstr(out, "\"delivery\":\"a\\\"b\\n</x>\""));
	answer_free(&a);
	answer_free(&a);	/* twice is harmless */
}

static void
test_no_body(void **state)
{
	struct answer a = { .status = 204 };
	struct sink s;

	(void)state;
	assert_string_equal(written(&a, &s), "Status: 204 No Content\r\n"
	    "Content-Type: application/json\r\nCache-Control: no-store\r\n"
	    "\r\n");
	assert_string_equal(answer_reason(999), "Unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_error_row),
		cmocka_unit_test(test_success_and_retry_after),
		cmocka_unit_test(test_no_body),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
