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

/* Where the deliveries are (spoolcmd_store.c): as spool_list,
 * spool_read, spool_read_runs, spool_find, spool_expire and spool_poke
 * on conf->spool_dir, or on the database when conf->database is set. */
int	store_list(const struct conf *conf, enum spool_box box,
	    struct strlist *names, struct err *err);
int	store_read(const struct conf *conf, enum spool_box box,
	    const char *name, struct spool_entry *e, struct err *err);
int	store_runs(const struct conf *conf, enum spool_box box,
	    const char *name, struct spool_run **v, size_t *n,
	    struct err *err);
int	store_find(const struct conf *conf, const char *key,
	    struct strlist *out, struct err *err);
int	store_expire(const struct conf *conf, enum spool_box box,
	    time_t cutoff, struct strlist *removed, struct err *err);
int	store_poke(const struct conf *conf, struct err *err);
/* With `database` set: appends the local spool's entries of box (new/
 * and cur/ only) that wait for the database (spilled), named
 * DB_OPS_SPILLED "NAME"; store_read and store_runs read such names from
 * the local spool. Returns 0 (nothing without `database`), or -1. */
int	store_list_spilled(const struct conf *conf, enum spool_box box,
	    struct strlist *names, struct err *err);
/* 1 when name is such a spilled one. */
int	store_spilled(const struct conf *conf, const char *name);

/* replay and retry [--all] [--json] ID...; argv[0] says which. Returns
 * the exit code. */
int	spoolcmd_act(const struct conf *conf, int argc, char **argv);
/* drain [--follow] [--now] [--kicked]. Returns the exit code. */
int	spoolcmd_drain(const char *conf_path, struct conf **confp, int argc,
	    char **argv);

#endif
