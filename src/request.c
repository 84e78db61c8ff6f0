/* request.c: a request from the adapter's params and body: method,
 * endpoint, length, content type, headers. */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "request.h"

/* Header "X-Hub-Signature-256" is CGI variable HTTP_X_HUB_SIGNATURE_256
 * (RFC 3875 4.1.18); Content-Type and -Length have their own. */
static const char *
request_header_get(const void *ctx, const char *name)
{
	const struct request *r = ctx;
	char var[128] = "HTTP_";
	size_t i, n = strlen(name);

	if (strcasecmp(name, "Content-Type") == 0)
		return r->content_type;
	if (strcasecmp(name, "Content-Length") == 0)
		return r->io->param(r->io->ctx, "CONTENT_LENGTH");
	/* Names come from our own code; a longer one is simply absent. */
	if (n + 5 >= sizeof(var))
		return NULL;
	for (i = 0; i < n; i++)
		var[5 + i] = name[i] == '-' ? '_' :
		    (char)toupper((unsigned char)name[i]);
	var[5 + n] = '\0';
	return r->io->param(r->io->ctx, var);
}

int
request_init(struct request *r, struct io *io)
{
	const char *path;

	memset(r, 0, sizeof(*r));
	r->io = io;
	r->method = io->param(io->ctx, "REQUEST_METHOD");
	r->content_type = io->param(io->ctx, "CONTENT_TYPE");
	r->remote_addr = io->param(io->ctx, "REMOTE_ADDR");
	r->headers.get = request_header_get;
	r->headers.ctx = r;
	path = io->param(io->ctx, "PATH_INFO");
	r->endpoint = request_endpoint_name(path ? path : "");
	if (r->endpoint == NULL && errno == ENOMEM)
		return -1;
	return 0;
}

void
request_free(struct request *r)
{
	free(r->endpoint);
	free(r->body);
	memset(r, 0, sizeof(*r));
}

char *
request_endpoint_name(const char *path)
{
	size_t n;

	while (*path == '/')
		path++;
	n = strspn(path, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789_-");
	/* One segment, optionally one trailing slash; nothing else. */
	if (path[n] != '\0' && !(path[n] == '/' && path[n + 1] == '\0')) {
		errno = EINVAL;
		return NULL;
	}
	if (n > 64) {
		errno = EINVAL;
		return NULL;
	}
	return strndup(path, n);
}

int
request_parse_length(const char *s, size_t max, size_t *out)
{
	size_t n = 0;

	if (s == NULL || *s == '\0')
		return 411;
	/* RFC 3875 4.1.2: CONTENT_LENGTH = 1*digit; no sign, no space. */
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return 400;
		if (n > (SIZE_MAX - 9) / 10)
			return 413;
		n = n * 10 + (size_t)(*s - '0');
		if (n > max)
			return 413;
	}
	*out = n;
	return 0;
}

int
request_read_body(struct request *r)
{
	size_t got = 0;
	ssize_t n;

	if ((r->body = malloc(r->content_length + 1)) == NULL)
		return 500;
	while (got < r->content_length) {
		n = r->io->read(r->io->ctx, r->body + got,
		    r->content_length - got);
		if (n < 0 && errno == ETIMEDOUT)
			return 408;	/* body_timeout passed first */
		if (n <= 0)
			return 400;	/* the body ended before its length */
		got += (size_t)n;
		r->body_len = got;	/* so far, for the log */
	}
	r->body[got] = '\0';
	r->body_len = got;
	return 0;
}

char *
content_type_media(const char *ct)
{
	size_t n, i;
	char *m;

	if (ct == NULL)
		return NULL;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	n = strcspn(ct, "; \t");
	if ((m = strndup(ct, n)) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		/* RFC 7231 3.1.1.1 token characters and '/' only. */
		if (!isalnum((unsigned char)m[i]) &&
		    strchr("/!#$&^_.+-", m[i]) == NULL) {
			free(m);
			return NULL;
		}
		m[i] = (char)tolower((unsigned char)m[i]);
	}
	return m;
}

int
content_type_is_json(const char *ct)
{
	char *m = content_type_media(ct);
	size_t n;
	int ok = 0;

	if (m == NULL)
		return 0;
	n = strlen(m);
	if (strcmp(m, "application/json") == 0)
		ok = 1;
	/* RFC 6839 structured syntax suffix: application/<x>+json. */
	else if (strncmp(m, "application/", 12) == 0 && n > 17 &&
	    strcmp(m + n - 5, "+json") == 0 && strchr(m + 12, '/') == NULL)
		ok = 1;
	free(m);
	return ok;
}

int
content_type_is_form(const char *ct)
{
	char *m = content_type_media(ct);
	int ok;

	ok = m != NULL && strcmp(m, "application/x-www-form-urlencoded") == 0;
	free(m);
	return ok;
}
