/* verify_int.h: what the signature scheme files share: crypto (kept in
 * verify.c, the only OpenSSL user), strict decoders and timestamp rules.
 * Not a public header: only src/verify*.c include it. */
#ifndef HOOKLINE_VERIFY_INT_H
#define HOOKLINE_VERIFY_INT_H

#include <stddef.h>
#include <time.h>

#include "conf.h"
#include "err.h"
#include "verify.h"

#define VMAC_MAX	64	/* SHA-512 */
#define ED25519_KEY	32
#define ED25519_SIG	64

enum vmd {
	VMD_SHA1,
	VMD_SHA256,
	VMD_SHA512
};

/* A piece of signed content; the pieces are MACed in order. */
struct span {
	const void	*p;
	size_t		 len;
};

/* Base64 padding rules for b64_decode(). */
enum b64pad {
	B64_PAD_REQUIRED,	/* what senders emit for signatures */
	B64_PAD_OPTIONAL	/* secrets: padded, unpadded or short of
				 * padding, as the Standard Webhooks
				 * libraries accept them */
};

/* HMAC over the concatenation of parts, written to out. Returns the MAC
 * length, or -1 (library failure, or an empty key). */
int	vmac(enum vmd md, const void *key, size_t keylen,
	    const struct span *parts, size_t nparts,
	    unsigned char out[VMAC_MAX]);

/* The HMACs of one signed content under every usable key, computed
 * once however many candidate signatures a sender lists. */
struct vmacs {
	unsigned char	*v;	/* n MACs of len bytes each */
	size_t		 n;
	size_t		 len;
};

/* HMAC of parts under each key; empty keys are skipped. Returns 0, or -1
 * (out of memory, library failure) with m empty. */
int	vmacs_keys(struct vmacs *m, enum vmd md, const struct span *keys,
	    size_t nkeys, const struct span *parts, size_t nparts);
/* The same with each secret's UTF-8 bytes as a key. */
int	vmacs_secrets(struct vmacs *m, enum vmd md,
	    const struct strlist *secrets, const struct span *parts,
	    size_t nparts);
/* 1 when want equals one of the MACs (constant time each), else 0. */
int	vmacs_match(const struct vmacs *m, const unsigned char *want,
	    size_t wantlen);
/* Wipes and frees; m is empty afterwards. */
void	vmacs_free(struct vmacs *m);

/* SHA-256 of p. Returns 0, or -1 on a library failure. */
int	vsha256(const void *p, size_t len, unsigned char out[32]);

/* Ed25519 (RFC 8032) over msg. Returns 1 when sig is a valid signature
 * by pub, 0 when not, -1 on a library failure. */
int	ved25519(const unsigned char pub[ED25519_KEY], const unsigned char *sig,
	    size_t siglen, const void *msg, size_t msglen);

/* Overwrites len bytes at p in a way the compiler keeps; p may be NULL. */
void	vwipe(void *p, size_t len);

/* Digest length of md, in bytes. */
size_t	vmd_len(enum vmd md);

/*
 * Hex text to bytes. lower_only refuses 'A'-'F' (the senders that emit
 * lowercase hex and compare strings). At most outmax bytes. Returns the
 * byte count, or -1 for odd length, too long, or a non-hex character.
 */
long	hex_decode(const char *s, size_t len, int lower_only,
	    unsigned char *out, size_t outmax);

/* Lowercase hex of n bytes into out (2n+1 bytes, NUL-terminated). */
void	hex_encode(const unsigned char *in, size_t n, char *out);

/*
 * Strict standard base64 (RFC 4648 section 4): only A-Z a-z 0-9 + /,
 * '=' only as the final padding, unused bits zero, no white space.
 * At most outmax bytes. Returns the byte count, or -1.
 */
long	b64_decode(const char *s, size_t len, enum b64pad pad,
	    unsigned char *out, size_t outmax);

/* Standard padded base64 of in (len <= 48 bytes) into out, which holds
 * 4 * ((len + 2) / 3) + 1 bytes; NUL-terminated. Returns the length. */
int	b64_encode(const unsigned char *in, size_t len, char *out);

/* A strict decimal timestamp: 1 to 18 ASCII digits, nothing else ("123abc",
 * "+1", " 1", "" are refused). Returns 0 and *out, or -1. */
int	ts_parse(const char *s, size_t len, long long *out);

/* Tolerance rules. */
enum tsdir {
	TS_OLD_ONLY,	/* Stripe, Paddle: the future is fine */
	TS_BOTH		/* Slack, Standard Webhooks, Discord, hmac */
};

/* 1 when ts is within tol seconds of now under dir, else 0.
 * At exactly tol it is within (every SDK accepts the boundary). */
int	ts_within(time_t now, long long ts, long tol, enum tsdir dir);

/* The tolerance to use: the endpoint's when set (>= 0), else def. */
long	ep_tolerance(const struct endpoint *ep, long def);

/* header_get() on the request's headers. */
const char *vhdr(const struct verify_input *in, const char *name);

/* 1 when ct's media type is application/x-www-form-urlencoded. */
int	ct_is_form(const char *ct);

/* 1 when the span [p, p+len) equals the C string s. */
int	span_is(const char *p, size_t len, const char *s);

/* Schemes, one function each: 0 authentic, -1 with err. */
typedef int verify_fn(const struct endpoint *, const struct verify_input *,
    struct err *);

/* Standard Webhooks (also generic and GitLab's signing token): checks
 * webhook-id/-timestamp/-signature, or Svix's svix-id/-timestamp/
 * -signature when no webhook-* header is there, against HMAC secrets
 * (whsec_ base64, prefix optional) and/or an Ed25519 public key (whpk_
 * base64). Either may be absent. Returns 0 or -1 with err. */
int	sw_verify(const struct strlist *secrets, const char *public_key,
	    const struct verify_input *in, long tol, struct err *err);

verify_fn verify_github, verify_gitea, verify_bitbucket, verify_shopify,
    verify_square, verify_stripe, verify_slack, verify_paddle, verify_hmac;
verify_fn verify_standard, verify_gitlab, verify_discord, verify_twilio;

#endif
