/* forward.h: the outbound module, the only libcurl user: POST one body to
 * several URLs in parallel (forwarding), or to one (`hookline send`). */
#ifndef HOOKLINE_FORWARD_H
#define HOOKLINE_FORWARD_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#define FORWARD_TIMEOUT		15		/* seconds, connect and total */
#define FORWARD_ANSWER_MAX	(64 * 1024)	/* bytes of an answer kept */

/* What an answer means for the delivery. */
enum forward_class {
	FORWARD_OK,	/* 2xx */
	FORWARD_RETRY,	/* 408, 429, 5xx, or no answer: try again later */
	FORWARD_FAIL,	/* any other answer (4xx, 3xx: redirects are not
			 * followed): trying again will not help */
	FORWARD_GONE	/* 410: the target is gone for good */
};

/* "ok", "retry", "fail", "gone". */
const char	*forward_class_name(enum forward_class c);

/* A request header. Borrowed. */
struct forward_header {
	const char	*name;
	const char	*value;
};

/* One body and how to send it. Borrowed; the caller owns it. */
struct forward_msg {
	const unsigned char		*body;
	size_t				 body_len;
	const char			*content_type;	/* NULL: application/json */
	const char			*user_agent;	/* NULL: hookline/VERSION */
	const struct forward_header	*headers;	/* sent to every URL */
	size_t				 nheaders;
	long				 timeout;	/* seconds; <= 0: FORWARD_TIMEOUT */
	const char			*ca_file;	/* NULL: the system's CAs */
	size_t				 answer_max;	/* 0: FORWARD_ANSWER_MAX */
};

/* What one URL answered. Owned strings; forward_result_free(). */
struct forward_result {
	enum forward_class	 cls;
	long			 status;	/* HTTP status; 0: no answer */
	char			*status_line;	/* "HTTP/1.1 200 OK", or NULL */
	long			 retry_after;	/* seconds asked to wait; -1: none */
	bool			 timed_out;
	long			 duration_ms;
	char			*error;		/* why it is not OK, or NULL */
	char			*answer;	/* the body's first answer_max
						 * bytes, NUL-terminated, or NULL */
	size_t			 answer_len;
	bool			 answer_cut;	/* the body was longer */
};

void	forward_result_free(struct forward_result *r);

/* Holds libcurl's connections between calls, so that a drain run reuses
 * them. Initialises libcurl on first use in the process (never in a
 * process that sends nothing). Returns NULL with err on failure. */
struct forwarder *forwarder_new(struct err *err);
void	forwarder_free(struct forwarder *fw);

/*
 * POSTs msg to the n URLs at once (a slow one holds up none of the
 * others), each under msg->timeout for connecting and for the whole
 * exchange, TLS verified, redirects not followed, http and https only.
 * res[i] tells what urls[i] answered (the Retry-After of 429 and 503 as
 * delta-seconds or an HTTP-date, RFC 9110 10.2.3). Returns 0 when every
 * URL was tried (whatever they answered), -1 with err when the sending
 * itself failed (out of memory, libcurl); res is filled in both cases.
 */
int	forward_send(struct forwarder *fw, const char *const *urls, size_t n,
	    const struct forward_msg *msg, struct forward_result *res,
	    struct err *err);

/* forward_send() to one URL with a forwarder of its own, for `send`. */
int	forward_post(const char *url, const struct forward_msg *msg,
	    struct forward_result *res, struct err *err);

/* "libcurl 7.88.1" and its TLS library, for `hookline version`; libcurl's
 * own static text. */
const char *forward_lib_version(void);

#endif
