/* verify_std.c: Standard Webhooks (standard, generic, GitLab's signing
 * token; also under Svix's header names), the GitLab token, and
 * Discord's Ed25519 signatures. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "verify_int.h"

#define SW_TOLERANCE	300	/* standard-webhooks spec: 5 min each way */
/* Each v1a entry costs an Ed25519 verification over the whole body;
 * rotation needs two or three, a stranger could list hundreds. */
#define SW_MAX_ASYM	8

static const char mismatch[] = "signature mismatch";
static const char too_far[] = "timestamp outside tolerance";

/*
 * The header names of the scheme: Standard Webhooks' own, and Svix's
 * (Clerk, Resend, Brex and others deliver through Svix), same content.
 * One set signs a delivery: the first set any of whose headers is
 * there gives all three, so webhook-* wins over svix-*, and an id or a
 * timestamp is never taken from the other set than the signature (the
 * delivery id is the signed one; payload.c takes webhook-id first too).
 */
enum { SW_ID, SW_TS, SW_SIG };
static const char *const sw_sets[][3] = {
	{ "webhook-id", "webhook-timestamp", "webhook-signature" },
	{ "svix-id", "svix-timestamp", "svix-signature" },
};

/* The set a request uses (sw_sets[0] when it has none). */
static const char *const *
sw_set(const struct verify_input *in)
{
	size_t s, h;

	for (s = 0; s < sizeof(sw_sets) / sizeof(sw_sets[0]); s++)
		for (h = 0; h < 3; h++)
			if (vhdr(in, sw_sets[s][h]) != NULL)
				return sw_sets[s];
	return sw_sets[0];
}

/* s without the prefix pfx when it starts with it. */
static const char *
strip(const char *s, const char *pfx)
{
	size_t n = strlen(pfx);

	return strncmp(s, pfx, n) == 0 ? s + n : s;
}

/*
 * The HMAC keys of Standard Webhooks secrets: "whsec_" (optional, as
 * every library accepts) then base64 of the key, padded or not (the
 * Python library appends "=="). Secrets that do not decode are skipped.
 * Returns a new array of secrets->n spans (unusable ones empty) whose
 * bytes live in *buf (*buflen bytes), or NULL when out of memory.
 */
static struct span *
sw_keys(const struct strlist *secrets, unsigned char **buf, size_t *buflen)
{
	struct span *keys;
	const char *b64;
	size_t i, total = 1, off = 0;
	long n;

	for (i = 0; i < secrets->n; i++)
		total += strlen(secrets->v[i]);
	if ((keys = calloc(secrets->n ? secrets->n : 1, sizeof(*keys))) ==
	    NULL || (*buf = malloc(total)) == NULL) {
		free(keys);
		return NULL;
	}
	for (i = 0; i < secrets->n; i++) {
		b64 = strip(secrets->v[i], "whsec_");
		n = b64_decode(b64, strlen(b64), B64_PAD_OPTIONAL, *buf + off,
		    total - off);
		if (n <= 0)
			continue;
		keys[i].p = *buf + off;
		keys[i].len = (size_t)n;
		off += (size_t)n;
	}
	*buflen = total;
	return keys;
}

/* The Ed25519 key of a Standard Webhooks public key "whpk_<base64>".
 * Returns 0, or -1 when it is not 32 bytes of base64. */
static int
sw_pubkey(const char *public_key, unsigned char pub[ED25519_KEY])
{
	const char *b64 = strip(public_key, "whpk_");

	return b64_decode(b64, strlen(b64), B64_PAD_OPTIONAL, pub,
	    ED25519_KEY) == ED25519_KEY ? 0 : -1;
}

/* parts joined into one new buffer (Ed25519 signs a whole message), or
 * NULL when out of memory. */
static unsigned char *
join(const struct span *parts, size_t nparts, size_t *len)
{
	unsigned char *buf;
	size_t i, total = 0, off = 0;

	for (i = 0; i < nparts; i++) {
		if (parts[i].len > SIZE_MAX - 1 - total)
			return NULL;
		total += parts[i].len;
	}
	if ((buf = malloc(total + 1)) == NULL)
		return NULL;
	for (i = 0; i < nparts; i++) {
		if (parts[i].len > 0)
			memcpy(buf + off, parts[i].p, parts[i].len);
		off += parts[i].len;
	}
	*len = total;
	return buf;
}

