/* verify_version.c: the OpenSSL version in use, for `hookline version`. */
#include <openssl/crypto.h>

#include "verify.h"

/* The library actually loaded, which may be newer than the headers we
 * were built with: "OpenSSL 3.0.x DD Mon YYYY". A constant string. */
const char *
verify_lib_version(void)
{
	return OpenSSL_version(OPENSSL_VERSION);
}
