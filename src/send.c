/* send.c: `hookline send`: one delivery with a sender's headers, sample
 * payload and signature, and what the receiver answered. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "forward.h"
#include "json.h"
#include "payload.h"
#include "send.h"
#include "sign.h"
#include "usage.h"

#define BODY_MAX	(64 * 1024 * 1024)	/* a file to send, at most */
#define SEND_ANSWER_MAX	(1024 * 1024)		/* of the answer, printed */

/* What `send` needs to know of a sender beyond its signature. */
struct sender {
	enum provider	 provider;
	const char	*event;		/* default event */
	const char	*id_prefix;	/* of generated delivery ids */
	const char	*event_headers[4];	/* carry the event name */
	const char	*id_headers[4];		/* carry the delivery id */
	const char	*more[2][2];	/* fixed headers: name, value */
	/* The sample body; NULL when out of memory. */
	struct jval	*(*sample)(const char *event, const char *id, time_t t);
	/* Value of the event headers, when not the event itself (malloc). */
	char		*(*event_value)(const char *event);
	const char	*alias;		/* a sender's own name for provider */
	int		 svix;		/* Standard Webhooks as svix-* */
};

/* --- sample payloads -------------------------------------------------- */

static const char sample_sha[] = "6113728f27ae82c7b1a177c8d03f9e96e0adf246";

/* {key: {k: v, ...}} helpers: each returns 0, or -1 when out of memory
 * (obj keeps what it holds and is freed by the caller). */
static int
set_obj(struct jval *obj, const char *key, struct jval *child)
{
	return child == NULL ? -1 : json_set(obj, key, child);
}

static struct jval *
obj_of(const char *k1, const char *v1, const char *k2, const char *v2)
{
	struct jval *o = json_new_object();

	if (o == NULL || json_set_str(o, k1, v1) != 0 ||
	    (k2 != NULL && json_set_str(o, k2, v2) != 0)) {
		json_free(o);
		return NULL;
	}
	return o;
}

/* A pushed commit, as GitHub and Gitea send it. */
static struct jval *
sample_push(const char *event, const char *id, time_t t)
{
	struct jval *o = json_new_object();

	(void)event;
	(void)id;
	(void)t;
	if (o == NULL || json_set_str(o, "ref", "refs/heads/main") != 0 ||
	    json_set_str(o, "before",
	    "0000000000000000000000000000000000000000") != 0 ||
	    json_set_str(o, "after", sample_sha) != 0 ||
	    set_obj(o, "repository", obj_of("full_name", "octo/hello",
	    "name", "hello")) != 0 ||
	    set_obj(o, "pusher", obj_of("name", "octo", NULL, NULL)) != 0 ||
	    set_obj(o, "head_commit", obj_of("id", sample_sha, "message",
	    "Hello from hookline send")) != 0) {
		json_free(o);
		return NULL;
	}
	return o;
}

static struct jval *
sample_gitlab(const char *event, const char *id, time_t t)
{
	struct jval *o = json_new_object();

	(void)id;
	(void)t;
	if (o == NULL || json_set_str(o, "object_kind", event) != 0 ||
	    json_set_str(o, "event_name", event) != 0 ||
	    json_set_str(o, "ref", "refs/heads/main") != 0 ||
	    json_set_str(o, "checkout_sha", sample_sha) != 0 ||
	    set_obj(o, "project", obj_of("path_with_namespace",
	    "group/hello", "default_branch", "main")) != 0) {
		json_free(o);
		return NULL;
	}
	return o;
}

static struct jval *
sample_bitbucket(const char *event, const char *id, time_t t)
{
	struct jval *o = json_new_object(), *push;

	(void)event;
	(void)id;
	(void)t;
	if (o == NULL)
		return NULL;
	/* json_set() owns the child from then on, also when it fails. */
	if ((push = json_new_object()) == NULL ||
	    json_set(o, "push", push) != 0 ||
	    json_set(push, "changes", json_new_array()) != 0 ||
	    set_obj(o, "repository", obj_of("full_name", "team/hello",
	    NULL, NULL)) != 0) {
		json_free(o);
		return NULL;
	}
	return o;
}

