/* verify_twilio.c: Twilio's X-Twilio-Signature: HMAC-SHA1 over the URL
 * and the sorted form fields, as twilio-python's RequestValidator. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "form.h"
#include "verify_int.h"

#define SHA1_LEN	20

/* Orders fields by name, then value, as the SDK's sorted() does on
 * code points (UTF-8 byte order is code point order). */
static int
field_cmp(const void *a, const void *b)
{
	const struct form_field *x = *(const struct form_field *const *)a;
	const struct form_field *y = *(const struct form_field *const *)b;
	size_t n = x->value_len < y->value_len ? x->value_len : y->value_len;
	int c;

	if ((c = strcmp(x->name, y->name)) != 0)
		return c;
	if (n > 0 && (c = memcmp(x->value, y->value, n)) != 0)
		return c;
	return (x->value_len > y->value_len) - (x->value_len < y->value_len);
}

/*
 * The parameter string: for each name in sorted order, for each distinct
 * value in sorted order, name then value (twilio-python
 * compute_signature: sorted(set(params)), sorted(set(values))). Returns
 * a new string (*len bytes), or NULL when out of memory.
 */
static char *
params_string(const struct form *f, size_t *len)
{
	const struct form_field **v = NULL;
	char *s = NULL;
	size_t i, total = 1, off = 0, nl;

	if ((v = calloc(f->n ? f->n : 1, sizeof(*v))) == NULL)
		goto fail;
	for (i = 0; i < f->n; i++) {
		v[i] = &f->v[i];
		nl = strlen(f->v[i].name);
		/* Each field came from the body: the sum fits. */
		total += nl + f->v[i].value_len;
	}
	qsort(v, f->n, sizeof(*v), field_cmp);
	if ((s = malloc(total)) == NULL)
		goto fail;
	for (i = 0; i < f->n; i++) {
		if (i > 0 && field_cmp(&v[i - 1], &v[i]) == 0)
			continue;	/* the same name and value again */
		nl = strlen(v[i]->name);
		memcpy(s + off, v[i]->name, nl);
		off += nl;
		if (v[i]->value_len > 0)
			memcpy(s + off, v[i]->value, v[i]->value_len);
		off += v[i]->value_len;
	}
	s[off] = '\0';
	*len = off;
fail:
	free(v);
	return s;
}

/*
 * Where the port is in url: [*hostend, *portend) is ":port", empty when
 * there is none. Returns 1 for https, 0 for other schemes, -1 when url
 * has no "scheme://authority".
 */
static int
url_port(const char *url, size_t *hostend, size_t *portend)
{
	const char *sep, *auth, *end, *host, *at, *c;

	if ((sep = strstr(url, "://")) == NULL)
		return -1;
	auth = sep + 3;
	end = auth + strcspn(auth, "/?#");
	host = auth;
	while ((at = memchr(host, '@', (size_t)(end - host))) != NULL)
		host = at + 1;
	if (*host == '[') {	/* IPv6 literal: its colons are no port */
		if ((c = memchr(host, ']', (size_t)(end - host))) == NULL)
			return -1;
		c++;
	} else if ((c = memchr(host, ':', (size_t)(end - host))) == NULL)
		c = end;
	*hostend = (size_t)(c - url);
	*portend = (size_t)(end - url);
	return (size_t)(sep - url) == 5 && strncasecmp(url, "https", 5) == 0;
}

/*
 * Twilio signs the URL inconsistently with and without the port, so the
 * SDK accepts both (twilio-python validate: remove_port/add_port): the
 * URL with any port removed, and the URL with its port or, when it has
 * none, :443 (https) or :80 added. Returns 0 when either matches (*ok),
 * or -1 on a failure of ours.
 */
static int
url_match(const struct endpoint *ep, const char *url, const char *params,
    size_t plen, const unsigned char *want, int *ok)
{
	struct span parts[4];
	struct vmacs m;
	size_t hostend, portend, ulen = strlen(url), np;
	int https, pass;

	*ok = 0;
	https = url_port(url, &hostend, &portend);
	for (pass = 0; pass < 2 && !*ok; pass++) {
		np = 0;
		if (https < 0) {	/* not a URL we can take apart */
			if (pass == 1)
				break;
			parts[np].p = url;
			parts[np++].len = ulen;
		} else if (pass == 0 || hostend != portend) {
			/* pass 0: without the port; pass 1: as it is */
			parts[np].p = url;
			parts[np++].len = pass == 0 ? hostend : ulen;
			if (pass == 0) {
				parts[np].p = url + portend;
				parts[np++].len = ulen - portend;
			}
		} else {
			parts[np].p = url;
			parts[np++].len = hostend;
			parts[np].p = https ? ":443" : ":80";
			parts[np++].len = https ? 4 : 3;
			parts[np].p = url + hostend;
			parts[np++].len = ulen - hostend;
		}
		parts[np].p = params;
		parts[np++].len = plen;
		if (vmacs_secrets(&m, VMD_SHA1, &ep->secrets, parts, np) == -1)
			return -1;
		*ok = vmacs_match(&m, want, SHA1_LEN);
		vmacs_free(&m);
	}
	return 0;
}

