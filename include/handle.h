/* handle.h: one request's way through hookline: the contract's checks in
 * order, then the hooks (or the spool), the answer and the log line. */
#ifndef HOOKLINE_HANDLE_H
#define HOOKLINE_HANDLE_H

#include <stddef.h>

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

/* A request whose async delivery waits to be stored (handle_begin). */
struct held;

/* The requests a FastCGI process holds (fcgi.c owns it): up to max in
 * held[]. flush(arg) stores and answers them (handle_store_held) and
 * ends their requests, then sets n to 0. */
struct batch {
	struct held	**held;
	size_t		  n;
	size_t		  max;
	void		(*flush)(void *arg);
	void		 *arg;
};

/*
 * handle_request in two halves, for a FastCGI process that stores the
 * async deliveries of requests that arrived together in one
 * transaction (fcgi.c). As handle_request, except that an async
 * delivery with `database` set is not stored yet while batch has room:
 * the request is added to batch, nothing is answered, and 0 is
 * returned. A request that will run hooks (sync) flushes the batch
 * first, so that no 202 waits for a hook. Else the answer is made and
 * its status returned. batch NULL: never held (handle_request).
 */
int	handle_begin(const struct conf *conf, struct io *io,
	    struct resident *rs, struct kicker *kick, struct batch *batch);

/* Stores the n held requests' deliveries together (db_accept_many:
 * one COMMIT), then answers each on its own io (202 only after that
 * COMMIT returned, as handle_request would), writes its log line
 * ("batch": n when n > 1) and frees it. All were held under the same
 * configuration. */
void	handle_store_held(struct held **held, size_t n);

#endif
