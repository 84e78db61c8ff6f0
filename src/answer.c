/* answer.c: the JSON answers and their status lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"

/* The contract's answer table: status, reason phrase, error code of a
 * failed check with that status (where one status has one code). */
static const struct {
	int		 http;
	const char	*reason;
	const char	*code;
} statuses[] = {
	{ 200, "OK", NULL },
	{ 202, "Accepted", NULL },
	{ 204, "No Content", NULL },
	{ 400, "Bad Request", "invalid_json" },
	{ 401, "Unauthorized", "invalid_signature" },
	{ 403, "Forbidden", "forbidden" },
	{ 404, "Not Found", "unknown_endpoint" },
	{ 405, "Method Not Allowed", "method_not_allowed" },
	{ 408, "Request Timeout", "request_timeout" },
	{ 411, "Length Required", "length_required" },
	{ 413, "Payload Too Large", "payload_too_large" },
	{ 415, "Unsupported Media Type", "unsupported_media_type" },
	{ 429, "Too Many Requests", "busy" },
	{ 500, "Internal Server Error", "internal_error" },
	{ 503, "Service Unavailable", "unavailable" },
	{ 504, "Gateway Timeout", "hook_timeout" },
};

static int
status_index(int http)
{
	size_t i;

	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		if (statuses[i].http == http)
			return (int)i;
	return -1;
}

const char *
answer_reason(int http)
{
	int i = status_index(http);

	return i < 0 ? "Unknown" : statuses[i].reason;
}

const char *
answer_code(int http)
{
	int i = status_index(http);

	return i < 0 ? NULL : statuses[i].code;
}

int
answer_init(struct answer *a, int http, const char *word)
{
	answer_free(a);
	a->status = http;
	if ((a->body = json_new_object()) == NULL ||
	    json_set_str(a->body, "status", word) != 0)
		return -1;
	return 0;
}

int
answer_error(struct answer *a, int http, const char *code)
{
	if (answer_init(a, http, "error") != 0 ||
	    json_set_str(a->body, "error", code) != 0)
		return -1;
	return 0;
}

void
answer_free(struct answer *a)
{
	json_free(a->body);
	a->body = NULL;
}

int
answer_write(const struct answer *a, struct io *io)
{
	char head[256], *out;
	const char *text = NULL;
	size_t len = 0, total;
	int n, rc;

	if (a->body != NULL && (text = json_text(a->body, &len)) == NULL)
		return -1;
	n = snprintf(head, sizeof(head), "Status: %d %s\r\n"
	    "Content-Type: application/json\r\n"
	    "Cache-Control: no-store\r\n%s", a->status,
	    answer_reason(a->status), a->status == 405 ? "Allow: POST\r\n" : "");
	if (n < 0 || (size_t)n >= sizeof(head))
		return -1;
	if (a->retry_after > 0) {
		int m = snprintf(head + n, sizeof(head) - (size_t)n,
		    "Retry-After: %u\r\n", a->retry_after);
		if (m < 0 || (size_t)m >= sizeof(head) - (size_t)n)
			return -1;
		n += m;
	}
	/* One write: for CGI, one system call instead of four. */
	if ((out = malloc((size_t)n + 2 + len + 1)) == NULL)
		return -1;
	memcpy(out, head, (size_t)n);
	memcpy(out + n, "\r\n", 2);
	total = (size_t)n + 2;
	if (text != NULL) {
		memcpy(out + total, text, len);
		out[total + len] = '\n';
		total += len + 1;
	}
	rc = io->write(io->ctx, out, total);
	free(out);
	return rc != 0 ? -1 : 0;
}