static struct jval *
sample_stripe(const char *event, const char *id, time_t t)
{
	struct jval *o = json_new_object(), *data, *pi;

	if (o == NULL)
		return NULL;
	if (json_set_str(o, "id", id) != 0 ||
	    json_set_str(o, "object", "event") != 0 ||
	    json_set_str(o, "api_version", "2024-06-20") != 0 ||
	    json_set_int(o, "created", (int64_t)t) != 0 ||
	    json_set_str(o, "type", event) != 0 ||
	    json_set_bool(o, "livemode", 0) != 0 ||
	    (data = json_new_object()) == NULL ||
	    json_set(o, "data", data) != 0 ||
	    (pi = obj_of("id", "pi_hookline_sample", "object",
	    "payment_intent")) == NULL ||
	    json_set(data, "object", pi) != 0 ||
	    json_set_int(pi, "amount", 2000) != 0 ||
	    json_set_str(pi, "currency", "usd") != 0) {
		json_free(o);
		return NULL;
	}
	return o;
}

static struct jval *
sample_slack(const char *event, const char *id, time_t t)
{
	struct jval *o = json_new_object(), *ev;

	if (o == NULL || json_set_str(o, "team_id", "T0HOOKLINE") != 0 ||
	    json_set_str(o, "api_app_id", "A0HOOKLINE") != 0 ||
	    json_set_str(o, "type", "event_callback") != 0 ||
	    json_set_str(o, "event_id", id) != 0 ||
	    json_set_int(o, "event_time", (int64_t)t) != 0)
		goto fail;
	if ((ev = obj_of("type", event, "text", "Hello from hookline send")) ==
	    NULL || json_set(o, "event", ev) != 0 ||
	    json_set_str(ev, "user", "U0HOOKLINE") != 0 ||
	    json_set_str(ev, "channel", "C0HOOKLINE") != 0)
		goto fail;
	return o;
fail:
	json_free(o);
	return NULL;
}

static struct jval *
sample_standard(const char *event, const char *id, time_t t)
{
	struct jval *o = json_new_object();
	char ts[32];
	struct tm tm;

	(void)id;
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		ts[0] = '\0';
	if (o == NULL || json_set_str(o, "type", event) != 0 ||
	    json_set_str(o, "timestamp", ts) != 0 ||
	    set_obj(o, "data", obj_of("id", "user_hookline_sample",
	    "email", "jon@example.com")) != 0) {
		json_free(o);
		return NULL;
	}
	return o;
}

static struct jval *
sample_generic(const char *event, const char *id, time_t t)
{
	struct jval *o = json_new_object();

	(void)id;
	(void)t;
	if (o == NULL || json_set_str(o, "event", event) != 0 ||
	    set_obj(o, "data", obj_of("message", "Hello from hookline send",
	    NULL, NULL)) != 0) {
		json_free(o);
		return NULL;
	}
	return o;
}

static struct jval *
sample_shopify(const char *event, const char *id, time_t t)
{
	struct jval *o = json_new_object();

	(void)event;
	(void)id;
	(void)t;
	if (o == NULL || json_set_int(o, "id", 820982911946154508LL) != 0 ||
	    json_set_str(o, "email", "jon@example.com") != 0 ||
	    json_set_str(o, "total_price", "10.00") != 0 ||
	    json_set_str(o, "currency", "USD") != 0) {
		json_free(o);
		return NULL;
	}
	return o;
}

static struct jval *
sample_paddle(const char *event, const char *id, time_t t)
{
	struct jval *o = json_new_object();
	char ts[32];
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		ts[0] = '\0';
	if (o == NULL || json_set_str(o, "event_id", id) != 0 ||
	    json_set_str(o, "event_type", event) != 0 ||
	    json_set_str(o, "occurred_at", ts) != 0 ||
	    json_set_str(o, "notification_id", "ntf_hookline_sample") != 0 ||
	    set_obj(o, "data", obj_of("id", "txn_hookline_sample", "status",
	    "completed")) != 0) {
		json_free(o);
		return NULL;
	}
	return o;
}