/* The state of one sw_verify() call, so the entry loop stays short. */
struct sw {
	struct span	 parts[5];	/* id "." ts "." body */
	struct span	*keys;
	size_t		 nkeys;
	struct vmacs	 macs;		/* computed on the first v1 entry */
	int		 have_macs;
	unsigned char	 pub[ED25519_KEY];
	int		 have_pub;
	unsigned char	*msg;		/* joined on the first v1a entry */
	size_t		 msglen;
	size_t		 nasym;
	size_t		 nknown;	/* v1 and v1a entries seen */
};

/*
 * Checks one "version,base64" entry of webhook-signature. Entries of
 * other versions (v2, ...) are ignored, never trusted (spec: "skip
 * entries whose version you do not know"). Returns 1 when it matches,
 * 0 when not, -1 on a failure of ours.
 */
static int
sw_entry(struct sw *sw, const char *e, size_t len)
{
	unsigned char want[ED25519_SIG];
	const char *comma;
	size_t vlen;
	long n;

	if ((comma = memchr(e, ',', len)) == NULL)
		return 0;
	vlen = (size_t)(comma - e);
	n = b64_decode(comma + 1, len - vlen - 1, B64_PAD_REQUIRED, want,
	    sizeof(want));
	if (span_is(e, vlen, "v1")) {
		sw->nknown++;
		if (n != 32 || sw->nkeys == 0)
			return 0;
		if (!sw->have_macs) {
			if (vmacs_keys(&sw->macs, VMD_SHA256, sw->keys,
			    sw->nkeys, sw->parts, 5) == -1)
				return -1;
			sw->have_macs = 1;
		}
		return vmacs_match(&sw->macs, want, 32);
	}
	if (span_is(e, vlen, "v1a")) {
		sw->nknown++;
		if (n != ED25519_SIG || !sw->have_pub ||
		    sw->nasym++ >= SW_MAX_ASYM)
			return 0;
		if (sw->msg == NULL &&
		    (sw->msg = join(sw->parts, 5, &sw->msglen)) == NULL)
			return -1;
		return ved25519(sw->pub, want, ED25519_SIG, sw->msg,
		    sw->msglen);
	}
	return 0;
}

int
sw_verify(const struct strlist *secrets, const char *public_key,
    const struct verify_input *in, long tol, struct err *err)
{
	struct sw sw;
	unsigned char *keybuf = NULL;
	const char *const *set = sw_set(in);
	const char *id, *ts, *sig, *p;
	long long t;
	size_t i, len, keybuflen = 0;
	int usable = 0;
	int r, found = 0, rc = -1;

	memset(&sw, 0, sizeof(sw));
	if ((id = vhdr(in, set[SW_ID])) == NULL || *id == '\0') {
		err_set(err, "missing %s", set[SW_ID]);
		goto fail;
	}
	if ((ts = vhdr(in, set[SW_TS])) == NULL) {
		err_set(err, "missing %s", set[SW_TS]);
		goto fail;
	}
	if ((sig = vhdr(in, set[SW_SIG])) == NULL || *sig == '\0') {
		err_set(err, "missing %s", set[SW_SIG]);
		goto fail;
	}
	if (ts_parse(ts, strlen(ts), &t) == -1) {
		err_set(err, "invalid %s", set[SW_TS]);
		goto fail;
	}
	if ((sw.keys = sw_keys(secrets, &keybuf, &keybuflen)) == NULL) {
		err_set(err, "out of memory");
		goto fail;
	}
	for (i = 0; i < secrets->n; i++)
		usable |= sw.keys[i].len > 0;
	sw.nkeys = usable ? secrets->n : 0;
	sw.have_pub = public_key != NULL && sw_pubkey(public_key, sw.pub) == 0;
	if (!usable && !sw.have_pub) {
		err_set(err, "no usable key: secrets must be whsec_ base64, "
		    "public_key whpk_ base64 of 32 bytes");
		goto fail;
	}
	sw.parts[0].p = id;
	sw.parts[0].len = strlen(id);
	sw.parts[1].p = ".";
	sw.parts[1].len = 1;
	sw.parts[2].p = ts;
	sw.parts[2].len = strlen(ts);
	sw.parts[3] = sw.parts[1];
	sw.parts[4].p = in->body;
	sw.parts[4].len = in->body_len;
	/* A space-delimited list; any entry may match (rotation). */
	for (p = sig; *p != '\0' && !found; p += len) {
		if (*p == ' ') {
			len = 1;
			continue;
		}
		len = strcspn(p, " ");
		if ((r = sw_entry(&sw, p, len)) == -1) {
			err_set(err, "cannot verify signature");
			goto fail;
		}
		found = r;
	}
	if (!found) {
		if (sw.nknown)
			err_set(err, "%s", mismatch);
		else
			err_set(err, "no v1 or v1a signature in %s",
			    set[SW_SIG]);
		goto fail;
	}
	if (!ts_within(in->now, t, tol, TS_BOTH)) {
		err_set(err, "%s", too_far);
		goto fail;
	}
	rc = 0;
fail:
	vmacs_free(&sw.macs);
	free(sw.msg);
	free(sw.keys);
	vwipe(keybuf, keybuflen);
	free(keybuf);
	return rc;
}

