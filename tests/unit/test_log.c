/* test_log.c: log lines are one JSON object a line, and a stranger's
 * bytes in them (hook output) reach no terminal raw. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "unit.h"

static char *
log_through(const char *value, size_t len)
{
	char *dir, *path, *got;
	struct jval *rec;
	struct err err;

	dir = unit_mkdtemp("log");
	assert_true(asprintf(&path, "%s/log", dir) > 0);
	assert_int_equal(log_open(path, &err), 0);
	assert_non_null(rec = log_start());
	assert_int_equal(log_set_tail(rec, "stdout", value, len), 0);
	log_record(rec);
	json_free(rec);
	log_close();
	got = unit_read_file(path, NULL);
	unit_rm_tree(dir);
	free(path);
	free(dir);
	return got;
}

static void
test_ascii_line(void **state)
{
	char *got;

	(void)state;
	got = log_through("ok\n", 3);
	assert_non_null(strstr(got, "\"stdout\":\"ok\\n\""));
	assert_int_equal(got[strlen(got) - 1], '\n');
	free(got);
}

static void
test_controls_escaped(void **state)
{
	/* ESC, CSI as UTF-8 C1 and as a raw byte, OSC, invalid UTF-8, DEL,
	 * and a valid non-ASCII letter that must pass. */
	static const char out[] = "a\x1b[31m\xc2\x9b" "2J\x9b\xc2\x9d" "0;x\x07"
	    "\xff\xfe\x7f\xc3\xa9";
	const unsigned char *p;
	char *got;

	(void)state;
	got = log_through(out, sizeof(out) - 1);
	for (p = (const unsigned char *)got; *p != '\0'; p++) {
		assert_true(*p != 0x1b && *p != 0x9b && *p != 0x9d &&
		    *p != 0xff && *p != 0xfe && *p != 0x7f);
		if (*p == 0xc2)
			assert_true(p[1] < 0x80 || p[1] > 0x9f);
	}
	assert_non_null(strstr(got, "\\u001b[31m"));
	assert_non_null(strstr(got, "\\u009b2J"));
	assert_non_null(strstr(got, "\\ufffd\\ufffd\\u007f\xc3\xa9"));
	assert_int_equal(got[strlen(got) - 1], '\n');
	assert_ptr_equal(strchr(got, '\n'), got + strlen(got) - 1);
	free(got);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ascii_line),
		cmocka_unit_test(test_controls_escaped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
