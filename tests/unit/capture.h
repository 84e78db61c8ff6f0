/* capture.h: an operator's command run with its standard output
 * captured, for the tests of the commands. Include after unit.h. */
#ifndef HOOKLINE_CAPTURE_H
#define HOOKLINE_CAPTURE_H

/* Runs fn(conf, argc, argv) with argv a0..a3 (NULL ends it early),
 * stdout into dir/out, which then replaces *out (freed first). Returns
 * what fn returned. */
UNIT_FN int
unit_command(int (*fn)(const char *, int, char **), const char *conf,
    const char *dir, char **out, const char *a0, const char *a1,
    const char *a2, const char *a3)
{
	char *argv[5] = { (char *)a0, (char *)a1, (char *)a2, (char *)a3,
	    NULL };
	char *path;
	int argc = 0, saved, fd, rc;

	while (argc < 4 && argv[argc] != NULL)
		argc++;
	assert_true(asprintf(&path, "%s/out", dir) > 0);
	fflush(stdout);
	saved = dup(1);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(saved >= 0 && fd >= 0);
	dup2(fd, 1);
	close(fd);
	rc = fn(conf, argc, argv);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	free(*out);
	*out = unit_read_file(path, NULL);
	free(path);
	return rc;
}

#endif
