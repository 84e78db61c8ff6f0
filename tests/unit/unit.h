/* unit.h: what every cmocka test file includes first, and the helpers
 * the tests share: temporary folders, and files written and read back.
 * A helper that fails fails the test (cmocka's assert_*), also when
 * called from a setup or teardown. */
#ifndef HOOKLINE_UNIT_H
#define HOOKLINE_UNIT_H

#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

/* Not every test file uses every helper. */
#define UNIT_FN		static __attribute__((unused))

/* A new folder /tmp/hookline-NAME-XXXXXX (mode 0700); caller frees the
 * path. */
UNIT_FN char *
unit_mkdtemp(const char *name)
{
	char *dir;

	assert_true(asprintf(&dir, "/tmp/hookline-%s-XXXXXX", name) > 0);
	assert_non_null(mkdtemp(dir));
	return dir;
}

UNIT_FN int
unit_rm_one(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Removes dir and everything below it, as rm -rf would, never following
 * a symbolic link out of it. */
UNIT_FN void
unit_rm_tree(const char *dir)
{
	assert_int_equal(nftw(dir, unit_rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}

/* Writes len bytes of data to path, replacing what was there, and gives
 * the file mode whatever the umask. */
UNIT_FN void
unit_write_bytes(const char *path, const void *data, size_t len, mode_t mode)
{
	const char *s = data;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_int_not_equal(fd, -1);
	while (len > 0) {
		ssize_t w = write(fd, s, len);

		assert_true(w > 0);
		s += w;
		len -= (size_t)w;
	}
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
}

/* Writes the string text to path, as unit_write_bytes does. */
UNIT_FN void
unit_write_file(const char *path, const char *text, mode_t mode)
{
	unit_write_bytes(path, text, strlen(text), mode);
}

/* The whole file at path, with a NUL after it (caller frees); its
 * length in *lenp unless lenp is NULL. */
UNIT_FN char *
unit_read_file(const char *path, size_t *lenp)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	assert_int_not_equal(fd, -1);
	for (;;) {
		ssize_t r;

		if (cap - len < 2) {
			cap = cap ? cap * 2 : 1 << 16;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		r = read(fd, buf + len, cap - len - 1);
		assert_true(r >= 0);
		if (r == 0)
			break;
		len += (size_t)r;
	}
	assert_int_equal(close(fd), 0);
	buf[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	return buf;
}

/* How many entries, dot files aside, the folder dir/sub holds; 0 when it
 * does not exist. */
UNIT_FN int
unit_count_entries(const char *dir, const char *sub)
{
	struct dirent *de;
	char *p;
	DIR *d;
	int n = 0;

	assert_true(asprintf(&p, "%s/%s", dir, sub) > 0);
	d = opendir(p);
	free(p);
	if (d == NULL) {
		assert_int_equal(errno, ENOENT);
		return 0;
	}
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	assert_int_equal(closedir(d), 0);
	return n;
}

#endif
