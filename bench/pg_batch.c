/* pg_batch.c: the database side of the async accept alone, deliveries
 * stored one by one (db_accept) against batches (db_accept_many, one
 * pipeline and one COMMIT per batch): CPU per stored row of this process
 * and of its PostgreSQL backend (/proc/PID/stat), and wall time. A
 * measuring tool, in no make target:
 *
 *   make build/libhookline.a
 *   cc -O2 -D_GNU_SOURCE -Iinclude -I/usr/include/postgresql \
 *       -o build/pg_batch bench/pg_batch.c build/libhookline.a \
 *       $(pkg-config --libs json-c libcrypto inih fcgi) -ldl
 *   tests/e2e/lib_pg.sh run build/pg_batch ROWS BATCH [CLAIM [FIRST]]
 *
 * ROWS deliveries each way; BATCH per db_accept_many call; CLAIM 1
 * (default): the sender's id claimed (the statement with the dedupe
 * record), 0: our own id. The database: $HOOKLINE_TEST_PG. */
#include <sys/resource.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "db_spill.h"

#define BATCH_MAX	64

static char body[600];

/* utime + stime of pid, in clock ticks; -1 when unreadable. */
static long
proc_ticks(long pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut, st;
	FILE *f;
	size_t n;

	(void)snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	(void)fclose(f);
	buf[n] = '\0';
	/* After the command's ")": state is field 3, utime 14, stime 15. */
	if ((p = strrchr(buf, ')')) == NULL || sscanf(p + 2,
	    "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut,
	    &st) != 2)
		return -1;
	return (long)(ut + st);
}

static double
self_cpu(void)
{
	struct rusage ru;

	(void)getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static double
now(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The process's backend, for its CPU. */
static long
backend(const struct conf *conf)
{
	struct db_res *res = NULL;
	struct err err;
	struct db *db;
	int64_t pid;

	if ((db = db_shared(conf, NULL, &err)) == NULL ||
	    db_exec(db, 0, "SELECT pg_backend_pid()", 0, NULL, &res, &err) !=
	    DB_OK || db_int64(res, 0, 0, &pid) == -1) {
		fprintf(stderr, "pg_batch: %s\n", err.msg);
		exit(1);
	}
	db_res_free(res);
	return (long)pid;
}

/* rows deliveries, batch at a time; ids from *seq on. */
static void
run(const struct conf *conf, const char *label, long rows, size_t batch,
    bool claim, long *seq)
{
	static char ids[BATCH_MAX][32];
	struct db_accept_item it[BATCH_MAX];
	struct delivery d[BATCH_MAX];
	double t0, c0;
	long pid, k0, done, failed = 0;
	size_t i;

	pid = backend(conf);
	k0 = proc_ticks(pid);
	c0 = self_cpu();
	t0 = now();
	for (done = 0; done < rows; done += (long)batch) {
		for (i = 0; i < batch; i++) {
			(void)snprintf(ids[i], sizeof(ids[i]), "pb-%ld",
			    (*seq)++);
			d[i] = (struct delivery){ .endpoint = "bench",
			    .event = "push", .id = ids[i],
			    .remote_addr = "127.0.0.1",
			    .content_type = "application/json",
			    .body = (const unsigned char *)body,
			    .body_len = sizeof(body) - 1, .attempt = 1 };
			it[i] = (struct db_accept_item){ .d = &d[i],
			    .claim_id = claim };
		}
		db_accept_many(conf, it, batch);
		for (i = 0; i < batch; i++)
			failed += it[i].result != DB_ACCEPT_STORED;
	}
	t0 = now() - t0;
	c0 = self_cpu() - c0;
	if (pid != backend(conf))
		printf("(the backend changed: its CPU is not all counted)\n");
	printf("%-10s rows %ld batch %zu claim %d: %.2f s, %.0f rows/s, "
	    "client %.1f us/row, server %.1f us/row, not stored %ld\n",
	    label, done, batch, claim, t0, done / t0, c0 * 1e6 / done,
	    (proc_ticks(pid) - k0) * 1e6 / sysconf(_SC_CLK_TCK) / done,
	    failed);
}

int
main(int argc, char **argv)
{
	struct conf conf;
	struct err err;
	struct db *db;
	long rows, seq = 0;
	int i;
	size_t batch;
	bool claim;

	if (argc < 3 || getenv("HOOKLINE_TEST_PG") == NULL) {
		fprintf(stderr, "usage: HOOKLINE_TEST_PG=CONNINFO pg_batch "
		    "ROWS BATCH [CLAIM [b]]\n");
		return 2;
	}
	rows = atol(argv[1]);
	batch = (size_t)atol(argv[2]);
	claim = argc < 4 || atoi(argv[3]) != 0;
	if (rows <= 0 || batch < 1 || batch > BATCH_MAX)
		return 2;
	memset(body, 'x', sizeof(body) - 1);
	memset(&conf, 0, sizeof(conf));
	conf.database = getenv("HOOKLINE_TEST_PG");
	conf.dedupe_window = 3600;
	if ((db = db_open(conf.database, &err)) == NULL ||
	    db_schema_init(db, &err) != DB_OK) {
		fprintf(stderr, "pg_batch: %s\n", err.msg);
		return 1;
	}
	db_close(db);
	run(&conf, "warm-up", 200, 1, claim, &seq);
	run(&conf, "warm-up", 200, batch, claim, &seq);
	for (i = 0; i < 4; i++) {
		/* Alternating; FIRST "b": batched first (a table's growth
		 * counts against the later runs). */
		if ((i % 2 == 0) == (argc > 4 && strcmp(argv[4], "b") == 0))
			run(&conf, "batched", rows, batch, claim, &seq);
		else
			run(&conf, "one-by-one", rows, 1, claim, &seq);
	}
	return 0;
}
