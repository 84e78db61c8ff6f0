/* fuzz_common.h: what the signature fuzz targets share: headers over a
 * small array and the input cut into NUL-terminated header values. */
#ifndef HOOKLINE_FUZZ_COMMON_H
#define HOOKLINE_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "headers.h"
#include "verify.h"

#define FUZZ_MAXH	24

struct fuzz_hdrs {
	const char	*name[FUZZ_MAXH];
	const char	*value[FUZZ_MAXH];
	size_t		 n;
};

static inline const char *
fuzz_get(const void *ctx, const char *name)
{
	const struct fuzz_hdrs *h = ctx;
	size_t i;

	for (i = 0; i < h->n; i++)
		if (strcasecmp(h->name[i], name) == 0)
			return h->value[i];
	return NULL;
}

static inline void
fuzz_add(struct fuzz_hdrs *h, const char *name, const char *value)
{
	if (h->n < FUZZ_MAXH) {
		h->name[h->n] = name;
		h->value[h->n++] = value;
	}
}

/* A NUL-terminated copy of the input (NULs inside cut it short, as a
 * header value would be). NULL when out of memory. */
static inline char *
fuzz_str(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s != NULL) {
		if (size > 0)
			memcpy(s, data, size);
		s[size] = '\0';
	}
	return s;
}

/* Splits s in place at each '\n' into at most max pieces. Returns the
 * count. */
static inline size_t
fuzz_split(char *s, char **out, size_t max)
{
	size_t n = 0;
	char *nl;

	while (n < max) {
		out[n++] = s;
		if ((nl = strchr(s, '\n')) == NULL)
			break;
		*nl = '\0';
		s = nl + 1;
	}
	return n;
}

/* Runs verify_request once; the result does not matter, only that it
 * neither crashes nor leaks, and that err holds text. */
static inline void
fuzz_verify(const struct endpoint *ep, const struct fuzz_hdrs *h,
    const char *body, const char *content_type, const char *qs, time_t now)
{
	struct headers hs = { fuzz_get, h };
	struct verify_input in;
	struct err err;

	memset(&in, 0, sizeof(in));
	in.headers = &hs;
	in.body = (const unsigned char *)body;
	in.body_len = strlen(body);
	in.content_type = content_type;
	in.query_string = qs;
	in.now = now;
	err.msg[0] = '\0';
	if (verify_request(ep, &in, &err) == -1 && err.msg[0] == '\0')
		abort();
}

#endif
