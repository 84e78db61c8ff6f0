/* test_verify_std.c: Standard Webhooks under Svix's header names, with
 * deliveries signed by the svix SDK (tests/vectors/svix.json, made by
 * tests/e2e/svix/vectors.js): each key length's secret padded, unpadded
 * and short of padding; tampered deliveries; which header set counts
 * when a request carries both; secrets that are not base64. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "conf.h"
#include "payload.h"
#include "verify.h"
#include "verify_req.h"

#define SVIX_VECTORS	"tests/vectors/svix.json"

/* One SDK-made delivery, copied so that a test may change it. */
struct svec {
	char	*name;
	char	*secret;
	char	*id;
	char	*ts;
	char	*sig;
	char	*body;
	time_t	 now;
};

static void
svec_load(json_object *v, struct svec *s)
{
	json_object *hs, *now;

	assert_true(json_object_object_get_ex(v, "headers", &hs));
	assert_true(json_object_object_get_ex(v, "now", &now));
	s->name = strdup(jstr(v, "id"));
	s->secret = strdup(jstr(v, "secret"));
	s->id = strdup(jstr(hs, "svix-id"));
	s->ts = strdup(jstr(hs, "svix-timestamp"));
	s->sig = strdup(jstr(hs, "svix-signature"));
	s->body = strdup(jstr(v, "body"));
	s->now = (time_t)json_object_get_int64(now);
	assert_true(s->name && s->secret && s->id && s->ts && s->sig &&
	    s->body);
}

static void
svec_free(struct svec *s)
{
	free(s->name);
	free(s->secret);
	free(s->id);
	free(s->ts);
	free(s->sig);
	free(s->body);
}

/* The vectors of SVIX_VECTORS; *n of them. */
static struct svec *
svecs(size_t *n)
{
	json_object *root, *vs;
	struct svec *v;
	size_t i;

	root = json_object_from_file(SVIX_VECTORS);
	assert_non_null(root);
	assert_true(json_object_object_get_ex(root, "vectors", &vs));
	*n = json_object_array_length(vs);
	assert_true(*n >= 5);
	v = calloc(*n, sizeof(*v));
	assert_non_null(v);
	for (i = 0; i < *n; i++)
		svec_load(json_object_array_get_idx(vs, i), &v[i]);
	json_object_put(root);
	return v;
}

static void
svecs_free(struct svec *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		svec_free(&v[i]);
	free(v);
}

/* verify_request() on s with provider p and secret, its headers under
 * the names pfx-id, pfx-timestamp, pfx-signature, at s->now + skew. */
static int
run(const struct svec *s, enum provider p, const char *secret,
    const char *pfx, time_t skew)
{
	static char names[3][32];
	struct endpoint ep;
	struct req r;
	int rc;

	ep_init(&ep, p);
	ep_secret(&ep, secret);
	req_init(&r, s->body, s->now + skew);
	(void)snprintf(names[0], sizeof(names[0]), "%s-id", pfx);
	(void)snprintf(names[1], sizeof(names[1]), "%s-timestamp", pfx);
	(void)snprintf(names[2], sizeof(names[2]), "%s-signature", pfx);
	hdrs_add(&r.h, names[0], s->id);
	hdrs_add(&r.h, names[1], s->ts);
	hdrs_add(&r.h, names[2], s->sig);
	rc = check(&ep, &r);
	ep_clear(&ep);
	return rc;
}

/* The secret with n of its '=' removed (n > its count: all of them). */
static char *
unpad(const char *secret, size_t n)
{
	char *s = strdup(secret);
	size_t len;

	assert_non_null(s);
	len = strlen(s);
	while (n-- > 0 && len > 0 && s[len - 1] == '=')
		s[--len] = '\0';
	return s;
}

static size_t
npad(const char *s)
{
	size_t len = strlen(s), n = 0;

	while (n < len && s[len - 1 - n] == '=')
		n++;
	return n;
}

static const enum provider sw_providers[] = {
	PROVIDER_STANDARD, PROVIDER_GENERIC
};

/*
 * Each SDK vector, as standard and as generic (Standard Webhooks when a
 * secret is set): valid under svix-* and under webhook-* names, with the
 * secret as the SDK printed it, without whsec_, without its padding and
 * one '=' short of it; exactly the tolerance away in either direction.
 */
