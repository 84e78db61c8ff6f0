/* test_form.c: x-www-form-urlencoded decoding: escapes, '+', bad
 * escapes, empty fields, duplicate names, NUL bytes, limits. */
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "form.h"

/* form_parse() on a C string. Returns its result. */
static int
parse(const char *s, struct form *f)
{
	struct err err;
	int rc;

	memset(&err, 0, sizeof(err));
	rc = form_parse(s, strlen(s), f, &err);
	if (rc == -1)
		assert_true(err.msg[0] != '\0');
	return rc;
}

static void
assert_field(const struct form *f, size_t i, const char *name,
    const char *value, size_t vlen)
{
	assert_true(i < f->n);
	assert_string_equal(f->v[i].name, name);
	assert_int_equal(f->v[i].value_len, vlen);
	assert_memory_equal(f->v[i].value, value, vlen);
	assert_int_equal(f->v[i].value[vlen], '\0');
}

static void
test_decoding(void **state)
{
	struct form f;

	(void)state;
	/* The Twilio SDK test body (twilio-python test_request_validator). */
	assert_int_equal(parse("CallSid=CA1234567890ABCDE&Digits=1234"
	    "&From=%2B14158675309&To=%2b18005551212", &f), 0);
	assert_int_equal(f.n, 4);
	assert_field(&f, 0, "CallSid", "CA1234567890ABCDE", 17);
	assert_field(&f, 1, "Digits", "1234", 4);
	assert_field(&f, 2, "From", "+14158675309", 12);
	assert_field(&f, 3, "To", "+18005551212", 12);	/* lowercase hex */
	form_free(&f);

	/* '+' is a space in names and values; a literal '+' is %2B; '='
	 * after the first belongs to the value; UTF-8 passes through. */
	assert_int_equal(parse("a+b=c+d&e=f%2Bg&h=i=j&k=%C3%A9", &f), 0);
	assert_int_equal(f.n, 4);
	assert_field(&f, 0, "a b", "c d", 3);
	assert_field(&f, 1, "e", "f+g", 3);
	assert_field(&f, 2, "h", "i=j", 3);
	assert_field(&f, 3, "k", "\xc3\xa9", 2);
	form_free(&f);

	/* Gitea's payload= field with escaped JSON. */
	assert_int_equal(parse("payload=%7B%22a%22%3A%22x%26y%22%7D", &f), 0);
	assert_int_equal(f.n, 1);
	assert_field(&f, 0, "payload", "{\"a\":\"x&y\"}", 11);
	form_free(&f);
}

static void
test_bad_escapes(void **state)
{
	static const char *const bad[] = {
		"a=%", "a=%4", "a=%zz", "a=%4g", "a=%g4", "%=1", "a%2=1",
		"a=1&b=%", "a=%%41", "a=% 1",
	};
	struct form f;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&f, 0, sizeof(f));
		assert_int_equal(parse(bad[i], &f), -1);
	}
	/* A NUL byte in a name would make two names look alike. */
	assert_int_equal(parse("a%00b=1", &f), -1);
}

static void
test_empty(void **state)
{
	struct form f;

	(void)state;
	assert_int_equal(parse("", &f), 0);
	assert_int_equal(f.n, 0);
	assert_null(form_get(&f, "a"));
	form_free(&f);

	/* Empty values, a bare name, empty segments skipped, an empty
	 * name kept. */
	assert_int_equal(parse("&a=&&b&=v&", &f), 0);
	assert_int_equal(f.n, 3);
	assert_field(&f, 0, "a", "", 0);
	assert_field(&f, 1, "b", "", 0);
	assert_field(&f, 2, "", "v", 1);
	form_free(&f);

	assert_int_equal(parse("&&&", &f), 0);
	assert_int_equal(f.n, 0);
	form_free(&f);

	/* NULL body with length 0. */
	assert_int_equal(form_parse(NULL, 0, &f, NULL), 0);
	assert_int_equal(f.n, 0);
	form_free(&f);
	form_free(NULL);
}

static void
test_duplicates(void **state)
{
	struct form f;
	const struct form_field *x;

	(void)state;
	assert_int_equal(parse("Digits=5678&Sid=CA123&Digits=1234", &f), 0);
	assert_int_equal(f.n, 3);
	x = form_get(&f, "Digits");
	assert_non_null(x);
	assert_ptr_equal(x, &f.v[0]);	/* the first one */
	assert_string_equal(x->value, "5678");
	assert_field(&f, 2, "Digits", "1234", 4);
	assert_null(form_get(&f, "digits"));	/* names are exact */
	assert_null(form_get(&f, "Digit"));
	form_free(&f);
	assert_int_equal(f.n, 0);
	assert_null(f.v);
}

static void
test_binary(void **state)
{
	static const char body[] = "v=a%00b&w=x\0y";
	struct form f;

	(void)state;
	/* NULs in values are kept (value_len); a raw NUL byte is data. */
	assert_int_equal(form_parse(body, sizeof(body) - 1, &f, NULL), 0);
	assert_int_equal(f.n, 2);
	assert_field(&f, 0, "v", "a\0b", 3);
	assert_field(&f, 1, "w", "x\0y", 3);
	form_free(&f);
	/* Only len bytes are read: no NUL terminator needed. */
	assert_int_equal(form_parse("a=1&b=2XXXX", 7, &f, NULL), 0);
	assert_int_equal(f.n, 2);
	assert_field(&f, 1, "b", "2", 1);
	form_free(&f);
}

static void
test_limits(void **state)
{
	struct form f;
	size_t n = 20000, i;
	char *s;

	(void)state;
	/* FORM_MAX_FIELDS fields are fine, more are refused. */
	assert_true(n > FORM_MAX_FIELDS);
	s = malloc(n * 2 + 1);
	assert_non_null(s);
	for (i = 0; i < n; i++) {
		s[2 * i] = 'a';
		s[2 * i + 1] = '&';
	}
	s[2 * n] = '\0';
	assert_int_equal(form_parse(s, FORM_MAX_FIELDS * 2, &f, NULL), 0);
	assert_int_equal(f.n, FORM_MAX_FIELDS);
	form_free(&f);
	assert_int_equal(form_parse(s, (FORM_MAX_FIELDS + 1) * 2, &f, NULL),
	    -1);
	free(s);

	/* One long value. */
	n = 1 << 20;
	s = malloc(n + 3);
	assert_non_null(s);
	memcpy(s, "a=", 2);
	memset(s + 2, '+', n);
	s[n + 2] = '\0';
	assert_int_equal(form_parse(s, n + 2, &f, NULL), 0);
	assert_int_equal(f.n, 1);
	assert_int_equal(f.v[0].value_len, n);
	assert_int_equal(f.v[0].value[n - 1], ' ');
	form_free(&f);
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decoding),
		cmocka_unit_test(test_bad_escapes),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_binary),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
