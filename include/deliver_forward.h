/* deliver_forward.h: a delivery's forwards, for the drainer: each
 * `forward` URL of its endpoint is a consumer like a hook, recorded in
 * the outcome as "forward:<url>", so that retries, dead letters, list,
 * show and replay treat it as they treat a hook. */
#ifndef HOOKLINE_DELIVER_FORWARD_H
#define HOOKLINE_DELIVER_FORWARD_H

#include <stdbool.h>

#include "conf.h"
#include "deliver.h"
#include "err.h"
#include "forward.h"
#include "strlist.h"

#define FORWARD_PREFIX		"forward:"
#define FORWARD_RETRY_AFTER_MAX	86400	/* seconds; a longer wish is cut */

/* What the forwards of one attempt ask of the spool. */
struct forward_verdict {
	bool	permanent;	/* a target said no for good (4xx other than
				 * 408 and 429, 410, 3xx): do not retry */
	long	retry_after;	/* the longest Retry-After of the targets to
				 * retry, at most FORWARD_RETRY_AFTER_MAX;
				 * -1: none asked */
};

/* The outcome name of url: FORWARD_PREFIX and the URL without its
 * user:password@, so no credential reaches a log. Caller frees; NULL
 * when out of memory. */
char	*forward_name(const char *url);

/*
 * POSTs d to every URL of ep->forward whose name is not in done (may be
 * NULL), all at once, and appends one entry per URL to out, named by
 * forward_name(): exited, with exit 0 for a 2xx, else the HTTP status
 * (-1 when no answer came; timed_out when none came in time), the
 * answer's first bytes as its stdout, and in why the reason it failed. Each request carries the body
 * and content type as received, User-Agent hookline/VERSION, and the
 * Standard Webhooks headers webhook-id (the delivery id), webhook-
 * timestamp and, when ep->forward_secret is set, webhook-signature.
 * *fw is the drain run's forwarder: created here on first need (so a
 * process that forwards nothing never starts libcurl), kept by the
 * caller for the next delivery (connections are reused) and freed with
 * forwarder_free(). Timeouts: ep's forward_timeout, else conf's, else
 * FORWARD_TIMEOUT; CAs: ep's ca_file, else conf's, else the system's.
 * Returns 0 when every URL it sent to answered 2xx (also when there was
 * none), 1 when one did not (v says whether to retry and when), -1 when
 * nothing could be sent (err: out of memory, libcurl, a forward_secret
 * that cannot sign); v is filled in every case.
 */
int	forward_delivery(struct forwarder **fw, const struct conf *conf,
	    const struct endpoint *ep, const struct delivery *d,
	    const struct strlist *done, struct outcome *out,
	    struct forward_verdict *v, struct err *err);

#endif
