/* usage.h: the help text of every command, kept in one table. */
#ifndef HOOKLINE_USAGE_H
#define HOOKLINE_USAGE_H

#include <stdio.h>

/* One command's help: its synopsis lines (every option), a one-line
 * summary for the overview, and what more it needs saying. */
struct usage {
	const char	*name;
	int		 conf;		/* reads the configuration (-c FILE) */
	const char	*synopsis;	/* "check [--as USER]"; lines by \n */
	const char	*summary;
	const char	*more;		/* NULL or lines, each ending in \n */
};

/* The entry of command name, or NULL. */
const struct usage *usage_find(const char *name);

/* Every command with every option, then where the configuration is.
 * Returns 0, or -1 when fp could not be written. */
int	usage_all(FILE *fp);

/* One command's whole usage (synopsis and more); the overview for an
 * unknown name. Returns 0, or -1 when fp could not be written. */
int	usage_command(FILE *fp, const char *name);

/* `hookline help [COMMAND]`: argv[0] is "help". Returns the exit code:
 * 0, 2 for an unknown command, 1 when stdout failed. */
int	usage_help_command(int argc, char **argv);

#endif
