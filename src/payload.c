/* payload.c: what a delivery says: content type, JSON, required fields,
 * event name and delivery id, as each provider puts them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "form.h"
#include "payload.h"
#include "platform.h"
#include "request.h"

/* Where a provider keeps its event name and delivery id (contract). A
 * header is written as is; "$path" is a dotted path into the payload. */
struct source {
	const char	*event[3];	/* first one present wins */
	const char	*delivery[3];
	int		 form_payload;	/* form body's `payload` field is JSON */
	int		 form_fields;	/* form body's fields are the payload */
};

static const struct source sources[PROVIDER__COUNT] = {
	/* svix-id after webhook-id: the one verify_std.c checks. */
	[PROVIDER_GENERIC] = { { "$event" },
	    { "Webhook-Id", "svix-id", "X-Request-Id" } },
	[PROVIDER_GITHUB] = { { "X-GitHub-Event" }, { "X-GitHub-Delivery" },
	    1, 0 },
	[PROVIDER_GITLAB] = { { "$object_kind", "X-Gitlab-Event" },
	    { "X-Gitlab-Event-UUID", "Idempotency-Key" } },
	[PROVIDER_GITEA] = { { "X-Gitea-Event", "X-Forgejo-Event",
	    "X-Gogs-Event" }, { "X-Gitea-Delivery", "X-Forgejo-Delivery",
	    "X-Gogs-Delivery" }, 1, 0 },
	[PROVIDER_BITBUCKET] = { { "X-Event-Key" },
	    { "X-Request-UUID", "X-Request-Id" } },
	[PROVIDER_STRIPE] = { { "$type" }, { "$id" } },
	/* Slack: slash commands and interactivity post forms. */
	[PROVIDER_SLACK] = { { "$type" }, { "$event_id" }, 1, 1 },
	[PROVIDER_STANDARD] = { { "$type" }, { "webhook-id", "svix-id" } },
	[PROVIDER_SHOPIFY] = { { "X-Shopify-Topic", "shopify-topic" },
	    { "X-Shopify-Webhook-Id", "shopify-webhook-id" } },
	[PROVIDER_PADDLE] = { { "$event_type" }, { "$event_id" } },
	[PROVIDER_SQUARE] = { { "$type" }, { "$event_id" } },
	[PROVIDER_TWILIO] = { { NULL }, { "I-Twilio-Idempotency-Token" }, 0, 1 },
	[PROVIDER_DISCORD] = { { "$event.type" }, { "$id" } },
	[PROVIDER_HMAC] = { { NULL }, { NULL } },
};

/* Discord interaction types (discord.com/developers/docs/interactions/
 * receiving-and-responding#interaction-object-interaction-type). */
static const char *const discord_interactions[] = {
	NULL, "ping", "application_command", "message_component",
	"application_command_autocomplete", "modal_submit",
};

int
delivery_id_valid(const char *id)
{
	size_t n;

	for (n = 0; id[n] != '\0'; n++)
		if (id[n] <= ' ' || id[n] > '~')
			return 0;
	return n > 0 && n <= 128;
}

int
delivery_id_new(char *out, size_t outlen)
{
	unsigned char b[16];
	struct timespec ts;
	uint64_t ms;
	int n;

	/* RFC 9562 UUIDv7: 48-bit Unix ms, then random bits: sortable. */
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0 ||
	    random_bytes(b + 6, sizeof(b) - 6) != 0)
		return -1;
	ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	for (n = 0; n < 6; n++)
		b[n] = (unsigned char)(ms >> (40 - 8 * n));
	b[6] = (unsigned char)(0x70 | (b[6] & 0x0f));
	b[8] = (unsigned char)(0x80 | (b[8] & 0x3f));
	n = snprintf(out, outlen, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5],
	    b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

/* A string from a header name or a "$path" in the payload, or NULL. */
static const char *
lookup(const struct headers *h, struct jval *root, const char *where)
{
	if (where[0] == '$')
		return json_string(json_path(root, where + 1));
	return header_get(h, where);
}

static const char *
first(const struct headers *h, struct jval *root, const char *const *list,
    size_t n)
{
	const char *v;
	size_t i;

	for (i = 0; i < n && list[i] != NULL; i++)
		if ((v = lookup(h, root, list[i])) != NULL && *v != '\0')
			return v;
	return NULL;
}

/* The form body's fields as a JSON object of strings. */
static struct jval *
form_object(const struct form *f)
{
	struct jval *o = json_new_object();
	size_t i;

	for (i = 0; o != NULL && i < f->n; i++) {
		if (json_set_strn(o, f->v[i].name, f->v[i].value,
		    f->v[i].value_len) != 0) {
			json_free(o);
			return NULL;
		}
	}
	return o;
}

/* Body to p->root: JSON as is; a form's `payload` field or its fields
 * where the provider posts forms. Returns 0 or the HTTP status. */
static int
parse_body(const struct endpoint *ep, const char *ct,
    const unsigned char *body, size_t len, struct payload *p, struct err *err)
{
	const struct source *src = &sources[ep->provider];
	const struct form_field *f;
	struct form form = { 0 };
	int status = 0;

	if (content_type_is_json(ct)) {
		p->root = json_parse((const char *)body, len, err);
		return p->root == NULL ? 400 : 0;
	}
	if (!content_type_is_form(ct) || (!src->form_payload &&
	    !src->form_fields)) {
		err_set(err, "content type is not JSON");
		return 415;
	}
	if (form_parse((const char *)body, len, &form, err) != 0)
		return 400;
	if (src->form_payload && (f = form_get(&form, "payload")) != NULL) {
		p->root = json_parse(f->value, f->value_len, err);
		status = p->root == NULL ? 400 : 0;
	} else if (src->form_fields) {
		if ((p->root = form_object(&form)) == NULL) {
			err_set(err, "out of memory");
			status = 500;
		}
	} else {
		err_set(err, "form body without a payload field");
		status = 400;
	}
	form_free(&form);
	return status;
}

