/* test_verify.c: every vector of tests/vectors/vectors.json, then the
 * official SDK values the vectors lack, rotation, tolerance boundaries,
 * strict timestamps and the hmac provider. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "conf.h"
#include "verify.h"
#include "verify_req.h"

#define VECTORS	"tests/vectors/vectors.json"

/* ---- the shared vectors ---- */

static const struct {
	const char	*scheme;
	enum provider	 provider;
	int		 key_is_public;	/* secret holds the public key */
} scheme_map[] = {
	{ "github", PROVIDER_GITHUB, 0 },
	{ "gitea", PROVIDER_GITEA, 0 },
	{ "gitlab-token", PROVIDER_GITLAB, 0 },
	{ "bitbucket", PROVIDER_BITBUCKET, 0 },
	{ "stripe", PROVIDER_STRIPE, 0 },
	{ "slack", PROVIDER_SLACK, 0 },
	{ "standard-webhooks", PROVIDER_STANDARD, 0 },
	{ "standard-webhooks-v1a", PROVIDER_STANDARD, 1 },
	{ "shopify", PROVIDER_SHOPIFY, 0 },
	{ "twilio", PROVIDER_TWILIO, 0 },
	{ "square", PROVIDER_SQUARE, 0 },
	{ "paddle", PROVIDER_PADDLE, 0 },
	{ "discord", PROVIDER_DISCORD, 1 },
};

/* Endpoint settings a vector needs beyond its secret. */
static const struct {
	const char	*id;
	int		 allow_sha1;
} overrides[] = {
	/* Legacy X-Hub-Signature is accepted only when the endpoint opts
	 * in (allow_sha1); test_github_sha1_needs_opt_in covers the
	 * default. */
	{ "github-legacy-sha1-valid", 1 },
};

/* Vectors whose expectation we deliberately do not follow, and why.
 * None at present. */
static const struct {
	const char	*id;
	const char	*reason;
} differ[] = {
	{ NULL, NULL },
};

/* Runs one vector with provider p. Returns 1 when the outcome is the
 * expected one, else 0 (and prints why). */
static int
run_vector(json_object *v, enum provider p, const char *pname,
    int key_is_public)
{
	struct endpoint ep;
	struct req r;
	struct err err;
	json_object *hs, *now;
	const char *id = jstr(v, "id"), *url = jstr(v, "url"), *q;
	char *base = NULL;
	int want_valid, got_valid, flip = 0, ok;
	size_t i;

	ep_init(&ep, p);
	req_init(&r, jstr(v, "body"), 0);
	if (json_object_object_get_ex(v, "now", &now) &&
	    !json_object_is_type(now, json_type_null))
		r.in.now = (time_t)json_object_get_int64(now);
	if (json_object_object_get_ex(v, "headers", &hs)) {
		json_object_object_foreach(hs, name, val)
			hdrs_add(&r.h, name, json_object_get_string(val));
	}
	r.in.content_type = hdrs_get(&r.h, "Content-Type");
	if (key_is_public)
		ep.public_key = (char *)jstr(v, "secret");
	else
		ep_secret(&ep, jstr(v, "secret"));
	if (url != NULL) {
		/* Twilio signs public_url + "?" + QUERY_STRING; Square the
		 * notification URL as configured. */
		if (p == PROVIDER_TWILIO && (q = strchr(url, '?')) != NULL) {
			base = strndup(url, (size_t)(q - url));
			ep.public_url = base;
			r.in.query_string = q + 1;
		} else
			ep.public_url = (char *)url;
	}
	for (i = 0; i < sizeof(overrides) / sizeof(overrides[0]); i++)
		if (strcmp(overrides[i].id, id) == 0)
			ep.allow_sha1 = overrides[i].allow_sha1;
	for (i = 0; differ[i].id != NULL; i++)
		if (strcmp(differ[i].id, id) == 0)
			flip = 1;
	want_valid = strcmp(jstr(v, "expect"), "valid") == 0;
	if (flip)
		want_valid = !want_valid;
	memset(&err, 0, sizeof(err));
	got_valid = verify_request(&ep, &r.in, &err) == 0;
	ok = want_valid == got_valid;
	/* HOOKLINE_TEST_VERBOSE=1: why each invalid one was refused. */
	if (ok && !got_valid && getenv("HOOKLINE_TEST_VERBOSE") != NULL)
		printf("ok vector %s (%s): %s\n", id, pname, err.msg);
	if (!ok)
		printf("FAIL vector %s (%s): expected %s, got %s: %s\n", id,
		    pname, want_valid ? "valid" : "invalid",
		    got_valid ? "valid" : "invalid", err.msg);
	free(base);
	ep_clear(&ep);
	return ok;
}

static void
test_vectors(void **state)
{
	json_object *root, *v;
	const char *scheme;
	size_t i, k, n, pass = 0, ran = 0;

	(void)state;
	root = json_object_from_file(VECTORS);
	assert_non_null(root);
	assert_true(json_object_is_type(root, json_type_array));
	n = json_object_array_length(root);
	assert_true(n >= 61);
	for (i = 0; i < n; i++) {
		v = json_object_array_get_idx(root, i);
		scheme = jstr(v, "scheme");
		for (k = 0; k < sizeof(scheme_map) / sizeof(scheme_map[0]); k++)
			if (strcmp(scheme_map[k].scheme, scheme) == 0)
				break;
		if (k == sizeof(scheme_map) / sizeof(scheme_map[0])) {
			printf("FAIL vector %s: unknown scheme %s\n",
			    jstr(v, "id"), scheme);
			ran++;
			continue;
		}
		ran++;
		pass += run_vector(v, scheme_map[k].provider, scheme,
		    scheme_map[k].key_is_public);
		/* generic = Standard Webhooks when a secret is set. */
		if (scheme_map[k].provider == PROVIDER_STANDARD) {
			ran++;
			pass += run_vector(v, PROVIDER_GENERIC, "generic",
			    scheme_map[k].key_is_public);
		}
	}
	printf("vectors: %zu of %zu runs as expected (%zu vectors)\n", pass,
	    ran, n);
	json_object_put(root);
	assert_int_equal(pass, ran);
}

/* ---- GitHub ---- */

