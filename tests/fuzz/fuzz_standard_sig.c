/* fuzz_standard_sig.c: Standard Webhooks headers from the input: one
 * line is webhook-signature; with more lines, webhook-id, then
 * webhook-timestamp, then webhook-signature. The endpoint has a v1
 * secret (and an undecodable one) and a v1a public key. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *secrets[] = { "whsec_%%%",
	    "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" };
	struct endpoint ep;
	struct fuzz_hdrs h = { { NULL }, { NULL }, 0 };
	char *v, *part[3];
	size_t n;

	if ((v = fuzz_str(data, size)) == NULL)
		return 0;
	memset(&ep, 0, sizeof(ep));
	ep.provider = PROVIDER_STANDARD;
	ep.tolerance = -1;
	ep.secrets.v = secrets;
	ep.secrets.n = 2;
	ep.public_key = "whpk_4rQZjjkCnn4m/ciYBaRPSZTA+Y/UwqgD6hgxOllF28g=";
	n = fuzz_split(v, part, 3);
	if (n == 1) {
		fuzz_add(&h, "webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek");
		fuzz_add(&h, "webhook-timestamp", "1614265330");
		fuzz_add(&h, "webhook-signature", part[0]);
	} else {
		fuzz_add(&h, "webhook-id", part[0]);
		fuzz_add(&h, "webhook-timestamp", part[1]);
		if (n == 3)
			fuzz_add(&h, "webhook-signature", part[2]);
	}
	fuzz_verify(&ep, &h, "{\"test\": 2432232314}", NULL, NULL,
	    1614265330);
	free(v);
	return 0;
}
