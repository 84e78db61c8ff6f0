/* init.h: `hookline init [DIR]`: a working layout for shared hosting. */
#ifndef HOOKLINE_INIT_H
#define HOOKLINE_INIT_H

#include <stdio.h>

#include "err.h"

struct init_opts {
	const char	*dir;	 /* the folder; made when missing */
	const char	*url;	 /* base URL of hookline.cgi, or NULL */
	const char	*bin;	 /* the program, for the lines printed */
	unsigned	 senders; /* one bit per sender; 0: generic */
	/* set by init_layout(): */
	unsigned	 kept;	 /* files that existed, left unchanged */
	int		 found;	 /* dir is where CGI looks by itself */
};

/* Writes hookline.conf, NAME.secret (0600), hooks.d/NAME/EVENT (0755)
 * and spool/ (0700) into o->dir, never replacing a file (one that
 * exists is kept, named on stderr and counted in o->kept), then prints
 * to out what to paste where. Returns 0, or -1 with err filled. */
int	init_layout(struct init_opts *o, FILE *out, struct err *err);

/* The command: argv[0] is "init". Returns the exit code. */
int	init_command(int argc, char **argv);

#endif
