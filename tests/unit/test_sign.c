/* test_sign.c: the signing half: known vectors per provider (from
 * tests/vectors/vectors.json), then sign-and-verify round trips through
 * verify_request() for every provider, and the refusals. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "conf.h"
#include "sign.h"
#include "verify.h"
#include "verify_req.h"

#define VECTORS	"tests/vectors/vectors.json"

static json_object *
vector(json_object *root, const char *id)
{
	size_t i, n = json_object_array_length(root);
	json_object *v;

	for (i = 0; i < n; i++) {
		v = json_object_array_get_idx(root, i);
		if (strcmp(jstr(v, "id"), id) == 0)
			return v;
	}
	fail_msg("no vector %s in " VECTORS, id);
	return NULL;
}

/* The vector's value of header name (case-insensitive). */
static const char *
vheader(json_object *v, const char *name)
{
	json_object *hs;

	if (!json_object_object_get_ex(v, "headers", &hs))
		return NULL;
	json_object_object_foreach(hs, k, val)
		if (strcasecmp(k, name) == 0)
			return json_object_get_string(val);
	return NULL;
}

/* Known vectors: signing their body with their secret (and id and
 * timestamp) must give exactly the header values they list. */
static const struct {
	const char	*id;
	enum provider	 provider;
	const char	*webhook_id;
	long long	 ts;
	const char	*compare[4];
} known[] = {
	{ "github-docs-valid", PROVIDER_GITHUB, NULL, 0,
	    { "X-Hub-Signature-256" } },
	{ "github-legacy-sha1-valid", PROVIDER_GITHUB, NULL, 0,
	    { "X-Hub-Signature" } },
	{ "gitea-valid", PROVIDER_GITEA, NULL, 0,
	    { "X-Gitea-Signature", "X-Gogs-Signature", "X-Hub-Signature-256",
	    "X-Hub-Signature" } },
	{ "gitlab-token-valid", PROVIDER_GITLAB, NULL, 0,
	    { "X-Gitlab-Token" } },
	{ "bitbucket-valid", PROVIDER_BITBUCKET, NULL, 0,
	    { "X-Hub-Signature" } },
	{ "stripe-valid", PROVIDER_STRIPE, NULL, 1700000000,
	    { "Stripe-Signature" } },
	{ "slack-docs-valid", PROVIDER_SLACK, NULL, 1531420618,
	    { "X-Slack-Request-Timestamp", "X-Slack-Signature" } },
	{ "sw-official-valid", PROVIDER_STANDARD, "msg_p5jXN8AQM9LWM0D4loKWxJek",
	    1614265330, { "webhook-id", "webhook-timestamp",
	    "webhook-signature" } },
	{ "sw-secret-without-prefix", PROVIDER_STANDARD,
	    "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
	    { "webhook-signature" } },
	{ "sw-official-valid", PROVIDER_GENERIC, "msg_p5jXN8AQM9LWM0D4loKWxJek",
	    1614265330, { "webhook-signature" } },
	{ "shopify-valid", PROVIDER_SHOPIFY, NULL, 0,
	    { "X-Shopify-Hmac-Sha256" } },
	{ "paddle-sdk-valid", PROVIDER_PADDLE, NULL, 1698796800,
	    { "Paddle-Signature" } },
};

static void
test_known_vectors(void **state)
{
	json_object *root, *v;
	struct sign_headers h = { NULL, 0 };
	struct sign_input in;
	struct err err;
	const char *body, *want, *got;
	size_t i, k;

	(void)state;
	root = json_object_from_file(VECTORS);
	assert_non_null(root);
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		v = vector(root, known[i].id);
		body = jstr(v, "body");
		memset(&in, 0, sizeof(in));
		in.provider = known[i].provider;
		in.secret = jstr(v, "secret");
		in.id = known[i].webhook_id;
		in.timestamp = (time_t)known[i].ts;
		in.body = (const unsigned char *)body;
		in.body_len = strlen(body);
		if (sign_headers(&in, &h, &err) != 0)
			fail_msg("%s: %s", known[i].id, err.msg);
		for (k = 0; k < 4 && known[i].compare[k] != NULL; k++) {
			want = vheader(v, known[i].compare[k]);
			got = sign_headers_get(&h, known[i].compare[k]);
			assert_non_null(want);
			if (got == NULL || strcmp(got, want) != 0)
				fail_msg("%s: %s is '%s', want '%s'",
				    known[i].id, known[i].compare[k],
				    got ? got : "(none)", want);
		}
		sign_headers_free(&h);
	}
	json_object_put(root);
}

/* verify_input's headers over a sign_headers list. */
static const char *
list_get(const void *ctx, const char *name)
{
	return sign_headers_get(ctx, name);
}

/* Verifies body with h as p's endpoint holding secret would, at now. */
static int
verify_with(enum provider p, const char *secret, const struct sign_headers *h,
    const char *body, time_t now, struct err *err)
{
	struct endpoint ep;
	struct headers hd = { list_get, h };
	struct verify_input in;
	int rc;

	memset(&ep, 0, sizeof(ep));
	ep.provider = p;
	ep.tolerance = -1;
	assert_int_equal(strlist_add(&ep.secrets, secret), 0);
	memset(&in, 0, sizeof(in));
	in.headers = &hd;
	in.body = (const unsigned char *)body;
	in.body_len = strlen(body);
	in.content_type = "application/json";
	in.now = now;
	rc = verify_request(&ep, &in, err);
	strlist_clear(&ep.secrets);
	return rc;
}

