/* cidr.h: IPv4/IPv6 address ranges, allowlists and the client address
 * behind trusted proxies (X-Forwarded-For). */
#ifndef HOOKLINE_CIDR_H
#define HOOKLINE_CIDR_H

#include <stddef.h>
#include "err.h"

struct cidr {
	int		family;		/* AF_INET or AF_INET6 */
	unsigned char	addr[16];	/* network order, masked */
	unsigned	prefix;		/* bits */
};

struct cidrlist {
	struct cidr	*v;
	size_t		 n;
};

/* Appends the ranges in text (separated by spaces or commas; a bare
 * address is a /32 or /128) to l. Returns 0, or -1 with err naming the
 * bad entry; l is unchanged on failure. */
int	cidrlist_parse(struct cidrlist *l, const char *text, struct err *err);
void	cidrlist_free(struct cidrlist *l);
/* 1 when addr (textual) is in one of the ranges, 0 when not or when
 * addr does not parse. IPv4-mapped IPv6 addresses match IPv4 ranges. */
int	cidrlist_match(const struct cidrlist *l, const char *addr);

/* The sender's address: remote_addr, unless remote_addr is in trusted;
 * then the right-most address of xff (X-Forwarded-For, may be NULL)
 * that is not in trusted. Writes it to out (size outlen >= 46).
 * Returns 0, or -1 when an address needed does not parse. */
int	client_addr(const char *remote_addr, const char *xff,
	    const struct cidrlist *trusted, char *out, size_t outlen);

#endif
