/* handle.h: one request's way through hookline: the contract's checks in
 * order, then the hooks (or the spool), the answer and the log line. */
#ifndef HOOKLINE_HANDLE_H
#define HOOKLINE_HANDLE_H

#include "conf.h"
#include "drain.h"
#include "request.h"
#include "resident.h"

/* Answers the request on io. Never exits; returns the HTTP status.
 * rs: the process's resident workers (NULL: resident hooks run
 * one-shot, as under CGI). kick: what the process keeps for starting
 * drainers (NULL: nothing kept, as under CGI). */
int	handle_request(const struct conf *conf, struct io *io,
	    struct resident *rs, struct kicker *kick);

#endif
