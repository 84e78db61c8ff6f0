/* floor_pg.c: the durable-write floor for async mode with a database:
 * floor_fcgi plus one INSERT of the delivery, committed, over one libpq
 * connection per process kept open (the same unix socket hookline uses),
 * and nothing else (no JSON, no signature, no dedupe, no drainer):
 *
 *   at start:    connect to $FLOOR_PG (a libpq conninfo or URI), create
 *                floor_delivery if missing, prepare the INSERT
 *   per request: INSERT (name, endpoint, event, delivery_id, body,
 *                received, accepted_by, next_due) in autocommit: one
 *                statement, one COMMIT, waited for; then 202
 *
 * A lost connection is reset once and the request tried again (as
 * hookline's db.c does); a second failure is 503. The table holds the
 * columns of hookline_delivery that an accept fills; the name is made
 * here, as hookline names a delivery. */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "floor.h"

#define INSERT_SQL \
	"INSERT INTO floor_delivery (name, endpoint, event, delivery_id, " \
	"body, received, accepted_by, next_due) " \
	"VALUES ($1, 'bench', 'push', $1, $2, $3, $4, $3)"

/* One statement string, one implicit transaction: the lock keeps the
 * processes lighttpd starts together from racing in CREATE TABLE IF NOT
 * EXISTS (which can fail on the catalog's unique index). */
static const char *const create_sql =
	"SELECT pg_advisory_xact_lock(20261201);\n"
	"CREATE TABLE IF NOT EXISTS floor_delivery (\n"
	"  name text PRIMARY KEY,\n"
	"  endpoint text NOT NULL,\n"
	"  event text NOT NULL,\n"
	"  delivery_id text NOT NULL,\n"
	"  body bytea NOT NULL,\n"
	"  received bigint NOT NULL,\n"
	"  accepted_by text NOT NULL,\n"
	"  state text NOT NULL DEFAULT 'pending',\n"
	"  next_due bigint NOT NULL\n"
	")";

/* The session ready for requests: connected, table there, INSERT
 * prepared. 0 or -1 (said on stderr). */
static int
prepare(PGconn *c)
{
	PGresult *r;
	int ok;

	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "floor_pg: %s", PQerrorMessage(c));
		return -1;
	}
	r = PQexec(c, create_sql);
	ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	PQclear(r);
	if (!ok) {
		fprintf(stderr, "floor_pg: create: %s", PQerrorMessage(c));
		return -1;
	}
	r = PQprepare(c, "put", INSERT_SQL, 4, NULL);
	ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	PQclear(r);
	if (!ok)
		fprintf(stderr, "floor_pg: prepare: %s", PQerrorMessage(c));
	return ok ? 0 : -1;
}

/* One INSERT, committed: 0, or -1 when it was not stored. */
static int
put(PGconn *c, const char *name, const char *body, size_t len,
    const char *received, const char *host)
{
	const char *v[4] = { name, body, received, host };
	int l[4] = { 0, (int)len, 0, 0 };
	int f[4] = { 0, 1, 0, 0 };
	PGresult *r;
	int ok;

	r = PQexecPrepared(c, "put", 4, v, l, f, 0);
	ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	PQclear(r);
	return ok ? 0 : -1;
}

int
main(void)
{
	FCGX_Request req;
	const char *conninfo = getenv("FLOOR_PG");
	PGconn *c;
	struct timespec ts;
	unsigned long seq = 0;
	char *body = NULL, name[96], received[32], host[64];
	size_t cap = 0;
	long len;
	int stored;

	if (conninfo == NULL) {
		fputs("floor_pg: FLOOR_PG is not set\n", stderr);
		return 1;
	}
	c = PQconnectdb(conninfo);
	if (c == NULL || prepare(c) == -1)
		return 1;
	if (gethostname(host, sizeof(host)) == -1)
		snprintf(host, sizeof(host), "bench");
	host[sizeof(host) - 1] = '\0';
	if (FCGX_Init() != 0 || FCGX_InitRequest(&req, 0, 0) != 0)
		return 1;
	while (FCGX_Accept_r(&req) >= 0) {
		if ((len = floor_read_body(&req, &body, &cap)) < 0) {
			floor_answer(&req, "400 Bad Request",
			    "{\"status\":\"error\",\"error\":\"invalid_length\"}");
			FCGX_Finish_r(&req);
			continue;
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		snprintf(name, sizeof(name), "%lld.%06ld.%ld.%lu",
		    (long long)ts.tv_sec, ts.tv_nsec / 1000, (long)getpid(),
		    ++seq);
		snprintf(received, sizeof(received), "%lld",
		    (long long)ts.tv_sec);
		stored = put(c, name, body, (size_t)len, received, host) == 0;
		if (!stored && PQstatus(c) == CONNECTION_BAD) {
			PQreset(c);
			stored = prepare(c) == 0 &&
			    put(c, name, body, (size_t)len, received, host) == 0;
		}
		if (stored)
			floor_answer(&req, "202 Accepted",
			    "{\"status\":\"accepted\"}");
		else
			floor_answer(&req, "503 Service Unavailable",
			    "{\"status\":\"error\",\"error\":\"unavailable\"}");
		FCGX_Finish_r(&req);
	}
	PQfinish(c);
	free(body);
	return 0;
}