static void
test_svix_sdk_vectors(void **state)
{
	struct svec *v;
	size_t n, i, k, pads, cut;
	char *s;

	(void)state;
	v = svecs(&n);
	for (i = 0; i < n; i++) {
		for (k = 0; k < 2; k++) {
			enum provider p = sw_providers[k];

			if (run(&v[i], p, v[i].secret, "svix", 0) != 0)
				fail_msg("%s: refused with svix-* headers",
				    v[i].name);
			assert_int_equal(run(&v[i], p, v[i].secret, "webhook",
			    0), 0);
			assert_int_equal(run(&v[i], p, v[i].secret + 6, "svix",
			    0), 0);
			pads = npad(v[i].secret);
			for (cut = 1; cut <= pads; cut++) {
				s = unpad(v[i].secret, cut);
				if (run(&v[i], p, s, "svix", 0) != 0)
					fail_msg("%s: refused with %zu of %zu "
					    "'=' removed from the secret",
					    v[i].name, cut, pads);
				free(s);
			}
			assert_int_equal(run(&v[i], p, v[i].secret, "svix",
			    300), 0);
			assert_int_equal(run(&v[i], p, v[i].secret, "svix",
			    -300), 0);
			assert_int_equal(run(&v[i], p, v[i].secret, "svix",
			    301), -1);
			assert_int_equal(run(&v[i], p, v[i].secret, "svix",
			    -301), -1);
		}
	}
	svecs_free(v, n);
}

/* Tampered: one byte of the body, the timestamp, the id, one signature
 * character; another key; a secret padded past its last group. */
static void
test_svix_tampered(void **state)
{
	struct svec *v;
	size_t n, i, last;
	char *s, *keep, was;

	(void)state;
	v = svecs(&n);
	for (i = 0; i < n; i++) {
		v[i].body[0] = '[';
		assert_int_equal(run(&v[i], PROVIDER_STANDARD, v[i].secret,
		    "svix", 0), -1);
		v[i].body[0] = '{';
		last = strlen(v[i].ts) - 1;
		was = v[i].ts[last];
		v[i].ts[last] = was == '9' ? '8' : was + 1;
		assert_int_equal(run(&v[i], PROVIDER_STANDARD, v[i].secret,
		    "svix", 0), -1);
		v[i].ts[last] = was;
		last = strlen(v[i].id) - 1;
		v[i].id[last] ^= 1;
		assert_int_equal(run(&v[i], PROVIDER_STANDARD, v[i].secret,
		    "svix", 0), -1);
		v[i].id[last] ^= 1;
		/* Every "v1," entry's first base64 character changed. */
		keep = strdup(v[i].sig);
		assert_non_null(keep);
		for (s = v[i].sig; (s = strstr(s, "v1,")) != NULL; s += 3)
			s[3] = s[3] == 'A' ? 'B' : 'A';
		assert_int_equal(run(&v[i], PROVIDER_STANDARD, v[i].secret,
		    "svix", 0), -1);
		memcpy(v[i].sig, keep, strlen(keep) + 1);
		free(keep);
		/* The delivery is untouched again: valid. */
		assert_int_equal(run(&v[i], PROVIDER_STANDARD, v[i].secret,
		    "svix", 0), 0);
		/* Another key: the secret's first base64 character. */
		was = v[i].secret[6];
		v[i].secret[6] = was == 'A' ? 'B' : 'A';
		assert_int_equal(run(&v[i], PROVIDER_STANDARD, v[i].secret,
		    "svix", 0), -1);
		v[i].secret[6] = was;
		/* Padding past the last group is no base64. */
		assert_true(asprintf(&s, "%s%s", v[i].secret,
		    npad(v[i].secret) == 0 ? "=" : "==") > 0);
		assert_int_equal(run(&v[i], PROVIDER_STANDARD, s, "svix", 0),
		    -1);
		free(s);
	}
	svecs_free(v, n);
}

/* Secrets that are not base64 are no key: every delivery is refused
 * (test_sign checks sign_secret_check, which the config uses for
 * forward_secret). */
static void
test_secret_garbage(void **state)
{
	static const char *const bad[] = {
		"whsec_==",			/* padding only */
		"whsec_BXHS3u7Fyea3RNLst8HT6JrfkH1EEvV",	/* 4n+1 chars */
		"whsec_BXHS3u7Fyea3RNLst8HT6Jrf=kH1EEvV0",	/* '=' in */
		"whsec_BXHS3u7Fyea3RNLst8HT6JrfkH1EEvV0===",	/* === */
		"whsec_BXHS3u7Fyea3RNLst8HT6Jrf kH1EEvV0",	/* space */
		"whsec_BXHS3u7Fyea3RNLst8HT6Jrf-kH1EEvV0",	/* url */
		"whsec_BXHS3u7Fyea3RNLst8HT6JrfkH1EEvV0\n",
		"whsec_not base64!",
	};
	struct svec *v;
	size_t n, i;

	(void)state;
	v = svecs(&n);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (run(&v[0], PROVIDER_STANDARD, bad[i], "svix", 0) != -1)
			fail_msg("secret '%s' was taken as a key", bad[i]);
	svecs_free(v, n);
}

/*
 * One set signs a delivery: the first set any of whose headers is
 * there, webhook-* before svix-*, gives id, timestamp and signature.
 */
