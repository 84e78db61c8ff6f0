/* spool_entry.c: one entry's files: its state (read, replaced
 * atomically), its run records (run.N, one per attempt) and its body
 * as received. */
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spool.h"
#include "spool_int.h"

#define BODY_MAX	((size_t)1 << 31)	/* what spool_body reads back */

/* spool_entry_open, where an entry that is not there is an error. */
static int
entry_open_here(const char *dir, enum spool_box box, const char *name,
    struct err *err)
{
	int efd;

	if ((efd = spool_entry_open(dir, box, name, err)) == -2) {
		err_set(err, "%s/%s: gone", spool_box_name(box), name);
		return -1;
	}
	return efd;
}

int
spool_read(const char *dir, enum spool_box box, const char *name,
    struct spool_entry *e, struct err *err)
{
	char *buf = NULL;
	size_t len;
	int efd, rc;

	memset(e, 0, sizeof(*e));
	if ((efd = spool_entry_open(dir, box, name, err)) == -2)
		return 1;
	if (efd == -1)
		return -1;
	rc = spool_file_get(efd, "state", SPOOL_STATE_MAX, &buf, &len, err);
	(void)close(efd);
	if (rc == 1) {
		err_set(err, "%s/%s: no state file", spool_box_name(box), name);
		return -1;
	}
	if (rc == -1)
		return -1;
	rc = spool_entry_decode(buf, len, e, err);
	free(buf);
	if (rc == -1)
		return -1;
	(void)snprintf(e->name, sizeof(e->name), "%s", name);
	e->box = box;
	return 0;
}

int
spool_write(const char *dir, enum spool_box box, const char *name,
    const struct spool_entry *e, struct err *err)
{
	char *buf;
	size_t len;
	int efd, rc = -1;

	if ((efd = entry_open_here(dir, box, name, err)) == -1)
		return -1;
	if ((buf = spool_entry_encode(e, &len)) == NULL)
		err_set(err, "out of memory");
	else
		rc = spool_file_replace(efd, "state", buf, len, 1, err);
	free(buf);
	(void)close(efd);
	return rc;
}

int
spool_write_run(const char *dir, enum spool_box box, const char *name,
    const struct spool_run *r, struct err *err)
{
	char fname[32];
	char *buf;
	size_t len;
	int efd, rc = -1;

	(void)snprintf(fname, sizeof(fname), "run.%u", r->attempt);
	if ((efd = entry_open_here(dir, box, name, err)) == -1)
		return -1;
	if ((buf = spool_run_encode(r, &len)) == NULL)
		err_set(err, "out of memory");
	else
		/* The state written next fsyncs this folder. */
		rc = spool_file_replace(efd, fname, buf, len, 0, err);
	free(buf);
	(void)close(efd);
	return rc;
}

void
spool_runs_free(struct spool_run *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		spool_run_free(&v[i]);
	free(v);
}

/* "run.N" with N a plain decimal number > 0: N, else 0. */
static unsigned
run_file_attempt(const char *s)
{
	unsigned long n;
	char *end;

	if (strncmp(s, "run.", 4) != 0 || s[4] < '1' || s[4] > '9')
		return 0;
	errno = 0;
	n = strtoul(s + 4, &end, 10);
	if (errno != 0 || *end != '\0' || n > UINT_MAX)
		return 0;
	return (unsigned)n;
}

static int
cmp_run(const void *a, const void *b)
{
	const struct spool_run *x = a, *y = b;

	return x->attempt < y->attempt ? -1 : x->attempt > y->attempt;
}

int
spool_read_runs(const char *dir, enum spool_box box, const char *name,
    struct spool_run **vp, size_t *np, struct err *err)
{
	struct spool_run *v = NULL, *nv, r;
	struct dirent *de;
	DIR *d = NULL;
	char *buf;
	size_t n = 0, len;
	int efd, fd;

	*vp = NULL;
	*np = 0;
	if ((efd = entry_open_here(dir, box, name, err)) == -1)
		return -1;
	if ((fd = dup(efd)) == -1 || (d = fdopendir(fd)) == NULL) {
		err_set(err, "%s/%s: %s", spool_box_name(box), name,
		    strerror(errno));
		if (fd != -1)
			(void)close(fd);
		goto fail;
	}
	while ((de = readdir(d)) != NULL) {
		if (run_file_attempt(de->d_name) == 0)
			continue;
		if (spool_file_get(efd, de->d_name, SPOOL_RUN_MAX, &buf, &len,
		    NULL) != 0)
			continue;
		if (spool_run_decode(buf, len, &r, NULL) == -1) {
			free(buf);
			continue;
		}
		free(buf);
		if ((nv = reallocarray(v, n + 1, sizeof(*v))) == NULL) {
			spool_run_free(&r);
			err_set(err, "out of memory");
			goto fail;
		}
		v = nv;
		v[n++] = r;
	}
	(void)closedir(d);
	(void)close(efd);
	if (n > 0)
		qsort(v, n, sizeof(*v), cmp_run);
	*vp = v;
	*np = n;
	return 0;
fail:
	if (d != NULL)
		(void)closedir(d);
	(void)close(efd);
	spool_runs_free(v, n);
	return -1;
}

int
spool_body(const char *dir, enum spool_box box, const char *name,
    unsigned char **buf, size_t *len, char **path, struct err *err)
{
	char *b = NULL;
	int efd, rc;

	*buf = NULL;
	if (path != NULL)
		*path = NULL;
	if ((efd = entry_open_here(dir, box, name, err)) == -1)
		return -1;
	rc = spool_file_get(efd, "body", BODY_MAX, &b, len, err);
	(void)close(efd);
	if (rc == 1)
		err_set(err, "%s/%s: no body file", spool_box_name(box), name);
	if (rc != 0)
		return -1;
	if (path != NULL &&
	    asprintf(path, "%s/%s/%s/body", dir, spool_box_name(box),
	    name) == -1) {
		*path = NULL;
		free(b);
		err_set(err, "out of memory");
		return -1;
	}
	*buf = (unsigned char *)b;
	return 0;
}
