/* test_payload.c: event name and delivery id per provider; the
 * required fields; content types; generated ids. */
#include "unit.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "payload.h"

/* Headers from a NULL-ended name, value list. */
static const char *
hget(const void *ctx, const char *name)
{
	const char *const *h = ctx;
	size_t i;

	for (i = 0; h[i] != NULL; i += 2)
		if (strcasecmp(h[i], name) == 0)
			return h[i + 1];
	return NULL;
}

static int
parse(enum provider p, const char *const *hdrs, const char *ct,
    const char *body, struct payload *pl, struct err *err)
{
	struct endpoint ep = { .name = "x", .provider = p, .tolerance = -1 };
	struct headers h = { hget, hdrs };

	return payload_parse(&ep, &h, ct, (const unsigned char *)body,
	    strlen(body), pl, err);
}

static const char *const none[] = { NULL };
#define JSON "application/json"

static void
test_generic(void **state)
{
	static const char *const ids[] = { "X-Request-Id", "req-1", NULL };
	struct payload pl;
	struct err err;

	(void)state;
	assert_int_equal(parse(PROVIDER_GENERIC, ids, JSON,
	    "{\"event\":\"push\",\"data\":{}}", &pl, &err), 0);
	assert_string_equal(pl.event, "push");
	assert_string_equal(pl.delivery, "req-1");
	payload_free(&pl);

	assert_int_equal(parse(PROVIDER_GENERIC, none, JSON,
	    "{\"data\":{}}", &pl, &err), 400);
	assert_string_equal(pl.field, "event");
	payload_free(&pl);
	assert_int_equal(parse(PROVIDER_GENERIC, none, JSON,
	    "{\"event\":7,\"data\":{}}", &pl, &err), 400);
	assert_string_equal(pl.field, "event");
	payload_free(&pl);
	assert_int_equal(parse(PROVIDER_GENERIC, none, JSON,
	    "{\"event\":\"push\"}", &pl, &err), 400);
	assert_string_equal(pl.field, "data");
	assert_null(pl.delivery);
	payload_free(&pl);
}

static void
test_bad_bodies(void **state)
{
	/* (json-c 0.16 still takes single-quoted keys in strict mode.) */
	static const char *const bad[] = {
		"", "{", "[1,2]", "\"push\"", "{\"event\":\"a\"} x",
		"{\"a\":1,}", "nul", "{\"a\":\"\\u00\"}",
	};
	struct payload pl;
	struct err err;
	char deep[300];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(PROVIDER_GENERIC, none, JSON, bad[i], &pl, &err) !=
		    400)
			fail_msg("accepted: %s", bad[i]);
		if (pl.field != NULL)
			fail_msg("parsed as JSON: %s", bad[i]);
		payload_free(&pl);
	}
	/* Nesting past the depth limit is refused, not recursed into. */
	memset(deep, '[', sizeof(deep) - 1);
	deep[sizeof(deep) - 1] = '\0';
	assert_int_equal(parse(PROVIDER_GENERIC, none, JSON, deep, &pl, &err),
	    400);
	payload_free(&pl);
	/* Not JSON at all: 415, before the body is parsed. */
	assert_int_equal(parse(PROVIDER_GENERIC, none, "text/plain", "{}", &pl,
	    &err), 415);
	payload_free(&pl);
	assert_int_equal(parse(PROVIDER_GENERIC, none, NULL, "{}", &pl, &err),
	    415);
	payload_free(&pl);
	assert_int_equal(parse(PROVIDER_STRIPE, none,
	    "application/x-www-form-urlencoded", "a=b", &pl, &err), 415);
	payload_free(&pl);
}

static void
test_providers(void **state)
{
	static const char *const gh[] = { "X-GitHub-Event", "push",
	    "X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958", NULL };
	static const char *const shop[] = { "X-Shopify-Topic", "orders/create",
	    "X-Shopify-Webhook-Id", "b54557e4", NULL };
	static const char *const bb[] = { "X-Event-Key", "repo:push",
	    "X-Request-UUID", "u-1", NULL };
	static const char *const sw[] = { "webhook-id", "msg_1", NULL };
	static const struct {
		enum provider p;
		const char *const *h;
		const char *body, *event, *delivery;
	} cases[] = {
		{ PROVIDER_GITHUB, gh, "{\"ref\":\"x\"}", "push",
		    "72d3162e-cc78-11e3-81ab-4c9367dc0958" },
		{ PROVIDER_GITLAB, none, "{\"object_kind\":\"merge_request\"}",
		    "merge_request", NULL },
		{ PROVIDER_STRIPE, none,
		    "{\"id\":\"evt_1\",\"type\":\"charge.succeeded\"}",
		    "charge.succeeded", "evt_1" },
		{ PROVIDER_SLACK, none, "{\"type\":\"event_callback\","
		    "\"event_id\":\"Ev1\",\"event\":{\"type\":\"app_mention\"}}",
		    "app_mention", "Ev1" },
		{ PROVIDER_STANDARD, sw, "{\"type\":\"user.created\"}",
		    "user.created", "msg_1" },
		{ PROVIDER_SHOPIFY, shop, "{}", "orders.create", "b54557e4" },
		{ PROVIDER_BITBUCKET, bb, "{}", "repo:push", "u-1" },
		{ PROVIDER_PADDLE, none, "{\"event_type\":\"transaction.paid\","
		    "\"event_id\":\"evt_01\"}", "transaction.paid", "evt_01" },
		{ PROVIDER_SQUARE, none, "{\"type\":\"payment.created\","
		    "\"event_id\":\"e-1\"}", "payment.created", "e-1" },
		{ PROVIDER_DISCORD, none, "{\"version\":1,\"application_id\":\"1\","
		    "\"type\":1,\"event\":{\"type\":\"APPLICATION_AUTHORIZED\"}}",
		    "APPLICATION_AUTHORIZED", NULL },
		{ PROVIDER_DISCORD, none, "{\"id\":\"9\",\"type\":2}",
		    "application_command", "9" },
	};
	struct payload pl;
	struct err err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (parse(cases[i].p, cases[i].h, JSON, cases[i].body, &pl,
		    &err) != 0)
			fail_msg("case %zu: %s", i, err.msg);
		assert_string_equal(pl.event, cases[i].event);
		if (cases[i].delivery == NULL)
			assert_null(pl.delivery);
		else
			assert_string_equal(pl.delivery, cases[i].delivery);
		payload_free(&pl);
	}
	/* A missing header event is a missing field, named. */
	assert_int_equal(parse(PROVIDER_GITHUB, none, JSON, "{}", &pl, &err),
	    400);
	assert_string_equal(pl.field, "X-GitHub-Event");
	payload_free(&pl);
}

