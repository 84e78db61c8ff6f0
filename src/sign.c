/* sign.c: the signing half of the signature module: each provider's
 * signature headers over a body, as its sender computes them. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>


#include "sign.h"
#include "verify_int.h"

/* Base64 of VMAC_MAX bytes, NUL included. */
#define B64_MAX		(4 * ((VMAC_MAX + 2) / 3) + 1)
/* A Standard Webhooks key: the spec wants 24 to 64 bytes; take more. */
#define SW_KEY_MAX	256
#define TS_MAX		32	/* decimal time_t, NUL included */

typedef int sign_fn(const struct sign_input *, struct sign_headers *,
    struct err *);

static sign_fn sign_github, sign_gitlab, sign_gitea, sign_bitbucket,
    sign_stripe, sign_slack, sign_standard, sign_shopify, sign_paddle;

/* How each sender signs; NULL: not supported by `send` or forwarding
 * (square and twilio sign the receiver's URL, discord needs the
 * sender's private key, hmac is whatever the receiver configured). */
static sign_fn *const signers[PROVIDER__COUNT] = {
	[PROVIDER_GENERIC]	= sign_standard,
	[PROVIDER_GITHUB]	= sign_github,
	[PROVIDER_GITLAB]	= sign_gitlab,
	[PROVIDER_GITEA]	= sign_gitea,
	[PROVIDER_BITBUCKET]	= sign_bitbucket,
	[PROVIDER_STRIPE]	= sign_stripe,
	[PROVIDER_SLACK]	= sign_slack,
	[PROVIDER_STANDARD]	= sign_standard,
	[PROVIDER_SHOPIFY]	= sign_shopify,
	[PROVIDER_PADDLE]	= sign_paddle,
};

int
sign_supported(enum provider p)
{
	return (unsigned)p < PROVIDER__COUNT && signers[p] != NULL;
}

int
sign_headers_add(struct sign_headers *h, const char *name, const char *value)
{
	struct sign_header *v;
	char *n, *val;

	if ((n = strdup(name)) == NULL)
		return -1;
	if ((val = strdup(value)) == NULL) {
		free(n);
		return -1;
	}
	if ((v = reallocarray(h->v, h->n + 1, sizeof(*v))) == NULL) {
		free(n);
		free(val);
		return -1;
	}
	h->v = v;
	h->v[h->n].name = n;
	h->v[h->n++].value = val;
	return 0;
}

const char *
sign_headers_get(const struct sign_headers *h, const char *name)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		if (strcasecmp(h->v[i].name, name) == 0)
			return h->v[i].value;
	return NULL;
}

/* Frees the headers from index from on, wiping their values. */
static void
truncate_to(struct sign_headers *h, size_t from)
{
	size_t i;

	for (i = from; i < h->n; i++) {
		free(h->v[i].name);
		vwipe(h->v[i].value, strlen(h->v[i].value));
		free(h->v[i].value);
	}
	h->n = from;
}

void
sign_headers_free(struct sign_headers *h)
{
	truncate_to(h, 0);
	free(h->v);
	h->v = NULL;
}

/* The secret's UTF-8 bytes as a key (signatures.md rule 2). */
static struct span
secret_key(const struct sign_input *in)
{
	struct span k = { in->secret, strlen(in->secret) };

	return k;
}

/* How mac_text writes a MAC. */
enum mac_enc {
	MAC_HEX,	/* lowercase hex into 2 * VMAC_MAX + 1 bytes */
	MAC_B64,	/* padded base64 (RFC 4648 section 4), B64_MAX */
};

/* HMAC of parts under key, encoded as enc says into text. Returns 0, or
 * -1 with err. */
static int
mac_text(enum vmd md, struct span key, const struct span *parts,
    size_t nparts, enum mac_enc enc, char *text, struct err *err)
{
	unsigned char mac[VMAC_MAX];
	int n;

	if ((n = vmac(md, key.p, key.len, parts, nparts, mac)) < 0) {
		err_set(err, "cannot compute HMAC");
		return -1;
	}
	if (enc == MAC_B64)
		n = b64_encode(mac, (size_t)n, text);
	else
		hex_encode(mac, (size_t)n, text);
	vwipe(mac, sizeof(mac));
	if (n <= 0) {
		err_set(err, "cannot encode HMAC");
		return -1;
	}
	return 0;
}

