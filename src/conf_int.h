/* conf_int.h: what conf.c (the loader) and conf_keys.c (each key's
 * parser) share; not for other modules. */
#ifndef HOOKLINE_CONF_INT_H
#define HOOKLINE_CONF_INT_H

#include <stdio.h>

#include "conf.h"
#include "err.h"
#include "strlist.h"

struct loader {
	struct conf	*c;
	const char	*file;		/* for messages */
	unsigned	 line;		/* counted by the reader */
	FILE		*fp;
	struct endpoint	*ep;		/* current section, or NULL */
	struct err	*err;
	int		 failed;
	int		 skip;		/* keys of a refused [section]: ignored */
	struct strlist	*all;		/* NULL: stop at the first error; else
					 * every error is added here */
};

/* A key's parser: stores value into the conf or endpoint; returns 0, or
 * -1 with a message in l->err (without file/line: the caller adds them). */
typedef int (*key_fn)(struct loader *l, const char *value);

/* ANY: global, or per endpoint overriding the global value. */
enum scope { GLOBAL, ENDPOINT, ANY };

struct conf_key {
	const char	*name;
	enum scope	 scope;
	key_fn		 fn;
	int		 repeat;	/* may appear more than once */
};

/* The key called name, or NULL: anything not in the table is an error
 * (as bgplgd's qs.c). (conf_keys.c) */
const struct conf_key *conf_key_find(const char *name);

/* path resolved against the config file's folder; caller frees. */
char	*conf_path(const struct conf *c, const char *p);

#endif
