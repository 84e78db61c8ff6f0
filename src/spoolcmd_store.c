/* spoolcmd_store.c: where the operator's commands find deliveries: the
 * local spool, or with `database` set the database every host shares
 * (db_ops.c). Same calls, same answers, for spoolcmd.c and spoolact.c. */
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
