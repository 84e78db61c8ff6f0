/* fuzz_resident_status.c: a resident hook's status line on fd 3
 * (resident_status_feed), fed in the pieces single reads could give,
 * checked against the protocol's own words: exactly 1 to 3 digits, a
 * value 0..255, then '\n'; anything else a protocol error; never more
 * than RESIDENT_STATUS_MAX bytes held.
 *
 * Input: pieces, each a length byte (0..7 used) then that many bytes,
 * as a hook's writes may arrive; the last piece takes what is left. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "resident.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The protocol's verdict on the bytes s[0..n): the status when they are
 * a whole line, -1 when more bytes could still make one, else -2. */
static int
oracle(const char *s, size_t n)
{
	size_t i;
	int v = 0;

	for (i = 0; i < n && i < 3 && s[i] >= '0' && s[i] <= '9'; i++)
		v = v * 10 + (s[i] - '0');
	if (i == n)
		return -1;		/* digits so far (or none) */
	if (i == 0 || s[i] != '\n' || i + 1 != n || v > 255)
		return -2;
	return v;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char st[RESIDENT_STATUS_MAX], seen[64];
	const char *why = NULL;
	size_t stn = 0, nseen = 0, off = 0, len;
	int got = -1, want;

	while (off < size && got == -1) {
		len = data[off++] % 8;
		if (len > size - off)
			len = size - off;
		if (nseen + len <= sizeof(seen))
			memcpy(seen + nseen, data + off, len);
		nseen += len;
		got = resident_status_feed(st, &stn, (const char *)data + off,
		    len, &why);
		off += len;
		if (stn > RESIDENT_STATUS_MAX)
			abort();	/* held more than the line */
	}
	if (nseen > sizeof(seen))
		nseen = sizeof(seen);
	want = oracle(seen, nseen);
	/* The verdict as soon as the bytes decide it, never later: a hook
	 * that wrote a wrong byte is not waited on until its deadline. */
	if (got != want || (got == -2 && why == NULL))
		abort();
	return 0;
}
