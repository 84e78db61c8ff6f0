/* verify_req.h: requests and endpoints for the signature tests
 * (test_verify*.c, test_sign.c): a vector's strings, headers over an
 * array, matched case-insensitively as the adapter does, and
 * verify_request() as 0 valid / -1 invalid. */
#ifndef HOOKLINE_VERIFY_REQ_H
#define HOOKLINE_VERIFY_REQ_H

#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "conf.h"
#include "verify.h"

/* The string at key of a vector (tests/vectors/), or NULL. */
UNIT_FN const char *
jstr(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    json_object_is_type(v, json_type_null))
		return NULL;
	return json_object_get_string(v);
}

/* Headers over an array, matched case-insensitively as the adapter does. */
struct hdrs {
	const char	*name[24];
	const char	*value[24];
	size_t		 n;
};

UNIT_FN const char *
hdrs_get(const void *ctx, const char *name)
{
	const struct hdrs *h = ctx;
	size_t i;

	for (i = 0; i < h->n; i++)
		if (strcasecmp(h->name[i], name) == 0)
			return h->value[i];
	return NULL;
}

UNIT_FN void
hdrs_add(struct hdrs *h, const char *name, const char *value)
{
	assert_true(h->n < 24);
	h->name[h->n] = name;
	h->value[h->n++] = value;
}

/* A request under test: headers, body, the rest of verify_input. */
struct req {
	struct hdrs		 h;
	struct headers		 headers;
	struct verify_input	 in;
};

UNIT_FN void
req_init(struct req *r, const char *body, time_t now)
{
	memset(r, 0, sizeof(*r));
	r->headers.get = hdrs_get;
	r->headers.ctx = &r->h;
	r->in.headers = &r->headers;
	r->in.body = (const unsigned char *)body;
	r->in.body_len = body ? strlen(body) : 0;
	r->in.now = now;
}

UNIT_FN void
ep_init(struct endpoint *ep, enum provider p)
{
	memset(ep, 0, sizeof(*ep));
	ep->provider = p;
	ep->tolerance = -1;
}

UNIT_FN void
ep_secret(struct endpoint *ep, const char *s)
{
	assert_int_equal(strlist_add(&ep->secrets, s), 0);
}

UNIT_FN void
ep_clear(struct endpoint *ep)
{
	strlist_clear(&ep->secrets);
}

/* verify_request() as 0 valid / -1 invalid; checks err is filled on
 * failure and holds no secret. */
UNIT_FN int
check(const struct endpoint *ep, struct req *r)
{
	struct err err;
	size_t i;
	int rc;

	memset(&err, 0, sizeof(err));
	rc = verify_request(ep, &r->in, &err);
	if (rc == -1) {
		assert_true(err.msg[0] != '\0');
		for (i = 0; i < ep->secrets.n; i++)
			if (strlen(ep->secrets.v[i]) >= 4)
				assert_null(strstr(err.msg, ep->secrets.v[i]));
	}
	return rc;
}

#endif