static const struct {
	enum provider	 provider;
	const char	*secret;
	const char	*other;		/* a different, valid secret */
} trips[] = {
	{ PROVIDER_GITHUB, "gh-secret", "gh-other" },
	{ PROVIDER_GITLAB, "gl-token", "gl-other" },
	{ PROVIDER_GITEA, "gitea-secret", "gitea-other" },
	{ PROVIDER_BITBUCKET, "bb-secret", "bb-other" },
	{ PROVIDER_STRIPE, "whsec_stripe", "whsec_other" },
	{ PROVIDER_SLACK, "8f742231b10e8888abcd99yyyzzz85a5", "slack-other" },
	{ PROVIDER_STANDARD, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
	    "whsec_dGVzdHRlc3R0ZXN0dGVzdHRlc3R0ZXN0dGVzdHRlc3Q=" },
	{ PROVIDER_GENERIC, "whsec_dGVzdHRlc3R0ZXN0dGVzdHRlc3R0ZXN0dGVzdHRlc3Q=",
	    "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" },
	{ PROVIDER_SHOPIFY, "shopify-secret", "shopify-other" },
	{ PROVIDER_PADDLE, "pdl_ntfset_secret", "pdl_other" },
};

/* Signed here, verified by verify_request(): valid; under another
 * secret, with one body byte changed, or too late: invalid. */
static void
test_round_trips(void **state)
{
	static const char body[] = "{\"event\":\"push\",\"data\":{\"n\":1},"
	    "\"type\":\"push\"}";
	char tampered[sizeof(body)];
	struct sign_headers h = { NULL, 0 };
	struct sign_input in;
	struct err err;
	time_t now = 1700000000;
	size_t i;

	(void)state;
	memcpy(tampered, body, sizeof(body));
	tampered[3] ^= 1;
	for (i = 0; i < sizeof(trips) / sizeof(trips[0]); i++) {
		memset(&in, 0, sizeof(in));
		in.provider = trips[i].provider;
		in.secret = trips[i].secret;
		in.id = "msg_2bcLlQ6Xl0zT4c1oRkL1x9X1";
		in.timestamp = now;
		in.body = (const unsigned char *)body;
		in.body_len = strlen(body);
		assert_true(sign_supported(in.provider));
		if (sign_headers(&in, &h, &err) != 0)
			fail_msg("%s: %s", provider_name(in.provider), err.msg);
		assert_true(h.n > 0);
		if (verify_with(in.provider, trips[i].secret, &h, body, now,
		    &err) != 0)
			fail_msg("%s: own signature refused: %s",
			    provider_name(in.provider), err.msg);
		/* Paddle's window is 5 s, the others' 300 s or none. */
		assert_int_equal(verify_with(in.provider, trips[i].secret, &h,
		    body, now + 4, &err), 0);
		assert_int_equal(verify_with(in.provider, trips[i].other, &h,
		    body, now, &err), -1);
		assert_null(strstr(err.msg, trips[i].secret));
		if (in.provider != PROVIDER_GITLAB)	/* a token signs nothing */
			assert_int_equal(verify_with(in.provider,
			    trips[i].secret, &h, tampered, now, &err), -1);
		if (in.provider == PROVIDER_STRIPE ||
		    in.provider == PROVIDER_SLACK ||
		    in.provider == PROVIDER_STANDARD ||
		    in.provider == PROVIDER_GENERIC ||
		    in.provider == PROVIDER_PADDLE)
			assert_int_equal(verify_with(in.provider,
			    trips[i].secret, &h, body, now + 3600, &err), -1);
		sign_headers_free(&h);
	}
}

/* Svix (`hookline send --provider svix`): the svix SDK's own signatures
 * (tests/vectors/svix.json, one secret each) under svix-* names only;
 * the secret also unpadded and one '=' short. */