int
verify_standard(const struct endpoint *ep, const struct verify_input *in,
    struct err *err)
{
	return sw_verify(&ep->secrets, ep->public_key, in,
	    ep_tolerance(ep, SW_TOLERANCE), err);
}

/*
 * GitLab: X-Gitlab-Token is the secret itself (compared in constant
 * time). With a signing token (MR !230944) GitLab signs as Standard
 * Webhooks; when both are configured, the signature is checked if
 * webhook-signature is there, else the token.
 */
int
verify_gitlab(const struct endpoint *ep, const struct verify_input *in,
    struct err *err)
{
	struct strlist one;
	char *token = ep->signing_token;
	const char *got;
	size_t i;
	int found = 0;

	if (token != NULL && (ep->secrets.n == 0 ||
	    vhdr(in, "webhook-signature") != NULL)) {
		one.v = &token;
		one.n = 1;
		return sw_verify(&one, NULL, in,
		    ep_tolerance(ep, SW_TOLERANCE), err);
	}
	if ((got = vhdr(in, "X-Gitlab-Token")) == NULL) {
		err_set(err, "missing X-Gitlab-Token");
		return -1;
	}
	for (i = 0; i < ep->secrets.n; i++)
		if (ep->secrets.v[i][0] != '\0')
			found |= verify_equal(got, strlen(got),
			    ep->secrets.v[i], strlen(ep->secrets.v[i]));
	if (!found) {
		err_set(err, "X-Gitlab-Token mismatch");
		return -1;
	}
	return 0;
}

/*
 * Discord interactions: X-Signature-Ed25519 (hex) over
 * X-Signature-Timestamp then the body, with the application's public
 * key (hex). discord-interactions-js verifyKey checks no age; we do
 * when the endpoint sets a tolerance.
 */
int
verify_discord(const struct endpoint *ep, const struct verify_input *in,
    struct err *err)
{
	unsigned char pub[ED25519_KEY], sig[ED25519_SIG], *msg = NULL;
	const char *hsig, *ts;
	struct span parts[2];
	long long t;
	size_t msglen;
	int rc = -1;

	if (ep->public_key == NULL || hex_decode(ep->public_key,
	    strlen(ep->public_key), 0, pub, sizeof(pub)) != ED25519_KEY) {
		err_set(err, "discord endpoint without a 64-hex-digit "
		    "public_key");
		goto fail;
	}
	if ((hsig = vhdr(in, "X-Signature-Ed25519")) == NULL) {
		err_set(err, "missing X-Signature-Ed25519");
		goto fail;
	}
	if ((ts = vhdr(in, "X-Signature-Timestamp")) == NULL) {
		err_set(err, "missing X-Signature-Timestamp");
		goto fail;
	}
	if (ts_parse(ts, strlen(ts), &t) == -1) {
		err_set(err, "invalid X-Signature-Timestamp");
		goto fail;
	}
	if (hex_decode(hsig, strlen(hsig), 0, sig, sizeof(sig)) !=
	    ED25519_SIG) {
		err_set(err, "%s", mismatch);
		goto fail;
	}
	parts[0].p = ts;
	parts[0].len = strlen(ts);
	parts[1].p = in->body;
	parts[1].len = in->body_len;
	if ((msg = join(parts, 2, &msglen)) == NULL) {
		err_set(err, "out of memory");
		goto fail;
	}
	switch (ved25519(pub, sig, sizeof(sig), msg, msglen)) {
	case 1:
		break;
	case 0:
		err_set(err, "%s", mismatch);
		goto fail;
	default:
		err_set(err, "cannot verify signature");
		goto fail;
	}
	if (ep->tolerance >= 0 &&
	    !ts_within(in->now, t, ep->tolerance, TS_BOTH)) {
		err_set(err, "%s", too_far);
		goto fail;
	}
	rc = 0;
fail:
	free(msg);
	return rc;
}
