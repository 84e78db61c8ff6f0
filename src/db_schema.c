/* db_schema.c: hookline's tables in PostgreSQL, their version, and the
 * steps that create them (db init) and move them on (db migrate). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"

/*
 * Version 1 (version 2 below changes collations only). Times are unix seconds (bigint), as in the spool's records;
 * leases and due times are compared with the server's clock (every host
 * sees the same one). A delivery is named by us (name: random, as a
 * spool folder's name), never by the sender's id, which is only a
 * value.
 *
 * hookline_delivery   one async delivery: what the hooks need (endpoint,
 *                     event, id, remote address, content type, body as
 *                     received), where it is (state: pending, running,
 *                     done, dead; next_due), its counters as struct
 *                     spool_entry has them, and the claim (lease_owner:
 *                     "host pid start", lease_expiry).
 * hookline_consumer   each hook or forward target of a delivery, as
 *                     struct consumer (consumer.c moves it along); seq
 *                     keeps the order they first ran in.
 * hookline_run        what attempt N did: the spool's run record
 *                     (spool_run_encode) as bytes, and who ran it.
 * hookline_dedupe     (pgx, db_dedupe.c) one delivery id per endpoint.
 * The max_running slots are advisory locks (pgx, db_slots.c): no table.
 */
/* One statement each: PQexecParams runs one at a time. */
static const char *const schema_v1[] = {
	"CREATE TABLE hookline_schema (\n"
	"  one boolean PRIMARY KEY DEFAULT true CHECK (one),\n"
	"  version integer NOT NULL\n"
	")",
	"CREATE TABLE hookline_delivery (\n"
	"  name text PRIMARY KEY,\n"
	"  endpoint text NOT NULL,\n"
	"  event text NOT NULL,\n"
	"  delivery_id text NOT NULL,\n"
	"  remote_addr text,\n"
	"  content_type text,\n"
	"  body bytea NOT NULL,\n"
	"  received bigint NOT NULL,\n"
	"  accepted_by text NOT NULL,\n"
	"  state text NOT NULL DEFAULT 'pending'\n"
	"    CHECK (state IN ('pending', 'running', 'done', 'dead')),\n"
	"  next_due bigint NOT NULL,\n"
	"  attempts integer NOT NULL DEFAULT 0,\n"
	"  failures integer NOT NULL DEFAULT 0,\n"
	"  running integer NOT NULL DEFAULT 0,\n"
	"  interrupted integer NOT NULL DEFAULT 0,\n"
	"  replays integer NOT NULL DEFAULT 0,\n"
	"  errors integer NOT NULL DEFAULT 0,\n"
	"  started bigint NOT NULL DEFAULT 0,\n"
	"  finished bigint NOT NULL DEFAULT 0,\n"
	"  error text,\n"
	"  lease_owner text,\n"
	"  lease_expiry bigint\n"
	")",
	"CREATE INDEX hookline_delivery_due ON hookline_delivery (next_due)\n"
	"  WHERE state = 'pending'",
	"CREATE INDEX hookline_delivery_lease ON hookline_delivery\n"
	"  (lease_expiry) WHERE state = 'running'",
	"CREATE INDEX hookline_delivery_id ON hookline_delivery\n"
	"  (delivery_id)",
	"CREATE INDEX hookline_delivery_finished ON hookline_delivery\n"
	"  (finished) WHERE state IN ('done', 'dead')",
	"CREATE TABLE hookline_consumer (\n"
	"  delivery text NOT NULL REFERENCES hookline_delivery (name)\n"
	"    ON DELETE CASCADE,\n"
	"  name text NOT NULL,\n"
	"  seq integer NOT NULL,\n"
	"  state text NOT NULL\n"
	"    CHECK (state IN ('pending', 'succeeded', 'failed', 'exhausted')),\n"
	"  tries integer NOT NULL DEFAULT 0,\n"
	"  failures integer NOT NULL DEFAULT 0,\n"
	"  next bigint NOT NULL DEFAULT 0,\n"
	"  error text,\n"
	"  PRIMARY KEY (delivery, name)\n"
	")",
	"CREATE TABLE hookline_run (\n"
	"  delivery text NOT NULL REFERENCES hookline_delivery (name)\n"
	"    ON DELETE CASCADE,\n"
	"  attempt integer NOT NULL,\n"
	"  host text NOT NULL,\n"
	"  started bigint NOT NULL,\n"
	"  record bytea NOT NULL,\n"
	"  PRIMARY KEY (delivery, attempt)\n"
	")",
	"CREATE TABLE hookline_dedupe (\n"
	"  endpoint text NOT NULL,\n"
	"  delivery_id text NOT NULL,\n"
	"  seen timestamptz NOT NULL DEFAULT now(),\n"
	"  token text NOT NULL,\n"
	"  PRIMARY KEY (endpoint, delivery_id)\n"
	")",
	"CREATE INDEX hookline_dedupe_seen ON hookline_dedupe (seen)",
	NULL
};

