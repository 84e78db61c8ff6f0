/* fuzz_content_length.c: CONTENT_LENGTH, content types, endpoint names. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, *m;
	size_t n;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	(void)request_parse_length(s, 10 * 1024 * 1024, &n);
	(void)content_type_is_json(s);
	(void)content_type_is_form(s);
	free(content_type_media(s));
	m = request_endpoint_name(s);
	free(m);
	free(s);
	return 0;
}
