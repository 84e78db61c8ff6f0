/* verify.c: who sent it: the provider table, and the crypto and strict
 * decoders the scheme files share; the only OpenSSL user. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "verify_int.h"

/* What a scheme needs configured besides the request. */
enum need {
	NEED_SECRET = 1,	/* secret / secret_file */
	NEED_KEY = 2,		/* public_key */
	NEED_TOKEN = 4		/* signing_token */
};

/* One scheme per provider, and the settings it can use (any one). */
static const struct {
	verify_fn	*fn;
	unsigned	 needs;
} schemes[PROVIDER__COUNT] = {
	[PROVIDER_GENERIC]	= { verify_standard, NEED_SECRET | NEED_KEY },
	[PROVIDER_GITHUB]	= { verify_github, NEED_SECRET },
	[PROVIDER_GITLAB]	= { verify_gitlab, NEED_SECRET | NEED_TOKEN },
	[PROVIDER_GITEA]	= { verify_gitea, NEED_SECRET },
	[PROVIDER_BITBUCKET]	= { verify_bitbucket, NEED_SECRET },
	[PROVIDER_STRIPE]	= { verify_stripe, NEED_SECRET },
	[PROVIDER_SLACK]	= { verify_slack, NEED_SECRET },
	[PROVIDER_STANDARD]	= { verify_standard, NEED_SECRET | NEED_KEY },
	[PROVIDER_SHOPIFY]	= { verify_shopify, NEED_SECRET },
	[PROVIDER_PADDLE]	= { verify_paddle, NEED_SECRET },
	[PROVIDER_SQUARE]	= { verify_square, NEED_SECRET },
	[PROVIDER_TWILIO]	= { verify_twilio, NEED_SECRET },
	[PROVIDER_DISCORD]	= { verify_discord, NEED_KEY },
	[PROVIDER_HMAC]		= { verify_hmac, NEED_SECRET },
};

int
verify_required(const struct endpoint *ep)
{
	return ep->secrets.n > 0 || ep->signing_token != NULL ||
	    ep->public_key != NULL;
}

int
verify_request(const struct endpoint *ep, const struct verify_input *in,
    struct err *err)
{
	unsigned have;

	if (!verify_required(ep))
		return 0;
	if ((unsigned)ep->provider >= PROVIDER__COUNT ||
	    schemes[ep->provider].fn == NULL) {
		err_set(err, "no signature scheme for this provider");
		return -1;
	}
	/* A key this scheme cannot use (a public_key on a github endpoint)
	 * still makes signing required: refuse, and say why. */
	have = (ep->secrets.n > 0 ? NEED_SECRET : 0) |
	    (ep->public_key != NULL ? NEED_KEY : 0) |
	    (ep->signing_token != NULL ? NEED_TOKEN : 0);
	if ((have & schemes[ep->provider].needs) == 0) {
		err_set(err, "endpoint has no %s for its provider",
		    schemes[ep->provider].needs & NEED_SECRET ? "secret" :
		    "public_key");
		return -1;
	}
	return schemes[ep->provider].fn(ep, in, err);
}

int
verify_equal(const void *a, size_t alen, const void *b, size_t blen)
{
	if (alen != blen)
		return 0;
	if (alen == 0)
		return 1;
	return CRYPTO_memcmp(a, b, alen) == 0;
}

void
vwipe(void *p, size_t len)
{
	if (p != NULL && len > 0)
		OPENSSL_cleanse(p, len);
}

size_t
vmd_len(enum vmd md)
{
	switch (md) {
	case VMD_SHA1:
		return 20;
	case VMD_SHA512:
		return 64;
	case VMD_SHA256:
	default:
		return 32;
	}
}

/* The OpenSSL digest name of md. */
static const char *
vmd_name(enum vmd md)
{
	switch (md) {
	case VMD_SHA1:
		return "SHA1";
	case VMD_SHA512:
		return "SHA512";
	case VMD_SHA256:
	default:
		return "SHA256";
	}
}

/* Before libcrypto's first algorithm fetch: set it up with only what we
 * use. No error strings (we never print libcrypto's) and no legacy
 * cipher and digest lists: half a MiB less resident in every process
 * that checks signatures. The system's openssl.cnf is still read: it
 * may carry an administrator's policy. Not by the static build (make
 * static): the host's file is written for the host's OpenSSL, whose
 * provider modules a static binary cannot load. Later calls cost a
 * flag check. */
