/* payload.h: what a delivery says: its event name and delivery id, from
 * the body and headers as each provider puts them. */
#ifndef HOOKLINE_PAYLOAD_H
#define HOOKLINE_PAYLOAD_H

#include "conf.h"
#include "err.h"
#include "headers.h"
#include "json.h"

struct payload {
	struct jval	*root;		/* parsed body, owned; NULL if none */
	char		*event;		/* owned; NULL if none found */
	char		*delivery;	/* owned; NULL if the sender gave none */
	const char	*field;		/* missing_field: which one */
	char		*challenge;	/* slack url_verification, owned */
	int		 discord_ping;	/* 1: answer {"type":1} */
};

/* Content type, JSON, required fields, event and delivery id, in the
 * contract's order. Returns 0 or the HTTP status of the first failure
 * (415, 400) with err's message and, for missing_field, p->field. The
 * event name is NOT validated here. */
int	payload_parse(const struct endpoint *ep, const struct headers *h,
	    const char *content_type, const unsigned char *body, size_t len,
	    struct payload *p, struct err *err);
void	payload_free(struct payload *p);

/* A sender's delivery id is used in file names and logs: 1..128 bytes
 * of printable ASCII without space. 1 valid, 0 not. */
int	delivery_id_valid(const char *id);
/* A new id, unique and time-sortable (UUIDv7 text). Returns 0 or -1. */
int	delivery_id_new(char *out, size_t outlen);

#endif
