/* spoolcmd_store.c: where the operator's commands find deliveries: the
 * local spool, or with `database` set the database every host shares
 * (db_ops.c). Same calls, same answers, for spoolcmd.c and spoolact.c;
 * and the IDs on a command line looked up there. */
#include <stdio.h>
#include <string.h>

#include "db_ops.h"
#include "spoolcmd_int.h"

int
store_list(const struct conf *conf, enum spool_box box, struct strlist *names,
    struct err *err)
{
	if (conf->database != NULL)
		return db_ops_list(conf, box, names, err);
	return spool_list(conf->spool_dir, box, names, err);
}

int
store_read(const struct conf *conf, enum spool_box box, const char *name,
    struct spool_entry *e, struct err *err)
{
	if (conf->database != NULL)
		return db_ops_read(conf, box, name, e, err);
	return spool_read(conf->spool_dir, box, name, e, err);
}

int
store_runs(const struct conf *conf, enum spool_box box, const char *name,
    struct spool_run **v, size_t *n, struct err *err)
{
	if (conf->database != NULL)
		return db_ops_runs(conf, name, v, n, err);
	return spool_read_runs(conf->spool_dir, box, name, v, n, err);
}

int
store_find(const struct conf *conf, const char *key, struct strlist *out,
    struct err *err)
{
	if (conf->database != NULL)
		return db_ops_find(conf, key, out, err);
	return spool_find(conf->spool_dir, key, out, err);
}

int
store_expire(const struct conf *conf, enum spool_box box, time_t cutoff,
    struct strlist *removed, struct err *err)
{
	if (conf->database != NULL)
		return db_ops_expire(conf, box, cutoff, removed, err);
	return spool_expire(conf->spool_dir, box, cutoff, removed, err);
}

int
store_poke(const struct conf *conf, struct err *err)
{
	/* The database's drainers look for due deliveries every second
	 * or so (db_drain.c): nothing to wake. */
	if (conf->database != NULL)
		return 0;
	return spool_poke(conf->spool_dir, err);
}

/* "box/NAME" from spool_find into its parts. */
int
split_found(const char *s, enum spool_box *box, const char **name)
{
	const char *slash = strchr(s, '/');
	int b;

	if (slash == NULL)
		return -1;
	for (b = 0; b < SPOOL__NBOX; b++)
		if ((size_t)(slash - s) == strlen(spool_box_name(
		    (enum spool_box)b)) && strncmp(s, spool_box_name(
		    (enum spool_box)b), (size_t)(slash - s)) == 0) {
			*box = (enum spool_box)b;
			*name = slash + 1;
			return 0;
		}
	return -1;
}

int
find_ids(const struct conf *conf, const char *cmd, int argc, char **argv,
    struct strlist *found)
{
	struct err err;
	size_t before;
	int a, rc = 0;

	for (a = 1; a < argc; a++) {
		if (argv[a][0] == '-')
			continue;
		before = found->n;
		if (store_find(conf, argv[a], found, &err) == -1) {
			fprintf(stderr, "hookline %s: %s\n", cmd, err.msg);
			rc = 1;
		} else if (found->n == before) {
			fprintf(stderr, "hookline %s: no delivery %s\n", cmd,
			    argv[a]);
			rc = 1;
		}
	}
	return rc;
}