#ifdef HOOKLINE_STATIC
#define CRYPTO_INIT_CONF	OPENSSL_INIT_NO_LOAD_CONFIG
#else
#define CRYPTO_INIT_CONF	0
#endif
static void
crypto_init(void)
{
	/* Failing, libcrypto sets itself up in full on first use. */
	(void)OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS |
	    OPENSSL_INIT_NO_ADD_ALL_CIPHERS | OPENSSL_INIT_NO_ADD_ALL_DIGESTS |
	    CRYPTO_INIT_CONF, NULL);
}

int
vmac(enum vmd md, const void *key, size_t keylen, const struct span *parts,
    size_t nparts, unsigned char out[VMAC_MAX])
{
	EVP_MAC *mac = NULL;
	EVP_MAC_CTX *ctx = NULL;
	OSSL_PARAM params[2];
	size_t i, outlen = 0;
	int rc = -1;

	/* HMAC pads a short key with zeros, so "" would equal "\0": an
	 * empty secret authenticates nothing. */
	if (keylen == 0)
		return -1;
	crypto_init();
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)vmd_name(md), 0);
	params[1] = OSSL_PARAM_construct_end();
	if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL ||
	    (ctx = EVP_MAC_CTX_new(mac)) == NULL ||
	    EVP_MAC_init(ctx, key, keylen, params) != 1)
		goto fail;
	for (i = 0; i < nparts; i++)
		if (parts[i].len > 0 &&
		    EVP_MAC_update(ctx, parts[i].p, parts[i].len) != 1)
			goto fail;
	if (EVP_MAC_final(ctx, out, &outlen, VMAC_MAX) != 1 ||
	    outlen != vmd_len(md))
		goto fail;
	rc = (int)outlen;
fail:
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return rc;
}

int
vmacs_keys(struct vmacs *m, enum vmd md, const struct span *keys,
    size_t nkeys, const struct span *parts, size_t nparts)
{
	size_t i;

	m->n = 0;
	m->len = vmd_len(md);
	if ((m->v = calloc(nkeys ? nkeys : 1, VMAC_MAX)) == NULL)
		return -1;
	for (i = 0; i < nkeys; i++) {
		if (keys[i].len == 0)
			continue;
		if (vmac(md, keys[i].p, keys[i].len, parts, nparts,
		    m->v + m->n * VMAC_MAX) < 0)
			goto fail;
		m->n++;
	}
	return 0;
fail:
	vmacs_free(m);
	return -1;
}

int
vmacs_secrets(struct vmacs *m, enum vmd md, const struct strlist *secrets,
    const struct span *parts, size_t nparts)
{
	struct span *keys;
	size_t i;
	int rc;

	if ((keys = calloc(secrets->n ? secrets->n : 1, sizeof(*keys))) == NULL)
		return -1;
	for (i = 0; i < secrets->n; i++) {
		keys[i].p = secrets->v[i];
		keys[i].len = strlen(secrets->v[i]);
	}
	rc = vmacs_keys(m, md, keys, secrets->n, parts, nparts);
	free(keys);
	return rc;
}

int
vmacs_match(const struct vmacs *m, const unsigned char *want, size_t wantlen)
{
	size_t i;
	int found = 0;

	/* No early exit: which key matched stays out of the timing. */
	for (i = 0; i < m->n; i++)
		found |= verify_equal(m->v + i * VMAC_MAX, m->len, want,
		    wantlen);
	return found;
}

void
vmacs_free(struct vmacs *m)
{
	if (m->v != NULL) {
		OPENSSL_cleanse(m->v, (m->n ? m->n : 1) * VMAC_MAX);
		free(m->v);
	}
	m->v = NULL;
	m->n = 0;
}

int
vsha256(const void *p, size_t len, unsigned char out[32])
{
	unsigned int n = 0;

	crypto_init();
	if (EVP_Digest(p, len, out, &n, EVP_sha256(), NULL) != 1 || n != 32)
		return -1;
	return 0;
}

int
ved25519(const unsigned char pub[ED25519_KEY], const unsigned char *sig,
    size_t siglen, const void *msg, size_t msglen)
{
	EVP_PKEY *pkey = NULL;
	EVP_MD_CTX *ctx = NULL;
	int rc = -1;

	if (siglen != ED25519_SIG)
		return 0;
	crypto_init();
	if ((pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub,
	    ED25519_KEY)) == NULL ||
	    (ctx = EVP_MD_CTX_new()) == NULL ||
	    /* Ed25519 hashes internally: the digest must be NULL. */
	    EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pkey) != 1)
		goto fail;
	/* 1: valid; 0 or a negative value: not (a malformed signature
	 * is a wrong one, not a library failure). */
	rc = EVP_DigestVerify(ctx, sig, siglen, msg, msglen) == 1;