/* GitLab's X-Gitlab-Event: "merge_request" -> "Merge Request Hook". */
static char *
gitlab_event(const char *event)
{
	size_t i, n = strlen(event);
	char *s;
	int up = 1;

	if ((s = malloc(n + sizeof(" Hook"))) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		s[i] = event[i] == '_' ? ' ' : up ?
		    (char)toupper((unsigned char)event[i]) : event[i];
		up = event[i] == '_';
	}
	memcpy(s + n, " Hook", sizeof(" Hook"));
	return s;
}

/* The senders `send` knows; their signatures are sign.c's. */
static const struct sender senders[] = {
	{ PROVIDER_GENERIC, "ping", "", { NULL }, { "Webhook-Id" },
	    { { NULL } }, sample_generic, NULL, NULL, 0 },
	{ PROVIDER_GITHUB, "push", "", { "X-GitHub-Event" },
	    { "X-GitHub-Delivery" }, { { "X-GitHub-Hook-ID", "1" } },
	    sample_push, NULL, NULL, 0 },
	{ PROVIDER_GITLAB, "push", "", { "X-Gitlab-Event" },
	    { "X-Gitlab-Event-UUID", "Idempotency-Key" },
	    { { "X-Gitlab-Instance", "https://gitlab.example.com" } },
	    sample_gitlab, gitlab_event, NULL, 0 },
	{ PROVIDER_GITEA, "push", "", { "X-Gitea-Event", "X-Gogs-Event",
	    "X-GitHub-Event" }, { "X-Gitea-Delivery", "X-Gogs-Delivery",
	    "X-GitHub-Delivery" }, { { "X-Gitea-Event-Type", "push" } },
	    sample_push, NULL, NULL, 0 },
	{ PROVIDER_BITBUCKET, "repo:push", "", { "X-Event-Key" },
	    { "X-Request-UUID" }, { { NULL } }, sample_bitbucket, NULL,
	    NULL, 0 },
	{ PROVIDER_STRIPE, "payment_intent.succeeded", "evt_", { NULL },
	    { NULL }, { { NULL } }, sample_stripe, NULL, NULL, 0 },
	{ PROVIDER_SLACK, "app_mention", "Ev", { NULL }, { NULL },
	    { { NULL } }, sample_slack, NULL, NULL, 0 },
	{ PROVIDER_STANDARD, "user.created", "msg_", { NULL },
	    { "webhook-id" }, { { NULL } }, sample_standard, NULL, NULL, 0 },
	/* Svix (Clerk, Resend, ...): the same scheme under svix-* names. */
	{ PROVIDER_STANDARD, "user.created", "msg_", { NULL },
	    { "svix-id" }, { { NULL } }, sample_standard, NULL, "svix", 1 },
	{ PROVIDER_SHOPIFY, "orders/create", "", { "X-Shopify-Topic" },
	    { "X-Shopify-Webhook-Id" }, { { "X-Shopify-Shop-Domain",
	    "hookline-sample.myshopify.com" } }, sample_shopify, NULL,
	    NULL, 0 },
	{ PROVIDER_PADDLE, "transaction.completed", "evt_", { NULL },
	    { NULL }, { { NULL } }, sample_paddle, NULL, NULL, 0 },
};

static const struct sender *
sender_of(const char *name)
{
	enum provider p;
	size_t i;

	for (i = 0; i < sizeof(senders) / sizeof(senders[0]); i++)
		if (senders[i].alias != NULL &&
		    strcmp(senders[i].alias, name) == 0)
			return &senders[i];
	if (provider_parse(name, &p) != 0)
		return NULL;
	for (i = 0; i < sizeof(senders) / sizeof(senders[0]); i++)
		if (senders[i].provider == p && senders[i].alias == NULL)
			return &senders[i];
	return NULL;
}

/* --- input ------------------------------------------------------------ */

/* Reads all of fd (at most BODY_MAX bytes). Returns 0, or -1 with err. */
static int
read_all(int fd, const char *what, unsigned char **buf, size_t *len,
    struct err *err)
{
	size_t cap = 0, n = 0;
	unsigned char *b = NULL, *nb;
	ssize_t r;

