/* cidr.c: address ranges, allowlists, and the client behind trusted proxies. */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cidr.h"

/*
 * An IPv4 address and its IPv4-mapped IPv6 form ::ffff:a.b.c.d (RFC 4291
 * 2.5.5.2) are one address here: a dual-stack web server writes
 * REMOTE_ADDR in the mapped form, a v4-only one in the plain form, and
 * the allowlist must not care which. So 1.2.3.4 and ::ffff:1.2.3.4 both
 * match 1.2.3.0/24, ::ffff:1.2.3.0/120 and ::/0, and both are written
 * out as "1.2.3.4".
 */
struct ipaddr {
	int		is_v4;		/* IPv4, or IPv4-mapped IPv6 */
	unsigned char	v4[4];		/* when is_v4 */
	unsigned char	v6[16];		/* always; IPv4 as mapped */
};

static const unsigned char mapped_prefix[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

/* Longest text inet_pton() can accept for either family (45 bytes:
 * "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255"); longer input is
 * refused before it is copied. */
#define ADDR_TEXT_MAX	(INET6_ADDRSTRLEN - 1)
/* Entry text quoted in an error message, at most. */
#define ERR_ENTRY_MAX	64

/* Parses the len bytes at s (no brackets, no port) as one address.
 * Returns 0, or -1 (a is then unspecified). */
static int
addr_parse(const char *s, size_t len, struct ipaddr *a)
{
	char buf[ADDR_TEXT_MAX + 1];

	if (len == 0 || len > ADDR_TEXT_MAX)
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, buf, a->v4) == 1) {
		a->is_v4 = 1;
		memcpy(a->v6, mapped_prefix, sizeof(mapped_prefix));
		memcpy(a->v6 + 12, a->v4, 4);
		return 0;
	}
	if (inet_pton(AF_INET6, buf, a->v6) != 1)
		return -1;
	if (memcmp(a->v6, mapped_prefix, sizeof(mapped_prefix)) == 0) {
		a->is_v4 = 1;
		memcpy(a->v4, a->v6 + 12, 4);
	}
	return 0;
}

/* The address as inet_ntop() writes it (mapped IPv6 as plain IPv4).
 * Returns 0, or -1 when out is too small. */
static int
addr_format(const struct ipaddr *a, char *out, size_t outlen)
{
	const char *r;

	if (outlen > (size_t)INT32_MAX)
		outlen = INT32_MAX;	/* inet_ntop takes a socklen_t */
	if (a->is_v4)
		r = inet_ntop(AF_INET, a->v4, out, (socklen_t)outlen);
	else
		r = inet_ntop(AF_INET6, a->v6, out, (socklen_t)outlen);
	return r == NULL ? -1 : 0;
}

