/* headers.h: how modules read a request's HTTP headers without knowing
 * whether they came from FastCGI params, CGI's environment or a test. */
#ifndef HOOKLINE_HEADERS_H
#define HOOKLINE_HEADERS_H

struct headers {
	/* Returns the value of header `name` (as senders spell it, e.g.
	 * "X-Hub-Signature-256"; matched case-insensitively), or NULL. */
	const char	*(*get)(const void *ctx, const char *name);
	const void	*ctx;
};

static inline const char *
header_get(const struct headers *h, const char *name)
{
	return h->get(h->ctx, name);
}

#endif
