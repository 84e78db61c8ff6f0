/* fuzz_any_sig.c: every provider: the first byte picks it, the rest,
 * cut at '\n', fills every signature header it might read, in turn. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *secrets[] = { "It's a Secret to Everybody",
	    "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" };
	static const char *const names[] = {
		"X-Hub-Signature-256", "X-Hub-Signature", "X-Gitea-Signature",
		"X-Gitlab-Token", "webhook-id", "webhook-timestamp",
		"webhook-signature", "Stripe-Signature",
		"X-Slack-Request-Timestamp", "X-Slack-Signature",
		"X-Shopify-Hmac-Sha256", "Paddle-Signature",
		"X-Square-Hmacsha256-Signature", "X-Twilio-Signature",
		"X-Signature-Ed25519", "X-Signature-Timestamp", "X-Sig",
		"X-Ts", "X-Id",
	};
	enum { NN = sizeof(names) / sizeof(names[0]) };
	struct endpoint ep;
	struct fuzz_hdrs h = { { NULL }, { NULL }, 0 };
	char *v, *part[NN + 1];
	size_t n, i;

	if (size < 1 || (v = fuzz_str(data + 1, size - 1)) == NULL)
		return 0;
	memset(&ep, 0, sizeof(ep));
	ep.provider = (enum provider)(data[0] % PROVIDER__COUNT);
	ep.tolerance = data[0] & 0x80 ? 5 : -1;
	ep.allow_sha1 = data[0] & 0x40;
	ep.secrets.v = secrets;
	ep.secrets.n = 2;
	ep.signing_token = data[0] & 0x20 ?
	    "whsec_dGVzdHRlc3R0ZXN0dGVzdHRlc3R0ZXN0dGVzdHRlc3Q=" : NULL;
	ep.public_key = ep.provider == PROVIDER_DISCORD ?
	    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a" :
	    "whpk_4rQZjjkCnn4m/ciYBaRPSZTA+Y/UwqgD6hgxOllF28g=";
	ep.public_url = "https://example.com/hook";
	ep.signature_header = "X-Sig";
	ep.timestamp_header = data[0] & 0x10 ? "X-Ts" : NULL;
	ep.delivery_header = "X-Id";
	ep.signed_content = data[0] & 0x10 ? "{id}.{timestamp}.{body}{" : "{body}";
	ep.prefix = "sha256=";
	ep.encoding = data[0] & 0x08 ? "base64" : "hex";
	n = fuzz_split(v, part, NN + 1);
	for (i = 0; i < NN && i < n; i++)
		fuzz_add(&h, names[i], part[i]);
	fuzz_verify(&ep, &h, n > NN ? part[NN] : "{}",
	    "application/x-www-form-urlencoded", "a=1&bodySHA256=x",
	    1700000000);
	free(v);
	return 0;
}
