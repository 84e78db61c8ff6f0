/* fuzz_xff.c: a stranger's X-Forwarded-For into client_addr(). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cidr.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *remotes[] = {
		"10.0.0.1", "::ffff:10.0.0.1", "::1", "203.0.113.9",
	};
	struct cidrlist trusted = { NULL, 0 }, any = { NULL, 0 };
	struct err err;
	char out[46], again[46], *xff;
	size_t i;

	if ((xff = malloc(size + 1)) == NULL)
		return 0;
	memcpy(xff, data, size);
	xff[size] = '\0';
	if (cidrlist_parse(&trusted, "10.0.0.0/8, 192.168.0.0/16 ::1 "
	    "fd00::/8", &err) != 0 ||
	    cidrlist_parse(&any, "0.0.0.0/0 ::/0", &err) != 0)
		abort();
	for (i = 0; i < sizeof(remotes) / sizeof(remotes[0]); i++) {
		if (client_addr(remotes[i], xff, &trusted, out,
		    sizeof(out)) != 0)
			continue;
		/* What comes out is an address in normal form... */
		if (memchr(out, '\0', sizeof(out)) == NULL ||
		    !cidrlist_match(&any, out) ||
		    client_addr(out, NULL, NULL, again, sizeof(again)) != 0 ||
		    strcmp(out, again) != 0)
			abort();
		/* ...and a stranger talking to us directly is who he is. */
		if (strcmp(remotes[i], "203.0.113.9") == 0 &&
		    strcmp(out, "203.0.113.9") != 0)
			abort();
	}
	cidrlist_free(&any);
	cidrlist_free(&trusted);
	free(xff);
	return 0;
}
