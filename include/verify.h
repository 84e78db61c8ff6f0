/* verify.h: who sent it. Signature schemes of every supported sender,
 * checked over the raw body before anything else reads it. The only
 * user of OpenSSL. */
#ifndef HOOKLINE_VERIFY_H
#define HOOKLINE_VERIFY_H

#include <stddef.h>
#include <time.h>

#include "conf.h"
#include "err.h"
#include "headers.h"

/* What verify_request needs besides the endpoint. */
struct verify_input {
	const struct headers	*headers;
	const unsigned char	*body;
	size_t			 body_len;
	const char		*content_type;	/* for gitea/twilio forms */
	const char		*query_string;	/* QUERY_STRING, may be NULL */
	time_t			 now;
};

/* 1 when the endpoint has a secret, token or key, so deliveries must be
 * signed; 0 when it accepts unsigned deliveries. */
int	verify_required(const struct endpoint *ep);

/* Checks in that endpoint's scheme. Returns 0 when the delivery is
 * authentic (or verify_required() is 0), -1 when the signature is
 * missing, malformed, wrong, or its timestamp is outside tolerance; err
 * says which, never with secret material. */
int	verify_request(const struct endpoint *ep, const struct verify_input *in,
	    struct err *err);

/* Constant-time equality of two byte strings (lengths compared first). */
int	verify_equal(const void *a, size_t alen, const void *b, size_t blen);

/* OpenSSL's version as the loaded library reports it, for `hookline
 * version` (verify_version.c). A constant string. */
const char	*verify_lib_version(void);

#endif
