/* dbcmd.c: `hookline db init|migrate|status`: the schema made, moved to
 * this binary's version, or looked at, on the configuration's database;
 * and what `hookline check` says about the database key. */
#include <sys/stat.h>

#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "db.h"
#include "dbcmd.h"
#include "usage.h"

void
db_check_conf(const struct conf *c,
    void (*say)(void *arg, int error, const char *msg), void *arg)
{
	struct stat st;
	struct err err;
	struct db *db;
	char msg[ERR_MAX + 128];
	int pw, v;

	if ((pw = db_conninfo_password(c->database, &err)) == -1) {
		say(arg, 1, err.msg);
		return;
	}
	if (pw && c->path != NULL && stat(c->path, &st) == 0 &&
	    (st.st_mode & (S_IRGRP | S_IROTH)) != 0)
		say(arg, 1, "a password inline in a file group or others can "
		    "read (chmod go-r, or better: passfile= or service= and "
		    "libpq's files)");
	else if (pw)
		say(arg, 0, "a password inline; libpq's passfile= or service= "
		    "keep it out of this file");
	if ((db = db_open(c->database, &err)) == NULL) {
		say(arg, 0, err.msg);
		return;
	}
	if (db_schema_version(db, &v, &err) != DB_OK)
		say(arg, 1, err.msg);
	else if (v != DB_SCHEMA_VERSION) {
		(void)snprintf(msg, sizeof(msg), "schema version %d, this "
		    "hookline's is %d: %s", v, DB_SCHEMA_VERSION,
		    v == 0 ? "run hookline db init" : v < DB_SCHEMA_VERSION ?
		    "run hookline db migrate" : "use a newer hookline");
		say(arg, 1, msg);
	}
	db_close(db);
}

/* The configuration's database, connected (without the version check:
 * these commands are how a mismatch is mended). NULL: said why. */
static struct db *
connect_conf(const char *conf_path, struct conf **confp)
{
	struct err err;
	struct db *db;

	if (conf_load(conf_path, confp, &err) == -1) {
		fprintf(stderr, "hookline db: %s\n", err.msg);
		return NULL;
	}
	if ((*confp)->database == NULL) {
		fprintf(stderr, "hookline db: %s has no `database` key\n",
		    conf_path != NULL ? conf_path : "the configuration");
		return NULL;
	}
	if ((db = db_open((*confp)->database, &err)) == NULL)
		fprintf(stderr, "hookline db: %s\n", err.msg);
	return db;
}

static int
db_init_cmd(struct db *db)
{
	struct err err;
	int v;

	if (db_schema_version(db, &v, &err) != DB_OK ||
	    db_schema_init(db, &err) != DB_OK) {
		fprintf(stderr, "hookline db init: %s\n", err.msg);
		return 1;
	}
	if (v == DB_SCHEMA_VERSION)
		printf("hookline db init: the schema is there already "
		    "(version %d)\n", v);
	else
		printf("hookline db init: schema version %d created\n",
		    DB_SCHEMA_VERSION);
	return 0;
}

static int
db_migrate_cmd(struct db *db)
{
	struct err err;
	int from;

	if (db_schema_migrate(db, &from, &err) != DB_OK) {
		fprintf(stderr, "hookline db migrate: %s\n", err.msg);
		return 1;
	}
	if (from == DB_SCHEMA_VERSION)
		printf("hookline db migrate: the schema is at version %d "
		    "already\n", from);
	else
		printf("hookline db migrate: schema moved from version %d "
		    "to %d\n", from, DB_SCHEMA_VERSION);
	return 0;
}

static int
db_status_cmd(struct db *db)
{
	struct err err;
	int v;

	if (db_schema_version(db, &v, &err) != DB_OK) {
		fprintf(stderr, "hookline db status: %s\n", err.msg);
		return 1;
	}
	printf("connected; schema version %d in the database, %d in this "
	    "hookline%s\n", v, DB_SCHEMA_VERSION,
	    v == DB_SCHEMA_VERSION ? "" : v == 0 ? ": run hookline db init" :
	    v < DB_SCHEMA_VERSION ? ": run hookline db migrate" :
	    ": use a newer hookline");
	return v == DB_SCHEMA_VERSION ? 0 : 1;
}

int
db_command(const char *conf_path, int argc, char **argv)
{
	static const struct {
		const char	*name;
		int		(*fn)(struct db *);
	} subs[] = {
		{ "init", db_init_cmd },
		{ "migrate", db_migrate_cmd },
		{ "status", db_status_cmd },
	};
	struct conf *conf = NULL;
	struct db *db;
	size_t i;
	int rc;

	for (i = 0; argc == 2 && i < sizeof(subs) / sizeof(subs[0]); i++)
		if (strcmp(argv[1], subs[i].name) == 0)
			break;
	if (argc != 2 || i == sizeof(subs) / sizeof(subs[0])) {
		(void)usage_command(stderr, "db");
		return 2;
	}
	if ((db = connect_conf(conf_path, &conf)) == NULL) {
		conf_free(conf);
		return 1;
	}
	rc = subs[i].fn(db);
	db_close(db);
	conf_free(conf);
	return rc;
}