/* 1 when the first prefix bits of a and net are equal. */
static int
prefix_equal(const unsigned char *a, const unsigned char *net, unsigned prefix)
{
	unsigned full = prefix / 8, rest = prefix % 8;
	unsigned char mask;

	if (memcmp(a, net, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (unsigned char)(0xff << (8 - rest));
	return (a[full] & mask) == (net[full] & mask);
}

static int
cidr_contains(const struct cidr *c, const struct ipaddr *a)
{
	if (c->family == AF_INET)
		return a->is_v4 && prefix_equal(a->v4, c->addr, c->prefix);
	return prefix_equal(a->v6, c->addr, c->prefix);
}

static int
list_contains(const struct cidrlist *l, const struct ipaddr *a)
{
	size_t i;

	if (l == NULL)
		return 0;
	for (i = 0; i < l->n; i++)
		if (cidr_contains(&l->v[i], a))
			return 1;
	return 0;
}

/* Parses a prefix length: 1 to 3 decimal digits, no sign, no leading
 * zero (but "0"), at most max. Returns 0 or -1. */
static int
prefix_parse(const char *s, size_t len, unsigned max, unsigned *out)
{
	unsigned v = 0;
	size_t i;

	if (len == 0 || len > 3 || (len > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

/* Parses one range, "ADDR" or "ADDR/PREFIX", of len bytes at s. The
 * family is that of the text: "::ffff:10.0.0.0/104" is an IPv6 range
 * (which matches 10.0.0.0/8 by the mapping above). Returns 0 or -1. */
static int
cidr_parse(const char *s, size_t len, struct cidr *c)
{
	char buf[ADDR_TEXT_MAX + 1];
	const char *slash;
	size_t alen, i;
	unsigned max;

	memset(c, 0, sizeof(*c));
	slash = memchr(s, '/', len);
	alen = slash != NULL ? (size_t)(slash - s) : len;
	if (alen == 0 || alen > ADDR_TEXT_MAX)
		return -1;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (inet_pton(AF_INET, buf, c->addr) == 1) {
		c->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, c->addr) == 1) {
		c->family = AF_INET6;
		max = 128;
	} else
		return -1;
	c->prefix = max;
	if (slash != NULL && prefix_parse(slash + 1, len - alen - 1, max,
	    &c->prefix) == -1)
		return -1;
	/* Clear the host bits, so that matching compares networks. */
	for (i = 0; i < max / 8; i++) {
		if (i * 8 >= c->prefix)
			c->addr[i] = 0;
		else if (i * 8 + 8 > c->prefix)
			c->addr[i] &= (unsigned char)
			    (0xff << (8 - (c->prefix - i * 8)));
	}
	return 0;
}

static int
is_list_sep(char c)
{
	return c == ' ' || c == '\t' || c == ',';
}

/* The entry for an error message: cut short, non-printable bytes as '?'. */
static void
entry_quote(char *out, size_t outlen, const char *s, size_t len)
{
	size_t i;

	if (len > outlen - 1)
		len = outlen - 1;
	for (i = 0; i < len; i++)
		out[i] = (s[i] > ' ' && s[i] < 127) ? s[i] : '?';
	out[len] = '\0';
}

int
cidrlist_parse(struct cidrlist *l, const char *text, struct err *err)
{
	struct cidr *add = NULL, *v;
	char quoted[ERR_ENTRY_MAX + 1];
	const char *p, *start;
	size_t n = 0, i = 0;
	int rc = -1;

	if (l == NULL) {
		err_set(err, "no address list");
		goto fail;
	}
	if (text == NULL)
		text = "";
	for (p = text; *p != '\0'; ) {
		while (is_list_sep(*p))
			p++;
		if (*p == '\0')
			break;
		n++;
		while (*p != '\0' && !is_list_sep(*p))
			p++;
	}
	if (n == 0)
		return 0;
	if (n > SIZE_MAX / sizeof(*add) - l->n) {
		err_set(err, "too many address ranges");
		goto fail;
	}
	if ((add = calloc(n, sizeof(*add))) == NULL) {
		err_set(err, "out of memory");
		goto fail;
	}
	for (p = text; *p != '\0'; ) {
		while (is_list_sep(*p))
			p++;
		if (*p == '\0')
			break;
		start = p;
		while (*p != '\0' && !is_list_sep(*p))
			p++;
		if (cidr_parse(start, (size_t)(p - start), &add[i]) == -1) {
			entry_quote(quoted, sizeof(quoted), start,
			    (size_t)(p - start));
			err_set(err, "bad address range \"%s\" (address, or "
			    "address/prefix with prefix at most 32 for IPv4, "
			    "128 for IPv6)", quoted);
			goto fail;
		}
		i++;
	}
	if ((v = reallocarray(l->v, l->n + n, sizeof(*v))) == NULL) {
		err_set(err, "out of memory");
		goto fail;
	}
	memcpy(v + l->n, add, n * sizeof(*add));
	l->v = v;
	l->n += n;
	rc = 0;
fail:
	free(add);
	return rc;
}

void
cidrlist_free(struct cidrlist *l)
{
	if (l == NULL)
		return;
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int
cidrlist_match(const struct cidrlist *l, const char *addr)
{
	struct ipaddr a;

	if (addr == NULL || addr_parse(addr, strlen(addr), &a) == -1)
		return 0;
	return list_contains(l, &a);
}

static int
is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* Parses a port: 1 to 5 digits, at most 65535. Returns 0 or -1. */
static int
port_parse(const char *s, size_t len)
{
	unsigned long v = 0;
	size_t i;

	if (len == 0 || len > 5)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	return v <= 65535 ? 0 : -1;
}

/*
 * One X-Forwarded-For element, the len bytes at s. Proxies write the
 * address plainly ("192.0.2.1", "2001:db8::1"); some add brackets or a
 * port ("[2001:db8::1]", "[2001:db8::1]:443", "192.0.2.1:443", as RFC
 * 7239 section 6 spells node names). Those forms are accepted and the
 * port dropped; anything else (an empty element, "unknown", an obfuscated
 * identifier) does not parse. Returns 0 or -1.
 */
static int
xff_element(const char *s, size_t len, struct ipaddr *a)
{
	const char *close, *colon;

	while (len > 0 && is_ows(s[0])) {
		s++;
		len--;
	}
	while (len > 0 && is_ows(s[len - 1]))
		len--;
	if (len == 0)
		return -1;
	if (s[0] == '[') {
		if ((close = memchr(s, ']', len)) == NULL)
			return -1;
		/* Brackets hold IPv6 only. */
		if (memchr(s + 1, ':', (size_t)(close - s - 1)) == NULL ||
		    addr_parse(s + 1, (size_t)(close - s - 1), a) == -1)
			return -1;
		len -= (size_t)(close - s) + 1;
		if (len == 0)
			return 0;
		if (close[1] != ':')
			return -1;
		return port_parse(close + 2, len - 1);
	}
	colon = memchr(s, ':', len);
	if (colon != NULL && memchr(colon + 1, ':',
	    len - (size_t)(colon - s) - 1) == NULL) {
		/* One colon: IPv4 and a port (an IPv6 address has two+). */
		if (addr_parse(s, (size_t)(colon - s), a) == -1)
			return -1;
		return port_parse(colon + 1, len - (size_t)(colon - s) - 1);
	}
	return addr_parse(s, len, a);
}

/* 1 when s holds nothing but optional whitespace. */
static int
is_blank(const char *s)
{
	while (is_ows(*s))
		s++;
	return *s == '\0';
}

int
client_addr(const char *remote_addr, const char *xff,
    const struct cidrlist *trusted, char *out, size_t outlen)
{
	struct ipaddr a;
	const char *start, *end;

	if (remote_addr == NULL || out == NULL || outlen == 0)
		return -1;
	if (addr_parse(remote_addr, strlen(remote_addr), &a) == -1)
		return -1;
	/* Only a trusted proxy's word counts: a client sending the header
	 * to us directly must not choose its own address. */
	if (!list_contains(trusted, &a) || xff == NULL || is_blank(xff))
		return addr_format(&a, out, outlen);
	/*
	 * Each proxy appends the address it got the request from, so the
	 * list reads left to right from the client; only the elements our
	 * own proxies appended can be believed. Walk from the right past
	 * them: the first address that is not one of ours is the client.
	 * Whatever lies left of it was written by the client and is not
	 * looked at. If every address is ours, the left-most is the client.
	 */
	end = xff + strlen(xff);
	for (;;) {
		start = end;
		while (start > xff && start[-1] != ',')
			start--;
		if (xff_element(start, (size_t)(end - start), &a) == -1)
			return -1;
		if (start == xff || !list_contains(trusted, &a))
			return addr_format(&a, out, outlen);
		end = start - 1;
	}
}
