/* spool_scan.c: looking through the spool: a box's names, sorted
 * (oldest first), and the entries a name or a delivery id points to. */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spool.h"
#include "spool_int.h"

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
spool_list(const char *dir, enum spool_box box, struct strlist *names,
    struct err *err)
{
	struct dirent *de;
	DIR *d = NULL;
	size_t first = names->n;
	int fd;

	if ((fd = spool_box_open(dir, box, err)) == -1)
		return -1;
	if ((d = fdopendir(fd)) == NULL) {
		err_set(err, "%s/%s: %s", dir, spool_box_name(box),
		    strerror(errno));
		(void)close(fd);
		return -1;
	}
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		if (!spool_name_valid(de->d_name))
			continue;
		if (strlist_add(names, de->d_name) == -1) {
			err_set(err, "out of memory");
			goto fail;
		}
		errno = 0;
	}
	if (errno != 0) {
		err_set(err, "%s/%s: readdir: %s", dir, spool_box_name(box),
		    strerror(errno));
		goto fail;
	}
	(void)closedir(d);
	if (names->n > first)
		qsort(names->v + first, names->n - first, sizeof(*names->v),
		    cmp_str);
	return 0;
fail:
	(void)closedir(d);
	return -1;
}

/* Appends "box/name" to out. Returns 0, or -1 with err. */
static int
found(struct strlist *out, enum spool_box box, const char *name,
    struct err *err)
{
	char *s;

	if (asprintf(&s, "%s/%s", spool_box_name(box), name) == -1 ||
	    strlist_take(out, s) == -1) {
		err_set(err, "out of memory");
		return -1;
	}
	return 0;
}

/* The entries of box whose delivery id is key, appended to out. */
static int
find_id(const char *dir, enum spool_box box, const char *key,
    struct strlist *out, struct err *err)
{
	struct strlist names = { NULL, 0 };
	struct spool_entry e;
	size_t i;
	int rc = 0;

	if (spool_list(dir, box, &names, err) == -1)
		return -1;
	for (i = 0; i < names.n && rc == 0; i++) {
		if (spool_read(dir, box, names.v[i], &e, NULL) != 0)
			continue;
		if (strcmp(e.id, key) == 0)
			rc = found(out, box, names.v[i], err);
		spool_entry_free(&e);
	}
	strlist_clear(&names);
	return rc;
}

int
spool_find(const char *dir, const char *key, struct strlist *out,
    struct err *err)
{
	struct stat st;
	size_t first = out->n;
	int b, fd, rc;

	if (spool_name_valid(key)) {
		for (b = 0; b < SPOOL__NBOX; b++) {
			if ((fd = spool_box_open(dir, b, err)) == -1)
				return -1;
			rc = fstatat(fd, key, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISDIR(st.st_mode) ? found(out, b, key, err) : 0;
			(void)close(fd);
			if (rc == -1)
				return -1;
		}
		if (out->n > first)
			return 0;
	}
	for (b = 0; b < SPOOL__NBOX; b++)
		if (find_id(dir, b, key, out, err) == -1)
			return -1;
	return 0;
}
