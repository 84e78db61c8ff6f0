/* termsafe.c: a stranger's bytes made harmless for an operator's
 * terminal: no control character, C0 or C1, and no invalid UTF-8 reaches
 * it raw (ECMA-48: ESC, and CSI 0x9b or U+009B, start commands). */
#include <stdbool.h>

#include "termsafe.h"

/*
 * The length of the well-formed UTF-8 sequence at s (RFC 3629 section 4:
 * no overlong form, no surrogate, nothing past U+10FFFF), 1 for ASCII,
 * or 0 when s[0] starts none.
 */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		if (s[0] == 0xe0)
			lo = 0xa0;
		else if (s[0] == 0xed)
			hi = 0x9f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		if (s[0] == 0xf0)
			lo = 0x90;
		else if (s[0] == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (len > n || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

/* 1 for a C1 control as UTF-8 (U+0080-U+009F: 0xc2 0x80-0x9f). */
static bool
is_c1(const unsigned char *s, size_t len)
{
	return len == 2 && s[0] == 0xc2 && s[1] <= 0x9f;
}

/* Writes s[0..len) as \xHH escapes. */
static int
put_hex(FILE *f, const unsigned char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (fprintf(f, "\\x%02x", s[i]) < 0)
			return -1;
	return 0;
}

int
term_text(FILE *f, const char *text, size_t len, const char *indent)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i, n;
	bool bol = true;

	for (i = 0; i < len; i += n) {
		if (bol && indent != NULL && fputs(indent, f) == EOF)
			return -1;
		bol = s[i] == '\n';
		if ((n = utf8_len(s + i, len - i)) == 0) {
			n = 1;		/* one byte of invalid UTF-8 */
			if (put_hex(f, s + i, 1) != 0)
				return -1;
		} else if (s[i] == '\\') {
			if (fputs("\\\\", f) == EOF)
				return -1;
		} else if ((n == 1 && s[i] != '\n' && s[i] != '\t' &&
		    (s[i] < 0x20 || s[i] == 0x7f)) || is_c1(s + i, n)) {
			if (put_hex(f, s + i, n) != 0)
				return -1;
		} else if (fwrite(s + i, 1, n, f) != n)
			return -1;
	}
	if (indent != NULL && len > 0 && !bol && putc('\n', f) == EOF)
		return -1;
	return 0;
}

int
term_json(FILE *f, const char *json, size_t len)
{
	const unsigned char *s = (const unsigned char *)json;
	size_t i, n;
	int r;

	for (i = 0; i < len; i += n) {
		if ((n = utf8_len(s + i, len - i)) == 0) {
			n = 1;
			r = fputs("\\ufffd", f) == EOF ? -1 : 0;
		} else if (n == 1 && s[i] == 0x7f)
			r = fputs("\\u007f", f) == EOF ? -1 : 0;
		else if (is_c1(s + i, n))
			r = fprintf(f, "\\u%04x", s[i + 1]) < 0 ? -1 : 0;
		else
			r = fwrite(s + i, 1, n, f) == n ? 0 : -1;
		if (r != 0)
			return -1;
	}
	return 0;
}