static void
test_svix_vectors(void **state)
{
	json_object *root, *vs, *v;
	struct sign_headers h = { NULL, 0 };
	struct sign_input in;
	struct err err;
	const char *body, *want;
	char secret[128];
	size_t i, n, cut, len;

	(void)state;
	root = json_object_from_file("tests/vectors/svix.json");
	assert_non_null(root);
	assert_true(json_object_object_get_ex(root, "vectors", &vs));
	n = json_object_array_length(vs);
	for (i = 0; i < n; i++) {
		v = json_object_array_get_idx(vs, i);
		want = vheader(v, "svix-signature");
		if (strchr(want, ' ') != NULL)
			continue;	/* two secrets: not one signer's */
		body = jstr(v, "body");
		len = strlen(jstr(v, "secret"));
		assert_true(len < sizeof(secret));
		for (cut = 0; cut < 3; cut++) {
			memcpy(secret, jstr(v, "secret"), len + 1);
			if (cut > 0 && secret[len - cut] != '=')
				break;
			secret[len - cut] = '\0';
			memset(&in, 0, sizeof(in));
			in.provider = PROVIDER_STANDARD;
			in.svix = 1;
			in.secret = secret;
			in.id = vheader(v, "svix-id");
			in.timestamp = (time_t)atoll(vheader(v,
			    "svix-timestamp"));
			in.body = (const unsigned char *)body;
			in.body_len = strlen(body);
			if (sign_headers(&in, &h, &err) != 0)
				fail_msg("%s: %s", jstr(v, "id"), err.msg);
			assert_string_equal(sign_headers_get(&h,
			    "svix-signature"), want);
			assert_string_equal(sign_headers_get(&h, "svix-id"),
			    vheader(v, "svix-id"));
			assert_string_equal(sign_headers_get(&h,
			    "svix-timestamp"), vheader(v, "svix-timestamp"));
			assert_null(sign_headers_get(&h, "webhook-signature"));
			assert_null(sign_headers_get(&h, "webhook-id"));
			sign_headers_free(&h);
		}
	}
	json_object_put(root);
}

static void
test_no_secret(void **state)
{
	struct sign_headers h = { NULL, 0 };
	struct sign_input in = { .provider = PROVIDER_GITHUB };
	struct err err;

	(void)state;
	in.body = (const unsigned char *)"{}";
	in.body_len = 2;
	assert_int_equal(sign_headers(&in, &h, &err), 0);
	assert_int_equal(h.n, 0);
	sign_headers_free(&h);
}

static void
test_refusals(void **state)
{
	struct sign_headers h = { NULL, 0 };
	struct sign_input in;
	struct err err;

	(void)state;
	assert_int_equal(sign_headers_add(&h, "Content-Type",
	    "application/json"), 0);
	memset(&in, 0, sizeof(in));
	in.body = (const unsigned char *)"{}";
	in.body_len = 2;
	in.timestamp = 1700000000;

	/* Providers that sign what we cannot: the receiver's URL, or with
	 * a private key. */
	in.provider = PROVIDER_TWILIO;
	in.secret = "x";
	assert_false(sign_supported(PROVIDER_TWILIO));
	assert_false(sign_supported(PROVIDER_SQUARE));
	assert_false(sign_supported(PROVIDER_DISCORD));
	assert_false(sign_supported(PROVIDER_HMAC));
	assert_int_equal(sign_headers(&in, &h, &err), -1);

	/* Standard Webhooks: the secret must be base64, the id present
	 * and without '.'. */
	in.provider = PROVIDER_STANDARD;
	in.secret = "whsec_not base64!";
	in.id = "msg_1";
	assert_int_equal(sign_headers(&in, &h, &err), -1);
	assert_null(strstr(err.msg, "not base64"));
	in.secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
	in.id = "msg.1";
	assert_int_equal(sign_headers(&in, &h, &err), -1);
	in.id = NULL;
	assert_int_equal(sign_headers(&in, &h, &err), -1);
	in.id = "msg 1";
	assert_int_equal(sign_headers(&in, &h, &err), -1);

	/* A token travels in a header: no line breaks. */
	in.provider = PROVIDER_GITLAB;
	in.secret = "tok\r\nX-Evil: 1";
	assert_int_equal(sign_headers(&in, &h, &err), -1);
	in.secret = "";
	assert_int_equal(sign_headers(&in, &h, &err), -1);

	/* Nothing was added by the failures. */
	assert_int_equal(h.n, 1);
	assert_string_equal(sign_headers_get(&h, "content-type"),
	    "application/json");
	sign_headers_free(&h);
	sign_headers_free(&h);	/* twice is fine */

	assert_int_equal(sign_secret_check(PROVIDER_GENERIC, "whsec_Zm9v",
	    &err), 0);
	assert_int_equal(sign_secret_check(PROVIDER_GENERIC, "Zm9v", &err), 0);
	/* Unpadded and one '=' short are keys; past the group is not. */
	assert_int_equal(sign_secret_check(PROVIDER_STANDARD, "whsec_Zm9vYg",
	    &err), 0);
	assert_int_equal(sign_secret_check(PROVIDER_STANDARD, "whsec_Zm9vYg=",
	    &err), 0);
	assert_int_equal(sign_secret_check(PROVIDER_STANDARD, "whsec_Zm9vYg==",
	    &err), 0);
	assert_int_equal(sign_secret_check(PROVIDER_STANDARD, "whsec_Zm9vYmE=",
	    &err), 0);
	assert_int_equal(sign_secret_check(PROVIDER_STANDARD, "whsec_Zm9vYmE==",
	    &err), -1);
	assert_int_equal(sign_secret_check(PROVIDER_STANDARD, "whsec_Zm9v=",
	    &err), -1);
	assert_int_equal(sign_secret_check(PROVIDER_GENERIC, "plain text",
	    &err), -1);
	assert_int_equal(sign_secret_check(PROVIDER_GITHUB, "plain text",
	    &err), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_vectors),
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_svix_vectors),
		cmocka_unit_test(test_no_secret),
		cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
