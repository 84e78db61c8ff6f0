/* fake_io.h: a request as the FastCGI/CGI adapter would hand it to
 * handle_request: CGI variables, a body, and the answer written, for
 * the unit tests that run requests the real way in (test_monitor,
 * test_handle). Include after unit.h. */
#ifndef HOOKLINE_TEST_FAKE_IO_H
#define HOOKLINE_TEST_FAKE_IO_H

#include <stdlib.h>
#include <string.h>

#include "request.h"

struct fake {
	const char	*vars[16][2];
	const char	*body;		/* NULL: none */
	size_t		 off;		/* of body, read so far */
	char		*out;
	size_t		 len;
};

static const char *
fake_param(void *ctx, const char *name)
{
	struct fake *f = ctx;

	for (size_t i = 0; i < 16 && f->vars[i][0] != NULL; i++)
		if (strcmp(f->vars[i][0], name) == 0)
			return f->vars[i][1];
	return NULL;
}

static ssize_t
fake_read(void *ctx, void *buf, size_t len)
{
	struct fake *f = ctx;
	size_t left = f->body != NULL ? strlen(f->body) - f->off : 0;

	if (len > left)
		len = left;
	if (len > 0)
		memcpy(buf, f->body + f->off, len);
	f->off += len;
	return (ssize_t)len;
}

static int
fake_write(void *ctx, const void *p, size_t n)
{
	struct fake *f = ctx;

	f->out = realloc(f->out, f->len + n + 1);
	assert_non_null(f->out);
	memcpy(f->out + f->len, p, n);
	f->len += n;
	f->out[f->len] = '\0';
	return 0;
}

/* Sets (or replaces) the CGI variable name. */
static void
set(struct fake *f, const char *name, const char *value)
{
	size_t i;

	for (i = 0; f->vars[i][0] != NULL; i++)
		if (strcmp(f->vars[i][0], name) == 0)
			break;
	assert_true(i < 15);
	f->vars[i][0] = name;
	f->vars[i][1] = value;
}

static struct io
fake_io(struct fake *f)
{
	return (struct io){ f, fake_param, fake_read, fake_write };
}

#endif
