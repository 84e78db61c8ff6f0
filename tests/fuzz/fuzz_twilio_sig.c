/* fuzz_twilio_sig.c: Twilio from the input: the first line is the
 * query string, the second X-Twilio-Signature, the rest the form body
 * (content type chosen by the first byte of the query). */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *secrets[] = { "12345" };
	static const char *const urls[] = {
		"https://mycompany.com/myapp.php",
		"http://user:pw@[::1]:8080/x?y=1",
		"https://mycompany.com:443",
		"no-scheme",
	};
	struct endpoint ep;
	struct fuzz_hdrs h = { { NULL }, { NULL }, 0 };
	char *v, *part[3];
	const char *ct;
	size_t n;

	if ((v = fuzz_str(data, size)) == NULL)
		return 0;
	memset(&ep, 0, sizeof(ep));
	ep.provider = PROVIDER_TWILIO;
	ep.tolerance = -1;
	ep.secrets.v = secrets;
	ep.secrets.n = 1;
	n = fuzz_split(v, part, 3);
	ep.public_url = (char *)urls[size % 4];
	fuzz_add(&h, "X-Twilio-Signature", n > 1 ? part[1] :
	    "RSOYDt4T1cUTdK1PDd93/VVr8B8=");
	ct = part[0][0] == 'j' ? "application/json" :
	    part[0][0] == 'n' ? NULL : "application/x-www-form-urlencoded";
	fuzz_verify(&ep, &h, n > 2 ? part[2] : "", ct, part[0], 0);
	free(v);
	return 0;
}
