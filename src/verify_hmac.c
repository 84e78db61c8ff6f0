/* verify_hmac.c: the schemes that are an HMAC of the raw body (plus a
 * timestamp or URL) keyed with the secret's UTF-8 bytes: GitHub, Gitea,
 * Bitbucket, Shopify, Square, Stripe, Slack, Paddle and the configurable
 * hmac provider. */
#include <stdlib.h>
#include <string.h>

#include "form.h"
#include "verify_int.h"

#define STRIPE_TOLERANCE	300	/* stripe-python DEFAULT_TOLERANCE */
#define SLACK_TOLERANCE		300	/* python-slack-sdk SignatureVerifier */
#define PADDLE_TOLERANCE	5	/* paddle-node-sdk MAX_VALID_TIME_DIFFERENCE */
#define HMAC_TOLERANCE		300

/* What a failed check says. */
static const char mismatch[] = "signature mismatch";
static const char too_far[] = "timestamp outside tolerance";

/*
 * Checks want (n decoded bytes, n < 0 when the sender's text did not
 * decode) against the HMAC of parts under each secret. Returns 0, or -1
 * with err.
 */
static int
mac_check(const struct endpoint *ep, enum vmd md, const unsigned char *want,
    long n, const struct span *parts, size_t nparts, struct err *err)
{
	struct vmacs m;
	int found;

	if (n < 0 || (size_t)n != vmd_len(md)) {
		err_set(err, "%s", mismatch);
		return -1;
	}
	if (vmacs_secrets(&m, md, &ep->secrets, parts, nparts) == -1) {
		err_set(err, "cannot compute HMAC");
		return -1;
	}
	found = vmacs_match(&m, want, (size_t)n);
	vmacs_free(&m);
	if (!found) {
		err_set(err, "%s", mismatch);
		return -1;
	}
	return 0;
}

/*
 * Checks text (a sender's header value after its label) as the lowercase
 * hex of the HMAC of parts under any secret. Lowercase only: the senders
 * emit lowercase hex and their reference code compares the whole string
 * (GitHub docs, "Validating webhook deliveries"; stripe-python
 * secure_compare). Returns 0, or -1 with err.
 */
static int
hex_check(const struct endpoint *ep, enum vmd md, const char *text,
    size_t len, const struct span *parts, size_t nparts, struct err *err)
{
	unsigned char want[VMAC_MAX];

	return mac_check(ep, md, want,
	    hex_decode(text, len, 1, want, sizeof(want)), parts, nparts, err);
}

/* As hex_check() for standard base64 (padded). */
static int
b64_check(const struct endpoint *ep, enum vmd md, const char *text,
    const struct span *parts, size_t nparts, struct err *err)
{
	unsigned char want[VMAC_MAX];

	return mac_check(ep, md, want, b64_decode(text, strlen(text),
	    B64_PAD_REQUIRED, want, sizeof(want)), parts, nparts, err);
}

/* The body as the only signed part. */
static struct span
body_span(const struct verify_input *in)
{
	struct span s = { in->body, in->body_len };

	return s;
}

/*
 * GitHub: X-Hub-Signature-256: sha256=<lowercase hex> over the raw body.
 * The legacy X-Hub-Signature (sha1=) only when the endpoint allows it,
 * and never when the sha256 header is there (GitHub sends both).
 */
int
verify_github(const struct endpoint *ep, const struct verify_input *in,
    struct err *err)
{
	struct span body = body_span(in);
	const char *sig, *label = "sha256=";
	enum vmd md = VMD_SHA256;

	if ((sig = vhdr(in, "X-Hub-Signature-256")) == NULL) {
		if (!ep->allow_sha1 ||
		    (sig = vhdr(in, "X-Hub-Signature")) == NULL) {
			err_set(err, "missing X-Hub-Signature-256");
			return -1;
		}
		label = "sha1=";
		md = VMD_SHA1;
	}
	if (strncmp(sig, label, strlen(label)) != 0) {
		err_set(err, "signature without the %s prefix", label);
		return -1;
	}
	sig += strlen(label);
	return hex_check(ep, md, sig, strlen(sig), &body, 1, err);
}