static void
test_header_sets(void **state)
{
	struct endpoint ep;
	struct req r;
	struct svec *v;
	size_t n;

	(void)state;
	v = svecs(&n);
	ep_init(&ep, PROVIDER_STANDARD);
	ep_secret(&ep, v[0].secret);

	/* Both sets, both right (a sender that sends both): valid. */
	req_init(&r, v[0].body, v[0].now);
	hdrs_add(&r.h, "svix-id", v[0].id);
	hdrs_add(&r.h, "svix-timestamp", v[0].ts);
	hdrs_add(&r.h, "svix-signature", v[0].sig);
	hdrs_add(&r.h, "webhook-id", v[0].id);
	hdrs_add(&r.h, "webhook-timestamp", v[0].ts);
	hdrs_add(&r.h, "webhook-signature", v[0].sig);
	assert_int_equal(check(&ep, &r), 0);
	/* webhook-* wins: a wrong webhook-signature is not rescued by a
	 * right svix-signature. */
	r.h.value[5] = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
	assert_int_equal(check(&ep, &r), -1);
	/* ... nor another webhook-id by the svix-id that was signed. */
	r.h.value[5] = v[0].sig;
	r.h.value[3] = "msg_other";
	assert_int_equal(check(&ep, &r), -1);

	/* Mixed: the id from one set, timestamp and signature from the
	 * other. Refused both ways round. */
	req_init(&r, v[0].body, v[0].now);
	hdrs_add(&r.h, "webhook-id", v[0].id);
	hdrs_add(&r.h, "svix-timestamp", v[0].ts);
	hdrs_add(&r.h, "svix-signature", v[0].sig);
	assert_int_equal(check(&ep, &r), -1);
	req_init(&r, v[0].body, v[0].now);
	hdrs_add(&r.h, "svix-id", v[0].id);
	hdrs_add(&r.h, "svix-timestamp", v[0].ts);
	hdrs_add(&r.h, "webhook-signature", v[0].sig);
	assert_int_equal(check(&ep, &r), -1);

	/* Each svix header missing, or empty. */
	req_init(&r, v[0].body, v[0].now);
	hdrs_add(&r.h, "svix-timestamp", v[0].ts);
	hdrs_add(&r.h, "svix-signature", v[0].sig);
	assert_int_equal(check(&ep, &r), -1);
	req_init(&r, v[0].body, v[0].now);
	hdrs_add(&r.h, "svix-id", v[0].id);
	hdrs_add(&r.h, "svix-signature", v[0].sig);
	assert_int_equal(check(&ep, &r), -1);
	req_init(&r, v[0].body, v[0].now);
	hdrs_add(&r.h, "svix-id", v[0].id);
	hdrs_add(&r.h, "svix-timestamp", v[0].ts);
	assert_int_equal(check(&ep, &r), -1);
	hdrs_add(&r.h, "svix-signature", "");
	assert_int_equal(check(&ep, &r), -1);
	ep_clear(&ep);

	/* GitLab's signing token is Standard Webhooks too. */
	ep_init(&ep, PROVIDER_GITLAB);
	ep.signing_token = v[0].secret;
	req_init(&r, v[0].body, v[0].now);
	hdrs_add(&r.h, "svix-id", v[0].id);
	hdrs_add(&r.h, "svix-timestamp", v[0].ts);
	hdrs_add(&r.h, "svix-signature", v[0].sig);
	assert_int_equal(check(&ep, &r), 0);
	svecs_free(v, n);
}

/* payload_parse() of a standard or generic delivery with r's headers:
 * its delivery id (a new string). */
static char *
delivery_of(enum provider p, struct req *r)
{
	struct endpoint ep = { .name = "x", .provider = p, .tolerance = -1 };
	struct payload pl;
	struct err err;
	char *id;

	memset(&pl, 0, sizeof(pl));
	assert_int_equal(payload_parse(&ep, &r->headers, "application/json",
	    r->in.body, r->in.body_len, &pl, &err), 0);
	assert_non_null(pl.delivery);
	id = strdup(pl.delivery);
	payload_free(&pl);
	return id;
}

/* The delivery id (dedupe) is the id of the set that was checked. */
static void
test_delivery_id(void **state)
{
	struct req r;
	char *id;

	(void)state;
	req_init(&r, "{\"type\":\"user.created\",\"event\":\"ping\","
	    "\"data\":{}}", 0);
	hdrs_add(&r.h, "svix-id", "msg_svix");
	id = delivery_of(PROVIDER_STANDARD, &r);
	assert_string_equal(id, "msg_svix");
	free(id);
	hdrs_add(&r.h, "webhook-id", "msg_webhook");
	id = delivery_of(PROVIDER_STANDARD, &r);
	assert_string_equal(id, "msg_webhook");
	free(id);
	/* generic: Webhook-Id, then svix-id, then X-Request-Id. */
	id = delivery_of(PROVIDER_GENERIC, &r);
	assert_string_equal(id, "msg_webhook");
	free(id);
	r.h.n = 1;
	hdrs_add(&r.h, "X-Request-Id", "req_1");
	id = delivery_of(PROVIDER_GENERIC, &r);
	assert_string_equal(id, "msg_svix");
	free(id);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_svix_sdk_vectors),
		cmocka_unit_test(test_svix_tampered),
		cmocka_unit_test(test_secret_garbage),
		cmocka_unit_test(test_header_sets),
		cmocka_unit_test(test_delivery_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
