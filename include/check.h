/* check.h: `hookline check`: the configuration read as the server would,
 * with every error and warning, by file and line. */
#ifndef HOOKLINE_CHECK_H
#define HOOKLINE_CHECK_H

#include <stdio.h>

/* Exit codes of `hookline check`. */
#define CHECK_CLEAN	0
#define CHECK_WARNINGS	1
#define CHECK_ERRORS	2

/* Loads conf_path (NULL: no file, the implicit endpoint in ./hooks.d)
 * and writes one line per error and warning to out, each naming the
 * file and line ("warning: FILE:LINE: [section]: what"), then a summary
 * line. Reads DOCUMENT_ROOT from the environment. Returns CHECK_CLEAN,
 * CHECK_WARNINGS or CHECK_ERRORS. */
int	check_report(const char *conf_path, FILE *out);

/* The command: argv[0] is "check"; no other argument is taken. Reports
 * to stdout (usage to stderr). Returns the exit code as check_report. */
int	check_command(const char *conf_path, int argc, char **argv);

#endif
