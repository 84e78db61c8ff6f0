/* spoolcmd_int.h: what the operator's commands (spoolcmd.c, spoolact.c)
 * share; not for other modules. */
#ifndef HOOKLINE_SPOOLCMD_INT_H
#define HOOKLINE_SPOOLCMD_INT_H

#include "conf.h"
#include "json.h"
#include "spool.h"

/* Usage errors: print what and the command's usage; return 2. */
int	bad_usage(const char *cmd, const char *what);
int	unknown_arg(const char *cmd, const char *arg);
/* A state's word for people: a claimed delivery is "running". */
const char *state_word(enum spool_box b);
/* "box/NAME" from spool_find() into its parts. Returns 0 or -1. */
int	split_found(const char *s, enum spool_box *box, const char **name);
/* Appends the entries each ID argument names ("box/NAME", spool_find();
 * arguments starting with '-' are options) to found; says on stderr
 * which name nothing. Returns 0, or 1 when one did or a lookup failed. */
int	find_ids(const struct conf *conf, const char *cmd, int argc,
	    char **argv, struct strlist *found);
/* Prints v as one line. Returns 0, or 1 when out of memory. */
int	print_json(struct jval *v);

/* replay and retry [--all] [--json] ID...; argv[0] says which. Returns
 * the exit code. */
int	spoolcmd_act(const struct conf *conf, int argc, char **argv);
/* drain [--follow] [--now] [--kicked]. Returns the exit code. */
int	spoolcmd_drain(const char *conf_path, struct conf **confp, int argc,
	    char **argv);

#endif