/*
 * Gitea, Forgejo, Gogs: bare lowercase hex HMAC-SHA256 of the payload.
 * With the form content type the payload is the decoded payload= field
 * (gitea services/webhook/deliver.go signs t.PayloadContent).
 */
int
verify_gitea(const struct endpoint *ep, const struct verify_input *in,
    struct err *err)
{
	static const char *const names[] = {
		"X-Gitea-Signature", "X-Forgejo-Signature", "X-Gogs-Signature"
	};
	struct form form = { NULL, 0 };
	const struct form_field *f;
	struct span payload = body_span(in);
	const char *sig = NULL;
	size_t i;
	int rc = -1;

	for (i = 0; i < sizeof(names) / sizeof(names[0]) && sig == NULL; i++)
		sig = vhdr(in, names[i]);
	if (sig == NULL) {
		err_set(err, "missing X-Gitea-Signature");
		goto fail;
	}
	/* Gitea sends the header empty when the hook has no secret. */
	if (*sig == '\0') {
		err_set(err, "empty X-Gitea-Signature");
		goto fail;
	}
	if (ct_is_form(in->content_type)) {
		if (form_parse((const char *)in->body, in->body_len, &form,
		    err) == -1)
			goto fail;
		if ((f = form_get(&form, "payload")) == NULL) {
			err_set(err, "form body without a payload field");
			goto fail;
		}
		payload.p = f->value;
		payload.len = f->value_len;
	}
	rc = hex_check(ep, VMD_SHA256, sig, strlen(sig), &payload, 1, err);
fail:
	form_free(&form);
	return rc;
}

/*
 * Bitbucket Cloud and Data Center: X-Hub-Signature (no -256) whose
 * value's prefix names the algorithm (signatures.md rule 4).
 */
int
verify_bitbucket(const struct endpoint *ep, const struct verify_input *in,
    struct err *err)
{
	static const struct {
		const char	*label;
		enum vmd	 md;
	} algs[] = {
		{ "sha256=", VMD_SHA256 },
		{ "sha1=", VMD_SHA1 },
	};
	struct span body = body_span(in);
	const char *sig;
	size_t i, n;

	if ((sig = vhdr(in, "X-Hub-Signature")) == NULL) {
		err_set(err, "missing X-Hub-Signature");
		return -1;
	}
	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		n = strlen(algs[i].label);
		if (strncmp(sig, algs[i].label, n) == 0)
			return hex_check(ep, algs[i].md, sig + n,
			    strlen(sig + n), &body, 1, err);
	}
	err_set(err, "unsupported algorithm in X-Hub-Signature");
	return -1;
}

/*
 * Shopify: base64 HMAC-SHA256 of the body; the newer event webhooks use
 * unprefixed names (shopify-app-js WEBHOOK_HEADER_NAMES).
 */
int
verify_shopify(const struct endpoint *ep, const struct verify_input *in,
    struct err *err)
{
	struct span body = body_span(in);
	const char *sig;

	if ((sig = vhdr(in, "X-Shopify-Hmac-Sha256")) == NULL &&
	    (sig = vhdr(in, "shopify-hmac-sha256")) == NULL) {
		err_set(err, "missing X-Shopify-Hmac-Sha256");
		return -1;
	}
	return b64_check(ep, VMD_SHA256, sig, &body, 1, err);
}

/* Square: base64 HMAC-SHA256 of the notification URL then the body. */
int
verify_square(const struct endpoint *ep, const struct verify_input *in,
    struct err *err)
{
	struct span parts[2];
	const char *sig;

