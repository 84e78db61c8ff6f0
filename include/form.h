/* form.h: application/x-www-form-urlencoded bodies, decoded. */
#ifndef HOOKLINE_FORM_H
#define HOOKLINE_FORM_H

#include <stddef.h>

#include "err.h"

struct form_field {
	char	*name;		/* decoded, NUL-terminated */
	char	*value;		/* decoded; may hold NULs: use value_len */
	size_t	 value_len;
};

struct form {
	struct form_field	*v;
	size_t			 n;
};

/* A stranger decides how many fields a body holds and each costs an
 * allocation: more than this many fail. No sender comes close. */
#define FORM_MAX_FIELDS	10000

/* Splits on '&', each at the first '=', '+' as space, %XX decoded.
 * Empty segments ("a=1&&b=2") are skipped; a name without '=' has an
 * empty value. A bad escape, a NUL byte in a name, or more than
 * FORM_MAX_FIELDS fields fails. Returns 0, or -1 with err (out is then
 * untouched). */
int	form_parse(const char *body, size_t len, struct form *out,
	    struct err *err);
void	form_free(struct form *f);
/* The first field named name, or NULL. */
const struct form_field *form_get(const struct form *f, const char *name);

#endif