/* Adds name: fmt..., formatted. Returns 0, or -1 with err. */
static int
add_fmt(struct sign_headers *out, struct err *err, const char *name,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int
add_fmt(struct sign_headers *out, struct err *err, const char *name,
    const char *fmt, ...)
{
	va_list ap;
	char *v;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&v, fmt, ap);
	va_end(ap);
	if (n < 0) {
		err_set(err, "out of memory");
		return -1;
	}
	n = sign_headers_add(out, name, v);
	free(v);
	if (n != 0) {
		err_set(err, "out of memory");
		return -1;
	}
	return 0;
}

static struct span
body_span(const struct sign_input *in)
{
	struct span s = { in->body, in->body_len };

	return s;
}

/* The body's HMAC under the secret, encoded into text. */
static int
body_mac(const struct sign_input *in, enum vmd md, enum mac_enc enc,
    char *text, struct err *err)
{
	struct span body = body_span(in);

	return mac_text(md, secret_key(in), &body, 1, enc, text, err);
}

/* The decimal text of t into ts (TS_MAX bytes). Returns its length, or
 * -1 with err. */
static int
fmt_ts(time_t t, char ts[TS_MAX], struct err *err)
{
	int n = snprintf(ts, TS_MAX, "%lld", (long long)t);

	if (n < 0 || n >= TS_MAX) {
		err_set(err, "cannot format the timestamp");
		return -1;
	}
	return n;
}

/*
 * GitHub: X-Hub-Signature-256: sha256=<hex HMAC-SHA256(body)>, and the
 * legacy X-Hub-Signature: sha1=<hex HMAC-SHA1> that GitHub still sends
 * "for compatibility" when a secret is set (docs, "Validating webhook
 * deliveries").
 */
/* The two X-Hub-Signature headers, given the body's hex HMAC-SHA256;
 * sha256 is reused for the SHA-1 one's text. */
static int
add_hub(const struct sign_input *in, struct sign_headers *out,
    char *sha256, struct err *err)
{
	if (add_fmt(out, err, "X-Hub-Signature-256", "sha256=%s", sha256) != 0 ||
	    body_mac(in, VMD_SHA1, MAC_HEX, sha256, err) != 0 ||
	    add_fmt(out, err, "X-Hub-Signature", "sha1=%s", sha256) != 0)
		return -1;
	return 0;
}

static int
sign_github(const struct sign_input *in, struct sign_headers *out,
    struct err *err)
{
	char hex[2 * VMAC_MAX + 1];

	if (body_mac(in, VMD_SHA256, MAC_HEX, hex, err) != 0)
		return -1;
	return add_hub(in, out, hex, err);
}

/* GitLab: the token itself, line breaks stripped by GitLab
 * (web_hook_service.rb build_headers); sign_secret_check refuses them. */
static int
sign_gitlab(const struct sign_input *in, struct sign_headers *out,
    struct err *err)
{
	return add_fmt(out, err, "X-Gitlab-Token", "%s", in->secret);
}

/*
 * Gitea and Forgejo: bare hex HMAC-SHA256 in X-Gitea-Signature, the
 * same in X-Gogs-Signature, plus GitHub-style X-Hub-Signature(-256)
 * (gitea services/webhook/deliver.go addDefaultHeaders).
 */
static int
sign_gitea(const struct sign_input *in, struct sign_headers *out,
    struct err *err)
{
	char hex[2 * VMAC_MAX + 1];

	if (body_mac(in, VMD_SHA256, MAC_HEX, hex, err) != 0 ||
	    add_fmt(out, err, "X-Gitea-Signature", "%s", hex) != 0 ||
	    add_fmt(out, err, "X-Gogs-Signature", "%s", hex) != 0)
		return -1;
	return add_hub(in, out, hex, err);
}

