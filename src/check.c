/* check.c: `hookline check`: load the configuration as the server would
 * and report errors and warnings by file and line. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "conf.h"
#include "verify.h"

static int
warn(const struct conf *c, const struct endpoint *ep, const char *what)
{
	printf("%s:%u: warning: [%s]: %s\n", c->path ? c->path : "(no file)",
	    ep->line, ep->name, what);
	return 1;
}

int
check_command(const char *conf_path, int argc, char **argv)
{
	struct conf *c;
	struct err err;
	struct stat st;
	size_t i;
	int rc = 0;

	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "usage: hookline [-c FILE] check\n");
		return 2;
	}
	if (conf_load(conf_path, &c, &err) != 0) {
		printf("error: %s\n", err.msg);
		return 2;
	}
	for (i = 0; i < c->nendpoints; i++) {
		const struct endpoint *ep = &c->endpoints[i];

		if (!verify_required(ep))
			rc |= warn(c, ep, "no secret: unsigned deliveries are "
			    "accepted");
		if (stat(ep->hooks_dir, &st) != 0)
			rc |= warn(c, ep, "hooks folder missing");
		else if (st.st_mode & (S_IWGRP | S_IWOTH))
			rc |= warn(c, ep, "hooks folder writable by others");
	}
	if (rc == 0)
		printf("%s: ok, %zu endpoint%s\n", c->path ? c->path :
		    "(no file)", c->nendpoints, c->nendpoints == 1 ? "" : "s");
	conf_free(c);
	return rc;
}