/*
 * Version 2: the text keys every INSERT maintains compare in "C" (byte
 * order) instead of the database's collation. With a libc locale such
 * as en_US.UTF-8 each btree comparison of a text key is a strcoll; in
 * "C" it is a memcmp. The values are ours (names), the configuration's
 * (endpoints, consumer names) or the sender's delivery ids: equality is
 * byte equality in every deterministic collation, so no lookup finds
 * anything else; only the order of ties in ORDER BY ..., name changes.
 * The column's collation is the comparisons' default (a parameter takes
 * it), so the statements keep `delivery_id = $1` and still use the
 * index. The referencing columns first, then the key they reference;
 * ALTER COLUMN TYPE rebuilds the indexes and foreign keys involved (no
 * table rewrite: text to text), in migrate's one transaction. A host
 * still running version 1 meanwhile keeps working: its statements are
 * planned again and read the same types.
 */
static const char *const schema_v2[] = {
	/* All four at once, the delivery first as the drainers take
	 * them: a busy host's transactions are waited for, not deadlocked
	 * with. */
	"LOCK TABLE hookline_delivery, hookline_consumer, hookline_run,\n"
	"  hookline_dedupe IN ACCESS EXCLUSIVE MODE",
	"ALTER TABLE hookline_consumer\n"
	"  ALTER COLUMN delivery TYPE text COLLATE \"C\",\n"
	"  ALTER COLUMN name TYPE text COLLATE \"C\"",
	"ALTER TABLE hookline_run\n"
	"  ALTER COLUMN delivery TYPE text COLLATE \"C\"",
	"ALTER TABLE hookline_delivery\n"
	"  ALTER COLUMN name TYPE text COLLATE \"C\",\n"
	"  ALTER COLUMN delivery_id TYPE text COLLATE \"C\"",
	"ALTER TABLE hookline_dedupe\n"
	"  ALTER COLUMN endpoint TYPE text COLLATE \"C\",\n"
	"  ALTER COLUMN delivery_id TYPE text COLLATE \"C\"",
	NULL
};

/* Step i takes the schema from version i to i + 1 (step 0: none to 1).
 * A new version adds its step here and bumps DB_SCHEMA_VERSION; db init
 * runs them all. */
static const char *const *const steps[DB_SCHEMA_VERSION] = {
	schema_v1,
	schema_v2,
};

/* Serialises init and migrate across hosts (any constant of ours). */
#define SCHEMA_LOCK	"SELECT pg_advisory_xact_lock(7212480516)"

/* The version row, once the table is known to be there (or quick: a
 * missing table, SQLSTATE 42P01, is version 0; outside a transaction
 * only, as the error would abort one). */