#define GH_SECRET	"It's a Secret to Everybody"
#define GH_BODY		"Hello, World!"
#define GH_SHA256	"757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
#define GH_SHA1		"01dc10d0c83e72ed246219cdd91669667fe2ca59"

static void
test_github_sha1_needs_opt_in(void **state)
{
	struct endpoint ep;
	struct req r;

	(void)state;
	ep_init(&ep, PROVIDER_GITHUB);
	ep_secret(&ep, GH_SECRET);
	req_init(&r, GH_BODY, 0);
	hdrs_add(&r.h, "X-Hub-Signature", "sha1=" GH_SHA1);
	assert_int_equal(check(&ep, &r), -1);
	ep.allow_sha1 = true;
	assert_int_equal(check(&ep, &r), 0);
	/* Both sent: the sha256 one decides, a wrong one is not rescued
	 * by a right sha1. */
	hdrs_add(&r.h, "X-Hub-Signature-256", "sha256=" GH_SHA1 GH_SHA1);
	assert_int_equal(check(&ep, &r), -1);
	ep_clear(&ep);
}

static void
test_rotation(void **state)
{
	struct endpoint ep;
	struct req r;

	(void)state;
	/* GitHub: the second configured secret matches. */
	ep_init(&ep, PROVIDER_GITHUB);
	ep_secret(&ep, "old-secret");
	ep_secret(&ep, GH_SECRET);
	req_init(&r, GH_BODY, 0);
	hdrs_add(&r.h, "X-Hub-Signature-256", "sha256=" GH_SHA256);
	assert_int_equal(check(&ep, &r), 0);
	/* ... and a delivery signed with the other secret also passes
	 * (printf 'Hello, World!' | openssl dgst -sha256 -hmac second-secret) */
	ep_clear(&ep);
	ep_init(&ep, PROVIDER_GITHUB);
	ep_secret(&ep, GH_SECRET);
	ep_secret(&ep, "second-secret");
	req_init(&r, GH_BODY, 0);
	hdrs_add(&r.h, "X-Hub-Signature-256", "sha256="
	    "8dbfbbd8168df4331bec37f53eddc9079d380a470e6ccc4cf919d3869c7d6f6d");
	assert_int_equal(check(&ep, &r), 0);
	ep_clear(&ep);

	/* Standard Webhooks: an undecodable and a wrong secret first. */
	ep_init(&ep, PROVIDER_STANDARD);
	ep_secret(&ep, "whsec_!!!");
	ep_secret(&ep, "whsec_dGVzdHRlc3R0ZXN0dGVzdHRlc3R0ZXN0dGVzdHRlc3Q=");
	ep_secret(&ep, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
	req_init(&r, "{\"test\": 2432232314}", 1614265330);
	hdrs_add(&r.h, "webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek");
	hdrs_add(&r.h, "webhook-timestamp", "1614265330");
	hdrs_add(&r.h, "webhook-signature",
	    "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
	assert_int_equal(check(&ep, &r), 0);
	ep_clear(&ep);

	/* GitLab token: any configured token. */
	ep_init(&ep, PROVIDER_GITLAB);
	ep_secret(&ep, "first-token");
	ep_secret(&ep, "my-gitlab-secret-token");
	req_init(&r, "{}", 0);
	hdrs_add(&r.h, "X-Gitlab-Token", "my-gitlab-secret-token");
	assert_int_equal(check(&ep, &r), 0);
	ep_clear(&ep);

	/* Shopify: apiSecretKeyFallback (shopify-app-js hmac-validator.ts) */
	ep_init(&ep, PROVIDER_SHOPIFY);
	ep_secret(&ep, "new-client-secret");
	ep_secret(&ep, "shopify-client-secret");
	req_init(&r, "{\"id\":820982911946154508,\"email\":\"jon@example.com\"}",
	    0);
	/* Newer event webhooks' unprefixed header name. */
	hdrs_add(&r.h, "shopify-hmac-sha256",
	    "WEIjaZVU+XHw3xcTFPJuelppxM8q6/oqexokC0/D+TE=");
	assert_int_equal(check(&ep, &r), 0);
	ep_clear(&ep);
}

/* ---- Stripe ---- */

#define STRIPE_BODY	"{\n  \"id\": \"evt_test_webhook\",\n  \"object\": \"event\",\n" \
			"  \"data\": { \"object\": { \"id\": \"rdr_123\", \"object\": " \
			"\"terminal.reader\" } }\n}"
#define STRIPE_V1	"3bfab77baf5f7b6991a46c9b53b6547d7afc56148b10468fcad9f35c1992ffbd"

static int
stripe(const char *secret, const char *header, time_t now, long tol)
{
	struct endpoint ep;
	struct req r;
	int rc;

	ep_init(&ep, PROVIDER_STRIPE);
	ep.tolerance = tol;
	ep_secret(&ep, secret);
	req_init(&r, STRIPE_BODY, now);
	hdrs_add(&r.h, "Stripe-Signature", header);
	rc = check(&ep, &r);
	ep_clear(&ep);
	return rc;
}

static void
test_stripe(void **state)
{
	const char *h = "t=1700000000,v1=" STRIPE_V1;

	(void)state;
	/* age == tolerance is accepted; one more is not (stripe-python
	 * rejects timestamp < now - tolerance). */
	assert_int_equal(stripe("whsec_test_secret", h, 1700000300, -1), 0);
	assert_int_equal(stripe("whsec_test_secret", h, 1700000301, -1), -1);
	/* stripe-future-ts (signatures.md 5): the future is accepted. */
	assert_int_equal(stripe("whsec_test_secret", h, 1699990000, -1), 0);
	/* Configured tolerance. */
	assert_int_equal(stripe("whsec_test_secret", h, 1700000010, 10), 0);
	assert_int_equal(stripe("whsec_test_secret", h, 1700000011, 10), -1);
	/* stripe-key-without-prefix: the key is the whole whsec_ string. */
	assert_int_equal(stripe("test_secret", h, 1700000010, -1), -1);
	/* Any v1 matches, wherever it stands in the list. */
	assert_int_equal(stripe("whsec_test_secret", "t=1700000000,v1=" STRIPE_V1
	    ",v1=f8da3c57978b5355b9b0b40492161305c3c9c8469a9d2784a0163739b30929f3",
	    1700000010, -1), 0);
	/* Other labels ignored, v1 anywhere, malformed entries skipped. */
	assert_int_equal(stripe("whsec_test_secret",
	    "v0=abc,junk,v1=zz,t=1700000000,v9=1,v1=" STRIPE_V1, 1700000010,
	    -1), 0);
	/* Uppercase hex: refused like GitHub's (string compare in
	 * stripe-python). */
	assert_int_equal(stripe("whsec_test_secret", "t=1700000000,v1="
	    "3BFAB77BAF5F7B6991A46C9B53B6547D7AFC56148B10468FCAD9F35C1992FFBD",
	    1700000010, -1), -1);
	assert_int_equal(stripe("whsec_test_secret", "t=1700000000", 1700000010,
	    -1), -1);
	assert_int_equal(stripe("whsec_test_secret", "", 1700000010, -1), -1);
	assert_int_equal(stripe("whsec_test_secret", ",,,=,t=,v1=", 1700000010,
	    -1), -1);
}

/* ---- strict timestamps ---- */

static void
test_strict_timestamps(void **state)
{
	static const char *const bad[] = {
		"", "+1531420618", " 1531420618", "1531420618 ", "-1",
		"0x5b47", "1.5e9", "1531420618abc", "1234567890123456789",
	};
	struct endpoint ep;
	struct req r;
	size_t i;

	(void)state;
	/*
	 * Each MAC below is right for its malformed timestamp, so only the
	 * strict parse refuses them (a parseInt() reading "1531420618abc"
	 * as 1531420618 would accept). Computed with
	 * printf 'v0:1531420618abc:%s' "$BODY" | openssl dgst -sha256 -hmac ...
	 */
	ep_init(&ep, PROVIDER_SLACK);
	ep_secret(&ep, "8f742231b10e8888abcd99yyyzzz85a5");
	req_init(&r, "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c",
	    1531420618);
	hdrs_add(&r.h, "X-Slack-Request-Timestamp", "1531420618abc");
	hdrs_add(&r.h, "X-Slack-Signature", "v0="
	    "2f1cf5c2924e1e3a24c1a68880d9e427f47afe4f43e32320a7c214f27e665b48");
	assert_int_equal(check(&ep, &r), -1);
	r.h.value[0] = "+1531420618";
	r.h.value[1] = "v0="
	    "a0cfd4fbc51d08fd5f272ce8201721556dae10f27e719706233104d241bcccfa";
	assert_int_equal(check(&ep, &r), -1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r.h.value[0] = bad[i];
		assert_int_equal(check(&ep, &r), -1);
	}
	/* Leading zeros are still a decimal integer. */
	r.h.value[0] = "1531420618";
	r.h.value[1] = "v0="
	    "a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";
	assert_int_equal(check(&ep, &r), 0);
	ep_clear(&ep);

	/* Stripe t=1700000000abc with its right MAC. */
	assert_int_equal(stripe("whsec_test_secret", "t=1700000000abc,v1="
	    "ff5ecdfc6e7500544f441c8fd20cb699d11e06f6fb58105ecb700893db4916e0",
	    1700000010, -1), -1);

	/* Standard Webhooks 1614265330abc with its right MAC. */
	ep_init(&ep, PROVIDER_STANDARD);
	ep_secret(&ep, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
	req_init(&r, "{\"test\": 2432232314}", 1614265330);
	hdrs_add(&r.h, "webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek");
	hdrs_add(&r.h, "webhook-timestamp", "1614265330abc");
	hdrs_add(&r.h, "webhook-signature",
	    "v1,tmV1BWGtKDauIZQmjaG7fjb348Wn2THVrSpSQmNNEcs=");
	assert_int_equal(check(&ep, &r), -1);
	ep_clear(&ep);

	/* Discord 1700000000abc, signed with the RFC 8032 7.1 TEST 1 key
	 * (openssl pkeyutl -sign -rawin). */
	ep_init(&ep, PROVIDER_DISCORD);
	ep.public_key = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
	req_init(&r, "{\"type\":1}", 1700000000);
	hdrs_add(&r.h, "X-Signature-Timestamp", "1700000000abc");
	hdrs_add(&r.h, "X-Signature-Ed25519",
	    "7f5d81a988a5fe35a4dd6bf538c63b342dc3fff9a98ec2aa7934d828d66afa85"
	    "652790db46544508addcc4bcdd741f11d7bef0fbf0341aa8e78edd10b1967a0f");
	assert_int_equal(check(&ep, &r), -1);
}

/* ---- tolerance boundaries ---- */

static int
slack_at(time_t now, long tol)
{
	struct endpoint ep;
	struct req r;
	int rc;

	ep_init(&ep, PROVIDER_SLACK);
	ep.tolerance = tol;
	ep_secret(&ep, "8f742231b10e8888abcd99yyyzzz85a5");
	req_init(&r, "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c",
	    now);
	hdrs_add(&r.h, "X-Slack-Request-Timestamp", "1531420618");
	hdrs_add(&r.h, "X-Slack-Signature", "v0="
	    "a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503");
	rc = check(&ep, &r);
	ep_clear(&ep);
	return rc;
}

static int
sw_at(enum provider p, time_t now, long tol)
{
	struct endpoint ep;
	struct req r;
	int rc;

	ep_init(&ep, p);
	ep.tolerance = tol;
	ep_secret(&ep, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
	req_init(&r, "{\"test\": 2432232314}", now);
	hdrs_add(&r.h, "webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek");
	hdrs_add(&r.h, "webhook-timestamp", "1614265330");
	hdrs_add(&r.h, "webhook-signature",
	    "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
	rc = check(&ep, &r);
	ep_clear(&ep);
	return rc;
}

static int
paddle_at(time_t now, long tol)
{
	struct endpoint ep;
	struct req r;
	int rc;

	ep_init(&ep, PROVIDER_PADDLE);
	ep.tolerance = tol;
	ep_secret(&ep, "VALID_SECRET");
	req_init(&r, "{\"data\": [\"1\", \"2\"]}", now);
	hdrs_add(&r.h, "Paddle-Signature", "ts=1698796800;h1="
	    "a300428748dce5c70e4da19bffd60769591ea969c99dea3105d0ec9612cf43f9");
	rc = check(&ep, &r);
	ep_clear(&ep);
	return rc;
}

static int
discord_at(time_t now, long tol)
{
	struct endpoint ep;
	struct req r;

	ep_init(&ep, PROVIDER_DISCORD);
	ep.tolerance = tol;
	ep.public_key = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
	req_init(&r, "{\"type\":1}", now);
	hdrs_add(&r.h, "X-Signature-Timestamp", "1700000000");
	hdrs_add(&r.h, "X-Signature-Ed25519",
	    "1695961a47c91a1ec033b819b7e87e3dbc583dd0cee6d1fd0216f58ac87b6228"
	    "ae531ddbf91fb7bc28d7edf7f08604da16f54624f38a6bc0614e4dc13cd47f0f");
	return check(&ep, &r);
}

static void
test_tolerance(void **state)
{
	(void)state;
	/* Slack: abs(now - ts) <= 300. */
	assert_int_equal(slack_at(1531420618 + 300, -1), 0);
	assert_int_equal(slack_at(1531420618 + 301, -1), -1);
	assert_int_equal(slack_at(1531420618 - 300, -1), 0);
	assert_int_equal(slack_at(1531420618 - 301, -1), -1);
	assert_int_equal(slack_at(1531420618 + 30, 29), -1);
	/* Standard Webhooks (and generic): both ways, 300 s. */
	assert_int_equal(sw_at(PROVIDER_STANDARD, 1614265330 - 300, -1), 0);
	assert_int_equal(sw_at(PROVIDER_STANDARD, 1614265330 - 301, -1), -1);
	assert_int_equal(sw_at(PROVIDER_GENERIC, 1614265330 - 301, -1), -1);
	assert_int_equal(sw_at(PROVIDER_GENERIC, 1614265330 + 300, -1), 0);
	assert_int_equal(sw_at(PROVIDER_STANDARD, 1614265330 + 60, 60), 0);
	assert_int_equal(sw_at(PROVIDER_STANDARD, 1614265330 + 61, 60), -1);
	/* Paddle: 5 s old by default (paddle-node-sdk test "at max allowed
	 * time at 5 seconds"), the future is fine, configurable. */
	assert_int_equal(paddle_at(1698796801, -1), 0);
	assert_int_equal(paddle_at(1698796805, -1), 0);
	assert_int_equal(paddle_at(1698796806, -1), -1);
	assert_int_equal(paddle_at(1698796800 + 4 * 86400, -1), -1);
	assert_int_equal(paddle_at(1698796700, -1), 0);
	assert_int_equal(paddle_at(1698797100, 300), 0);
	assert_int_equal(paddle_at(1698797101, 300), -1);
	/* Discord: none unless configured; then both ways. */
	assert_int_equal(discord_at(1900000000, -1), 0);
	assert_int_equal(discord_at(1700000005, 5), 0);
	assert_int_equal(discord_at(1700000006, 5), -1);
	assert_int_equal(discord_at(1699999994, 5), -1);
}

/* ---- Paddle, official multi-h1 ---- */

static void
test_paddle_official(void **state)
{
	struct endpoint ep;
	struct req r;

	(void)state;
	/* PaddleHQ/paddle-node-sdk
	 * src/__tests__/notifications/webhooks-validator.node.test.ts:
	 * "Valid signature with multiple hashes", "Invalid timestamp",
	 * "Invalid signature", "Missing TS", "Missing H1". */
	ep_init(&ep, PROVIDER_PADDLE);
	ep_secret(&ep, "VALID_SECRET");
	req_init(&r, "{\"data\": \"value\"}", 1698796800);
	hdrs_add(&r.h, "Paddle-Signature", "ts=1698796800;"
	    "h1=28981e941fae76e53db32f3d2a83cb69db41476595e84e1970a1b5d98f62b261;"
	    "h1=28981e941fae76e53db32f3d2a83cb69db41476595e84e1970a1b5d98f62b261;"
	    "h2=RANDOM_HASH");
	assert_int_equal(check(&ep, &r), 0);
	req_init(&r, "{\"data\": [\"1\", \"2\"]}", 1698796800);
	hdrs_add(&r.h, "Paddle-Signature", "ts=9876;h1="
	    "a300428748dce5c70e4da19bffd60769591ea969c99dea3105d0ec9612cf43f9");
	assert_int_equal(check(&ep, &r), -1);
	r.h.value[0] = "ts=1234;h1=invalid_signature";
	assert_int_equal(check(&ep, &r), -1);
	r.h.value[0] = "invalid_header";
	assert_int_equal(check(&ep, &r), -1);
	r.h.value[0] = "h1=invalid_header";
	assert_int_equal(check(&ep, &r), -1);
	r.h.value[0] = "ts=1234;h2=invalid_header";
	assert_int_equal(check(&ep, &r), -1);
	ep_clear(&ep);
}

/* ---- Standard Webhooks extras, GitLab signing token ---- */

/* GitLab MR !230944's example token, 32 bytes "testtest...": a padded
 * base64 secret, also tried without its '='. Signature computed with
 * printf '%s' 'c1f2e3d4-...0001.1700000000.{"object_kind":"push"}' |
 *   openssl dgst -sha256 -mac HMAC -macopt hexkey:7465...74 -binary | base64 */
#define GL_TOKEN	"whsec_dGVzdHRlc3R0ZXN0dGVzdHRlc3R0ZXN0dGVzdHRlc3Q="
#define GL_TOKEN_NOPAD	"whsec_dGVzdHRlc3R0ZXN0dGVzdHRlc3R0ZXN0dGVzdHRlc3Q"
#define GL_ID		"c1f2e3d4-0000-4000-8000-000000000001"
#define GL_SIG		"v1,SH+TKODkSAobke9IhOsVpmfuAPGx9OKuHU4rgrpZ0rQ="

static void
gl_req(struct req *r, int with_sig, const char *token)
{
	req_init(r, "{\"object_kind\":\"push\"}", 1700000000);
	hdrs_add(&r->h, "webhook-id", GL_ID);
	hdrs_add(&r->h, "webhook-timestamp", "1700000000");
	if (with_sig)
		hdrs_add(&r->h, "webhook-signature", GL_SIG);
	if (token)
		hdrs_add(&r->h, "X-Gitlab-Token", token);
}

static void
test_standard_extra(void **state)
{
	struct endpoint ep;
	struct req r;

	(void)state;
	/* sw-unpadded-secret (signatures.md 7, 11). */
	ep_init(&ep, PROVIDER_STANDARD);
	ep_secret(&ep, GL_TOKEN_NOPAD);
	gl_req(&r, 1, NULL);
	assert_int_equal(check(&ep, &r), 0);
	ep_clear(&ep);
	ep_init(&ep, PROVIDER_STANDARD);
	ep_secret(&ep, GL_TOKEN);
	assert_int_equal(check(&ep, &r), 0);
	/* Non-canonical base64 in the signature (last char's unused bits
	 * set) and unpadded signatures are refused. */
	r.h.value[2] = "v1,SH+TKODkSAobke9IhOsVpmfuAPGx9OKuHU4rgrpZ0rR=";
	assert_int_equal(check(&ep, &r), -1);
	r.h.value[2] = "v1,SH+TKODkSAobke9IhOsVpmfuAPGx9OKuHU4rgrpZ0rQ";
	assert_int_equal(check(&ep, &r), -1);
	r.h.value[2] = "v1,SH+TKODkSAobke9IhOsVpmfuAPGx9OKuHU4rgrpZ0rQ= ";
	assert_int_equal(check(&ep, &r), 0);	/* trailing delimiter */
	r.h.value[2] = "v1, SH+TKODkSAobke9IhOsVpmfuAPGx9OKuHU4rgrpZ0rQ=";
	assert_int_equal(check(&ep, &r), -1);
	r.h.value[2] = "v1,SH+TKODkSAobke9IhOsVpmfuAPGx9OKuHU4rgrpZ0rQ=\n";
	assert_int_equal(check(&ep, &r), -1);
	r.h.value[2] = "";
	assert_int_equal(check(&ep, &r), -1);
	r.h.value[2] = "v1";
	assert_int_equal(check(&ep, &r), -1);
	ep_clear(&ep);

	/* A secret that is not base64 is no key at all. */
	ep_init(&ep, PROVIDER_STANDARD);
	ep_secret(&ep, "whsec_not base64!");
	gl_req(&r, 1, NULL);
	assert_int_equal(check(&ep, &r), -1);
	ep_clear(&ep);

	/* v1 and v1a on one endpoint: a wrong v1 then the right v1a. */
	ep_init(&ep, PROVIDER_STANDARD);
	ep_secret(&ep, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
	ep.public_key = "whpk_4rQZjjkCnn4m/ciYBaRPSZTA+Y/UwqgD6hgxOllF28g=";
	req_init(&r, "{\"test\": 2432232314}", 1614265330);
	hdrs_add(&r.h, "webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek");
	hdrs_add(&r.h, "webhook-timestamp", "1614265330");
	hdrs_add(&r.h, "webhook-signature",
	    "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= "
	    "v1a,wY2SZc3TRkb1YQ3GVtlawNyAeN6SEYiztr+FExZJzpEd7BY8kO2olVTahf5NW2nn86HK/3ZM9G2VRPMiA51jDA==");
	assert_int_equal(check(&ep, &r), 0);
	/* The v1a signature labelled v1 is not accepted. */
	r.h.value[2] = "v1,wY2SZc3TRkb1YQ3GVtlawNyAeN6SEYiztr+FExZJzpEd7BY8kO2olVTahf5NW2nn86HK/3ZM9G2VRPMiA51jDA==";
	assert_int_equal(check(&ep, &r), -1);
	ep_clear(&ep);
}

static void
test_gitlab_signing_token(void **state)
{
	struct endpoint ep;
	struct req r;

	(void)state;
	/* Signing token only. */
	ep_init(&ep, PROVIDER_GITLAB);
	ep.signing_token = GL_TOKEN;
	assert_int_equal(verify_required(&ep), 1);
	gl_req(&r, 1, NULL);
	assert_int_equal(check(&ep, &r), 0);
	gl_req(&r, 0, "anything");
	assert_int_equal(check(&ep, &r), -1);
	/* Both: signature when present, else the token. */
	ep_secret(&ep, "my-gitlab-secret-token");
	gl_req(&r, 1, "wrong-token");
	assert_int_equal(check(&ep, &r), 0);
	gl_req(&r, 0, "my-gitlab-secret-token");
	assert_int_equal(check(&ep, &r), 0);
	gl_req(&r, 0, "wrong-token");
	assert_int_equal(check(&ep, &r), -1);
	/* A bad signature is not rescued by a right token. */
	gl_req(&r, 0, "my-gitlab-secret-token");
	hdrs_add(&r.h, "webhook-signature",
	    "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
	assert_int_equal(check(&ep, &r), -1);
	/* Outside tolerance. */
	gl_req(&r, 1, NULL);
	r.in.now = 1700000301;
	assert_int_equal(check(&ep, &r), -1);
	ep_clear(&ep);
}

/* ---- Gitea form, Bitbucket ---- */

static void
test_gitea(void **state)
{
	struct endpoint ep;
	struct req r;
	/* HMAC over the decoded payload field:
	 * printf '%s' '{"ref":"refs/heads/main","a b":"x+y&z"}' |
	 *   openssl dgst -sha256 -hmac "It's a Secret to Everybody" */
	const char *sig =
	    "a5df69e0da118912a0c050026100fdb661f170a9f8cfce509c5d12be6c54ca0b";

	(void)state;
	ep_init(&ep, PROVIDER_GITEA);
	ep_secret(&ep, GH_SECRET);
	req_init(&r, "payload=%7B%22ref%22%3A%22refs%2Fheads%2Fmain%22%2C%22a+b"
	    "%22%3A%22x%2By%26z%22%7D", 0);
	r.in.content_type = "application/x-www-form-urlencoded; charset=utf-8";
	hdrs_add(&r.h, "X-Gitea-Signature", sig);
	assert_int_equal(check(&ep, &r), 0);
	/* The same body as JSON content: the HMAC is of the raw body. */
	r.in.content_type = "application/json";
	assert_int_equal(check(&ep, &r), -1);
	/* Form without a payload field, bad escape. */
	req_init(&r, "other=1", 0);
	r.in.content_type = "application/x-www-form-urlencoded";
	hdrs_add(&r.h, "X-Gitea-Signature", sig);
	assert_int_equal(check(&ep, &r), -1);
	req_init(&r, "payload=%7", 0);
	r.in.content_type = "application/x-www-form-urlencoded";
	hdrs_add(&r.h, "X-Gitea-Signature", sig);
	assert_int_equal(check(&ep, &r), -1);
	/* Forgejo and Gogs names; uppercase refused. */
	req_init(&r, GH_BODY, 0);
	hdrs_add(&r.h, "X-Forgejo-Signature", GH_SHA256);
	assert_int_equal(check(&ep, &r), 0);
	req_init(&r, GH_BODY, 0);
	hdrs_add(&r.h, "X-Gogs-Signature", GH_SHA256);
	assert_int_equal(check(&ep, &r), 0);
	req_init(&r, GH_BODY, 0);
	hdrs_add(&r.h, "X-Gitea-Signature",
	    "757107EA0EB2509FC211221CCE984B8A37570B6D7586C22C46F4379C8B043E17");
	assert_int_equal(check(&ep, &r), -1);
	ep_clear(&ep);
}

static void
test_bitbucket(void **state)
{
	struct endpoint ep;
	struct req r;

	(void)state;
	ep_init(&ep, PROVIDER_BITBUCKET);
	ep_secret(&ep, "bitbucket-secret");
	req_init(&r, "{\"push\":{\"changes\":[]}}", 0);
	/* printf '%s' '{"push":{"changes":[]}}' | openssl dgst -sha1 -hmac bitbucket-secret */
	hdrs_add(&r.h, "X-Hub-Signature",
	    "sha1=6adf6b0e71c257926903c064e70db582a16f2824");
	assert_int_equal(check(&ep, &r), 0);
	r.h.value[0] = "sha512=6adf6b0e71c257926903c064e70db582a16f2824";
	assert_int_equal(check(&ep, &r), -1);
	r.h.value[0] = "sha256=6adf6b0e71c257926903c064e70db582a16f2824";
	assert_int_equal(check(&ep, &r), -1);
	r.h.value[0] = "6adf6b0e71c257926903c064e70db582a16f2824";
	assert_int_equal(check(&ep, &r), -1);
	ep_clear(&ep);
}

/* ---- Twilio SDK tests the vectors lack ---- */

#define TW_BODY	"CallSid=CA1234567890ABCDE&Digits=1234&From=%2B14158675309" \
		"&To=%2B18005551212&Caller=%2B14158675309"

static int
twilio(const char *url, const char *qs, const char *ct, const char *body,
    const char *sig)
{
	struct endpoint ep;
	struct req r;
	int rc;

	ep_init(&ep, PROVIDER_TWILIO);
	ep_secret(&ep, "12345");
	ep.public_url = (char *)url;
	req_init(&r, body, 0);
	r.in.query_string = qs;
	r.in.content_type = ct;
	hdrs_add(&r.h, "X-Twilio-Signature", sig);
	rc = check(&ep, &r);
	ep_clear(&ep);
	return rc;
}

static void
test_twilio(void **state)
{
	const char *form = "application/x-www-form-urlencoded";

	(void)state;
	/* twilio/twilio-python tests/unit/test_request_validator.py:
	 * test_compute_signature_duplicate_query_dict. */
	assert_int_equal(twilio("https://mycompany.com/myapp.php", "foo=1&bar=2",
	    form, "Sid=CA123&SidAccount=AC123&Digits=5678&Digits=1234",
	    "IK+Dwps556ElfBT0I3Rgjkr1wJU="), 0);
	/* ... test_compute_signature_duplicate_query_dict's own body: a
	 * repeated key, its values unsorted, one value twice. */
	assert_int_equal(twilio("https://mycompany.com/myapp.php", "foo=1&bar=2",
	    form, "Sid=CA123&SidAccount=AC123&Digits=5678&Digits=1234"
	    "&Digits=1234", "IK+Dwps556ElfBT0I3Rgjkr1wJU="), 0);
	/* Derived (twilio-python's compute_signature on parse_qsl):
	 * repeated keys with an empty value, a prefix value ("a" < "ab"),
	 * '+' as a space and %2B as '+' (distinct values), in any order. */
	assert_int_equal(twilio("https://mycompany.com/myapp.php", "foo=1&bar=2",
	    form, "MediaUrl=b&Body=a+b&MediaUrl=a&MediaUrl=&Body=a%2Bb"
	    "&MediaUrl=ab&Body=a+b", "57w2kv/ic2+F0tI0ZqBdw7MeCZc="), 0);
	assert_int_equal(twilio("https://mycompany.com/myapp.php", "foo=1&bar=2",
	    form, "MediaUrl=b&Body=a+b&MediaUrl=a&Body=a%2Bb&MediaUrl=ab",
	    "57w2kv/ic2+F0tI0ZqBdw7MeCZc="), -1);	/* MediaUrl= dropped */
	/* Distinct values: a repeated pair is signed once. */
	assert_int_equal(twilio("https://mycompany.com/myapp.php", "foo=1&bar=2",
	    form, "Digits=1234&Sid=CA123&SidAccount=AC123&Digits=5678&Digits=1234",
	    "IK+Dwps556ElfBT0I3Rgjkr1wJU="), 0);
	/* test_validation_removes_port_on_https */
	assert_int_equal(twilio("https://mycompany.com:1234/myapp.php",
	    "foo=1&bar=2", form, TW_BODY, "RSOYDt4T1cUTdK1PDd93/VVr8B8="), 0);
	/* test_validation_removes_port_on_http */
	assert_int_equal(twilio("http://mycompany.com:1234/myapp.php",
	    "foo=1&bar=2", form, TW_BODY, "Zmvh+3yNM1Phv2jhDCwEM3q5ebU="), 0);
	/* test_validation_adds_port_on_https, with the query in public_url */
	assert_int_equal(twilio("https://mycompany.com/myapp.php?foo=1&bar=2",
	    NULL, form, TW_BODY, "kvajT1Ptam85bY51eRf/AJRuM3w="), 0);
	/* public_url copied whole from Twilio's console, query and all, and
	 * the request carries that query: signed once, not twice. */
	assert_int_equal(twilio("https://mycompany.com/myapp.php?foo=1&bar=2",
	    "foo=1&bar=2", form, TW_BODY, "RSOYDt4T1cUTdK1PDd93/VVr8B8="), 0);
	assert_int_equal(twilio("https://mycompany.com:443/myapp.php?foo=1&bar=2",
	    "foo=1&bar=2", form, TW_BODY, "kvajT1Ptam85bY51eRf/AJRuM3w="), 0);
	/* public_url's query differs from the request's: Twilio signed the
	 * URL it requested, whose query the request carries (derived:
	 * the duplicate-params body over ?foo=1&bar=3). */
	assert_int_equal(twilio("https://mycompany.com/myapp.php?foo=1&bar=2",
	    "foo=1&bar=3", form, "Sid=CA123&SidAccount=AC123&Digits=5678"
	    "&Digits=1234", "CXVtiAdrw/8vFgBZM+I/IkU57js="), 0);
	assert_int_equal(twilio("https://mycompany.com/myapp.php?foo=1&bar=2",
	    "foo=1&bar=3", form, "Sid=CA123&SidAccount=AC123&Digits=5678"
	    "&Digits=1234", "IK+Dwps556ElfBT0I3Rgjkr1wJU="), -1);
	/* ... and no longer both queries one after the other. */
	assert_int_equal(twilio("https://mycompany.com/myapp.php?foo=1",
	    "bar=2", form, TW_BODY, "RSOYDt4T1cUTdK1PDd93/VVr8B8="), -1);
	/* test_validation_of_body_succeeds; then a body that does not hash
	 * to bodySHA256, and JSON without bodySHA256. */
	assert_int_equal(twilio("https://mycompany.com/myapp.php",
	    "foo=1&bar=2&bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620",
	    "application/json", "{\"property\": \"value\", \"boolean\": true}",
	    "a9nBmqA0ju/hNViExpshrM61xv4="), 0);
	assert_int_equal(twilio("https://mycompany.com/myapp.php",
	    "foo=1&bar=2&bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620",
	    "application/json", "{\"property\": \"value\", \"boolean\": false}",
	    "a9nBmqA0ju/hNViExpshrM61xv4="), -1);
	assert_int_equal(twilio("https://mycompany.com/myapp.php", "foo=1&bar=2",
	    "application/json", "{\"property\": \"value\", \"boolean\": true}",
	    "RSOYDt4T1cUTdK1PDd93/VVr8B8="), -1);
	/* Not base64, a bad escape in the body, no public_url. */
	assert_int_equal(twilio("https://mycompany.com/myapp.php", "foo=1&bar=2",
	    form, TW_BODY, "RSOYDt4T1cUTdK1PDd93/VVr8B8"), -1);
	assert_int_equal(twilio("https://mycompany.com/myapp.php", "foo=1&bar=2",
	    form, "CallSid=%G1", "RSOYDt4T1cUTdK1PDd93/VVr8B8="), -1);
	assert_int_equal(twilio(NULL, "foo=1&bar=2", form, TW_BODY,
	    "RSOYDt4T1cUTdK1PDd93/VVr8B8="), -1);
}

/* ---- hmac provider ---- */

static void
test_hmac_provider(void **state)
{
	struct endpoint ep;
	struct req r;

	(void)state;
	/* sha512, base64, a prefix, a timestamp in the signed content:
	 * printf '%s' '1700000000.{"event":"x"}' |
	 *   openssl dgst -sha512 -hmac hmac-secret -binary | base64 */
	ep_init(&ep, PROVIDER_HMAC);
	ep_secret(&ep, "hmac-secret");
	ep.signature_header = "X-Signature";
	ep.algorithm = "sha512";
	ep.encoding = "base64";
	ep.prefix = "sha512=";
	ep.timestamp_header = "X-Timestamp";
	ep.signed_content = "{timestamp}.{body}";
	req_init(&r, "{\"event\":\"x\"}", 1700000000);
	hdrs_add(&r.h, "X-Signature", "sha512=q7UQtTLFTI2XUamYUc4Iyzp34mYkUCZm"
	    "ln1uh3lGRK8EYraP6g2UbkNmyyCwrfMkUVAyDyWPFaKxIF2KcWHwiA==");
	hdrs_add(&r.h, "X-Timestamp", "1700000000");
	assert_int_equal(check(&ep, &r), 0);
	r.in.now = 1700000300;
	assert_int_equal(check(&ep, &r), 0);
	r.in.now = 1700000301;
	assert_int_equal(check(&ep, &r), -1);
	r.in.now = 1699999699;
	assert_int_equal(check(&ep, &r), -1);
	ep.tolerance = 3600;
	assert_int_equal(check(&ep, &r), 0);
	r.h.value[1] = "1700000000x";
	assert_int_equal(check(&ep, &r), -1);
	r.h.value[1] = "1700000001";
	assert_int_equal(check(&ep, &r), -1);
	r.h.n = 1;	/* no timestamp header */
	assert_int_equal(check(&ep, &r), -1);
	/* Without the prefix. */
	req_init(&r, "{\"event\":\"x\"}", 1700000000);
	hdrs_add(&r.h, "X-Signature", "q7UQtTLFTI2XUamYUc4Iyzp34mYkUCZm"
	    "ln1uh3lGRK8EYraP6g2UbkNmyyCwrfMkUVAyDyWPFaKxIF2KcWHwiA==");
	hdrs_add(&r.h, "X-Timestamp", "1700000000");
	assert_int_equal(check(&ep, &r), -1);
	ep_clear(&ep);

	/* sha1, hex (either case), {id} from delivery_header, literals:
	 * printf '%s' 'v1:d-42:{"event":"x"}' | openssl dgst -sha1 -hmac hmac-secret */
	ep_init(&ep, PROVIDER_HMAC);
	ep_secret(&ep, "hmac-secret");
	ep.signature_header = "X-Sig";
	ep.algorithm = "sha1";
	ep.encoding = "hex";
	ep.delivery_header = "X-Delivery";
	ep.signed_content = "v1:{id}:{body}";
	req_init(&r, "{\"event\":\"x\"}", 0);
	hdrs_add(&r.h, "X-Sig", "c10d442df0be788acd98d203ef6627e7685bbcb9");
	hdrs_add(&r.h, "X-Delivery", "d-42");
	assert_int_equal(check(&ep, &r), 0);
	r.h.value[0] = "C10D442DF0BE788ACD98D203EF6627E7685BBCB9";
	assert_int_equal(check(&ep, &r), 0);
	r.h.value[1] = "d-43";
	assert_int_equal(check(&ep, &r), -1);
	r.h.n = 1;	/* {id} with no delivery header */
	assert_int_equal(check(&ep, &r), -1);
	ep_clear(&ep);

	/* Defaults: sha256, hex, "{body}"; the GitHub value. */
	ep_init(&ep, PROVIDER_HMAC);
	ep_secret(&ep, GH_SECRET);
	ep.signature_header = "X-Hub-Signature-256";
	ep.prefix = "sha256=";
	req_init(&r, GH_BODY, 0);
	hdrs_add(&r.h, "X-Hub-Signature-256", "sha256=" GH_SHA256);
	assert_int_equal(check(&ep, &r), 0);
	/* A template with other braces kept literal, {timestamp} without
	 * timestamp_header, a bad algorithm, no signature_header. */
	ep.signed_content = "{x}{body}";
	assert_int_equal(check(&ep, &r), -1);
	ep.signed_content = "{timestamp}{body}";
	assert_int_equal(check(&ep, &r), -1);
	ep.signed_content = NULL;
	ep.algorithm = "md5";
	assert_int_equal(check(&ep, &r), -1);
	ep.algorithm = NULL;
	ep.encoding = "base32";
	assert_int_equal(check(&ep, &r), -1);
	ep.encoding = NULL;
	ep.signature_header = NULL;
	assert_int_equal(check(&ep, &r), -1);
	ep_clear(&ep);
}

/* ---- misc ---- */

static void
test_not_required(void **state)
{
	struct endpoint ep;
	struct req r;
	int p;

	(void)state;
	for (p = 0; p < PROVIDER__COUNT; p++) {
		ep_init(&ep, (enum provider)p);
		assert_int_equal(verify_required(&ep), 0);
		req_init(&r, "{}", 0);
		assert_int_equal(check(&ep, &r), 0);
		ep.public_key = "x";
		assert_int_equal(verify_required(&ep), 1);
		ep.public_key = NULL;
		ep_secret(&ep, "s");
		assert_int_equal(verify_required(&ep), 1);
		/* No headers at all: refused by every scheme. */
		assert_int_equal(check(&ep, &r), -1);
		ep_clear(&ep);
	}
}

/* A key the provider cannot use still requires a signature, and the
 * refusal says what is missing. */
static void
test_wrong_key_kind(void **state)
{
	struct endpoint ep;
	struct req r;
	struct err err;

	(void)state;
	ep_init(&ep, PROVIDER_GITHUB);
	ep.public_key = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
	req_init(&r, GH_BODY, 0);
	hdrs_add(&r.h, "X-Hub-Signature-256", "sha256=" GH_SHA256);
	assert_int_equal(verify_request(&ep, &r.in, &err), -1);
	assert_string_equal(err.msg, "endpoint has no secret for its provider");
	ep_init(&ep, PROVIDER_DISCORD);
	ep_secret(&ep, "whatever");
	assert_int_equal(verify_request(&ep, &r.in, &err), -1);
	assert_string_equal(err.msg,
	    "endpoint has no public_key for its provider");
	ep_clear(&ep);
	/* A signing token alone is for gitlab only. */
	ep_init(&ep, PROVIDER_STANDARD);
	ep.signing_token = GL_TOKEN;
	gl_req(&r, 1, NULL);
	assert_int_equal(verify_request(&ep, &r.in, &err), -1);
}

static void
test_equal(void **state)
{
	(void)state;
	assert_int_equal(verify_equal("abc", 3, "abc", 3), 1);
	assert_int_equal(verify_equal("abc", 3, "abd", 3), 0);
	assert_int_equal(verify_equal("abc", 3, "abcd", 4), 0);
	assert_int_equal(verify_equal("", 0, "", 0), 1);
	assert_int_equal(verify_equal(NULL, 0, "x", 0), 1);
}

/* Header values far longer than any MAC: no fixed buffer to overrun,
 * and the message does not echo them. */
static void
test_long_headers(void **state)
{
	static const char *const names[] = {
		"X-Hub-Signature-256", "X-Hub-Signature", "X-Gitea-Signature",
		"X-Gitlab-Token", "Stripe-Signature", "X-Slack-Signature",
		"X-Slack-Request-Timestamp", "webhook-id", "webhook-timestamp",
		"webhook-signature", "X-Shopify-Hmac-Sha256", "Paddle-Signature",
		"X-Square-Hmacsha256-Signature", "X-Twilio-Signature",
		"X-Signature-Ed25519", "X-Signature-Timestamp", "X-Sig",
	};
	struct endpoint ep;
	struct req r;
	struct err err;
	size_t len = 1 << 20, i;
	char *big;
	int p;

	(void)state;
	big = malloc(len + 1);
	assert_non_null(big);
	for (i = 0; i < len; i++)
		big[i] = "v1=,t;a0 "[i % 9];
	big[len] = '\0';
	for (p = 0; p < PROVIDER__COUNT; p++) {
		ep_init(&ep, (enum provider)p);
		ep_secret(&ep, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
		ep.public_key = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
		ep.public_url = "https://example.com/hook";
		ep.signature_header = "X-Sig";
		req_init(&r, "{}", 1700000000);
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			hdrs_add(&r.h, names[i], big);
		memset(&err, 0, sizeof(err));
		assert_int_equal(verify_request(&ep, &r.in, &err), -1);
		assert_true(strlen(err.msg) < 200);
		assert_null(strstr(err.msg, "v1=,t"));
		ep_clear(&ep);
	}
	free(big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_github_sha1_needs_opt_in),
		cmocka_unit_test(test_rotation),
		cmocka_unit_test(test_stripe),
		cmocka_unit_test(test_strict_timestamps),
		cmocka_unit_test(test_tolerance),
		cmocka_unit_test(test_paddle_official),
		cmocka_unit_test(test_standard_extra),
		cmocka_unit_test(test_gitlab_signing_token),
		cmocka_unit_test(test_gitea),
		cmocka_unit_test(test_bitbucket),
		cmocka_unit_test(test_twilio),
		cmocka_unit_test(test_hmac_provider),
		cmocka_unit_test(test_not_required),
		cmocka_unit_test(test_wrong_key_kind),
		cmocka_unit_test(test_equal),
		cmocka_unit_test(test_long_headers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
