/* form.c: application/x-www-form-urlencoded bodies (and query strings),
 * decoded into owned fields. */
#include <stdlib.h>
#include <string.h>

#include "form.h"

/* FORM_MAX_FIELDS (form.h): a 10 MB body of "a&a&a..." must not become
 * millions of allocations. Twilio, Gitea's payload= and Slack commands
 * send a few dozen fields at most. */

/* The value of hex digit c, or -1. */
static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decodes len bytes of s into out (room for len bytes): '+' is a space
 * (WHATWG URL "application/x-www-form-urlencoded parsing"), %XX a byte.
 * Returns the decoded length, or -1 for a '%' not followed by two hex
 * digits.
 */
static long
decode(const char *s, size_t len, char *out)
{
	size_t i, o = 0;
	int hi, lo;

	for (i = 0; i < len; i++) {
		if (s[i] == '+')
			out[o++] = ' ';
		else if (s[i] != '%')
			out[o++] = s[i];
		else {
			if (len - i < 3 ||
			    (hi = hexval((unsigned char)s[i + 1])) < 0 ||
			    (lo = hexval((unsigned char)s[i + 2])) < 0)
				return -1;
			out[o++] = (char)(hi << 4 | lo);
			i += 2;
		}
	}
	return (long)o;
}

/*
 * Decodes one "name=value" (or bare "name") segment into f: the name
 * and value share one allocation, name first, both NUL-terminated.
 * Returns 0, or -1 with err.
 */
static int
field_decode(const char *seg, size_t len, struct form_field *f,
    struct err *err)
{
	const char *eq;
	size_t nlen, vlen;
	long dn, dv;
	char *buf;

	eq = memchr(seg, '=', len);
	nlen = eq ? (size_t)(eq - seg) : len;
	vlen = eq ? len - nlen - 1 : 0;
	/* nlen + vlen < len, and len came from a buffer: no overflow. */
	if ((buf = malloc(nlen + vlen + 2)) == NULL) {
		err_set(err, "form: out of memory");
		return -1;
	}
	if ((dn = decode(seg, nlen, buf)) < 0 ||
	    (dv = decode(eq ? eq + 1 : "", vlen, buf + dn + 1)) < 0) {
		err_set(err, "form: bad %%-escape");
		goto fail;
	}
	/* The name is a C string for the callers: a %00 in it would cut
	 * it short and make two different names look alike. */
	if (memchr(buf, '\0', (size_t)dn) != NULL) {
		err_set(err, "form: NUL byte in a field name");
		goto fail;
	}
	buf[dn] = '\0';
	buf[dn + 1 + dv] = '\0';
	f->name = buf;
	f->value = buf + dn + 1;
	f->value_len = (size_t)dv;
	return 0;
fail:
	free(buf);
	return -1;
}

int
form_parse(const char *body, size_t len, struct form *out, struct err *err)
{
	struct form f = { NULL, 0 };
	struct form_field *v;
	size_t cap = 0, pos = 0, seglen;
	const char *amp;

	while (pos < len) {
		amp = memchr(body + pos, '&', len - pos);
		seglen = amp ? (size_t)(amp - (body + pos)) : len - pos;
		if (seglen == 0) {	/* "a=1&&b=2": nothing between */
			pos++;
			continue;
		}
		if (f.n == FORM_MAX_FIELDS) {
			err_set(err, "form: more than %d fields",
			    FORM_MAX_FIELDS);
			goto fail;
		}
		if (f.n == cap) {
			cap = cap ? cap * 2 : 8;
			if ((v = reallocarray(f.v, cap, sizeof(*v))) == NULL) {
				err_set(err, "form: out of memory");
				goto fail;
			}
			f.v = v;
		}
		if (field_decode(body + pos, seglen, &f.v[f.n], err) == -1)
			goto fail;
		f.n++;
		pos += seglen + 1;
	}
	*out = f;
	return 0;
fail:
	form_free(&f);
	return -1;
}

void
form_free(struct form *f)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < f->n; i++)
		free(f->v[i].name);	/* the value shares this allocation */
	free(f->v);
	f->v = NULL;
	f->n = 0;
}

const struct form_field *
form_get(const struct form *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->v[i].name, name) == 0)
			return &f->v[i];
	return NULL;
}