	if (ep->public_url == NULL) {
		err_set(err, "square endpoint without public_url");
		return -1;
	}
	if ((sig = vhdr(in, "X-Square-Hmacsha256-Signature")) == NULL) {
		err_set(err, "missing X-Square-Hmacsha256-Signature");
		return -1;
	}
	parts[0].p = ep->public_url;
	parts[0].len = strlen(ep->public_url);
	parts[1] = body_span(in);
	return b64_check(ep, VMD_SHA256, sig, parts, 2, err);
}

/*
 * Checks a "k=v<sep>k=v..." header (Stripe ',', Paddle ';'): the first
 * ts_key entry is the timestamp, every sig_key entry a hex signature of
 * ts + joiner + body; any one may match, other keys are ignored. Then
 * the age under dir. Returns 0, or -1 with err (name: the header).
 */
static int
kv_check(const struct endpoint *ep, const struct verify_input *in,
    const char *name, char sep, const char *ts_key, const char *sig_key,
    const char *joiner, long tol, enum tsdir dir, struct err *err)
{
	const char seps[2] = { sep, '\0' };
	const char *v, *p, *end, *eq, *ts = NULL;
	size_t tslen = 0, nsig = 0;
	unsigned char want[VMAC_MAX];
	struct vmacs m = { NULL, 0, 0 };
	struct span parts[3];
	long long t;
	int found = 0, rc = -1;

	if ((v = vhdr(in, name)) == NULL) {
		err_set(err, "missing %s", name);
		goto fail;
	}
	/* First pass: the timestamp. Entries without '=' are skipped. */
	for (p = v; *p != '\0' && ts == NULL; p = *end ? end + 1 : end) {
		end = p + strcspn(p, seps);
		if ((eq = memchr(p, '=', (size_t)(end - p))) != NULL &&
		    span_is(p, (size_t)(eq - p), ts_key)) {
			ts = eq + 1;
			tslen = (size_t)(end - ts);
		}
	}
	if (ts == NULL || ts_parse(ts, tslen, &t) == -1) {
		err_set(err, "no valid timestamp in %s", name);
		goto fail;
	}
	parts[0].p = ts;
	parts[0].len = tslen;
	parts[1].p = joiner;
	parts[1].len = strlen(joiner);
	parts[2] = body_span(in);
	for (p = v; *p != '\0'; p = *end ? end + 1 : end) {
		end = p + strcspn(p, seps);
		if ((eq = memchr(p, '=', (size_t)(end - p))) == NULL ||
		    !span_is(p, (size_t)(eq - p), sig_key))
			continue;
		nsig++;
		/* An unparseable value is skipped, not fatal (stripe-go). */
		if (hex_decode(eq + 1, (size_t)(end - eq - 1), 1, want,
		    sizeof(want)) != 32)
			continue;
		/* The MACs once, however many entries the header lists. */
		if (m.v == NULL && vmacs_secrets(&m, VMD_SHA256, &ep->secrets,
		    parts, 3) == -1) {
			err_set(err, "cannot compute HMAC");
			goto fail;
		}
		found |= vmacs_match(&m, want, 32);
	}
	if (nsig == 0) {
		err_set(err, "no %s signature in %s", sig_key, name);
		goto fail;
	}
	if (!found) {
		err_set(err, "%s", mismatch);
		goto fail;
	}
	if (!ts_within(in->now, t, tol, dir)) {
		err_set(err, "%s", too_far);
		goto fail;
	}
	rc = 0;
fail:
	vmacs_free(&m);
	return rc;
}

/*
 * Stripe: Stripe-Signature t=..,v1=..[,v1=..]; only v1 counts (v0 and
 * unknown labels are ignored: no downgrade). The key is the whole
 * whsec_ string. Too old only: a future t is accepted, and age ==
 * tolerance too (stripe-python: reject when t < now - tolerance).
 */
int
verify_stripe(const struct endpoint *ep, const struct verify_input *in,
    struct err *err)
{
	return kv_check(ep, in, "Stripe-Signature", ',', "t", "v1", ".",
	    ep_tolerance(ep, STRIPE_TOLERANCE), TS_OLD_ONLY, err);
}