static int
missing(struct payload *p, const char *field, struct err *err)
{
	p->field = field;
	err_set(err, "missing or not a string: %s", field);
	return 400;
}

static int
set_event(struct payload *p, const char *v)
{
	char *e;

	if ((e = strdup(v)) == NULL)
		return -1;
	free(p->event);
	p->event = e;
	return 0;
}

/* Discord: webhook events carry event.type; interactions a number. */
static int
discord_event(struct payload *p)
{
	struct jval *t = json_path(p->root, "type");
	const char *name = NULL;
	const char *s;
	int64_t n;

	if ((s = json_string(json_path(p->root, "event.type"))) != NULL)
		return set_event(p, s);
	if (t == NULL || json_int(t, &n) != 0)
		return 1;
	if (json_path(p->root, "event") == NULL && n == 1) {
		p->discord_ping = 1;	/* interaction PING: {"type":1} */
		name = "ping";
	} else if (json_path(p->root, "application_id") != NULL && n == 0) {
		p->discord_ping = 2;	/* webhook event PING: 204 */
		name = "ping";
	} else if (n > 0 && (size_t)n < sizeof(discord_interactions) /
	    sizeof(discord_interactions[0]))
		name = discord_interactions[n];
	return name == NULL ? 1 : set_event(p, name);
}

int
payload_parse(const struct endpoint *ep, const struct headers *h,
    const char *content_type, const unsigned char *body, size_t len,
    struct payload *p, struct err *err)
{
	const struct source *src = &sources[ep->provider];
	const char *v;
	int status;

	memset(p, 0, sizeof(*p));
	if ((status = parse_body(ep, content_type, body, len, p, err)) != 0)
		return status;
	if (!json_is_object(p->root)) {
		err_set(err, "payload is not a JSON object");
		return 400;
	}
	/* The seed's generic payload: {"event": "...", "data": ...}. */
	if (ep->provider == PROVIDER_GENERIC && ep->event == NULL &&
	    ep->event_field == NULL) {
		if (json_string(json_path(p->root, "event")) == NULL)
			return missing(p, "event", err);
		if (json_path(p->root, "data") == NULL)
			return missing(p, "data", err);
	}
	if (ep->provider == PROVIDER_SLACK &&
	    (v = json_string(json_path(p->root, "type"))) != NULL &&
	    strcmp(v, "url_verification") == 0) {
		if ((v = json_string(json_path(p->root, "challenge"))) == NULL)
			return missing(p, "challenge", err);
		if ((p->challenge = strdup(v)) == NULL)
			return 500;
	}

	/* Event: fixed, a configured field, or the provider's place. */
	if (ep->event != NULL) {
		v = ep->event;
	} else if (ep->event_field != NULL) {
		if ((v = json_string(json_path(p->root, ep->event_field))) ==
		    NULL)
			return missing(p, ep->event_field, err);
	} else if (ep->provider == PROVIDER_TWILIO) {
		v = "twilio";
	} else if (ep->provider == PROVIDER_DISCORD) {
		if ((status = discord_event(p)) < 0)
			return 500;
		if (status > 0)
			return missing(p, "type", err);
		v = NULL;
	} else if (ep->provider == PROVIDER_SLACK && (v = json_string(
	    json_path(p->root, "type"))) != NULL &&
	    strcmp(v, "event_callback") == 0) {
		if ((v = json_string(json_path(p->root, "event.type"))) == NULL)
			return missing(p, "event.type", err);
	} else if (ep->provider == PROVIDER_SLACK &&
	    json_path(p->root, "type") == NULL &&
	    json_string(json_path(p->root, "command")) != NULL) {
		/* A slash command's form has no type; its name ("/deploy")
		 * is a field for the hook, not a file name. */
		v = "slash_command";
	} else if ((v = first(h, p->root, src->event, 3)) == NULL) {
		if (src->event[0] == NULL)
			return missing(p, "event", err);
		return missing(p, src->event[0][0] == '$' ? src->event[0] + 1 :
		    src->event[0], err);
	}
	if (v != NULL && set_event(p, v) != 0)
		return 500;
	/* Shopify topics are "orders/create": '/' may not name a file. */
	if (ep->provider == PROVIDER_SHOPIFY)
		for (char *c = p->event; *c != '\0'; c++)
			if (*c == '/')
				*c = '.';

	/* Delivery id: the sender's, when it gives one. */
	if (ep->provider == PROVIDER_HMAC)
		v = ep->delivery_header ? header_get(h, ep->delivery_header) :
		    NULL;
	else
		v = first(h, p->root, src->delivery, 3);
	if (v != NULL && *v != '\0' && (p->delivery = strdup(v)) == NULL)
		return 500;
	return 0;
}

void
payload_free(struct payload *p)
{
	json_free(p->root);
	free(p->event);
	free(p->delivery);
	free(p->challenge);
	memset(p, 0, sizeof(*p));
}