static void
test_forms_and_special(void **state)
{
	static const char *const gh[] = { "X-GitHub-Event", "ping", NULL };
	struct endpoint ep = { .name = "t", .provider = PROVIDER_TWILIO };
	struct headers h = { hget, none };
	struct payload pl;
	struct err err;
	const char *form = "From=%2B1555&Body=hi+there";

	(void)state;
	/* GitHub's form content type: the JSON is the payload field. */
	assert_int_equal(parse(PROVIDER_GITHUB, gh,
	    "application/x-www-form-urlencoded",
	    "payload=%7B%22zen%22%3A%22x%22%7D", &pl, &err), 0);
	assert_string_equal(json_string(json_path(pl.root, "zen")), "x");
	payload_free(&pl);
	/* Twilio: the fields are the payload; the event is fixed. */
	assert_int_equal(payload_parse(&ep, &h,
	    "application/x-www-form-urlencoded", (const unsigned char *)form,
	    strlen(form), &pl, &err), 0);
	assert_string_equal(pl.event, "twilio");
	assert_string_equal(json_string(json_path(pl.root, "Body")), "hi there");
	payload_free(&pl);
	/* A Slack slash command: a form with no type. */
	assert_int_equal(parse(PROVIDER_SLACK, none,
	    "application/x-www-form-urlencoded",
	    "command=%2Fweather&text=94070&team_id=T1", &pl, &err), 0);
	assert_string_equal(pl.event, "slash_command");
	payload_free(&pl);
	/* Slack's url_verification carries a challenge to echo. */
	assert_int_equal(parse(PROVIDER_SLACK, none, JSON,
	    "{\"type\":\"url_verification\",\"challenge\":\"c1\"}", &pl, &err),
	    0);
	assert_string_equal(pl.challenge, "c1");
	payload_free(&pl);
	/* Discord's interaction PING. */
	assert_int_equal(parse(PROVIDER_DISCORD, none, JSON, "{\"type\":1}",
	    &pl, &err), 0);
	assert_int_equal(pl.discord_ping, 1);
	payload_free(&pl);
}

static void
test_event_overrides(void **state)
{
	struct endpoint ep = { .name = "x", .provider = PROVIDER_HMAC,
	    .event_field = "meta.kind", .delivery_header = "X-Id" };
	static const char *const hdrs[] = { "X-Id", "d-9", NULL };
	struct headers h = { hget, hdrs };
	struct payload pl;
	struct err err;
	const char *b = "{\"meta\":{\"kind\":\"build.done\"}}";

	(void)state;
	assert_int_equal(payload_parse(&ep, &h, JSON, (const unsigned char *)b,
	    strlen(b), &pl, &err), 0);
	assert_string_equal(pl.event, "build.done");
	assert_string_equal(pl.delivery, "d-9");
	payload_free(&pl);
	ep.event_field = NULL;
	ep.event = "fixed";
	assert_int_equal(payload_parse(&ep, &h, JSON, (const unsigned char *)b,
	    strlen(b), &pl, &err), 0);
	assert_string_equal(pl.event, "fixed");
	payload_free(&pl);
	ep.event = NULL;
	assert_int_equal(payload_parse(&ep, &h, JSON, (const unsigned char *)b,
	    strlen(b), &pl, &err), 400);
	payload_free(&pl);
}

static void
test_delivery_ids(void **state)
{
	char a[64], b[64], big[200];

	(void)state;
	assert_true(delivery_id_valid("72d3162e-cc78-11e3-81ab-4c9367dc0958"));
	assert_true(delivery_id_valid("evt_1/../x"));	/* files never see it */
	assert_false(delivery_id_valid(""));
	assert_false(delivery_id_valid("a b"));
	assert_false(delivery_id_valid("a\nb"));
	assert_false(delivery_id_valid("\xc3\xa9"));
	memset(big, 'a', 129);
	big[129] = '\0';
	assert_false(delivery_id_valid(big));
	big[128] = '\0';
	assert_true(delivery_id_valid(big));

	assert_int_equal(delivery_id_new(a, sizeof(a)), 0);
	assert_int_equal(delivery_id_new(b, sizeof(b)), 0);
	assert_int_equal(strlen(a), 36);
	assert_int_equal(a[14], '7');		/* UUID version 7 */
	assert_string_not_equal(a, b);
	assert_true(strcmp(a, b) <= 0 || strncmp(a, b, 13) == 0);
	assert_true(delivery_id_valid(a));
	assert_int_equal(delivery_id_new(a, 10), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_generic),
		cmocka_unit_test(test_bad_bodies),
		cmocka_unit_test(test_providers),
		cmocka_unit_test(test_forms_and_special),
		cmocka_unit_test(test_event_overrides),
		cmocka_unit_test(test_delivery_ids),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
