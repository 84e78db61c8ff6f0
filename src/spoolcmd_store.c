/* spoolcmd_store.c: where the operator's commands find deliveries: the
 * local spool, or with `database` set the database every host shares
 * (db_ops.c) and what this host's spool still holds for it (spilled).
 * Same calls, same answers, for spoolcmd.c and spoolact.c; and the IDs
 * on a command line looked up there. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db_ops.h"
#include "spoolcmd_int.h"

/*
 * Spilled entries (database set): the local spool's new/ and cur/,
 * which the drainer moves into the database (db_spill.c). The commands
 * list and show them with the others, named DB_OPS_SPILLED + NAME;
 * done/ and dead/ there are from before `database` and are not shown.
 * Who controls them: this host's hookline wrote them, for the spool's
 * owner only; spool_read checks each as it does without a database.
 */

int
store_spilled(const struct conf *conf, const char *name)
{
	return conf->database != NULL && strncmp(name, DB_OPS_SPILLED,
	    DB_OPS_SPILLED_LEN) == 0;
}

/* The local name of a spilled one. */
static const char *
local_name(const char *name)
{
	return name + DB_OPS_SPILLED_LEN;
}

int
store_list_spilled(const struct conf *conf, enum spool_box box,
    struct strlist *names, struct err *err)
{
	struct strlist local = { NULL, 0 };
	size_t i;
	char *s;
	int rc = 0;

	if (conf->database == NULL || (box != SPOOL_NEW && box != SPOOL_CUR))
		return 0;
	if (access(conf->spool_dir, F_OK) == -1)
		return 0;	/* nothing was ever spilled here */
	if (spool_list(conf->spool_dir, box, &local, err) == -1)
		return -1;
	for (i = 0; i < local.n && rc == 0; i++)
		if (asprintf(&s, "%s%s", DB_OPS_SPILLED, local.v[i]) < 0 ||
		    strlist_take(names, s) != 0) {
			err_set(err, "out of memory");
			rc = -1;
		}
	strlist_clear(&local);
	return rc;
}

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
	if (store_spilled(conf, name))
		return spool_read(conf->spool_dir, box, local_name(name), e,
		    err);
	if (conf->database != NULL)
		return db_ops_read(conf, box, name, e, err);
	return spool_read(conf->spool_dir, box, name, e, err);
}

int
store_runs(const struct conf *conf, enum spool_box box, const char *name,
    struct spool_run **v, size_t *n, struct err *err)
{
	if (store_spilled(conf, name))
		return spool_read_runs(conf->spool_dir, box, local_name(name),
		    v, n, err);
	if (conf->database != NULL)
		return db_ops_runs(conf, name, v, n, err);
	return spool_read_runs(conf->spool_dir, box, name, v, n, err);
}

/* spool_find in the local spool, its hits in new/ and cur/ appended as
 * "box/" DB_OPS_SPILLED "NAME". */
static int
find_spilled(const struct conf *conf, const char *key, struct strlist *out,
    struct err *err)
{
	struct strlist local = { NULL, 0 };
	enum spool_box box;
	const char *name;
	size_t i;
	char *s;
	int rc = 0;

	if (access(conf->spool_dir, F_OK) == -1)
		return 0;
	if (spool_find(conf->spool_dir, key, &local, err) == -1)
		return -1;
	for (i = 0; i < local.n && rc == 0; i++) {
		if (split_found(local.v[i], &box, &name) == -1 ||
		    (box != SPOOL_NEW && box != SPOOL_CUR))
			continue;
		if (asprintf(&s, "%s/%s%s", spool_box_name(box),
		    DB_OPS_SPILLED, name) < 0 || strlist_take(out, s) != 0) {
			err_set(err, "out of memory");
			rc = -1;
		}
	}
	strlist_clear(&local);
	return rc;
}

int
store_find(const struct conf *conf, const char *key, struct strlist *out,
    struct err *err)
{
	struct err e2;
	int rc;

	/* Both, also when the database is away: what waits here for it
	 * is found then too (err says what failed). */
	if (conf->database != NULL) {
		rc = db_ops_find(conf, key, out, err);
		if (find_spilled(conf, key, out, &e2) == -1) {
			*err = e2;
			rc = -1;
		}
		return rc;
	}
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
