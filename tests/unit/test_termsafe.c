/* test_termsafe.c: hook output and sender data escaped for a terminal:
 * C0, DEL, C1 (as UTF-8 and raw) and invalid UTF-8 never pass raw. */
#include "unit.h"

#include <stdbool.h>

#include "termsafe.h"

/* What term_text() (or term_json() when json) writes for len bytes. */
static char *
written(const char *s, size_t len, const char *indent, bool json)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f;

	assert_non_null(f = open_memstream(&buf, &n));
	if (json)
		assert_int_equal(term_json(f, s, len), 0);
	else
		assert_int_equal(term_text(f, s, len, indent), 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

#define TEXT(lit)	written(lit, sizeof(lit) - 1, NULL, false)
#define JSON(lit)	written(lit, sizeof(lit) - 1, NULL, true)

/* No byte a terminal reads as a control: C0 but \n and \t, DEL, 0x80-
 * 0x9f anywhere that is not a continuation of valid UTF-8. */
static void
assert_terminal_safe(const char *out)
{
	const unsigned char *s = (const unsigned char *)out;
	size_t i;

	for (i = 0; s[i] != '\0'; i++) {
		assert_false(s[i] < 0x20 && s[i] != '\n' && s[i] != '\t');
		assert_int_not_equal(s[i], 0x7f);
		if (s[i] == 0xc2)
			assert_true(s[i + 1] >= 0xa0);
	}
}

static void
expect_text(const char *in, size_t len, const char *want)
{
	char *out = written(in, len, NULL, false);

	assert_string_equal(out, want);
	assert_terminal_safe(out);
	free(out);
}

#define EXPECT_TEXT(lit, want)	expect_text(lit, sizeof(lit) - 1, want)

static void
test_text_controls(void **state)
{
	(void)state;
	/* ESC and a CSI sequence; BEL; CR (which would hide a line). */
	EXPECT_TEXT("\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m");
	EXPECT_TEXT("a\x07" "b\rc\x00" "d", "a\\x07b\\x0dc\\x00d");
	EXPECT_TEXT("\x7f", "\\x7f");
	/* OSC (set the title) ended by BEL, and by ST (ESC \). */
	EXPECT_TEXT("\x1b]0;pwned\x07", "\\x1b]0;pwned\\x07");
	EXPECT_TEXT("\x1b]0;x\x1b\\", "\\x1b]0;x\\x1b\\\\");
	/* Newline and tab pass. */
	EXPECT_TEXT("a\tb\nc\n", "a\tb\nc\n");
}

static void
test_text_c1(void **state)
{
	(void)state;
	/* CSI as UTF-8 U+009B, raw 0x9b, and OSC U+009D / raw 0x9d. */
	EXPECT_TEXT("\xc2\x9b" "31m", "\\xc2\\x9b31m");
	EXPECT_TEXT("\x9b" "31m", "\\x9b31m");
	EXPECT_TEXT("\xc2\x9d" "0;t\xc2\x9c", "\\xc2\\x9d0;t\\xc2\\x9c");
	EXPECT_TEXT("\x9d", "\\x9d");
	/* The edges: U+0080 and U+009F are C1; U+00A0 is not. */
	EXPECT_TEXT("\xc2\x80\xc2\x9f\xc2\xa0", "\\xc2\\x80\\xc2\\x9f\xc2\xa0");
}

static void
test_text_utf8(void **state)
{
	(void)state;
	/* Valid UTF-8 passes: é, €, 😀. */
	EXPECT_TEXT("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
	    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	/* Invalid: a lone continuation byte, a truncated sequence (also at
	 * the end), an overlong '/', a surrogate, past U+10FFFF, 0xff. */
	EXPECT_TEXT("\x80", "\\x80");
	EXPECT_TEXT("\xe2\x82" "x", "\\xe2\\x82x");
	EXPECT_TEXT("x\xe2\x82", "x\\xe2\\x82");
	EXPECT_TEXT("\xc0\xaf", "\\xc0\\xaf");
	EXPECT_TEXT("\xed\xa0\x80", "\\xed\\xa0\\x80");
	EXPECT_TEXT("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80");
	EXPECT_TEXT("\xff\xfe", "\\xff\\xfe");
	/* An invalid lead byte does not swallow the ESC after it. */
	EXPECT_TEXT("\xe2\x1b[2J", "\\xe2\\x1b[2J");
	/* A backslash is escaped, so that the text reads back one way. */
	EXPECT_TEXT("C:\\x1b", "C:\\\\x1b");
}

static void
test_text_indent(void **state)
{
	char *out;

	(void)state;
	out = written("one\ntwo", 7, "  ", false);
	assert_string_equal(out, "  one\n  two\n");
	free(out);
	out = written("one\n", 4, "  ", false);
	assert_string_equal(out, "  one\n");
	free(out);
	out = written("", 0, "  ", false);
	assert_string_equal(out, "");
	free(out);
}

static void
test_json(void **state)
{
	char *out;

	(void)state;
	/* json-c's text: C0 escaped already, C1 and invalid bytes raw. */
	out = JSON("{\"out\":\"\\u001b[31m \xc2\x9b" "31m \x9b" "31m \xc2\x9d" "0;t \xff "
	    "caf\xc3\xa9 \x7f\"}");
	assert_string_equal(out, "{\"out\":\"\\u001b[31m \\u009b31m \\ufffd31m "
	    "\\u009d0;t \\ufffd caf\xc3\xa9 \\u007f\"}");
	assert_terminal_safe(out);
	free(out);
	out = JSON("[]");
	assert_string_equal(out, "[]");
	free(out);
}

/* A write that fails is told. */
static void
test_write_error(void **state)
{
	FILE *f;

	(void)state;
	assert_non_null(f = fopen("/dev/full", "w"));
	assert_int_equal(setvbuf(f, NULL, _IONBF, 0), 0);
	assert_int_equal(term_text(f, "abc\x1b", 4, NULL), -1);
	assert_int_equal(term_json(f, "[1]", 3), -1);
	(void)fclose(f);	/* unbuffered: nothing left to fail */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_controls),
		cmocka_unit_test(test_text_c1),
		cmocka_unit_test(test_text_utf8),
		cmocka_unit_test(test_text_indent),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_write_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
