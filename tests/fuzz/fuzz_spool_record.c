/* fuzz_spool_record.c: the spool's record reader on arbitrary bytes, as a
 * state file (either layout) and as a run record; what decodes must
 * encode and decode back to the same thing, consumers included. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "spool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
entry_again(const struct spool_entry *e)
{
	struct spool_entry g;
	char *buf;
	size_t len, i;

	if ((buf = spool_entry_encode(e, &len)) == NULL)
		return;
	if (spool_entry_decode(buf, len, &g, NULL) != 0)
		abort();
	if (strcmp(g.endpoint, e->endpoint) != 0 ||
	    strcmp(g.event, e->event) != 0 || strcmp(g.id, e->id) != 0 ||
	    g.attempts != e->attempts || g.failures != e->failures ||
	    g.errors != e->errors || g.next != e->next ||
	    g.fate != e->fate || g.ncons != e->ncons)
		abort();
	for (i = 0; i < g.ncons; i++)
		if (strcmp(g.cons[i].name, e->cons[i].name) != 0 ||
		    g.cons[i].state != e->cons[i].state ||
		    g.cons[i].tries != e->cons[i].tries ||
		    g.cons[i].failures != e->cons[i].failures ||
		    g.cons[i].next != e->cons[i].next ||
		    (g.cons[i].error == NULL) != (e->cons[i].error == NULL) ||
		    (g.cons[i].error != NULL &&
		    strcmp(g.cons[i].error, e->cons[i].error) != 0))
			abort();
	spool_entry_free(&g);
	free(buf);
}

static void
run_again(const struct spool_run *r)
{
	struct spool_run g;
	char *buf;
	size_t len, i;

	if ((buf = spool_run_encode(r, &len)) == NULL)
		return;
	if (spool_run_decode(buf, len, &g, NULL) != 0)
		abort();
	if (g.attempt != r->attempt || g.n != r->n)
		abort();
	for (i = 0; i < g.n; i++)
		if (g.v[i].res.out_len != r->v[i].res.out_len ||
		    (r->v[i].res.out_len > 0 && memcmp(g.v[i].res.out,
		    r->v[i].res.out, r->v[i].res.out_len) != 0) ||
		    g.v[i].res.exit_code != r->v[i].res.exit_code)
			abort();
	spool_run_free(&g);
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spool_entry e;
	struct spool_run r;
	struct err err;

	if (spool_entry_decode((const char *)data, size, &e, &err) == 0) {
		entry_again(&e);
		spool_entry_free(&e);
	}
	if (spool_run_decode((const char *)data, size, &r, &err) == 0) {
		run_again(&r);
		spool_run_free(&r);
	}
	return 0;
}
