/* test_cidr.c: address ranges, allowlist matching and X-Forwarded-For. */
#include "unit.h"

#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>

#include "cidr.h"

static struct cidrlist
list_of(const char *text)
{
	struct cidrlist l = { NULL, 0 };
	struct err err;

	err.msg[0] = '\0';
	if (cidrlist_parse(&l, text, &err) != 0)
		fail_msg("cidrlist_parse(\"%s\"): %s", text, err.msg);
	return l;
}

static void
test_parse_good(void **state)
{
	static const struct {
		const char	*text;
		int		 family;
		unsigned	 prefix;
		unsigned char	 addr[16];
	} t[] = {
		{ "10.0.0.0/8", AF_INET, 8, { 10 } },
		{ "10.1.2.3/8", AF_INET, 8, { 10 } },	/* host bits */
		{ "192.168.1.77/28", AF_INET, 28, { 192, 168, 1, 64 } },
		{ "1.2.3.4", AF_INET, 32, { 1, 2, 3, 4 } },
		{ "1.2.3.4/32", AF_INET, 32, { 1, 2, 3, 4 } },
		{ "0.0.0.0/0", AF_INET, 0, { 0 } },
		{ "255.255.255.255/1", AF_INET, 1, { 128 } },
		{ "::1", AF_INET6, 128, { [15] = 1 } },
		{ "::/0", AF_INET6, 0, { 0 } },
		{ "2001:db8::/32", AF_INET6, 32, { 0x20, 0x01, 0x0d, 0xb8 } },
		{ "2001:db8:ffff::1/33", AF_INET6, 33,
		    { 0x20, 0x01, 0x0d, 0xb8, 0x80 } },
		{ "fe80::1:2:3:4/128", AF_INET6, 128, { 0xfe, 0x80, [9] = 1,
		    [11] = 2, [13] = 3, [15] = 4 } },
		{ "::ffff:10.0.0.0/104", AF_INET6, 104, { [10] = 0xff,
		    [11] = 0xff, [12] = 10 } },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct cidrlist l = list_of(t[i].text);

		assert_int_equal(l.n, 1);
		assert_int_equal(l.v[0].family, t[i].family);
		assert_int_equal(l.v[0].prefix, t[i].prefix);
		assert_memory_equal(l.v[0].addr, t[i].addr,
		    t[i].family == AF_INET ? 4 : 16);
		cidrlist_free(&l);
	}
}

static void
test_parse_lists(void **state)
{
	struct cidrlist l;
	struct err err;

	(void)state;
	l = list_of("10.0.0.0/8 192.168.0.0/16,::1 ,, \t 2001:db8::/32,");
	assert_int_equal(l.n, 4);
	assert_int_equal(l.v[2].family, AF_INET6);
	/* Appends. */
	assert_int_equal(cidrlist_parse(&l, "127.0.0.1", &err), 0);
	assert_int_equal(l.n, 5);
	assert_int_equal(l.v[4].prefix, 32);
	/* Unchanged on failure, even when good entries came first. */
	assert_int_equal(cidrlist_parse(&l, "1.1.1.1 2.2.2.2/40", &err), -1);
	assert_int_equal(l.n, 5);
	assert_non_null(strstr(err.msg, "2.2.2.2/40"));
	cidrlist_free(&l);
	assert_null(l.v);
	assert_int_equal(l.n, 0);
	cidrlist_free(&l);
	cidrlist_free(NULL);

	/* Nothing to add is fine. */
	l = list_of("");
	assert_int_equal(l.n, 0);
	l = list_of(" , ");
	assert_int_equal(l.n, 0);
	assert_int_equal(cidrlist_parse(&l, NULL, &err), 0);
	assert_int_equal(l.n, 0);
	assert_int_equal(cidrlist_parse(NULL, "1.2.3.4", &err), -1);
}