/*
 * Paddle Billing: Paddle-Signature ts=..;h1=..; any h1 matches (the
 * Node SDK keeps only the last). Old only, 5 s as the SDK by default.
 */
int
verify_paddle(const struct endpoint *ep, const struct verify_input *in,
    struct err *err)
{
	return kv_check(ep, in, "Paddle-Signature", ';', "ts", "h1", ":",
	    ep_tolerance(ep, PADDLE_TOLERANCE), TS_OLD_ONLY, err);
}

/*
 * Slack: X-Slack-Signature v0=<hex> over "v0:" TS ":" body, with
 * abs(now - TS) <= 300 (python-slack-sdk signature/__init__.py).
 */
int
verify_slack(const struct endpoint *ep, const struct verify_input *in,
    struct err *err)
{
	const char *ts, *sig;
	struct span parts[4];
	long long t;

	if ((ts = vhdr(in, "X-Slack-Request-Timestamp")) == NULL) {
		err_set(err, "missing X-Slack-Request-Timestamp");
		return -1;
	}
	if ((sig = vhdr(in, "X-Slack-Signature")) == NULL) {
		err_set(err, "missing X-Slack-Signature");
		return -1;
	}
	if (ts_parse(ts, strlen(ts), &t) == -1) {
		err_set(err, "invalid X-Slack-Request-Timestamp");
		return -1;
	}
	if (strncmp(sig, "v0=", 3) != 0) {
		err_set(err, "X-Slack-Signature is not version v0");
		return -1;
	}
	parts[0].p = "v0:";
	parts[0].len = 3;
	parts[1].p = ts;
	parts[1].len = strlen(ts);
	parts[2].p = ":";
	parts[2].len = 1;
	parts[3] = body_span(in);
	if (hex_check(ep, VMD_SHA256, sig + 3, strlen(sig + 3), parts, 4,
	    err) == -1)
		return -1;
	if (!ts_within(in->now, t, ep_tolerance(ep, SLACK_TOLERANCE),
	    TS_BOTH)) {
		err_set(err, "%s", too_far);
		return -1;
	}
	return 0;
}

/* The hmac provider's settings, resolved. */
struct hmac_conf {
	enum vmd	 md;
	int		 base64;
	const char	*prefix;
};

/* Reads the endpoint's algorithm and encoding. Returns 0, or -1 with
 * err for a value the configuration should not have let through. */
static int
hmac_conf(const struct endpoint *ep, struct hmac_conf *hc, struct err *err)
{
	static const struct {
		const char	*name;
		enum vmd	 md;
	} algs[] = {
		{ "sha1", VMD_SHA1 },
		{ "sha256", VMD_SHA256 },
		{ "sha512", VMD_SHA512 },
	};
	size_t i;

	hc->md = VMD_SHA256;
	if (ep->algorithm != NULL) {
		for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
			if (strcmp(ep->algorithm, algs[i].name) == 0)
				break;
		if (i == sizeof(algs) / sizeof(algs[0])) {
			err_set(err, "hmac: unsupported algorithm");
			return -1;
		}
		hc->md = algs[i].md;
	}
	hc->base64 = 0;
	if (ep->encoding != NULL) {
		if (strcmp(ep->encoding, "base64") == 0)
			hc->base64 = 1;
		else if (strcmp(ep->encoding, "hex") != 0) {
			err_set(err, "hmac: unsupported encoding");
			return -1;
		}
	}
	hc->prefix = ep->prefix ? ep->prefix : "";
	if (ep->signature_header == NULL) {
		err_set(err, "hmac: no signature_header configured");
		return -1;
	}
	return 0;
}

/*
 * Splits the signed_content template (default "{body}") into parts:
 * literal text, {id}, {timestamp}, {body}. Any other '{' is literal.
 * Returns a new array (*n parts), or NULL with err.
 */
