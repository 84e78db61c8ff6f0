/* sign.h: the sending half of the signature module: the headers each
 * provider's sender puts on a body, for `hookline send` and forwarding. */
#ifndef HOOKLINE_SIGN_H
#define HOOKLINE_SIGN_H

#include <stddef.h>
#include <time.h>

#include "conf.h"
#include "err.h"

/* One header; both strings owned. */
struct sign_header {
	char	*name;
	char	*value;
};

/* A growable list of headers. */
struct sign_headers {
	struct sign_header	*v;
	size_t			 n;
};

/* What to sign. Borrowed; the caller owns it. */
struct sign_input {
	enum provider		 provider;
	const char		*secret;	/* NULL: nothing to sign */
	const char		*id;		/* webhook-id (standard, generic) */
	int			 svix;		/* standard, generic: Svix's
						 * svix-* header names */
	time_t			 timestamp;	/* stripe, slack, standard, paddle */
	const unsigned char	*body;
	size_t			 body_len;
};

/* 1 when sign_headers() knows how p's sender signs, else 0. */
int	sign_supported(enum provider p);

/*
 * Appends to out the headers that carry in's signature, exactly as p's
 * sender sends them (github: X-Hub-Signature-256 and the legacy
 * X-Hub-Signature; gitlab: X-Gitlab-Token; gitea: X-Gitea-Signature and
 * its aliases; stripe: Stripe-Signature; slack: X-Slack-Request-Timestamp
 * and X-Slack-Signature; standard and generic: webhook-id,
 * webhook-timestamp, webhook-signature (svix-id, svix-timestamp,
 * svix-signature with in->svix); shopify: X-Shopify-Hmac-Sha256;
 * bitbucket: X-Hub-Signature; paddle: Paddle-Signature). Appends nothing
 * when in->secret is NULL. Returns 0, or -1 with err (a provider it
 * cannot sign for, a secret that does not fit the scheme, an id a
 * Standard Webhooks header cannot carry); out is unchanged on failure.
 * err never holds secret material.
 */
int	sign_headers(const struct sign_input *in, struct sign_headers *out,
	    struct err *err);

/* Checks that secret can sign for p (Standard Webhooks: whsec_ and
 * base64 of at least one byte; gitlab: no control characters; all: not
 * empty). Returns 0, or -1 with err. For the config's forward_secret. */
int	sign_secret_check(enum provider p, const char *secret,
	    struct err *err);

/* Appends a copy of name: value. Returns 0, or -1 when out of memory. */
int	sign_headers_add(struct sign_headers *h, const char *name,
	    const char *value);
/* The value of the first header called name (case-insensitive), or NULL. */
const char *sign_headers_get(const struct sign_headers *h, const char *name);
/* Frees every header (values wiped: gitlab's carries the secret); the
 * list is empty afterwards. */
void	sign_headers_free(struct sign_headers *h);

#endif