static void
test_parse_bad(void **state)
{
	static const char *bad[] = {
		"10.0.0.0/33", "::/129", "1.2.3.4/", "/8", "1.2.3.4/08x",
		"1.2.3.4/08", "1.2.3.4/-1", "1.2.3.4/+8", "1.2.3.4/8/8",
		"1.2.3.4/ 8", "1.2.3.4/0x8", "1.2.3.4/1000", "1.2.3",
		"1.2.3.4.5",
		"01.2.3.4", "256.1.1.1", "1.2.3.4x", "host.example", "[::1]",
		"::1/64x", "fe80::1%eth0", ":::", "1:2:3:4:5:6:7:8:9", "abc",
		"/", "1.2.3.4/32 10.0.0.0/33",
		"ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255.1",
		"0000000000000000000000000000000000000000000000000000000001",
	};
	struct cidrlist l = { NULL, 0 };
	struct err err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err.msg[0] = '\0';
		if (cidrlist_parse(&l, bad[i], &err) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_int_equal(l.n, 0);
		assert_null(l.v);
		assert_true(strlen(err.msg) > 0);
	}
	/* The message quotes printable bytes only, and not too many. */
	assert_int_equal(cidrlist_parse(&l, "1.2.3.4/\x01\x7f", &err), -1);
	assert_non_null(strstr(err.msg, "\"1.2.3.4/??\""));
}

