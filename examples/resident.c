/* resident.c: a resident hook in C, the smallest that speaks hookline's
 * protocol (README.md, "Resident hooks"); the bench's resident C hook.
 * Per delivery it reads the HOOKLINE_* lines up to the empty line, then
 * exactly HOOKLINE_BODY_LENGTH bytes of body (here: counted and dropped;
 * a real hook does its work there), then writes its status, "0\n", on
 * fd 3. EOF on stdin: exit 0. Started one-shot, it handles one delivery
 * and exits, so the same file works in every mode.
 *
 *	cc -O2 -o hooks.d/push.resident examples/resident.c
 *
 * Its input is hookline's, but the body in it is a sender's: the length
 * is parsed strictly and the body is read in pieces, never held whole. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LENGTH_NAME	"HOOKLINE_BODY_LENGTH="

/* Reads the facts of one delivery up to the empty line; sets *len from
 * HOOKLINE_BODY_LENGTH. Returns 1 for a delivery, 0 on EOF before one,
 * -1 on a malformed one. */
static int
read_facts(FILE *in, unsigned long long *len)
{
	char *line = NULL, *end;
	size_t cap = 0;
	ssize_t n;
	int got = 0, lines = 0, r = -1;

	while ((n = getline(&line, &cap, in)) > 0) {
		lines++;
		if (line[n - 1] != '\n')
			goto out;	/* cut off: hookline ended mid-line */
		if (n == 1) {		/* the empty line */
			r = got ? 1 : -1;
			goto out;
		}
		if (strncmp(line, LENGTH_NAME, strlen(LENGTH_NAME)) == 0) {
			const char *v = line + strlen(LENGTH_NAME);

			errno = 0;
			*len = strtoull(v, &end, 10);
			if (errno != 0 || end == v || *end != '\n' || *v == '-')
				goto out;
			got = 1;
		}
	}
	if (n < 0 && !ferror(in) && lines == 0)
		r = 0;		/* EOF between deliveries: we are done */
out:
	free(line);
	return r;
}

/* The work for one delivery: here, read the body and drop it. Returns
 * the exit status of the delivery. */
static int
handle(FILE *in, unsigned long long len)
{
	char buf[16384];

	while (len > 0) {
		size_t want = len < sizeof(buf) ? (size_t)len : sizeof(buf);
		size_t got = fread(buf, 1, want, in);

		if (got == 0)
			return -1;	/* EOF inside a body */
		len -= got;
	}
	return 0;
}

int
main(void)
{
	unsigned long long len;
	char status[16];
	int r, st, k;

	for (;;) {
		r = read_facts(stdin, &len);
		if (r == 0)
			return 0;
		if (r < 0)
			return 1;
		st = handle(stdin, len);
		if (st < 0)
			return 1;
		if (fflush(stdout) == EOF)
			return 1;
		k = snprintf(status, sizeof(status), "%d\n", st);
		if (k < 0 || (size_t)k >= sizeof(status) ||
		    write(3, status, (size_t)k) != k)
			return 1;
	}
}