	for (;;) {
		if (n == cap) {
			if (cap >= BODY_MAX) {
				err_set(err, "%s: more than %d bytes", what,
				    BODY_MAX);
				goto fail;
			}
			cap = cap ? cap * 2 : 65536;
			if ((nb = realloc(b, cap + 1)) == NULL) {
				err_set(err, "out of memory");
				goto fail;
			}
			b = nb;
		}
		r = read(fd, b + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err_set(err, "%s: %s", what, strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (b == NULL && (b = malloc(1)) == NULL) {
		err_set(err, "out of memory");
		goto fail;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
fail:
	free(b);
	return -1;
}

static int
read_path(const char *path, unsigned char **buf, size_t *len, struct err *err)
{
	int fd, rc;

	if (strcmp(path, "-") == 0)
		return read_all(STDIN_FILENO, "stdin", buf, len, err);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		err_set(err, "%s: %s", path, strerror(errno));
		return -1;
	}
	rc = read_all(fd, path, buf, len, err);
	(void)close(fd);
	return rc;
}

/* The first line of path, without its line ending (as conf.c reads a
 * secret_file). Returns a new string, or NULL with err. */
static char *
read_secret_file(const char *path, struct err *err)
{
	unsigned char *buf = NULL;
	size_t len = 0, n;
	char *s;

	if (read_path(path, &buf, &len, err) != 0)
		return NULL;
	n = strcspn((char *)buf, "\r\n");
	if (n == 0) {
		err_set(err, "%s: no secret on its first line", path);
		explicit_bzero(buf, len);
		free(buf);
		return NULL;
	}
	if ((s = strndup((char *)buf, n)) == NULL)
		err_set(err, "out of memory");
	explicit_bzero(buf, len);
	free(buf);
	return s;
}

/* A positive decimal number no larger than max. */
static int
parse_num(const char *s, long long max, long long *out)
{
	long long n;
	char *end;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || n > max)
		return -1;
	*out = n;
	return 0;
}

/* The delivery id to use: given, else a new UUIDv7 behind the sender's
 * usual prefix (dashes dropped then, as in "evt_0190..."). */
static char *
make_id(const struct sender *s, const char *given)
{
	char uuid[64], *out, *p;
	size_t i;

	if (given != NULL)
		return strdup(given);
	if (delivery_id_new(uuid, sizeof(uuid)) != 0)
		return NULL;
	if (asprintf(&out, "%s%s", s->id_prefix, uuid) < 0)
		return NULL;
	if (*s->id_prefix != '\0') {
		for (p = out, i = 0; out[i] != '\0'; i++)
			if (out[i] != '-')
				*p++ = out[i];
		*p = '\0';
	}
	return out;
}

/* --- the command ------------------------------------------------------ */

struct opts {
	const char	*url;
	const char	*provider;
	const char	*secret;
	const char	*secret_file;
	const char	*event;
	const char	*delivery;
	const char	*content_type;
	const char	*ca_file;
	const char	*file;
	long long	 timestamp;	/* -1: now */
	long long	 timeout;
};

/* Returns 0, 1 for --help, or -1 after printing what is wrong. */
static int
parse_args(int argc, char **argv, struct opts *o)
{
	static const struct {
		const char	*name;
		size_t		 off;
	} strs[] = {
		{ "--provider", offsetof(struct opts, provider) },
		{ "--secret", offsetof(struct opts, secret) },
		{ "--secret-file", offsetof(struct opts, secret_file) },
		{ "--event", offsetof(struct opts, event) },
		{ "--delivery", offsetof(struct opts, delivery) },
		{ "--content-type", offsetof(struct opts, content_type) },
		{ "--ca-file", offsetof(struct opts, ca_file) },
	};
	const char *a, *t = NULL, *to = NULL;
	size_t k;
	int i;

	memset(o, 0, sizeof(*o));
	o->provider = "generic";
	o->timestamp = -1;
	o->timeout = FORWARD_TIMEOUT;
	for (i = 1; i < argc; i++) {
		a = argv[i];
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
			return 1;
		for (k = 0; k < sizeof(strs) / sizeof(strs[0]); k++)
			if (strcmp(a, strs[k].name) == 0)
				break;
		if (k < sizeof(strs) / sizeof(strs[0]) ||
		    strcmp(a, "--timestamp") == 0 ||
		    strcmp(a, "--timeout") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "hookline send: %s needs a "
				    "value\n", a);
				return -1;
			}
			if (k < sizeof(strs) / sizeof(strs[0]))
				*(const char **)((char *)o + strs[k].off) =
				    argv[++i];
			else if (strcmp(a, "--timestamp") == 0)
				t = argv[++i];
			else
				to = argv[++i];
		} else if (a[0] == '-' && a[1] != '\0') {
			fprintf(stderr, "hookline send: unknown option %s\n",
			    a);
			return -1;
		} else if (o->url == NULL)
			o->url = a;
		else if (o->file == NULL)
			o->file = a;
		else {
			fprintf(stderr, "hookline send: one URL and one FILE "
			    "at most\n");
			return -1;
		}
	}
	if (o->url == NULL) {
		fprintf(stderr, "hookline send: no URL\n");
		return -1;
	}
	if (o->secret != NULL && o->secret_file != NULL) {
		fprintf(stderr, "hookline send: --secret or --secret-file, "
		    "not both\n");
		return -1;
	}
	if (t != NULL && parse_num(t, 999999999999LL, &o->timestamp) != 0) {
		fprintf(stderr, "hookline send: --timestamp: unix seconds\n");
		return -1;
	}
	if (to != NULL && (parse_num(to, 3600, &o->timeout) != 0 ||
	    o->timeout < 1)) {
		fprintf(stderr, "hookline send: --timeout: 1 to 3600 "
		    "seconds\n");
		return -1;
	}
	return 0;
}