static void
test_match_v4(void **state)
{
	struct cidrlist l = list_of("10.0.0.0/8 192.168.1.64/27 203.0.113.5");
	static const struct {
		const char	*addr;
		int		 want;
	} t[] = {
		{ "10.0.0.0", 1 }, { "10.255.255.255", 1 }, { "11.0.0.0", 0 },
		{ "9.255.255.255", 0 }, { "192.168.1.64", 1 },
		{ "192.168.1.95", 1 }, { "192.168.1.96", 0 },
		{ "192.168.1.63", 0 }, { "203.0.113.5", 1 },
		{ "203.0.113.4", 0 },
		/* IPv4-mapped IPv6 matches the IPv4 ranges. */
		{ "::ffff:10.1.2.3", 1 }, { "::ffff:a01:203", 1 },
		{ "::FFFF:192.168.1.70", 1 }, { "::ffff:11.0.0.1", 0 },
		/* Not mapped: IPv4-compatible and NAT64 forms are IPv6. */
		{ "::10.1.2.3", 0 }, { "64:ff9b::10.1.2.3", 0 },
		{ "::1", 0 },
		/* Does not parse: no match. */
		{ "", 0 }, { "10.0.0", 0 }, { "10.0.0.1 ", 0 },
		{ " 10.0.0.1", 0 }, { "10.0.0.1/8", 0 },
		{ "[::ffff:10.0.0.1]", 0 },
		{ "10.0.0.1:80", 0 }, { "banana", 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (cidrlist_match(&l, t[i].addr) != t[i].want)
			fail_msg("match(\"%s\") != %d", t[i].addr, t[i].want);
	assert_int_equal(cidrlist_match(&l, NULL), 0);
	cidrlist_free(&l);
}

static void
test_match_v6(void **state)
{
	struct cidrlist l = list_of("2001:db8::/32 fe80::/10 ::1 "
	    "::ffff:198.51.100.0/120");
	static const struct {
		const char	*addr;
		int		 want;
	} t[] = {
		{ "2001:db8::1", 1 }, { "2001:DB8:ffff:ffff::", 1 },
		{ "2001:db9::1", 0 }, { "2001:0db8:0000::1", 1 },
		{ "fe80::1", 1 }, { "febf:ffff::1", 1 }, { "fec0::1", 0 },
		{ "::1", 1 }, { "::2", 0 }, { "::", 0 },
		/* A mapped range matches both spellings of the address. */
		{ "198.51.100.7", 1 }, { "::ffff:198.51.100.255", 1 },
		{ "198.51.101.7", 0 },
		{ "10.0.0.1", 0 }, { "2001:db8::1%eth0", 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (cidrlist_match(&l, t[i].addr) != t[i].want)
			fail_msg("match(\"%s\") != %d", t[i].addr, t[i].want);
	cidrlist_free(&l);

	/* An IPv4 address is also its mapped IPv6 form: ::/0 holds all. */
	l = list_of("::/0");
	assert_int_equal(cidrlist_match(&l, "2001:db8::1"), 1);
	assert_int_equal(cidrlist_match(&l, "192.0.2.1"), 1);
	cidrlist_free(&l);
	l = list_of("0.0.0.0/0");
	assert_int_equal(cidrlist_match(&l, "192.0.2.1"), 1);
	assert_int_equal(cidrlist_match(&l, "::ffff:192.0.2.1"), 1);
	assert_int_equal(cidrlist_match(&l, "2001:db8::1"), 0);
	cidrlist_free(&l);

	/* Empty and missing lists hold nothing. */
	l = list_of("");
	assert_int_equal(cidrlist_match(&l, "192.0.2.1"), 0);
	assert_int_equal(cidrlist_match(NULL, "192.0.2.1"), 0);
}

/* client_addr()'s answer, or "-1". */
static const char *
client(const char *remote, const char *xff, const struct cidrlist *trusted,
    char *out, size_t outlen)
{
	memset(out, 'X', outlen);
	if (client_addr(remote, xff, trusted, out, outlen) != 0)
		return "-1";
	return out;
}

static void
test_client_untrusted(void **state)
{
	struct cidrlist none = { NULL, 0 };
	struct cidrlist proxies = list_of("10.0.0.0/8 ::1");
	char out[46];

	(void)state;
	/* No trusted proxies: X-Forwarded-For is the client's to invent. */
	assert_string_equal(client("203.0.113.9", "198.51.100.1", &none, out,
	    sizeof(out)), "203.0.113.9");
	assert_string_equal(client("203.0.113.9", "198.51.100.1", NULL, out,
	    sizeof(out)), "203.0.113.9");
	/* Remote address not a trusted proxy: same. */
	assert_string_equal(client("203.0.113.9", "10.0.0.1", &proxies, out,
	    sizeof(out)), "203.0.113.9");
	/* Its garbage is not looked at either. */
	assert_string_equal(client("203.0.113.9", "garbage,,[", &proxies, out,
	    sizeof(out)), "203.0.113.9");
	/* Normalized. */
	assert_string_equal(client("2001:DB8:0:0::0001", NULL, &none, out,
	    sizeof(out)), "2001:db8::1");
	assert_string_equal(client("::ffff:203.0.113.9", NULL, &none, out,
	    sizeof(out)), "203.0.113.9");
	assert_string_equal(client("::ffff:cb00:7109", NULL, &none, out,
	    sizeof(out)), "203.0.113.9");
	/* The remote address must parse. */
	assert_string_equal(client("", NULL, &none, out, sizeof(out)), "-1");
	assert_string_equal(client("unix:", NULL, &none, out, sizeof(out)),
	    "-1");
	assert_string_equal(client("10.0.0.1:80", "1.2.3.4", &proxies, out,
	    sizeof(out)), "-1");
	assert_int_equal(client_addr(NULL, NULL, &none, out, sizeof(out)), -1);
	/* out must be large enough. */
	assert_int_equal(client_addr("203.0.113.9", NULL, &none, out, 8), -1);
	assert_int_equal(client_addr("203.0.113.9", NULL, &none, out, 0), -1);
	assert_int_equal(client_addr("203.0.113.9", NULL, &none, NULL, 46), -1);
	assert_int_equal(client_addr("203.0.113.9", NULL, &none, out, 12), 0);
	assert_string_equal(out, "203.0.113.9");
	/* The longest address text fits 46 bytes. */
	assert_string_equal(client("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
	    NULL, &none, out, sizeof(out)),
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	cidrlist_free(&proxies);
}

static void
test_client_proxies(void **state)
{
	struct cidrlist t = list_of("10.0.0.0/8, 192.168.0.1 fd00::/8 ::1");
	static const struct {
		const char	*remote;
		const char	*xff;
		const char	*want;
	} c[] = {
		/* One proxy. */
		{ "10.0.0.1", "203.0.113.9", "203.0.113.9" },
		{ "::1", "203.0.113.9", "203.0.113.9" },
		{ "::ffff:10.0.0.1", "203.0.113.9", "203.0.113.9" },
		{ "10.0.0.1", " 203.0.113.9 ", "203.0.113.9" },
		{ "10.0.0.1", "2001:db8::7", "2001:db8::7" },
		{ "10.0.0.1", "::ffff:203.0.113.9", "203.0.113.9" },
		/* No header, or an empty one: the proxy itself. */
		{ "10.0.0.1", NULL, "10.0.0.1" },
		{ "10.0.0.1", "", "10.0.0.1" },
		{ "10.0.0.1", "  \t", "10.0.0.1" },
		{ "::ffff:10.0.0.1", NULL, "10.0.0.1" },
		/* The client's own claim left of what our proxy appended is
		 * not believed, nor even parsed. */
		{ "10.0.0.1", "1.1.1.1, 203.0.113.9", "203.0.113.9" },
		{ "10.0.0.1", "garbage, [nope, 203.0.113.9", "203.0.113.9" },
		{ "10.0.0.1", "10.0.0.5, 203.0.113.9", "203.0.113.9" },
		/* Several proxies: skip ours from the right. */
		{ "10.0.0.1", "203.0.113.9, 10.0.0.2", "203.0.113.9" },
		{ "10.0.0.1", "203.0.113.9,10.0.0.2,192.168.0.1,fd00::5",
		    "203.0.113.9" },
		{ "10.0.0.1", "6.6.6.6, 203.0.113.9, 10.9.9.9, ::1",
		    "203.0.113.9" },
		{ "10.0.0.1", "203.0.113.9, 192.168.0.2, 10.0.0.2",
		    "192.168.0.2" },
		/* All trusted: the left-most. */
		{ "10.0.0.1", "10.0.0.3, 10.0.0.2", "10.0.0.3" },
		{ "10.0.0.1", "fd00::1,::1", "fd00::1" },
		{ "10.0.0.1", "10.0.0.3", "10.0.0.3" },
		/* Brackets and ports. */
		{ "10.0.0.1", "[2001:db8::7]", "2001:db8::7" },
		{ "10.0.0.1", "[2001:db8::7]:4711", "2001:db8::7" },
		{ "10.0.0.1", "203.0.113.9:4711", "203.0.113.9" },
		{ "10.0.0.1", "203.0.113.9, [::1]:443", "203.0.113.9" },
		{ "10.0.0.1", "203.0.113.9:1, 10.0.0.2:65535", "203.0.113.9" },
		/* What is needed must parse. */
		{ "10.0.0.1", "unknown", "-1" },
		{ "10.0.0.1", "203.0.113.9, unknown", "-1" },
		{ "10.0.0.1", "203.0.113.9, 10.0.0.2, _hidden", "-1" },
		{ "10.0.0.1", "203.0.113.9,", "-1" },
		{ "10.0.0.1", ",", "-1" },
		{ "10.0.0.1", "10.0.0.2,,10.0.0.3", "-1" },
		{ "10.0.0.1", "10.0.0.2, ", "-1" },
		{ "10.0.0.1", "203.0.113.9 10.0.0.2", "-1" },
		{ "10.0.0.1", "[203.0.113.9]", "-1" },
		{ "10.0.0.1", "[2001:db8::7", "-1" },
		{ "10.0.0.1", "[2001:db8::7]x", "-1" },
		{ "10.0.0.1", "[2001:db8::7]:", "-1" },
		{ "10.0.0.1", "[2001:db8::7]:65536", "-1" },
		{ "10.0.0.1", "[2001:db8::7]:123456", "-1" },
		{ "10.0.0.1", "203.0.113.9:", "-1" },
		{ "10.0.0.1", "203.0.113.9:http", "-1" },
		{ "10.0.0.1", "2001:db8::7:", "-1" },
		{ "10.0.0.1", "203.0.113.9/32", "-1" },
		{ "10.0.0.1", "fe80::1%eth0", "-1" },
		{ "10.0.0.1", "\"203.0.113.9\"", "-1" },
		{ "10.0.0.1", "for=203.0.113.9", "-1" },
		{ "10.0.0.1",
		  "0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:1", "-1" },
	};
	char out[46];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		const char *got = client(c[i].remote, c[i].xff, &t, out,
		    sizeof(out));

		if (strcmp(got, c[i].want) != 0)
			fail_msg("client(%s, \"%s\") = %s, want %s",
			    c[i].remote, c[i].xff ? c[i].xff : "(null)", got,
			    c[i].want);
	}
	cidrlist_free(&t);
}

static void
test_client_long_xff(void **state)
{
	struct cidrlist t = list_of("10.0.0.0/8");
	char out[46], *xff;
	size_t i, n = 10000;

	(void)state;
	/* A long chain of our own proxies: the left-most is the client. */
	xff = malloc(n * 9);
	assert_non_null(xff);
	for (i = 0; i < n; i++)
		memcpy(xff + i * 9, i == 0 ? "10.0.0.3," : "10.0.0.2,", 9);
	xff[n * 9 - 1] = '\0';
	assert_string_equal(client("10.0.0.1", xff, &t, out, sizeof(out)),
	    "10.0.0.3");
	free(xff);
	cidrlist_free(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_lists),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_match_v4),
		cmocka_unit_test(test_match_v6),
		cmocka_unit_test(test_client_untrusted),
		cmocka_unit_test(test_client_proxies),
		cmocka_unit_test(test_client_long_xff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