/* Bitbucket Cloud: X-Hub-Signature: sha256=<hex>, no -256 suffix. */
static int
sign_bitbucket(const struct sign_input *in, struct sign_headers *out,
    struct err *err)
{
	char hex[2 * VMAC_MAX + 1];

	if (body_mac(in, VMD_SHA256, MAC_HEX, hex, err) != 0 ||
	    add_fmt(out, err, "X-Hub-Signature", "sha256=%s", hex) != 0)
		return -1;
	return 0;
}

/* Hex HMAC-SHA256 of "<pre><ts><sep><body>", with ts formatted into
 * ts. */
static int
mac_ts_body(const struct sign_input *in, const char *pre, const char *sep,
    char *ts, char *hex, struct err *err)
{
	struct span parts[4];
	int n;

	if ((n = fmt_ts(in->timestamp, ts, err)) < 0)
		return -1;
	parts[0].p = pre;
	parts[0].len = strlen(pre);
	parts[1].p = ts;
	parts[1].len = (size_t)n;
	parts[2].p = sep;
	parts[2].len = strlen(sep);
	parts[3] = body_span(in);
	return mac_text(VMD_SHA256, secret_key(in), parts, 4, MAC_HEX, hex,
	    err);
}

/* Stripe: t=<unix>,v1=<hex HMAC-SHA256("t" "." body)>, the key the whole
 * whsec_ string (stripe-python _webhook.py). */
static int
sign_stripe(const struct sign_input *in, struct sign_headers *out,
    struct err *err)
{
	char ts[TS_MAX], hex[2 * VMAC_MAX + 1];

	if (mac_ts_body(in, "", ".", ts, hex, err) != 0 ||
	    add_fmt(out, err, "Stripe-Signature", "t=%s,v1=%s", ts, hex) != 0)
		return -1;
	return 0;
}

/* Paddle Billing: ts=<unix>;h1=<hex HMAC-SHA256(ts ":" body)>. */
static int
sign_paddle(const struct sign_input *in, struct sign_headers *out,
    struct err *err)
{
	char ts[TS_MAX], hex[2 * VMAC_MAX + 1];

	if (mac_ts_body(in, "", ":", ts, hex, err) != 0 ||
	    add_fmt(out, err, "Paddle-Signature", "ts=%s;h1=%s", ts, hex) != 0)
		return -1;
	return 0;
}

/* Slack: X-Slack-Signature: v0=<hex HMAC-SHA256("v0:" ts ":" body)>
 * (api.slack.com/authentication/verifying-requests-from-slack). */
static int
sign_slack(const struct sign_input *in, struct sign_headers *out,
    struct err *err)
{
	char ts[TS_MAX], hex[2 * VMAC_MAX + 1];

	if (mac_ts_body(in, "v0:", ":", ts, hex, err) != 0 ||
	    add_fmt(out, err, "X-Slack-Request-Timestamp", "%s", ts) != 0 ||
	    add_fmt(out, err, "X-Slack-Signature", "v0=%s", hex) != 0)
		return -1;
	return 0;
}

/* Shopify: X-Shopify-Hmac-Sha256: base64 HMAC-SHA256 of the body. */
static int
sign_shopify(const struct sign_input *in, struct sign_headers *out,
    struct err *err)
{
	char b64[B64_MAX];

	if (body_mac(in, VMD_SHA256, MAC_B64, b64, err) != 0 ||
	    add_fmt(out, err, "X-Shopify-Hmac-Sha256", "%s", b64) != 0)
		return -1;
	return 0;
}

/* s without "whsec_" when it starts with it. */
static const char *
strip_whsec(const char *s)
{
	return strncmp(s, "whsec_", 6) == 0 ? s + 6 : s;
}

/* The key of a Standard Webhooks secret: whsec_ (optional, as every
 * library accepts) then base64, padded or not. Returns its length, or
 * -1 when it does not decode. */
static long
sw_key(const char *secret, unsigned char key[SW_KEY_MAX])
{
	const char *b64 = strip_whsec(secret);

	return b64_decode(b64, strlen(b64), B64_PAD_OPTIONAL, key, SW_KEY_MAX);
}