static enum db_rc
version_read(struct db *db, bool quick, int *version, struct err *err)
{
	struct db_res *res = NULL;
	enum db_rc rc;
	int64_t v;

	rc = db_exec(db, DB_RETRY, "SELECT version FROM hookline_schema", 0,
	    NULL, &res, err);
	if (quick && rc == DB_FAIL && strcmp(db_sqlstate(db), "42P01") == 0)
		return DB_OK;
	if (rc != DB_OK)
		return rc;
	if (db_rows(res) != 1 || db_int64(res, 0, 0, &v) == -1 || v < 1 ||
	    v > 1000000) {
		db_res_free(res);
		err_set(err, "database: hookline_schema holds no version");
		return DB_FAIL;
	}
	db_res_free(res);
	*version = (int)v;
	return DB_OK;
}

/* One statement: a CGI process pays it on every request. */
enum db_rc
db_schema_version(struct db *db, int *version, struct err *err)
{
	*version = 0;
	return version_read(db, true, version, err);
}

/* The same inside a transaction: the table looked up first. */
static enum db_rc
version_in_tx(struct db *db, int *version, struct err *err)
{
	struct db_res *res = NULL;
	enum db_rc rc;
	bool there;

	*version = 0;
	if ((rc = db_exec(db, 0, "SELECT to_regclass('hookline_schema') IS "
	    "NOT NULL", 0, NULL, &res, err)) != DB_OK)
		return rc;
	there = db_text(res, 0, 0) != NULL &&
	    strcmp(db_text(res, 0, 0), "t") == 0;
	db_res_free(res);
	return there ? version_read(db, false, version, err) : DB_OK;
}

struct migration {
	bool	 init_only;	/* db init: refuse another version */
	int	 from;		/* found, under the lock */
};

/* The steps from the version found to ours, in one transaction with
 * the schema lock held (two hosts running migrate at once: one waits,
 * then finds nothing to do). */
static enum db_rc
migrate_tx(struct db *db, void *arg, struct err *err)
{
	struct migration *m = arg;
	struct db_param p[1];
	enum db_rc rc;
	size_t i;
	int v;

	if ((rc = db_exec(db, 0, SCHEMA_LOCK, 0, NULL, NULL, err)) != DB_OK)
		return rc;
	if ((rc = version_in_tx(db, &v, err)) != DB_OK)
		return rc;
	m->from = v;
	if (v > DB_SCHEMA_VERSION) {
		err_set(err, "the database's hookline schema is version %d, "
		    "newer than this hookline's %d: use a newer hookline", v,
		    DB_SCHEMA_VERSION);
		return DB_FAIL;
	}
	if (m->init_only && v != 0 && v != DB_SCHEMA_VERSION) {
		err_set(err, "the database's hookline schema is version %d, "
		    "this hookline's is %d: run hookline db migrate", v,
		    DB_SCHEMA_VERSION);
		return DB_FAIL;
	}
	if (v == DB_SCHEMA_VERSION)
		return DB_OK;
	for (; v < DB_SCHEMA_VERSION; v++)
		for (i = 0; steps[v][i] != NULL; i++)
			if ((rc = db_exec(db, 0, steps[v][i], 0, NULL, NULL,
			    err)) != DB_OK)
				return rc;
	p[0] = DBP_INT(DB_SCHEMA_VERSION);
	return db_exec(db, 0,
	    "INSERT INTO hookline_schema (version) VALUES ($1) "
	    "ON CONFLICT (one) DO UPDATE SET version = EXCLUDED.version",
	    1, p, NULL, err);
}

enum db_rc
db_schema_init(struct db *db, struct err *err)
{
	struct migration m = { true, 0 };

	/* DB_RETRY: run again, it finds the schema made and does nothing. */
	return db_tx(db, DB_RETRY, migrate_tx, &m, err);
}

enum db_rc
db_schema_migrate(struct db *db, int *from, struct err *err)
{
	struct migration m = { false, 0 };
	enum db_rc rc;

	rc = db_tx(db, DB_RETRY, migrate_tx, &m, err);
	if (from != NULL)
		*from = m.from;
	return rc;
}