static struct span *
hmac_template(const char *tpl, const char *id, const char *ts,
    const struct verify_input *in, size_t *n, struct err *err)
{
	static const char *const keys[] = { "{id}", "{timestamp}", "{body}" };
	struct span *parts = NULL;
	const char *p, *lit;
	size_t max = 1, k, klen;

	for (p = tpl; *p != '\0'; p++)
		if (*p == '{')
			max += 2;
	if ((parts = calloc(max, sizeof(*parts))) == NULL) {
		err_set(err, "out of memory");
		return NULL;
	}
	*n = 0;
	for (p = lit = tpl; *p != '\0';) {
		for (k = 0; k < 3; k++) {
			klen = strlen(keys[k]);
			if (strncmp(p, keys[k], klen) == 0)
				break;
		}
		if (k == 3) {
			p++;
			continue;
		}
		if (p > lit) {
			parts[*n].p = lit;
			parts[(*n)++].len = (size_t)(p - lit);
		}
		if (k == 0 && id == NULL) {
			err_set(err, "hmac: {id} needs delivery_header and "
			    "its header");
			goto fail;
		}
		if (k == 1 && ts == NULL) {
			err_set(err, "hmac: {timestamp} needs "
			    "timestamp_header");
			goto fail;
		}
		if (k == 0 || k == 1) {
			parts[*n].p = k == 0 ? id : ts;
			parts[(*n)++].len = strlen(k == 0 ? id : ts);
		} else
			parts[(*n)++] = body_span(in);
		p += klen;
		lit = p;
	}
	if (p > lit) {
		parts[*n].p = lit;
		parts[(*n)++].len = (size_t)(p - lit);
	}
	return parts;
fail:
	free(parts);
	return NULL;
}

/*
 * The configurable scheme: signature_header holding prefix + the hex or
 * base64 HMAC (algorithm) of signed_content; with timestamp_header, the
 * timestamp must be a strict integer within tolerance (300 s, both
 * ways). Hex is accepted in either case here: senders differ.
 */
int
verify_hmac(const struct endpoint *ep, const struct verify_input *in,
    struct err *err)
{
	struct hmac_conf hc;
	struct span *parts = NULL;
	const char *sig, *ts = NULL, *id = NULL;
	unsigned char want[VMAC_MAX];
	long long t = 0;
	size_t nparts = 0;
	long n;
	int rc = -1;

	if (hmac_conf(ep, &hc, err) == -1)
		goto fail;
	if ((sig = vhdr(in, ep->signature_header)) == NULL) {
		err_set(err, "missing %s", ep->signature_header);
		goto fail;
	}
	if (ep->timestamp_header != NULL) {
		if ((ts = vhdr(in, ep->timestamp_header)) == NULL) {
			err_set(err, "missing %s", ep->timestamp_header);
			goto fail;
		}
		if (ts_parse(ts, strlen(ts), &t) == -1) {
			err_set(err, "invalid %s", ep->timestamp_header);
			goto fail;
		}
	}
	if (ep->delivery_header != NULL)
		id = vhdr(in, ep->delivery_header);
	if ((parts = hmac_template(ep->signed_content ? ep->signed_content :
	    "{body}", id, ts, in, &nparts, err)) == NULL)
		goto fail;
	if (strncmp(sig, hc.prefix, strlen(hc.prefix)) != 0) {
		err_set(err, "signature without the configured prefix");
		goto fail;
	}
	sig += strlen(hc.prefix);
	n = hc.base64 ?
	    b64_decode(sig, strlen(sig), B64_PAD_REQUIRED, want, sizeof(want)) :
	    hex_decode(sig, strlen(sig), 0, want, sizeof(want));
	if (mac_check(ep, hc.md, want, n, parts, nparts, err) == -1)
		goto fail;
	if (ts != NULL && !ts_within(in->now, t,
	    ep_tolerance(ep, HMAC_TOLERANCE), TS_BOTH)) {
		err_set(err, "%s", too_far);
		goto fail;
	}
	rc = 0;
fail:
	free(parts);
	return rc;
}
