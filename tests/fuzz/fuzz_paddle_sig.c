/* fuzz_paddle_sig.c: the input as a Paddle-Signature header value. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *secrets[] = { "VALID_SECRET" };
	struct endpoint ep;
	struct fuzz_hdrs h = { { NULL }, { NULL }, 0 };
	char *v;

	if ((v = fuzz_str(data, size)) == NULL)
		return 0;
	memset(&ep, 0, sizeof(ep));
	ep.provider = PROVIDER_PADDLE;
	ep.tolerance = -1;
	ep.secrets.v = secrets;
	ep.secrets.n = 1;
	fuzz_add(&h, "Paddle-Signature", v);
	fuzz_verify(&ep, &h, "{\"data\": [\"1\", \"2\"]}", NULL, NULL,
	    1698796800);
	free(v);
	return 0;
}
