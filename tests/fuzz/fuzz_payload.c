/* fuzz_payload.c: the payload checks and event extraction on any body,
 * for every provider (the first byte picks it and the content type). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "payload.h"
#include "route.h"

static const char *const hdrs[] = {
	"X-GitHub-Event", "push", "X-Gitea-Event", "push",
	"X-Shopify-Topic", "orders/create", "X-Event-Key", "repo:push",
	"webhook-id", "msg_1", NULL,
};

static const char *
hget(const void *ctx, const char *name)
{
	const char *const *h = ctx;
	size_t i;

	for (i = 0; h[i] != NULL; i += 2)
		if (strcasecmp(h[i], name) == 0)
			return h[i + 1];
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct endpoint ep = { .name = "f", .tolerance = -1 };
	struct headers h = { hget, hdrs };
	struct payload pl;
	struct err err;
	unsigned char *body;

	if (size < 1)
		return 0;
	ep.provider = (enum provider)(data[0] % PROVIDER__COUNT);
	if (data[0] & 0x80)
		ep.event_field = "a.b";
	/* The adapter hands parsers a NUL-terminated copy. */
	if ((body = malloc(size)) == NULL)
		return 0;
	memcpy(body, data + 1, size - 1);
	body[size - 1] = '\0';
	if (payload_parse(&ep, &h, (data[0] & 0x40) ?
	    "application/x-www-form-urlencoded" : "application/json", body,
	    size - 1, &pl, &err) == 0 && pl.event != NULL)
		(void)event_name_valid(pl.event);
	if (pl.delivery != NULL)
		(void)delivery_id_valid(pl.delivery);
	payload_free(&pl);
	free(body);
	return 0;
}