/* The request's headers: the sender's fixed ones, event and delivery
 * id, then the signature's. Returns 0, or -1 with err. */
static int
build_headers(const struct sender *s, const char *event, const char *id,
    const struct sign_input *si, struct sign_headers *h, struct err *err)
{
	const char *tsh;
	char *ev = NULL;
	size_t i;
	int rc = -1;

	/* Signature first: for standard and generic it holds webhook-id
	 * (svix-id for svix). */
	if (sign_headers(si, h, err) != 0)
		return -1;
	for (i = 0; i < 2 && s->more[i][0] != NULL; i++)
		if (sign_headers_add(h, s->more[i][0], s->more[i][1]) != 0)
			goto nomem;
	if (s->event_value != NULL && (ev = s->event_value(event)) == NULL)
		goto nomem;
	for (i = 0; i < 4 && s->event_headers[i] != NULL; i++)
		if (sign_headers_add(h, s->event_headers[i], ev ? ev : event) !=
		    0)
			goto nomem;
	for (i = 0; i < 4 && s->id_headers[i] != NULL; i++)
		if (sign_headers_get(h, s->id_headers[i]) == NULL &&
		    sign_headers_add(h, s->id_headers[i], id) != 0)
			goto nomem;
	/* Standard Webhooks without a secret: still its id and time. */
	tsh = s->svix ? "svix-timestamp" : "webhook-timestamp";
	if (s->provider == PROVIDER_STANDARD &&
	    sign_headers_get(h, tsh) == NULL) {
		char ts[32];

		(void)snprintf(ts, sizeof(ts), "%lld", (long long)si->timestamp);
		if (sign_headers_add(h, tsh, ts) != 0)
			goto nomem;
	}
	rc = 0;
	goto done;
nomem:
	err_set(err, "out of memory");
done:
	free(ev);
	return rc;
}

/* 1 when s may go into a header: no control characters. */
static int
header_text(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < ' ' || *s == 0x7f)
			return 0;
	return 1;
}

static int
print_answer(const struct forward_result *r)
{
	if (r->status_line != NULL)
		printf("%s\n", r->status_line);
	else
		printf("HTTP %ld\n", r->status);
	if (r->answer_len > 0) {
		if (fwrite(r->answer, 1, r->answer_len, stdout) !=
		    r->answer_len)
			return -1;
		if (r->answer[r->answer_len - 1] != '\n')
			putchar('\n');
	}
	if (r->answer_cut)
		fprintf(stderr, "hookline send: answer cut at %zu bytes\n",
		    r->answer_len);
	return fflush(stdout) == 0 ? 0 : -1;
}