/*
 * The URL Twilio requested, which is what it signs: public_url gives the
 * scheme, host, port and path (which a web server in front may change),
 * the request its query string. public_url may hold a query too (the
 * README says to copy the whole URL from Twilio's console): the
 * request's replaces it, so that query is never signed twice, and a
 * different one means the URL at Twilio changed since; public_url's own
 * query counts only when the request has none (a rewrite that dropped
 * it). Returns a new string, or NULL.
 */
static char *
request_url(const char *base, const char *qs)
{
	size_t blen, qlen;
	char *url;

	if (qs == NULL || *qs == '\0')
		return strdup(base);
	blen = strcspn(base, "?#");
	qlen = strlen(qs);
	if ((url = malloc(blen + qlen + 2)) == NULL)
		return NULL;
	memcpy(url, base, blen);
	url[blen] = '?';
	memcpy(url + blen + 1, qs, qlen + 1);
	return url;
}

/*
 * JSON bodies (twilio-python validate): the URL carries
 * bodySHA256=<hex SHA-256 of the body>, and the signature covers the
 * URL alone. Returns 1 when url has that field and it matches, 0 when
 * url has none, -1 when it does not match or cannot be checked.
 */
static int
body_hash(const char *url, const struct verify_input *in)
{
	struct form q = { NULL, 0 };
	const struct form_field *f;
	const char *query;
	unsigned char md[32];
	char hex[65];
	int rc = -1;

	if ((query = strchr(url, '?')) == NULL)
		return 0;
	query++;
	/* A query string that does not decode carries no bodySHA256. */
	if (form_parse(query, strcspn(query, "#"), &q, NULL) == -1)
		return 0;
	if ((f = form_get(&q, "bodySHA256")) == NULL) {
		rc = 0;
		goto fail;
	}
	if (vsha256(in->body, in->body_len, md) == -1)
		goto fail;
	hex_encode(md, sizeof(md), hex);
	rc = verify_equal(f->value, f->value_len, hex, 64) ? 1 : -1;
fail:
	form_free(&q);
	return rc;
}

int
verify_twilio(const struct endpoint *ep, const struct verify_input *in,
    struct err *err)
{
	struct form f = { NULL, 0 };
	unsigned char want[SHA1_LEN];
	const char *sig;
	char *url = NULL, *params = NULL;
	size_t plen = 0;
	int ok, rc = -1;

	if (ep->public_url == NULL) {
		err_set(err, "twilio endpoint without public_url");
		goto fail;
	}
	if ((sig = vhdr(in, "X-Twilio-Signature")) == NULL) {
		err_set(err, "missing X-Twilio-Signature");
		goto fail;
	}
	if (b64_decode(sig, strlen(sig), B64_PAD_REQUIRED, want,
	    sizeof(want)) != SHA1_LEN) {
		err_set(err, "signature mismatch");
		goto fail;
	}
	if ((url = request_url(ep->public_url, in->query_string)) == NULL) {
		err_set(err, "out of memory");
		goto fail;
	}
	switch (body_hash(url, in)) {
	case 1:
		break;		/* the body is covered: sign the URL alone */
	case 0:
		/* Form fields are signed; any other body would not be. */
		if (in->content_type != NULL && !ct_is_form(in->content_type)
		    && in->body_len > 0) {
			err_set(err, "twilio body neither form-encoded nor "
			    "covered by bodySHA256");
			goto fail;
		}
		if (form_parse((const char *)in->body, in->body_len, &f,
		    err) == -1)
			goto fail;
		break;
	default:
		err_set(err, "bodySHA256 does not match the body");
		goto fail;
	}
	if ((params = params_string(&f, &plen)) == NULL) {
		err_set(err, "out of memory");
		goto fail;
	}
	if (url_match(ep, url, params, plen, want, &ok) == -1) {
		err_set(err, "cannot compute HMAC");
		goto fail;
	}
	if (!ok) {
		err_set(err, "signature mismatch");
		goto fail;
	}
	rc = 0;
fail:
	free(params);
	free(url);
	form_free(&f);
	return rc;
}
