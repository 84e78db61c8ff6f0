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
 * as the current user, with every load error, and checks what loaded:
 * also that this user can write the spool and the log. Writes one line
 * per error and warning to out, each naming the
 * file and line ("warning: FILE:LINE: [section]: what"), then a summary
 * line. Reads DOCUMENT_ROOT from the environment. Returns CHECK_CLEAN,
 * CHECK_WARNINGS or CHECK_ERRORS. */
int	check_report(const char *conf_path, FILE *out);
/* The same, with warning (unless NULL) as its first warning line. */
int	check_report_note(const char *conf_path, FILE *out,
	    const char *warning);

/* The command (check_as.c): argv[0] is "check", then optionally
 * "--as USER". Says whom it checks as; run as root, reports as that
 * user (--as, hookline.conf's user, else the spool's owner) from a child
 * that has become it. Reports to stdout (usage to stderr). Returns the
 * exit code as check_report. */
int	check_command(const char *conf_path, int argc, char **argv);

#endif
