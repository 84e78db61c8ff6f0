/* fuzz_cidr.c: range lists into cidrlist_parse(), addresses into match. */
#include <sys/socket.h>
#include <arpa/inet.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cidr.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts unless c is a valid, masked range that holds its own network. */
static void
check_range(const struct cidrlist *l, const struct cidr *c)
{
	char text[INET6_ADDRSTRLEN];
	unsigned bits = c->family == AF_INET ? 32 : 128, i;

	if ((c->family != AF_INET && c->family != AF_INET6) ||
	    c->prefix > bits)
		abort();
	for (i = c->prefix; i < bits; i++)
		if (c->addr[i / 8] & (0x80 >> (i % 8)))
			abort();
	if (inet_ntop(c->family, c->addr, text, sizeof(text)) == NULL ||
	    cidrlist_match(l, text) != 1)
		abort();
}

/*
 * The input is a range list, optionally followed by a NUL and addresses,
 * one a line, to match against the ranges the fuzzer managed to build.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cidrlist l = { NULL, 0 };
	struct err err;
	char *buf, *addrs, *line, *next;
	size_t i, n;

	if ((buf = malloc(size + 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	addrs = strlen(buf) < size ? buf + strlen(buf) + 1 : NULL;

	if (cidrlist_parse(&l, buf, &err) == 0) {
		for (i = 0; i < l.n; i++)
			check_range(&l, &l.v[i]);
		/* Appending the same text again doubles the list. */
		n = l.n;
		if (cidrlist_parse(&l, buf, &err) != 0 || l.n != 2 * n)
			abort();
	} else if (l.n != 0 || l.v != NULL)
		abort();		/* unchanged on failure */

	for (line = addrs; line != NULL; line = next) {
		if ((next = memchr(line, '\n', (size_t)(buf + size - line))) !=
		    NULL)
			*next++ = '\0';
		if (cidrlist_match(&l, line) < 0)
			abort();
	}
	cidrlist_free(&l);
	free(buf);
	return 0;
}
