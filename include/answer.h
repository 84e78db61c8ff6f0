/* answer.h: the JSON answers and their status lines. */
#ifndef HOOKLINE_ANSWER_H
#define HOOKLINE_ANSWER_H

#include "json.h"
#include "request.h"

struct answer {
	int		 status;	/* HTTP status */
	struct jval	*body;		/* owned JSON object */
	unsigned	 retry_after;	/* seconds; 0: no header */
};

/* Starts an answer {"status": word}. Returns 0 or -1 (out of memory). */
int	answer_init(struct answer *a, int http, const char *word);
/* Replaces it with {"status":"error","error":code}. */
int	answer_error(struct answer *a, int http, const char *code);
void	answer_free(struct answer *a);

/* The reason phrase for an HTTP status ("Not Found"). */
const char *answer_reason(int http);
/* The error code the contract gives an HTTP status of a failed check
 * (413 -> "payload_too_large"), or NULL. */
const char *answer_code(int http);

/* Writes Status, Content-Type, Allow / Retry-After as needed, a blank
 * line and the JSON. Returns 0 or -1. */
int	answer_write(const struct answer *a, struct io *io);

#endif