/* 1 when id can be a webhook-id: printable ASCII without space, and no
 * '.', which separates the signed content's parts (spec: "id and
 * timestamp must not contain a period"). */
static int
sw_id_valid(const char *id)
{
	size_t i;

	for (i = 0; id[i] != '\0'; i++)
		if (id[i] <= ' ' || id[i] > '~' || id[i] == '.')
			return 0;
	return i > 0;
}

/*
 * Standard Webhooks (standard-webhooks spec, "Signature scheme"):
 * webhook-signature: v1,<base64 HMAC-SHA256(id "." ts "." body)> under
 * the decoded whsec_ key. Also the generic provider's scheme, and Svix's
 * under its own header names (svix Webhook.sign is the same function).
 */
static int
sign_standard(const struct sign_input *in, struct sign_headers *out,
    struct err *err)
{
	static const char *const names[2][3] = {
		{ "webhook-id", "webhook-timestamp", "webhook-signature" },
		{ "svix-id", "svix-timestamp", "svix-signature" },
	};
	const char *const *name = names[in->svix != 0];
	unsigned char key[SW_KEY_MAX];
	char ts[TS_MAX], b64[B64_MAX];
	struct span parts[5], k;
	long klen;
	int n, rc = -1;

	if (in->id == NULL || !sw_id_valid(in->id)) {
		err_set(err, "a Standard Webhooks id is printable ASCII "
		    "without spaces or '.'");
		return -1;
	}
	if ((klen = sw_key(in->secret, key)) <= 0) {
		err_set(err, "a Standard Webhooks secret is whsec_ followed by "
		    "base64");
		goto fail;
	}
	if ((n = fmt_ts(in->timestamp, ts, err)) < 0)
		goto fail;
	parts[0].p = in->id;
	parts[0].len = strlen(in->id);
	parts[1].p = ".";
	parts[1].len = 1;
	parts[2].p = ts;
	parts[2].len = (size_t)n;
	parts[3] = parts[1];
	parts[4] = body_span(in);
	k.p = key;
	k.len = (size_t)klen;
	if (mac_text(VMD_SHA256, k, parts, 5, MAC_B64, b64, err) != 0 ||
	    add_fmt(out, err, name[0], "%s", in->id) != 0 ||
	    add_fmt(out, err, name[1], "%s", ts) != 0 ||
	    add_fmt(out, err, name[2], "v1,%s", b64) != 0)
		goto fail;
	rc = 0;
fail:
	vwipe(key, sizeof(key));
	return rc;
}

int
sign_secret_check(enum provider p, const char *secret, struct err *err)
{
	unsigned char key[SW_KEY_MAX];
	long n;
	size_t i;

	if (!sign_supported(p)) {
		err_set(err, "cannot sign as provider %s", provider_name(p));
		return -1;
	}
	if (secret == NULL || *secret == '\0') {
		err_set(err, "empty secret");
		return -1;
	}
	if (p == PROVIDER_STANDARD || p == PROVIDER_GENERIC) {
		n = sw_key(secret, key);
		vwipe(key, sizeof(key));
		if (n <= 0) {
			err_set(err, "a Standard Webhooks secret is whsec_ "
			    "followed by base64");
			return -1;
		}
	}
	/* It travels in a header (gitlab) or is a header's key: no CR, LF
	 * or other control characters. */
	for (i = 0; secret[i] != '\0'; i++) {
		if ((unsigned char)secret[i] < ' ' || secret[i] == 0x7f) {
			err_set(err, "the secret holds a control character");
			return -1;
		}
	}
	return 0;
}

int
sign_headers(const struct sign_input *in, struct sign_headers *out,
    struct err *err)
{
	size_t before = out->n;

	if (!sign_supported(in->provider)) {
		err_set(err, "cannot sign as provider %s",
		    provider_name(in->provider));
		return -1;
	}
	if (in->secret == NULL)
		return 0;
	if (sign_secret_check(in->provider, in->secret, err) != 0)
		return -1;
	if (signers[in->provider](in, out, err) != 0) {
		truncate_to(out, before);
		return -1;
	}
	return 0;
}