int
send_command(int argc, char **argv)
{
	const struct sender *s;
	struct opts o;
	struct sign_headers h = { NULL, 0 };
	struct forward_header *fh = NULL;
	struct forward_result r;
	struct forward_msg msg;
	struct sign_input si;
	struct jval *sample = NULL;
	struct err err;
	const char *event, *text;
	unsigned char *body = NULL;
	char *secret = NULL, *id = NULL;
	size_t len = 0, i;
	int rc = 2;

	memset(&r, 0, sizeof(r));
	switch (parse_args(argc, argv, &o)) {
	case 1:
		return usage_command(stdout, "send") == 0 ? 0 : 1;
	case -1:
		(void)usage_command(stderr, "send");
		return 2;
	}
	if ((s = sender_of(o.provider)) == NULL) {
		fprintf(stderr, "hookline send: cannot send as provider %s\n",
		    o.provider);
		(void)usage_command(stderr, "send");
		return 2;
	}
	event = o.event ? o.event : s->event;
	if (!header_text(event) || (o.delivery && (!header_text(o.delivery) ||
	    *o.delivery == '\0')) || (o.content_type &&
	    !header_text(o.content_type))) {
		fprintf(stderr, "hookline send: control characters in an "
		    "argument\n");
		return 2;
	}
	if (o.secret_file != NULL &&
	    (secret = read_secret_file(o.secret_file, &err)) == NULL) {
		fprintf(stderr, "hookline send: %s\n", err.msg);
		return 2;
	}
	if (o.secret != NULL && (secret = strdup(o.secret)) == NULL)
		goto nomem;
	if ((id = make_id(s, o.delivery)) == NULL)
		goto nomem;
	if (o.timestamp < 0)
		o.timestamp = (long long)time(NULL);

	if (o.file != NULL) {
		if (read_path(o.file, &body, &len, &err) != 0) {
			fprintf(stderr, "hookline send: %s\n", err.msg);
			goto done;
		}
		if (o.event != NULL && s->event_headers[0] == NULL)
			fprintf(stderr, "hookline send: note: %s takes the "
			    "event from the body; --event changes nothing\n",
			    o.provider);
	} else {
		if ((sample = s->sample(event, id, (time_t)o.timestamp)) ==
		    NULL || (text = json_text(sample, &len)) == NULL)
			goto nomem;
		if ((body = malloc(len + 1)) == NULL)
			goto nomem;
		memcpy(body, text, len);
		body[len] = '\0';
	}

	memset(&si, 0, sizeof(si));
	si.provider = s->provider;
	si.secret = secret;
	si.id = id;
	si.svix = s->svix;
	si.timestamp = (time_t)o.timestamp;
	si.body = body;
	si.body_len = len;
	if (build_headers(s, event, id, &si, &h, &err) != 0) {
		fprintf(stderr, "hookline send: %s\n", err.msg);
		goto done;
	}
	if ((fh = calloc(h.n ? h.n : 1, sizeof(*fh))) == NULL)
		goto nomem;
	for (i = 0; i < h.n; i++) {
		fh[i].name = h.v[i].name;
		fh[i].value = h.v[i].value;
	}
	memset(&msg, 0, sizeof(msg));
	msg.body = body;
	msg.body_len = len;
	msg.content_type = o.content_type;
	msg.headers = fh;
	msg.nheaders = h.n;
	msg.timeout = (long)o.timeout;
	msg.ca_file = o.ca_file;
	msg.answer_max = SEND_ANSWER_MAX;
	if (forward_post(o.url, &msg, &r, &err) != 0) {
		fprintf(stderr, "hookline send: %s\n", err.msg);
		rc = 1;
		goto done;
	}
	rc = 1;
	if (r.status == 0) {
		fprintf(stderr, "hookline send: %s: %s\n", o.url,
		    r.error ? r.error : "no answer");
		goto done;
	}
	if (print_answer(&r) != 0) {
		fprintf(stderr, "hookline send: cannot write the answer\n");
		goto done;
	}
	rc = r.status >= 200 && r.status <= 299 ? 0 : 1;
	goto done;
nomem:
	fprintf(stderr, "hookline send: out of memory\n");
	rc = 1;
done:
	forward_result_free(&r);
	free(fh);
	sign_headers_free(&h);
	json_free(sample);
	free(body);
	free(id);
	if (secret != NULL) {
		explicit_bzero(secret, strlen(secret));
		free(secret);
	}
	return rc;
}
