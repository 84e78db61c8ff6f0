/* fuzz_form.c: the input as an x-www-form-urlencoded body. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct form f;
	struct err err;
	size_t i;

	if (form_parse((const char *)data, size, &f, &err) == -1)
		return 0;
	for (i = 0; i < f.n; i++) {
		/* Every field is within what was read and terminated. */
		if (strlen(f.v[i].name) > size || f.v[i].value_len > size ||
		    f.v[i].value[f.v[i].value_len] != '\0')
			abort();
		if (form_get(&f, f.v[i].name) == NULL)
			abort();
	}
	form_free(&f);
	return 0;
}
