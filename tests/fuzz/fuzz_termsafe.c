/* fuzz_termsafe.c: any bytes through term_text() and term_json(). The
 * text holds no raw control character (C0 but newline and tab, DEL, C1)
 * and no invalid UTF-8, and reads back to the input; the JSON holds no
 * DEL, no C1 and no invalid UTF-8. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "termsafe.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The length of the valid UTF-8 sequence at s that is no C1 control,
 * 1 for ASCII; aborts on anything else (what reaches a terminal). */
static size_t
safe_char(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned long cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		abort();
	if (len > n)
		abort();
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			abort();
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp <= 0x9f || (len == 3 && cp < 0x800) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		abort();
	return len;
}

/* The value of the lowercase hex digit c (term_text writes "%02x"). */
static int
hexval(unsigned char c)
{
	static const char digits[] = "0123456789abcdef";
	const char *p;

	if (c == '\0' || (p = strchr(digits, c)) == NULL)
		abort();
	return (int)(p - digits);
}

static void
check_text(const uint8_t *in, size_t size, const unsigned char *s, size_t n)
{
	size_t i, j = 0;

	for (i = 0; i < n; j++) {
		if (j >= size)
			abort();
		if (s[i] == '\\') {
			/* \\ or \xHH: the input's byte. */
			if (i + 1 < n && s[i + 1] == '\\') {
				if (in[j] != '\\')
					abort();
				i += 2;
			} else if (i + 3 < n && s[i + 1] == 'x') {
				if (in[j] != hexval(s[i + 2]) * 16 + hexval(s[i + 3]))
					abort();
				i += 4;
			} else
				abort();
		} else if (s[i] < 0x80) {
			if ((s[i] < 0x20 && s[i] != '\n' && s[i] != '\t') ||
			    s[i] == 0x7f || in[j] != s[i])
				abort();
			i++;
		} else {
			size_t len = safe_char(s + i, n - i);

			if (j + len > size || memcmp(in + j, s + i, len) != 0)
				abort();
			i += len;
			j += len - 1;
		}
	}
	if (j != size)
		abort();
}

static void
check_json(const unsigned char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; )
		if (s[i] < 0x80) {
			if (s[i] == 0x7f)
				abort();
			i++;	/* C0 is json-c's to escape */
		} else
			i += safe_char(s + i, n - i);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f;

	if ((f = open_memstream(&buf, &n)) == NULL)
		return 0;
	if (term_text(f, (const char *)data, size, NULL) != 0 || fclose(f) != 0)
		abort();
	check_text(data, size, (unsigned char *)buf, n);
	free(buf);
	buf = NULL;
	if ((f = open_memstream(&buf, &n)) == NULL)
		return 0;
	if (term_json(f, (const char *)data, size) != 0 || fclose(f) != 0)
		abort();
	check_json((unsigned char *)buf, n);
	free(buf);
	return 0;
}
