/* strlist.c: a growable list of owned strings. */
#include <stdlib.h>
#include <string.h>

#include "strlist.h"

int
strlist_take(struct strlist *l, char *s)
{
	char **v;

	if (s == NULL)
		return -1;
	v = reallocarray(l->v, l->n + 1, sizeof(*v));
	if (v == NULL) {
		free(s);
		return -1;
	}
	l->v = v;
	l->v[l->n++] = s;
	return 0;
}

int
strlist_add(struct strlist *l, const char *s)
{
	return strlist_take(l, strdup(s));
}

void
strlist_clear(struct strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}