fail:
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	return rc;
}

/* The value of hex digit c (lowercase only when lower_only), or -1. */
static int
hexval(unsigned char c, int lower_only)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (!lower_only && c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

long
hex_decode(const char *s, size_t len, int lower_only, unsigned char *out,
    size_t outmax)
{
	size_t i;
	int hi, lo;

	if (len % 2 != 0 || len / 2 > outmax)
		return -1;
	for (i = 0; i < len; i += 2) {
		if ((hi = hexval((unsigned char)s[i], lower_only)) < 0 ||
		    (lo = hexval((unsigned char)s[i + 1], lower_only)) < 0)
			return -1;
		out[i / 2] = (unsigned char)(hi << 4 | lo);
	}
	return (long)(len / 2);
}

void
hex_encode(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0x0f];
	}
	out[2 * n] = '\0';
}

/* The value of base64 character c, or -1. */
static int
b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Our own decoder rather than EVP_DecodeBlock/EVP_DecodeUpdate: those
 * skip white space and line breaks, strip trailing '=' and garbage, and
 * EVP_DecodeBlock counts padding as zero bytes. A signature is either
 * exactly the encoding of the right bytes or wrong.
 */
long
b64_decode(const char *s, size_t len, enum b64pad pad, unsigned char *out,
    size_t outmax)
{
	size_t n = len, npad = 0, i, o = 0, outlen;
	unsigned long acc = 0;
	int v, bits = 0;

	while (n > 0 && s[n - 1] == '=' && npad < 2) {
		n--;
		npad++;
	}
	if (n % 4 == 1)
		return -1;
	if (pad == B64_PAD_REQUIRED) {
		/* Padding completes the last group exactly. */
		if ((n + npad) % 4 != 0)
			return -1;
	} else if (npad > (4 - n % 4) % 4) {
		/* Optional padding may fall short ("QUJDRA=": svix's and
		 * the standardwebhooks JS decoder accept it, Python appends
		 * "==" to any secret), never run past the last group. */
		return -1;
	}
	outlen = n / 4 * 3 + (n % 4 == 0 ? 0 : n % 4 - 1);
	if (outlen > outmax)
		return -1;
	for (i = 0; i < n; i++) {
		if ((v = b64val((unsigned char)s[i])) < 0)
			return -1;
		acc = (acc << 6 | (unsigned long)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
		}
	}
	/* RFC 4648 3.5: the pad bits must be zero (canonical encoding). */
	if (bits > 0 && (acc & ((1UL << bits) - 1)) != 0)
		return -1;
	return (long)o;
}

int
ts_parse(const char *s, size_t len, long long *out)
{
	long long v = 0;
	size_t i;

	/* 18 digits cannot overflow, and differences of such values with
	 * a time_t cannot either. */
	if (len == 0 || len > 18)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int
ts_within(time_t now, long long ts, long tol, enum tsdir dir)
{
	long long age = (long long)now - ts;

	if (tol < 0)
		return 0;
	if (age > tol)
		return 0;
	if (dir == TS_BOTH && -age > tol)
		return 0;
	return 1;
}

long
ep_tolerance(const struct endpoint *ep, long def)
{
	return ep->tolerance >= 0 ? ep->tolerance : def;
}

const char *
vhdr(const struct verify_input *in, const char *name)
{
	if (in->headers == NULL || in->headers->get == NULL)
		return NULL;
	return header_get(in->headers, name);
}

int
ct_is_form(const char *ct)
{
	static const char form[] = "application/x-www-form-urlencoded";
	size_t n = sizeof(form) - 1;

	if (ct == NULL)
		return 0;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (strncasecmp(ct, form, n) != 0)
		return 0;
	ct += n;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return *ct == '\0' || *ct == ';';
}

int
span_is(const char *p, size_t len, const char *s)
{
	return strlen(s) == len && memcmp(p, s, len) == 0;
}

/* The OpenSSL actually loaded (may be newer than our headers), for
 * `hookline version`. */
const char *
verify_lib_version(void)
{
	return OpenSSL_version(OPENSSL_VERSION);
}

int
b64_encode(const unsigned char *in, size_t len, char *out)
{
	/* EVP_EncodeBlock: no line breaks, padded, NUL-terminated. */
	return EVP_EncodeBlock((unsigned char *)out, in, (int)len);
}
