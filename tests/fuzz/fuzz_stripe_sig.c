/* fuzz_stripe_sig.c: the input as a Stripe-Signature header value. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *secrets[] = { "whsec_test_secret", "whsec_other" };
	struct endpoint ep;
	struct fuzz_hdrs h = { { NULL }, { NULL }, 0 };
	char *v;

	if ((v = fuzz_str(data, size)) == NULL)
		return 0;
	memset(&ep, 0, sizeof(ep));
	ep.provider = PROVIDER_STRIPE;
	ep.tolerance = -1;
	ep.secrets.v = secrets;
	ep.secrets.n = 2;
	fuzz_add(&h, "Stripe-Signature", v);
	fuzz_verify(&ep, &h, "{\n  \"id\": \"evt_test_webhook\",\n  \"object\": "
	    "\"event\",\n  \"data\": { \"object\": { \"id\": \"rdr_123\", "
	    "\"object\": \"terminal.reader\" } }\n}", NULL, NULL, 1700000010);
	free(v);
	return 0;
}
