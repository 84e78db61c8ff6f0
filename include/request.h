/* request.h: one HTTP request as the FastCGI/CGI adapter hands it over. */
#ifndef HOOKLINE_REQUEST_H
#define HOOKLINE_REQUEST_H

#include <stddef.h>
#include <sys/types.h>

#include "headers.h"

/* What the adapter provides; everything after it is shared. */
struct io {
	void		*ctx;
	/* A CGI meta-variable (RFC 3875 4.1), e.g. "CONTENT_LENGTH". */
	const char	*(*param)(void *ctx, const char *name);
	/* Reads body bytes: >0 bytes, 0 at end, -1 on error (errno
	 * ETIMEDOUT: the body's deadline, body_timeout, has passed). */
	ssize_t		 (*read)(void *ctx, void *buf, size_t len);
	/* Writes answer bytes. Returns 0, or -1 on error. */
	int		 (*write)(void *ctx, const void *buf, size_t len);
};

struct request {
	struct io	*io;
	const char	*method;	/* borrowed from io params */
	const char	*content_type;
	const char	*remote_addr;
	char		*endpoint;	/* PATH_INFO without slashes, owned */
	size_t		 content_length;
	unsigned char	*body;		/* owned, NUL-terminated for parsers */
	size_t		 body_len;
	struct headers	 headers;	/* reads HTTP_* params */
};

/* Fills r from io's params (no body yet). Returns 0, or -1 when out of
 * memory. */
int	request_init(struct request *r, struct io *io);
void	request_free(struct request *r);

/* RFC 3875 4.1.2: CONTENT_LENGTH = 1*digit. Returns 0 and *out, 411
 * when s is NULL or empty, 400 when it is not a plain decimal number,
 * 413 when it is over max. */
int	request_parse_length(const char *s, size_t max, size_t *out);

/* Reads exactly r->content_length bytes. Returns 0, or 400 when the
 * body ends early, 408 when the adapter's deadline passed first, 500
 * when out of memory. */
int	request_read_body(struct request *r);

/* The endpoint name from PATH_INFO: "" for empty or "/", "github" for
 * "/github" or "/github/". Returns NULL for anything with more path
 * segments or bytes outside [A-Za-z0-9_-]. Caller frees. */
char	*request_endpoint_name(const char *path_info);

/* Media type check for JSON: application/json or application/<x>+json,
 * parameters ignored, case-insensitive. 1 yes, 0 no. */
int	content_type_is_json(const char *ct);
/* The media type of ct lower-cased without parameters ("application/json"),
 * or NULL when ct is NULL or holds bytes outside RFC 7231 tokens and '/'.
 * Caller frees. */
char	*content_type_media(const char *ct);
/* 1 for application/x-www-form-urlencoded, else 0. */
int	content_type_is_form(const char *ct);

#endif
