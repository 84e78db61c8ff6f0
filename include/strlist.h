/* strlist.h: a growable list of owned strings. */
#ifndef HOOKLINE_STRLIST_H
#define HOOKLINE_STRLIST_H

#include <stddef.h>

struct strlist {
	char	**v;
	size_t	  n;
};

/* Appends a copy of s. Returns 0, or -1 when out of memory. */
int	strlist_add(struct strlist *l, const char *s);
/* Appends s itself, taking ownership (freed even on failure). */
int	strlist_take(struct strlist *l, char *s);
/* Frees every string and the array; the list is empty afterwards. */
void	strlist_clear(struct strlist *l);

#endif
